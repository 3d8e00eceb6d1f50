"""Reads of villages, through the caller's area."""
from __future__ import annotations

from sqlalchemy import Select, select

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import communes_clause
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.villages import Village


def village_list_query(*, caller: Caller, commune_code: str) -> Select:
    return (select(Village).where(Village.commune_code == commune_code, communes_clause(caller, Village.commune_code))
            .order_by(Village.name_folded))


def village_get(*, caller: Caller | None, village_id: int, commune_code: str | None = None) -> Village:
    """A village in the caller's area (404 otherwise), and of ``commune_code`` when given (a village of
    another commune is not found either); ``caller=None`` is the operator."""
    query = select(Village).where(Village.id == village_id)
    if commune_code is not None:
        query = query.where(Village.commune_code == commune_code)
    if caller is not None:
        query = query.where(communes_clause(caller, Village.commune_code))
    village = db.session.scalar(query)
    if village is None:
        raise AppError("village.not_found")
    return village
