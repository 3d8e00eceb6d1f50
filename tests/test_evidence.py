"""Only proven evidence counts (issue 13, items 1-3): flagged evidence is kept and shown, held back
from every count, list and status until an officer accepts it; a later good scan counts; decisions
are logged and never erase what they decide on."""
import uuid

import pytest

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, CheckIn, EvidenceReview, Role, SupportRecord
from fieldapp.models.evidence import (
    HOLD_BACK,
    EvidenceStatus,
    EvidenceType,
    ReviewDecision,
    evidence_status,
    hold_back_table,
)
from fieldapp.qr import signing
from tests.factories import (
    HUNG_CHAU_CENTRE,
    OTHER_COMMUNE,
    assign,
    make_household,
    make_person,
    make_session,
    make_team,
    make_user,
)

LAT, LON = HUNG_CHAU_CENTRE
FIVE = ["online_public_services", "online_shopping", "cashless_payment", "online_safety", "local_digital_platforms"]
MOCKED_FAR = {"lat": LAT + 0.05, "lon": LON, "accuracy_m": 5, "mock_location": True}


@pytest.mark.parametrize("kind, flags, status", [
    (EvidenceType.checkin_session, [], EvidenceStatus.counted),
    (EvidenceType.checkin_session, ["late_sync"], EvidenceStatus.counted),
    (EvidenceType.checkin_session, ["low_gps_accuracy"], EvidenceStatus.counted),  # the rotating code proves it
    (EvidenceType.checkin_household, ["low_gps_accuracy"], EvidenceStatus.held),  # a plate can be photographed
    (EvidenceType.checkin_session, ["mock_location"], EvidenceStatus.held),
    (EvidenceType.visit, ["no_plate_scan"], EvidenceStatus.counted),  # GPS at the house proves it
    (EvidenceType.visit, ["no_plate_scan", "no_gps"], EvidenceStatus.held),
    (EvidenceType.visit, ["plate_of_another_household"], EvidenceStatus.held),
    (EvidenceType.visit, ["far_from_site"], EvidenceStatus.held),
])
def test_which_flags_hold_evidence_back(kind, flags, status):
    assert evidence_status(kind, rejected=False, flags=flags, table=HOLD_BACK) == status


def test_a_review_decides_and_a_rejection_by_the_server_stands():
    held = dict(rejected=False, flags=["mock_location"], table=HOLD_BACK)
    assert evidence_status(EvidenceType.visit, **held, decision=ReviewDecision.accepted) == EvidenceStatus.counted
    assert evidence_status(EvidenceType.visit, **held, decision=ReviewDecision.rejected) == EvidenceStatus.rejected
    assert evidence_status(EvidenceType.visit, rejected=True, flags=[], table=HOLD_BACK,
                           decision=ReviewDecision.accepted) == EvidenceStatus.rejected
    custom = hold_back_table({"late_sync": ["checkin.session"]})
    assert evidence_status(EvidenceType.checkin_session, rejected=False, flags=["late_sync"], table=custom) \
        == EvidenceStatus.held


@pytest.fixture
def field(login):
    volunteer = make_user()
    team = make_team(members=[volunteer])
    household = make_household(lat=LAT, lon=LON)
    assign(household, volunteer, team)
    person = make_person(household=household)
    return {"volunteer": volunteer, "headers": login(volunteer), "household": household, "person": person,
            "officer": login(make_user(role=Role.commune_officer))}


def _scan(client, headers, session, gps):
    payload = signing.qr_text("session", session.public_id, step=signing.session_step())
    return client.post("/api/v1/checkins", headers=headers, json={
        "client_id": str(uuid.uuid4()), "payload": payload, "scanned_at": utcnow().isoformat(), "gps": gps})


def _count(client, headers, session):
    return client.get(f"/api/v1/sessions/{session.public_id}", headers=headers).get_json()["checkins"]


def test_a_flagged_check_in_counts_for_nothing_and_a_later_good_one_counts(client, field):
    session = make_session()
    doubtful = _scan(client, field["headers"], session, MOCKED_FAR)
    assert doubtful.status_code == 201
    assert (doubtful.get_json()["verdict"], doubtful.get_json()["evidence_status"]) == ("accepted_with_flags", "held")
    assert _count(client, field["headers"], session) == 0
    display_url = client.get(f"/api/v1/sessions/{session.public_id}", headers=field["headers"]).get_json()[
        "display_url"]
    code_url = display_url.replace(f"/sessions/{session.public_id}?", f"/sessions/{session.public_id}/code.json?")
    assert client.get(code_url).get_json()["checkins"] == 0  # the projector's live count
    good = _scan(client, field["headers"], session, {"lat": LAT, "lon": LON, "accuracy_m": 5})
    assert good.status_code == 201, good.get_json()
    assert good.get_json()["evidence_status"] == "counted"
    assert _count(client, field["headers"], session) == 1
    assert client.get(code_url).get_json()["checkins"] == 1
    again = _scan(client, field["headers"], session, MOCKED_FAR)  # already counted: nothing more to review
    assert again.status_code == 409 and again.get_json()["error_code"] == "checkin.duplicate"


