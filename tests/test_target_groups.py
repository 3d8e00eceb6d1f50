"""The plans' target groups on each person, and the age cohorts computed from the birth year (issue 16)."""
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from fieldapp.clock import utcnow
from fieldapp.extensions import db as _db
from fieldapp.models import Person, Role
from fieldapp.models.persons import Cohort, TargetGroup, age_in_year, cohort_clause, cohorts, is_elderly
from tests.factories import assign, make_household, make_person, make_team, make_user

NEW_YEAR = datetime(2026, 1, 1, 0, 0, tzinfo=timezone.utc)
NEW_YEARS_EVE = datetime(2026, 12, 31, 23, 59, tzinfo=timezone.utc)


@pytest.mark.parametrize("today", [NEW_YEAR, NEW_YEARS_EVE])
@pytest.mark.parametrize(("birth_year", "expected"), [
    (2011, []),                                                      # 15 this year
    (2010, [Cohort.citizen_from_16]),                                # 16 this year, birthday or not yet
    (2009, [Cohort.citizen_from_16]),                                # 17
    (2008, [Cohort.citizen_from_16, Cohort.adult]),                  # 18
    (1967, [Cohort.citizen_from_16, Cohort.adult]),                  # 59
    (1966, [Cohort.citizen_from_16, Cohort.adult, Cohort.elderly]),  # 60
    (2026, []),                                                      # born this year: 0
    (None, []),                                                      # unknown: no cohort
])
def test_cohorts_count_the_age_reached_this_year_whatever_the_birthday(birth_year, expected, today):
    assert cohorts(birth_year, today=today) == expected
    assert is_elderly(birth_year, today=today) is (Cohort.elderly in expected)


def test_the_age_is_the_year_minus_the_birth_year_and_unknown_without_one():
    assert age_in_year(2010, today=NEW_YEAR) == 16 and age_in_year(2026, today=NEW_YEAR) == 0
    assert age_in_year(None, today=NEW_YEAR) is None


def test_the_sql_clause_draws_the_same_cohorts(db):
    household = make_household()
    this_year = utcnow().year
    years = [None, this_year, this_year - 15, this_year - 16, this_year - 17, this_year - 18, this_year - 59,
             this_year - 60, this_year - 90]
    for n, year in enumerate(years):
        make_person(household=household, full_name=f"Người {n}", birth_year=year)
    for cohort in Cohort:
        in_sql = set(db.session.scalars(select(Person.birth_year).where(Person.household_id == household.id,
                                                                        cohort_clause(cohort))))
        in_python = {year for year in years if cohort in cohorts(year)}
        assert in_sql == in_python, cohort


@pytest.fixture
def officer(login):
    return login(make_user(role=Role.commune_officer))


def _add(client, headers, household, **body):
    return client.post(f"/api/v1/households/{household.public_id}/members", headers=headers,
                       json={"full_name": "Phạm Văn Giáo", "birth_year": 1980, **body})


