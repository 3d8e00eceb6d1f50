"""Ambassadors over HTTP: appointing, the ≥5 rule per team and commune, the network view and its scope."""
import pytest

from fieldapp.clock import utcnow
from fieldapp.models import ActivityEntry, Role
from fieldapp.services.mentorships import interaction_record
from tests.factories import NGHE_AN, OTHER_COMMUNE, make_ambassador, make_mentorship, make_team, make_user, promote


def _error(response, status, error_code):
    body = response.get_json()
    assert response.status_code == status, body
    assert body["error_code"] == error_code
    return body


def test_a_leader_appoints_a_member_of_their_team(client, login):
    leader, member = make_user(role=Role.team_leader), make_user()
    make_team(leader=leader, members=[member])
    response = client.put(f"/api/v1/ambassadors/{member.id}", headers=login(leader), json={"origin": "youth_union"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["user_id"], body["origin"], body["commune_code"]) == (member.id, "youth_union", member.unit_code)
    assert body["promoted_from_person_id"] is None and body["trained_by_user_id"] is None
    again = client.put(f"/api/v1/ambassadors/{member.id}", headers=login(leader), json={"origin": "school"})
    assert again.get_json()["origin"] == "school" and again.get_json()["appointed_at"] == body["appointed_at"]


@pytest.mark.parametrize("who, status, code", [
    ("volunteer", 403, "auth.forbidden"),
    ("other_leader", 404, "user.not_found"),
    ("officer_elsewhere", 404, "user.not_found"),
])
def test_appointing_outside_ones_reach(client, login, who, status, code):
    target = make_user()
    caller = {"volunteer": lambda: make_user(), "other_leader": lambda: make_user(role=Role.team_leader),
              "officer_elsewhere": lambda: make_user(role=Role.commune_officer, unit_code=OTHER_COMMUNE)}[who]()
    _error(client.put(f"/api/v1/ambassadors/{target.id}", headers=login(caller), json={"origin": "other"}),
           status, code)


def test_an_officer_appoints_but_not_an_officer_and_not_an_unknown_origin(client, login):
    officer = login(make_user(role=Role.commune_officer))
    assert client.put(f"/api/v1/ambassadors/{make_user().id}", headers=officer,
                      json={"origin": "officials"}).status_code == 200
    _error(client.put(f"/api/v1/ambassadors/{make_user(role=Role.commune_officer).id}", headers=officer,
                      json={"origin": "officials"}), 422, "ambassador.not_eligible")
    _error(client.put(f"/api/v1/ambassadors/{make_user().id}", headers=officer, json={"origin": "army"}), 422,
           "request.invalid")


@pytest.fixture
def team_of_mentors():
    """A team: its leader and three ambassadors with 5, 3 and 0 mentees; another ambassador outside it."""
    leader = make_user(role=Role.team_leader)
    full, half, new = (make_ambassador(origin="youth_union"), make_ambassador(origin="school"),
                       make_ambassador(origin="youth_union"))
    team = make_team(leader=leader, members=[full.user, half.user, new.user])
    for status in ("active", "active", "completed", "completed", "completed"):
        make_mentorship(mentor=full, status=status)
    for status in ("active", "completed", "completed", "dropped"):
        make_mentorship(mentor=half, status=status)
    outsider = make_ambassador(origin="enterprise")
    return {"leader": leader, "team": team, "full": full, "half": half, "new": new, "outsider": outsider}


def test_under_target_mentors_of_a_team_lacking_most_first(client, login, team_of_mentors):
    t = team_of_mentors
    response = client.get("/api/v1/ambassadors", headers=login(t["leader"]),
                          query_string={"team_id": t["team"].id, "under_target": "true"})
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [(i["ambassador"]["user_id"], i["rule"]["counted"], i["rule"]["lacking"]) for i in items] == [
        (t["new"].user_id, 0, 5), (t["half"].user_id, 3, 2)]
    assert items[1]["rule"] == {"target": 5, "active": 1, "completed": 2, "counted": 3, "lacking": 2,
                                "meets_target": False, "ceiling": 30}
    meeting = client.get("/api/v1/ambassadors", headers=login(t["leader"]),
                         query_string={"team_id": t["team"].id, "under_target": "false"}).get_json()["items"]
    assert [i["ambassador"]["user_id"] for i in meeting] == [t["full"].user_id]


def test_under_target_mentors_of_a_commune_for_its_officer(client, login, team_of_mentors):
    t = team_of_mentors
    officer = login(make_user(role=Role.commune_officer))
    items = client.get("/api/v1/ambassadors", headers=officer,
                       query_string={"commune": "17395", "under_target": "true"}).get_json()["items"]
    assert {i["ambassador"]["user_id"] for i in items} >= {t["new"].user_id, t["half"].user_id, t["outsider"].user_id}
    assert t["full"].user_id not in {i["ambassador"]["user_id"] for i in items}
    by_origin = client.get("/api/v1/ambassadors", headers=officer,
                           query_string={"origin": "enterprise"}).get_json()["items"]
    assert t["outsider"].user_id in {i["ambassador"]["user_id"] for i in by_origin}
    assert {i["ambassador"]["origin"] for i in by_origin} == {"enterprise"}
    elsewhere = login(make_user(role=Role.commune_officer, unit_code=OTHER_COMMUNE))
    assert client.get("/api/v1/ambassadors", headers=elsewhere).get_json()["total"] == 0


def test_a_volunteer_lists_only_themselves_and_a_leader_only_their_team(client, login, team_of_mentors):
    t = team_of_mentors
    mine = client.get("/api/v1/ambassadors", headers=login(t["half"].user)).get_json()["items"]
    assert [i["ambassador"]["user_id"] for i in mine] == [t["half"].user_id]
    team = client.get("/api/v1/ambassadors", headers=login(t["leader"])).get_json()["items"]
    assert {i["ambassador"]["user_id"] for i in team} == {t["full"].user_id, t["half"].user_id, t["new"].user_id}
    _error(client.get("/api/v1/ambassadors", headers=login(make_user(role=Role.team_leader)),
                      query_string={"team_id": t["team"].id}), 404, "team.not_found")


def test_the_summary_of_a_team_by_origin(client, login, team_of_mentors):
    t = team_of_mentors
    response = client.get("/api/v1/ambassadors/summary", headers=login(t["leader"]),
                          query_string={"team_id": t["team"].id})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "ambassadors": 3, "meeting_target": 1, "under_target": 2, "lacking": 7, "share_meeting_target": 0.3333,
        "by_origin": [{"origin": "youth_union", "ambassadors": 2, "meeting_target": 1},
                      {"origin": "school", "ambassadors": 1, "meeting_target": 0}]}