def test_a_held_check_in_accepted_on_review_counts_once(client, field):
    session = make_session()
    held = _scan(client, field["headers"], session, MOCKED_FAR).get_json()
    decision = {"type": "checkin", "id": held["id"], "decision": "accepted", "reason": "Có mặt, GPS điện thoại lỗi"}
    accepted = client.post("/api/v1/reviews", headers=field["officer"], json=decision)
    assert accepted.status_code == 201 and accepted.get_json()["status"] == "counted"
    assert _count(client, field["headers"], session) == 1
    # A second doubtful scan cannot be accepted into a second place.
    other = db.session.query(CheckIn).filter_by(client_id=held["id"]).one()
    other.evidence_status = EvidenceStatus.held  # (as if it had not been decided yet)
    db.session.add(CheckIn(client_id=str(uuid.uuid4()), request_hash="0" * 64, user_id=field["volunteer"].id,
                           commune_code=other.commune_code, target_kind="session", session_id=other.session_id,
                           scanned_at=utcnow(), verdict="verified", flags=[], evidence_status=EvidenceStatus.counted))
    db.session.commit()
    twice = client.post("/api/v1/reviews", headers=field["officer"], json=decision)
    assert twice.status_code == 409 and twice.get_json()["error_code"] == "review.already_counted"


def _visit(client, field, gps, plate=None, skills=FIVE):
    return client.post("/api/v1/visits", headers=field["headers"], json={
        "client_id": str(uuid.uuid4()), "household_id": field["household"].public_id, "outcome": "supported",
        "visited_at": utcnow().isoformat(), "gps": gps, "plate": plate,
        "people": [{"person_id": field["person"].public_id, "skills": skills}]})


def _household(client, field):
    return client.get(f"/api/v1/households/{field['household'].public_id}", headers=field["officer"]).get_json()


def _records(client, field, status="counted"):
    return client.get("/api/v1/support-records", headers=field["officer"], query_string={
        "village_id": field["household"].village_id, "evidence_status": status}).get_json()["total"]


def test_a_visit_without_a_plate_and_a_mocked_far_gps_grants_nothing_until_reviewed(client, field):
    visit = _visit(client, field, MOCKED_FAR).get_json()
    assert visit["evidence_status"] == "held" and {"no_plate_scan", "mock_location"} <= set(visit["flags"])
    person = client.get(f"/api/v1/persons/{field['person'].public_id}", headers=field["officer"]).get_json()
    assert {s["status"] for s in person["skills"]} == {"claimed"} and person["is_digital_core"] is False
    household = _household(client, field)
    assert household["is_digital_family"] is False and household["status"] == "not_visited"
    assert (_records(client, field), _records(client, field, "held")) == (0, 5)

    queue = client.get("/api/v1/reviews", headers=field["officer"], query_string={"type": "visit"}).get_json()
    item = next(i for i in queue["items"] if i["id"] == visit["id"])
    assert "mock_location" in item["holding_flags"] and "no_plate_scan" not in item["holding_flags"]
    assert item["location"] is not None and item["decisions"] == []

    accepted = client.post("/api/v1/reviews", headers=field["officer"], json={
        "type": "visit", "id": visit["id"], "decision": "accepted", "reason": "Đã gọi điện xác minh"})
    assert accepted.get_json()["status"] == "counted"
    household = _household(client, field)
    assert household["is_digital_family"] is True and household["status"] == "digital_family"
    assert (_records(client, field), _records(client, field, "held")) == (5, 0)

    # Reviewed again later: rejected. The first decision stays, revised; the skills go.
    rejected = client.post("/api/v1/reviews", headers=field["officer"], json={
        "type": "visit", "id": visit["id"], "decision": "rejected", "reason": "Người dân cho biết không có ai đến"})
    assert rejected.get_json()["revises_id"] == accepted.get_json()["id"]
    assert _household(client, field)["is_digital_family"] is False
    assert (_records(client, field), _records(client, field, "rejected")) == (0, 5)
    reviews = db.session.query(EvidenceReview).filter_by(target_ref=visit["id"]).order_by(EvidenceReview.id).all()
    assert [r.decision.value for r in reviews] == ["accepted", "rejected"]
    entries = db.session.query(ActivityEntry).filter_by(object_id=visit["id"]).order_by(ActivityEntry.id).all()
    assert [e.action for e in entries] == ["visit.create", "review.accept", "review.reject"]
    assert db.session.query(SupportRecord).filter_by(source_id=visit["id"]).count() == 5  # kept, never erased
    # The decisions are in the commune's tamper-evident log, which verifies with them.
    import json

    from fieldapp.audit.sequencer import sequence_log
    from fieldapp.audit.verify import verify_export
    from tests.audit_helpers import export_bytes, pinned_keys

    sequence_log(db.session, field["household"].commune_code)
    lines = export_bytes(field["household"].commune_code)
    report = verify_export(lines, pinned_keys=pinned_keys())
    exported = [json.loads(line) for line in lines]
    decided = [e for e in exported if e.get("object_id") == visit["id"] and e.get("action", "").startswith("review.")]
    assert [e["action"] for e in decided] == ["review.accept", "review.reject"]
    assert report.entries == len([e for e in exported if "action" in e])  # every entry, ours among them, verified


