"""Faults: an exhausted pool, a killed server, a restarted database. The app recovers by itself and
loses no acknowledged write; the figures (requests tried, records expected and found) are printed."""
import os
import time

import pytest
import sqlalchemy as sa

from fieldapp import create_app
from fieldapp.extensions import db


@pytest.mark.real_commits  # its own app and pool: the per-test session must not stand in for them
def test_exhausted_pool_answers_503_within_seconds(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("SQLite's pool is not a server connection pool")
    small = create_app({"SQLALCHEMY_DATABASE_URI": url, "KEYS_DIR": app.config["KEYS_DIR"],
                        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0, "pool_timeout": 1}})
    with small.app_context():
        held = db.engine.connect()  # the pool's only connection, busy elsewhere
        held.execute(sa.text("SELECT 1"))
        try:
            started = time.monotonic()
            response = small.test_client().get("/api/v1/healthz")
            elapsed = time.monotonic() - started
        finally:
            held.close()
        print(f"\npool exhausted: answered {response.status_code} after {elapsed:.2f} s")
        assert response.status_code == 503 and response.get_json()["error_code"] == "server.unavailable"
        assert response.headers["Retry-After"] and elapsed < 5
        assert small.test_client().get("/api/v1/healthz").status_code == 200  # and recovers
        db.engine.dispose()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_gunicorn(app, port):
    import os
    import subprocess
    import sys
    import urllib.request
    from pathlib import Path

    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "KEYS_DIR": app.config["KEYS_DIR"],
           "AUDIT_SEQUENCE_INTERVAL": "0", "PASSWORD_HASH_PROFILE": "CHEAPEST"}
    process = subprocess.Popen([str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level",
                                "error", "fieldapp.wsgi:app"], env=env, cwd=Path(__file__).parents[1],
                               start_new_session=True)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/livez", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("gunicorn did not start")


@pytest.mark.slow
@pytest.mark.real_commits
def test_sigkill_of_the_server_loses_no_acknowledged_checkin_and_duplicates_none(app):
    """A client retries each check-in until acknowledged while the server is killed with SIGKILL
    and started again: every acknowledged check-in is there, exactly once."""
    import json
    import os
    import signal
    import threading
    import urllib.error
    import urllib.request
    import uuid

    from fieldapp.clock import utcnow
    from fieldapp.models import CheckIn
    from fieldapp.qr import signing
    from tests.factories import DEFAULT_PASSWORD, HUNG_CHAU_CENTRE, assign, make_household, make_team, make_user

    with app.app_context():
        volunteer = make_user()
        household = make_household(lat=HUNG_CHAU_CENTRE[0], lon=HUNG_CHAU_CENTRE[1])
        assign(household, volunteer, make_team(members=[volunteer]))
        plate = signing.qr_text("household", household.public_id)
        db.session.commit()
        token = app.test_client().post("/api/v1/auth/token", json={"phone": volunteer.phone,
                                                                   "password": DEFAULT_PASSWORD}).get_json()
        household_id = household.id
    port = _free_port()
    server = _start_gunicorn(app, port)
    items = [str(uuid.uuid4()) for _ in range(40)]
    acknowledged, attempts = [], []

    def client():
        for client_id in items:
            body = json.dumps({"client_id": client_id, "payload": plate, "scanned_at": utcnow().isoformat(),
                               "gps": {"lat": HUNG_CHAU_CENTRE[0], "lon": HUNG_CHAU_CENTRE[1], "accuracy_m": 9}})
            while True:
                attempts.append(client_id)
                request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/checkins", data=body.encode(),
                                                 headers={"Content-Type": "application/json",
                                                          "Authorization": f"Bearer {token['access_token']}"})
                try:
                    with urllib.request.urlopen(request, timeout=3) as response:
                        if response.status in (200, 201):
                            acknowledged.append(client_id)
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    time.sleep(0.05)

    sender = threading.Thread(target=client)
    sender.start()
    try:
        while len(acknowledged) < 15:
            time.sleep(0.02)
        os.killpg(server.pid, signal.SIGKILL)  # the whole server, mid-traffic
        server.wait()
        time.sleep(0.5)
        server = _start_gunicorn(app, port)
        sender.join(timeout=120)
        assert not sender.is_alive(), "the client never got its answers"
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    with app.app_context():
        stored = [c for (c,) in db.session.query(CheckIn.client_id).filter(CheckIn.household_id == household_id)]
    print(f"\nSIGKILL: {len(items)} check-ins, {len(attempts)} requests tried, {len(acknowledged)} acknowledged, "
          f"{len(stored)} records found ({len(set(stored))} distinct)")
    assert sorted(acknowledged) == sorted(items)
    assert sorted(stored) == sorted(items)  # every acknowledged one is there, none twice


