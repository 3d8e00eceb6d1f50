"""Bearer tokens and console sessions: opaque, random, stored only as hashes, expiring, revocable,
and dead with their account. Issued and revoked here; looked up by :mod:`fieldapp.selectors.tokens`."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from fieldapp.auth.callers import Caller
from fieldapp.auth.row_security import area_of, area_set
from fieldapp.auth.signin import note_refused_sign_in
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.tokens import AuthToken, TokenKind
from fieldapp.models.users import User
from fieldapp.phones import InvalidPhone, normalize_phone
from fieldapp.selectors.tokens import live_token, token_digest
from fieldapp.services.activity import activity_record
from fieldapp.services.passwords import password_verify, password_verify_dummy


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: User


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
    caller = Caller.of_user(user)
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


def token_revoke(token: str) -> None:
    """Revoke the token (sign-out, lost phone). Later requests with it get 401."""
    record = live_token(token)
    if record is None:
        raise AppError("auth.token_invalid", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    _revoke(record, action="auth.token_revoke")


def console_session_revoke(session_id: str) -> bool:
    """End a console session (sign-out); ``False`` when it had already ended."""
    record = live_token(session_id, TokenKind.console)
    if record is None:
        return False
    _revoke(record, action="auth.console_sign_out")
    return True


def _revoke(record: AuthToken, *, action: str) -> None:
    caller = Caller.of_user(record.user)
    area_set(area_of(caller))  # the holder's area: a console sign-out has no caller yet
    record.revoked_at = utcnow()
    activity_record(action=action, object_type="user", object_id=record.user_id,
                    log_unit=record.user.unit_code, caller=caller,
                    body={"token_id": record.id})
    db.session.flush()
