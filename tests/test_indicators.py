"""Indicators against targets (issue 17, items 1 and 2), each checked against figures computed by hand:
empty periods, groups and cohorts, held-back evidence beside the count, population denominators,
people reached once per period, late evidence, a household's move, targets from the nation, the
province and the commune, and every subject looked up through the caller's area."""
from datetime import timedelta, timezone

import pytest

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Role
from fieldapp.models.evidence import EvidenceKind
from fieldapp.services.skills import skills_record
from tests.factories import (
    HUNG_CHAU,
    OTHER_COMMUNE,
    make_household,
    make_person,
    make_session,
    make_user,
    make_village,
)
from tests.field_world import FIVE, LAT, LON, MOCKED_FAR, field_world, post_visit
from tests.test_tallies import assert_tallies_exact


@pytest.fixture
def world(login):
    return field_world(login)


def _sheet(client, headers, **query):
    answer = client.get("/api/v1/indicators", headers=headers, query_string=query)
    assert answer.status_code == 200, answer.get_json()
    return {f["code"]: f for f in answer.get_json()["figures"]}


def _this_quarter() -> str:
    today = utcnow().astimezone(timezone(timedelta(hours=7))).date()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def test_an_empty_period_counts_nothing_and_divides_by_nothing(client, world):
    sheet = _sheet(client, world["officer_headers"], period="2025-Q1")
    assert sheet["support.people"]["numerator"] == 0 and sheet["support.records"]["numerator"] == 0
    assert sheet["visits.count"]["numerator"] == 0 and sheet["visits.proven"]["share"] is None
    assert sheet["basic_skills.public_staff"]["denominator"] == 0
    assert sheet["basic_skills.public_staff"]["share"] is None
    # The national default of 2025 applies, and is not reached when nothing can be measured.
    assert sheet["basic_skills.adults"]["target"] == {"share": 0.8, "head_count": None, "origin": "national",
                                                      "source": sheet["basic_skills.adults"]["target"]["source"]}


def test_groups_cohorts_and_held_back_skills_by_hand(client, world):
    household = world["household"]
    year = utcnow().year
    staff = make_person(household=household, birth_year=year - 40, sex="female", target_groups=["public_staff"])
    staff_too = make_person(household=household, birth_year=year - 30, sex="male", target_groups=["public_staff"])
    pupil = make_person(household=household, birth_year=year - 16, target_groups=["pupils_students"])
    make_person(household=household, birth_year=None, target_groups=["residents"])
    post_visit(client, world, [(staff, FIVE)])                       # counted: basic skills
    post_visit(client, world, [(staff_too, FIVE)], gps=MOCKED_FAR)   # held back: claimed only
    skills_record(caller=None, person=pupil, grant=["vneid_level2"], evidence_kind=EvidenceKind.other,
                  evidence_ref="test")
    db.session.commit()

    sheet = _sheet(client, world["officer_headers"], period=str(year))
    public = sheet["basic_skills.public_staff"]
    assert (public["numerator"], public["denominator"], public["share"], public["held_back"]) == (1, 2, 0.5, 1)
    assert public["breakdowns"]["sex"]["female"] == {"numerator": 1, "denominator": 1}
    assert public["breakdowns"]["sex"]["male"] == {"numerator": 0, "denominator": 1}
    assert public["breakdowns"]["age_group"]["36-59"] == {"numerator": 1, "denominator": 1}
    adults = sheet["basic_skills.adults"]  # the pupil is 16 (not an adult), the unknown age is in no cohort
    assert (adults["numerator"], adults["denominator"]) == (1, 2)
    identity = sheet["digital_identity.citizens_from_16"]
    assert (identity["numerator"], identity["denominator"]) == (1, 3)
    residents = sheet["basic_skills.residents"]
    assert (residents["numerator"], residents["denominator"]) == (0, 1)
    # 100% in 2026 and after: the gap is what is left, in share points.
    if year >= 2026:
        assert public["target"]["share"] == 1.0 and public["gap"] == 0.5 and public["reached"] is False


