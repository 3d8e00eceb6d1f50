"""Consent withdrawn stops processing; erasure is final (issue 13, items 5 and 6).

After a withdrawal nothing new is recorded about the person (details, skills, support, attendance,
mentoring) until they consent again, and every list and export shows them masked; what they were
counted in stays. An erased person never changes again, and their household's address and point go
when nobody else lives there.
"""
import csv
import io
import json
import uuid
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from fieldapp.clock import utcnow
from fieldapp.errors import CATALOGUE
from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, Household, Person, Role, SupportRecord, Visit
from fieldapp.qr import signing
from tests.factories import (
    HUNG_CHAU_CENTRE,
    assign,
    make_ambassador,
    make_household,
    make_mentorship,
    make_person,
    make_session,
    make_team,
    make_user,
)
from tests.test_console import sign_in

LAT, LON = HUNG_CHAU_CENTRE
FIVE = ["online_public_services", "online_shopping", "cashless_payment", "online_safety", "local_digital_platforms"]
CONSENT = {"purpose": "Hỗ trợ kỹ năng số (Bình dân học vụ số)", "notice_version": "2026-01"}
WITHDRAWN = "[đã rút đồng ý]"
ERASED = "[đã xoá]"


@pytest.fixture
def home(client, login):
    """An officer, and a volunteer at an assigned household: Rút (consented, helped once with the five
    skills) and her son Ở; Rút also has a mentor."""
    officer = make_user(role=Role.commune_officer, full_name="Cán Bộ Xã")
    volunteer = make_user(full_name="Lê Văn Nam")
    household = make_household(lat=LAT + 0.002, lon=LON, address="Xóm Đông, nhà số 7")
    assign(household, volunteer, make_team(members=[volunteer]))
    person = make_person(household=household, full_name="Nguyễn Thị Rút", phone="0912345670", birth_year=1950,
                         consent=CONSENT, is_head=True)
    son = make_person(household=household, full_name="Nguyễn Văn Ở", birth_year=1980)
    mentorship = make_mentorship(mentee=person)
    made = SimpleNamespace(officer=officer, volunteer=volunteer, household=household, person=person, son=son,
                           mentorship=mentorship, mentor=db.session.get(type(volunteer), mentorship.mentor_user_id))
    made.headers, made.field = login(officer), login(volunteer)
    made.mentor_headers = login(made.mentor)
    assert _visit(client, made, [person]).status_code == 201
    return made


def _visit(client, home, people, client_id=None):
    body = {"client_id": client_id or str(uuid.uuid4()), "household_id": home.household.public_id,
            "outcome": "supported", "visited_at": utcnow().isoformat(),
            "plate": signing.qr_text("household", home.household.public_id),
            "gps": {"lat": LAT + 0.002, "lon": LON, "accuracy_m": 8},
            "people": [{"person_id": p.public_id, "skills": FIVE} for p in people]}
    return client.post("/api/v1/visits", headers=home.field, json=body)


def _refused(response, error_code, field=None, ids=None):
    body = response.get_json()
    assert response.status_code == 409, body
    assert body["error_code"] == error_code and body["message"] == CATALOGUE[error_code].vi
    if field is not None:
        assert body["errors"][field] == ids, body
    return body


def _withdraw(client, home):
    response = client.patch(f"/api/v1/persons/{home.person.public_id}", headers=home.headers, json={"consent": None})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _supported(person):
    return db.session.query(SupportRecord).filter_by(person_id=person.id).count()


# --- Consent withdrawn ----------------------------------------------------------------------------------------


