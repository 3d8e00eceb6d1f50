"""Engine set-up for the two databases the service runs on.

SQLite is the embedded default and must have SpatiaLite; PostgreSQL must have PostGIS (created by
the first migration, or beforehand by a superuser). Durability is never traded for speed here:
SQLite runs with ``synchronous=FULL`` in WAL mode, PostgreSQL with ``fsync`` and
``synchronous_commit`` on, and every new connection is checked for it (:class:`DurabilityOff`).
"""
from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable

from geoalchemy2.admin.dialects.sqlite import init_spatialite
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from fieldapp.config import ConfigError


class SpatialiteUnavailable(RuntimeError):
    """This Python cannot load SQLite extensions and pysqlite3-binary is not installed."""


def sqlite_dbapi_module():
    """The sqlite3 module to use: the standard one if it can load extensions, else pysqlite3.

    Many Python builds (pyenv's among them) are compiled without ``enable_load_extension``, which
    SpatiaLite needs; the ``pysqlite3-binary`` wheel bundles an SQLite that can.
    """
    probe = sqlite3.connect(":memory:")
    try:
        if hasattr(probe, "enable_load_extension"):
            return sqlite3
    finally:
        probe.close()
    try:
        from pysqlite3 import dbapi2
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise SpatialiteUnavailable(
            "this Python's sqlite3 cannot load extensions; install the extra: pip install 'fieldapp[sqlite-ext]'"
        ) from exc
    return dbapi2


