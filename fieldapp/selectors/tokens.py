"""Reads of bearer tokens and console sessions: which live token a request carries, and whose it is.

Only the digest of a token is stored (:func:`token_digest`); a token is live until it expires or is
revoked, and while its account is active. Issuing and revoking them is
:mod:`fieldapp.services.tokens`.
"""
from __future__ import annotations

import hashlib
from functools import cache

from sqlalchemy import Select, bindparam, func, select

from fieldapp.auth.callers import Caller
from fieldapp.auth.row_security import AREA_SETTING, NATIONWIDE, area_of, area_set
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.tokens import AuthToken, TokenKind
from fieldapp.models.types import UTCDateTime
from fieldapp.models.units import Unit
from fieldapp.models.users import User


def token_digest(token: str) -> str:
    # A fast hash is right here: the token has 256 bits of entropy, unlike a password.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def live_token(token: str, kind: TokenKind = TokenKind.api) -> AuthToken | None:
    """The stored record of a live ``token`` of ``kind``, or ``None``."""
    record = db.session.scalar(select(AuthToken).where(AuthToken.token_hash == token_digest(token),
                                                       AuthToken.kind == kind))
    if record is None or record.revoked_at is not None or record.expires_at <= utcnow() \
            or not record.user.is_active:
        return None
    return record


@cache
def caller_statement(*, postgresql: bool, with_user: bool) -> Select:
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
    statement = caller_statement(postgresql=postgresql, with_user=user_id is not None)
    row = db.session.connection().execute(statement, {"digest": token_digest(token), "kind": kind, "now": utcnow(),
                                         "user_id": user_id}).first()
    if row is None:
        return None
    user_id, role, unit_code, parent_code = row[:4]
    caller = Caller.held_on(user_id=user_id, role=role, unit_code=unit_code, parent_code=parent_code)
    area_set(area_of(caller), applied=postgresql and not caller.holds_province)
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
