"""Public results (issue 17, item 5): for anyone, without signing in; aggregates only (no name, id or phone of
anyone); small counts suppressed, and so that no suppressed count comes back by subtraction from the totals
shown beside it; the province's ranking of communes; cached on the server (and by browsers) for a short
while; the envelope on every error, rate limited as every anonymous request is."""
import itertools
import json
import random
from datetime import timedelta

import pytest

from fieldapp import create_app
from fieldapp.clock import today_in_vietnam, utcnow
from fieldapp.extensions import db
from fieldapp.models import Role
from fieldapp.models.evidence import EvidenceKind
from fieldapp.models.skills import DIGITAL_FAMILY_SKILLS
from fieldapp.periods import report_quarter_label, report_quarter_of
from fieldapp.selectors.public_results import PUBLISHED, _safe, suppression
from fieldapp.services.skills import skills_record
from tests.factories import (
    HUNG_CHAU,
    NGHE_AN,
    make_ambassador,
    make_household,
    make_mentorship,
    make_person,
    make_user,
    make_village,
)

QUE_PHONG = "16738"  # Xã Quế Phong
THANH_VINH = "16681"  # Phường Thành Vinh
FIVE = sorted(s.value for s in DIGITAL_FAMILY_SKILLS)
#: The keys an answer may hold, anywhere in it: none names or numbers a person or an account.
KEYS = {"unit", "code", "name", "level", "province_code", "period", "kind", "first", "last", "as_of", "suppression",
        "threshold", "rule", "indicators", "numerator", "denominator", "denominator_source", "share", "target",
        "head_count", "suppressed", "ranking", "criteria", "scale", "weight", "classes", "min_score", "total",
        "items", "rank", "score", "class", "class_name", "value", "not_ranked"}


def _quarter() -> str:
    """This reporting quarter, as the quarterly report names it (``2026-Q4`` for 10/09–09/12/2026)."""
    return report_quarter_label(report_quarter_of(today_in_vietnam()))


def _adults(commune_code, count, skilled, *, name="Người Dân"):
    """``count`` adults in households of five, the first ``skilled`` with the five skills (a Digital Family
    each household where one of them lives)."""
    village = make_village(commune_code=commune_code)
    people = []
    for n in range(count):
        if n % 5 == 0:
            household = make_household(village=village)
        person = make_person(household=household, birth_year=utcnow().year - 30 - n, full_name=f"{name} {n}",
                             phone=f"+849{commune_code[-3:]}{n:05d}")
        if n < skilled:
            skills_record(caller=None, person=person, grant=FIVE, evidence_kind=EvidenceKind.other, evidence_ref="sổ")
        people.append(person)
    db.session.commit()
    return people


@pytest.fixture
def province():
    """Hùng Châu: 20 adults, 12 with the basic skills; Thành Vinh: 15, 11 of them; Quế Phong: 3, 1 of them."""
    return {HUNG_CHAU: _adults(HUNG_CHAU, 20, 12, name="Nguyễn Văn Riêng"),
            THANH_VINH: _adults(THANH_VINH, 15, 11, name="Trần Thị Kín"),
            QUE_PHONG: _adults(QUE_PHONG, 3, 1, name="Lò Văn Nhỏ")}


def _public(client, code, status=200, **query):
    answer = client.get(f"/api/v1/public/results/{code}", query_string={"period": _quarter(), **query})
    assert answer.status_code == status, answer.get_json()
    return answer


def _figures(answer) -> dict:
    return {f["code"]: f for f in answer.get_json()["indicators"]}


def _keys(value) -> set:
    if isinstance(value, dict):
        return set(value) | set().union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value)) if value else set()
    return set()


