"""``fieldapp``, the operator's command: Flask's CLI group over the app that :func:`fieldapp.create_app`
builds, with the commands it registers (:func:`fieldapp.cli.register_commands`).

Apart from the commands' package: the app factory imports that package to register them, and this
entry point imports the factory, so together they were an import circle.
"""
import click
from flask.cli import FlaskGroup

from fieldapp import create_app


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False,
             add_version_option=False)
def main():
    """fieldapp: set up and run the Bình dân học vụ số field service."""
