"""Faults: an exhausted pool, a killed server, a restarted database. The app recovers by itself and
loses no acknowledged write; the figures (requests tried, records expected and found) are printed."""
import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from fieldapp import create_app
from fieldapp.extensions import db
from tests.servers import app_env, free_port, start_gunicorn


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


def _start_gunicorn(app, port):
    return start_gunicorn(port, "--workers", "2", "--log-level", "error", env=app_env(app))


class RetryingClient:
    """A phone on a bad network: sends each check-in until it is acknowledged, counting every try."""

    def __init__(self, app, count: int, commune):
        import uuid

        from fieldapp.qr import signing
        from tests.factories import DEFAULT_PASSWORD, assign, make_household, make_team, make_user, make_village

        self.lat, self.lon = commune.centre
        with app.app_context():
            volunteer = make_user(unit_code=commune.code)
            household = make_household(village=make_village(commune_code=commune.code), lat=self.lat, lon=self.lon)
            assign(household, volunteer, make_team(members=[volunteer], commune_code=commune.code))
            self.plate = signing.qr_text("household", household.public_id)
            db.session.commit()
            token = app.test_client().post("/api/v1/auth/token", json={"phone": volunteer.phone,
                                                                       "password": DEFAULT_PASSWORD}).get_json()
            self.household_id = household.id
        self.token = token["access_token"]
        self.items = [str(uuid.uuid4()) for _ in range(count)]
        self.acknowledged: list[str] = []
        self.answers: list[str] = []  # every try's status, or "no answer"
        self.port = free_port()

    def run(self) -> None:
        import json
        import urllib.error
        import urllib.request

        from fieldapp.clock import utcnow

        for client_id in self.items:
            body = json.dumps({"client_id": client_id, "payload": self.plate, "scanned_at": utcnow().isoformat(),
                               "gps": {"lat": self.lat, "lon": self.lon, "accuracy_m": 9}})
            for _ in range(600):
                request = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/v1/checkins", data=body.encode(),
                                                 headers={"Content-Type": "application/json",
                                                          "Authorization": f"Bearer {self.token}"})
                try:
                    with urllib.request.urlopen(request, timeout=5) as response:
                        self.answers.append(str(response.status))
                        self.acknowledged.append(client_id)
                        break
                except urllib.error.HTTPError as error:
                    self.answers.append(str(error.code))
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    self.answers.append("no answer")
                time.sleep(0.05)

    def start(self):
        import threading

        self.thread = threading.Thread(target=self.run)
        self.thread.start()
        while len(self.acknowledged) < min(15, len(self.items)) and self.thread.is_alive():
            time.sleep(0.02)

    def finish(self) -> None:
        self.thread.join(timeout=180)
        assert not self.thread.is_alive(), "the client never got its answers"

    def stored(self, app) -> list[str]:
        from fieldapp.models import CheckIn

        with app.app_context():
            return [c for (c,) in db.session.query(CheckIn.client_id).filter(CheckIn.household_id == self.household_id)]

    def report(self, fault: str, stored: list[str]) -> str:
        others = {a: self.answers.count(a) for a in set(self.answers) if a not in ("200", "201")}
        return (f"\n{fault}: {len(self.items)} check-ins, {len(self.answers)} requests tried, answers other than "
                f"200/201: {others or 'none'}, {len(self.acknowledged)} acknowledged, {len(stored)} records found "
                f"({len(set(stored))} distinct)")


@pytest.mark.slow
@pytest.mark.real_commits
def test_sigkill_of_the_server_loses_no_acknowledged_checkin_and_duplicates_none(app, own_commune):
    """A client retries each check-in until acknowledged while the server is killed with SIGKILL
    and started again: every acknowledged check-in is there, exactly once."""
    import signal

    client = RetryingClient(app, 40, own_commune)
    server = _start_gunicorn(app, client.port)
    try:
        client.start()
        os.killpg(server.pid, signal.SIGKILL)  # the whole server, mid-traffic
        server.wait()
        time.sleep(0.5)
        server = _start_gunicorn(app, client.port)
        client.finish()
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    stored = client.stored(app)
    print(client.report("SIGKILL", stored))
    assert sorted(client.acknowledged) == sorted(client.items)
    assert sorted(stored) == sorted(client.items)  # every acknowledged one is there, none twice


def _restart_postgres() -> None:
    import shutil
    import subprocess

    versions = sorted(p.name for p in Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    if not versions or shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must be able to restart PostgreSQL (pg_ctlcluster as root)")
        pytest.skip("restarting PostgreSQL needs pg_ctlcluster and root")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"], check=True,
                   capture_output=True, timeout=120)


@pytest.mark.slow
@pytest.mark.real_commits
def test_postgresql_restart_under_traffic_loses_no_acknowledged_write(app, own_commune, shared_app):
    """PostgreSQL is restarted while a client sends check-ins (retrying each until acknowledged):
    the running app recovers by itself, and every acknowledged check-in is stored exactly once."""
    import signal

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("a PostgreSQL fault")
    client = RetryingClient(app, 60, own_commune)
    server = _start_gunicorn(app, client.port)
    try:
        client.start()
        _restart_postgres()
        client.finish()
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        # This process's pooled connections died with the restart: those of the tests' shared
        # database too, or the next test (in a random order) would meet a dead one.
        for each in (app, shared_app):
            with each.app_context():
                db.engine.dispose()
    stored = client.stored(app)
    print(client.report("PostgreSQL restart", stored))
    assert sorted(client.acknowledged) == sorted(client.items) and sorted(stored) == sorted(client.items)
    assert set(client.answers) <= {"200", "201", "503", "no answer"}, client.answers  # never a 500
