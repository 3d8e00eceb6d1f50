"""The evidence tables partitioned by reporting quarter on PostgreSQL (issue 19), so that an old
period can be detached and archived, with PostgreSQL's declarative partitioning (``PARTITION BY
RANGE``) and nothing of our own in the way of a query.

Which tables, by what (``PARTITIONED``):

- ``support_records`` by ``supported_at``: the list of people supported, by when the support was given;
- ``checkins`` by ``period_at``: the session's start for a session's check-in (every check-in of a
  session in one partition, so that "one counted check-in per person per session" is still a unique
  index), else when the server received it.

Why the reporting quarter (fieldapp/periods.py, ``2026-R3``): it is the programme's period of
account; a quarter whose report is approved is frozen, and its evidence is what an archive holds.

What PostgreSQL requires, and what each table does about it:

- A primary key or unique index of a partitioned table must contain the partition key. The primary
  keys are ``(id, supported_at)`` and ``(id, period_at)``; ``id`` stays unique because only its
  sequence gives it (nothing inserts an id of its own). The ORM still names a row by ``id``.
- ``checkins.client_id`` must be unique across every partition (a phone's retry is answered, never
  stored twice; mobile_contract/README.md), which no index of a partitioned table can say. It is a
  small table of its own, ``checkin_client_ids`` (the client ids alone, primary key), claimed by a
  ``BEFORE INSERT`` trigger that skips the check-in when its client id is taken: exactly what ``ON
  CONFLICT DO NOTHING`` did with the unique index (the check-in's one writer inserts that way and
  reads the earlier row when nothing came back, fieldapp/services/checkins.py), and like it, a
  parallel request with the same client id waits for the first to commit. The runtime role cannot
  read it (the trigger's function runs as the owner): it would tell one area the client ids of all.
- Nothing points at either table with a foreign key.

The partitions live in the schema ``fieldapp_partitions``, on which the runtime role has no
``USAGE``: it reaches rows only through the parent tables, where row-level security applies (a
policy of the parent is not a partition's own). Each table also has a ``DEFAULT`` partition, so an
insert outside the created quarters never fails; ``partitions_ensure`` moves such rows into their
quarter's partition when it creates it.

SQLite keeps these tables as they were (one table each, ``client_id`` unique), as the embedded
default holds one commune's data.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from fieldapp.clock import utcnow
from fieldapp.periods import Period, PeriodError, local_day, report_quarter, report_quarter_of

#: The partitioned tables and the column each is partitioned by.
PARTITIONED = {"support_records": "supported_at", "checkins": "period_at"}

#: Where the partitions are: a schema the runtime role cannot use.
SCHEMA = "fieldapp_partitions"

#: How many reporting quarters after the current one ``partitions_ensure`` keeps ready.
AHEAD = 2

#: What the models say and the partitioned PostgreSQL tables keep otherwise (tests/test_migrations.py
#: compares the rest; tests/test_partitions.py checks these on PostgreSQL): objects only SQLite has ...
SQLITE_ONLY = frozenset({"uq_checkins_client_id", "uq_checkins_session_user_counted"})
#: ... and objects only PostgreSQL has (the same rules with the partition key, the client ids' table).
POSTGRESQL_ONLY = frozenset({"uq_checkins_session_user_period_counted_commune", "ix_checkins_client_id",
                             "checkin_client_ids"})

_REPORT_NAME = r"^(\d{4})-R([1-4])$"


def period_named(text: str) -> Period:
    """The reporting quarter ``2026-R3`` (or the quarterly report's own name for it, ``2026-Q3``)."""
    found = re.match(_REPORT_NAME, (text or "").strip().replace("-Q", "-R"))
    if not found:
        raise PeriodError(f"{text!r}: a reporting quarter, e.g. 2026-R3 (or 2026-Q3 as the quarterly report names it)")
    return report_quarter(int(found[1]), int(found[2]))


def partition_name(table: str, period: Period) -> str:
    """``support_records_2026r3``: the partition of ``table`` holding ``period``."""
    return f"{table}_{period.name.replace('-', '').lower()}"


def default_name(table: str) -> str:
    return f"{table}_default"


def next_period(period: Period) -> Period:
    return report_quarter_of(period.last + timedelta(days=1))


def _q(name: str) -> str:
    return f'"{name}"'


def _bounds(period: Period) -> str:
    return f"FROM ('{period.starts_at.isoformat()}') TO ('{period.ends_before.isoformat()}')"


def default_create_sql(table: str) -> str:
    return f"CREATE TABLE IF NOT EXISTS {SCHEMA}.{_q(default_name(table))} PARTITION OF {_q(table)} DEFAULT"


@dataclass(frozen=True)
class PartitionInfo:
    table: str
    name: str
    #: The reporting quarter it holds (``None`` for the default partition).
    period: str | None
    rows: int


def partitions_list(connection) -> list[PartitionInfo]:
    """Every partition of the partitioned tables, in order, with an estimate of its rows (``pg_class``)."""
    from sqlalchemy import text

    rows = connection.execute(text(
        "SELECT parent.relname, child.relname, pg_get_expr(child.relpartbound, child.oid), "
        "greatest(child.reltuples, 0)::bigint FROM pg_inherits "
        "JOIN pg_class parent ON parent.oid = pg_inherits.inhparent "
        "JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
        "WHERE parent.relname = ANY(:tables) ORDER BY parent.relname, child.relname"),
        {"tables": list(PARTITIONED)}).all()
    found = []
    for table, name, bound, estimate in rows:
        period = None if bound == "DEFAULT" else name.removeprefix(f"{table}_").upper().replace("R", "-R")
        found.append(PartitionInfo(table, name, period, estimate))
    return found


def _default_periods(connection, table: str) -> list[Period]:
    """The reporting quarters of the rows that landed in ``table``'s default partition."""
    from sqlalchemy import text

    column = PARTITIONED[table]
    moments = connection.execute(text(
        f"SELECT DISTINCT date_trunc('day', {column} AT TIME ZONE 'Asia/Ho_Chi_Minh')::date "
        f"FROM {SCHEMA}.{_q(default_name(table))}")).scalars().all()
    return sorted({report_quarter_of(day) for day in moments}, key=lambda p: p.first)


def partitions_ensure(connection, *, today: date | None = None, ahead: int = AHEAD,
                      lock_timeout: str = "5s") -> list[str]:
    """Create the partitions of the current reporting quarter and the ``ahead`` next ones, and of any
    quarter whose rows landed in a default partition (moving them there); returns the partitions made.

    Cheap and idempotent: a partition that exists is left alone, so it can run daily (cron, a systemd
    timer). A new partition is attached (``SHARE UPDATE EXCLUSIVE`` on its parent: reads and writes go
    on), after a scan of the default partition, which holds only rows that came outside the quarters
    made (normally none). ``lock_timeout``: how long to wait for a lock before giving up (nothing made
    then; run it again)."""
    from sqlalchemy import text

    current = report_quarter_of(today or local_day(utcnow()))
    wanted = [current]
    for _ in range(ahead):
        wanted.append(next_period(wanted[-1]))
    connection.execute(text(f"SET LOCAL lock_timeout = '{lock_timeout}'"))
    existing = {(p.table, p.name) for p in partitions_list(connection)}
    stray = {table: (_default_periods(connection, table) if (table, default_name(table)) in existing else [])
             for table in PARTITIONED}
    # Both tables get the same quarters, so that a quarter is detached from both alike.
    needed = sorted({*wanted, *(period for periods in stray.values() for period in periods)}, key=lambda p: p.first)
    made = []
    for table, column in PARTITIONED.items():
        for period in needed:
            name = partition_name(table, period)
            if (table, name) in existing:
                continue
            # Made apart and attached, rather than CREATE ... PARTITION OF (which locks the parent
            # ACCESS EXCLUSIVE): ATTACH takes SHARE UPDATE EXCLUSIVE, which lets reads and writes go on,
            # and builds the new partition's indexes, foreign keys and triggers (on no rows, at once).
            connection.execute(text(f"CREATE TABLE {SCHEMA}.{_q(name)} (LIKE {_q(table)} INCLUDING DEFAULTS)"))
            if period in stray[table]:
                # Rows of that quarter that landed in the default partition move in before the attach
                # (which checks that the default no longer holds any).
                where = (f"{column} >= '{period.starts_at.isoformat()}' "
                         f"AND {column} < '{period.ends_before.isoformat()}'")
                connection.execute(text(
                    f"WITH moved AS (DELETE FROM {SCHEMA}.{_q(default_name(table))} WHERE {where} RETURNING *) "
                    f"INSERT INTO {SCHEMA}.{_q(name)} SELECT * FROM moved"))
            connection.execute(text(f"ALTER TABLE {_q(table)} ATTACH PARTITION {SCHEMA}.{_q(name)} "
                                    f"FOR VALUES {_bounds(period)}"))
            existing.add((table, name))
            made.append(name)
        if (table, default_name(table)) not in existing:
            connection.execute(text(default_create_sql(table)))
            made.append(default_name(table))
    return made


def support_quarters_detached(connection) -> list[str]:
    """The reporting quarters whose support is counted in the indicators' roll-ups but whose support
    records are no longer in ``support_records`` (detached, archived): a recount from the records would
    lose them, so ``fieldapp tallies rebuild`` refuses while there are any. ``[]`` on SQLite."""
    from sqlalchemy import text

    if connection.dialect.name != "postgresql":
        return []
    days = connection.execute(text("SELECT DISTINCT day FROM support_tallies WHERE records <> 0")).scalars().all()
    attached = {p.period for p in partitions_list(connection) if p.table == "support_records" and p.period}
    detached = []
    for quarter in sorted({report_quarter_of(day) for day in days}, key=lambda q: q.first):
        if quarter.name in attached:
            continue
        # A quarter without its partition whose records are still there, in the default partition (not
        # made yet: ``ensure`` will) is not detached. The query reads only the default partition (the
        # range prunes the others), through the parent: the runtime role may not use the partitions' schema.
        waiting = connection.execute(text(
            "SELECT EXISTS (SELECT 1 FROM support_records WHERE supported_at >= :starts AND supported_at < :ends)"),
            {"starts": quarter.starts_at, "ends": quarter.ends_before}).scalar()
        if not waiting:
            detached.append(quarter.name)
    return detached


class DetachRefused(Exception):
    """A period that may not be detached, and why."""


@dataclass(frozen=True)
class Detached:
    table: str
    partition: str
    rows: int
    #: The archive written (``None``: the detached table was kept, in ``fieldapp_partitions``).
    archive: Path | None
    sha256: str | None


def _archive_path(archive: Path, table: str, many: bool) -> Path:
    """One file per table: ``FILE`` itself for one table, ``FILE`` with the table's name for several."""
    if not many:
        return archive
    name = archive.name.removesuffix(".csv.gz")
    return archive.with_name(f"{name}.{table}.csv.gz")


def partition_detach(connection, period: Period, *, tables: tuple[str, ...] = tuple(PARTITIONED),
                     archive: Path | None = None, today: date | None = None, lock_timeout: str = "5s",
                     commit: Callable[[], None] | None = None) -> list[Detached]:
    """Detach ``period``'s partition of each of ``tables``; with ``archive``, write its rows there (gzip'd
    CSV with a header, and a ``.json`` manifest beside it: the table, the period, its bounds, the row
    count, the columns and the file's SHA-256) and drop the detached table once its rows are written.

    Why not ``DETACH ... CONCURRENTLY``: PostgreSQL refuses it on a table that has a default partition
    (which keeps inserts from ever failing). A plain ``DETACH`` changes only the catalogue, but takes
    an ``ACCESS EXCLUSIVE`` lock on the parent, held until the transaction ends: ``lock_timeout`` keeps
    it from queueing the API behind a long report (on a timeout nothing changed, and the command can be
    run again), and ``commit`` (the command's: ``connection.commit``) ends that transaction before the
    rows are counted and archived, which no query of the API can reach any more.

    A period that has not ended yet (the current quarter or later) is refused: its rows are still
    being written. The indicators' roll-ups (fieldapp/models/tallies.py) are not changed: what was
    counted stays counted, and ``fieldapp tallies check`` or ``rebuild``, which count the records that
    are attached, would no longer see the detached ones (docs/deploy.md)."""
    from sqlalchemy import text

    current = report_quarter_of(today or local_day(utcnow()))
    if period.first >= current.first:
        raise DetachRefused(f"{period.name} has not ended (the current reporting quarter is {current.name}): "
                            "only a quarter that is over can be detached")
    existing = {(p.table, p.name) for p in partitions_list(connection)}
    missing = [t for t in tables if (t, partition_name(t, period)) not in existing]
    if missing:
        raise DetachRefused(f"no partition of {period.name} for {', '.join(missing)} "
                            "(already detached, or never made)")
    connection.execute(text(f"SET LOCAL lock_timeout = '{lock_timeout}'"))
    for table in tables:
        partition = f"{SCHEMA}.{_q(partition_name(table, period))}"
        connection.execute(text(f"ALTER TABLE {_q(table)} DETACH PARTITION {partition}"))
    if commit is not None:
        commit()
    done = []
    for table in tables:
        if archive is None:
            name = partition_name(table, period)
            rows = connection.execute(text(f"SELECT count(*) FROM {SCHEMA}.{_q(name)}")).scalar_one()
            done.append(Detached(table, name, rows, None, None))
        else:
            done.append(partition_archive(connection, table, period, _archive_path(Path(archive), table,
                                                                                  len(tables) > 1)))
    return done


def partition_archive(connection, table: str, period: Period, path: Path) -> Detached:
    """Write the detached partition of ``table`` for ``period`` to ``path`` (gzip'd CSV, its ``.json``
    manifest beside it), then drop it. Also for a partition detached earlier and kept."""
    from sqlalchemy import text

    name = partition_name(table, period)
    qualified = f"{SCHEMA}.{_q(name)}"
    found, attached = connection.execute(text(
        "SELECT to_regclass(:t) IS NOT NULL, EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(:t))"),
        {"t": qualified}).one()
    if not found:
        raise DetachRefused(f"no table {qualified} (archived already, or never detached)")
    if attached:
        raise DetachRefused(f"{name} is still attached: detach it first")
    rows = connection.execute(text(f"SELECT count(*) FROM {qualified}")).scalar_one()
    digest = _archive_write(connection, qualified, path)
    columns = connection.execute(text(f"SELECT * FROM {qualified} LIMIT 0")).keys()
    path.with_name(path.name.removesuffix(".gz").removesuffix(".csv") + ".json").write_text(json.dumps({
        "table": table, "partition": name, "period": period.name, "column": PARTITIONED[table],
        "from": period.starts_at.isoformat(), "before": period.ends_before.isoformat(), "rows": rows,
        "columns": list(columns), "file": path.name, "sha256": digest}, indent=2) + "\n")
    connection.execute(text(f"DROP TABLE {qualified}"))
    return Detached(table, name, rows, path, digest)


def _archive_write(connection, qualified: str, path: Path) -> str:
    """``COPY ... TO STDOUT`` of the table into ``path`` (gzip'd CSV with a header); its SHA-256."""
    raw = connection.connection.driver_connection
    path.parent.mkdir(parents=True, exist_ok=True)
    statement = f"COPY {qualified} TO STDOUT WITH (FORMAT csv, HEADER)"
    with gzip.open(path, "wb") as out, raw.cursor().copy(statement) as copy:
        for chunk in copy:
            out.write(bytes(chunk))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def archive_rows(path: Path) -> list[dict]:
    """An archive's rows, as text (for checks and tests)."""
    with gzip.open(path, "rt", newline="") as source:
        return list(csv.DictReader(source))
