"""Population figures (issue 16): entered by the officers of a unit's area with their source, and read
beside the registry's own counts, with the gap."""
import json

import pytest
from sqlalchemy import select

from fieldapp.clock import utcnow
from fieldapp.models import ActivityEntry, PopulationFigure, Role, Unit
from tests.factories import HUNG_CHAU, NGHE_AN, OTHER_COMMUNE, make_household, make_person, make_user, make_village

YEAR = utcnow().year


@pytest.fixture
def officer(login):
    return login(make_user(role=Role.commune_officer))


def _put(client, headers, code=HUNG_CHAU, year=YEAR, **body):
    body = {"figures": {"adults": 1200, "households": 400}, "source": "Báo cáo dân số của xã 2025", **body}
    return client.put(f"/api/v1/units/{code}/population/{year}", headers=headers, json=body)


def _figures(response) -> dict:
    assert response.status_code == 200, response.get_json()
    return {f["measure"]: f for f in response.get_json()["figures"]}


def _registry(commune=HUNG_CHAU):
    """Three households of Hùng Châu (or ``commune``): five people of known ages and groups, one unknown."""
    village = make_village(commune_code=commune)
    first, second, third = (make_household(village=village, address=f"Nhà số {n}") for n in (1, 2, 3))
    make_person(household=first, full_name="Ông Già", birth_year=YEAR - 60, target_groups=["residents"])
    make_person(household=first, full_name="Cô Giáo", birth_year=YEAR - 30, target_groups=["public_staff"])
    make_person(household=second, full_name="Em Mười Bảy", birth_year=YEAR - 17, target_groups=["pupils_students"])
    make_person(household=second, full_name="Em Mười Tám", birth_year=YEAR - 18,
                target_groups=["pupils_students", "enterprise_workers"])
    make_person(household=third, full_name="Chưa Rõ Tuổi", birth_year=None)


def test_an_officer_enters_figures_with_their_source_and_sees_each_beside_the_registry(client, officer, db):
    _registry()
    _registry(commune=OTHER_COMMUNE)  # another province's people: never counted here
    shown = _figures(_put(client, officer))
    assert list(shown) == ["adults", "citizens_from_16", "households", "pupils", "workers", "public_staff"]
    adults = shown["adults"]
    assert (adults["value"], adults["registry_count"], adults["gap"], adults["source"]) == (
        1200, 3, 1197, "Báo cáo dân số của xã 2025")
    assert adults["entered_at"] is not None and adults["entered_by"] is not None
    assert (shown["households"]["value"], shown["households"]["registry_count"], shown["households"]["gap"]) == (
        400, 3, 397)
    citizens = shown["citizens_from_16"]
    assert (citizens["value"], citizens["source"], citizens["gap"], citizens["registry_count"]) == (None, None, None, 4)
    assert [shown[m]["registry_count"] for m in ("pupils", "workers", "public_staff")] == [2, 1, 1]
    read = _figures(client.get(f"/api/v1/units/{HUNG_CHAU}/population", headers=officer))
    assert read == shown
    stored = db.session.scalars(select(PopulationFigure).where(PopulationFigure.unit_code == HUNG_CHAU)).all()
    assert {(f.measure.value, f.value, f.year) for f in stored} == {("adults", 1200, YEAR), ("households", 400, YEAR)}


def test_each_entry_is_logged_in_the_units_log_with_its_values_and_source(client, officer, db):
    _put(client, officer)
    _put(client, officer, figures={"adults": 1250}, source="Niên giám thống kê")
    entries = db.session.query(ActivityEntry).filter_by(action="population.enter").order_by(ActivityEntry.id).all()
    where = [(e.object_type, e.object_id, e.log_unit) for e in entries]
    assert where == [("unit", f"{HUNG_CHAU}:{YEAR}", HUNG_CHAU)] * 2
    first, second = (json.loads(e.body) for e in entries)
    assert first == {"year": YEAR, "values": {"adults": 1200, "households": 400},
                     "source": "Báo cáo dân số của xã 2025", "replaced": []}
    assert second == {"year": YEAR, "values": {"adults": 1250}, "source": "Niên giám thống kê", "replaced": ["adults"]}


def test_entering_again_replaces_only_the_measures_given(client, officer):
    _put(client, officer)
    shown = _figures(_put(client, officer, figures={"adults": 1250}, source="Niên giám thống kê"))
    assert (shown["adults"]["value"], shown["adults"]["source"]) == (1250, "Niên giám thống kê")
    assert (shown["households"]["value"], shown["households"]["source"]) == (400, "Báo cáo dân số của xã 2025")


