"""Visits update skills with the visit as evidence; every support becomes a row of the official list."""
import csv
import io
import uuid

import pytest

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, Role, SupportRecord, Visit
from fieldapp.qr import signing
from tests.factories import HUNG_CHAU_CENTRE, assign, make_household, make_person, make_session, make_team, make_user

LAT, LON = HUNG_CHAU_CENTRE


@pytest.fixture
def door(login):
    """A volunteer at the door of an assigned household with two members."""
    volunteer = make_user(full_name="Lê Văn Nam")
    team = make_team(members=[volunteer])
    household = make_household(lat=LAT + 0.002, lon=LON, is_poor=True)
    assign(household, volunteer, team)
    grandmother = make_person(household=household, full_name="Nguyễn Thị Hoà", birth_year=1950, is_head=True)
    grandson = make_person(household=household, full_name="Nguyễn Văn Tý", birth_year=2005)
    return {"volunteer": volunteer, "team": team, "household": household, "grandmother": grandmother,
            "grandson": grandson, "headers": login(volunteer)}


def _visit(client, door, **overrides):
    body = {"client_id": str(uuid.uuid4()), "household_id": door["household"].public_id, "outcome": "supported",
            "visited_at": utcnow().isoformat(), "plate": signing.qr_text("household", door["household"].public_id),
            "gps": {"lat": LAT + 0.002, "lon": LON, "accuracy_m": 8},
            "people": [{"person_id": door["grandmother"].public_id, "skills": ["cashless_payment", "vneid_level2"]}]}
    body.update(overrides)
    return client.post("/api/v1/visits", headers=door["headers"], json=body), body


def test_supported_visit_records_support_and_skills_with_the_visit_as_evidence(client, door):
    response, body = _visit(client, door)
    assert response.status_code == 201, response.get_json()
    visit = response.get_json()
    assert visit["flags"] == [] and visit["id"].startswith("V")
    records = db.session.query(SupportRecord).filter_by(person_id=door["grandmother"].id).all()
    assert sorted((r.skill.value, r.proof, r.source_id, r.helper_id, r.team_id) for r in records) == [
        ("cashless_payment", "qr_plate", visit["id"], door["volunteer"].id, door["team"].id),
        ("vneid_level2", "qr_plate", visit["id"], door["volunteer"].id, door["team"].id)]
    person = client.get(f"/api/v1/persons/{door['grandmother'].public_id}", headers=door["headers"]).get_json()
    assert {(s["skill"], s["evidence_kind"], s["evidence_ref"]) for s in person["skills"]} == {
        ("cashless_payment", "visit", visit["id"]), ("vneid_level2", "visit", visit["id"])}
    household = client.get(f"/api/v1/households/{door['household'].public_id}", headers=door["headers"]).get_json()
    assert household["status"] == "visited"
    entry = db.session.query(ActivityEntry).filter_by(action="visit.create", object_id=visit["id"]).one()
    assert entry.client_id == body["client_id"] and "Hoà" not in entry.body


def test_retry_of_a_visit_duplicates_nothing(client, door):
    first, body = _visit(client, door)
    again = client.post("/api/v1/visits", headers=door["headers"], json=body)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert db.session.query(Visit).filter_by(client_id=body["client_id"]).count() == 1
    assert db.session.query(SupportRecord).filter_by(person_id=door["grandmother"].id).count() == 2


@pytest.mark.parametrize("overrides, flag", [
    ({"plate": None}, "no_plate_scan"),
    ({"gps": {"lat": LAT + 0.02, "lon": LON, "accuracy_m": 8}}, "far_from_site"),
])
def test_weak_proof_is_flagged_on_the_visit_and_its_records(client, door, overrides, flag):
    response, _ = _visit(client, door, **overrides)
    assert flag in response.get_json()["flags"]
    records = db.session.query(SupportRecord).filter_by(person_id=door["grandmother"].id).all()
    assert records and all(flag in r.flags for r in records)


def test_a_visit_dated_in_the_future_is_rejected_as_a_check_in_would_be(client, door):
    """One rule for both: kept for auditors with its reason, records no support, and does not mark
    the household visited (it was "accepted with a flag" and made the household visited)."""
    from datetime import timedelta

    ahead = utcnow() + timedelta(days=2)
    response, _ = _visit(client, door, visited_at=ahead.isoformat())
    assert response.status_code == 201
    assert (response.get_json()["verdict"], response.get_json()["flags"]) == ("rejected", ["future_scan"])
    assert db.session.query(SupportRecord).filter_by(person_id=door["grandmother"].id).count() == 0
    household = client.get(f"/api/v1/households/{door['household'].public_id}", headers=door["headers"]).get_json()
    assert household["status"] == "not_visited" and household["last_visited_at"] is None
    checkin = client.post("/api/v1/checkins", headers=door["headers"], json={
        "client_id": str(uuid.uuid4()), "payload": signing.qr_text("household", door["household"].public_id),
        "scanned_at": ahead.isoformat(), "gps": {"lat": LAT + 0.002, "lon": LON, "accuracy_m": 8}}).get_json()
    assert (checkin["verdict"], checkin["flags"]) == ("rejected", ["future_scan"])


def test_the_plate_of_another_household_is_flagged(client, door):
    other = make_household()
    response, _ = _visit(client, door, plate=signing.qr_text("household", other.public_id))
    assert "plate_of_another_household" in response.get_json()["flags"]