def _restart_postgres() -> None:
    import shutil
    import subprocess
    from pathlib import Path

    versions = sorted(p.name for p in Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    if not versions or shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must be able to restart PostgreSQL (pg_ctlcluster as root)")
        pytest.skip("restarting PostgreSQL needs pg_ctlcluster and root")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"], check=True,
                   capture_output=True, timeout=120)


@pytest.mark.slow
@pytest.mark.real_commits
def test_postgresql_restart_under_traffic_loses_no_acknowledged_write(app):
    """PostgreSQL is restarted while a client sends check-ins (retrying each until acknowledged):
    the running app recovers by itself, and every acknowledged check-in is stored exactly once."""
    import json
    import signal
    import threading
    import urllib.error
    import urllib.request
    import uuid

    from fieldapp.clock import utcnow
    from fieldapp.models import CheckIn
    from fieldapp.qr import signing
    from tests.factories import DEFAULT_PASSWORD, HUNG_CHAU_CENTRE, assign, make_household, make_team, make_user

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("a PostgreSQL fault")
    with app.app_context():
        volunteer = make_user()
        household = make_household(lat=HUNG_CHAU_CENTRE[0], lon=HUNG_CHAU_CENTRE[1])
        assign(household, volunteer, make_team(members=[volunteer]))
        plate = signing.qr_text("household", household.public_id)
        db.session.commit()
        token = app.test_client().post("/api/v1/auth/token", json={"phone": volunteer.phone,
                                                                   "password": DEFAULT_PASSWORD}).get_json()
        household_id = household.id
    port = _free_port()
    server = _start_gunicorn(app, port)
    items = [str(uuid.uuid4()) for _ in range(60)]
    acknowledged, statuses = [], []

    def client():
        for client_id in items:
            body = json.dumps({"client_id": client_id, "payload": plate, "scanned_at": utcnow().isoformat(),
                               "gps": {"lat": HUNG_CHAU_CENTRE[0], "lon": HUNG_CHAU_CENTRE[1], "accuracy_m": 9}})
            for _ in range(400):
                request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/checkins", data=body.encode(),
                                                 headers={"Content-Type": "application/json",
                                                          "Authorization": f"Bearer {token['access_token']}"})
                try:
                    with urllib.request.urlopen(request, timeout=5) as response:
                        statuses.append(response.status)
                        acknowledged.append(client_id)
                        break
                except urllib.error.HTTPError as error:
                    statuses.append(error.code)  # 503 while the database is away: retry
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    statuses.append("no answer")
                time.sleep(0.05)

    sender = threading.Thread(target=client)
    sender.start()
    try:
        while len(acknowledged) < 15:
            time.sleep(0.02)
        _restart_postgres()
        sender.join(timeout=180)
        assert not sender.is_alive(), "the client never got its answers"
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        with app.app_context():
            db.engine.dispose()  # this process's pooled connections died with the restart
    with app.app_context():
        stored = [c for (c,) in db.session.query(CheckIn.client_id).filter(CheckIn.household_id == household_id)]
    answers = [str(s) for s in statuses]
    failures = {s: answers.count(s) for s in set(answers) if s not in ("200", "201")}
    print(f"\nPostgreSQL restart: {len(items)} check-ins, {len(statuses)} requests tried, answers other than "
          f"200/201: {failures or 'none'}, {len(acknowledged)} acknowledged, {len(stored)} records found")
    assert sorted(acknowledged) == sorted(items) and sorted(stored) == sorted(items)
    assert all(s in (200, 201, 503, "no answer") for s in statuses), statuses  # never a 500
