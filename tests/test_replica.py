"""Reads on a real streaming replica (issue 19, item 5): a standby made by ``pg_basebackup -R`` from the
test server, on another port (tests/standbys.py). Reports, indicators and exports run there, whole
operations under the caller's area; a caller who just wrote reads it (from the primary until the
standby has replayed it); a lagging standby and a stopped one leave the reads to the primary; a write
inside a read operation fails on either side.

PostgreSQL only; under CI=true a machine that cannot start a standby fails the run instead of skipping.
"""
import json
import logging
import os
import time

import pytest
from flask import g
from sqlalchemy import func, insert, select, text

from fieldapp import create_app
from fieldapp.auth.row_security import NATIONWIDE
from fieldapp.extensions import db
from fieldapp.models import Household, Role, Village
from fieldapp.replicas.operations import EXTENSION, ReplicaWrite, read_operation, side_of_request
from tests.factories import DEFAULT_PASSWORD, OTHER_COMMUNE, make_household, make_user, make_village
from tests.standbys import Standby, StandbyUnavailable

pytestmark = pytest.mark.real_commits
YEAR = 2026
PERIOD = f"{YEAR}-Q4"
TARGET = "digital_family.households"


@pytest.fixture(scope="module")
def standby(committing_app):
    url = committing_app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("a streaming replica is PostgreSQL's")
    standby = Standby(url)
    try:
        standby.start()
    except StandbyUnavailable as error:
        standby.remove()
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must be able to start a standby of the test server (scripts/postgres-ready): {error}")
        pytest.skip(f"no standby on this machine ({error}); scripts/postgres-ready allows one")
    yield standby
    standby.remove()


@pytest.fixture(scope="module")
def replica_app(committing_app, standby):
    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": committing_app.config["SQLALCHEMY_DATABASE_URI"],
        "DATABASE_ROLE": committing_app.config["DATABASE_ROLE"], "KEYS_DIR": committing_app.config["KEYS_DIR"],
        "PASSWORD_HASH_PROFILE": "CHEAPEST", "RATELIMIT_STORAGE_URI": "memory://", "AUDIT_SEQUENCE_INTERVAL": 0,
        "REPLICA_DATABASE_URL": standby.url(), "REPLICA_MAX_LAG_SECONDS": 3600, "REPLICA_RETRY_SECONDS": 30})
    yield app
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def replica(replica_app, standby):
    """The replica app, its standby running, replaying, and not remembered as down; in its context."""
    standby.restart()
    standby.resume()
    replica_app.config["REPLICA_MAX_LAG_SECONDS"] = 3600
    replica_app.extensions[EXTENSION]["down_until"] = 0.0
    with replica_app.app_context():
        yield replica_app
        db.session.remove()
    if standby.running():
        standby.resume()  # a test paused it; the next one may not expect it


def _officers(commune, count=2):
    officers = [make_user(role=Role.commune_officer, unit_code=commune.code) for _ in range(count)]
    make_household(village=make_village(commune_code=commune.code), lat=commune.lat, lon=commune.lon)
    db.session.commit()
    return officers


def _headers(client, user):
    answer = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": DEFAULT_PASSWORD})
    assert answer.status_code == 201, answer.get_json()
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}


def _target(client, headers, commune):
    """The indicators' target share of a Digital Family, and the side that answered."""
    with client:
        answer = client.get("/api/v1/indicators", headers=headers,
                            query_string={"unit": commune.code, "period": PERIOD})
        side = side_of_request()
    assert answer.status_code == 200, answer.get_json()
    figure = next(f for f in answer.get_json()["figures"] if f["code"] == TARGET)
    return (figure["target"] or {}).get("share"), side


def _set_target(client, headers, commune, share):
    answer = client.put(f"/api/v1/units/{commune.code}/targets/{YEAR}", headers=headers,
                        json={"targets": [{"indicator": TARGET, "share": share, "source": "KH 7/KH-UBND xã"}]})
    assert answer.status_code == 200, answer.get_json()


def test_an_operation_runs_whole_on_the_replica_under_the_callers_area(replica, standby, own_commune):
    _officers(own_commune)
    standby.caught_up()

    def count():  # two statements, one operation: both on the standby
        return (db.session.scalar(text("SELECT pg_is_in_recovery()")),
                db.session.scalar(select(func.count()).select_from(Household)))

    with replica.test_request_context():
        for area, expected in ((own_commune.code, 1), (OTHER_COMMUNE, 0), ("", 0)):
            g.db_area, g.caller = area, None
            assert read_operation(count) == (True, expected), area  # row-level security, on the standby too
        g.db_area = NATIONWIDE
        in_recovery, everywhere = read_operation(count)
        assert in_recovery and everywhere >= 1
        assert db.session.scalar(text("SELECT pg_is_in_recovery()")) is False  # after it: the primary again
    client = replica.test_client()
    headers = _headers(client, make_user(role=Role.commune_officer, unit_code=own_commune.code))
    assert _target(client, headers, own_commune)[1] == "replica"
    with client:  # another commune's indicators: not found, from the standby as from the primary
        refused = client.get("/api/v1/indicators", headers=headers, query_string={"unit": OTHER_COMMUNE,
                                                                                 "period": PERIOD})
        assert refused.status_code == 404 and side_of_request() == "replica"


