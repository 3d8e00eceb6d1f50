"""The app refuses a database that could lose a commit it acknowledged (issue 19): PostgreSQL with
``fsync`` or ``synchronous_commit`` off, SQLite outside WAL mode or below ``synchronous=FULL``
(fieldapp/database.py). Every new connection is checked, the server refuses to start, and a request
that meets such a connection is answered 503."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from fieldapp import create_app
from fieldapp.database import DurabilityOff, postgresql_durability_problems, sqlite_durability_problems
from fieldapp.extensions import db as _db
from fieldapp.serving.startup import server_start
from tests.databases import create_database, drop_database
from tests.servers import GUNICORN_CONFIG, ROOT, free_port


def _row(name, setting, source="default"):
    """A row of fieldapp.database.POSTGRESQL_DURABILITY_SQL, as PostgreSQL answers it."""
    return name, setting, source, "fieldapp", "fieldapp_app"


def test_postgresql_durable_settings_are_accepted():
    for value in ("on", "local", "remote_write", "remote_apply"):  # each flushes the WAL locally first
        assert postgresql_durability_problems([_row("fsync", "on"), _row("synchronous_commit", value)]) == []


def test_postgresql_fsync_off_is_refused_naming_the_setting_and_the_fix():
    """fsync cannot be changed by a session, so the rule is tested on PostgreSQL's answer."""
    [problem] = postgresql_durability_problems([_row("fsync", "off", "configuration file"),
                                                _row("synchronous_commit", "on")])
    assert problem.startswith("PostgreSQL's fsync is off (set by: configuration file)")
    assert "set fsync = on in postgresql.conf and reload PostgreSQL" in problem


@pytest.mark.parametrize(("source", "fix"), [
    ("database", 'ALTER DATABASE "fieldapp" RESET synchronous_commit'),
    ("user", 'ALTER ROLE "fieldapp_app" RESET synchronous_commit'),
    ("database user", 'ALTER ROLE "fieldapp_app" IN DATABASE "fieldapp" RESET synchronous_commit'),
    ("client", "remove synchronous_commit from the connection's options (DATABASE_URL, PGOPTIONS)"),
    ("configuration file", "set synchronous_commit = on in postgresql.conf and reload PostgreSQL"),
])
def test_postgresql_synchronous_commit_off_is_refused_with_the_fix_for_where_it_was_set(source, fix):
    [problem] = postgresql_durability_problems([_row("fsync", "on"), _row("synchronous_commit", "off", source)])
    assert problem.startswith(f"PostgreSQL's synchronous_commit is off (set by: {source})") and problem.endswith(fix)


def test_sqlite_must_be_in_wal_mode_with_synchronous_full():
    assert sqlite_durability_problems("wal", 2) == sqlite_durability_problems("wal", 3) == []
    assert sqlite_durability_problems("memory", 2) == []  # an in-memory database has no file to lose
    [journal] = sqlite_durability_problems("delete", 2)
    assert journal.startswith("SQLite's journal_mode is delete, not wal")
    [synchronous] = sqlite_durability_problems("wal", 1)
    assert synchronous.startswith("SQLite's synchronous is 1, not FULL (2)")


def test_the_apps_connections_are_durable(db):
    connection = db.session.connection()  # the test's: a second one would wait for its write lock on SQLite
    if connection.dialect.name == "sqlite":
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    else:
        settings = dict(connection.exec_driver_sql(
            "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit')").all())
        assert settings == {"fsync": "on", "synchronous_commit": "on"}


@pytest.fixture
def database_without_synchronous_commit():
    """A PostgreSQL database of its own (from the template) whose synchronous_commit is off, as
    ``ALTER DATABASE … SET synchronous_commit = off`` leaves it for every new connection."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        pytest.skip("a PostgreSQL setting")
    url = create_database(base, "async")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        name = sa.make_url(url).database
        connection.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    engine.dispose()
    yield url
    drop_database(url)


@pytest.mark.postgres_only
@pytest.mark.real_commits  # an app of its own: the rolled-back test session must not stand in for its database
def test_the_server_refuses_to_start_on_a_database_without_synchronous_commit(database_without_synchronous_commit,
                                                                             tmp_path):
    url = database_without_synchronous_commit
    name = sa.make_url(url).database
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "KEYS_DIR": str(tmp_path), "AUDIT_SEQUENCE_INTERVAL": 0})
    try:
        with pytest.raises(DurabilityOff) as refused:
            server_start(app)
        message = str(refused.value)
        print(f"\n{message}")
        assert "PostgreSQL's synchronous_commit is off (set by: database)" in message
        assert f'ALTER DATABASE "{name}" RESET synchronous_commit' in message
        # A server already running meets it at its next new connection: nothing is written there.
        response = app.test_client().get("/api/v1/healthz")
        assert response.status_code == 503 and response.get_json()["error_code"] == "server.database_unavailable"
        with app.app_context():
            assert _db.engine.pool.checkedout() == 0  # the refused connection never reached the pool
    finally:
        with app.app_context():
            _db.engine.dispose()


@pytest.mark.slow
@pytest.mark.postgres_only
@pytest.mark.real_commits  # no test transaction: gunicorn, another process, connects on its own
def test_gunicorn_does_not_start_on_a_database_without_synchronous_commit(database_without_synchronous_commit,
                                                                          tmp_path):
    """With fieldapp's configuration the app is built in the master (preload_app): it stops once, with
    the message, before any worker is forked or the port opened."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_without_synchronous_commit, "KEYS_DIR": str(tmp_path),
           "AUDIT_SEQUENCE_INTERVAL": "0"}
    result = subprocess.run([str(Path(sys.executable).with_name("gunicorn")), "-c", GUNICORN_CONFIG, "--bind",
                             f"127.0.0.1:{port}", "--workers", "2", "fieldapp.wsgi:app"],
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    print(f"\n{result.stderr.strip().splitlines()[-1]}")
    assert result.returncode != 0
    assert "fieldapp refuses to run on this database: PostgreSQL's synchronous_commit is off" in result.stderr
    assert "Booting worker" not in result.stderr
