"""The operator's command line: ``fieldapp`` (its entry point is :mod:`fieldapp.cli.main`). Flask's
CLI underneath, with Flask-Migrate's ``db``.

The command groups are registered on ``app.cli`` by ``create_app``, so that ``fieldapp``, ``flask``
and the test runner all see the same commands.
"""

from flask import Flask


def register_commands(app: Flask) -> None:
    from fieldapp.cli import audit, contract, dbrole, demo, imports, keys, serve, tallies, units, users

    for module in (units, users, demo, serve, contract, audit, keys, dbrole, imports, tallies):
        app.cli.add_command(module.group)