def test_after_withdrawal_their_details_are_not_changed_until_they_consent_again(client, home):
    url = f"/api/v1/persons/{home.person.public_id}"
    withdrawn = _withdraw(client, home)
    assert withdrawn["consent"]["withdrawn_at"] is not None
    for change in ({"full_name": "Nguyễn Thị Mới"}, {"phone": "0912000999"}, {"birth_year": 1951}, {"sex": "female"},
                   {"has_disability": True}, {"is_head": False}):
        body = _refused(client.patch(url, headers=home.headers, json=change), "person.consent_withdrawn")
        assert list(body["errors"]) == list(change)
    english = client.patch(url, headers={**home.headers, "Accept-Language": "en"}, json={"full_name": "X"})
    assert english.get_json()["message"] == CATALOGUE["person.consent_withdrawn"].en
    db.session.expire_all()
    row = db.session.get(Person, home.person.id)
    # Kept, not shown: for the person's own export, and in case they consent again.
    assert (row.full_name, row.phone, row.birth_year) == ("Nguyễn Thị Rút", "+84912345670", 1950)

    again = client.patch(url, headers=home.headers, json={"consent": None})
    assert again.status_code == 200
    assert again.get_json()["consent"]["withdrawn_at"] == withdrawn["consent"]["withdrawn_at"]

    given = client.patch(url, headers=home.headers, json={"consent": {**CONSENT, "notice_version": "2026-02"},
                                                          "phone": "0912000999"})
    assert given.status_code == 200, given.get_json()
    body = given.get_json()
    assert body["consent"]["withdrawn_at"] is None and body["consent"]["notice_version"] == "2026-02"
    assert body["consent"]["collected_by"] == home.officer.id
    assert (body["full_name"], body["phone"]) == ("Nguyễn Thị Rút", "+84912000999")
    assert client.patch(url, headers=home.headers, json={"birth_year": 1951}).status_code == 200
    # The history of consent is in the activity log: withdrawn, withdrawn again, given again.
    logged = [json.loads(e.body).get("consent") for e in db.session.query(ActivityEntry).filter_by(
        action="person.update", object_id=home.person.public_id).order_by(ActivityEntry.id)]
    assert logged == ["withdrawn", "withdrawn", "given", None]


def test_nothing_new_is_recorded_for_someone_who_withdrew(client, login, home):
    from tests.test_api_checkins import _checkin

    before = _supported(home.person)
    _withdraw(client, home)
    person_id = home.person.public_id

    client_id = str(uuid.uuid4())
    _refused(_visit(client, home, [home.son, home.person], client_id), "person.consent_withdrawn", "people",
             [person_id])
    assert db.session.query(Visit).filter_by(client_id=client_id).count() == 0
    assert _visit(client, home, [home.son], client_id).status_code == 201  # sent again without her: recorded
    assert _supported(home.person) == before and _supported(home.son) == len(FIVE)

    skills = client.post(f"/api/v1/persons/{person_id}/skills", headers=home.headers,
                         json={"withdraw": ["online_safety"], "evidence_kind": "other"})
    _refused(skills, "person.consent_withdrawn", "person_id", [person_id])
    session = make_session()
    attended = client.post(f"/api/v1/sessions/{session.public_id}/attendees", headers=home.field,
                           json={"person_id": person_id})
    _refused(attended, "person.consent_withdrawn", "person_id", [person_id])
    card, _ = _checkin(client, home.field, signing.qr_text("person", person_id))
    _refused(card, "person.consent_withdrawn", "payload", [person_id])

    other_mentor = make_ambassador()
    started = client.post("/api/v1/mentorships", headers=login(other_mentor.user),
                          json={"mentee_person_id": person_id, "skills": ["online_safety"]})
    _refused(started, "person.consent_withdrawn", "mentee_person_id", [person_id])
    mentorship = f"/api/v1/mentorships/{home.mentorship.public_id}"
    reached = client.patch(mentorship, headers=home.mentor_headers, json={"skills_reached": ["online_safety"]})
    _refused(reached, "person.consent_withdrawn", "mentee_person_id", [person_id])
    met = client.post(f"{mentorship}/interactions", headers=home.mentor_headers,
                      json={"method": "visit", "occurred_at": utcnow().isoformat()})
    _refused(met, "person.consent_withdrawn", "mentee_person_id", [person_id])
    # Ending the mentorship stops processing: allowed.
    assert client.patch(mentorship, headers=home.mentor_headers, json={"status": "dropped"}).status_code == 200
    db.session.expire_all()
    assert {s.skill.value for s in db.session.get(Person, home.person.id).skills} == set(FIVE)


