"""PostgreSQL row-level security: the caller's area, set on every transaction.

The second wall behind the scope clauses of ``fieldapp.auth.scope`` (issue 7): the commune-scoped
tables carry policies (migration ``row_level_security``) that show and accept only rows of the area
held in the transaction-local setting ``fieldapp.area``. The API's runtime role does not own the
tables, so the policies apply to it; with no area set it reads nothing.

The value is ``*`` (nationwide), a province code (that province and its communes) or a commune
code. In a request it is the caller's area, set as soon as the caller is known; before that it is
empty. Work outside a request (the log's sequencer thread, the operator's CLI) is the system's own
and runs nationwide. SQLite has no row-level security; there the scope clauses are the only wall.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import g, has_app_context, has_request_context
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from fieldapp.auth.caller import Caller

AREA_SETTING = "fieldapp.area"
NATIONWIDE = "*"
_SET_AREA = text(f"SELECT set_config('{AREA_SETTING}', :area, true)")


def area_of(caller: Caller) -> str:
    """The area a caller's transactions may see: their commune, their province, or everything."""
    return NATIONWIDE if caller.is_national else caller.unit_code


def _area_for_context() -> str:
    if has_request_context():
        return g.get("db_area", "")
    return NATIONWIDE


def area_set(area: str, *, applied: bool = False) -> None:
    """Make ``area`` this request's area, in the open transaction too if there is one (unless the
    caller's query already ``applied`` it there).

    Outside a request (CLI, benchmarks, tests' set-up) it does nothing: that work is nationwide.
    """
    from fieldapp.extensions import db

    if not has_request_context():
        return
    g.db_area = area
    session = db.session()
    if not applied and session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        session.execute(_SET_AREA, {"area": area})


def install(engine: Engine) -> None:
    """Set the area when a transaction or a savepoint starts on ``engine`` (PostgreSQL only).

    The savepoint hook serves sessions nested in a longer transaction (the tests' rolled-back
    transaction): the area is that of whoever works in it now, not of whoever began it.
    """
    if engine.dialect.name != "postgresql":
        return

    def _on_begin(connection) -> None:
        area = _area_for_context() if has_app_context() else ""
        if area:  # unset already means "nothing": no round trip for an anonymous request
            connection.execute(_SET_AREA, {"area": area})

    def _on_savepoint(connection, _name) -> None:
        if has_app_context():  # here "" must be said: the outer transaction may hold another area
            connection.execute(_SET_AREA, {"area": _area_for_context()})

    event.listen(engine, "begin", _on_begin)
    event.listen(engine, "savepoint", _on_savepoint)
