"""Residents: names, duplicates, citizen ids, consent, skills and the derived Digital Family status."""
import pytest

from fieldapp.models import ActivityEntry, Person, Role, SkillEvent
from tests.factories import (
    HUNG_CHAU_CENTRE,
    OTHER_COMMUNE,
    assign,
    make_household,
    make_person,
    make_team,
    make_user,
    make_village,
    make_visit,
)

FIVE = ["online_public_services", "online_shopping", "cashless_payment", "online_safety", "local_digital_platforms"]


@pytest.fixture
def officer(login):
    return login(make_user(role=Role.commune_officer))


def _add(client, headers, household, **body):
    return client.post(f"/api/v1/households/{household.public_id}/members", headers=headers,
                       json={"full_name": "Nguyễn Thị Hoà", "birth_year": 1958, **body})


def test_person_is_stored_nfc_and_found_without_diacritics(client, officer):
    household = make_household()
    response = _add(client, officer, household, full_name="Nguye\u0302\u0303n Thi\u0323 Hoa\u0300", is_head=True,
                    phone="0912 345 678", sex="female")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["full_name"] == "Nguyễn Thị Hoà" and body["phone"] == "+84912345678"
    assert body["is_elderly"] is True and body["is_head"] is True and body["id"].startswith("P")
    for query in ("nguyen thi hoa", "Nguyễn Thị Hòa", "THI HOA"):
        found = client.get("/api/v1/persons", headers=officer, query_string={"q": query}).get_json()["items"]
        assert [p["id"] for p in found] == [body["id"]], query


def test_likely_duplicate_in_the_village_is_409_with_candidates_until_confirmed(client, officer):
    household = make_household()
    first = _add(client, officer, household).get_json()
    neighbour = make_household(village=household.village)
    response = _add(client, officer, neighbour, full_name="Nguyen Thi Hoa")
    assert response.status_code == 409
    body = response.get_json()
    assert body["error_code"] == "person.possible_duplicate"
    assert [c["id"] for c in body["errors"]["candidates"]] == [first["id"]]
    assert _add(client, officer, neighbour, full_name="Nguyen Thi Hoa", confirm_duplicate=True).status_code == 201
    # same name, other birth year: no warning
    assert _add(client, officer, neighbour, birth_year=1990).status_code == 201


def test_citizen_id_is_kept_only_as_a_keyed_hash_and_finds_duplicates(client, officer, db):
    household = make_household()
    response = _add(client, officer, household, citizen_id="040158001234")
    assert response.status_code == 201 and "citizen_id" not in response.get_json()
    stored = db.session.query(Person).filter_by(public_id=response.get_json()["id"]).one()
    assert stored.citizen_id_hash and "040158001234" not in stored.citizen_id_hash and len(stored.citizen_id_hash) == 64
    other = _add(client, officer, make_household(), full_name="Trần Văn Khác", birth_year=1970,
                 citizen_id="040158001234")
    assert other.status_code == 409
    bad = _add(client, officer, household, full_name="Lê Văn B", citizen_id="12345")
    assert bad.status_code == 422 and "citizen_id" in bad.get_json()["errors"]


def test_a_citizen_id_held_in_another_commune_names_nobody_there(client, officer, db):
    """The 409 lists who the new person may be: never a resident of another area, on either database
    (row-level security hides them on PostgreSQL; the duplicate rule itself stays in the commune)."""
    elsewhere = make_person(household=make_household(village=make_village(commune_code=OTHER_COMMUNE)),
                            full_name="Phạm Thị Xa", citizen_id="040158009999")
    response = _add(client, officer, make_household(), full_name="Trần Văn Gần", citizen_id="040158009999")
    assert response.status_code == 201, response.get_json()
    assert elsewhere.full_name not in response.get_data(as_text=True)
    assert elsewhere.public_id not in response.get_data(as_text=True)


def test_second_head_of_household_is_refused(client, officer):
    household = make_household()
    assert _add(client, officer, household, is_head=True).status_code == 201
    second = _add(client, officer, household, full_name="Lê Văn Chồng", is_head=True)
    assert second.status_code == 409 and second.get_json()["error_code"] == "person.head_taken"


