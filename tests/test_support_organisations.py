"""Support given on behalf of an organisation ("hỗ trợ người dân, doanh nghiệp"): a visit's person entry
and a session attendee may name the organisation the person was helped for. It is looked up through
the caller's reach as a read would be (404 otherwise, nothing written), the person must be a member
(422), and the list of people supported shows it and filters by it, in JSON, CSV and XLSX."""
from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, Role, SessionAttendee, SupportRecord, Visit
from fieldapp.qr import signing
from fieldapp.selectors.support_records import HEADERS
from tests.factories import (
    HUNG_CHAU_CENTRE,
    NGHE_AN,
    OTHER_COMMUNE,
    assign,
    make_household,
    make_organisation,
    make_person,
    make_session,
    make_team,
    make_user,
)

LAT, LON = HUNG_CHAU_CENTRE


@pytest.fixture
def door(login):
    """A volunteer at the door of an assigned household: the owner of a small enterprise the volunteer
    is the focal person of (a worker of it), and her son, who is not."""
    volunteer = make_user(full_name="Lê Văn Nam")
    team = make_team(members=[volunteer])
    household = make_household(lat=LAT + 0.002, lon=LON)
    assign(household, volunteer, team)
    owner = make_person(household=household, full_name="Trần Thị Bán", is_head=True)
    son = make_person(household=household, full_name="Trần Văn Con", birth_year=2004)
    shop = make_organisation(kind="enterprise", focal=volunteer, members=[owner], role="worker",
                             name="Hộ kinh doanh Bán Online")
    return {"volunteer": volunteer, "team": team, "household": household, "owner": owner, "son": son, "shop": shop,
            "headers": login(volunteer)}


def _visit(client, door, people, **overrides):
    body = {"client_id": str(uuid.uuid4()), "household_id": door["household"].public_id, "outcome": "supported",
            "visited_at": utcnow().isoformat(), "plate": signing.qr_text("household", door["household"].public_id),
            "gps": {"lat": LAT + 0.002, "lon": LON, "accuracy_m": 8}, "people": people, **overrides}
    return client.post("/api/v1/visits", headers=door["headers"], json=body), body


def _records(*people) -> list[SupportRecord]:
    return list(db.session.scalars(select(SupportRecord).where(SupportRecord.person_id.in_([p.id for p in people]))
                                   .order_by(SupportRecord.id)))


def _nothing_written(door) -> None:
    assert db.session.query(Visit).filter_by(household_id=door["household"].id).count() == 0
    assert _records(door["owner"], door["son"]) == []


def test_a_visit_records_support_on_behalf_of_the_members_organisation(client, door):
    response, body = _visit(client, door, [
        {"person_id": door["owner"].public_id, "skills": ["online_shopping", "cashless_payment"],
         "organisation_id": door["shop"].id},
        {"person_id": door["son"].public_id, "skills": ["online_safety"]}])
    assert response.status_code == 201, response.get_json()
    by_skill = {r.skill.value: r.organisation_id for r in _records(door["owner"], door["son"])}
    assert by_skill == {"online_shopping": door["shop"].id, "cashless_payment": door["shop"].id,
                        "online_safety": None}
    entry = db.session.scalar(select(ActivityEntry).where(ActivityEntry.action == "visit.create",
                                                          ActivityEntry.object_id == response.get_json()["id"]))
    assert json.loads(entry.body)["organisation_ids"] == [door["shop"].id]

    # A retry is the first answer again, and writes nothing more; null and omitted are one request.
    again = client.post("/api/v1/visits", headers=door["headers"], json=body)
    assert again.status_code == 200 and again.get_json() == response.get_json()
    assert len(_records(door["owner"], door["son"])) == 3
    son_null = {**body, "people": [body["people"][0], {**body["people"][1], "organisation_id": None}]}
    assert client.post("/api/v1/visits", headers=door["headers"], json=son_null).status_code == 200
    # The same client_id naming another party is another request.
    other = make_organisation(kind="cooperative", focal=door["volunteer"], members=[door["owner"]])
    changed = {**body, "people": [{**body["people"][0], "organisation_id": other.id}]}
    conflict = client.post("/api/v1/visits", headers=door["headers"], json=changed)
    assert conflict.status_code == 409 and conflict.get_json()["error_code"] == "idempotency.conflict"
    assert len(_records(door["owner"], door["son"])) == 3