def test_small_counts_are_suppressed_and_large_ones_shown(client, province):
    figures = _figures(_public(client, HUNG_CHAU))
    adults = figures["basic_skills.adults"]
    assert (adults["numerator"], adults["denominator"], adults["share"], adults["suppressed"]) == (12, 20, 0.6, False)
    assert adults["denominator_source"] == "registry" and adults["target"]["share"] == 1.0
    # Nobody supported this quarter: 0 is below 10 as well.
    assert figures["support.people"] == {**figures["support.people"], "numerator": None, "suppressed": True}
    small = _figures(_public(client, QUE_PHONG))["basic_skills.adults"]
    assert (small["numerator"], small["denominator"], small["share"], small["suppressed"]) == (None, None, None, True)
    whole = _public(client, NGHE_AN).get_json()
    adults = {f["code"]: f for f in whole["indicators"]}["basic_skills.adults"]
    assert (adults["numerator"], adults["denominator"]) == (24, 38)
    assert whole["suppression"]["threshold"] == 10 and "subtraction" in whole["suppression"]["rule"]
    assert [f["code"] for f in whole["indicators"]] == list(PUBLISHED)


def test_a_share_is_hidden_with_its_numerator(client, province):
    _adults("16690", 15, 4)  # 4 of 15 in Trường Vinh: the share would give the 4 back
    adults = _figures(_public(client, "16690"))["basic_skills.adults"]
    assert (adults["numerator"], adults["denominator"], adults["share"], adults["suppressed"]) == (None, 15, None, True)


def test_no_suppressed_count_comes_back_by_subtraction(client):
    """Hùng Châu 12 of 20, Thành Vinh 11 of 15, the 128 other communes nobody. The province shows 23 of 35; the
    128 zeros are hidden, but their sum, 23 less the 12 and 11 shown, would be 0 and give each of them back. So
    the smallest shown, Thành Vinh's, is hidden with them: what is left (11 of 15) cannot be split one way."""
    _adults(HUNG_CHAU, 20, 12)
    _adults(THANH_VINH, 15, 11)
    whole = {f["code"]: f for f in _public(client, NGHE_AN).get_json()["indicators"]}["basic_skills.adults"]
    assert (whole["numerator"], whole["denominator"]) == (23, 35)
    shown = {code: _figures(_public(client, code))["basic_skills.adults"]
             for code in (HUNG_CHAU, THANH_VINH, QUE_PHONG)}
    assert {code: (f["numerator"], f["denominator"], f["share"]) for code, f in shown.items()} == {
        HUNG_CHAU: (12, 20, 0.6), THANH_VINH: (None, None, None), QUE_PHONG: (None, None, None)}
    assert shown[THANH_VINH]["suppressed"] is True
    assert whole["numerator"] - shown[HUNG_CHAU]["numerator"] == 11  # Thành Vinh's and 128 zeros, together


def _feasible(values, hidden, total, threshold, bound):
    """Every assignment of the hidden cells that the rule and the shown cells allow (brute force)."""
    known = sum(v for i, v in enumerate(values) if i not in hidden)
    ranges = [range(0, threshold) if values[i] < threshold else range(threshold, bound) for i in sorted(hidden)]
    return [dict(zip(sorted(hidden), guess, strict=True)) for guess in itertools.product(*ranges)
            if known + sum(guess) == total]


def test_the_rule_leaves_every_suppressed_count_undetermined_whatever_the_table():
    """A brute force over random tables: for each suppressed commune count, the values it could have, given
    the province's total, the counts shown and the rule's bounds, are more than one."""
    rng = random.Random(17)
    threshold = 4
    for _ in range(400):
        values = [rng.choice([0, 0, 1, 2, 3, 3, 4, 5, 6, 9]) for _ in range(rng.randint(1, 5))]
        communes = {f"c{i}": {("x", "numerator"): v} for i, v in enumerate(values)}
        total = sum(values)
        hidden_province, hidden = suppression({("x", "numerator"): total}, communes, threshold)
        if hidden_province:
            continue
        hidden_at = {i for i in range(len(values)) if hidden[f"c{i}"]}
        assert all(v >= threshold for i, v in enumerate(values) if i not in hidden_at)  # no small one shown
        worlds = _feasible(values, hidden_at, total, threshold, total + 1)
        for i in hidden_at:
            if values[i] < threshold:
                assert len({w[i] for w in worlds}) > 1, (values, hidden_at)