def test_consent_is_recorded_and_can_be_withdrawn(client, login):
    officer_user = make_user(role=Role.commune_officer)
    headers = login(officer_user)
    person = _add(client, headers, make_household(),
                  consent={"purpose": "Hỗ trợ kỹ năng số", "notice_version": "2026-01"}).get_json()
    assert person["consent"]["collected_by"] == officer_user.id and person["consent"]["notice_version"] == "2026-01"
    withdrawn = client.patch(f"/api/v1/persons/{person['id']}", headers=headers, json={"consent": None}).get_json()
    assert withdrawn["consent"]["withdrawn_at"] is not None


def test_skills_record_keeps_evidence_and_derives_the_digital_family(client, login, db):
    volunteer = make_user()
    lat, lon = HUNG_CHAU_CENTRE
    household = make_household(lat=lat, lon=lon)
    assign(household, volunteer, make_team(members=[volunteer]))
    person = make_person(household=household)
    headers = login(volunteer)
    url = f"/api/v1/persons/{person.public_id}/skills"
    # A visit that counts (GPS at the house): the skills recorded on it are confirmed.
    visit = make_visit(volunteer=volunteer, household=household, gps={"lat": lat, "lon": lon, "accuracy_m": 5})
    partial = client.post(url, headers=headers, json={"grant": FIVE[:4], "evidence_kind": "visit",
                                                      "evidence_ref": visit.public_id}).get_json()
    assert partial["is_digital_core"] is False and {s["status"] for s in partial["skills"]} == {"confirmed"}
    assert client.get(f"/api/v1/households/{household.public_id}", headers=headers).get_json()["is_digital_family"] \
        is False
    # The fifth on nothing the system can check: claimed, and the household is not a Digital Family ...
    claimed = client.post(url, headers=headers, json={"grant": [FIVE[4]], "evidence_kind": "session"}).get_json()
    assert {s["skill"]: s["status"] for s in claimed["skills"]}[FIVE[4]] == "claimed"
    assert claimed["is_digital_core"] is False
    # ... until an officer accepts it on review.
    officer = login(make_user(role=Role.commune_officer))
    accepted = client.post("/api/v1/reviews", headers=officer, json={
        "type": "skill", "id": f"{person.public_id}:{FIVE[4]}", "decision": "accepted", "reason": "Đã kiểm tra"})
    assert accepted.status_code == 201, accepted.get_json()
    done = client.get(f"/api/v1/persons/{person.public_id}", headers=headers).get_json()
    assert done["is_digital_core"] is True
    assert {s["skill"]: s["evidence_kind"] for s in done["skills"]}[FIVE[4]] == "session"
    assert all(s["recorded_by"] == volunteer.id for s in done["skills"])
    detail = client.get(f"/api/v1/households/{household.public_id}", headers=headers).get_json()
    assert detail["is_digital_family"] is True and detail["status"] == "digital_family"
    # withdrawing one (a correction) undoes the derived status, and the history keeps both
    client.post(url, headers=headers, json={"withdraw": ["online_safety"], "evidence_kind": "other"})
    assert client.get(f"/api/v1/households/{household.public_id}", headers=headers).get_json()[
        "is_digital_family"] is False
    changes = [(e.skill.value, e.change) for e in db.session.query(SkillEvent).filter_by(person_id=person.id)
               .order_by(SkillEvent.id)]
    assert changes[-1] == ("online_safety", "withdrawn") and len(changes) == 7
    assert (FIVE[4], "confirmed") in changes


