"""The operator's command line: ``fieldapp``. Flask's CLI underneath, with Flask-Migrate's ``db``.

The command groups are registered on ``app.cli`` by ``create_app``, so that ``fieldapp``, ``flask``
and the test runner all see the same commands.
"""
import uuid

import click
from flask import Flask, g
from flask.cli import FlaskGroup


def _create_app():
    from fieldapp import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False)
def main():
    """fieldapp: set up and run the Bình dân học vụ số field service."""


def register_commands(app: Flask) -> None:
    from fieldapp.cli import audit, contract, dbrole, demo, imports, keys, serve, units, users

    for module in (units, users, demo, serve, contract, audit, keys, dbrole, imports):
        app.cli.add_command(module.group)


def cli_run_id() -> str:
    """An id for this command run, recorded as the request id of its activity entries."""
    if "cli_run_id" not in g:
        g.cli_run_id = "cli-" + uuid.uuid4().hex[:16]
    return g.cli_run_id
