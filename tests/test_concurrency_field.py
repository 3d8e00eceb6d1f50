"""The same check-in or visit sent many times at once (a phone retrying on a bad network) makes one
record, and every sender gets that record's answer. These commit for real: in the database of the
``real_commits`` tests, each in a commune of its own (``own_commune``)."""
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import CheckIn, SupportRecord, Visit
from fieldapp.qr import signing
from tests.factories import (
    DEFAULT_PASSWORD,
    assign,
    make_household,
    make_person,
    make_session,
    make_team,
    make_user,
    make_village,
)

PARALLEL = 50


def _token(app, user) -> dict:
    response = app.test_client().post("/api/v1/auth/token", json={"phone": user.phone, "password": DEFAULT_PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _send_all(app, path, headers, body):
    def send(_):
        response = app.test_client().post(path, headers=headers, json=body)
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(send, range(PARALLEL)))


def _volunteer_at_a_session(app, commune) -> tuple[dict, str, int]:
    """A volunteer's headers, the session's current code, and the session's id (committed), in
    ``commune`` (an ``own_commune``)."""
    with app.app_context():
        volunteer = make_user(unit_code=commune.code)
        session = make_session(commune_code=commune.code, lat=commune.lat, lon=commune.lon)
        payload = signing.qr_text("session", session.public_id, step=signing.session_step())
        db.session.commit()
        return _token(app, volunteer), payload, session.id


def _checkin_body(payload: str, commune) -> dict:
    return {"client_id": str(uuid.uuid4()), "payload": payload, "scanned_at": utcnow().isoformat(),
            "gps": {"lat": commune.lat, "lon": commune.lon, "accuracy_m": 10}}


@pytest.mark.real_commits
def test_fifty_identical_checkins_make_one_record(app, own_commune):
    headers, payload, session_id = _volunteer_at_a_session(app, own_commune)
    body = _checkin_body(payload, own_commune)
    results = _send_all(app, "/api/v1/checkins", headers, body)
    statuses = sorted(status for status, _ in results)
    with app.app_context():
        rows = db.session.query(CheckIn).filter_by(client_id=body["client_id"]).count()
        counted = db.session.query(CheckIn).filter_by(session_id=session_id).count()
    tally = {s: statuses.count(s) for s in set(statuses)}
    print(f"\nidentical check-ins: {PARALLEL} sent at once, statuses {tally}, records expected 1, found {rows}")
    assert statuses.count(201) == 1 and statuses.count(200) == PARALLEL - 1
    assert rows == 1 and counted == 1
    assert len({str(answer) for _, answer in results}) == 1  # everyone got the same answer


@pytest.mark.real_commits
def test_fifty_identical_visits_make_one_visit_and_one_set_of_support_records(app, own_commune):
    with app.app_context():
        volunteer = make_user(unit_code=own_commune.code)
        household = make_household(village=make_village(commune_code=own_commune.code), lat=own_commune.lat,
                                   lon=own_commune.lon)
        assign(household, volunteer, make_team(members=[volunteer], commune_code=own_commune.code))
        person = make_person(household=household)
        plate = signing.qr_text("household", household.public_id)
        db.session.commit()
        headers = _token(app, volunteer)
        household_id, person_id, person_public = household.public_id, person.id, person.public_id
    body = {"client_id": str(uuid.uuid4()), "household_id": household_id, "outcome": "supported",
            "visited_at": utcnow().isoformat(), "plate": plate,
            "gps": {"lat": own_commune.lat, "lon": own_commune.lon, "accuracy_m": 10},
            "people": [{"person_id": person_public, "skills": ["cashless_payment", "online_safety"]}]}
    results = _send_all(app, "/api/v1/visits", headers, body)
    statuses = sorted(status for status, _ in results)
    with app.app_context():
        visits = db.session.query(Visit).filter_by(client_id=body["client_id"]).count()
        records = db.session.query(SupportRecord).filter_by(person_id=person_id).count()
    tally = {s: statuses.count(s) for s in set(statuses)}
    print(f"\nidentical visits: {PARALLEL} sent at once, statuses {tally}, "
          f"visits expected 1, found {visits}; support records expected 2, found {records}")
    assert statuses.count(201) == 1 and statuses.count(200) == PARALLEL - 1
    assert visits == 1 and records == 2


@pytest.mark.real_commits
def test_a_double_tap_two_client_ids_for_one_session_counts_once_with_a_clear_duplicate(app, own_commune):
    """Two scans of the same code a moment apart (two client_ids) race past the duplicate check; the
    session's unique index decides, and every loser gets checkin.duplicate (it used to be a generic
    request.conflict for the few that lost the race inside the database)."""
    headers, payload, session_id = _volunteer_at_a_session(app, own_commune)

    def send(_):
        response = app.test_client().post("/api/v1/checkins", headers=headers, json=_checkin_body(payload, own_commune))
        return response.status_code, response.get_json().get("error_code")

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(send, range(PARALLEL)))
    with app.app_context():
        counted = db.session.query(CheckIn).filter_by(session_id=session_id).count()
    print(f"\ndouble taps: {PARALLEL} client_ids at once for one session, statuses "
          f"{dict((r, results.count(r)) for r in set(results))}, counted check-ins expected 1, found {counted}")
    assert results.count((201, None)) == 1
    assert results.count((409, "checkin.duplicate")) == PARALLEL - 1
    assert counted == 1
