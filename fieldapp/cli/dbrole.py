"""``fieldapp dbrole grant ROLE``: the PostgreSQL privileges of the API's runtime role."""
import click
from flask.cli import with_appcontext

from fieldapp.extensions import db


@click.group("dbrole")
def group():
    """The database role the API runs as (PostgreSQL)."""


@group.command("grant")
@click.argument("role")
@with_appcontext
def dbrole_grant(role):
    """Grant ROLE read/write on ordinary tables and read/append only on the activity log."""
    from fieldapp.database import grant_app_role

    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("roles and privileges exist on PostgreSQL only")
    with db.engine.begin() as connection:
        grant_app_role(connection, role)
    click.echo(f"granted {role}: read/write, activity log read/append only")
