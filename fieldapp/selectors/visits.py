"""Reads of door-to-door visits, through the caller's reach (out of it: 404)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import defer, joinedload

from fieldapp.auth.callers import Caller
from fieldapp.auth.permissions import role_can
from fieldapp.auth.scope import communes_clause, field_user_clause
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.households import Household
from fieldapp.models.users import Role
from fieldapp.models.visits import Visit, VisitOutcome


def sees_visit_location(caller: Caller) -> bool:
    """Whether the caller may see where a visit was recorded (officers only: ``visit.location_read``)."""
    return role_can(caller.role, "visit.location_read")


def visit_clause(caller: Caller):
    """SQL: the visits a caller may read.

    Volunteers: their own. Team leaders: their own and those of the members of the teams they lead.
    Officers: their commune or province. Always inside the caller's area, whoever made the visit.
    """
    area = communes_clause(caller, Visit.commune_code)
    if caller.role in (Role.volunteer, Role.team_leader):
        return and_(field_user_clause(caller, Visit.volunteer_id, Visit.commune_code), area)
    return area


def _visits(caller: Caller) -> Select:
    query = select(Visit).options(joinedload(Visit.household)).where(visit_clause(caller))
    if not sees_visit_location(caller):
        # The point never leaves the database for a caller who may not see it.
        query = query.options(defer(Visit.location))
    return query


def visit_list_query(*, caller: Caller, household_id: str | None = None, volunteer_id: int | None = None,
                     outcome: VisitOutcome | None = None, since: datetime | None = None,
                     until: datetime | None = None, village_id: int | None = None) -> Select:
    """Visits in the caller's reach, newest first; ``household_id`` is the household's public id."""
    query = _visits(caller)
    if household_id is not None:
        query = query.where(Visit.household_id == select(Household.id).where(
            Household.public_id == household_id).scalar_subquery())
    if village_id is not None:
        query = query.where(Visit.household_id.in_(
            select(Household.id).where(Household.village_id == village_id)))
    if volunteer_id is not None:
        query = query.where(Visit.volunteer_id == volunteer_id)
    if outcome is not None:
        query = query.where(Visit.outcome == VisitOutcome(outcome))
    if since is not None:
        query = query.where(Visit.visited_at >= since)
    if until is not None:
        query = query.where(Visit.visited_at < until)
    return query.order_by(Visit.visited_at.desc(), Visit.id.desc())


def visit_get(*, caller: Caller, public_id: str) -> Visit:
    visit = db.session.scalar(_visits(caller).where(Visit.public_id == public_id))
    if visit is None:
        raise AppError("visit.not_found")
    return visit