def engine_options(database_url: str) -> dict:
    """SQLAlchemy engine options for ``database_url``."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return {"module": sqlite_dbapi_module(), "connect_args": {"timeout": 30}}
    # pool_pre_ping: the pool tries a connection (a round trip) each time it hands it out, so that one
    # that died (PostgreSQL restarted, a firewall dropped it while idle) is replaced before a request
    # uses it, and when one is found dead every older one is replaced too; without it the first request
    # on each dead connection failed (503). Its cost on the same host: about 30 µs a request (a
    # checkout, SELECT 1 and commit took 131 µs with it, 100-106 µs without, measured).
    # pool_size: the most connections a worker keeps open. It opens them only as it needs them: one per
    # request in progress plus its log sequencer's, so a sync worker holds 2 and a gthread worker
    # threads + 1; max_overflow bounds a worker at 15 all the same. docs/deploy.md sets workers against
    # PostgreSQL's max_connections. pool_timeout: an exhausted pool answers 503 within 5 s instead of
    # making clients hang.
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 5, "pool_timeout": 5}


class DurabilityOff(ConfigError):
    """The database would acknowledge a commit that a crash could still lose: fieldapp refuses it.

    Why: a phone deletes what it sent once the server has answered 201, and a check-in, a support
    record or a log entry acknowledged and then lost is evidence gone for good (and a gap in the
    log's sequence that its proofs cannot explain). The message names the setting and how to fix it.
    There is no switch to run without durability, benchmarks included (bench/common.py refuses too).
    """


#: PostgreSQL's settings under which COMMIT returns before the commit is on disk: ``fsync`` off
#: (the server-wide one; a crash can lose or corrupt anything), ``synchronous_commit`` off (a crash
#: loses the last commits; it can be set per database, role or session). Its other values (on,
#: local, remote_write, remote_apply) all flush the WAL locally first.
POSTGRESQL_DURABILITY_SQL = ("SELECT name, setting, source, current_database(), session_user FROM pg_settings "
                             "WHERE name IN ('fsync', 'synchronous_commit') ORDER BY name")

_HOW_TO_FIX = {
    "database": 'ALTER DATABASE "{database}" RESET {name}',
    "user": 'ALTER ROLE "{user}" RESET {name}',
    "database user": 'ALTER ROLE "{user}" IN DATABASE "{database}" RESET {name}',
    "client": "remove {name} from the connection's options (DATABASE_URL, PGOPTIONS)",
    "session": "remove {name} from the connection's options (DATABASE_URL, PGOPTIONS)",
}


def postgresql_durability_problems(settings: Iterable[tuple[str, str, str, str, str]], *,
                                   standby: bool = False) -> list[str]:
    """What is wrong in ``settings`` (the rows of :data:`POSTGRESQL_DURABILITY_SQL`: name, setting,
    source, database, login), a sentence per setting that is off, naming it and what turns it on
    again; empty when none is.

    A ``standby`` (the read replica, fieldapp/replicas/) is held to ``fsync`` only: it commits nothing
    of ours (its transactions are read only, and PostgreSQL refuses a write there), so its
    ``synchronous_commit`` cannot lose anything, while ``fsync`` off there could leave its copy corrupt
    after a crash, answering wrong figures. Being read only is what a standby is: not refused."""
    problems = []
    for name, setting, source, database, user in settings:
        if setting != "off" or (standby and name == "synchronous_commit"):
            continue
        fix = _HOW_TO_FIX.get(source, "set {name} = on in postgresql.conf and reload PostgreSQL")
        problems.append(f"PostgreSQL's {name} is off (set by: {source}): a commit it acknowledges can be lost "
                        f"in a crash; " + fix.format(name=name, database=database, user=user))
    return problems


def sqlite_durability_problems(journal_mode: str, synchronous: int) -> list[str]:
    """What is wrong with an SQLite connection's ``PRAGMA journal_mode`` and ``PRAGMA synchronous``:
    WAL (an in-memory database: memory) and FULL (2) or EXTRA (3) are required."""
    problems = []
    if journal_mode.lower() not in ("wal", "memory"):
        problems.append(f"SQLite's journal_mode is {journal_mode}, not wal: the database file's file system "
                        f"cannot hold a write-ahead log (a network share?); put it on a local disk")
    if synchronous < 2:
        problems.append(f"SQLite's synchronous is {synchronous}, not FULL (2): a commit can be lost in a crash")
    return problems


def _refuse(dbapi_conn, problems: list[str]) -> None:
    """Close the new connection (the pool never gets it) and raise :class:`DurabilityOff`."""
    with contextlib.suppress(Exception):
        dbapi_conn.close()
    raise DurabilityOff("fieldapp refuses to run on this database: " + "; ".join(problems))


def install_engine_hooks(engine: Engine, *, spatialite_path: str, role: str | None = None,
                         standby: bool = False) -> None:
    """Per-connection set-up: SpatiaLite and pragmas on SQLite; the runtime role and the caller's
    area (row-level security) on PostgreSQL, the same on a ``standby`` (the read replica), whose
    durability check is its own (:func:`postgresql_durability_problems`)."""
    if engine.dialect.name == "postgresql":
        _install_postgresql_hooks(engine, role, standby=standby)
        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take transaction control from the driver so that BEGIN and SAVEPOINT work as SQL says
        # (SQLAlchemy's documented recipe for pysqlite).
        dbapi_conn.isolation_level = None
        dbapi_conn.enable_load_extension(True)
        dbapi_conn.load_extension(spatialite_path)
        dbapi_conn.enable_load_extension(False)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if journal_mode.lower() != "memory":
            journal_mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]  # answers the mode it is in
        cursor.execute("PRAGMA synchronous = FULL")
        synchronous = cursor.execute("PRAGMA synchronous").fetchone()[0]
        cursor.close()
        if problems := sqlite_durability_problems(journal_mode, synchronous):
            _refuse(dbapi_conn, problems)
        init_spatialite(dbapi_conn, init_mode="WGS84")

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # IMMEDIATE: take the write lock when the transaction starts, not halfway through it. A
        # deferred transaction that read first and writes later fails outright (SQLITE_BUSY_SNAPSHOT)
        # when another writer committed meanwhile; waiting at BEGIN is what busy_timeout can handle.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _install_postgresql_hooks(engine: Engine, role: str | None, *, standby: bool = False) -> None:
    from fieldapp.auth import row_security

    row_security.install(engine)

    @event.listens_for(engine, "connect")
    def _check_durability(dbapi_conn, _record):
        # Every new connection, not only the first: synchronous_commit can be set per database or role
        # (it applies from the next connection), fsync changed by a reload, while the server runs.
        with dbapi_conn.cursor() as cursor:
            cursor.execute(POSTGRESQL_DURABILITY_SQL)
            settings = cursor.fetchall()
        dbapi_conn.rollback()
        if problems := postgresql_durability_problems(settings, standby=standby):
            _refuse(dbapi_conn, problems)

    if not role:
        return
    quoted = engine.dialect.identifier_preparer.quote(role)

    @event.listens_for(engine, "connect")
    def _set_role(dbapi_conn, _record):
        # DATABASE_ROLE: the login may own the tables (it ran the migrations); the API still acts
        # as the runtime role, which does not, so that row-level security applies to it.
        with dbapi_conn.cursor() as cursor:
            cursor.execute(f"SET ROLE {quoted}")
        dbapi_conn.commit()  # a SET inside a transaction that the pool rolls back would be undone


#: Tables that SpatiaLite or PostGIS create for themselves; migrations leave them alone.
_SPATIAL_SYSTEM_TABLES = {
    "ElementaryGeometries", "KNN", "KNN2", "SpatialIndex", "data_licenses", "sql_statements_log",
    "spatialite_history", "spatial_ref_sys", "spatial_ref_sys_aux", "layer", "topology",
}
_SPATIAL_SYSTEM_PREFIXES = ("geometry_columns", "views_geometry_columns", "virts_geometry_columns",
                            "idx_", "sqlite_", "vector_layers", "raster_", "rl2map_", "SE_", "ISO_",
                            "wms_", "networks", "topologies", "stored_")


def migration_include_object(obj, name, obj_type, reflected, compare_to) -> bool:
    """Alembic filter: compare our tables only, not the spatial extensions' own."""
    if obj_type == "table" and (name in _SPATIAL_SYSTEM_TABLES or name.startswith(_SPATIAL_SYSTEM_PREFIXES)):
        return False
    if obj_type == "index" and name and name.startswith("idx_") and reflected and compare_to is None:
        # SpatiaLite's R*Tree index tables appear as indexes on some versions; GeoAlchemy2 owns them.
        return False
    if compare_to is None:
        from fieldapp.distribution import keys_remade
        from fieldapp.extensions import db
        from fieldapp.partitions import POSTGRESQL_ONLY, SQLITE_ONLY

        # The partitioned PostgreSQL tables keep a few rules otherwise (fieldapp/partitions.py): what only
        # the models and SQLite have is missing there, what only PostgreSQL has is not in the models.
        # By name, so that each is skipped only where it is missing: tests/test_partitions.py checks them.
        if (not reflected and name in SQLITE_ONLY) or (reflected and name in POSTGRESQL_ONLY):
            return False
        # Likewise the keys remade with the commune on PostgreSQL (fieldapp/distribution.py; checked there by
        # tests/test_distribution.py against Citus's rules).
        models_only, postgresql_only = keys_remade(db.metadata)
        if (not reflected and name in models_only) or (reflected and name in postgresql_only):
            return False
    return True


def grant_app_role(connection, role: str) -> None:
    """PostgreSQL: give the API's runtime role what it needs and no more.

    The role reads and writes the ordinary tables but may only read and append to the activity
    log's tables: no UPDATE, DELETE or TRUNCATE there (issue 6), on top of the triggers. It gets
    nothing in the schema of the evidence's partitions, nor the check-ins' client ids of every area
    (fieldapp/partitions.py): it reaches the partitions through their parents, under row-level security.
    """
    from sqlalchemy import text

    from fieldapp.models.activity import APPEND_ONLY_TABLES

    quoted = connection.dialect.identifier_preparer.quote(role)
    for statement in (
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(APPEND_ONLY_TABLES)} FROM {quoted}",
        # Every area's check-in client ids (fieldapp/partitions.py): only the owner's trigger writes them.
        f"REVOKE ALL ON checkin_client_ids FROM {quoted}",
        # Nor every area's public and client ids claimed (fieldapp/distribution.py): only the owner's trigger.
        f"REVOKE ALL ON unique_claims FROM {quoted}",
    ):
        connection.execute(text(statement))