def test_a_caller_reads_what_they_just_wrote_while_others_read_the_replica(replica, standby, own_commune):
    writer, other = _officers(own_commune)
    client = replica.test_client()
    writer_headers, other_headers = _headers(client, writer), _headers(client, other)
    standby.caught_up()
    before, side = _target(client, other_headers, own_commune)
    assert side == "replica" and before != 0.55
    standby.pause()
    _set_target(client, writer_headers, own_commune, 0.55)
    # The writer: the standby has not replayed their write, so their read goes to the primary.
    assert _target(client, writer_headers, own_commune) == (0.55, "primary")
    # Someone who did not write reads the standby, which (paused) does not have it yet.
    assert _target(client, other_headers, own_commune) == (before, "replica")
    standby.resume()
    standby.caught_up()
    assert _target(client, writer_headers, own_commune) == (0.55, "replica")  # replayed: the standby will do
    assert _target(client, other_headers, own_commune) == (0.55, "replica")


def test_a_lagging_replica_leaves_the_reads_to_the_primary(replica, standby, own_commune):
    writer, other = _officers(own_commune)
    client = replica.test_client()
    writer_headers, other_headers = _headers(client, writer), _headers(client, other)
    standby.caught_up()
    standby.pause()
    _set_target(client, writer_headers, own_commune, 0.66)
    time.sleep(1.2)  # the standby has received it, not replayed it: it lags more than a second
    replica.config["REPLICA_MAX_LAG_SECONDS"] = 1
    assert _target(client, other_headers, own_commune) == (0.66, "primary")
    standby.resume()
    standby.caught_up()
    assert _target(client, other_headers, own_commune) == (0.66, "replica")


def test_a_replica_that_is_down_leaves_the_reads_to_the_primary_quickly(replica, standby, own_commune, caplog):
    officer, = _officers(own_commune, count=1)
    client = replica.test_client()
    headers = _headers(client, officer)
    standby.caught_up()
    assert _target(client, headers, own_commune)[1] == "replica"  # a pooled connection to it, now dead
    standby.stop()
    caplog.set_level(logging.WARNING, logger="fieldapp.replicas")
    started = time.monotonic()
    assert _target(client, headers, own_commune)[1] == "primary"
    elapsed = time.monotonic() - started
    print(f"\nreplica down: answered from the primary in {elapsed * 1000:.0f} ms")
    assert elapsed < replica.config["REPLICA_CONNECT_TIMEOUT_SECONDS"]
    assert any("replica: it does not answer" in r.getMessage() for r in caplog.records)
    caplog.clear()
    assert _target(client, headers, own_commune)[1] == "primary"  # not tried again for REPLICA_RETRY_SECONDS
    assert not caplog.records
    standby.restart()
    replica.extensions[EXTENSION]["down_until"] = 0.0  # its retry period is over
    standby.caught_up()
    assert _target(client, headers, own_commune)[1] == "replica"


def test_the_activity_export_shows_its_own_entry_though_the_replica_has_not_replayed_it(replica, standby,
                                                                                       own_commune):
    officer, = _officers(own_commune, count=1)
    client = replica.test_client()
    headers = _headers(client, officer)
    standby.caught_up()
    standby.pause()
    with client:
        answer = client.get("/api/v1/activity/export", headers=headers, query_string={"log": own_commune.code})
        lines = [json.loads(line) for line in answer.get_data().splitlines()]
        side = side_of_request()
    assert answer.status_code == 200
    assert side == "primary"  # the standby is paused before the export's own entry
    exports = [line for line in lines if line.get("action") == "activity.export"]
    assert exports and exports[-1]["actor_id"] == officer.id
    assert lines[-1]["type"] == "checkpoint" and lines[-1]["size"] == exports[-1]["seq"] + 1


def test_a_write_in_a_read_operation_fails_loudly_on_either_side(replica, standby, own_commune):
    village = make_village(commune_code=own_commune.code)
    standby.caught_up()
    core_write = insert(Village.__table__).values(commune_code=own_commune.code, name="x", kind="xóm")
    text_write = text("UPDATE villages SET name = name WHERE id = :id")
    with replica.test_request_context():
        g.db_area, g.caller = own_commune.code, None
        with pytest.raises(ReplicaWrite):  # refused before it is sent, whichever side
            read_operation(db.session.execute, core_write)
        for stopped in (False, True):
            if stopped:
                standby.stop()
            with pytest.raises(Exception, match="read-only transaction"):  # PostgreSQL's own refusal
                read_operation(db.session.execute, text_write, {"id": village.id})
            assert g.replica_side == ("primary" if stopped else "replica")
        # A read operation cannot follow writes its transaction has not committed.
        db.session.execute(text_write, {"id": village.id})
        with pytest.raises(ReplicaWrite, match="not committed"):
            read_operation(db.session.scalar, text("SELECT 1"))
        db.session.rollback()
