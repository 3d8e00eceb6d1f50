"""POST /checkins: every verdict and flag, idempotency, duplicates and scope."""
import uuid
from datetime import timedelta

import pytest

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, CheckIn, Role
from fieldapp.qr import payloads, signing
from tests.factories import HUNG_CHAU_CENTRE, OTHER_COMMUNE, assign, make_household, make_session, make_team, make_user

LAT, LON = HUNG_CHAU_CENTRE


@pytest.fixture
def volunteer(login):
    user = make_user()
    user.headers = login(user)
    return user


def _code(session, at=None):
    moment = at or utcnow()
    return signing.qr_text("session", session.public_id, step=signing.session_step(moment.timestamp()))


def _checkin(client, headers, payload, *, scanned_at=None, gps="default", client_id=None):
    body = {"client_id": client_id or str(uuid.uuid4()), "payload": payload,
            "scanned_at": (scanned_at or utcnow()).isoformat()}
    body["gps"] = {"lat": LAT, "lon": LON, "accuracy_m": 12, "mock_location": False} if gps == "default" else gps
    return client.post("/api/v1/checkins", headers=headers, json=body), body


def test_on_site_in_time_is_verified_and_logged(client, volunteer):
    session = make_session()
    response, body = _checkin(client, volunteer.headers, _code(session))
    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    assert (result["verdict"], result["flags"], result["target"]) == ("verified", [], "session")
    assert result["distance_m"] < 5
    entry = db.session.query(ActivityEntry).filter_by(action="checkin.create", client_id=body["client_id"]).one()
    assert '"verdict":"verified"' in entry.body


@pytest.mark.parametrize("gps, flag", [
    ({"lat": LAT + 0.01, "lon": LON, "accuracy_m": 10}, "far_from_site"),  # ~1.1 km away
    ({"lat": LAT, "lon": LON, "accuracy_m": 350}, "low_gps_accuracy"),
    ({"lat": LAT, "lon": LON, "accuracy_m": 5, "mock_location": True}, "mock_location"),
    (None, "no_gps"),
])
def test_doubtful_place_is_kept_with_its_flag(client, volunteer, gps, flag):
    response, _ = _checkin(client, volunteer.headers, _code(make_session()), gps=gps)
    assert response.status_code == 201
    assert response.get_json()["verdict"] == "accepted_with_flags" and flag in response.get_json()["flags"]


def test_accuracy_widens_the_radius(client, volunteer):
    # 150 m from a 100 m radius venue, but the phone says ±80 m: on site.
    response, _ = _checkin(client, volunteer.headers, _code(make_session()),
                           gps={"lat": LAT + 0.00135, "lon": LON, "accuracy_m": 80})
    assert response.get_json()["verdict"] == "verified"


def test_offline_scan_synced_hours_later_is_accepted_and_marked(client, volunteer, monkeypatch):
    session = make_session(hours=6, starts_in_minutes=-300)
    scanned = utcnow() - timedelta(hours=3)
    response, _ = _checkin(client, volunteer.headers, _code(session, scanned), scanned_at=scanned)
    assert response.get_json()["verdict"] == "accepted_with_flags"
    assert response.get_json()["flags"] == ["late_sync"]


def test_scan_outside_the_window_is_flagged(client, volunteer):
    session = make_session(starts_in_minutes=120)
    response, _ = _checkin(client, volunteer.headers, _code(session))
    assert "outside_window" in response.get_json()["flags"]


@pytest.mark.parametrize("mangle, reason", [
    (lambda text: "not a qr of ours", "foreign"),
    (lambda text: "https://example.com/vé-xe", "foreign"),
    (lambda text: text[:-20], "malformed"),  # truncated
    (lambda text: text[:-10] + ("A" if text[-10] != "A" else "B") + text[-9:], "bad_signature"),  # altered
    (lambda text: text.replace(text.split(":")[4], "0123456789abcdef"), "unknown_key"),
])
def test_bad_codes_are_rejected_and_kept(client, volunteer, mangle, reason):
    response, body = _checkin(client, volunteer.headers, mangle(_code(make_session())))
    assert response.status_code == 201
    assert response.get_json()["verdict"] == "rejected" and response.get_json()["flags"] == [reason]
    assert db.session.query(CheckIn).filter_by(client_id=body["client_id"]).one().verdict.value == "rejected"


def test_an_old_rotating_code_is_expired(client, volunteer):
    session = make_session()
    old = signing.qr_text("session", session.public_id, step=signing.session_step() - 3)
    response, _ = _checkin(client, volunteer.headers, old)
    assert response.get_json()["flags"] == ["expired"]


def test_a_code_from_the_next_step_is_still_fine(client, volunteer):
    session = make_session()
    near = signing.qr_text("session", session.public_id, step=signing.session_step() + 1)
    assert _checkin(client, volunteer.headers, near)[0].get_json()["verdict"] == "verified"


def test_future_scan_time_is_rejected(client, volunteer):
    session = make_session()
    future = utcnow() + timedelta(hours=1)
    response, _ = _checkin(client, volunteer.headers, _code(session, future), scanned_at=future)
    assert "future_scan" in response.get_json()["flags"]


