"""Administrative units are public reference data: every signed-in user reads all of them."""
from __future__ import annotations

from sqlalchemy import Select, func, select

from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.units import Unit, UnitLevel
from fieldapp.text import fold


def unit_list_query(*, q: str | None = None, province: str | None = None,
                    level: UnitLevel | None = None) -> Select:
    """Units matching a search without diacritics, a province and a level; provinces first."""
    query = select(Unit)
    if q:
        for word in fold(q).split(" "):
            query = query.where(Unit.name_folded.contains(word, autoescape=True))
    if province:
        query = query.where((Unit.parent_code == province) | (Unit.code == province))
    if level:
        query = query.where(Unit.level == level)
    return query.order_by(func.length(Unit.code), Unit.code)


def unit_get(*, code: str) -> Unit:
    unit = db.session.get(Unit, code)
    if unit is None:
        raise AppError("unit.not_found", code=code)
    return unit
