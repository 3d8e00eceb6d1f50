"""Test set-up: the database is built once per run by the migrations; each test runs inside a
transaction that is rolled back, so tests never see each other's rows.

The database comes from ``TEST_DATABASE_URL``: a PostgreSQL URL runs the suite on PostGIS (a fresh
database per run, and per xdist worker, made from the server's template with PostGIS); anything else,
or nothing, runs it on a fresh SQLite + SpatiaLite file.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy.orm import scoped_session, sessionmaker

from fieldapp import create_app
from fieldapp.extensions import db as _db
from fieldapp.extensions import limiter
from tests.databases import create_database, drop_database, runtime_role, runtime_role_grant
from tests.factories import DEFAULT_PASSWORD, make_user  # noqa: F401  (re-exported for tests)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    base = os.environ.get("TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        url = create_database(base, worker_id)
        yield url
        drop_database(url)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def worker_id(request):
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    """The app on a database built by running the migrations, with the units imported.

    On PostgreSQL the app acts as a runtime role that does not own the tables (DATABASE_ROLE), as
    in production: every test runs under row-level security.
    """
    from flask_migrate import upgrade

    from fieldapp.services.units import units_import

    role = runtime_role(database_url) if database_url.startswith("postgresql") else None
    app = create_app({
        "DATABASE_ROLE": role,
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
        "RATELIMIT_STORAGE_URI": "memory://",
        "KEYS_DIR": str(tmp_path_factory.mktemp("keys")),
        "AUDIT_SEQUENCE_INTERVAL": 0,
    })
    with app.app_context():
        upgrade()
        if role:
            runtime_role_grant(database_url, role)
        units_import()
        _db.session.commit()
        _db.session.remove()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(app, request):
    """A session bound to one connection whose outer transaction is rolled back after the test.

    Views still call ``commit()``: it releases a savepoint, not the outer transaction. Tests marked
    ``real_commits`` (concurrency, faults, the browser) get the plain session instead: what they
    commit stays, check-ins in Hùng Châu's log included, so they count only rows of their own, and
    a test that counts a whole log's entries works in a log unit of its own (test_audit_log).
    """
    from flask_sqlalchemy.session import _app_ctx_id

    if request.node.get_closest_marker("real_commits"):
        with app.app_context():
            limiter.reset()
            yield _db
            _db.session.remove()
        return
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        _db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"), scopefunc=_app_ctx_id
        )
        limiter.reset()
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()
            # Keys the test retired or made are rolled back with it: so must the process's key cache.
            from fieldapp.qr.signing import forget_keys

            forget_keys()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """``login(user)`` → headers with a fresh bearer token for ``user``."""

    def _login(user, password=DEFAULT_PASSWORD):
        response = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": password})
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['access_token']}"}

    return _login



@pytest.fixture(autouse=True)
def entries_match_the_documented_actions(monkeypatch):
    """Every activity-log entry a test writes is checked against fieldapp/audit/actions.py (and so
    mobile_contract/actions.md): its action is listed, with this object type, these body keys, and
    the route or command that wrote it among the action's writers. Tests' own synthetic entries
    (``test.*``) are exempt. The problems are reported when the test ends, whatever it asserted."""
    import fieldapp.services.activity as activity
    import fieldapp.services.checkins as checkins
    from tests.actions_check import entry_problems

    original = activity.activity_values
    problems: list[str] = []

    def checked(**entry):
        values = original(**entry)
        problems.extend(entry_problems(values))
        return values

    monkeypatch.setattr(activity, "activity_values", checked)
    monkeypatch.setattr(checkins, "activity_values", checked)  # the check-in's one-statement path
    yield
    assert not problems, "entries that mobile_contract/actions.md does not describe (fieldapp/audit/actions.py):\n" \
        + "\n".join(dict.fromkeys(problems))