def test_a_birthday_this_year_counts_for_the_whole_year(client, world):
    year = utcnow().year
    make_person(household=world["household"], birth_year=year - 18)
    sheet = _sheet(client, world["officer_headers"], period=str(year))
    assert sheet["basic_skills.adults"]["denominator"] == 1
    earlier = _sheet(client, world["officer_headers"], period=str(year - 1))
    assert earlier["basic_skills.adults"]["denominator"] == 0  # 17 in the year before


def test_a_population_figure_is_the_denominator_with_the_registry_beside(client, world):
    year = utcnow().year
    person = make_person(household=world["household"], birth_year=year - 40)
    post_visit(client, world, [(person, FIVE)])
    answer = client.put(f"/api/v1/units/{HUNG_CHAU}/population/{year}", headers=world["officer_headers"],
                        json={"figures": {"adults": 10}, "source": "Niên giám thống kê"})
    assert answer.status_code == 200, answer.get_json()
    adults = _sheet(client, world["officer_headers"], period=str(year))["basic_skills.adults"]
    assert (adults["numerator"], adults["denominator"], adults["share"]) == (1, 10, 0.1)
    assert (adults["denominator_source"], adults["registry_denominator"]) == ("population", 1)
    assert adults["population_source"] == "Niên giám thống kê"
    # The population page's registry count is the indicators' own (one rule: withdrawn people count in neither).
    withdrawn = make_person(household=world["household"], birth_year=year - 50)
    assert client.patch(f"/api/v1/persons/{withdrawn.public_id}", headers=world["officer_headers"],
                        json={"consent": None}).status_code == 200
    page = client.get(f"/api/v1/units/{HUNG_CHAU}/population", headers=world["officer_headers"],
                      query_string={"year": year}).get_json()
    shown = {f["measure"]: f["registry_count"] for f in page["figures"]}
    again = _sheet(client, world["officer_headers"], period=str(year))["basic_skills.adults"]
    assert shown["adults"] == again["registry_denominator"] == 1


def test_people_reached_once_per_period_late_evidence_and_a_move(client, world):
    household = world["household"]
    first, second = make_person(household=household), make_person(household=household)
    post_visit(client, world, [(first, ["online_safety"]), (second, ["cashless_payment"])])
    post_visit(client, world, [(first, ["online_shopping"])])
    post_visit(client, world, [(second, ["online_safety"])], gps=MOCKED_FAR)  # held: beside, not counted
    quarter = _this_quarter()
    sheet = _sheet(client, world["officer_headers"], period=quarter)
    assert sheet["support.people"]["numerator"] == 2
    records = sheet["support.records"]
    assert (records["numerator"], records["held_back"]) == (3, 1)
    assert records["breakdowns"]["skill"] == {"cashless_payment": 1, "online_safety": 1, "online_shopping": 1}
    assert records["breakdowns"]["channel"] == {"visit": 3}
    visits = sheet["visits.count"]
    assert (visits["numerator"], visits["held_back"]) == (2, 1)
    assert sheet["visits.flagged"]["share"] == round(1 / 3, 4)

    # Late evidence: a visit dated 100 days ago counts in its own quarter, not in this one.
    then = utcnow() - timedelta(days=100)
    post_visit(client, world, [(first, ["digital_savings"])], visited_at=then)
    then_day = then.astimezone(timezone(timedelta(hours=7))).date()
    then_quarter = f"{then_day.year}-Q{(then_day.month - 1) // 3 + 1}"
    assert then_quarter != quarter
    assert _sheet(client, world["officer_headers"], period=then_quarter)["support.people"]["numerator"] == 1
    assert _sheet(client, world["officer_headers"], period=quarter)["support.records"]["numerator"] == 3
    # The same as a range of days (counted from the records, not the roll-up): the same answer.
    span = f"{then_day.isoformat()}..{then_day.isoformat()}"
    assert _sheet(client, world["officer_headers"], period=span)["support.people"]["numerator"] == 1

    # The household moves to another village: the support stays where it was given.
    village = make_village()
    old_village = household.village_id
    assert client.patch(f"/api/v1/households/{household.public_id}", headers=world["officer_headers"],
                        json={"village_id": village.id}).status_code == 200
    assert _sheet(client, world["officer_headers"], period=quarter,
                  village_id=old_village)["support.people"]["numerator"] == 2
    moved = _sheet(client, world["officer_headers"], period=quarter, village_id=village.id)
    assert moved["support.people"]["numerator"] == 0
    assert moved["basic_skills.adults"]["denominator"] == 2  # the people are counted where they live now


