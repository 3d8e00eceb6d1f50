"""Rankings and emulation (issue 17, item 4), checked against scores computed by hand: the criteria and
their weights shown beside each item, weights that change the order, ties that share a rank in a stated
order, completion classes at their thresholds, a province's own scheme (set by its officers, logged),
and every ranking read through the caller's area."""
import json
import uuid
from datetime import date

import pytest

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Role
from fieldapp.models.activity import ActivityEntry
from fieldapp.models.evidence import EvidenceKind
from fieldapp.models.rankings import DEFAULT_THRESHOLDS, Criterion
from fieldapp.models.skills import DIGITAL_FAMILY_SKILLS
from fieldapp.selectors.rankings import Candidate, Scheme, Value, Weighted, ranking_order
from fieldapp.services.skills import skills_record
from tests.factories import (
    HA_NOI,
    HUNG_CHAU,
    HUNG_CHAU_CENTRE,
    NGHE_AN,
    OTHER_COMMUNE,
    assign,
    make_ambassador,
    make_household,
    make_mentorship,
    make_person,
    make_team,
    make_user,
    make_village,
)

QUE_PHONG = "16738"  # Xã Quế Phong, Nghệ An
FIVE = sorted(s.value for s in DIGITAL_FAMILY_SKILLS)
HERE = {"lat": HUNG_CHAU_CENTRE[0], "lon": HUNG_CHAU_CENTRE[1], "accuracy_m": 5}
MOCKED_FAR = {**HERE, "lat": HUNG_CHAU_CENTRE[0] + 0.05, "mock_location": True}


def _quarter() -> str:
    today = utcnow().date()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def _ranking(client, headers, status=200, **query):
    answer = client.get("/api/v1/rankings", headers=headers, query_string={"period": _quarter(), **query})
    assert answer.status_code == status, answer.get_json()
    return answer.get_json()


def _by_id(ranking) -> dict:
    return {item["id"]: item for item in ranking["items"]}


# --- the scores, by hand, without a database ----------------------------------------------------------------


def _scheme(*weights, thresholds=None) -> Scheme:
    return Scheme(level="test", criteria=tuple(Weighted(c, w) for c, w in weights),
                  thresholds=thresholds or dict(DEFAULT_THRESHOLDS))


SHARE = Criterion("a", "a share", "share")
COUNT = Criterion("b", "a count against the best", "best")
GOAL = Criterion("c", "a count against five", "goal", 5)


def test_weights_change_the_order():
    north = Candidate("north", "Bắc", {"a": Value(0.9), "b": Value(2)})
    south = Candidate("south", "Nam", {"a": Value(0.5), "b": Value(8)})
    # a alone: 90 against 50
    assert [(r.key, r.score) for r in ranking_order([south, north], _scheme((SHARE, 1)))] == [
        ("north", 90.0), ("south", 50.0)]
    # a 1, b 3: north (90 + 3 × 25) / 4 = 41.25; south (50 + 3 × 100) / 4 = 87.5
    ranked = ranking_order([north, south], _scheme((SHARE, 1), (COUNT, 3)))
    assert [(r.key, r.rank, r.score) for r in ranked] == [("south", 1, 87.5), ("north", 2, 41.25)]
    assert [(s.code, s.value, s.score) for s in ranked[1].criteria] == [("a", 0.9, 90.0), ("b", 2, 25.0)]


def test_ties_share_a_rank_and_are_listed_by_key():
    items = [Candidate(key, key, {"a": Value(share)})
             for key, share in (("17395", 0.5), ("16738", 0.8), ("16681", 0.5), ("16690", None), ("16702", 0.0))]
    ranked = ranking_order(items, _scheme((SHARE, 1)))
    assert [(r.key, r.rank, r.score) for r in ranked] == [
        ("16738", 1, 80.0), ("16681", 2, 50.0), ("17395", 2, 50.0), ("16690", 4, 0.0), ("16702", 4, 0.0)]
    # nothing to divide by scores 0, as a share of 0 does
    assert ranked[3].criteria[0].value is None and ranked[3].criteria[0].score == 0