def test_retry_returns_the_same_answer_and_a_reused_id_is_409(client, volunteer, db):
    session = make_session()
    first, body = _checkin(client, volunteer.headers, _code(session))
    again = client.post("/api/v1/checkins", headers=volunteer.headers, json=body)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert db.session.query(CheckIn).filter_by(client_id=body["client_id"]).count() == 1
    other_body = {**body, "gps": None}
    conflict = client.post("/api/v1/checkins", headers=volunteer.headers, json=other_body)
    assert conflict.status_code == 409 and conflict.get_json()["error_code"] == "idempotency.conflict"


def test_a_second_checkin_to_the_same_session_is_refused(client, volunteer):
    session = make_session()
    assert _checkin(client, volunteer.headers, _code(session))[0].status_code == 201
    second, _ = _checkin(client, volunteer.headers, _code(session))
    assert second.status_code == 409 and second.get_json()["error_code"] == "checkin.duplicate"


def test_a_rejected_attempt_does_not_block_a_good_one(client, volunteer):
    session = make_session()
    _checkin(client, volunteer.headers, _code(session)[:-2] + "xx")
    assert _checkin(client, volunteer.headers, _code(session))[0].get_json()["verdict"] == "verified"


def test_a_session_of_another_commune_is_not_found(client, volunteer):
    foreign = make_session(commune_code=OTHER_COMMUNE, lat=21.0341, lon=105.8412)
    response, _ = _checkin(client, volunteer.headers, _code(foreign))
    assert response.status_code == 404 and response.get_json()["error_code"] == "session.not_found"


def test_household_plate_checkin_compares_with_the_household(client, login):
    volunteer = make_user()
    household = make_household(lat=LAT + 0.003, lon=LON)
    assign(household, volunteer, make_team(members=[volunteer]))
    plate = signing.qr_text("household", household.public_id)
    response, _ = _checkin(client, login(volunteer), plate, gps={"lat": LAT + 0.003, "lon": LON, "accuracy_m": 10})
    assert response.get_json()["verdict"] == "verified" and response.get_json()["target"] == "household"
    unassigned = make_household(lat=LAT, lon=LON)
    other, _ = _checkin(client, login(volunteer), signing.qr_text("household", unassigned.public_id))
    assert other.status_code == 404


def test_a_retry_after_the_household_was_reassigned_still_gets_its_first_answer(client, login):
    """The phone synced the plate scan, lost the answer, and retries after the team leader gave the
    household to someone else: the check-in was kept, so the retry gets its answer, not a 404. A
    new scan of that plate is refused (not the volunteer's household any more)."""
    from fieldapp.models import Assignment

    volunteer = make_user()
    household = make_household(lat=LAT, lon=LON)
    assign(household, volunteer, make_team(members=[volunteer]))
    headers = login(volunteer)
    plate = signing.qr_text("household", household.public_id)
    first, body = _checkin(client, headers, plate)
    assert first.status_code == 201
    db.session.query(Assignment).filter_by(household_id=household.id).update({"ended_at": utcnow()})
    db.session.commit()
    retry = client.post("/api/v1/checkins", headers=headers, json=body)
    assert retry.status_code == 200 and retry.get_json() == first.get_json()
    new_scan, _ = _checkin(client, headers, plate)
    assert new_scan.status_code == 404 and new_scan.get_json()["error_code"] == "household.not_found"
    assert db.session.query(CheckIn).filter_by(household_id=household.id).count() == 1


@pytest.mark.parametrize("body, field", [
    ({"client_id": "not-a-uuid"}, "client_id"),
    ({"scanned_at": "yesterday"}, "scanned_at"),
    ({"gps": {"lat": "north", "lon": 105}}, "gps"),
    ({"payload": ""}, "payload"),
])
def test_malformed_requests_are_422(client, volunteer, body, field):
    base = {"client_id": str(uuid.uuid4()), "payload": "x", "scanned_at": utcnow().isoformat()}
    response = client.post("/api/v1/checkins", headers=volunteer.headers, json={**base, **body})
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_officers_do_not_check_in(client, login):
    response, _ = _checkin(client, login(make_user(role=Role.commune_officer)), "x")
    assert response.status_code == 403


def test_parse_accepts_what_encode_writes():
    text = payloads.encode("session", "S5N1B7D2FKR", "0123456789abcdef", lambda data: b"\x01" * 64, step=42)
    parsed = payloads.parse(text)
    assert (parsed.kind, parsed.public_id, parsed.step, parsed.key_id) == ("session", "S5N1B7D2FKR", 42,
                                                                           "0123456789abcdef")


def test_a_client_id_taken_in_another_commune_is_409_not_a_replay_of_its_answer(client, volunteer, login):
    """On PostgreSQL the other commune's check-in is invisible (row-level security); either way the
    answer is a conflict, and the first check-in stays as it was."""
    ours = make_session()
    first, body = _checkin(client, volunteer.headers, _code(ours))
    stranger = make_user(unit_code=OTHER_COMMUNE)
    theirs = make_session(commune_code=OTHER_COMMUNE, lat=21.0341, lon=105.8412)
    taken, _ = _checkin(client, login(stranger), _code(theirs), client_id=body["client_id"],
                        gps={"lat": 21.0341, "lon": 105.8412, "accuracy_m": 10})
    assert taken.status_code == 409 and taken.get_json()["error_code"] == "idempotency.conflict"
    assert first.status_code == 201
    assert [(c.user_id, c.session_id) for c in db.session.query(CheckIn).filter_by(client_id=body["client_id"])] == \
        [(volunteer.id, ours.id)]