def test_a_withdrawn_person_is_shown_masked_in_lists_and_exports_and_still_counted(client, home):
    records_before = client.get("/api/v1/support-records", headers=home.headers).get_json()["total"]
    _withdraw(client, home)
    person_id = home.person.public_id

    def masked(item):
        return item["full_name"] == WITHDRAWN and item.get("phone") is None

    listed = client.get("/api/v1/persons", headers=home.headers).get_json()["items"]
    assert masked(next(p for p in listed if p["id"] == person_id))
    assert masked(client.get(f"/api/v1/persons/{person_id}", headers=home.field).get_json())
    members = client.get(f"/api/v1/households/{home.household.public_id}/members", headers=home.headers).get_json()
    assert [p["full_name"] for p in members["items"]] == [WITHDRAWN, "Nguyễn Văn Ở"]
    # Her name is no longer searched: neither the people's nor the households' search finds it.
    assert client.get("/api/v1/persons", headers=home.headers, query_string={"q": "nguyen thi rut"}).get_json()[
        "total"] == 0
    assert client.get("/api/v1/households", headers=home.headers, query_string={"q": "Rút"}).get_json()["total"] == 0

    records = client.get("/api/v1/support-records", headers=home.headers, query_string={"per_page": 200}).get_json()
    assert records["total"] == records_before  # what she was counted in stays
    assert {r["full_name"] for r in records["items"] if r["person_id"] == person_id} == {WITHDRAWN}
    exported = client.get("/api/v1/support-records", headers=home.headers, query_string={"format": "csv"})
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8-sig"))))
    assert sum(row[1] == WITHDRAWN for row in rows) == len(FIVE) and "Rút" not in exported.get_data(as_text=True)
    workbook = client.get("/api/v1/support-records", headers=home.headers, query_string={"format": "xlsx"})
    cells = [c for row in load_workbook(io.BytesIO(workbook.get_data())).worksheets[0].iter_rows(values_only=True)
             for c in row]
    assert cells.count(WITHDRAWN) == len(FIVE) and not any("Rút" in str(c) for c in cells)
    mentee = client.get(f"/api/v1/mentorships/{home.mentorship.public_id}", headers=home.headers).get_json()
    assert mentee["mentee_name"] == WITHDRAWN
    duplicate = client.post(f"/api/v1/households/{make_household(village=home.household.village).public_id}/members",
                            headers=home.headers, json={"full_name": "Nguyễn Thị Rút", "birth_year": 1950})
    assert [c["full_name"] for c in duplicate.get_json()["errors"]["candidates"]] == [WITHDRAWN]

    household = client.get(f"/api/v1/households/{home.household.public_id}", headers=home.headers).get_json()
    assert household["is_digital_family"] is True and household["address"] == "Xóm Đông, nhà số 7"
    # The person's own export is theirs to see, unmasked.
    own = client.get(f"/api/v1/persons/{person_id}/data-export", headers=home.headers).get_json()
    assert (own["full_name"], own["phone"]) == ("Nguyễn Thị Rút", "+84912345670")

    assert sign_in(client, home.officer.phone).status_code == 302
    page = client.get("/console/support-records").get_data(as_text=True)
    assert page.count(WITHDRAWN) == len(FIVE) and "Rút" not in page


# --- Erasure --------------------------------------------------------------------------------------------------


