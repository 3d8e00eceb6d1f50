"""``fieldapp``, the operator's command: the command groups of :func:`fieldapp.cli.command_groups`,
and the extensions' (Flask-Migrate's ``db``, Flask-Limiter's ``limiter``, flask-smorest's ``openapi``).

It starts without building the app: a command builds it when it runs and needs it, without the API
and pages when it works on the database alone (:func:`fieldapp.cli.appcontext.with_appcontext`), so
``fieldapp --help`` and ``fieldapp audit verify`` import neither Flask nor SQLAlchemy
(tests/test_cli_startup.py), and the extensions' groups are imported only when named. (Flask's
``FlaskGroup`` built the whole app, API and OpenAPI document included, to list the commands: 2.7 s
before any command ran.)

Apart from the commands' package: the app factory imports that package to register them on
``app.cli`` (so ``flask`` and the tests' runner see the same commands), and this entry point imports
the factory, so together they were an import circle.
"""
from __future__ import annotations

import importlib

import click

from fieldapp.cli import command_groups
from fieldapp.cli.appcontext import AppFactory, script_info

#: The extensions' command groups: name → (where it is, the line ``fieldapp --help`` shows for it,
#: whether its commands need the app's HTTP interfaces: the limiter's read the routes, openapi's the API).
EXTENSION_GROUPS = {
    "db": ("flask_migrate.cli:db", "Perform database migrations.", False),
    "limiter": ("flask_limiter.commands:cli", "Flask-Limiter maintenance & utility commands", True),
    "openapi": ("flask_smorest.spec:openapi_cli", "OpenAPI commands.", True),
}


def _create_app(*, http: bool):
    from fieldapp import create_app

    return create_app(http=http)


class _Extension(click.Group):
    """An extension's group as it is listed; :meth:`Operator.resolve_command` runs the group itself."""

    def __init__(self, name: str, target: str, short_help: str, http: bool):
        super().__init__(name, short_help=short_help, help=short_help)
        self.target = target
        self.http = http

    def loaded(self) -> click.Command:
        module, attribute = self.target.split(":")
        return getattr(importlib.import_module(module), attribute)


class Operator(click.Group):
    """The root group: builds no app of its own (its context object is an :class:`AppFactory`)."""

    def make_context(self, info_name, args, parent=None, **extra):
        extra.setdefault("obj", AppFactory(_create_app))
        return super().make_context(info_name, args, parent=parent, **extra)

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, _Extension):
            script_info(ctx, http=command.http)  # their commands take the app from Flask's ScriptInfo
            command = command.loaded()
        return name, command, rest


main = Operator(
    "fieldapp",
    help="fieldapp: set up and run the Bình dân học vụ số field service.",
    commands=[*command_groups(), *(_Extension(name, *extension) for name, extension in EXTENSION_GROUPS.items())],
)
