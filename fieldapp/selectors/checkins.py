"""Reads of check-ins, through the caller's reach (out of it: 404)."""
from __future__ import annotations

from sqlalchemy import func, select

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import field_user_clause
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.checkins import CheckIn
from fieldapp.models.evidence import EvidenceStatus


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
