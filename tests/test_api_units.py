"""Administrative units: all of them, searched without diacritics, filtered, paged."""
import pytest

from fieldapp.extensions import db
from fieldapp.models import Unit, UnitLevel
from fieldapp.services.units import units_import
from tests.factories import make_user


@pytest.fixture
def headers(login):
    return login(make_user())


def test_all_34_provinces_and_3321_communes_are_loaded():
    assert db.session.query(Unit).filter_by(level=UnitLevel.province).count() == 34
    assert db.session.query(Unit).filter_by(level=UnitLevel.commune).count() == 3321


def test_import_again_changes_nothing():
    assert units_import() == {"created": 0, "updated": 0, "unchanged": 3355}


def test_import_repairs_an_edited_unit():
    db.session.get(Unit, "17395").name = "Xã Sai Tên"
    db.session.flush()
    assert units_import()["updated"] == 1
    assert db.session.get(Unit, "17395").name == "Xã Hùng Châu"


@pytest.mark.parametrize("query", ["hung chau", "Hùng Châu", "HUNG CHAU", "xa hung  chau"])
def test_search_without_diacritics_finds_hung_chau(client, headers, query):
    body = client.get("/api/v1/units", query_string={"q": query}, headers=headers).get_json()
    assert "17395" in [unit["code"] for unit in body["items"]]


def test_search_folds_d_with_stroke(client, headers):
    body = client.get("/api/v1/units", query_string={"q": "dien bien", "level": "province"},
                      headers=headers).get_json()
    assert [unit["name"] for unit in body["items"]] == ["Tỉnh Điện Biên"]


def test_unit_detail_has_code_kind_parent_and_centroid(client, headers):
    body = client.get("/api/v1/units/17395", headers=headers).get_json()
    assert body["name"] == "Xã Hùng Châu"
    assert body["kind"] == "Xã"
    assert body["level"] == "commune"
    assert body["parent_code"] == "40"
    assert body["centroid"]["lat"] == pytest.approx(19.1222)
    assert body["centroid"]["lon"] == pytest.approx(105.563)


def test_province_filter_lists_its_communes_and_itself(client, headers):
    body = client.get("/api/v1/units", query_string={"province": "40", "level": "commune", "per_page": 200},
                      headers=headers).get_json()
    expected = db.session.query(Unit).filter_by(parent_code="40").count()
    assert body["total"] == expected > 100
    assert all(unit["parent_code"] == "40" for unit in body["items"])


def test_pagination_walks_every_province_once(client, headers):
    seen = []
    for page in (1, 2, 3, 4):
        body = client.get("/api/v1/units", query_string={"level": "province", "per_page": 10, "page": page},
                          headers=headers).get_json()
        assert body["total"] == 34 and body["pages"] == 4 and body["per_page"] == 10
        seen += [unit["code"] for unit in body["items"]]
    assert len(seen) == len(set(seen)) == 34


@pytest.mark.parametrize("query_string, field", [({"per_page": 1000}, "per_page"), ({"page": 0}, "page"),
                                                  ({"level": "district"}, "level"),
                                                  ({"province": "abc"}, "province")])
def test_bad_query_is_422(client, headers, query_string, field):
    response = client.get("/api/v1/units", query_string=query_string, headers=headers)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_unknown_unit_is_404_with_its_code(client, headers):
    response = client.get("/api/v1/units/99999", headers=headers)
    assert response.status_code == 404
    body = response.get_json()
    assert body["error_code"] == "unit.not_found"
    assert "99999" in body["message"]


def test_units_need_sign_in(client):
    assert client.get("/api/v1/units").status_code == 401