@pytest.mark.parametrize("values, hidden", [
    ([50, 30, 4], {"c2", "c1"}),    # one small beside large ones: the smallest shown joins it
    ([50, 9, 9], {"c1", "c2", "c0"}),  # 18 = 9 + 9: both at the top of their range, so a large one joins
    ([50, 5, 3], {"c1", "c2"}),     # 8 splits several ways
    ([50, 40, 30], set()),
])
def test_complementary_suppression_by_hand(values, hidden):
    communes = {f"c{i}": {("x", "numerator"): v} for i, v in enumerate(values)}
    hidden_province, found = suppression({("x", "numerator"): sum(values)}, communes, 10)
    assert not hidden_province and {c for c, cells in found.items() if cells} == hidden


def test_the_groups_rule():
    assert _safe([4, 30], 10) and not _safe([4], 10) and not _safe([9, 9], 10) and _safe([9, 8], 10)
    assert not _safe([0, 0], 10) and not _safe([0, 10], 10) and _safe([0, 11], 10)


def test_the_answer_names_and_numbers_no_one(client, province, login):
    volunteer = make_user(full_name="Phạm Tình Nguyện")
    mentor = make_ambassador(user=volunteer)
    make_mentorship(mentor=mentor, mentee=province[HUNG_CHAU][0])
    officer = make_user(role=Role.province_officer, unit_code=NGHE_AN, full_name="Đỗ Cán Bộ")
    headers = login(officer)
    assert client.put(f"/api/v1/units/{NGHE_AN}/rankings/communes", headers=headers, json={
        "criteria": [{"criterion": "basic_skills.adults", "weight": 1}], "source": "Nguyễn Văn Ký"}).status_code == 200
    people = [p for group in province.values() for p in group]
    secrets = {p.full_name for p in people} | {p.public_id for p in people} | {p.phone for p in people} | {
        volunteer.full_name, volunteer.phone, officer.full_name, officer.phone, "Nguyễn Văn Ký"}
    for code in (NGHE_AN, HUNG_CHAU, QUE_PHONG):
        answer = _public(client, code)
        text = answer.get_data(as_text=True)
        assert not [s for s in secrets if s in text], code
        assert _keys(answer.get_json()) <= KEYS, _keys(answer.get_json()) - KEYS


def test_the_provinces_ranking_of_communes_is_published_where_nothing_is_hidden(client, province, login):
    headers = login(make_user(role=Role.province_officer, unit_code=NGHE_AN))
    assert client.put(f"/api/v1/units/{NGHE_AN}/rankings/communes", headers=headers, json={
        "criteria": [{"criterion": "basic_skills.adults", "weight": 1}], "source": "HD 1"}).status_code == 200
    ranking = _public(client, NGHE_AN).get_json()["ranking"]
    assert [c["code"] for c in ranking["criteria"]] == ["basic_skills.adults"]
    # Thành Vinh 11/15 (73.33), Hùng Châu 12/20 (60); Quế Phong's are suppressed: not ranked, no score.
    assert [(i["rank"], i["code"], i["score"], i["class"]) for i in ranking["items"]] == [
        (1, THANH_VINH, 73.33, "done"), (2, HUNG_CHAU, 60.0, "done")]
    assert ranking["total"] == 2 and len(ranking["not_ranked"]) == 128
    assert {"code": QUE_PHONG, "name": "Xã Quế Phong"} in ranking["not_ranked"]
    mine = _public(client, HUNG_CHAU).get_json()["ranking"]
    assert [(i["rank"], i["code"]) for i in mine["items"]] == [(2, HUNG_CHAU)] and mine["not_ranked"] == []
    # On the default scheme every commune lacks ten proven visits: none is ranked publicly.
    assert client.put(f"/api/v1/units/{NGHE_AN}/rankings/communes", headers=headers,
                      json={"criteria": []}).status_code == 200
    from fieldapp.caching import results_cache

    results_cache.clear()  # (the table above is kept a minute)
    assert _public(client, NGHE_AN).get_json()["ranking"]["items"] == []


