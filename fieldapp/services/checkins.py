"""Verified check-ins: a scanned QR code, the phone's time and GPS, judged by the server
(fieldapp.services.judgement, the rules visits are judged by too).

Why: support is official evidence, and a volunteer could inflate figures by scanning a photo of a
code from home, replaying an old scan, or faking the GPS. Every check-in is kept with its verdict and
flags, so auditors see the doubtful ones instead of losing them.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import and_, bindparam, or_, select, true
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.geo import LatLon, point_element, point_of
from fieldapp.models.checkins import CheckIn
from fieldapp.models.evidence import EvidenceStatus, checkin_type
from fieldapp.qr import signing
from fieldapp.selectors.households import household_get
from fieldapp.selectors.persons import person_get
from fieldapp.selectors.sessions import session_facts_get
from fieldapp.services.activity import activity_record, activity_values, entry_params, queued_entry_cte
from fieldapp.services.evidence import judged
from fieldapp.services.idempotency import client_id_conflict, replayed
from fieldapp.services.judgement import Judgement, judge_place, judge_session_time, judge_time
from fieldapp.services.persons import person_processing_check

# The hot path's statements are built once, with bound parameters: building a SQLAlchemy statement
# (and its cache key) per request cost more CPU than running it.
#
# Insert first, ask later: the check-in is inserted with ON CONFLICT DO NOTHING, and only when a
# unique index turned it away (a retry's client_id, or a second counted check-in to the session)
# is the earlier row read to say which. A new check-in, the common case, costs one round trip.
_checkins = CheckIn.__table__
_CHECKIN_COLUMNS = [column.key for column in _checkins.columns if column.key != "id"]
_EARLIER = select(_checkins).where(or_(
    _checkins.c.client_id == bindparam("client_id"),
    and_(_checkins.c.session_id == bindparam("session_id"), _checkins.c.user_id == bindparam("user_id"),
         _checkins.c.evidence_status == EvidenceStatus.counted)))
_INSERT_VALUES = {key: bindparam(key, type_=_checkins.c[key].type) for key in _CHECKIN_COLUMNS}
_INSERT_CHECKIN = sqlite_insert(_checkins).values(_INSERT_VALUES).on_conflict_do_nothing() \
    .returning(_checkins.c.id)
#: PostgreSQL: the check-in, its activity-log entry and the entry's queue row in one round trip; no
#: row back (and no log entry) when a unique index turned the check-in away.
_inserted = postgresql_insert(_checkins).values(_INSERT_VALUES).on_conflict_do_nothing() \
    .returning(_checkins.c.id).cte("checkin")
_queued = queued_entry_cte(after=_inserted)
_INSERT_CHECKIN_AND_LOG = select(_inserted.c.id, _queued.c.entry_id).select_from(
    _inserted.join(_queued, true()))  # one row each, or none


def _store(checkin: CheckIn, entry: dict) -> int | None:
    """Insert the check-in and its log entry; returns the check-in's id, or ``None`` when a unique
    index turned it away (nothing is written then)."""
    row = {key: getattr(checkin, key) for key in _CHECKIN_COLUMNS}
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        stored = connection.execute(_INSERT_CHECKIN_AND_LOG, {**row, **entry_params(activity_values(**entry))}).first()
        return None if stored is None else stored[0]
    checkin_id = connection.execute(_INSERT_CHECKIN, row).scalar_one_or_none()
    if checkin_id is not None:
        activity_record(**entry)
    return checkin_id


def _earlier(checkin: CheckIn, user_id: int) -> list:
    """The check-in stored under this client_id, and the caller's counted one to the session (rows)."""
    return db.session.connection().execute(_EARLIER, {
        "client_id": checkin.client_id, "session_id": checkin.session_id, "user_id": user_id}).all()


def _replay(earlier: list, checkin: CheckIn, *, caller: Caller, digest: str):
    """The first answer to this client_id (409 if it is another request's), or ``None`` if it is new:
    the rule of :func:`fieldapp.services.idempotency.replayed`, on the rows already read."""
    stored = next((row for row in earlier if row.client_id == checkin.client_id), None)
    return replayed(stored, owner=caller.user_id, digest=digest)