def test_a_visit_without_organisations_keeps_its_digest(client, door):
    """Omitting the field is the body a phone sent before it existed: its retries still match."""
    from fieldapp.api.visits import VisitIn
    from fieldapp.services.idempotency import client_request

    _, body = _visit(client, door, [{"person_id": door["son"].public_id, "skills": ["online_safety"]}])
    loaded = VisitIn().load(body)
    assert "organisation_id" not in loaded["people"][0]
    stored = db.session.scalar(select(Visit.request_hash).where(Visit.client_id == body["client_id"]))
    assert client_request(loaded)[1] == stored


def test_a_person_who_is_not_a_member_is_422_and_nothing_is_written(client, door):
    response, _ = _visit(client, door, [
        {"person_id": door["owner"].public_id, "skills": ["online_shopping"], "organisation_id": door["shop"].id},
        {"person_id": door["son"].public_id, "skills": ["online_shopping"], "organisation_id": door["shop"].id}])
    answer = response.get_json()
    assert response.status_code == 422 and answer["error_code"] == "support.organisation_not_member"
    assert answer["errors"] == {"people": [door["son"].public_id]}
    assert "thành viên" in answer["message"]  # Vietnamese by default
    _nothing_written(door)


def test_another_areas_organisation_is_not_found_as_a_read_would_be(client, door):
    """Another commune's organisation, one of this commune that the volunteer is not the focal person
    of, and a made-up id: the same 404 as GET /organisations/{id}, and nothing written."""
    theirs = make_organisation(kind="enterprise", unit_code=OTHER_COMMUNE)
    not_mine = make_organisation(kind="enterprise", members=[door["owner"]])
    for organisation_id in (theirs.id, not_mine.id, 2_000_000_000):
        response, _ = _visit(client, door, [{"person_id": door["owner"].public_id, "skills": ["online_shopping"],
                                             "organisation_id": organisation_id}])
        assert response.status_code == 404 and response.get_json()["error_code"] == "organisation.not_found"
        read = client.get(f"/api/v1/organisations/{organisation_id}", headers=door["headers"])
        assert read.status_code == 404 and read.get_json()["message"] == response.get_json()["message"]
    _nothing_written(door)


def test_a_session_attendee_is_recorded_on_behalf_of_an_organisation(client, door, login):
    officer = login(make_user(role=Role.commune_officer))
    session = make_session(topics=("online_shopping",))
    url = f"/api/v1/sessions/{session.public_id}/attendees"
    recorded = client.post(url, headers=officer, json={"person_id": door["owner"].public_id,
                                                       "organisation_id": door["shop"].id})
    assert recorded.status_code == 201, recorded.get_json()
    assert recorded.get_json()["organisation_id"] == door["shop"].id
    attendee = db.session.get(SessionAttendee, (session.id, door["owner"].id))
    assert attendee.organisation_id == door["shop"].id
    assert [(r.source_id, r.organisation_id) for r in _records(door["owner"])] == [(session.public_id, door["shop"].id)]
    entry = db.session.scalar(select(ActivityEntry).where(ActivityEntry.action == "session.attendee_add",
                                                          ActivityEntry.object_id == session.public_id))
    assert json.loads(entry.body)["organisation_id"] == door["shop"].id
    # Recorded again, with or without the organisation: the first record, nothing more.
    again = client.post(url, headers=officer, json={"person_id": door["owner"].public_id})
    assert again.status_code == 201 and again.get_json() == recorded.get_json()
    assert len(_records(door["owner"])) == 1
    # Picked by card, for themselves.
    card = client.post(url, headers=officer, json={"person_card": signing.qr_text("person", door["son"].public_id)})
    assert card.status_code == 201 and card.get_json()["organisation_id"] is None


