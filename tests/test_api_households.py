"""Villages and households: creation with plausible locations, filters, and scope (404 across areas)."""
import pytest

from fieldapp.models import ActivityEntry, Role
from tests.factories import (
    HUNG_CHAU,
    HUNG_CHAU_CENTRE,
    NGHE_AN,
    OTHER_COMMUNE,
    assign,
    make_household,
    make_team,
    make_user,
    make_village,
)

LAT, LON = HUNG_CHAU_CENTRE


@pytest.fixture
def officer(login):
    return login(make_user(role=Role.commune_officer))


def test_officer_defines_villages_with_an_optional_boundary(client, officer):
    square = {"type": "Polygon", "coordinates": [[[105.55, 19.11], [105.57, 19.11], [105.57, 19.13],
                                                  [105.55, 19.13], [105.55, 19.11]]]}
    response = client.post(f"/api/v1/communes/{HUNG_CHAU}/villages", headers=officer,
                           json={"name": "Xóm  Đông Sơn", "kind": "xóm", "boundary": square})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["name"] == "Xóm Đông Sơn" and body["boundary"]["type"] == "Polygon"
    again = client.post(f"/api/v1/communes/{HUNG_CHAU}/villages", headers=officer,
                        json={"name": "xom dong son", "kind": "xóm"})
    assert again.status_code == 409 and again.get_json()["error_code"] == "village.name_taken"
    listed = client.get(f"/api/v1/communes/{HUNG_CHAU}/villages", headers=officer).get_json()
    assert [v["name"] for v in listed["items"]] == ["Xóm Đông Sơn"]


@pytest.mark.parametrize("boundary, reason", [
    ({"type": "Polygon", "coordinates": [[[105.55, 19.11], [105.57, 19.13], [105.57, 19.11], [105.55, 19.13],
                                          [105.55, 19.11]]]}, "các cạnh của vùng cắt nhau"),
    ({"type": "Point", "coordinates": [105.55, 19.11]}, "Polygon"),
    ({"type": "Polygon", "coordinates": "nonsense"}, "danh sách các vòng"),
])
def test_invalid_village_boundary_is_422(client, officer, boundary, reason):
    response = client.post(f"/api/v1/communes/{HUNG_CHAU}/villages", headers=officer,
                           json={"name": "Xóm Lỗi", "kind": "xóm", "boundary": boundary})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error_code"] == "geojson.invalid" and reason in str(body["errors"]["boundary"])


def test_another_communes_villages_are_not_found(client, officer):
    response = client.get(f"/api/v1/communes/{OTHER_COMMUNE}/villages", headers=officer)
    assert response.status_code == 404


def test_household_gets_a_public_id_and_its_creation_is_logged(client, officer, db):
    village = make_village()
    response = client.post("/api/v1/households", headers=officer, json={
        "village_id": village.id, "address": "Nhà ông Hùng, xóm Đông", "location": {"lat": LAT + 0.01, "lon": LON},
        "is_poor": True})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["id"].startswith("H") and len(body["id"]) == 11
    assert body["location"] == {"lat": pytest.approx(LAT + 0.01), "lon": pytest.approx(LON)}
    assert body["status"] == "not_visited" and body["is_digital_family"] is False and body["is_poor"] is True
    entry = db.session.query(ActivityEntry).filter_by(action="household.create", object_id=body["id"]).one()
    assert "Hùng" not in entry.body  # no address in the log


@pytest.mark.parametrize("location, code", [
    ({"lat": LON, "lon": LAT}, "location.swapped"),
    ({"lat": 48.85, "lon": 2.35}, "location.outside_vietnam"),
    ({"lat": 21.03, "lon": 105.85}, "location.outside_commune"),  # Hà Nội, 210 km away
    ({"lat": 91, "lon": 200}, "location.out_of_range"),
    ({"lat": "north", "lon": 105}, "request.invalid"),
])
def test_implausible_locations_are_refused(client, officer, location, code):
    village = make_village()
    response = client.post("/api/v1/households", headers=officer,
                           json={"village_id": village.id, "address": "x", "location": location})
    assert response.status_code == 422
    assert response.get_json()["error_code"] == code


def test_unknown_or_foreign_village_is_404(client, officer):
    foreign = make_village(commune_code=OTHER_COMMUNE)
    for village_id in (foreign.id, 999999):
        response = client.post("/api/v1/households", headers=officer, json={"village_id": village_id, "address": "x"})
        assert response.status_code == 404 and response.get_json()["error_code"] == "village.not_found"


