"""The app of a command run, built only when the command needs it, and only as much as it needs.

``fieldapp`` (fieldapp/cli/main.py) lists its commands, and runs ``audit verify``, without building the
app or importing Flask, SQLAlchemy or the models: the command modules import them inside their
commands, and a command that needs the app says so with :func:`with_appcontext`, which builds it then
(``fieldapp.create_app``, through Flask's ``ScriptInfo`` as Flask's own command group does). A command
that works on the database alone gets the app without its HTTP interfaces (``http=False``: no API,
OpenAPI document or pages, about half of the app's start-up); one that needs them (a URL of a page,
the API's document) says ``with_appcontext(http=True)``. Under ``flask`` or the tests' runner
(``app.test_cli_runner()``) the app is theirs, whole.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from flask import Flask


class AppFactory:
    """The context object fieldapp.cli.main gives its commands: what builds the app, when one is needed
    (``create_app(http=…)``)."""

    def __init__(self, create_app: Callable[..., Flask]):
        self.create_app = create_app


def script_info(ctx: click.Context, *, http: bool = True):
    """Flask's ``ScriptInfo`` of this command run: the one Flask's CLI or the test runner gave, else one
    made now from the :class:`AppFactory` (kept on the root context, so a second call finds it)."""
    from flask.cli import ScriptInfo

    info = ctx.find_object(ScriptInfo)
    if info is None:
        factory = ctx.find_object(AppFactory)
        build = functools.partial(factory.create_app, http=http) if factory else None
        info = ctx.find_root().obj = ScriptInfo(create_app=build)
    return info


def app_built(*, http: bool = True) -> Flask:
    """The app of this command: the current app, else the app built now (with its HTTP interfaces or
    not), its app context pushed until the command ends."""
    from flask import current_app

    if current_app:
        return current_app._get_current_object()
    ctx = click.get_current_context()
    app = script_info(ctx, http=http).load_app()
    ctx.with_resource(app.app_context())
    return app


def with_appcontext(command: Callable | None = None, *, http: bool = False) -> Callable:
    """As ``flask.cli.with_appcontext``: the command runs in the app's context, built if need be, by
    default without its HTTP interfaces. Flask is imported when the command runs, not when it is listed."""
    if command is None:
        return functools.partial(with_appcontext, http=http)

    @functools.wraps(command)
    def run(*args, **kwargs):
        app_built(http=http)
        return command(*args, **kwargs)

    return run
