"""The caller's area applied to reads: what lies outside it is not found (404), never forbidden."""
from __future__ import annotations

from sqlalchemy import and_, exists, or_, select, true

from fieldapp.auth.callers import Caller
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.activity import NATIONAL_LOG
from fieldapp.models.assignments import Assignment
from fieldapp.models.households import Household
from fieldapp.models.mentorships import Mentorship
from fieldapp.models.teams import Team, TeamMember
from fieldapp.models.units import Unit
from fieldapp.models.users import Role


def unit_in_scope(caller: Caller, unit_code: str) -> Unit | None:
    """The unit ``unit_code`` if it lies in the caller's area; ``None`` for the national log (admins)."""
    if unit_code == NATIONAL_LOG and caller.is_national:
        return None
    unit = db.session.get(Unit, unit_code) if unit_code != NATIONAL_LOG else None
    if unit is None or not caller.covers(unit.code, unit.parent_code or unit.code):
        raise AppError("unit.not_found", code=unit_code)
    return unit


def default_log_unit(caller: Caller) -> str:
    """The log a caller reads when they name none: their own area's."""
    return caller.unit_code or NATIONAL_LOG


def commune_in_scope(caller: Caller, commune_code: str) -> Unit:
    """A commune inside the caller's area (404 otherwise)."""
    unit = unit_in_scope(caller, commune_code)
    if unit is None or unit.parent_code is None:
        raise AppError("unit.not_found", code=commune_code)
    return unit


def communes_clause(caller: Caller | None, column):
    """SQL: ``column`` (a commune code) lies in the caller's area: the area rule of
    :meth:`Caller.covers <fieldapp.auth.callers.Caller.covers>`, in SQL. ``None`` is the operator
    (command line): everywhere."""
    if caller is None or caller.is_national:
        return true()
    if caller.holds_province:
        return column.in_(select(Unit.code).where(Unit.parent_code == caller.province_code))
    return column == caller.unit_code


def units_clause(caller: Caller | None, column):
    """SQL: ``column`` (a commune's or a province's code: where an account is held) lies in the
    caller's area: :func:`communes_clause`, and a province's own code for a caller who holds it.
    Accounts held nationwide (admins) are seen only nationwide."""
    if caller is not None and caller.holds_province:
        return or_(column == caller.province_code, communes_clause(caller, column))
    return communes_clause(caller, column)


def household_clause(caller: Caller):
    """SQL: the households a caller may see.

    Volunteers: the households assigned to them now. Team leaders: their teams' villages (the whole
    commune for a team without a village) and whatever is assigned to their teams. Officers: their
    commune or province. Why: a volunteer's phone holds only what the volunteer is working on.
    """
    if caller.role == Role.volunteer:
        return exists().where(Assignment.household_id == Household.id, Assignment.ended_at.is_(None),
                              Assignment.volunteer_id == caller.user_id)
    if caller.role == Role.team_leader:
        led = select(Team.id).where(Team.leader_id == caller.user_id)
        led_villages = select(Team.village_id).where(Team.leader_id == caller.user_id)
        whole_commune = exists().where(Team.leader_id == caller.user_id, Team.village_id.is_(None))
        return and_(Household.commune_code == caller.unit_code, or_(
            whole_commune,
            Household.village_id.in_(led_villages),
            exists().where(Assignment.household_id == Household.id, Assignment.ended_at.is_(None),
                           Assignment.team_id.in_(led)),
        ))
    return communes_clause(caller, Household.commune_code)


def field_user_clause(caller: Caller | None, user_id_column, commune_column):
    """SQL: the field users (volunteers, leaders) a caller may act for or read about in the network.

    Volunteers: themselves. Team leaders: themselves and the members of the teams they lead. Officers:
    their area. ``None`` is the operator (command line): everyone. Why: a leader follows up the
    ambassadors of the team, an officer those of the commune; a volunteer sees only their own.
    """
    if caller is None:
        return true()
    if caller.role == Role.volunteer:
        return user_id_column == caller.user_id
    if caller.role == Role.team_leader:
        members = select(TeamMember.user_id).join(Team, Team.id == TeamMember.team_id).where(
            Team.leader_id == caller.user_id)
        return or_(user_id_column == caller.user_id, user_id_column.in_(members))
    return communes_clause(caller, commune_column)


def mentorship_clause(caller: Caller | None):
    """SQL: the mentorships a caller may see: those of the mentors in their reach (see
    :func:`field_user_clause`), and, for a volunteer who is a mentee, their own."""
    mentors = field_user_clause(caller, Mentorship.mentor_user_id, Mentorship.commune_code)
    if caller is None:
        return mentors
    return or_(mentors, Mentorship.mentee_user_id == caller.user_id)