def _turned_away(checkin: CheckIn, *, caller: Caller, digest: str, earlier: list | None = None):
    """Why the unique indexes refused ``checkin``: a retry (its first answer, or 409 if the body
    differs), a second counted check-in to the session (409 duplicate), or a client_id taken in
    another area, whose row row-level security hides (409 conflict)."""
    earlier = _earlier(checkin, caller.user_id) if earlier is None else earlier
    replayed = _replay(earlier, checkin, caller=caller, digest=digest)
    if replayed is not None:
        return replayed
    if earlier:
        raise AppError("checkin.duplicate")
    raise client_id_conflict()


def checkin_create(*, caller: Caller, client_id: str, digest: str, payload: str, scanned_at: datetime,
                   gps: dict | None) -> tuple[CheckIn, bool]:
    """Judge and keep a check-in. Returns it and whether it is new (False: a retry of the same one).

    The hot path of the whole system: the signature is checked first (no database), the session
    comes from a per-process cache, and a new check-in is one statement (with its log entry); the
    earlier row is read only when a unique index turns it away (a retry or a duplicate).
    """
    received_at = utcnow()
    judgement = Judgement()
    checkin = CheckIn(client_id=client_id, request_hash=digest, user_id=caller.user_id,
                      commune_code=caller.unit_code or "VN", target_kind="unknown", scanned_at=scanned_at,
                      received_at=received_at, period_at=received_at, accuracy_m=(gps or {}).get("accuracy_m"),
                      mock_location=bool((gps or {}).get("mock_location")),
                      location=point_element(LatLon(gps["lat"], gps["lon"])) if gps else None)
    judge_time(judgement, scanned_at, received_at)
    try:
        scanned = signing.verify(payload)
    except signing.Rejected as rejection:
        judgement.reasons.append(rejection.reason)
        scanned = None
    target_id = None
    try:
        if scanned is not None:
            checkin.key_id = scanned.key_id
            checkin.target_kind = scanned.kind
            target_id = scanned.public_id
            if scanned.kind == "session":
                session = session_facts_get(caller=caller, public_id=scanned.public_id)
                checkin.session_id, checkin.commune_code = session.id, session.commune_code
                checkin.period_at = session.starts_at  # its partition: every check-in of the session in one
                judge_session_time(judgement, step=scanned.step, scanned_at=scanned_at,
                                   starts_at=session.starts_at, ends_at=session.ends_at)
                checkin.distance_m = judge_place(judgement, gps, session.venue, session.radius_m)
            elif scanned.kind == "household":
                household = household_get(caller=caller, public_id=scanned.public_id)
                checkin.household_id, checkin.commune_code = household.id, household.commune_code
                checkin.distance_m = judge_place(judgement, gps, point_of(household.location),
                                                 current_app.config["CHECKIN_HOUSEHOLD_RADIUS_M"])
            else:
                person = person_get(caller=caller, public_id=scanned.public_id)
                person_processing_check([person], field="payload")
                checkin.person_id, checkin.commune_code = person.id, person.commune_code
                judge_place(judgement, gps, None, 0)
    except AppError:
        # A retry answers as the first time did, even when its target has since gone out of the
        # caller's reach (the check-in was kept; only this fresh look-up fails).
        replayed = _replay(_earlier(checkin, caller.user_id), checkin, caller=caller, digest=digest)
        if replayed is None:
            raise
        return replayed, False
    checkin.verdict = judgement.verdict
    checkin.flags = judgement.recorded_flags
    checkin.evidence_status = judged(checkin_type(checkin.target_kind), checkin.verdict, checkin.flags)
    if checkin.evidence_status == EvidenceStatus.held and checkin.session_id is not None:
        # A doubtful scan by someone already counted at this session adds nothing to review: it is
        # turned away as the unique index turns away a second counted one (a retry is answered).
        earlier = _earlier(checkin, caller.user_id)
        if earlier:
            return _turned_away(checkin, caller=caller, digest=digest, earlier=earlier), False
    # Core inserts: the ORM's unit of work costs more than the rest of the check-in on this path.
    checkin_id = _store(checkin, dict(
        action="checkin.create", object_type="checkin", object_id=client_id, log_unit=checkin.commune_code,
        caller=caller, client_id=client_id,
        body={"target": checkin.target_kind, "target_id": target_id, "verdict": checkin.verdict.value,
              "flags": checkin.flags}))
    if checkin_id is None:
        return _turned_away(checkin, caller=caller, digest=digest), False
    checkin.id = checkin_id
    return checkin, True