def test_classes_at_their_thresholds():
    scheme = _scheme((SHARE, 1), thresholds={"excellent": 90.0, "good": 75.0, "done": 50.0})
    items = [Candidate(n, str(n), {"a": Value(share)})
             for n, share in enumerate((0.9, 0.8999, 0.75, 0.7499, 0.5, 0.4999, 0.0))]
    assert [r.class_code for r in ranking_order(items, scheme)] == [
        "excellent", "good", "good", "done", "done", "not_done", "not_done"]


def test_a_goal_is_capped_and_the_best_scores_a_hundred():
    items = [Candidate(1, "a", {"c": Value(7), "b": Value(0)}), Candidate(2, "b", {"c": Value(3), "b": Value(0)})]
    ranked = ranking_order(items, _scheme((GOAL, 60), (COUNT, 40)))
    # seven mentees are five's 100, three are 60; when the best is 0 nobody scores on it
    assert [(r.key, r.score, [s.score for s in r.criteria]) for r in ranked] == [
        (1, 60.0, [100.0, 0.0]), (2, 36.0, [60.0, 0.0])]


# --- communes of a province -------------------------------------------------------------------------------


def _adult(household):
    return make_person(household=household, birth_year=utcnow().year - 40)


@pytest.fixture
def communes(login):
    """Hùng Châu: 2 adults, one with the five skills (a Digital Family); Quế Phong: 2 adults confirmed on VNeID
    (the basic skills too), their household not a Digital Family."""
    ours = make_household(village=make_village())
    skills_record(caller=None, person=_adult(ours), grant=FIVE, evidence_kind=EvidenceKind.other, evidence_ref="sổ")
    _adult(ours)
    theirs = make_household(village=make_village(commune_code=QUE_PHONG))
    for _ in range(2):
        skills_record(caller=None, person=_adult(theirs), grant=["vneid_programme_confirmed"],
                      evidence_kind=EvidenceKind.import_, evidence_ref="VNeID", confirmed_on=date(2026, 6, 1))
    db.session.commit()
    return {"province": login(make_user(role=Role.province_officer, unit_code=NGHE_AN))}


def _put_scheme(client, headers, level, body, status=200, code=NGHE_AN):
    answer = client.put(f"/api/v1/units/{code}/rankings/{level}", headers=headers, json=body)
    assert answer.status_code == status, answer.get_json()
    return answer.get_json()


def test_communes_on_the_default_scheme_by_hand(client, communes):
    ranking = _ranking(client, communes["province"], level="communes", unit=NGHE_AN)
    assert ranking["total"] == len(ranking["items"]) == 130
    assert [(c["code"], c["weight"]) for c in ranking["scheme"]["criteria"]] == [
        ("basic_skills.adults", 30), ("digital_family.households", 20), ("vneid_confirmed.adults", 20),
        ("weekly_class.held", 15), ("visits.proven", 15)]
    assert ranking["scheme"]["criteria_origin"] == "national"
    items = _by_id(ranking)
    # Quế Phong: (30 × 100 + 20 × 0 + 20 × 100 + 15 × 0 + 15 × 0) / 100; Hùng Châu: (30 × 50 + 20 × 100) / 100
    assert (items[QUE_PHONG]["rank"], items[QUE_PHONG]["score"], items[QUE_PHONG]["class"]) == (1, 50.0, "done")
    assert (items[HUNG_CHAU]["rank"], items[HUNG_CHAU]["score"], items[HUNG_CHAU]["class"]) == (2, 35.0, "not_done")
    assert items[HUNG_CHAU]["class_name"] == "Chưa hoàn thành"
    criteria = {c["code"]: c for c in items[HUNG_CHAU]["criteria"]}
    assert criteria["basic_skills.adults"] == {"code": "basic_skills.adults", "value": 0.5, "numerator": 1,
                                               "denominator": 2, "score": 50.0}
    assert criteria["visits.proven"]["value"] is None and criteria["visits.proven"]["score"] == 0
    assert criteria["weekly_class.held"]["numerator"] == 0  # no class held: whatever the weeks so far
    # The other 128 tie at 0 with rank 3, listed by code.
    rest = ranking["items"][2:]
    assert {item["rank"] for item in rest} == {3} and [i["id"] for i in rest] == sorted(i["id"] for i in rest)


