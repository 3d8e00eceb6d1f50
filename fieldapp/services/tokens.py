"""Bearer tokens and console sessions: opaque, random, stored only as hashes, expiring, revocable,
and dead with their account."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from functools import cache

from flask import current_app
from sqlalchemy import Select, bindparam, func, select

from fieldapp.auth.caller import Caller
from fieldapp.auth.row_security import AREA_SETTING, NATIONWIDE, area_of, area_set
from fieldapp.auth.signin import note_refused_sign_in
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime
from fieldapp.models.units import Unit
from fieldapp.models.users import AuthToken, TokenKind, User
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


def user_authenticate(*, phone: str, password: str) -> User:
    """The account of ``phone`` if ``password`` is its password and it is active.

    The same error, in the same time, for a wrong phone, a wrong password or a disabled account; the
    refusal is counted by the sign-in throttle (:mod:`fieldapp.auth.signin`). Every way of signing in
    (bearer token, console session) comes through here.
    """
    try:
        phone_e164 = normalize_phone(phone)
    except InvalidPhone:
        phone_e164 = None
    user = db.session.scalar(select(User).where(User.phone == phone_e164)) if phone_e164 else None
    if user is None or not user.is_active:
        password_verify_dummy(password)
        note_refused_sign_in()
        raise AppError("auth.bad_credentials")
    if not password_verify(user.password_hash, password):
        note_refused_sign_in()
        raise AppError("auth.bad_credentials")
    return user


def _issue(user: User, *, kind: TokenKind, ttl_seconds: int, action: str) -> IssuedToken:
    caller = _caller_of(user)
    area_set(area_of(caller))  # signed in: the rest of the request sees the user's area
    token = secrets.token_urlsafe(32)
    now = utcnow()
    record = AuthToken(user_id=user.id, token_hash=token_digest(token), kind=kind, created_at=now,
                       expires_at=now + timedelta(seconds=ttl_seconds))
    db.session.add(record)
    db.session.flush()
    activity_record(action=action, object_type="user", object_id=user.id,
                    log_unit=user.unit_code, caller=caller, body={"token_id": record.id})
    return IssuedToken(token=token, expires_at=record.expires_at, user=user)


def token_issue(*, phone: str, password: str) -> IssuedToken:
    """Check the phone and password and issue a bearer token; the same error for either being wrong."""
    return _issue(user_authenticate(phone=phone, password=password), kind=TokenKind.api,
                  ttl_seconds=current_app.config["TOKEN_TTL_SECONDS"], action="auth.token_issue")


def console_session_issue(*, user: User) -> IssuedToken:
    """A console session for ``user`` (checked by :func:`user_authenticate`): its id goes in the signed
    session cookie; it expires with ``PERMANENT_SESSION_LIFETIME`` whatever the cookie says."""
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    return _issue(user, kind=TokenKind.console, ttl_seconds=int(lifetime.total_seconds()),
                  action="auth.console_sign_in")


def _live_token(token: str, kind: TokenKind = TokenKind.api) -> AuthToken | None:
    record = db.session.scalar(select(AuthToken).where(AuthToken.token_hash == token_digest(token),
                                                       AuthToken.kind == kind))
    if record is None or record.revoked_at is not None or record.expires_at <= utcnow() \
            or not record.user.is_active:
        return None
    return record


@cache
def _caller_statement(*, postgresql: bool, with_user: bool) -> Select:
    """The token lookup, built once (every request runs it). On PostgreSQL it also sets, in the same
    round trip, the caller's row-level security area when it is one code (``area_of``: a commune,
    or * nationwide)."""
    query = (select(User.id, User.role, User.unit_code, Unit.parent_code)
             .join(AuthToken, AuthToken.user_id == User.id).outerjoin(Unit, Unit.code == User.unit_code)
             .where(AuthToken.token_hash == bindparam("digest"), AuthToken.kind == bindparam("kind"),
                    AuthToken.revoked_at.is_(None), AuthToken.expires_at > bindparam("now", type_=UTCDateTime),
                    User.is_active.is_(True)))
    if with_user:
        query = query.where(User.id == bindparam("user_id"))
    if postgresql:  # right for communes and nationwide accounts; a province's list is set after
        query = query.add_columns(func.set_config(AREA_SETTING, func.coalesce(User.unit_code, NATIONWIDE), True))
    return query


def _caller_of_token(token: str, kind: TokenKind, user_id: int | None = None) -> Caller | None:
    """The caller a live token (or console session) of ``kind`` belongs to, or ``None``; the
    request's row-level security area becomes theirs."""
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    statement = _caller_statement(postgresql=postgresql, with_user=user_id is not None)
    row = db.session.connection().execute(statement, {"digest": token_digest(token), "kind": kind, "now": utcnow(),
                                         "user_id": user_id}).first()
    if row is None:
        return None
    user_id, role, unit_code, parent_code = row[:4]
    caller = Caller(user_id=user_id, role=role, unit_code=unit_code,
                    province_code=None if unit_code is None else (parent_code or unit_code))
    province = unit_code is not None and caller.province_code == unit_code
    area_set(area_of(caller), applied=postgresql and not province)
    return caller


def caller_from_token(token: str) -> Caller:
    """The caller a live bearer token belongs to; 401 when it is unknown, expired or revoked, or its
    account disabled."""
    caller = _caller_of_token(token, TokenKind.api)
    if caller is None:
        raise AppError("auth.token_invalid", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return caller


def caller_from_console_session(session_id: str, *, user_id: int) -> Caller | None:
    """The caller of a console session, checked on every request like a bearer token (expired,
    signed out, account disabled: ``None``); ``user_id`` is the account the cookie names."""
    return _caller_of_token(session_id, TokenKind.console, user_id)


def token_revoke(token: str) -> None:
    """Revoke the token (sign-out, lost phone). Later requests with it get 401."""
    record = _live_token(token)
    if record is None:
        raise AppError("auth.token_invalid", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    _revoke(record, action="auth.token_revoke")


def console_session_revoke(session_id: str) -> bool:
    """End a console session (sign-out); ``False`` when it had already ended."""
    record = _live_token(session_id, TokenKind.console)
    if record is None:
        return False
    _revoke(record, action="auth.console_sign_out")
    return True


def _revoke(record: AuthToken, *, action: str) -> None:
    caller = _caller_of(record.user)
    area_set(area_of(caller))  # the holder's area: a console sign-out has no caller yet
    record.revoked_at = utcnow()
    activity_record(action=action, object_type="user", object_id=record.user_id,
                    log_unit=record.user.unit_code, caller=caller,
                    body={"token_id": record.id})
    db.session.flush()
