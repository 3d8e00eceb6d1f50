"""The caller's area applied to reads: what lies outside it is not found (404), never forbidden."""
from __future__ import annotations

from fieldapp.auth.caller import Caller
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.activity import NATIONAL_LOG
from fieldapp.models.units import Unit


def unit_in_scope(caller: Caller, unit_code: str) -> Unit | None:
    """The unit ``unit_code`` if it lies in the caller's area; ``None`` for the national log (admins)."""
    if unit_code == NATIONAL_LOG and caller.is_national:
        return None
    unit = db.session.get(Unit, unit_code) if unit_code != NATIONAL_LOG else None
    if unit is None or not caller.covers(unit.code, unit.parent_code or unit.code):
        raise AppError("unit.not_found", code=unit_code)
    return unit


def default_log_unit(caller: Caller) -> str:
    """The log a caller reads when they name none: their own area's."""
    return caller.unit_code or NATIONAL_LOG