def test_a_provinces_own_weights_change_the_order_and_classes_meet_their_thresholds(client, communes, db):
    province = communes["province"]
    scheme = _put_scheme(client, province, "communes", {
        "criteria": [{"criterion": "basic_skills.adults", "weight": 1}],
        "thresholds": {"excellent": 100, "good": 75, "done": 50}, "source": "Hướng dẫn 15/HD-SNV"})
    assert scheme["criteria_origin"] == scheme["thresholds_origin"] == NGHE_AN
    items = _by_id(_ranking(client, province, level="communes", unit=NGHE_AN))
    assert (items[QUE_PHONG]["rank"], items[QUE_PHONG]["score"], items[QUE_PHONG]["class"]) == (1, 100.0, "excellent")
    assert (items[HUNG_CHAU]["rank"], items[HUNG_CHAU]["score"], items[HUNG_CHAU]["class"]) == (2, 50.0, "done")
    assert [c["code"] for c in items[HUNG_CHAU]["criteria"]] == ["basic_skills.adults"]

    # Digital Families weigh three times the basic skills: Hùng Châu (3 × 100 + 50) / 4, Quế Phong 100 / 4.
    _put_scheme(client, province, "communes", {"criteria": [
        {"criterion": "basic_skills.adults", "weight": 1}, {"criterion": "digital_family.households", "weight": 3}],
        "source": "Hướng dẫn 16/HD-SNV"})
    ranking = _ranking(client, province, level="communes", unit=NGHE_AN)
    assert ranking["scheme"]["thresholds_origin"] == "national"  # left out: the defaults again
    items = _by_id(ranking)
    assert (items[HUNG_CHAU]["rank"], items[HUNG_CHAU]["score"], items[HUNG_CHAU]["class"]) == (1, 87.5, "good")
    assert (items[QUE_PHONG]["rank"], items[QUE_PHONG]["score"], items[QUE_PHONG]["class"]) == (2, 25.0, "not_done")

    entries = db.session.query(ActivityEntry).filter_by(action="ranking.set").order_by(ActivityEntry.id).all()
    assert [(e.log_unit, e.object_type, e.object_id) for e in entries] == [(NGHE_AN, "unit", f"{NGHE_AN}:communes")] * 2
    assert json.loads(entries[0].body) == {
        "level": "communes", "criteria": [{"criterion": "basic_skills.adults", "weight": 1.0}],
        "thresholds": {"excellent": 100.0, "good": 75.0, "done": 50.0}, "source": "Hướng dẫn 15/HD-SNV"}

    # Reset: the defaults again, logged too.
    reset = _put_scheme(client, province, "communes", {"criteria": []})
    assert reset["criteria_origin"] == "national" and len(reset["criteria"]) == 5
    last = db.session.query(ActivityEntry).filter_by(action="ranking.set").order_by(ActivityEntry.id.desc()).first()
    assert json.loads(last.body) == {"level": "communes", "criteria": [], "thresholds": None, "source": None}


@pytest.mark.parametrize("body, field, error_code", [
    ({"criteria": [{"criterion": "support.people", "weight": 1}], "source": "x"}, "criteria.0.criterion",
     "ranking.scheme_invalid"),  # a team's criterion, not a commune's
    ({"criteria": [{"criterion": "basic_skills.adults", "weight": 1}] * 2, "source": "x"}, "criteria.1.criterion",
     "ranking.scheme_invalid"),
    ({"criteria": [], "thresholds": {"excellent": 70, "good": 75, "done": 50}, "source": "x"}, "thresholds",
     "ranking.scheme_invalid"),
    ({"criteria": [{"criterion": "basic_skills.adults", "weight": 1}]}, "source", "ranking.scheme_invalid"),
    ({"criteria": [{"criterion": "basic_skills.adults", "weight": 0}], "source": "x"}, "criteria", "request.invalid"),
    ({"criteria": [{"criterion": "made.up", "weight": 1}], "source": "x"}, "criteria", "request.invalid"),
])
def test_a_scheme_that_cannot_rank_is_refused(client, communes, body, field, error_code):
    answer = client.put(f"/api/v1/units/{NGHE_AN}/rankings/communes", headers=communes["province"], json=body)
    assert answer.status_code == 422 and answer.get_json()["error_code"] == error_code, answer.get_json()
    assert field in answer.get_json()["errors"], answer.get_json()


