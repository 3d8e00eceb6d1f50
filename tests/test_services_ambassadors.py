"""Appointing ambassadors and promoting mentees who completed the skills."""
import pytest

from fieldapp.auth.callers import Caller
from fieldapp.errors import AppError
from fieldapp.models import ActivityEntry, Ambassador, AmbassadorOrigin, Role, User
from fieldapp.services.ambassadors import ambassador_appoint, mentorship_promote
from tests.factories import (
    DEFAULT_PASSWORD,
    OTHER_COMMUNE,
    make_ambassador,
    make_mentorship,
    make_team,
    make_user,
    next_phone,
    promote,
)


def _code(excinfo) -> str:
    return excinfo.value.spec.code


def _as(user) -> Caller:
    return Caller(user_id=user.id, role=user.role, unit_code=user.unit_code, province_code="40")


def test_appointing_twice_changes_nothing_and_a_new_origin_is_logged(db):
    user = make_user()
    first = ambassador_appoint(caller=None, user_id=user.id, origin="school")
    again = ambassador_appoint(caller=None, user_id=user.id, origin="school")
    assert again is first and first.commune_code == user.unit_code
    ambassador_appoint(caller=None, user_id=user.id, origin="womens_union")
    assert first.origin == AmbassadorOrigin.womens_union
    actions = [e.action for e in db.session.query(ActivityEntry).filter_by(object_type="ambassador",
                                                                           object_id=str(user.id))]
    assert actions == ["ambassador.appoint", "ambassador.update"]


@pytest.mark.parametrize("user", [
    {"role": Role.commune_officer}, {"is_active": False}, {"role": Role.province_officer, "unit_code": "40"}])
def test_only_active_field_volunteers_become_ambassadors(user):
    with pytest.raises(AppError) as excinfo:
        ambassador_appoint(caller=None, user_id=make_user(**user).id, origin="other")
    assert _code(excinfo) == "ambassador.not_eligible"


def test_a_leader_appoints_the_members_of_their_team_only():
    leader, member, stranger = make_user(role=Role.team_leader), make_user(), make_user()
    make_team(leader=leader, members=[member])
    assert ambassador_appoint(caller=_as(leader), user_id=member.id, origin="youth_union").user_id == member.id
    with pytest.raises(AppError) as excinfo:
        ambassador_appoint(caller=_as(leader), user_id=stranger.id, origin="youth_union")
    assert _code(excinfo) == "user.not_found"


def test_an_officer_appoints_in_their_commune_only():
    officer = make_user(role=Role.commune_officer)
    with pytest.raises(AppError) as excinfo:
        ambassador_appoint(caller=_as(officer), user_id=make_user(unit_code=OTHER_COMMUNE).id, origin="officials")
    assert _code(excinfo) == "user.not_found"


def test_a_resident_promoted_gets_an_account_and_keeps_who_trained_them(db):
    mentor = make_ambassador()
    mentorship = make_mentorship(mentor=mentor, status="completed")
    phone = next_phone()
    ambassador = mentorship_promote(caller=None, mentorship=mentorship, origin="womens_union", phone=phone,
                                    password=DEFAULT_PASSWORD)
    person = mentorship.mentee_person
    assert (ambassador.promoted_from_person_id, ambassador.trained_by_user_id) == (person.id, mentor.user_id)
    user = db.session.get(User, ambassador.user_id)
    assert (user.phone, user.full_name, user.role, user.unit_code) == (phone, person.full_name, Role.volunteer,
                                                                       person.commune_code)
    entry = db.session.query(ActivityEntry).filter_by(action="ambassador.promote").one()
    assert f'"person_id":"{person.public_id}"' in entry.body and '"account_created":true' in entry.body
    assert phone[3:] not in entry.body and person.full_name not in entry.body


def test_a_resident_can_be_linked_to_an_existing_volunteer_account():
    volunteer = make_user()
    ambassador = promote(make_mentorship(status="completed"), user_id=volunteer.id)
    assert ambassador.user_id == volunteer.id and ambassador.promoted_from_person_id is not None


def test_a_volunteer_mentee_is_promoted_as_they_are():
    mentor, volunteer = make_ambassador(), make_user()
    ambassador = promote(make_mentorship(mentor=mentor, mentee=volunteer, status="completed"))
    assert (ambassador.user_id, ambassador.promoted_from_person_id, ambassador.trained_by_user_id) == (
        volunteer.id, None, mentor.user_id)


@pytest.mark.parametrize("status", ["active", "dropped"])
def test_only_a_completed_mentorship_promotes(status):
    with pytest.raises(AppError) as excinfo:
        promote(make_mentorship(status=status))
    assert _code(excinfo) == "mentorship.not_completed"


def test_a_resident_is_promoted_once_and_an_ambassador_is_not_linked_again():
    mentorship = make_mentorship(status="completed")
    promote(mentorship)
    with pytest.raises(AppError) as excinfo:
        promote(mentorship)
    assert _code(excinfo) == "ambassador.already_appointed"
    with pytest.raises(AppError) as excinfo:
        promote(make_mentorship(status="completed"), user_id=make_ambassador().user_id)
    assert _code(excinfo) == "ambassador.already_appointed"


def test_promotion_needs_an_account_and_one_of_the_commune():
    mentorship = make_mentorship(status="completed")
    with pytest.raises(AppError) as excinfo:
        mentorship_promote(caller=None, mentorship=mentorship, origin="other")
    assert _code(excinfo) == "promotion.account_required"
    with pytest.raises(AppError) as excinfo:
        promote(mentorship, user_id=make_user(unit_code=OTHER_COMMUNE).id)
    assert _code(excinfo) == "mentorship.mentee_outside_area"


def test_linking_refuses_a_resident_and_an_account_with_two_active_mentors():
    mentor = make_ambassador()
    completed = make_mentorship(mentor=mentor, status="completed")
    make_mentorship(mentee=completed.mentee_person)  # the resident learns on with another mentor
    volunteer = make_user()
    make_mentorship(mentee=volunteer)  # and the account has a mentor of its own
    with pytest.raises(AppError) as excinfo:
        promote(completed, user_id=volunteer.id)
    assert _code(excinfo) == "mentorship.mentee_has_mentor"


def test_promotion_by_an_officer_creates_the_account_in_their_area(db):
    officer = make_user(role=Role.commune_officer)
    mentorship = make_mentorship(status="completed")
    ambassador = mentorship_promote(caller=_as(officer), mentorship=mentorship, origin="youth_union",
                                    phone=next_phone(), password=DEFAULT_PASSWORD)
    assert db.session.get(Ambassador, ambassador.user_id).appointed_by == officer.id
