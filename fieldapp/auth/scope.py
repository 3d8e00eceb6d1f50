"""The caller's area applied to reads: what lies outside it is not found (404), never forbidden."""
from __future__ import annotations

from fieldapp.auth.caller import Caller
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.activity import NATIONAL_LOG
from fieldapp.models.units import Unit


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


def communes_clause(caller: Caller, column):
    """SQL: ``column`` (a commune code) lies in the caller's area."""
    from sqlalchemy import select, true

    if caller.is_national:
        return true()
    if caller.unit_code == caller.province_code:
        return column.in_(select(Unit.code).where(Unit.parent_code == caller.province_code))
    return column == caller.unit_code


def household_clause(caller: Caller):
    """SQL: the households a caller may see.

    Volunteers: the households assigned to them now. Team leaders: their teams' villages (the whole
    commune for a team without a village) and whatever is assigned to their teams. Officers: their
    commune or province. Why: a volunteer's phone holds only what the volunteer is working on.
    """
    from sqlalchemy import and_, exists, or_, select

    from fieldapp.models.households import Assignment, Household
    from fieldapp.models.teams import Team
    from fieldapp.models.users import Role

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
