"""Mentorships over HTTP: each rule a clear 4xx with its error_code, scope, progress, evidence, promotion."""
import pytest
from sqlalchemy import select

from fieldapp.clock import utcnow
from fieldapp.errors import CATALOGUE
from fieldapp.models import ActivityEntry, MentoringInteraction, Role, Unit
from tests.factories import (
    DEFAULT_PASSWORD,
    HUNG_CHAU_CENTRE,
    NGHE_AN,
    OTHER_COMMUNE,
    make_ambassador,
    make_household,
    make_mentorship,
    make_person,
    make_team,
    make_user,
    make_village,
    next_phone,
)

LAT, LON = HUNG_CHAU_CENTRE
SKILLS = ["online_public_services", "cashless_payment"]


def _post(client, headers, **body):
    return client.post("/api/v1/mentorships", headers=headers, json={"skills": SKILLS, **body})


def _error(response, status, error_code):
    body = response.get_json()
    assert response.status_code == status, body
    assert body["error_code"] == error_code and body["message"] == CATALOGUE[error_code].vi
    return body


def test_a_mentor_starts_a_mentorship_with_a_resident_by_their_card_id(client, login):
    mentor = make_ambassador()
    person = make_person(full_name="Trần Thị Bưởi")
    headers = login(mentor.user)
    response = _post(client, headers, mentee_person_id=person.public_id)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["id"].startswith("M") and body["mentor_user_id"] == mentor.user_id
    assert (body["mentee_person_id"], body["mentee_user_id"], body["mentee_name"]) == (person.public_id, None,
                                                                                     "Trần Thị Bưởi")
    assert body["status"] == "active" and body["ended_at"] is None
    assert sorted(s["skill"] for s in body["skills"]) == sorted(SKILLS)
    assert client.get(f"/api/v1/mentorships/{body['id']}", headers=headers).get_json() == body
    listed = client.get("/api/v1/mentorships", headers=headers, query_string={"status": "active"}).get_json()
    assert [m["id"] for m in listed["items"]] == [body["id"]]


@pytest.fixture
def network():
    """A → B → C (B and C ambassadors, volunteers mentored as such), and an officer of the commune."""
    a, b, c = make_ambassador(), make_ambassador(), make_ambassador()
    make_mentorship(mentor=a, mentee=b.user)
    make_mentorship(mentor=b, mentee=c.user)
    return {"a": a, "b": b, "c": c, "officer": make_user(role=Role.commune_officer)}


def test_self_mentoring_is_422(client, login, network):
    response = _post(client, login(network["a"].user), mentee_user_id=network["a"].user_id)
    _error(response, 422, "mentorship.self")


@pytest.mark.parametrize("mentor, mentee", [("c", "a"), ("c", "b"), ("b", "a")])
def test_a_cycle_is_422(client, login, network, mentor, mentee):
    response = _post(client, login(network["officer"]), mentor_user_id=network[mentor].user_id,
                     mentee_user_id=network[mentee].user_id)
    _error(response, 422, "mentorship.cycle")


def test_a_second_active_mentor_is_409_in_english_on_request(client, login, network):
    response = client.post("/api/v1/mentorships", headers={**login(network["officer"]), "Accept-Language": "en"},
                           json={"mentor_user_id": network["a"].user_id, "mentee_user_id": network["c"].user_id,
                                 "skills": SKILLS})
    assert response.status_code == 409
    assert response.get_json()["error_code"] == "mentorship.mentee_has_mentor"
    assert response.get_json()["message"] == CATALOGUE["mentorship.mentee_has_mentor"].en


def test_the_ceiling_is_409_and_names_it(app, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "MENTEES_PER_MENTOR_MAX", 2)
    mentor = make_ambassador()
    for _ in range(2):
        make_mentorship(mentor=mentor)
    response = _post(client, login(mentor.user), mentee_person_id=make_person().public_id)
    body = response.get_json()
    assert response.status_code == 409 and body["error_code"] == "mentorship.mentor_full"
    assert body["message"] == CATALOGUE["mentorship.mentor_full"].vi.format(max=2)


def test_a_resident_outside_the_volunteers_commune_is_not_found(client, login):
    elsewhere = make_person(household=make_household(village=make_village(commune_code=OTHER_COMMUNE)))
    _error(_post(client, login(make_ambassador().user), mentee_person_id=elsewhere.public_id), 404,
           "person.not_found")


