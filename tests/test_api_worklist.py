"""GET /me/worklist: my assigned households, nearest first, with status and who lacks which skills."""
from fieldapp.clock import utcnow
from fieldapp.services.skills import skills_record
from tests.factories import HUNG_CHAU_CENTRE, assign, make_household, make_person, make_team, make_user, make_village

LAT, LON = HUNG_CHAU_CENTRE
FIVE = ["online_public_services", "online_shopping", "cashless_payment", "online_safety", "local_digital_platforms"]


def test_worklist_is_nearest_first_with_status_and_missing_skills(client, login, db):
    volunteer, other = make_user(), make_user()
    team = make_team(members=[volunteer, other])
    village = make_village()
    far = make_household(village=village, lat=LAT + 0.03, lon=LON)
    near = make_household(village=village, lat=LAT + 0.002, lon=LON)
    middle = make_household(village=village, lat=LAT - 0.01, lon=LON + 0.01)
    unplaced = make_household(village=village)
    not_mine = make_household(village=village, lat=LAT, lon=LON)
    for household in (far, near, middle, unplaced):
        assign(household, volunteer, team)
    assign(not_mine, other, team)
    grandmother = make_person(household=near, full_name="Bà Nội")
    skills_record(caller=None, person=grandmother, grant=FIVE[:3], evidence_kind="visit")
    child = make_person(household=near, full_name="Cháu")
    skills_record(caller=None, person=child, grant=FIVE, evidence_kind="session")
    middle.last_visited_at = utcnow()
    db.session.commit()

    body = client.get("/api/v1/me/worklist", headers=login(volunteer), query_string={"lat": LAT, "lon": LON}).get_json()
    assert [item["household"]["id"] for item in body["items"]] == [
        near.public_id, middle.public_id, far.public_id, unplaced.public_id]
    distances = [item["distance_m"] for item in body["items"]]
    assert 200 < distances[0] < 250 and distances[0] < distances[1] < distances[2] and distances[3] is None
    assert [item["status"] for item in body["items"]] == ["digital_family", "visited", "not_visited", "not_visited"]
    lacking = body["items"][0]["people_lacking_skills"]
    assert lacking == [{"id": grandmother.public_id, "full_name": "Bà Nội",
                        "missing_skills": sorted(FIVE[3:])}]


def test_worklist_pages_and_without_a_position_keeps_a_stable_order(client, login):
    volunteer = make_user()
    team = make_team(members=[volunteer])
    village = make_village()
    households = [make_household(village=village, lat=LAT + 0.001 * i, lon=LON) for i in range(5)]
    for household in households:
        assign(household, volunteer, team)
    headers = login(volunteer)
    first = client.get("/api/v1/me/worklist", headers=headers, query_string={"per_page": 2}).get_json()
    second = client.get("/api/v1/me/worklist", headers=headers, query_string={"per_page": 2, "page": 2}).get_json()
    assert first["total"] == 5 and first["pages"] == 3
    ids = [i["household"]["id"] for i in first["items"] + second["items"]]
    assert ids == [h.public_id for h in households[:4]]


def test_worklist_needs_both_coordinates_and_a_field_role(client, login):
    volunteer = login(make_user())
    response = client.get("/api/v1/me/worklist", headers=volunteer, query_string={"lat": LAT})
    assert response.status_code == 422 and response.get_json()["error_code"] == "location.incomplete"
    assert list(response.get_json()["errors"]) == ["lon"]
    from fieldapp.models import Role

    officer = login(make_user(role=Role.commune_officer))
    assert client.get("/api/v1/me/worklist", headers=officer).status_code == 403
