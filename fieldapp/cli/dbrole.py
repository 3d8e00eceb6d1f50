"""``fieldapp dbrole grant ROLE``: the PostgreSQL privileges of the API's runtime role."""
import click

from fieldapp.cli.appcontext import with_appcontext


@click.group("dbrole")
def group():
    """The database role the API runs as (PostgreSQL)."""


@group.command("grant")
@click.argument("role")
@with_appcontext
def dbrole_grant(role):
    """Grant ROLE read/write on ordinary tables and read/append only on the activity log."""
    from fieldapp.database import grant_app_role
    from fieldapp.extensions import db

    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("roles and privileges exist on PostgreSQL only")
    with db.engine.begin() as connection:
        grant_app_role(connection, role)
    click.echo(f"granted {role}: read/write, activity log read/append only")