def test_a_province_officer_is_told_the_mentee_is_outside_the_mentors_commune(client, db, login):
    neighbour = db.session.scalar(select(Unit.code).where(Unit.parent_code == NGHE_AN, Unit.code != "17395"))
    elsewhere = make_person(household=make_household(village=make_village(commune_code=neighbour)))
    officer = login(make_user(role=Role.province_officer, unit_code=NGHE_AN))
    body = _error(_post(client, officer, mentor_user_id=make_ambassador().user_id,
                        mentee_person_id=elsewhere.public_id), 422, "mentorship.mentee_outside_area")
    assert "mentee_person_id" in body["errors"]


@pytest.mark.parametrize("body, status, code", [
    ({}, 422, "mentorship.mentee_required"),
    ({"mentee_person_id": "PNOSUCH00000"}, 404, "person.not_found"),
    ({"mentee_user_id": 999999}, 404, "user.not_found"),
    ({"mentee_person_id": "P1", "skills": []}, 422, "request.invalid"),
    ({"mentee_person_id": "P1", "skills": ["knitting"]}, 422, "request.invalid"),
])
def test_bad_mentorship_requests(client, login, body, status, code):
    _error(client.post("/api/v1/mentorships", headers=login(make_ambassador().user), json={"skills": SKILLS, **body}),
           status, code)


def test_a_volunteer_who_is_not_an_ambassador_cannot_mentor(client, login):
    _error(_post(client, login(make_user()), mentee_person_id=make_person().public_id), 422,
           "mentorship.mentor_not_ambassador")


def test_a_volunteer_cannot_start_a_mentorship_for_another_mentor(client, login):
    _error(_post(client, login(make_ambassador().user), mentor_user_id=make_ambassador().user_id,
                 mentee_person_id=make_person().public_id), 404, "ambassador.not_found")


def test_mentorships_are_seen_by_their_mentor_mentee_leader_and_officers_only(client, login):
    mentee, leader = make_user(), make_user(role=Role.team_leader)
    mentor = make_ambassador()
    make_team(leader=leader, members=[mentor.user])
    mentorship = make_mentorship(mentor=mentor, mentee=mentee)
    path = f"/api/v1/mentorships/{mentorship.public_id}"
    for user in (mentor.user, mentee, leader, make_user(role=Role.commune_officer),
                 make_user(role=Role.province_officer, unit_code=NGHE_AN)):
        assert client.get(path, headers=login(user)).status_code == 200, user.role
    for user in (make_user(), make_user(role=Role.team_leader), make_user(role=Role.commune_officer,
                                                                          unit_code=OTHER_COMMUNE)):
        _error(client.get(path, headers=login(user)), 404, "mentorship.not_found")
    listed = client.get("/api/v1/mentorships", headers=login(make_user())).get_json()
    assert listed["total"] == 0


def test_a_mentee_reads_but_does_not_change_their_mentorship(client, login):
    mentee = make_user()
    mentorship = make_mentorship(mentee=mentee)
    response = client.patch(f"/api/v1/mentorships/{mentorship.public_id}", headers=login(mentee),
                            json={"status": "dropped"})
    _error(response, 403, "mentorship.not_the_mentor")


def test_progress_then_completion_then_nothing_more(client, login, db):
    mentorship = make_mentorship(skills=SKILLS)
    headers = login(mentorship_mentor(db, mentorship))
    path = f"/api/v1/mentorships/{mentorship.public_id}"
    early = client.patch(path, headers=headers, json={"status": "completed", "skills_reached": ["cashless_payment"]})
    assert _error(early, 422, "mentorship.skills_not_reached")["errors"] == {"skills": ["online_public_services"]}
    response = client.patch(path, headers=headers, json={"skills_reached": ["cashless_payment"],
                                                         "add_skills": ["online_safety"]})
    assert response.status_code == 200, response.get_json()
    reached = {s["skill"]: s["reached_at"] is not None for s in response.get_json()["skills"]}
    assert reached == {"cashless_payment": True, "online_public_services": False, "online_safety": False}
    done = client.patch(path, headers=headers, json={"status": "completed",
                                                     "skills_reached": ["online_public_services", "online_safety"]})
    assert done.status_code == 200 and done.get_json()["status"] == "completed" and done.get_json()["ended_at"]
    _error(client.patch(path, headers=headers, json={"status": "dropped"}), 409, "mentorship.not_active")
    _error(client.patch(path, headers=headers, json={"status": "active"}), 422, "request.invalid")


def mentorship_mentor(db, mentorship):
    from fieldapp.models import User

    return db.session.get(User, mentorship.mentor_user_id)


