"""Mentorships and the rules of the network, at the service level (the API tests add the envelopes)."""
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.models import ActivityEntry, Mentorship, MentorshipStatus, PersonSkill, Role, SkillEvent
from fieldapp.services.mentorships import interaction_record, mentorship_create, mentorship_update
from tests.factories import (
    HUNG_CHAU_CENTRE,
    OTHER_COMMUNE,
    make_ambassador,
    make_household,
    make_mentorship,
    make_person,
    make_session,
    make_user,
    make_village,
    promote,
)

LAT, LON = HUNG_CHAU_CENTRE


def _code(excinfo) -> str:
    return excinfo.value.spec.code


def _as(user) -> Caller:
    return Caller(user_id=user.id, role=user.role, unit_code=user.unit_code, province_code="40")


def test_a_mentorship_is_logged_with_ids_only(db):
    mentor = make_ambassador(full_name="Lê Văn Nam")
    person = make_person(full_name="Trần Thị Bưởi", phone="0912345678")
    mentorship = make_mentorship(mentor=mentor, mentee=person, skills=["cashless_payment", "cashless_payment"])
    assert mentorship.public_id.startswith("M") and mentorship.status == MentorshipStatus.active
    assert [s.skill.value for s in mentorship.skills] == ["cashless_payment"]
    entry = db.session.query(ActivityEntry).filter_by(action="mentorship.create", object_id=mentorship.public_id).one()
    assert person.public_id in entry.body and f'"mentor_user_id":{mentor.user_id}' in entry.body
    assert "Bưởi" not in entry.body and "Nam" not in entry.body and "912345678" not in entry.body


def test_the_mentor_must_be_an_ambassador():
    with pytest.raises(AppError) as excinfo:
        mentorship_create(caller=None, mentor_user_id=make_user().id, mentee_person_id=make_person().public_id,
                          skills=["online_safety"])
    assert _code(excinfo) == "mentorship.mentor_not_ambassador"


@pytest.mark.parametrize("mentees", [{}, {"person": True, "user": True}])
def test_exactly_one_mentee(mentees):
    target = {}
    if mentees.get("person"):
        target["mentee_person_id"] = make_person().public_id
    if mentees.get("user"):
        target["mentee_user_id"] = make_user().id
    with pytest.raises(AppError) as excinfo:
        mentorship_create(caller=None, mentor_user_id=make_ambassador().user_id, skills=["online_safety"], **target)
    assert _code(excinfo) == "mentorship.mentee_required"


def test_no_self_mentoring_as_a_volunteer_or_as_the_resident_one_was():
    mentor = make_ambassador()
    with pytest.raises(AppError) as excinfo:
        make_mentorship(mentor=mentor, mentee=mentor.user)
    assert _code(excinfo) == "mentorship.self"
    promoted = promote(make_mentorship(mentor=mentor, status="completed"))
    with pytest.raises(AppError) as excinfo:
        make_mentorship(mentor=promoted, mentee=promoted.promoted_from)
    assert _code(excinfo) == "mentorship.self"


def test_the_database_refuses_self_mentoring_and_two_mentees_in_one_row(db):
    mentor = make_ambassador()
    for columns in ({"mentee_user_id": mentor.user_id},
                    {"mentee_user_id": make_user().id, "mentee_person_id": make_person().id}):
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(Mentorship(public_id="MX" + str(len(columns)), commune_code=mentor.commune_code,
                                      mentor_user_id=mentor.user_id, status=MentorshipStatus.active, **columns))
            db.session.flush()


@pytest.mark.parametrize("length", [2, 3, 4])
def test_no_cycles_however_long(length):
    """A → B → … → Z in place; Z cannot take A, nor anyone above Z, as mentee."""
    chain = [make_ambassador()]
    for _ in range(length - 1):
        following = make_ambassador()
        make_mentorship(mentor=chain[-1], mentee=following.user)
        chain.append(following)
    for above in chain[:-1]:
        with pytest.raises(AppError) as excinfo:
            make_mentorship(mentor=chain[-1], mentee=above.user)
        assert _code(excinfo) == "mentorship.cycle"


def test_no_cycle_through_a_promoted_resident_and_a_completed_mentorship():
    root = make_ambassador()
    promoted = promote(make_mentorship(mentor=root, status="completed"))  # root → P → (P's account)
    grandchild = make_ambassador()
    make_mentorship(mentor=promoted, mentee=grandchild.user)
    with pytest.raises(AppError) as excinfo:
        make_mentorship(mentor=grandchild, mentee=root.user)
    assert _code(excinfo) == "mentorship.cycle"


