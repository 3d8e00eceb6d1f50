"""What the contract says a field takes is what the server takes (issue 12, item 6): text counted and
stored in NFC and never only spaces, coordinates in range, a PATCH that changes something, unknown
query parameters refused, paths that cannot be ids not taken for ids."""
import unicodedata
import uuid

import pytest

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import CheckIn, Household, Person, Role
from fieldapp.qr import signing
from tests.factories import HUNG_CHAU_CENTRE, assign, make_household, make_person, make_team, make_user, make_village

LAT, LON = HUNG_CHAU_CENTRE


@pytest.fixture
def officer(login):
    return login(make_user(role=Role.commune_officer))


def _members(household):
    return f"/api/v1/households/{household.public_id}/members"


def test_a_name_typed_decomposed_is_counted_and_stored_as_its_letters(client, officer):
    name = ("Nguyễn Thị Hoà " * 14)[:200].strip()
    decomposed = unicodedata.normalize("NFD", name)
    assert len(decomposed) > 200 >= len(name)
    response = client.post(_members(make_household()), headers=officer, json={"full_name": decomposed})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["full_name"] == name
    too_long = client.post(_members(make_household()), headers=officer, json={"full_name": "a" * 201})
    assert too_long.status_code == 422 and "full_name" in too_long.get_json()["errors"]


@pytest.mark.parametrize("blank", [" ", "   ", "\t\n", "\u3000", "\x1e"])
def test_text_of_spaces_only_is_refused_not_stored_empty(client, officer, blank):
    household = make_household()
    response = client.post(_members(household), headers=officer, json={"full_name": blank})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"full_name": ["Không được để trống hoặc chỉ có dấu cách."]}
    village = make_village()
    address = client.post("/api/v1/households", headers=officer, json={"village_id": village.id, "address": blank})
    assert address.status_code == 422 and "address" in address.get_json()["errors"]
    assert db.session.query(Household).filter_by(village_id=village.id).count() == 0


def test_text_is_trimmed_and_its_spaces_collapsed(client, officer):
    response = client.post(_members(make_household()), headers=officer, json={"full_name": "  Lê   Văn\tNam "})
    assert response.get_json()["full_name"] == "Lê Văn Nam"


@pytest.mark.parametrize("gps, error_code", [
    ({"lat": 1000, "lon": LON}, "location.out_of_range"),
    ({"lat": LAT, "lon": -181}, "location.out_of_range"),
    ({"lat": LON, "lon": LAT}, "location.swapped"),
])
def test_a_check_in_with_coordinates_off_the_globe_is_refused(client, login, gps, error_code):
    volunteer = make_user()
    household = make_household(lat=LAT, lon=LON)
    assign(household, volunteer, make_team(members=[volunteer]))
    client_id = str(uuid.uuid4())
    response = client.post("/api/v1/checkins", headers=login(volunteer), json={
        "client_id": client_id, "payload": signing.qr_text("household", household.public_id),
        "scanned_at": utcnow().isoformat(), "gps": gps})
    assert response.status_code == 422 and response.get_json()["error_code"] == error_code
    assert list(response.get_json()["errors"]) == ["gps"]
    assert db.session.query(CheckIn).filter_by(client_id=client_id).count() == 0


@pytest.mark.parametrize("path", ["households", "persons"])
@pytest.mark.parametrize("body", [None, {}])
def test_a_patch_that_changes_nothing_is_refused(client, officer, path, body):
    person = make_person()
    target = person.household.public_id if path == "households" else person.public_id
    kwargs = {} if body is None else {"json": body}
    response = client.patch(f"/api/v1/{path}/{target}", headers=officer, **kwargs)
    assert response.status_code == 422 and response.get_json()["error_code"] == "request.invalid"
    assert response.get_json()["errors"] == {"_schema": ["Không có gì để thay đổi: cần gửi ít nhất một trường."]}


def test_a_misspelt_filter_is_refused_not_ignored(client, officer):
    response = client.get("/api/v1/support-records", headers=officer,
                          query_string={"vilage_id": 1, "format": "csv"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"vilage_id": ["Trường không được phép."]}


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_households_import_is_not_taken_for_a_household_id(client, officer, method):
    response = client.open("/api/v1/households/import", method=method, headers=officer, json={"address": "x"})
    assert response.status_code == 405 and response.get_json()["error_code"] == "http.method_not_allowed"
    assert "POST" in response.headers["Allow"] and "GET" not in response.headers["Allow"]


def test_a_near_filter_out_of_its_pattern_is_refused(client, officer):
    for near in ("91,105", "19,181", "19.1;105.5", "1e1,105"):
        response = client.get("/api/v1/households", headers=officer, query_string={"near": near})
        assert response.status_code == 422 and "near" in response.get_json()["errors"], near


def test_a_person_with_a_birth_year_beyond_the_document_is_refused_by_the_schema(client, officer):
    response = client.post(_members(make_household()), headers=officer, json={"full_name": "Lê An", "birth_year": 2300})
    assert response.status_code == 422 and response.get_json()["error_code"] == "request.invalid"
    future = client.post(_members(make_household()), headers=officer, json={"full_name": "Lê An", "birth_year": 2150})
    assert future.status_code == 422 and future.get_json()["error_code"] == "person.birth_year_invalid"
    assert db.session.query(Person).filter_by(full_name="Lê An").count() == 0
