"""Test set-up: the database is built once per run by the migrations; each test runs inside a
transaction that is rolled back, so tests never see each other's rows, in whatever order they run
(pytest-randomly shuffles it: ``-p randomly --randomly-seed=N`` replays one, ``-p no:randomly`` keeps
the files' order).

The tests marked ``real_commits`` commit for real (threads, other processes, a browser): they run
on a second database of their own (``committing_app``), never on the one the others share.

The database comes from ``TEST_DATABASE_URL``: a PostgreSQL URL runs the suite on PostGIS (fresh
databases per run, and per xdist worker, made from the server's template with PostGIS); anything else,
or nothing, runs it on fresh SQLite + SpatiaLite files.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import scoped_session, sessionmaker

from fieldapp import create_app
from fieldapp.extensions import db as _db
from fieldapp.extensions import limiter
from tests.databases import create_database, drop_database, runtime_role, runtime_role_grant
from tests.factories import DEFAULT_PASSWORD, make_user  # noqa: F401  (re-exported for tests)


def _database(base: str, label: str, tmp_path_factory):
    """A new, empty database: on ``base``'s PostgreSQL server when it is a PostgreSQL URL, else a
    SQLite file; (url, drop) where ``drop()`` removes it."""
    if base.startswith("postgresql"):
        url = create_database(base, label)
        return url, lambda: drop_database(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}", lambda: None


def _built_app(database_url: str, keys_dir: str):
    """The app on ``database_url`` built by running the migrations, with the units imported.

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
        "KEYS_DIR": keys_dir,
        "AUDIT_SEQUENCE_INTERVAL": 0,
    })
    with app.app_context():
        upgrade()
        if role:
            runtime_role_grant(database_url, role)
        units_import()
        _db.session.commit()
        _db.session.remove()
    return app


@pytest.fixture
def redis_url():
    """Redis from scripts/redis-ready (TEST_REDIS_URL): required under CI, skipped loudly elsewhere."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Redis: run scripts/test (scripts/redis-ready)")
        pytest.skip("no Redis (TEST_REDIS_URL unset): run scripts/test, which starts one")
    return url


@pytest.fixture(scope="session")
def worker_id(request):
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    """The database of the tests whose every write is rolled back (all but ``real_commits`` ones)."""
    url, drop = _database(os.environ.get("TEST_DATABASE_URL", ""), worker_id, tmp_path_factory)
    yield url
    drop()


@pytest.fixture(scope="session")
def shared_app(database_url, tmp_path_factory):
    """The app of every test but the ``real_commits`` ones: each of them runs in a transaction that
    is rolled back (``db``), so they all see the same database, the migrations and the units."""
    app = _built_app(database_url, str(tmp_path_factory.mktemp("keys")))
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(scope="session")
def committing_app(tmp_path_factory, worker_id):
    """The app of the ``real_commits`` tests, on a database of their own (built the first time one
    runs, per xdist worker): what they commit stays, and no other test can ever see it, in any order
    (issue 14: check-ins, villages, users, log entries left in Hùng Châu made counts fail).

    They share it with each other, so each works in a commune of its own (``own_commune``) or a log
    unit of its own, and counts only the rows it made."""
    url, drop = _database(os.environ.get("TEST_DATABASE_URL", ""), f"{worker_id}_commits", tmp_path_factory)
    app = _built_app(url, str(tmp_path_factory.mktemp("commits_keys")))
    yield app
    with app.app_context():
        _db.engine.dispose()
    drop()


@pytest.fixture
def app(request):
    """The app of this test: ``committing_app`` for a test marked ``real_commits``, ``shared_app``
    for every other. Fixtures of a wider scope name the one they need."""
    if request.node.get_closest_marker("real_commits"):
        return request.getfixturevalue("committing_app")
    return request.getfixturevalue("shared_app")


@dataclass(frozen=True)
class OwnCommune:
    """A commune of a test's own: its code, and its centroid (where its households and sessions are)."""

    code: str
    lat: float
    lon: float

    @property
    def centre(self) -> tuple[float, float]:
        return self.lat, self.lon


_communes_handed_out: set[str] = set()


@pytest.fixture
def own_commune(committing_app) -> OwnCommune:
    """A commune no other test of this process has had, in the committing database: for a
    ``real_commits`` test, whose rows stay, so that another one counting a commune's rows (or the
    demo commune's) never counts them."""
    from sqlalchemy import select

    from fieldapp.geo import point_of
    from fieldapp.models import Unit, UnitLevel, User, Village
    from tests.factories import HUNG_CHAU, OTHER_COMMUNE

    taken = _communes_handed_out | {HUNG_CHAU, OTHER_COMMUNE}
    with committing_app.app_context():
        code, centroid = _db.session.execute(
            select(Unit.code, Unit.centroid).where(
                Unit.level == UnitLevel.commune, Unit.centroid.is_not(None), Unit.code.not_in(taken),
                # nor one a test made villages or accounts in otherwise (tests/sync_world.py picks its own)
                Unit.code.not_in(select(Village.commune_code)),
                Unit.code.not_in(select(User.unit_code).where(User.unit_code.is_not(None))))
            .order_by(Unit.code.desc()).limit(1)).one()
        _db.session.remove()
    _communes_handed_out.add(code)
    centre = point_of(centroid)
    return OwnCommune(code=code, lat=centre.lat, lon=centre.lon)


@pytest.fixture(autouse=True)
def db(app, request):
    """A session bound to one connection whose outer transaction is rolled back after the test.

    Views still call ``commit()``: it releases a savepoint, not the outer transaction. Tests marked
    ``real_commits`` (concurrency, faults, the browser, real servers) get the plain session of
    ``committing_app`` instead, on a database of their own: what they commit stays there, where the
    rolled-back tests never look.
    """
    from flask_sqlalchemy.session import _app_ctx_id

    from fieldapp.caching import results_cache

    if request.node.get_closest_marker("real_commits"):
        with app.app_context():
            limiter.reset()
            results_cache.clear()  # an answer kept for another test's rows is not this test's
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
        results_cache.clear()
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


def pytest_terminal_summary(terminalreporter, config):
    """The order's seed once more at the end, with the command that replays it: pytest-randomly puts
    it in the header only, which -q hides and a long run scrolls away.

    Under xdist every worker shuffles with the same seed and is handed tests in that order, so each
    worker runs a part of the one shuffled list, in its order: the same seed without -n runs every
    test that preceded a failure on its worker before it again (README, "Tests in random order")."""
    if config.pluginmanager.hasplugin("randomly") and not hasattr(config, "workerinput"):
        seed = config.getoption("randomly_seed", None)
        if isinstance(seed, int):
            terminalreporter.write_line(f"tests ran in random order: replay it with -p randomly --randomly-seed={seed} "
                                        "and the same selection; keep the files' order with -p no:randomly")