def test_a_session_without_topics_keeps_the_organisation_on_the_attendee(client, door, login):
    officer = login(make_user(role=Role.commune_officer))
    session = make_session(topics=())
    response = client.post(f"/api/v1/sessions/{session.public_id}/attendees", headers=officer,
                           json={"person_id": door["owner"].public_id, "organisation_id": door["shop"].id})
    assert response.status_code == 201
    assert db.session.get(SessionAttendee, (session.id, door["owner"].id)).organisation_id == door["shop"].id
    assert _records(door["owner"]) == []


@pytest.mark.parametrize("who, status, code", [
    ("son", 422, "support.organisation_not_member"),
    ("elsewhere", 404, "organisation.not_found"),
])
def test_a_bad_organisation_of_an_attendee_writes_nothing(client, door, login, who, status, code):
    officer = login(make_user(role=Role.commune_officer))
    session = make_session(topics=("online_shopping",))
    if who == "son":
        person, organisation_id = door["son"], door["shop"].id
    else:
        person = door["owner"]
        organisation_id = make_organisation(unit_code=OTHER_COMMUNE).id
    response = client.post(f"/api/v1/sessions/{session.public_id}/attendees", headers=officer,
                           json={"person_id": person.public_id, "organisation_id": organisation_id})
    assert response.status_code == status and response.get_json()["error_code"] == code
    assert db.session.get(SessionAttendee, (session.id, person.id)) is None
    assert _records(person) == []
    assert db.session.scalar(select(ActivityEntry).where(ActivityEntry.action == "session.attendee_add",
                                                         ActivityEntry.object_id == session.public_id)) is None


def test_the_list_shows_the_organisation_filters_by_it_and_exports_it(client, door, login):
    _visit(client, door, [{"person_id": door["owner"].public_id, "skills": ["online_shopping"],
                           "organisation_id": door["shop"].id},
                          {"person_id": door["son"].public_id, "skills": ["online_safety"]}])
    officer = login(make_user(role=Role.commune_officer))
    listed = client.get("/api/v1/support-records", headers=officer).get_json()["items"]
    shown = {r["full_name"]: (r["organisation_id"], r["organisation_code"], r["organisation_name"]) for r in listed}
    assert shown["Trần Thị Bán"] == (door["shop"].id, door["shop"].code, "Hộ kinh doanh Bán Online")
    assert shown["Trần Văn Con"] == (None, None, None)
    filtered = client.get("/api/v1/support-records", headers=officer,
                          query_string={"organisation_id": door["shop"].id}).get_json()
    assert [r["full_name"] for r in filtered["items"]] == ["Trần Thị Bán"] and filtered["total"] == 1
    nobody = client.get("/api/v1/support-records", headers=officer, query_string={"organisation_id": 2_000_000_000})
    assert nobody.status_code == 200 and nobody.get_json()["total"] == 0

    assert HEADERS[-2:] == ["Mã tổ chức được hỗ trợ", "Tên tổ chức được hỗ trợ"]
    exported = client.get("/api/v1/support-records", headers=officer,
                          query_string={"format": "csv", "organisation_id": door["shop"].id})
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8").lstrip("\ufeff"))))
    assert rows[0] == HEADERS and len(rows) == 2
    assert rows[1][-2:] == [door["shop"].code, "Hộ kinh doanh Bán Online"] and rows[1][1] == "Trần Thị Bán"
    entry = db.session.scalar(select(ActivityEntry).where(ActivityEntry.action == "support_record.export"))
    assert json.loads(entry.body)["filters"] == {"organisation_id": str(door["shop"].id)}
    book = load_workbook(io.BytesIO(client.get("/api/v1/support-records", headers=officer,
                                               query_string={"format": "xlsx"}).get_data()))
    sheet = book.active
    cells = {sheet.cell(row, 2).value: (sheet.cell(row, 13).value, sheet.cell(row, 14).value)
             for row in range(2, sheet.max_row + 1)}
    assert cells == {"Trần Thị Bán": (door["shop"].code, "Hộ kinh doanh Bán Online"), "Trần Văn Con": (None, None)}