def test_only_the_provinces_officers_set_its_scheme(client, communes, login):
    body = {"criteria": [{"criterion": "basic_skills.adults", "weight": 1}], "source": "x"}
    commune_officer = login(make_user(role=Role.commune_officer))
    assert client.put(f"/api/v1/units/{NGHE_AN}/rankings/communes", headers=commune_officer,
                      json=body).status_code == 403
    ha_noi = login(make_user(role=Role.province_officer, unit_code=HA_NOI))
    refused = client.put(f"/api/v1/units/{NGHE_AN}/rankings/communes", headers=ha_noi, json=body)
    assert refused.status_code == 404 and refused.get_json()["error_code"] == "unit.not_found"
    _put_scheme(client, communes["province"], "communes", body, status=422, code=HUNG_CHAU)  # a commune: no
    unknown = client.put(f"/api/v1/units/{NGHE_AN}/rankings/villages", headers=communes["province"], json=body)
    assert unknown.status_code == 404 and unknown.get_json()["error_code"] == "http.not_found"


def test_rankings_are_read_through_the_callers_area(client, communes, login):
    commune_officer = login(make_user(role=Role.commune_officer))
    other = login(make_user(role=Role.commune_officer, unit_code=OTHER_COMMUNE))
    for headers, query in ((commune_officer, {"level": "communes", "unit": NGHE_AN}),
                           (other, {"level": "teams", "unit": HUNG_CHAU}),
                           (other, {"level": "volunteers", "unit": NGHE_AN})):
        answer = _ranking(client, headers, status=404, **query)
        assert answer["error_code"] == "unit.not_found" and set(answer) == {"code", "status", "error_code",
                                                                            "message", "errors"}
    for query in ({"level": "teams", "unit": NGHE_AN}, {"level": "communes", "unit": HUNG_CHAU}):
        assert _ranking(client, communes["province"], status=422, **query)["error_code"] == "ranking.unit_invalid"
    for query in ({"level": "hamlets", "unit": NGHE_AN}, {"level": "teams", "period": "2026-13"}):
        assert _ranking(client, communes["province"], status=422, **query)["error_code"] == "request.invalid"
    # The shape of a period, but no such days: a rule of its own.
    answer = _ranking(client, commune_officer, status=422, level="teams", period="2026-02-30..2026-03-01")
    assert answer["error_code"] == "period.invalid" and "period" in answer["errors"]
    assert _ranking(client, commune_officer, level="teams")["unit"]["code"] == HUNG_CHAU  # my own by default


# --- teams, volunteers, ambassadors of a commune ----------------------------------------------------------


def _visit(client, headers, household, people, gps=HERE):
    answer = client.post("/api/v1/visits", headers=headers, json={
        "client_id": str(uuid.uuid4()), "household_id": household.public_id, "outcome": "supported",
        "visited_at": utcnow().isoformat(), "gps": gps,
        "people": [{"person_id": p.public_id, "skills": skills} for p, skills in people]})
    assert answer.status_code == 201, answer.get_json()


@pytest.fixture
def field(client, login):
    """Team A's volunteer helped 2 people with 3 skills in 2 proven visits; team B's 1 person with 1 skill in a
    proven visit, and a visit held back (mock location): proven 1 of 2."""
    village = make_village()
    sides = {}
    for side in ("a", "b"):
        volunteer = make_user(full_name=f"Tình Nguyện {side.upper()}")
        team = make_team(members=[volunteer], village=village)
        household = make_household(village=village, lat=HUNG_CHAU_CENTRE[0], lon=HUNG_CHAU_CENTRE[1])
        assign(household, volunteer, team)
        sides[side] = {"volunteer": volunteer, "team": team, "household": household, "headers": login(volunteer),
                       "people": [make_person(household=household) for _ in range(2)]}
    a, b = sides["a"], sides["b"]
    _visit(client, a["headers"], a["household"], [(a["people"][0], ["online_safety", "cashless_payment"])])
    _visit(client, a["headers"], a["household"], [(a["people"][1], ["online_safety"])])
    _visit(client, b["headers"], b["household"], [(b["people"][0], ["online_safety"])])
    _visit(client, b["headers"], b["household"], [(b["people"][1], ["online_safety"])], gps=MOCKED_FAR)
    return {**sides, "officer": login(make_user(role=Role.commune_officer))}


