"""Reads of accounts, through the caller's area (out of it: 404, the same as an id that does not exist)."""
from __future__ import annotations

from sqlalchemy import Select, select

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import field_user_clause, units_clause
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.users import Role, User


def user_get(*, caller: Caller | None, user_id: int) -> User:
    """An account held on the caller's area (for a volunteer or leader: of their commune; for a
    province's officer, the province's own and its communes'; everything for a nationwide admin or the
    operator, ``None``); every id a write names an account by comes through here."""
    user = db.session.scalar(select(User).where(User.id == user_id, units_clause(caller, User.unit_code)))
    if user is None:
        raise AppError("user.not_found")
    return user


def field_user_get(*, caller: Caller | None, user_id: int) -> User:
    """A volunteer or leader the caller may act for (themselves; their team; their area)."""
    user = db.session.scalar(select(User).where(User.id == user_id,
                                                field_user_clause(caller, User.id, User.unit_code)))
    if user is None:
        raise AppError("user.not_found")
    return user


def user_by_phone(*, phone: str) -> User:
    """The account of ``phone`` (the operator's command line: nationwide)."""
    from fieldapp.phones import InvalidPhone, normalize_phone

    try:
        phone_e164 = normalize_phone(phone)
    except InvalidPhone as exc:
        raise AppError("user.phone_invalid", errors={"phone": ["+84xxxxxxxxx or 0xxxxxxxxx"]}) from exc
    user = db.session.scalar(select(User).where(User.phone == phone_e164))
    if user is None:
        raise AppError("user.not_found")
    return user


def user_list_query(*, caller: Caller, role: Role | None = None, q: str | None = None,
                    active: bool | None = None) -> Select:
    """Accounts held on the caller's area (the rule of :func:`user_get`), by name; ``q`` folds diacritics."""
    from fieldapp.text import fold

    query = select(User).where(units_clause(caller, User.unit_code))
    if role is not None:
        query = query.where(User.role == role)
    if active is not None:
        query = query.where(User.is_active.is_(active))
    if q:
        query = query.where(User.name_folded.contains(fold(q), autoescape=True))
    return query.order_by(User.name_folded, User.id)
