"""Reads of sessions and of the list of people supported, through the caller's area."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import undefer

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import commune_in_scope, communes_clause, field_user_clause
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.checkins import CheckIn
from fieldapp.models.evidence import EvidenceStatus
from fieldapp.models.households import Household
from fieldapp.models.persons import Person
from fieldapp.models.sessions import LearningSession, SessionKind
from fieldapp.models.skills import Skill
from fieldapp.models.support_records import SupportRecord
from fieldapp.models.teams import Team
from fieldapp.models.users import Role


def session_list_query(*, caller: Caller, kind: SessionKind | None = None, since: datetime | None = None,
                       until: datetime | None = None, team_id: int | None = None) -> Select:
    query = (select(LearningSession).options(undefer(LearningSession.checkin_count))
             .where(communes_clause(caller, LearningSession.commune_code)))
    if kind:
        query = query.where(LearningSession.kind == kind)
    if since:
        query = query.where(LearningSession.ends_at >= since)
    if until:
        query = query.where(LearningSession.starts_at < until)
    if team_id:
        query = query.where(LearningSession.team_id == team_id)
    return query.order_by(LearningSession.starts_at.desc(), LearningSession.id.desc())


def session_get(*, caller: Caller, public_id: str) -> LearningSession:
    session = db.session.scalar(select(LearningSession).options(undefer(LearningSession.checkin_count)).where(
        LearningSession.public_id == public_id, communes_clause(caller, LearningSession.commune_code)))
    if session is None:
        raise AppError("session.not_found")
    return session


def checkin_get(*, caller: Caller, client_id: str) -> CheckIn:
    """A check-in the caller may follow (their own; their teams'; their area's), by the id the phone
    gave it (its ``client_id``, which ``POST /checkins`` answers as ``id``)."""
    checkin = db.session.scalar(select(CheckIn).where(
        CheckIn.client_id == client_id, field_user_clause(caller, CheckIn.user_id, CheckIn.commune_code)))
    if checkin is None:
        raise AppError("checkin.not_found")
    return checkin


def checkin_status_counts(*, caller: Caller) -> dict[EvidenceStatus, int]:
    """How many check-ins count, are held back for review, or are rejected (fieldapp.models.evidence),
    among those the caller may follow (see :func:`~fieldapp.auth.scope.field_user_clause`: volunteers
    their own, leaders their teams', officers their area's). Every status is in the answer."""
    rows = db.session.execute(
        select(CheckIn.evidence_status, func.count())
        .where(field_user_clause(caller, CheckIn.user_id, CheckIn.commune_code)).group_by(CheckIn.evidence_status))
    return {status: 0 for status in EvidenceStatus} | dict(rows.all())


PRIORITY_GROUPS = ("elderly", "disability", "poor", "ethnic_minority", "remote")


def support_records_query(*, caller: Caller, commune_code: str | None = None, village_id: int | None = None,
                          team_id: int | None = None, volunteer_id: int | None = None,
                          since: datetime | None = None, until: datetime | None = None, skill: Skill | None = None,
                          priority_group: str | None = None, verified_only: bool = False,
                          evidence_status: EvidenceStatus | None = EvidenceStatus.counted) -> Select:
    """The list of people supported: volunteers see their own, leaders their teams', officers their area's.

    Only what counts by default (fieldapp.models.evidence): support recorded on evidence held back for
    review, or rejected, is listed only when asked for (``evidence_status``; ``None`` for all)."""
    query = select(SupportRecord).join(Person, Person.id == SupportRecord.person_id)
    if caller.role == Role.volunteer:
        query = query.where(SupportRecord.helper_id == caller.user_id)
    elif caller.role == Role.team_leader:
        query = query.where(SupportRecord.team_id.in_(select(Team.id).where(Team.leader_id == caller.user_id))
                            | (SupportRecord.helper_id == caller.user_id))
    else:
        query = query.where(communes_clause(caller, SupportRecord.commune_code))
    if commune_code:
        commune_in_scope(caller, commune_code)  # another area's commune is not found (404), as everywhere
        query = query.where(SupportRecord.commune_code == commune_code)
    if village_id:
        query = query.where(SupportRecord.village_id == village_id)
    if team_id:
        query = query.where(SupportRecord.team_id == team_id)
    if volunteer_id:
        query = query.where(SupportRecord.helper_id == volunteer_id)
    if since:
        query = query.where(SupportRecord.supported_at >= since)
    if until:
        query = query.where(SupportRecord.supported_at < until)
    if skill:
        query = query.where(SupportRecord.skill == skill)
    if evidence_status is not None:
        query = query.where(SupportRecord.evidence_status == evidence_status)
    if verified_only:
        query = query.where(func.json_array_length(SupportRecord.flags) == 0)
    if priority_group:
        from fieldapp.clock import utcnow
        from fieldapp.models.persons import ELDERLY_FROM_AGE

        if priority_group == "elderly":
            query = query.where(Person.birth_year <= utcnow().year - ELDERLY_FROM_AGE)
        elif priority_group == "disability":
            query = query.where(Person.has_disability.is_(True))
        elif priority_group == "ethnic_minority":
            query = query.where(Person.is_ethnic_minority.is_(True))
        else:
            flag = {"poor": Household.is_poor, "remote": Household.is_remote}[priority_group]
            query = query.where(Person.household_id.in_(select(Household.id).where(flag.is_(True))))
    return query.order_by(SupportRecord.supported_at.desc(), SupportRecord.id.desc())