def test_a_burst_is_computed_once_and_kept_until_its_time_is_up(client, province, monkeypatch):
    first = _public(client, NGHE_AN)
    assert first.headers["X-Cache"] == "miss" and first.headers["Cache-Control"] == "public, max-age=60"
    _adults(HUNG_CHAU, 10, 10)  # 10 more adults with the skills
    again = _public(client, NGHE_AN)
    assert again.headers["X-Cache"] == "hit" and again.get_json() == first.get_json()  # as_of included
    commune = _public(client, HUNG_CHAU)  # read from its province's table, as it was
    assert commune.headers["X-Cache"] == "hit" and _figures(commune)["basic_skills.adults"]["numerator"] == 12
    later = utcnow() + timedelta(seconds=61)
    monkeypatch.setattr("fieldapp.caching.utcnow", lambda: later)
    fresh = _public(client, NGHE_AN)
    assert fresh.headers["X-Cache"] == "miss"
    assert {f["code"]: f for f in fresh.get_json()["indicators"]}["basic_skills.adults"]["numerator"] == 34
    assert fresh.get_json()["as_of"] != first.get_json()["as_of"]


def test_errors_are_the_envelope_and_never_kept(client, login):
    for code in ("99", "99999", "abc", "1739", "VN"):
        answer = _public(client, code, status=404)
        assert answer.get_json()["error_code"] == "unit.not_found"
        assert set(answer.get_json()) == {"code", "status", "error_code", "message", "errors"}
        assert answer.headers["Cache-Control"] == "no-store"
    for period in ("2026", "2026-09", "2026-R3", "phase-1", "2026-07-01..2026-07-02"):
        answer = _public(client, HUNG_CHAU, status=422, period=period)
        assert answer.get_json()["error_code"] == "request.invalid" and "period" in answer.get_json()["errors"]
        assert answer.headers["Cache-Control"] == "no-store"
    # No sign-in needed, and one changes nothing (another province's officer reads Nghệ An's too).
    other = login(make_user(role=Role.commune_officer, unit_code="00004"))
    assert client.get(f"/api/v1/public/results/{HUNG_CHAU}", headers=other).status_code == 200
    assert client.get(f"/api/v1/public/results/{HUNG_CHAU}").status_code == 200  # the current quarter


def test_anonymous_reads_are_rate_limited_per_address(app):
    strict = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "KEYS_DIR", "PASSWORD_HASH_PROFILE")},
                         "TESTING": True, "RATELIMIT_PER_TOKEN": "3 per minute", "AUDIT_SEQUENCE_INTERVAL": 0})
    client = strict.test_client()
    here = {"REMOTE_ADDR": "10.9.9.9"}
    answers = [client.get(f"/api/v1/public/results/{HUNG_CHAU}", environ_base=here) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].get_json()["error_code"] == "request.rate_limited"
    assert int(answers[-1].headers["Retry-After"]) > 0 and answers[-1].headers["Cache-Control"] == "no-store"
    there = {"REMOTE_ADDR": "10.9.9.8"}
    assert client.get(f"/api/v1/public/results/{HUNG_CHAU}", environ_base=there).status_code == 200
    # Made-up bearer tokens (which this route never checks) buy no budget of their own: the address's counts.
    elsewhere = {"REMOTE_ADDR": "10.9.9.7"}
    forged = [client.get(f"/api/v1/public/results/{HUNG_CHAU}", environ_base=elsewhere,
                         headers={"Authorization": f"Bearer made-up-{n}"}).status_code for n in range(4)]
    assert forged == [200, 200, 200, 429]


def test_with_redis_two_workers_share_one_cache(app, province, redis_url):
    """Several gunicorn workers: with Redis (RESULTS_CACHE_URI, or the rate limits' storage) what one worker
    computed the other serves."""
    import uuid

    url = redis_url
    settings = {**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "KEYS_DIR", "PASSWORD_HASH_PROFILE")},
                "TESTING": True, "AUDIT_SEQUENCE_INTERVAL": 0, "RESULTS_CACHE_URI": url,
                "RESULTS_CACHE_PREFIX": f"test-{uuid.uuid4().hex}:"}
    first, second = create_app(settings), create_app(settings)
    # (the rows are the test's, in its transaction: each worker's request reads them through the shared session)
    one = first.test_client().get(f"/api/v1/public/results/{NGHE_AN}")
    two = second.test_client().get(f"/api/v1/public/results/{NGHE_AN}")
    assert (one.headers["X-Cache"], two.headers["X-Cache"]) == ("miss", "hit")
    assert json.loads(one.get_data()) == json.loads(two.get_data())
    with second.app_context():
        from fieldapp.caching import results_cache

        results_cache.clear()