def test_teams_of_a_commune_by_hand(client, field):
    ranking = _ranking(client, field["officer"], level="teams")
    assert ranking["total"] == 2
    a, b = str(field["a"]["team"].id), str(field["b"]["team"].id)
    items = _by_id(ranking)
    assert (items[a]["rank"], items[a]["score"], items[a]["class"]) == (1, 100.0, "excellent")
    # B: people 1 of the best 2 (50), records 1 of 3 (33.33), proven 1 of 2 (50): (40×50 + 30×33.33 + 30×50) / 100
    assert (items[b]["rank"], items[b]["score"], items[b]["class"]) == (2, 45.0, "not_done")
    assert [(c["code"], c["value"], c["score"]) for c in items[b]["criteria"]] == [
        ("support.people", 1, 50.0), ("support.records", 1, 33.33), ("visits.proven", 0.5, 50.0)]
    assert items[b]["criteria"][2]["numerator"] == 1 and items[b]["criteria"][2]["denominator"] == 2
    # B's volunteer sees B's row only, ranked among both.
    mine = _ranking(client, field["b"]["headers"], level="teams")
    assert mine["total"] == 2 and [(i["id"], i["rank"]) for i in mine["items"]] == [(b, 2)]


def test_volunteers_of_a_commune_and_their_ties(client, field, login):
    idle = make_user(full_name="Chưa Đi Nhà Nào")
    ranking = _ranking(client, field["officer"], level="volunteers")
    a, b = str(field["a"]["volunteer"].id), str(field["b"]["volunteer"].id)
    items = _by_id(ranking)
    assert (items[a]["rank"], items[a]["score"]) == (1, 100.0)
    assert (items[b]["rank"], items[b]["score"]) == (2, 45.0)
    # Everyone else (the idle volunteer, the teams' leaders) ties at 0, third, listed by account id.
    zeros = [item for item in ranking["items"] if item["score"] == 0]
    assert str(idle.id) in {i["id"] for i in zeros} and {i["rank"] for i in zeros} == {3}
    assert [int(i["id"]) for i in zeros] == sorted(int(i["id"]) for i in zeros)
    assert ranking["total"] == len(ranking["items"])
    # A volunteer reads their own row of the ranking; the province's officer the province's.
    mine = _ranking(client, field["b"]["headers"], level="volunteers")
    assert [(i["id"], i["rank"]) for i in mine["items"]] == [(b, 2)] and mine["total"] == ranking["total"]
    province = login(make_user(role=Role.province_officer, unit_code=NGHE_AN))
    wide = _ranking(client, province, level="volunteers", unit=NGHE_AN)
    assert _by_id(wide)[a]["rank"] == 1 and wide["total"] >= ranking["total"]


def test_ambassadors_on_the_five_mentees_rule(client, login):
    first = make_ambassador(full_name="Đại Sứ Một")
    second = make_ambassador(full_name="Đại Sứ Hai")
    for _ in range(3):
        make_mentorship(mentor=first)
    for _ in range(2):
        make_mentorship(mentor=first, status="completed")
    for _ in range(2):
        make_mentorship(mentor=second)
    make_mentorship(mentor=second, status="completed")
    ranking = _ranking(client, login(make_user(role=Role.commune_officer)), level="ambassadors")
    items = _by_id(ranking)
    assert [(c["code"], c["weight"]) for c in ranking["scheme"]["criteria"]] == [
        ("mentees.counted", 60), ("mentees.completed", 40)]
    one, two = items[str(first.user_id)], items[str(second.user_id)]
    assert (one["rank"], one["score"], one["class"]) == (1, 100.0, "excellent")
    # 3 of the five (60) and 1 of the best 2 completed (50): 0.6 × 60 + 0.4 × 50
    assert (two["rank"], two["score"], two["class"]) == (2, 56.0, "done")
    assert [(c["value"], c["score"]) for c in two["criteria"]] == [(3, 60.0), (1, 50.0)]