def test_a_person_is_in_the_groups_given_in_their_order_and_shows_cohorts(client, officer, db):
    response = _add(client, officer, make_household(), target_groups=["residents", "public_staff", "residents"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["target_groups"] == ["public_staff", "residents"]
    assert body["cohorts"] == ["citizen_from_16", "adult"] and body["is_elderly"] is False
    stored = db.session.query(Person).filter_by(public_id=body["id"]).one()
    assert (stored.group_public_staff, stored.group_residents, stored.group_pupils_students,
            stored.group_enterprise_workers) == (True, True, False, False)


def test_no_group_and_no_birth_year_by_default(client, officer):
    body = _add(client, officer, make_household(), birth_year=None).get_json()
    assert body["target_groups"] == [] and body["cohorts"] == [] and body["is_elderly"] is False


def test_an_unknown_group_is_refused(client, officer):
    response = _add(client, officer, make_household(), target_groups=["farmers"])
    assert response.status_code == 422 and "target_groups" in response.get_json()["errors"]


def test_a_correction_replaces_the_whole_set_and_bumps_the_version(client, officer, db):
    person = make_person(target_groups=["residents"])
    url = f"/api/v1/persons/{person.public_id}"
    before = client.get(url, headers=officer).get_json()
    assert before["target_groups"] == ["residents"]
    response = client.patch(url, headers=officer, json={"target_groups": ["pupils_students", "enterprise_workers"]})
    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    assert after["target_groups"] == ["pupils_students", "enterprise_workers"]
    assert after["version"] == before["version"] + 1
    emptied = client.patch(url, headers=officer, json={"target_groups": []}).get_json()
    assert emptied["target_groups"] == []
    unchanged = client.patch(url, headers=officer, json={"full_name": "Tên Mới"}).get_json()
    assert unchanged["target_groups"] == []


def test_groups_of_someone_who_withdrew_consent_do_not_change(client, officer):
    person = make_person(target_groups=["residents"])
    url = f"/api/v1/persons/{person.public_id}"
    assert client.patch(url, headers=officer, json={"consent": None}).status_code == 200
    response = client.patch(url, headers=officer, json={"target_groups": ["public_staff"]})
    assert response.status_code == 409
    assert response.get_json()["error_code"] == "person.consent_withdrawn"
    assert client.get(url, headers=officer).get_json()["target_groups"] == ["residents"]


def test_counting_a_group_in_a_commune_uses_its_partial_index(db):
    household = make_household()
    make_person(household=household, full_name="A", target_groups=["pupils_students"])
    make_person(household=household, full_name="B", target_groups=["pupils_students", "residents"])
    make_person(household=household, full_name="C", target_groups=["residents"])
    count = db.session.scalar(select(func.count()).select_from(Person).where(
        Person.commune_code == household.commune_code, Person.group_pupils_students))
    assert count == 2
    names = {index.name for index in Person.__table__.indexes}
    assert {f"ix_persons_group_{g.value}" for g in TargetGroup} <= names


def test_the_personal_data_export_names_the_groups(client, officer):
    person = make_person(target_groups=["enterprise_workers"])
    body = client.get(f"/api/v1/persons/{person.public_id}/data-export", headers=officer).get_json()
    assert body["target_groups"] == ["enterprise_workers"]


def test_a_person_made_offline_carries_their_groups(client, login):
    volunteer = make_user(role=Role.volunteer)
    household = make_household()
    assign(household, volunteer, make_team(members=[volunteer]))
    headers = login(volunteer)
    item = {"client_id": str(uuid.uuid4()), "kind": "person.create",
            "data": {"household_id": household.public_id, "full_name": "Lê Thị Học", "birth_year": 2009,
                     "confirm_duplicate": True, "target_groups": ["pupils_students"]}}
    response = client.post("/api/v1/sync/push", headers=headers, json={"items": [item]})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()["results"][0]
    assert result["result"] == "applied", result
    assert result["record"]["target_groups"] == ["pupils_students"]
    assert result["record"]["cohorts"] == [c.value for c in cohorts(2009)]
    assert _db.session.query(Person).filter_by(public_id=result["record"]["id"]).one().group_pupils_students


def test_a_person_imported_from_a_household_list_carries_their_groups(client, officer):
    """The list's ``Nhóm đối tượng`` column: a dry run checks it, the import writes it, the API shows it."""
    import io

    from tests.factories import make_village

    village = make_village()
    sheet = "\r\n".join(["Mã hộ,Thôn,Địa chỉ,Họ tên,Nhóm đối tượng",
                         f'N1,{village.name},Nhà 1,Đặng Thị Nhập,"Học sinh, sinh viên; Người dân"',
                         f"N1,{village.name},Nhà 1,Đặng Văn Trống,", ""]).encode()

    def send(dry_run):
        return client.post("/api/v1/households/import", headers=officer, query_string={"dry_run": dry_run},
                           data={"file": (io.BytesIO(sheet), "ds.csv")}, content_type="multipart/form-data")

    assert send("true").get_json()["ok"] and not _db.session.query(Person).filter_by(full_name="Đặng Thị Nhập").all()
    assert send("false").status_code == 200
    shown = {p["full_name"]: p for p in client.get("/api/v1/persons", headers=officer,
                                                    query_string={"q": "dang"}).get_json()["items"]}
    assert shown["Đặng Thị Nhập"]["target_groups"] == ["pupils_students", "residents"]
    assert shown["Đặng Văn Trống"]["target_groups"] == []
