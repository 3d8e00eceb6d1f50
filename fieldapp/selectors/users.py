"""Reads of accounts, through the caller's area (out of it: 404, the same as an id that does not exist)."""
from __future__ import annotations

from sqlalchemy import select, true

from fieldapp.auth.caller import Caller
from fieldapp.auth.scope import communes_clause, field_user_clause
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.users import User


def field_user_get(*, caller: Caller | None, user_id: int) -> User:
    """A volunteer or leader the caller may act for (themselves; their team; their area)."""
    user = db.session.scalar(select(User).where(User.id == user_id,
                                                field_user_clause(caller, User.id, User.unit_code)))
    if user is None:
        raise AppError("user.not_found")
    return user


def commune_user_get(*, caller: Caller | None, user_id: int) -> User:
    """An account of the caller's area (for a volunteer or leader: of their commune)."""
    area = true() if caller is None else communes_clause(caller, User.unit_code)
    user = db.session.scalar(select(User).where(User.id == user_id, area))
    if user is None:
        raise AppError("user.not_found")
    return user
