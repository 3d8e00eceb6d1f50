"""Reads of learning sessions, through the caller's area (out of it: 404)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import undefer

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import communes_clause
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.geo import LatLon, point_of
from fieldapp.models.sessions import LearningSession, SessionKind
from fieldapp.models.units import Unit


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


@dataclass(frozen=True)
class SessionFacts:
    """What a check-in needs of a session: cached per process (sessions do not move once planned),
    so that a check-in, the hot path, reads no session row."""

    id: int
    commune_code: str
    province_code: str
    venue: LatLon
    radius_m: int
    starts_at: datetime
    ends_at: datetime


_SESSION_CACHE: dict[str, tuple[float, SessionFacts]] = {}


SESSION_CACHE_SECONDS = 60


def _session_facts(public_id: str) -> SessionFacts | None:
    now = time.monotonic()
    cached = _SESSION_CACHE.get(public_id)
    if cached is not None and now - cached[0] < SESSION_CACHE_SECONDS:
        return cached[1]
    row = db.session.execute(select(LearningSession, Unit.parent_code).join(
        Unit, Unit.code == LearningSession.commune_code).where(LearningSession.public_id == public_id)).first()
    if row is None:
        return None
    session, province_code = row
    facts = SessionFacts(id=session.id, commune_code=session.commune_code, province_code=province_code,
                         venue=point_of(session.venue), radius_m=session.radius_m, starts_at=session.starts_at,
                         ends_at=session.ends_at)
    _SESSION_CACHE[public_id] = (now, facts)
    return facts


def session_facts_get(*, caller: Caller, public_id: str) -> SessionFacts:
    """What the check-in needs of a session in the caller's area, as :func:`session_get` finds it
    (another area's session is not found, exactly like one that does not exist), from the
    per-process cache: the area is decided by the same rule, :meth:`Caller.covers
    <fieldapp.auth.callers.Caller.covers>`, of which ``communes_clause`` is the SQL form."""
    facts = _session_facts(public_id)
    if facts is None or not caller.covers(facts.commune_code, facts.province_code):
        raise AppError("session.not_found")
    return facts