def test_nobody_home_is_a_visit_without_support(client, door):
    response, _ = _visit(client, door, outcome="nobody_home", people=[])
    assert response.status_code == 201
    assert db.session.query(SupportRecord).filter(SupportRecord.person_id.in_(
        [door["grandmother"].id, door["grandson"].id])).count() == 0


@pytest.mark.parametrize("overrides, status, code", [
    ({"people": []}, 422, "visit.people_required"),
    ({"people": [{"person_id": "PNOTHERE000", "skills": ["online_safety"]}]}, 422, "visit.person_not_in_household"),
    ({"household_id": "HNOTHERE000"}, 404, "household.not_found"),
    ({"outcome": "maybe"}, 422, "request.invalid"),
])
def test_bad_visits_are_clear_4xx_and_write_nothing(client, door, overrides, status, code):
    response, _ = _visit(client, door, **overrides)
    assert response.status_code == status and response.get_json()["error_code"] == code
    assert db.session.query(Visit).filter_by(household_id=door["household"].id).count() == 0
    assert db.session.query(SupportRecord).filter(SupportRecord.person_id.in_(
        [door["grandmother"].id, door["grandson"].id])).count() == 0


def test_residents_recorded_at_a_session_by_card_or_name_get_support_records(client, door):
    session = make_session(topics=("online_public_services",))
    card = signing.qr_text("person", door["grandson"].public_id)
    url = f"/api/v1/sessions/{session.public_id}/attendees"
    assert client.post(url, headers=door["headers"], json={"person_card": card}).status_code == 201
    picked = client.post(url, headers=door["headers"], json={"person_id": door["grandmother"].public_id})
    assert picked.status_code == 201
    proofs = {r.person_id: r.proof for r in db.session.query(SupportRecord).filter_by(source_id=session.public_id)}
    assert proofs == {door["grandson"].id: "qr_card", door["grandmother"].id: "none"}
    plate = signing.qr_text("household", door["household"].public_id)
    wrong = client.post(url, headers=door["headers"], json={"person_card": plate})
    assert wrong.status_code == 422 and wrong.get_json()["error_code"] == "qr.kind_mismatch"


def test_the_list_of_people_supported_filters_and_exports(client, door, login):
    _visit(client, door)
    _visit(client, door, people=[{"person_id": door["grandson"].public_id, "skills": ["online_safety"]}])
    officer = login(make_user(role=Role.commune_officer))
    listed = client.get("/api/v1/support-records", headers=officer).get_json()
    assert listed["total"] == 3
    elderly = client.get("/api/v1/support-records", headers=officer, query_string={"priority_group": "elderly"})
    assert {r["full_name"] for r in elderly.get_json()["items"]} == {"Nguyễn Thị Hoà"}
    poor = client.get("/api/v1/support-records", headers=officer, query_string={"priority_group": "poor"})
    assert poor.get_json()["total"] == 3
    skill = client.get("/api/v1/support-records", headers=officer, query_string={"skill": "online_safety"})
    assert [r["full_name"] for r in skill.get_json()["items"]] == ["Nguyễn Văn Tý"]

    exported = client.get("/api/v1/support-records", headers=officer, query_string={"format": "csv"})
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    text = exported.get_data().decode("utf-8")
    assert text.startswith("\ufeff")  # Excel opens it as UTF-8
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["STT", "Họ và tên", "Năm sinh", "Thôn/xóm", "Kỹ năng được hỗ trợ"]
    assert {row[4] for row in rows[1:]} == {"Thanh toán không dùng tiền mặt", "Định danh điện tử VNeID mức 2",
                                            "An toàn trên không gian mạng"}
    assert all(len(row[6]) == 16 and row[6][2] == "/" for row in rows[1:])  # dd/mm/yyyy hh:mm
    assert db.session.query(ActivityEntry).filter_by(action="support_record.export").count() == 1

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get("/api/v1/support-records", headers=officer,
                                               query_string={"format": "xlsx"}).get_data()))
    sheet = book.active
    assert sheet.cell(1, 2).value == "Họ và tên" and sheet.max_row == 4


def test_volunteers_see_only_their_own_support(client, door, login):
    _visit(client, door)
    assert client.get("/api/v1/support-records", headers=door["headers"]).get_json()["total"] == 2
    assert client.get("/api/v1/support-records", headers=login(make_user())).get_json()["total"] == 0


def test_another_communes_list_is_not_found_and_its_export_writes_nothing_in_its_log(client, door, login):
    """Found by row-level security: an export naming a commune outside the caller's area used to
    answer an empty list and append an entry to that commune's activity log."""
    from tests.factories import OTHER_COMMUNE

    _visit(client, door)
    outsider = login(make_user(role=Role.commune_officer, unit_code=OTHER_COMMUNE))
    entries_before = db.session.query(ActivityEntry).filter_by(log_unit=door["household"].commune_code).count()
    for fmt in ("json", "csv"):
        answer = client.get("/api/v1/support-records", headers=outsider,
                            query_string={"commune": door["household"].commune_code, "format": fmt})
        assert answer.status_code == 404 and answer.get_json()["error_code"] == "unit.not_found"
    assert db.session.query(ActivityEntry).filter_by(log_unit=door["household"].commune_code).count() == entries_before
