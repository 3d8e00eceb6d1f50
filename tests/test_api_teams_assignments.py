"""Teams, and assigning households by ids, village or polygon, with history kept."""
import pytest

from fieldapp.models import ActivityEntry, Assignment, Role
from tests.factories import HUNG_CHAU_CENTRE, OTHER_COMMUNE, make_household, make_team, make_user, make_village

LAT, LON = HUNG_CHAU_CENTRE


def test_officer_sets_up_a_team_and_the_leader_adds_volunteers(client, login):
    leader, volunteer = make_user(role=Role.team_leader), make_user()
    officer = login(make_user(role=Role.commune_officer))
    village = make_village()
    response = client.post("/api/v1/teams", headers=officer, json={
        "name": "Tổ CNS cộng đồng Xóm 1", "kind": "community_tech", "leader_id": leader.id, "village_id": village.id})
    assert response.status_code == 201, response.get_json()
    team = response.get_json()
    leader_headers = login(leader)
    added = client.post(f"/api/v1/teams/{team['id']}/members", headers=leader_headers, json={"user_id": volunteer.id})
    assert added.status_code == 201 and added.get_json()["role"] == "volunteer"
    members = client.get(f"/api/v1/teams/{team['id']}/members", headers=leader_headers).get_json()
    assert [m["user_id"] for m in members] == [volunteer.id]
    assert [t["id"] for t in client.get("/api/v1/teams", headers=login(volunteer)).get_json()["items"]] == [team["id"]]


@pytest.mark.parametrize("who, status, code", [
    ("volunteer_elsewhere", 404, "user.not_found"),  # another area's account: not found, like a made-up id
    ("officer", 422, "team.member_not_eligible"),
])
def test_team_members_must_be_field_users_of_the_commune(client, login, who, status, code):
    team = make_team()
    user = make_user(unit_code=OTHER_COMMUNE) if who == "volunteer_elsewhere" else make_user(role=Role.commune_officer)
    officer = login(make_user(role=Role.commune_officer))
    response = client.post(f"/api/v1/teams/{team.id}/members", headers=officer, json={"user_id": user.id})
    assert response.status_code == status and response.get_json()["error_code"] == code


def test_a_leader_cannot_add_to_another_leaders_team(client, login):
    team = make_team()
    other_leader = make_user(role=Role.team_leader)
    make_team(leader=other_leader)
    response = client.post(f"/api/v1/teams/{team.id}/members", headers=login(other_leader),
                           json={"user_id": make_user().id})
    assert response.status_code in (403, 404)


@pytest.fixture
def setting():
    """A village with four households, a team with its leader and two volunteers."""
    village = make_village()
    households = [make_household(village=village, lat=LAT + 0.001 * i, lon=LON) for i in range(4)]
    leader, first, second = make_user(role=Role.team_leader), make_user(), make_user()
    team = make_team(leader=leader, members=[first, second], village=village)
    return {"village": village, "households": households, "leader": leader, "first": first, "second": second,
            "team": team}


def _assign(client, headers, **body):
    return client.post("/api/v1/assignments", headers=headers, json=body)


def test_assign_by_ids_then_reassign_keeps_history(client, login, setting, db):
    headers = login(setting["leader"])
    ids = [h.public_id for h in setting["households"][:2]]
    first = _assign(client, headers, volunteer_id=setting["first"].id, household_ids=ids)
    assert first.status_code == 201, first.get_json()
    assert sorted(first.get_json()["assigned"]) == sorted(ids)
    again = _assign(client, headers, volunteer_id=setting["first"].id, household_ids=ids).get_json()
    assert (again["assigned"], again["unchanged"]) == ([], 2)
    moved = _assign(client, headers, volunteer_id=setting["second"].id, household_ids=ids[:1]).get_json()
    assert moved["reassigned"] == 1
    rows = (db.session.query(Assignment).filter_by(household_id=setting["households"][0].id)
            .order_by(Assignment.id).all())
    assert [(r.volunteer_id, r.ended_at is None) for r in rows] == [(setting["first"].id, False),
                                                                    (setting["second"].id, True)]
    entries = db.session.query(ActivityEntry).filter_by(action="household.assign", object_id=ids[0]).all()
    assert len(entries) == 2 and f'"previous_volunteer_id":{setting["first"].id}' in entries[-1].body


def test_assign_by_village(client, login, setting):
    response = _assign(client, login(setting["leader"]), volunteer_id=setting["first"].id,
                       village_id=setting["village"].id)
    assert sorted(response.get_json()["assigned"]) == sorted(h.public_id for h in setting["households"])


def test_assign_by_polygon_takes_the_households_inside_it(client, login, setting):
    # a box around the first two households only (lat LAT .. LAT+0.0015)
    box = {"type": "Polygon", "coordinates": [[[LON - 0.001, LAT - 0.0005], [LON + 0.001, LAT - 0.0005],
                                               [LON + 0.001, LAT + 0.0015], [LON - 0.001, LAT + 0.0015],
                                               [LON - 0.001, LAT - 0.0005]]]}
    response = _assign(client, login(setting["leader"]), volunteer_id=setting["first"].id, polygon=box)
    assert response.status_code == 201, response.get_json()
    assert sorted(response.get_json()["assigned"]) == sorted(h.public_id for h in setting["households"][:2])


@pytest.mark.parametrize("body, status, code", [
    ({"polygon": {"type": "Polygon", "coordinates": [[[105.55, 19.11], [105.57, 19.13], [105.57, 19.11],
                                                      [105.55, 19.13], [105.55, 19.11]]]}}, 422, "geojson.invalid"),
    ({"polygon": {"type": "LineString", "coordinates": [[105.5, 19.1], [105.6, 19.2]]}}, 422, "geojson.invalid"),
    ({"household_ids": ["HNOTEXIST00"]}, 404, "household.not_found"),
    ({}, 422, "assignment.target_required"),
    ({"village_id": 1, "household_ids": ["H1"]}, 422, "assignment.target_required"),
])
def test_bad_assignments_are_clear_4xx_and_write_nothing(client, login, setting, db, body, status, code):
    response = _assign(client, login(setting["leader"]), volunteer_id=setting["first"].id, **body)
    assert response.status_code == status
    assert response.get_json()["error_code"] == code
    assert db.session.query(Assignment).filter(Assignment.household_id.in_(
        [h.id for h in setting["households"]])).count() == 0


def test_volunteer_outside_the_leaders_team_is_refused(client, login, setting, db):
    outsider = make_user()
    response = _assign(client, login(setting["leader"]), volunteer_id=outsider.id, village_id=setting["village"].id)
    assert response.status_code == 422 and response.get_json()["error_code"] == "assignment.volunteer_not_in_team"
    assert db.session.query(Assignment).filter(Assignment.household_id.in_(
        [h.id for h in setting["households"]])).count() == 0


def test_a_volunteer_cannot_assign(client, login, setting):
    response = _assign(client, login(setting["first"]), volunteer_id=setting["first"].id,
                       village_id=setting["village"].id)
    assert response.status_code == 403


def test_households_of_another_commune_cannot_be_assigned(client, login, setting):
    foreign = make_household(village=make_village(commune_code=OTHER_COMMUNE))
    response = _assign(client, login(setting["leader"]), volunteer_id=setting["first"].id,
                       household_ids=[foreign.public_id])
    assert response.status_code == 404