def test_the_mentor_records_interactions_once_per_client_id(client, login, db):
    mentorship = make_mentorship()
    headers = login(mentorship_mentor(db, mentorship))
    path = f"/api/v1/mentorships/{mentorship.public_id}/interactions"
    meeting = {"method": "qr_scan", "occurred_at": utcnow().isoformat(), "location": {"lat": LAT, "lon": LON},
               "evidence_ref": mentorship.mentee_person.public_id, "client_id": "0b6d2f1e-7c3a-4e59-9d8b-2a1f3c4d5e6f"}
    first = client.post(path, headers=headers, json=meeting)
    assert first.status_code == 201, first.get_json()
    again = client.post(path, headers=headers, json=meeting)
    assert again.get_json() == first.get_json()
    assert first.get_json()["location"] == {"lat": pytest.approx(LAT), "lon": pytest.approx(LON)}
    assert db.session.query(MentoringInteraction).filter_by(mentorship_id=mentorship.id).count() == 1
    listed = client.get(path, headers=headers).get_json()
    assert [i["id"] for i in listed["items"]] == [first.get_json()["id"]]
    no_place = client.post(path, headers=headers, json={**meeting, "client_id": None, "location": None})
    _error(no_place, 422, "interaction.location_required")
    later = client.post(path, headers=headers, json={**meeting, "client_id": None,
                                                     "occurred_at": "2099-01-01T00:00:00+07:00"})
    _error(later, 422, "interaction.time_invalid")


def test_interactions_are_the_mentors_own(client, login, db):
    mentorship = make_mentorship()
    path = f"/api/v1/mentorships/{mentorship.public_id}/interactions"
    meeting = {"method": "visit", "occurred_at": utcnow().isoformat()}
    _error(client.post(path, headers=login(make_user(role=Role.commune_officer)), json=meeting), 403,
           "auth.forbidden")
    leader = make_user(role=Role.team_leader)
    make_team(leader=leader, members=[mentorship_mentor(db, mentorship)])
    _error(client.post(path, headers=login(leader), json=meeting), 403, "mentorship.not_the_mentor")


def test_an_officer_promotes_a_mentee_who_completed(client, login, db):
    mentor = make_ambassador()
    mentorship = make_mentorship(mentor=mentor, status="completed")
    officer = login(make_user(role=Role.commune_officer))
    path = f"/api/v1/mentorships/{mentorship.public_id}/promote"
    _error(client.post(path, headers=login(mentor.user), json={"origin": "youth_union"}), 403, "auth.forbidden")
    _error(client.post(path, headers=officer, json={"origin": "youth_union"}), 422, "promotion.account_required")
    phone = next_phone()
    response = client.post(path, headers=officer, json={"origin": "youth_union", "phone": phone,
                                                        "password": DEFAULT_PASSWORD})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["promoted_from_person_id"], body["trained_by_user_id"], body["origin"]) == (
        mentorship.mentee_person.public_id, mentor.user_id, "youth_union")
    assert "password" not in body
    new_ambassador = client.post("/api/v1/auth/token", json={"phone": phone, "password": DEFAULT_PASSWORD})
    assert new_ambassador.status_code == 201
    _error(client.post(path, headers=officer, json={"origin": "youth_union", "user_id": make_user().id}), 409,
           "ambassador.already_appointed")
    _error(client.post(f"/api/v1/mentorships/{make_mentorship().public_id}/promote", headers=officer,
                       json={"origin": "school", "user_id": make_user().id}), 409, "mentorship.not_completed")


def test_officers_reads_of_mentorships_are_logged(client, login, db):
    mentorship = make_mentorship()
    officer = make_user(role=Role.commune_officer)
    headers = login(officer)
    client.get("/api/v1/mentorships", headers=headers)
    client.get(f"/api/v1/mentorships/{mentorship.public_id}", headers=headers)
    actions = [e.action for e in db.session.query(ActivityEntry).filter_by(actor_id=officer.id)
               if e.action.startswith("mentorship")]
    assert actions == ["mentorship_list.view", "mentorship.view"]


@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/mentorships"), ("post", "/api/v1/mentorships"), ("get", "/api/v1/mentorships/MX"),
    ("patch", "/api/v1/mentorships/MX"), ("get", "/api/v1/mentorships/MX/interactions"),
    ("post", "/api/v1/mentorships/MX/interactions"), ("post", "/api/v1/mentorships/MX/promote")])
def test_every_mentorship_route_needs_a_token(client, method, path):
    assert getattr(client, method)(path, json={}).status_code == 401


@pytest.mark.parametrize("body", [{"mentee_user_id": 2**40}, {"mentor_user_id": 2**31, "mentee_user_id": 1},
                                  {"mentee_user_id": 0}])
def test_ids_beyond_32_bits_are_422_not_an_overflow(client, login, body):
    _error(client.post("/api/v1/mentorships", headers=login(make_ambassador().user), json={"skills": SKILLS, **body}),
           422, "request.invalid")
    _error(client.get("/api/v1/mentorships", headers=login(make_user()), query_string={"mentor_user_id": 2**40}),
           422, "request.invalid")