def test_vneid_confirmation_needs_its_date(client, officer):
    person = make_person()
    url = f"/api/v1/persons/{person.public_id}/skills"
    missing = client.post(url, headers=officer, json={"grant": ["vneid_programme_confirmed"], "evidence_kind": "other"})
    assert missing.status_code == 422 and missing.get_json()["error_code"] == "skill.confirmation_date_required"
    for impossible in ("9999-12-31", "2024-12-31"):  # in the future; before the programme's confirmations
        refused = client.post(url, headers=officer, json={"grant": ["vneid_programme_confirmed"],
                                                          "evidence_kind": "other", "confirmed_on": impossible})
        assert refused.status_code == 422, impossible
        assert refused.get_json()["error_code"] == "skill.confirmation_date_invalid"
    ok = client.post(url, headers=officer, json={"grant": ["vneid_programme_confirmed"], "evidence_kind": "other",
                                                 "confirmed_on": "2026-10-10"}).get_json()
    assert ok["skills"][0]["confirmed_on"] == "2026-10-10"


def test_unknown_skill_is_422(client, officer):
    person = make_person()
    response = client.post(f"/api/v1/persons/{person.public_id}/skills", headers=officer,
                           json={"grant": ["flying"], "evidence_kind": "visit"})
    assert response.status_code == 422 and "grant" in response.get_json()["errors"]


def test_phone_is_masked_for_volunteers_only(client, login):
    volunteer = make_user()
    household = make_household()
    assign(household, volunteer, make_team(members=[volunteer]))
    person = make_person(household=household, phone="0912345678")
    assert client.get(f"/api/v1/persons/{person.public_id}", headers=login(volunteer)).get_json()["phone"] == \
        "+84912***678"
    officer = login(make_user(role=Role.commune_officer))
    assert client.get(f"/api/v1/persons/{person.public_id}", headers=officer).get_json()["phone"] == "+84912345678"


def test_an_officers_read_of_personal_data_is_logged_a_volunteers_is_not(client, login, db):
    officer_user, volunteer = make_user(role=Role.commune_officer), make_user()
    household = make_household()
    assign(household, volunteer, make_team(members=[volunteer]))
    person = make_person(household=household)
    client.get(f"/api/v1/persons/{person.public_id}", headers=login(officer_user))
    client.get(f"/api/v1/persons/{person.public_id}", headers=login(volunteer))
    views = db.session.query(ActivityEntry).filter_by(action="person.view", object_id=person.public_id).all()
    assert [v.actor_id for v in views] == [officer_user.id]
    client.get(f"/api/v1/households/{household.public_id}/members", headers=login(officer_user))
    assert db.session.query(ActivityEntry).filter_by(action="household_members.view").count() == 1


def test_people_outside_my_area_are_not_found(client, login):
    person = make_person()
    volunteer_elsewhere = login(make_user())
    assert client.get(f"/api/v1/persons/{person.public_id}", headers=volunteer_elsewhere).status_code == 404
    assert client.patch(f"/api/v1/persons/{person.public_id}", headers=volunteer_elsewhere,
                        json={"full_name": "X"}).status_code == 404
    assert client.post(f"/api/v1/persons/{person.public_id}/skills", headers=volunteer_elsewhere,
                       json={"grant": FIVE, "evidence_kind": "visit"}).status_code == 404


def test_the_elderly_age_is_the_documented_one_at_its_boundary(client, login):
    """mobile_contract/README.md and the OpenAPI descriptions say: elderly from 60, by birth year
    against the current year; the API answers by that rule at its boundary."""
    import re
    from pathlib import Path

    import yaml

    from fieldapp.clock import utcnow
    from fieldapp.models.persons import ELDERLY_FROM_AGE

    contract = Path(__file__).parents[1] / "mobile_contract"
    spec = yaml.safe_load((contract / "openapi.yaml").read_text(encoding="utf-8"))
    described = spec["components"]["schemas"]["PersonOut"]["properties"]["is_elderly"]["description"]
    assert re.match(r"60 or older", described) and ELDERLY_FROM_AGE == 60
    assert "elderly from 60" in (contract / "README.md").read_text(encoding="utf-8")
    headers = login(make_user(role=Role.commune_officer))
    year = utcnow().year
    for born, elderly in ((year - 60, True), (year - 59, False), (None, False)):
        person = make_person(birth_year=born)
        assert client.get(f"/api/v1/persons/{person.public_id}", headers=headers).get_json()["is_elderly"] is elderly
