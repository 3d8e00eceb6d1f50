"""``fieldapp units import``."""
import click

from fieldapp.cli.appcontext import with_appcontext
from fieldapp.cli.progress import Progress


@click.group("units")
def group():
    """Administrative units (34 provinces, 3,321 communes)."""


@group.command("import")
@with_appcontext
def units_import_command():
    """Load or refresh all provinces and communes (safe to run again)."""
    from fieldapp.extensions import db
    from fieldapp.services.units import units_import

    counts = units_import(progress=Progress("units"))
    db.session.commit()
    click.echo(f"units: {counts['created']} created, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged")