def test_a_person_who_moves_household_is_counted_where_they_live_and_their_support_stays(client, world):
    year = utcnow().year
    person = make_person(household=world["household"], birth_year=year - 30)
    post_visit(client, world, [(person, FIVE)])
    old_village = world["household"].village_id
    assert _sheet(client, world["officer_headers"], period=str(year),
                  village_id=old_village)["basic_skills.adults"]["numerator"] == 1
    new_home = make_household(village=make_village(), lat=LAT, lon=LON)
    answer = client.patch(f"/api/v1/persons/{person.public_id}", headers=world["officer_headers"],
                          json={"household_id": new_home.public_id})
    assert answer.status_code == 200, answer.get_json()
    old = _sheet(client, world["officer_headers"], period=str(year), village_id=old_village)
    new = _sheet(client, world["officer_headers"], period=str(year), village_id=new_home.village_id)
    assert (old["basic_skills.adults"]["denominator"], new["basic_skills.adults"]["numerator"]) == (0, 1)
    assert (old["support.people"]["numerator"], new["support.people"]["numerator"]) == (1, 0)
    assert (old["digital_family.households"]["numerator"], new["digital_family.households"]["numerator"]) == (0, 1)
    moved = client.get(f"/api/v1/persons/{person.public_id}", headers=world["officer_headers"]).get_json()
    assert moved["household_id"] == new_home.public_id
    elsewhere = make_household(village=make_village(commune_code=OTHER_COMMUNE))
    refused = client.patch(f"/api/v1/persons/{person.public_id}", headers=world["officer_headers"],
                           json={"household_id": elsewhere.public_id})
    assert refused.status_code == 404 and refused.get_json()["error_code"] == "household.not_found"


def test_targets_come_from_the_commune_then_the_province_then_the_nation(client, world, login):
    year = 2026
    commune = world["officer_headers"]
    from fieldapp.models.units import Unit
    province_code = db.session.get(Unit, HUNG_CHAU).parent_code
    province = login(make_user(role=Role.province_officer, unit_code=province_code))
    answer = client.put(f"/api/v1/units/{province_code}/targets/{year}", headers=province, json={"targets": [
        {"indicator": "digital_family.households", "share": 0.7, "source": "KH 12/KH-UBND"},
        {"indicator": "vneid_confirmed.adults", "head_count": 500000, "source": "KH 12/KH-UBND"}]})
    assert answer.status_code == 200, answer.get_json()
    answer = client.put(f"/api/v1/units/{HUNG_CHAU}/targets/{year}", headers=commune, json={"targets": [
        {"indicator": "digital_family.households", "share": 0.9, "source": "KH 3/KH-UBND xã"}]})
    assert answer.status_code == 200, answer.get_json()
    sheet = _sheet(client, commune, period=f"{year}-Q4")
    assert sheet["digital_family.households"]["target"]["share"] == 0.9
    assert sheet["digital_family.households"]["target"]["origin"] == HUNG_CHAU
    assert sheet["vneid_confirmed.adults"]["target"]["head_count"] == 500000
    assert sheet["vneid_confirmed.adults"]["target"]["origin"] == province_code
    assert sheet["vneid_confirmed.adults"]["gap"] == 500000
    assert sheet["basic_skills.adults"]["target"]["origin"] == "national"
    # A commune cannot set its province's targets (another area: not found).
    refused = client.put(f"/api/v1/units/{province_code}/targets/{year}", headers=commune, json={"targets": [
        {"indicator": "digital_family.households", "share": 0.1, "source": "x"}]})
    assert refused.status_code == 404
    # Removing the commune's own: the province's applies again.
    client.put(f"/api/v1/units/{HUNG_CHAU}/targets/{year}", headers=commune,
               json={"targets": [{"indicator": "digital_family.households", "share": None}]})
    assert _sheet(client, commune, period=f"{year}-Q4")["digital_family.households"]["target"]["share"] == 0.7
    shown = client.get(f"/api/v1/units/{HUNG_CHAU}/targets", headers=commune, query_string={"year": year})
    assert {t["indicator"]: (t["target"] or {}).get("origin") for t in shown.get_json()["targets"]}[
        "digital_family.households"] == province_code