def test_patch_moves_a_household_and_rechecks_its_location(client, officer):
    household = make_household(lat=LAT, lon=LON)
    response = client.patch(f"/api/v1/households/{household.public_id}", headers=officer,
                            json={"location": {"lat": LAT + 0.005, "lon": LON + 0.005}, "is_remote": True})
    assert response.status_code == 200 and response.get_json()["is_remote"] is True
    bad = client.patch(f"/api/v1/households/{household.public_id}", headers=officer,
                       json={"location": {"lat": 10.0, "lon": 106.0}})
    assert bad.status_code == 422 and bad.get_json()["error_code"] == "location.outside_commune"


def test_near_search_returns_nearest_first_within_the_radius(client, officer):
    village = make_village()
    far = make_household(village=village, lat=LAT + 0.02, lon=LON)  # ~2.2 km
    near = make_household(village=village, lat=LAT + 0.001, lon=LON)  # ~110 m
    middle = make_household(village=village, lat=LAT, lon=LON + 0.006)  # ~630 m
    make_household(village=village)  # no location
    body = client.get("/api/v1/households", headers=officer,
                      query_string={"near": f"{LAT},{LON}", "radius_m": 1000}).get_json()
    assert [h["id"] for h in body["items"]] == [near.public_id, middle.public_id]
    wide = client.get("/api/v1/households", headers=officer,
                      query_string={"near": f"{LAT},{LON}", "radius_m": 5000}).get_json()
    assert [h["id"] for h in wide["items"]] == [near.public_id, middle.public_id, far.public_id]


@pytest.mark.parametrize("near", ["19.1", "abc,def", "95,105"])
def test_bad_near_is_422(client, officer, near):
    response = client.get("/api/v1/households", headers=officer, query_string={"near": near})
    assert response.status_code == 422 and "near" in response.get_json()["errors"]


def test_filters_by_village_priority_and_digital_family(client, officer, db):
    from fieldapp.clock import utcnow

    a, b = make_village(), make_village()
    poor = make_household(village=a, is_poor=True)
    family = make_household(village=b)
    family.digital_family_at = utcnow()
    db.session.commit()
    ids = lambda **q: [h["id"] for h in client.get("/api/v1/households", headers=officer,  # noqa: E731
                                                   query_string=q).get_json()["items"]]
    assert ids(village_id=a.id) == [poor.public_id]
    assert ids(priority="is_poor") == [poor.public_id]
    assert ids(digital_family="true") == [family.public_id]
    assert ids(status="digital_family") == [family.public_id]
    assert ids(status="not_visited") == [poor.public_id]


def test_scope_across_roles_and_areas(client, login):
    village = make_village()
    mine, other, elsewhere = make_household(village=village), make_household(village=village), \
        make_household(village=make_village(commune_code=OTHER_COMMUNE))
    volunteer = make_user()
    team = make_team(members=[volunteer])
    assign(mine, volunteer, team)

    def visible(user):
        headers = login(user)
        listed = {h["id"] for h in client.get("/api/v1/households", headers=headers).get_json()["items"]}
        found = {h.public_id for h in (mine, other, elsewhere)
                 if client.get(f"/api/v1/households/{h.public_id}", headers=headers).status_code == 200}
        assert listed == found
        return found

    assert visible(volunteer) == {mine.public_id}
    assert visible(make_user(role=Role.commune_officer)) == {mine.public_id, other.public_id}
    assert visible(make_user(role=Role.province_officer, unit_code=NGHE_AN)) == {mine.public_id, other.public_id}
    assert visible(make_user(role=Role.commune_officer, unit_code=OTHER_COMMUNE)) == {elsewhere.public_id}
    assert visible(make_user(role=Role.volunteer)) == set()
    # the leader of a team for this village sees its households; a leader of a team elsewhere does not
    village_leader = make_user(role=Role.team_leader)
    make_team(leader=village_leader, village=village)
    assert visible(village_leader) == {mine.public_id, other.public_id}
    assert visible(team_leader_of_other_village()) == set()


def team_leader_of_other_village():
    leader = make_user(role=Role.team_leader)
    make_team(leader=leader, village=make_village())
    return leader