def test_a_dropped_mentorship_is_no_edge_of_the_tree():
    first, second = make_ambassador(), make_ambassador()
    make_mentorship(mentor=first, mentee=second.user, status="dropped")
    assert make_mentorship(mentor=second, mentee=first.user).status == MentorshipStatus.active


def test_one_active_mentor_per_mentee_until_the_first_ends():
    person = make_person()
    first = make_mentorship(mentee=person)
    with pytest.raises(AppError) as excinfo:
        make_mentorship(mentee=person)
    assert _code(excinfo) == "mentorship.mentee_has_mentor"
    mentorship_update(caller=None, mentorship=first, status="dropped")
    assert make_mentorship(mentee=person).status == MentorshipStatus.active


def test_one_active_mentor_counts_the_resident_and_their_account_as_one():
    mentor = make_ambassador()
    completed = make_mentorship(mentor=mentor, status="completed")
    promoted = promote(completed)
    make_mentorship(mentee=promoted.user)  # the new ambassador learns more, as a volunteer
    with pytest.raises(AppError) as excinfo:
        make_mentorship(mentee=promoted.promoted_from)
    assert _code(excinfo) == "mentorship.mentee_has_mentor"


def test_the_database_holds_one_active_mentor_when_the_service_is_bypassed(db):
    person = make_person()
    make_mentorship(mentee=person)
    mentor = make_ambassador()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Mentorship(public_id="MRACE", commune_code=mentor.commune_code, mentor_user_id=mentor.user_id,
                                  mentee_person_id=person.id, status=MentorshipStatus.active))
        db.session.flush()


def test_the_ceiling_of_active_mentees_is_configurable(app, monkeypatch):
    monkeypatch.setitem(app.config, "MENTEES_PER_MENTOR_MAX", 3)
    mentor = make_ambassador()
    mentorships = [make_mentorship(mentor=mentor) for _ in range(3)]
    with pytest.raises(AppError) as excinfo:
        make_mentorship(mentor=mentor)
    assert _code(excinfo) == "mentorship.mentor_full" and excinfo.value.params == {"max": 3}
    mentorship_update(caller=None, mentorship=mentorships[0], skills_reached=["online_public_services",
                                                                              "cashless_payment"], status="completed")
    assert make_mentorship(mentor=mentor).status == MentorshipStatus.active  # completed ones do not count


def test_the_default_ceiling_is_30(app):
    assert app.config["MENTEES_PER_MENTOR_MAX"] == 30


def test_a_mentee_from_another_commune_is_refused():
    elsewhere = make_person(household=make_household(village=make_village(commune_code=OTHER_COMMUNE)))
    with pytest.raises(AppError) as excinfo:
        make_mentorship(mentee=elsewhere)
    assert _code(excinfo) == "mentorship.mentee_outside_area"
    volunteer_elsewhere = make_user(unit_code=OTHER_COMMUNE)
    with pytest.raises(AppError) as excinfo:
        make_mentorship(mentee=volunteer_elsewhere)
    assert _code(excinfo) == "mentorship.mentee_outside_area"


def test_a_volunteer_mentor_does_not_find_a_resident_of_another_commune():
    mentor = make_ambassador()
    elsewhere = make_person(household=make_household(village=make_village(commune_code=OTHER_COMMUNE)))
    with pytest.raises(AppError) as excinfo:
        mentorship_create(caller=_as(mentor.user), mentee_person_id=elsewhere.public_id, skills=["online_safety"])
    assert _code(excinfo) == "person.not_found"


def test_a_mentee_account_must_be_an_active_field_volunteer():
    for user in (make_user(role=Role.commune_officer), make_user(is_active=False)):
        with pytest.raises(AppError) as excinfo:
            make_mentorship(mentee=user)
        assert _code(excinfo) == "mentorship.mentee_not_volunteer"


