"""``fieldapp partitions``: the evidence tables' partitions by reporting quarter (PostgreSQL;
fieldapp/partitions.py). ``ensure`` makes the coming quarters' (cheap, idempotent: run it daily),
``detach`` takes an ended quarter out, into an archive file, ``list`` shows them."""
from pathlib import Path

import click

from fieldapp.cli.appcontext import with_appcontext


@click.group("partitions")
def group():
    """The support records' and check-ins' partitions by reporting quarter (PostgreSQL)."""


def _owner_connection():
    """A connection as the login that owns the tables (partitions are DDL, which the runtime role may
    not run), not handed back to the pool afterwards."""
    from fieldapp.extensions import db

    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("partitions exist on PostgreSQL only: SQLite keeps each table whole")
    connection = db.engine.connect()
    connection.exec_driver_sql("RESET ROLE")
    return connection


def _quarter(period: str):
    """The reporting quarter PERIOD names (2026-R3, or 2026-Q3 as the quarterly report names it)."""
    from fieldapp.partitions import period_named
    from fieldapp.periods import PeriodError

    try:
        return period_named(period)
    except PeriodError as error:
        raise click.BadParameter(str(error), param_hint="PERIOD") from error


@group.command("ensure")
@click.option("--ahead", type=click.IntRange(0, 8), default=None,
              help="Reporting quarters after the current one to make ready (default 2).")
@with_appcontext
def partitions_ensure_command(ahead):
    """Make the partitions of the current and the coming reporting quarters, and of any quarter whose
    rows fell into a default partition (moved there); nothing when they exist."""
    from fieldapp.partitions import AHEAD, partitions_ensure

    connection = _owner_connection()
    try:
        made = partitions_ensure(connection, ahead=AHEAD if ahead is None else ahead)
        connection.commit()
    finally:
        connection.invalidate()
    click.echo("made: " + ", ".join(made) if made else "every partition was there already")


@group.command("list")
@with_appcontext
def partitions_list_command():
    """Each partition, with the quarter it holds and its rows (PostgreSQL's estimate)."""
    from fieldapp.partitions import partitions_list

    connection = _owner_connection()
    try:
        for info in partitions_list(connection):
            click.echo(f"{info.table}\t{info.name}\t{info.period or 'default'}\t~{info.rows}")
    finally:
        connection.invalidate()


@group.command("detach")
@click.argument("period")
@click.option("--archive", "archive", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the rows to FILE (gzip'd CSV, a .json manifest beside it) and drop the detached "
                   "table; without it, the detached table stays in the schema fieldapp_partitions.")
@click.option("--table", "tables", multiple=True, type=click.Choice(["support_records", "checkins"]),
              help="Only this table (repeatable); both by default.")
@click.option("--lock-timeout", default="5s", show_default=True,
              help="How long to wait for the parent table's lock before giving up (nothing changes then).")
@with_appcontext
def partitions_detach_command(period, archive, tables, lock_timeout):
    """Detach the reporting quarter PERIOD (2026-R3, or 2026-Q3 as the quarterly report names it) from
    the support records and check-ins. The indicators' roll-ups keep counting it."""
    from sqlalchemy.exc import OperationalError

    from fieldapp.partitions import PARTITIONED, DetachRefused, partition_detach

    quarter = _quarter(period)
    connection = _owner_connection()
    try:
        done = partition_detach(connection, quarter, tables=tuple(tables) or tuple(PARTITIONED), archive=archive,
                                lock_timeout=lock_timeout, commit=connection.commit)
        connection.commit()
    except DetachRefused as refused:
        connection.rollback()
        raise click.ClickException(str(refused)) from refused
    except OperationalError as error:
        connection.rollback()
        raise click.ClickException(f"nothing detached: {error.orig}") from error
    finally:
        connection.invalidate()
    for item in done:
        where = f"archived to {item.archive} (sha256 {item.sha256})" if item.archive else \
            f"kept as fieldapp_partitions.{item.partition}"
        click.echo(f"{item.table}: {quarter.name} detached, {item.rows} rows, {where}")


@group.command("archive")
@click.argument("period")
@click.argument("table", type=click.Choice(["support_records", "checkins"]))
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def partitions_archive_command(period, table, archive):
    """Archive a partition detached earlier and kept (``detach`` without ``--archive``, or an archive
    that failed) to ARCHIVE, then drop it."""
    from fieldapp.partitions import DetachRefused, partition_archive

    quarter = _quarter(period)
    connection = _owner_connection()
    try:
        item = partition_archive(connection, table, quarter, archive)
        connection.commit()
    except DetachRefused as refused:
        connection.rollback()
        raise click.ClickException(str(refused)) from refused
    finally:
        connection.invalidate()
    click.echo(f"{item.table}: {quarter.name}, {item.rows} rows, archived to {item.archive} (sha256 {item.sha256})")