def test_a_team_and_a_volunteer_are_their_own_subjects(client, world):
    person = make_person(household=world["household"])
    post_visit(client, world, [(person, ["online_safety", "cashless_payment"])])
    quarter = _this_quarter()
    team = _sheet(client, world["officer_headers"], period=quarter, team_id=world["team"].id)
    assert (team["support.people"]["numerator"], team["support.records"]["numerator"]) == (1, 2)
    assert team["visits.count"]["numerator"] == 1
    mine = _sheet(client, world["headers"], period=quarter, volunteer_id=world["volunteer"].id)
    assert mine["support.records"]["numerator"] == 2
    other = make_user()
    assert _sheet(client, world["officer_headers"], period=quarter,
                  volunteer_id=other.id)["support.records"]["numerator"] == 0


def test_the_one_stop_desk_is_a_channel_of_its_own_and_communes_without_one_are_named(client, world, login):
    from fieldapp.models.units import Unit

    person = make_person(household=world["household"])
    desk = make_session(kind="one_stop_desk", topics=("online_public_services",))
    weekly = make_session(topics=("online_safety",))
    for session in (desk, weekly):
        answer = client.post(f"/api/v1/sessions/{session.public_id}/attendees", headers=world["headers"],
                             json={"person_id": person.public_id})
        assert answer.status_code in (200, 201), answer.get_json()
    sheet = _sheet(client, world["officer_headers"], period=_this_quarter())
    assert sheet["support.records"]["breakdowns"]["channel"] == {"one_stop_desk": 1, "session": 1}
    assert_tallies_exact()
    # Read from the records (a village's, a volunteer's), the desk is the same channel of its own.
    village = _sheet(client, world["officer_headers"], period=_this_quarter(), village_id=person.village_id)
    mine = _sheet(client, world["headers"], period=_this_quarter(), volunteer_id=world["volunteer"].id)
    for read in (village, mine):
        assert read["support.records"]["breakdowns"]["channel"] == {"one_stop_desk": 1, "session": 1}
    assert sheet["one_stop_desk.missing_communes"]["numerator"] == 0
    assert sheet["sessions.count"]["breakdowns"]["kind"] == {"one_stop_desk": 1, "weekly_class": 1}
    province_code = db.session.get(Unit, HUNG_CHAU).parent_code
    province = _sheet(client, login(make_user(role=Role.province_officer, unit_code=province_code)),
                      period=_this_quarter(), unit=province_code)
    desks = province["one_stop_desk.missing_communes"]
    assert HUNG_CHAU not in desks["breakdowns"]["communes"]
    assert desks["numerator"] == desks["denominator"] - 1  # every other commune of the province has none