def test_a_visit_without_a_plate_but_with_gps_at_the_house_counts(client, field):
    visit = _visit(client, field, {"lat": LAT, "lon": LON, "accuracy_m": 8}).get_json()
    assert visit["flags"] == ["no_plate_scan"] and visit["evidence_status"] == "counted"
    assert _household(client, field)["is_digital_family"] is True


def test_the_table_of_what_holds_back_is_a_setting(app, client, field, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_HOLD_BACK", {"late_sync": ["visit"]})
    visit = _visit(client, field, MOCKED_FAR).get_json()
    assert visit["evidence_status"] == "counted"


def test_the_queue_is_the_officers_of_the_area_oldest_first(client, field, login):
    first = _visit(client, field, MOCKED_FAR, skills=["online_safety"]).get_json()
    second = _scan(client, field["headers"], make_session(), MOCKED_FAR).get_json()
    queue = client.get("/api/v1/reviews", headers=field["officer"]).get_json()
    ids = [i["id"] for i in queue["items"]]
    assert ids.index(first["id"]) < ids.index(second["id"])
    only = client.get("/api/v1/reviews", headers=field["officer"], query_string={"flag": "mock_location"}).get_json()
    assert {first["id"], second["id"]} <= {i["id"] for i in only["items"]}
    elsewhere = login(make_user(role=Role.commune_officer, unit_code=OTHER_COMMUNE))
    assert client.get("/api/v1/reviews", headers=elsewhere).get_json()["total"] == 0
    denied = client.post("/api/v1/reviews", headers=elsewhere, json={
        "type": "visit", "id": first["id"], "decision": "accepted", "reason": "x"})
    assert denied.status_code == 404 and denied.get_json()["error_code"] == "visit.not_found"
    assert client.get("/api/v1/reviews", headers=field["headers"]).status_code == 403
    assert db.session.query(ActivityEntry).filter_by(action="review_queue.view").count() >= 1


def test_verified_or_rejected_evidence_is_not_reviewable(client, field):
    good = _scan(client, field["headers"], make_session(), {"lat": LAT, "lon": LON, "accuracy_m": 5}).get_json()
    response = client.post("/api/v1/reviews", headers=field["officer"], json={
        "type": "checkin", "id": good["id"], "decision": "rejected", "reason": "x"})
    assert response.status_code == 409 and response.get_json()["error_code"] == "review.not_reviewable"


def test_a_skill_claimed_by_hand_is_rejected_on_review_and_can_be_accepted_later(client, field):
    url = f"/api/v1/persons/{field['person'].public_id}/skills"
    claimed = client.post(url, headers=field["headers"], json={"grant": ["cashless_payment"], "evidence_kind": "other",
                                                               "evidence_ref": "Sổ tay tổ"}).get_json()
    assert claimed["skills"][0]["status"] == "claimed"
    ref = f"{field['person'].public_id}:cashless_payment"
    queue = client.get("/api/v1/reviews", headers=field["officer"], query_string={"type": "skill"}).get_json()
    assert ref in [i["id"] for i in queue["items"]]
    client.post("/api/v1/reviews", headers=field["officer"],
                json={"type": "skill", "id": ref, "decision": "rejected", "reason": "Không có bằng chứng"})
    person = client.get(f"/api/v1/persons/{field['person'].public_id}", headers=field["officer"]).get_json()
    assert person["skills"] == []
    back = client.post("/api/v1/reviews", headers=field["officer"],
                       json={"type": "skill", "id": ref, "decision": "accepted", "reason": "Đã có xác nhận"})
    assert back.status_code == 201 and back.get_json()["status"] == "confirmed"
    person = client.get(f"/api/v1/persons/{field['person'].public_id}", headers=field["officer"]).get_json()
    assert [(s["skill"], s["status"], s["recorded_by"]) for s in person["skills"]] == [
        ("cashless_payment", "confirmed", field["volunteer"].id)]
