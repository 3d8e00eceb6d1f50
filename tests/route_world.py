"""One world of objects for the tests that walk the whole route map: the permission matrix
(tests/test_permission_matrix.py) and the activity log's declarations (tests/test_route_logging.py).

Hùng Châu (17395) with a village, a team, a household assigned to the volunteer, a person, a
session, a mentorship and a visit; users of every role, and an officer of another commune.
"""
import pytest

from fieldapp.clock import utcnow
from fieldapp.models import Role
from tests.factories import (
    HUNG_CHAU,
    OTHER_COMMUNE,
    assign,
    make_ambassador,
    make_household,
    make_mentorship,
    make_organisation,
    make_person,
    make_session,
    make_team,
    make_user,
    make_village,
    make_visit,
)


@pytest.fixture
def world():
    """Hùng Châu with a village, a team, a household assigned to the volunteer, a person, a session;
    and users of every role, plus an officer of another commune."""
    village = make_village()
    volunteer = make_user(role=Role.volunteer)
    leader = make_user(role=Role.team_leader)
    team = make_team(leader=leader, members=[volunteer], village=village)
    household = make_household(village=village)
    assign(household, volunteer, team)
    person = make_person(household=household)
    session = make_session()
    mentorship = make_mentorship(mentor=make_ambassador(user=volunteer), mentee=person)
    visit = make_visit(volunteer=volunteer, household=household)
    organisation = make_organisation(focal=volunteer, members=[person])
    users = {"volunteer": volunteer, "team_leader": leader,
             "commune_officer": make_user(role=Role.commune_officer),
             "province_officer": make_user(role=Role.province_officer, unit_code="40"),
             "admin": make_user(role=Role.admin, unit_code=None),
             "other_officer": make_user(role=Role.commune_officer, unit_code=OTHER_COMMUNE)}
    params = {"code": "17395", "household_id": household.public_id, "person_id": person.public_id,
              "session_id": session.public_id, "public_id:household_id": household.public_id,
              "public_id:person_id": person.public_id, "public_id:session_id": session.public_id,
              "public_id:mentorship_id": mentorship.public_id, "public_id:visit_id": visit.public_id,
              "int(max=2147483647):team_id": str(team.id), "int(max=2147483647):user_id": str(volunteer.id),
              "mentorship_id": mentorship.public_id, "path:filename": "nothing.txt",
              "visit_id": visit.public_id, "int(max=2147483647):organisation_id": str(organisation.id),
              "int(max=2147483647):year": str(utcnow().year), "level": "communes",
              "int(max=2147483647):entry_id": str(_latest_entry(HUNG_CHAU))}
    log = {"log": "17395"}
    query = {"/api/v1/households/plates.pdf": {"village_id": village.id},
             "/api/v1/activity": log, "/api/v1/activity/head": log, "/api/v1/activity/export": log,
             "/api/v1/activity/proofs/inclusion": {**log, "seq": 0, "size": 1},
             "/api/v1/activity/proofs/consistency": {**log, "first": 0, "second": 1},
             "/api/v1/indicators": {"period": str(utcnow().year)},
             "/api/v1/units/<code>/targets": {"year": utcnow().year},
             "/api/v1/rankings": {"period": str(utcnow().year), "level": "teams"},
             "/api/v1/reports/quarterly": {"unit": "17395", "quarter": this_report_quarter()},
             "/api/v1/reports/quarterly/status": {"unit": "17395", "quarter": this_report_quarter()}}
    report = {"commune_code": "17395", "quarter": this_report_quarter()}
    # Valid bodies where the object's scope is checked after the body is read (empty bodies would
    # stop at 422 before the scope check, for everyone alike).
    bodies = {"/api/v1/communes/<code>/villages": {"name": "Xóm Ma Trận", "kind": "xóm"},
              "/api/v1/units/<code>/population/<int(max=2147483647):year>": {"figures": {"adults": 1200},
                                                                             "source": "Báo cáo của xã"},
              "/api/v1/units/<code>/targets/<int(max=2147483647):year>": {"targets": [
                  {"indicator": "digital_family.households", "share": 0.8, "source": "Kế hoạch của xã"}]},
              "/api/v1/units/<code>/rankings/<level>": {"criteria": [{"criterion": "basic_skills.adults", "weight": 1}],
                                                        "source": "Hướng dẫn thi đua"},
              "/api/v1/households/<public_id:household_id>/members": {"full_name": "Người Ma Trận",
                                                                      "confirm_duplicate": True},
              "/api/v1/persons/<public_id:person_id>/skills": {"grant": [], "evidence_kind": "other"},
              "/api/v1/sessions/<public_id:session_id>/attendees": {"person_id": person.public_id},
              "/api/v1/teams/<int(max=2147483647):team_id>/members": {"user_id": volunteer.id},
              "/api/v1/ambassadors/<int(max=2147483647):user_id>": {"origin": "youth_union"},
              "/api/v1/mentorships": {"mentor_user_id": volunteer.id, "mentee_person_id": person.public_id,
                                      "skills": ["online_safety"]},
              "/api/v1/mentorships/<public_id:mentorship_id>/interactions": {"method": "visit",
                                                                    "occurred_at": utcnow().isoformat()},
              "/api/v1/mentorships/<public_id:mentorship_id>/promote": {"origin": "youth_union"},
              # (a PATCH must change something: an empty one is a 422 for everyone alike)
              "/api/v1/households/<public_id:household_id>": {"is_remote": False},
              "/api/v1/persons/<public_id:person_id>": {"has_disability": False},
              "/api/v1/mentorships/<public_id:mentorship_id>": {"add_skills": []},
              "/api/v1/organisations/<int(max=2147483647):organisation_id>": {"name": "Trường Ma Trận"},
              "/api/v1/organisations/<int(max=2147483647):organisation_id>/members": {
                  "person_id": person.public_id, "role": "staff"},
              "/api/v1/organisations/<int(max=2147483647):organisation_id>/members/<public_id:person_id>/skills": {
                  "grant": [], "evidence_kind": "other"},
              "/api/v1/reports/quarterly/submit": report, "/api/v1/reports/quarterly/approve": report,
              "/api/v1/reports/quarterly/return": {**report, "reason": "Thiếu danh sách của xóm 3"}}
    objects = {"village": village, "team": team, "household": household, "person": person, "session": session,
               "mentorship": mentorship, "visit": visit, "organisation": organisation}
    return {"users": users, "params": params, "query": query, "bodies": bodies, "objects": objects}


def _latest_entry(log_unit: str) -> int:
    """The newest entry of a log (the world's objects were logged as they were made)."""
    from sqlalchemy import func, select

    from fieldapp.extensions import db
    from fieldapp.models.activity import ActivityEntry

    return db.session.scalar(select(func.max(ActivityEntry.id)).where(ActivityEntry.log_unit == log_unit))


def this_report_quarter() -> str:
    """The quarter, as the quarterly report names it (``2026-Q4``), whose reporting days today is in."""
    from fieldapp.periods import local_day, report_quarter_label, report_quarter_of

    return report_quarter_label(report_quarter_of(local_day(utcnow())))


def route_path(rule: str, params: dict) -> str:
    """``rule`` with its variables replaced by the world's values (a variable left means no value)."""
    for name, value in params.items():
        rule = rule.replace(f"<{name}>", value)
    return rule
