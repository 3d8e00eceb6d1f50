"""Assigning households to a volunteer: by ids, by village, or by a polygon drawn on a map."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import communes_clause
from fieldapp.clock import utcnow
from fieldapp.errors import AppError, FieldMessage
from fieldapp.extensions import db
from fieldapp.models.assignments import Assignment
from fieldapp.models.households import Household
from fieldapp.models.teams import Team, TeamMember
from fieldapp.models.users import Role
from fieldapp.selectors.households import households_selected
from fieldapp.selectors.teams import team_get
from fieldapp.selectors.users import user_get
from fieldapp.services.activity import activity_record


@dataclass(frozen=True)
class AssignmentResult:
    volunteer_id: int
    team_id: int
    assigned: list[Household]
    reassigned: int
    unchanged: int


_NOT_IN_TEAM = FieldMessage("không phải tình nguyện viên trong tổ của bạn", "not a volunteer of your team")


def _team_for(caller: Caller, volunteer_id: int, team_id: int | None) -> Team:
    """The caller's team that the volunteer belongs to (leaders: teams they lead; officers: any in
    their commune). The volunteer and the team are looked up through the caller's reach first: one
    of another area is not found (404), exactly like an id that does not exist."""
    volunteer = user_get(caller=caller, user_id=volunteer_id)
    if team_id is not None:
        team_get(caller=caller, team_id=team_id)
    if volunteer.role not in (Role.volunteer, Role.team_leader) or not volunteer.is_active:
        raise AppError("assignment.volunteer_not_in_team", errors={"volunteer_id": [_NOT_IN_TEAM]})
    query = select(Team).join(TeamMember, TeamMember.team_id == Team.id).where(TeamMember.user_id == volunteer.id)
    if caller.role == Role.team_leader:
        query = query.where(Team.leader_id == caller.user_id)
    else:
        query = query.where(communes_clause(caller, Team.commune_code))
    if team_id is not None:
        query = query.where(Team.id == team_id)
    team = db.session.scalars(query.order_by(Team.id)).first()
    if team is None:
        raise AppError("assignment.volunteer_not_in_team", errors={"volunteer_id": [_NOT_IN_TEAM]})
    return team


def assignments_create(*, caller: Caller, volunteer_id: int, household_ids: list[str] | None = None,
                       village_id: int | None = None, polygon: dict | None = None,
                       team_id: int | None = None) -> AssignmentResult:
    """Give the selected households of the caller's area to a volunteer of the caller's team.

    A household assigned to someone else is reassigned: the old assignment is ended, not erased,
    so the history shows who had it when. Each change is one activity-log entry.
    """
    team = _team_for(caller, volunteer_id, team_id)
    households = households_selected(caller=caller, household_ids=household_ids, village_id=village_id,
                                     polygon=polygon)
    if not households:
        raise AppError("assignment.nothing_selected")
    current = {a.household_id: a for a in db.session.scalars(select(Assignment).where(
        Assignment.household_id.in_([h.id for h in households]), Assignment.ended_at.is_(None)))}
    now = utcnow()
    assigned, reassigned, unchanged = [], 0, 0
    for household in households:
        previous = current.get(household.id)
        if previous is not None and previous.volunteer_id == volunteer_id:
            unchanged += 1
            continue
        if previous is not None:
            previous.ended_at, previous.ended_by = now, caller.user_id
            reassigned += 1
    db.session.flush()  # end the old rows before the one-active-per-household index sees the new ones
    for household in households:
        previous = current.get(household.id)
        if previous is not None and previous.volunteer_id == volunteer_id:
            continue
        db.session.add(Assignment(household_id=household.id, commune_code=household.commune_code,
                                  volunteer_id=volunteer_id, team_id=team.id,
                                  assigned_by=caller.user_id, assigned_at=now))
        activity_record(action="household.assign", object_type="household", object_id=household.public_id,
                        log_unit=household.commune_code, caller=caller,
                        body={"volunteer_id": volunteer_id, "team_id": team.id,
                              "previous_volunteer_id": previous.volunteer_id if previous else None})
        assigned.append(household)
    db.session.flush()
    return AssignmentResult(volunteer_id=volunteer_id, team_id=team.id, assigned=assigned, reassigned=reassigned,
                            unchanged=unchanged)
