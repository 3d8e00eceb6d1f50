"""``fieldapp households import``: a commune's household list from CSV or Excel."""
from __future__ import annotations

import click

from fieldapp.cli.appcontext import with_appcontext
from fieldapp.cli.progress import Progress
from fieldapp.cli.runs import cli_run_id


@click.group("households")
def group():
    """Households and their people."""


class _Phases:
    """Progress for the check, then for the writing (the service counts from 0 again)."""

    def __init__(self, label: str):
        self.label = label
        self.phases = iter(("checking", "writing"))
        self.current: Progress | None = None
        self.last = -1

    def __call__(self, done: int, total: int | None) -> None:
        if self.current is None or done < self.last:
            self.current = Progress(f"{self.label}: {next(self.phases, 'writing')}")
        self.last = done
        self.current(done, total)


def error_line(error: dict) -> str:
    where = []
    if error["line"] is not None:
        where.append(f"line {error['line']}")
    if error["column"] is not None:
        where.append(f"column {error['column']}")
    return f"{', '.join(where)}: {error['reason']}" if where else error["reason"]


@group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--commune", "commune_code", required=True, help="Commune code, e.g. 17395")
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing")
@click.option("--allow-duplicates", is_flag=True,
              help="Import people with the same name as someone in the village (or in the file), and the same "
                   "birth year or one unknown")
@with_appcontext
def households_import_command(file, commune_code, dry_run, allow_duplicates):
    """Import households and people from FILE (.xlsx or .csv): all rows, or nothing if any row is wrong."""
    from pathlib import Path

    from fieldapp.errors import AppError
    from fieldapp.extensions import db
    from fieldapp.services.imports import households_import

    cli_run_id()
    path = Path(file)
    try:
        with path.open("rb") as stream:
            report = households_import(caller=None, commune_code=commune_code, filename=path.name, stream=stream,
                                       dry_run=dry_run, allow_duplicates=allow_duplicates,
                                       progress=_Phases("households import"))
    except AppError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.spec.code}: {error.message('en')} {error.errors or ''}".strip()) \
            from error
    except Exception:
        db.session.rollback()
        raise
    for error in report.errors:
        click.echo(error_line(error))
    counts = f"{report.households} households, {report.persons} persons"
    if not report.ok:
        db.session.rollback()
        click.echo(f"{path.name}: {counts}; errors found, nothing written")
        raise click.exceptions.Exit(1)
    if dry_run:
        click.echo(f"{path.name}: {counts}, no errors (dry run, nothing written)")
        return
    db.session.commit()
    click.echo(f"{path.name}: imported {counts} into {commune_code}")
