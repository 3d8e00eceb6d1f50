"""Bearer tokens: opaque, random, stored only as hashes, expiring, revocable."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select

from fieldapp.auth.caller import Caller
from fieldapp.auth.row_security import AREA_SETTING, NATIONWIDE, area_of, area_set
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime
from fieldapp.models.units import Unit
from fieldapp.models.users import AuthToken, User
from fieldapp.phones import InvalidPhone, normalize_phone
from fieldapp.services.activity import activity_record
from fieldapp.services.passwords import password_verify, password_verify_dummy


def token_digest(token: str) -> str:
    # A fast hash is right here: the token has 256 bits of entropy, unlike a password.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: User


def _caller_of(user: User) -> Caller:
    unit = user.unit
    province_code = None if unit is None else (unit.parent_code or unit.code)
    return Caller(user_id=user.id, role=user.role, unit_code=user.unit_code, province_code=province_code)


def token_issue(*, phone: str, password: str) -> IssuedToken:
    """Check the phone and password and issue a token; the same error for either being wrong."""
    try:
        phone_e164 = normalize_phone(phone)
    except InvalidPhone:
        phone_e164 = None
    user = db.session.scalar(select(User).where(User.phone == phone_e164)) if phone_e164 else None
    if user is None or not user.is_active:
        password_verify_dummy(password)
        raise AppError("auth.bad_credentials")
    if not password_verify(user.password_hash, password):
        raise AppError("auth.bad_credentials")
    caller = _caller_of(user)
    area_set(area_of(caller))  # signed in: the rest of the request sees the user's area
    token = secrets.token_urlsafe(32)
    now = utcnow()
    record = AuthToken(
        user_id=user.id, token_hash=token_digest(token), created_at=now,
        expires_at=now + timedelta(seconds=current_app.config["TOKEN_TTL_SECONDS"]),
    )
    db.session.add(record)
    db.session.flush()
    activity_record(action="auth.token_issue", object_type="user", object_id=user.id,
                    log_unit=user.unit_code, caller=caller, body={"token_id": record.id})
    return IssuedToken(token=token, expires_at=record.expires_at, user=user)


def _live_token(token: str) -> AuthToken:
    record = db.session.scalar(select(AuthToken).where(AuthToken.token_hash == token_digest(token)))
    if record is None or record.revoked_at is not None or record.expires_at <= utcnow() \
            or not record.user.is_active:
        raise AppError("auth.token_invalid", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return record


_CALLER_COLUMNS = (User.id, User.role, User.unit_code, Unit.parent_code)
_CALLER_CLAUSES = (AuthToken.token_hash == bindparam("digest"), AuthToken.revoked_at.is_(None),
                   AuthToken.expires_at > bindparam("now", type_=UTCDateTime), User.is_active.is_(True))
_CALLER = select(*_CALLER_COLUMNS).join(AuthToken, AuthToken.user_id == User.id) \
    .outerjoin(Unit, Unit.code == User.unit_code).where(*_CALLER_CLAUSES)
#: PostgreSQL: the same, and in the same round trip the row-level security area of the caller
#: (``area_of``: their unit, or * for a nationwide account) for the rest of the transaction.
_CALLER_SETTING_AREA = _CALLER.add_columns(
    func.set_config(AREA_SETTING, func.coalesce(User.unit_code, NATIONWIDE), True))


def caller_from_token(token: str) -> Caller:
    """The caller a live token belongs to; 401 when it is unknown, expired or revoked.

    Every request comes through here, so it is one plain query of the columns it needs, built once;
    on PostgreSQL it also sets the caller's area in the open transaction (see ``row_security``).
    """
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    row = db.session.execute(_CALLER_SETTING_AREA if postgresql else _CALLER,
                             {"digest": token_digest(token), "now": utcnow()}).first()
    if row is None:
        raise AppError("auth.token_invalid", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    user_id, role, unit_code, parent_code = row[:4]
    caller = Caller(user_id=user_id, role=role, unit_code=unit_code,
                    province_code=None if unit_code is None else (parent_code or unit_code))
    area_set(area_of(caller), applied=postgresql)
    return caller


def token_revoke(token: str) -> None:
    """Revoke the token (sign-out, lost phone). Later requests with it get 401."""
    record = _live_token(token)
    record.revoked_at = utcnow()
    activity_record(action="auth.token_revoke", object_type="user", object_id=record.user_id,
                    log_unit=record.user.unit_code, caller=_caller_of(record.user),
                    body={"token_id": record.id})
    db.session.flush()