def test_a_province_sums_its_communes(client, world, login):
    from fieldapp.models.units import Unit
    person = make_person(household=world["household"])
    post_visit(client, world, [(person, ["online_safety"])])
    province_code = db.session.get(Unit, HUNG_CHAU).parent_code
    province = login(make_user(role=Role.province_officer, unit_code=province_code))
    sheet = _sheet(client, province, period=_this_quarter(), unit=province_code)
    assert sheet["support.people"]["numerator"] == 1
    weekly = sheet["weekly_class.missing_weeks"]
    if weekly["breakdowns"]["weeks"]:  # (the first days of a quarter hold no whole week yet)
        assert HUNG_CHAU in weekly["breakdowns"]["communes_with_a_missing_week"]
        assert weekly["numerator"] >= weekly["breakdowns"]["weeks"]


@pytest.mark.parametrize("query, code", [
    ({"period": "2026-Q5"}, "request.invalid"), ({"period": "2026-13"}, "request.invalid"),
    ({"period": "yesterday"}, "request.invalid"),  # the shape the schema states
    ({"period": "2026-02-01..2026-01-01"}, "period.invalid"), ({"period": "2026-02-30..2026-03-01"}, "period.invalid"),
    ({"period": "2020-01-01..2026-01-01"}, "period.invalid"),  # what the shape cannot say
    ({"period": "2026", "unit": HUNG_CHAU, "team_id": 1}, "indicators.one_subject"),
])
def test_a_bad_question_is_a_clear_error(client, world, query, code):
    answer = client.get("/api/v1/indicators", headers=world["officer_headers"], query_string=query)
    assert answer.status_code == 422 and answer.get_json()["error_code"] == code, answer.get_json()


def test_another_areas_subject_is_not_found(client, world):
    other_village = make_village(commune_code=OTHER_COMMUNE)
    for query in ({"unit": OTHER_COMMUNE}, {"village_id": other_village.id}, {"team_id": 2_000_000},
                  {"organisation_id": 2_000_000}):
        answer = client.get("/api/v1/indicators", headers=world["officer_headers"],
                            query_string={"period": "2026", **query})
        assert answer.status_code == 404, (query, answer.get_json())


def test_the_catalogue_names_every_indicator(client, world):
    answer = client.get("/api/v1/indicators/catalogue", headers=world["headers"])
    codes = [item["code"] for item in answer.get_json()]
    assert "basic_skills.public_staff" in codes and "digital_family.households" in codes
    sheet = _sheet(client, world["officer_headers"], period="2026")
    assert set(sheet) <= set(codes)


def test_an_area_whose_roll_ups_were_never_built_is_refused_not_shown_as_zeros(client, world, runner):
    from sqlalchemy import delete

    from fieldapp.models.tallies import PersonTally, PersonTallyKey

    make_person(household=world["household"])
    db.session.execute(delete(PersonTallyKey))  # as after an upgrade of a database with records
    db.session.execute(delete(PersonTally))
    answer = client.get("/api/v1/indicators", headers=world["officer_headers"], query_string={"period": "2026"})
    assert answer.status_code == 503 and answer.get_json()["error_code"] == "indicators.not_built"
    assert runner.invoke(args=["tallies", "rebuild"]).exit_code == 0
    assert _sheet(client, world["officer_headers"], period="2026")["basic_skills.adults"]["denominator"] == 1


def test_targets_a_schema_cannot_refuse_are_refused_by_their_rule(client, login):
    """Both a share and a head count, an indicator twice, no source: 422 targets.invalid (the fuzzer's
    own rule: a body the document allows is never refused as malformed)."""
    officer = login(make_user(role=Role.commune_officer))
    for targets in ([{"indicator": "digital_family.households", "share": 0.5, "head_count": 10, "source": "KH"}],
                    [{"indicator": "digital_family.households", "share": 0.5, "source": "KH"}] * 2,
                    [{"indicator": "digital_family.households", "share": 0.5}]):
        answer = client.put(f"/api/v1/units/{HUNG_CHAU}/targets/2026", headers=officer, json={"targets": targets})
        assert (answer.status_code, answer.get_json()["error_code"]) == (422, "targets.invalid"), answer.get_json()
