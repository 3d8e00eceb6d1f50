"""PostgreSQL row-level security: the caller's area, set on every transaction.

The second wall behind the scope clauses of ``fieldapp.auth.scope`` (issue 7): the commune-scoped
tables carry policies (migration ``row_level_security``) that show and accept only rows of the area
held in the transaction-local setting ``fieldapp.area``. The API's runtime role does not own the
tables, so the policies apply to it; with no area set it reads nothing.

The value is ``*`` (nationwide), or the comma-separated codes of the units in the area: a commune's
own code, or a province's code and its communes' (the policies compare a row's code with the list). In
a request it is the caller's area, set as soon as the caller is known; before that it is empty. Work
outside a request (the log's sequencer thread, the operator's CLI) is the system's own and runs
nationwide. SQLite has no row-level security; there the scope clauses are the only wall.
"""
from __future__ import annotations

from functools import cache

from flask import g, has_app_context, has_request_context
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from fieldapp.auth.callers import Caller
from fieldapp.config import ConfigError
from fieldapp.extensions import db
from fieldapp.models.units import Unit

AREA_SETTING = "fieldapp.area"
NATIONWIDE = "*"
_SET_AREA = text(f"SELECT set_config('{AREA_SETTING}', :area, true)")


def area_of(caller: Caller) -> str:
    """The area a caller's transactions may see: their commune, their province, or everything."""
    if caller.is_national:
        return NATIONWIDE
    if caller.holds_province:
        return _province_area(caller.unit_code)
    return caller.unit_code


def province_area(province_code: str) -> str:
    """The area of a province: its code and its communes' (what a province's officer sees)."""
    return _province_area(province_code)


@cache
def _province_area(province_code: str) -> str:
    """The province's code and its communes' (units are reference data: read once per process)."""
    communes = db.session.scalars(select(Unit.code).where(Unit.parent_code == province_code).order_by(Unit.code))
    return ",".join([province_code, *communes])


def _area_for_context() -> str:
    if has_request_context():
        return g.get("db_area", "")
    return NATIONWIDE


def area_set(area: str, *, applied: bool = False) -> None:
    """Make ``area`` this request's area, in the open transaction too if there is one (unless the
    caller's query already ``applied`` it there).

    Outside a request (CLI, benchmarks, tests' set-up) it does nothing: that work is nationwide.
    """
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


def acting_role_problems(connection) -> list[str]:
    """PostgreSQL: why the policies would not apply to the role this connection acts as (a
    superuser, a role that bypasses row-level security, or the owner of the protected tables, to
    which unforced policies do not apply). Empty when they do apply."""
    user, superuser, bypass = connection.execute(text(
        "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    owned = connection.execute(text(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND rowsecurity AND tableowner = current_user"
    )).scalar_one()
    problems = [f"{user} is a superuser"] if superuser else []
    problems += [f"{user} bypasses row-level security"] if bypass else []
    problems += [f"{user} owns {owned} tables with row-level security"] if owned else []
    return problems


def check_acting_role(app) -> None:
    """At server start: serve as a role the policies apply to. In production anything else stops
    the server (set DATABASE_ROLE or connect as the runtime role); elsewhere it is a warning."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return
        try:
            with db.engine.connect() as connection:
                problems = acting_role_problems(connection)
        except OperationalError:  # the database is down: the requests will say so (503)
            app.logger.warning("row-level security: could not check the database role at start")
            return
    if not problems:
        return
    message = "row-level security would not apply: " + "; ".join(problems) + \
        " (set DATABASE_ROLE to the runtime role, see fieldapp dbrole grant)"
    if app.config["FIELDAPP_ENV"] == "production":
        raise ConfigError(message)
    app.logger.warning(message)