def test_the_network_shows_mentees_progress_the_rule_and_the_tree(client, login, db):
    mentor = make_ambassador()
    completed = make_mentorship(mentor=mentor, status="completed")
    promoted = promote(completed)
    make_mentorship(mentor=promoted)
    active = make_mentorship(mentor=mentor, skills=["online_safety", "cashless_payment"])
    from fieldapp.services.mentorships import mentorship_update

    mentorship_update(caller=None, mentorship=active, skills_reached=["online_safety"])
    met = utcnow()
    from fieldapp.auth.callers import Caller

    interaction_record(caller=Caller(user_id=mentor.user_id, role=Role.volunteer, unit_code="17395",
                                     province_code=NGHE_AN), mentorship=active, method="visit", occurred_at=met)
    make_mentorship(mentor=mentor, status="dropped")
    db.session.commit()
    response = client.get(f"/api/v1/ambassadors/{mentor.user_id}/network", headers=login(mentor.user))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["ambassador"]["user_id"] == mentor.user_id
    assert body["rule"] == {"target": 5, "active": 1, "completed": 1, "counted": 2, "lacking": 3,
                            "meets_target": False, "ceiling": 30}
    assert [m["status"] for m in body["mentees"]] == ["active", "completed", "dropped"]
    current = body["mentees"][0]
    assert (current["mentorship_id"], current["skills_reached"], current["interactions"]) == (active.public_id, 1, 1)
    assert current["last_interaction_at"] is not None and current["mentee_person_id"] == active.mentee_person.public_id
    assert body["mentees"][1]["ambassador_user_id"] == promoted.user_id
    assert body["tree"] == {"depth": 2, "reach": 3, "reach_completed": 1, "ambassadors": 1, "levels": [
        {"depth": 1, "people": 2, "completed": 1, "ambassadors": 1},
        {"depth": 2, "people": 1, "completed": 0, "ambassadors": 0}]}


def test_who_reads_a_network(client, login):
    root = make_ambassador()
    child = promote(make_mentorship(mentor=root, status="completed"))
    grandchild = promote(make_mentorship(mentor=child, status="completed"))
    leader = make_user(role=Role.team_leader)
    make_team(leader=leader, members=[child.user])
    path = lambda a: f"/api/v1/ambassadors/{a.user_id}/network"  # noqa: E731
    allowed = [(root.user, child), (root.user, grandchild), (child.user, grandchild), (leader, child),
               (make_user(role=Role.commune_officer), root), (make_user(role=Role.province_officer, unit_code=NGHE_AN),
                                                               grandchild)]
    for user, ambassador in allowed:
        assert client.get(path(ambassador), headers=login(user)).status_code == 200, (user.role, ambassador.user_id)
    refused = [(child.user, root), (grandchild.user, child), (make_user(), root), (leader, root),
               (make_user(role=Role.commune_officer, unit_code=OTHER_COMMUNE), root)]
    for user, ambassador in refused:
        _error(client.get(path(ambassador), headers=login(user)), 404, "ambassador.not_found")
    _error(client.get("/api/v1/ambassadors/999999/network", headers=login(make_user(role=Role.commune_officer))),
           404, "ambassador.not_found")


def test_an_officers_read_of_a_network_is_logged_and_a_mentors_is_not(client, login, db):
    mentor = make_ambassador()
    officer = make_user(role=Role.commune_officer)
    client.get(f"/api/v1/ambassadors/{mentor.user_id}/network", headers=login(officer))
    client.get(f"/api/v1/ambassadors/{mentor.user_id}/network", headers=login(mentor.user))
    views = db.session.query(ActivityEntry).filter_by(action="ambassador_network.view").all()
    assert [(e.actor_id, e.object_id) for e in views] == [(officer.id, str(mentor.user_id))]


@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/ambassadors"), ("get", "/api/v1/ambassadors/summary"), ("put", "/api/v1/ambassadors/1"),
    ("get", "/api/v1/ambassadors/1/network")])
def test_every_ambassador_route_needs_a_token(client, method, path):
    assert getattr(client, method)(path, json={}).status_code == 401


def test_ids_beyond_32_bits_are_refused_not_an_overflow(client, login):
    headers = login(make_user(role=Role.commune_officer))
    _error(client.get(f"/api/v1/ambassadors/{2**40}/network", headers=headers), 404, "http.not_found")
    _error(client.put(f"/api/v1/ambassadors/{2**31}", headers=headers, json={"origin": "other"}), 404,
           "http.not_found")
    _error(client.get("/api/v1/ambassadors", headers=headers, query_string={"team_id": 2**40}), 422, "request.invalid")
    _error(client.get("/api/v1/ambassadors/summary", headers=headers, query_string={"team_id": 2**40}), 422,
           "request.invalid")
