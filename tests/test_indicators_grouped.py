"""The indicators of many subjects at once (issue 17, item 4): every commune of a province in one grouped
pass over the roll-ups, every team and volunteer of a list, each exactly what ``indicators_compute`` gives
that subject alone: the same rules on the same rows, never a copy of them."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Role
from fieldapp.models.evidence import EvidenceKind
from fieldapp.models.skills import DIGITAL_FAMILY_SKILLS
from fieldapp.models.units import Unit
from fieldapp.periods import period_parse
from fieldapp.selectors import indicators as selector
from fieldapp.selectors.indicators import (
    Subject,
    indicators_by_commune,
    indicators_by_team,
    indicators_by_volunteer,
    indicators_compute,
)
from fieldapp.services.skills import skills_record
from tests.factories import (
    HUNG_CHAU,
    HUNG_CHAU_CENTRE,
    NGHE_AN,
    assign,
    make_ambassador,
    make_household,
    make_mentorship,
    make_person,
    make_session,
    make_team,
    make_user,
    make_village,
)

QUE_PHONG = "16738"  # Xã Quế Phong, Nghệ An
FIVE = sorted(s.value for s in DIGITAL_FAMILY_SKILLS)


_PEOPLE = ("basic_skills.public_staff", "basic_skills.pupils_students", "basic_skills.enterprise_workers",
           "basic_skills.residents", "basic_skills.adults", "vneid_confirmed.adults",
           "digital_identity.citizens_from_16", "digital_bank_account.citizens_from_16")


def _figure(figure) -> dict:
    return {"code": figure.code, "numerator": figure.numerator, "denominator": figure.denominator,
            "denominator_source": figure.denominator_source, "registry_denominator": figure.registry_denominator,
            "population_source": figure.population_source, "held_back": figure.held_back,
            "breakdowns": figure.breakdowns, "target": figure.target}


def _visit(client, headers, household, people, gps):
    answer = client.post("/api/v1/visits", headers=headers, json={
        "client_id": str(uuid.uuid4()), "household_id": household.public_id, "outcome": "supported",
        "visited_at": utcnow().isoformat(), "gps": gps,
        "people": [{"person_id": p.public_id, "skills": skills} for p, skills in people]})
    assert answer.status_code == 201, answer.get_json()


def _commune_world(client, login, commune_code):
    centre = HUNG_CHAU_CENTRE
    if commune_code != HUNG_CHAU:
        from fieldapp.geo import point_of

        point = point_of(db.session.get(Unit, commune_code).centroid)
        centre = (point.lat, point.lon)
    village = make_village(commune_code=commune_code)
    volunteer = make_user(unit_code=commune_code)
    team = make_team(members=[volunteer], commune_code=commune_code, village=village)
    household = make_household(village=village, lat=centre[0], lon=centre[1], is_poor=True)
    assign(household, volunteer, team)
    year = utcnow().year
    people = [make_person(household=household, birth_year=year - age, sex=sex, target_groups=groups)
              for age, sex, groups in ((40, "female", ["public_staff"]), (70, "male", ["residents"]),
                                       (17, "female", ["pupils_students"]), (30, "male", []))]
    headers = login(volunteer)
    here = {"lat": centre[0], "lon": centre[1], "accuracy_m": 5}
    _visit(client, headers, household, [(people[0], FIVE), (people[1], ["online_safety"])], here)
    _visit(client, headers, household, [(people[3], FIVE)], {**here, "lat": centre[0] + 0.05, "mock_location": True})
    skills_record(caller=None, person=people[2], grant=["vneid_level2", "digital_bank_account"],
                  evidence_kind=EvidenceKind.other, evidence_ref="test")
    mentor = make_ambassador(user=volunteer, commune_code=commune_code)
    make_mentorship(mentor=mentor, mentee=people[1])
    make_mentorship(mentor=mentor, status="completed")
    session = make_session(commune_code=commune_code, lat=centre[0], lon=centre[1])
    answer = client.post(f"/api/v1/sessions/{session.public_id}/attendees", headers=headers,
                         json={"person_id": people[0].public_id})
    assert answer.status_code in (200, 201), answer.get_json()
    db.session.commit()
    return {"team": team, "volunteer": volunteer}


@pytest.fixture
def province(client, login):
    ours = _commune_world(client, login, HUNG_CHAU)
    theirs = _commune_world(client, login, QUE_PHONG)
    year = utcnow().year
    officer = login(make_user(role=Role.province_officer, unit_code=NGHE_AN))
    assert client.put(f"/api/v1/units/{HUNG_CHAU}/population/{year}", headers=officer, json={
        "figures": {"adults": 40, "households": 12}, "source": "Niên giám"}).status_code == 200
    assert client.put(f"/api/v1/units/{NGHE_AN}/targets/{year}", headers=officer, json={"targets": [
        {"indicator": "digital_family.households", "share": 0.7, "source": "KH tỉnh"}]}).status_code == 200
    assert client.put(f"/api/v1/units/{QUE_PHONG}/targets/{year}", headers=officer, json={"targets": [
        {"indicator": "digital_family.households", "share": 0.9, "source": "KH xã"}]}).status_code == 200
    return {"ours": ours, "theirs": theirs}


@pytest.mark.parametrize("period", ["quarter", "year", "range"])
def test_every_commune_of_the_province_is_what_it_is_alone(province, period):
    today = utcnow().date()
    name = {"quarter": f"{today.year}-Q{(today.month - 1) // 3 + 1}", "year": str(today.year),
            "range": f"{(today - timedelta(days=40)).isoformat()}..{(today + timedelta(days=1)).isoformat()}"}[period]
    asked = period_parse(name)
    sheets = indicators_by_commune(province_code=NGHE_AN, period=asked)
    assert len(sheets) == 130  # every commune of Nghệ An, those with nothing too
    for code in (HUNG_CHAU, QUE_PHONG, "16681"):
        unit = db.session.get(Unit, code)
        alone = indicators_compute(Subject("commune", code, unit.name, code, NGHE_AN, code), asked)
        assert [_figure(f) for f in sheets[code].figures] == [_figure(f) for f in alone.figures], code
    # Without the breakdowns (the rankings', the public results'): the same figures, none broken down.
    lean = indicators_by_commune(province_code=NGHE_AN, period=asked, breakdowns=False)
    for code in (HUNG_CHAU, QUE_PHONG):
        assert [{**_figure(f), "breakdowns": None} for f in lean[code].figures if f.code in _PEOPLE] == [
            {**_figure(f), "breakdowns": None} for f in sheets[code].figures if f.code in _PEOPLE]
        assert all(not f.breakdowns for f in lean[code].figures if f.code in _PEOPLE)
    ours = sheets[HUNG_CHAU]
    # By hand: the first visit 5 + 1 records, the class's two topics for its attendee; the mocked visit's 5 held.
    records = ours.figure("support.records")
    assert (records.numerator, records.held_back, ours.figure("support.people").numerator) == (8, 5, 2)
    assert ours.figure("basic_skills.adults").denominator == 40  # the population figure
    assert sheets[QUE_PHONG].figure("digital_family.households").target.share == 0.9
    assert ours.figure("digital_family.households").target.share == 0.7


def test_every_team_and_volunteer_is_what_it_is_alone(province):
    today = utcnow().date()
    asked = period_parse(f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    teams = [province[side]["team"] for side in ("ours", "theirs")]
    volunteers = [province[side]["volunteer"] for side in ("ours", "theirs")]
    idle = make_user()
    by_team = indicators_by_team(team_ids=[t.id for t in teams], period=asked)
    by_volunteer = indicators_by_volunteer(user_ids=[v.id for v in volunteers] + [idle.id], period=asked)
    for team in teams:
        alone = indicators_compute(Subject("team", team.id, team.name, team.commune_code, NGHE_AN,
                                           team.commune_code), asked)
        for figure in alone.figures:
            if figure.code in by_team[team.id]:
                assert _figure(by_team[team.id][figure.code])["numerator"] == figure.numerator, figure.code
                assert by_team[team.id][figure.code].breakdowns == figure.breakdowns
                assert by_team[team.id][figure.code].denominator == figure.denominator
    for user in [*volunteers, idle]:
        alone = indicators_compute(Subject("volunteer", user.id, user.full_name, user.unit_code, NGHE_AN,
                                           user.unit_code), asked)
        for code, figure in by_volunteer[user.id].items():
            theirs = alone.figure(code)
            assert (figure.numerator, figure.denominator, figure.held_back, figure.breakdowns) == (
                theirs.numerator, theirs.denominator, theirs.held_back, theirs.breakdowns), code
    assert by_volunteer[volunteers[0].id]["support.people"].numerator == 2
    assert by_volunteer[idle.id]["support.records"].numerator == 0


def test_a_province_of_130_communes_is_a_dozen_statements_not_130_sheets(province, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("indicators_compute called once per commune")

    monkeypatch.setattr(selector, "indicators_compute", refuse)
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    from sqlalchemy import select

    saigon = db.session.scalar(select(Unit.code).where(Unit.parent_code == "79").order_by(Unit.code).limit(1))
    make_person(household=make_household(village=make_village(commune_code=saigon)))  # people there too
    engine = db.session.get_bind().engine
    counts = {}
    for province in (NGHE_AN, "79"):  # 130 communes, and Hồ Chí Minh City's 168
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            sheets = indicators_by_commune(province_code=province, period=period_parse(str(utcnow().year)))
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts[len(sheets)] = len(statements)
    # 38 more communes, not one statement more for each (a few may differ: what the session holds already)
    assert sorted(counts) == [130, 168] and abs(counts[130] - counts[168]) <= 3 and max(counts.values()) <= 30, counts