def test_a_year_has_its_own_figures_and_its_own_ages(client, officer):
    _registry()
    _put(client, officer, year=YEAR - 1, figures={"adults": 900})
    last_year = _figures(client.get(f"/api/v1/units/{HUNG_CHAU}/population", headers=officer,
                                    query_string={"year": YEAR - 1}))
    this_year = _figures(client.get(f"/api/v1/units/{HUNG_CHAU}/population", headers=officer))
    assert (last_year["adults"]["value"], this_year["adults"]["value"]) == (900, None)
    # The one born YEAR − 18 was 17 last year: an adult this year only; YEAR − 17 was 16 last year.
    assert (last_year["adults"]["registry_count"], this_year["adults"]["registry_count"]) == (2, 3)
    assert (last_year["citizens_from_16"]["registry_count"], this_year["citizens_from_16"]["registry_count"]) == (4, 4)


@pytest.mark.parametrize("body, field", [
    ({"source": None}, "source"),
    ({"source": "   "}, "source"),
    ({"figures": {}}, "figures"),
    ({"figures": {"adults": -1}}, "figures"),
    ({"figures": {"farmers": 10}}, "figures"),
])
def test_a_figure_without_its_source_or_with_a_bad_value_is_refused(client, officer, db, body, field):
    response = _put(client, officer, **body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error_code"] == "request.invalid"
    assert any(key.startswith(field) for key in response.get_json()["errors"]), response.get_json()
    assert db.session.query(PopulationFigure).count() == 0


def test_a_missing_source_is_refused(client, officer):
    response = client.put(f"/api/v1/units/{HUNG_CHAU}/population/{YEAR}", headers=officer,
                          json={"figures": {"adults": 1}})
    assert response.status_code == 422 and "source" in response.get_json()["errors"]


@pytest.mark.parametrize("year", [1999, YEAR + 2])
def test_a_year_out_of_range_is_refused(client, officer, year):
    response = _put(client, officer, year=year)
    assert response.status_code == 422 and "year" in response.get_json()["errors"]
    response = client.get(f"/api/v1/units/{HUNG_CHAU}/population", headers=officer, query_string={"year": year})
    assert response.status_code == 422 and "year" in response.get_json()["errors"]


def test_a_unit_outside_the_area_is_not_found(client, login, officer, db):
    other = login(make_user(role=Role.commune_officer, unit_code=OTHER_COMMUNE))
    for headers, code in ((other, HUNG_CHAU), (officer, OTHER_COMMUNE), (officer, NGHE_AN), (officer, "99999")):
        response = _put(client, headers, code=code)
        assert response.status_code == 404 and response.get_json()["error_code"] == "unit.not_found", code
        assert client.get(f"/api/v1/units/{code}/population", headers=headers).status_code == 404
    assert db.session.query(PopulationFigure).count() == 0


def test_field_roles_neither_read_nor_enter(client, login):
    for role in (Role.volunteer, Role.team_leader):
        headers = login(make_user(role=role))
        assert _put(client, headers).status_code == 403
        assert client.get(f"/api/v1/units/{HUNG_CHAU}/population", headers=headers).status_code == 403


def test_a_province_officer_enters_the_provinces_and_its_communes_and_the_province_counts_its_communes(
        client, login, db):
    province = login(make_user(role=Role.province_officer, unit_code=NGHE_AN))
    neighbour = db.session.scalar(select(Unit.code).where(Unit.parent_code == NGHE_AN, Unit.code != HUNG_CHAU)
                                  .order_by(Unit.code).limit(1))
    _registry()
    _registry(commune=neighbour)
    _registry(commune=OTHER_COMMUNE)
    whole = _figures(_put(client, province, code=NGHE_AN, figures={"adults": 2_500_000}, source="Niên giám tỉnh"))
    assert (whole["adults"]["registry_count"], whole["households"]["registry_count"]) == (6, 6)
    assert whole["adults"]["gap"] == 2_500_000 - 6
    commune = _figures(_put(client, province, code=neighbour))
    assert commune["adults"]["registry_count"] == 3
    entry = db.session.query(ActivityEntry).filter_by(action="population.enter", object_id=f"{NGHE_AN}:{YEAR}").one()
    assert entry.log_unit == NGHE_AN