def test_an_organisations_name_is_exported_as_inert_text(client, door, login):
    door["shop"].name = '=HYPERLINK("http://x/","Xem")'
    db.session.commit()
    _visit(client, door, [{"person_id": door["owner"].public_id, "skills": ["online_shopping"],
                           "organisation_id": door["shop"].id}])
    officer = login(make_user(role=Role.commune_officer))
    text = client.get("/api/v1/support-records", headers=officer, query_string={"format": "csv"}).get_data().decode()
    assert "'=HYPERLINK" in text
    book = load_workbook(io.BytesIO(client.get("/api/v1/support-records", headers=officer,
                                               query_string={"format": "xlsx"}).get_data()))
    cell = book.active.cell(2, 14)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_a_provinces_agency_named_by_a_communes_record_shows_in_that_communes_list(client, door, login):
    """A province officer records a civil servant of a province agency at a class in Hùng Châu: the
    commune's officer sees the agency's code and name in the list (on PostgreSQL, the organisations'
    read policy lets a record of the area name it), and still cannot read the agency itself."""
    agency = make_organisation(kind="agency", unit_code=NGHE_AN, members=[door["owner"]],
                               name="Sở Khoa học và Công nghệ Nghệ An")
    province = login(make_user(role=Role.province_officer, unit_code=NGHE_AN))
    session = make_session(topics=("online_public_services",))
    response = client.post(f"/api/v1/sessions/{session.public_id}/attendees", headers=province,
                           json={"person_id": door["owner"].public_id, "organisation_id": agency.id})
    assert response.status_code == 201, response.get_json()
    commune = login(make_user(role=Role.commune_officer))
    listed = client.get("/api/v1/support-records", headers=commune,
                        query_string={"organisation_id": agency.id}).get_json()["items"]
    assert [(r["organisation_code"], r["organisation_name"]) for r in listed] == [
        (agency.code, "Sở Khoa học và Công nghệ Nghệ An")]
    rows = list(csv.reader(io.StringIO(client.get("/api/v1/support-records", headers=commune, query_string={
        "format": "csv", "organisation_id": agency.id}).get_data().decode("utf-8").lstrip("\ufeff"))))
    assert rows[1][-2:] == [agency.code, "Sở Khoa học và Công nghệ Nghệ An"]
    assert client.get(f"/api/v1/organisations/{agency.id}", headers=commune).status_code == 404
    listed = client.get("/api/v1/organisations", headers=commune).get_json()["items"]
    assert agency.id not in [o["id"] for o in listed]
    # Another commune's officer sees neither the record nor the agency through it.
    elsewhere = login(make_user(role=Role.commune_officer, unit_code=OTHER_COMMUNE))
    assert client.get("/api/v1/support-records", headers=elsewhere,
                      query_string={"organisation_id": agency.id}).get_json()["total"] == 0


def test_the_persons_data_export_names_the_organisation_of_their_support(client, door, login):
    _visit(client, door, [{"person_id": door["owner"].public_id, "skills": ["online_shopping"],
                           "organisation_id": door["shop"].id}])
    officer = login(make_user(role=Role.commune_officer))
    data = client.get(f"/api/v1/persons/{door['owner'].public_id}/data-export", headers=officer).get_json()
    assert [(s["skill"], s["organisation"]) for s in data["support_received"]] == [("online_shopping",
                                                                                     door["shop"].code)]


def test_organisations_supported_count_once_each_in_the_indicators(client, door, login):
    from fieldapp.models import Role
    from tests.factories import HUNG_CHAU

    officer = login(make_user(role=Role.commune_officer))
    for skills in (["online_shopping"], ["selling_online"]):
        response, _ = _visit(client, door, [{"person_id": door["owner"].public_id, "skills": skills,
                                             "organisation_id": door["shop"].id}])
        assert response.status_code == 201, response.get_json()
    _visit(client, door, [{"person_id": door["son"].public_id, "skills": ["online_safety"]}])
    year = str(utcnow().year)
    figures = {f["code"]: f for f in client.get("/api/v1/indicators", headers=officer, query_string={
        "unit": HUNG_CHAU, "period": year}).get_json()["figures"]}
    assert figures["support.organisations"]["numerator"] == 1
    assert figures["support.people"]["numerator"] == 2
    team = {f["code"]: f for f in client.get("/api/v1/indicators", headers=officer, query_string={
        "team_id": door["team"].id, "period": year}).get_json()["figures"]}
    assert team["support.organisations"]["numerator"] == 1
