"""The operator's command line: ``fieldapp`` (its entry point is :mod:`fieldapp.cli.main`). Flask's
CLI underneath, with Flask-Migrate's ``db``.

The command groups are registered on ``app.cli`` by ``create_app`` too, so that ``fieldapp``, ``flask``
and the test runner all see the same commands. Each module imports at its top only click, the
standard library and the light modules of this package; Flask, SQLAlchemy, the models and services
are imported inside the commands (fieldapp/cli/appcontext.py says why).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import click
    from flask import Flask


def command_groups() -> list[click.Command]:
    """Every command group of fieldapp's own, in the order ``fieldapp --help`` lists them (by name)."""
    from fieldapp.cli import audit, contract, dbrole, demo, imports, keys, partitions, serve, tallies, units, users

    return [module.group for module in (units, users, demo, serve, contract, audit, keys, dbrole, imports, tallies,
                                        partitions)]


def register_commands(app: Flask) -> None:
    for group in command_groups():
        app.cli.add_command(group)