def test_skills_reached_go_to_the_residents_record_with_the_mentorship_as_evidence(db):
    mentorship = make_mentorship(skills=["cashless_payment"])
    mentorship_update(caller=None, mentorship=mentorship, skills_reached=["cashless_payment", "online_safety"])
    assert {s.skill.value: s.reached_at is not None for s in mentorship.skills} == {
        "cashless_payment": True, "online_safety": True}
    held = db.session.query(PersonSkill).filter_by(person_id=mentorship.mentee_person_id).all()
    assert {(s.skill.value, s.evidence_kind.value, s.evidence_ref) for s in held} == {
        ("cashless_payment", "mentoring", mentorship.public_id), ("online_safety", "mentoring", mentorship.public_id)}
    assert db.session.query(SkillEvent).filter_by(person_id=mentorship.mentee_person_id).count() == 2


def test_completing_needs_every_skill_reached_and_an_ended_mentorship_stays_ended():
    mentorship = make_mentorship(skills=["cashless_payment", "online_safety"])
    with pytest.raises(AppError) as excinfo:
        mentorship_update(caller=None, mentorship=mentorship, skills_reached=["cashless_payment"], status="completed")
    assert _code(excinfo) == "mentorship.skills_not_reached" and excinfo.value.errors == {"skills": ["online_safety"]}
    assert all(s.reached_at is None for s in mentorship.skills)  # refused: nothing recorded
    mentorship_update(caller=None, mentorship=mentorship, skills_reached=["cashless_payment", "online_safety"],
                      status="completed")
    assert mentorship.status == MentorshipStatus.completed and mentorship.ended_at is not None
    for change in ({"status": "dropped"}, {"add_skills": ["online_shopping"]}):
        with pytest.raises(AppError) as excinfo:
            mentorship_update(caller=None, mentorship=mentorship, **change)
        assert _code(excinfo) == "mentorship.not_active"


def test_only_the_mentor_or_their_leader_changes_a_mentorship():
    mentee = make_user()
    mentorship = make_mentorship(mentee=mentee)
    for caller in (_as(mentee), _as(make_user(role=Role.team_leader))):
        with pytest.raises(AppError) as excinfo:
            mentorship_update(caller=caller, mentorship=mentorship, add_skills=["online_shopping"])
        assert _code(excinfo) == "mentorship.not_the_mentor"


def _meet(mentorship, **overrides):
    mentor = mentorship.mentor_user_id
    from fieldapp.extensions import db
    from fieldapp.models import User

    body = {"method": "in_person", "occurred_at": utcnow(), "location": {"lat": LAT, "lon": LON}, **overrides}
    return interaction_record(caller=_as(db.session.get(User, mentor)), mentorship=mentorship, **body)


def test_an_interaction_is_recorded_once_per_client_id(db):
    mentorship = make_mentorship()
    card = mentorship.mentee_person.public_id
    first = _meet(mentorship, client_id="6f1c1d0e-8a4b-4f7e-9a51-0c1e2d3f4a5b", method="qr_scan", evidence_ref=card)
    again = _meet(mentorship, client_id="6f1c1d0e-8a4b-4f7e-9a51-0c1e2d3f4a5b", method="qr_scan")
    assert again.id == first.id and first.evidence_ref == card
    entries = db.session.query(ActivityEntry).filter_by(action="mentorship.interaction").all()
    assert len(entries) == 1 and entries[0].client_id == "6f1c1d0e-8a4b-4f7e-9a51-0c1e2d3f4a5b"


@pytest.mark.parametrize("overrides, code", [
    ({"occurred_at": utcnow() + timedelta(hours=2)}, "interaction.time_invalid"),
    ({"occurred_at": utcnow() - timedelta(days=3)}, "interaction.time_invalid"),
    ({"location": None}, "interaction.location_required"),
    ({"method": "qr_scan", "location": None}, "interaction.location_required"),
    ({"location": {"lat": 21.03, "lon": 105.85}}, "location.outside_commune"),
])
def test_an_interaction_needs_a_plausible_time_and_place(overrides, code):
    with pytest.raises(AppError) as excinfo:
        _meet(make_mentorship(), **overrides)
    assert _code(excinfo) == code


def test_a_visit_or_session_may_rest_on_its_reference_without_a_location():
    session = make_session()
    interaction = _meet(make_mentorship(), method="session", location=None, evidence_ref=session.public_id)
    assert interaction.location is None and interaction.evidence_ref == session.public_id


def test_only_the_mentor_records_an_interaction():
    mentorship = make_mentorship()
    with pytest.raises(AppError) as excinfo:
        interaction_record(caller=_as(make_user(role=Role.team_leader)), mentorship=mentorship, method="visit",
                           occurred_at=utcnow())
    assert _code(excinfo) == "mentorship.not_the_mentor"