def _erase(client, home, person=None):
    response = client.post(f"/api/v1/persons/{(person or home.person).public_id}/erase", headers=home.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_erased_person_is_read_only_and_still_counted(client, login, home):
    records_before = _supported(home.person)
    _erase(client, home)
    person_id, url = home.person.public_id, f"/api/v1/persons/{home.person.public_id}"
    for change in ({"full_name": "Nguyễn Thị Rút"}, {"phone": "0912345670"}, {"consent": CONSENT}, {"consent": None},
                   {"birth_year": 1951}):
        _refused(client.patch(url, headers=home.headers, json=change), "person.erased")
    skills = client.post(f"{url}/skills", headers=home.headers,
                         json={"grant": ["vneid_level2"], "evidence_kind": "other"})
    _refused(skills, "person.erased", "person_id", [person_id])
    _refused(_visit(client, home, [home.person]), "person.erased", "people", [person_id])
    session = make_session()
    attended = client.post(f"/api/v1/sessions/{session.public_id}/attendees", headers=home.field,
                           json={"person_id": person_id})
    _refused(attended, "person.erased", "person_id", [person_id])
    started = client.post("/api/v1/mentorships", headers=login(make_ambassador().user),
                          json={"mentee_person_id": person_id, "skills": ["online_safety"]})
    _refused(started, "person.erased", "mentee_person_id", [person_id])
    reached = client.patch(f"/api/v1/mentorships/{home.mentorship.public_id}", headers=home.mentor_headers,
                           json={"skills_reached": ["online_public_services"]})
    _refused(reached, "person.erased", "mentee_person_id", [person_id])

    db.session.expire_all()
    row = db.session.get(Person, home.person.id)
    assert (row.full_name, row.phone, row.consent_collected_at is not None) == (ERASED, None, True)
    assert {s.skill.value for s in row.skills} == set(FIVE) and _supported(home.person) == records_before
    detail = client.get(url, headers=home.headers).get_json()
    assert detail["full_name"] == ERASED and detail["is_digital_core"] is True
    household = client.get(f"/api/v1/households/{home.household.public_id}", headers=home.headers).get_json()
    assert household["is_digital_family"] is True  # counts stay
    records = client.get("/api/v1/support-records", headers=home.headers, query_string={"per_page": 200}).get_json()
    assert [r["full_name"] for r in records["items"] if r["person_id"] == person_id] == [ERASED] * len(FIVE)


def test_erasure_clears_the_address_and_location_of_a_household_nobody_else_lives_in(client, home):
    def household(h):
        return client.get(f"/api/v1/households/{h.public_id}", headers=home.headers).get_json()

    _erase(client, home)  # her son still lives there
    kept = household(home.household)
    assert kept["address"] == "Xóm Đông, nhà số 7" and kept["location"] is not None
    _erase(client, home, home.son)  # now nobody does
    cleared = household(home.household)
    assert cleared["address"] == ERASED and cleared["location"] is None
    assert cleared["is_digital_family"] is True and cleared["is_poor"] == kept["is_poor"]

    alone = make_household(village=home.household.village, lat=LAT, lon=LON, address="Nhà số 9, xóm Đông")
    _erase(client, home, make_person(household=alone, full_name="Trần Văn Một"))
    db.session.expire_all()
    row = db.session.get(Household, alone.id)
    assert (row.address, row.location) == (ERASED, None)


def test_erasing_twice_is_harmless(client, home):
    first = _erase(client, home)
    erased_at = db.session.get(Person, home.person.id).erased_at
    second = _erase(client, home)
    assert second == first
    db.session.expire_all()
    assert db.session.get(Person, home.person.id).erased_at == erased_at
    erasures = db.session.query(ActivityEntry).filter_by(action="person.erase", object_id=home.person.public_id)
    assert erasures.count() == 1
    # The son still lives there: a second request did not clear the household either.
    assert client.get(f"/api/v1/households/{home.household.public_id}", headers=home.headers).get_json()[
        "address"] == "Xóm Đông, nhà số 7"


def test_the_worklist_offers_no_work_for_someone_who_withdrew(client, home):
    def lacking():
        items = client.get("/api/v1/me/worklist", headers=home.field).get_json()["items"]
        return [p["id"] for item in items for p in item["people_lacking_skills"]]

    assert lacking() == [home.son.public_id]
    client.patch(f"/api/v1/persons/{home.son.public_id}", headers=home.headers, json={"consent": None})
    assert lacking() == []
