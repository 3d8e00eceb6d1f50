"""The area rule is one rule: Caller.covers (Python: the check-in's cached session, a unit named in a
write) and communes_clause / units_clause (SQL: every scoped read) answer alike for every unit."""
import pytest
from sqlalchemy import or_, select

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import communes_clause, units_clause
from fieldapp.models import Role, Unit
from tests.factories import HA_NOI, HUNG_CHAU, NGHE_AN

CALLERS = {
    "nationwide": Caller(user_id=1, role=Role.admin, unit_code=None, province_code=None),
    "province": Caller.held_on(user_id=2, role=Role.province_officer, unit_code=NGHE_AN, parent_code=None),
    "commune": Caller.held_on(user_id=3, role=Role.commune_officer, unit_code=HUNG_CHAU, parent_code=NGHE_AN),
}


@pytest.mark.parametrize("holder", sorted(CALLERS))
def test_python_and_sql_draw_the_same_area(db, holder):
    caller = CALLERS[holder]
    units = db.session.scalars(select(Unit).where(or_(
        Unit.code.in_([NGHE_AN, HA_NOI]), Unit.parent_code.in_([NGHE_AN, HA_NOI])))).all()
    assert len(units) > 100  # two provinces and their communes
    communes = {u.code for u in units if u.parent_code is not None}
    in_sql = set(db.session.scalars(select(Unit.code).where(Unit.code.in_(communes),
                                                            communes_clause(caller, Unit.code))))
    assert in_sql == {u.code for u in units if u.parent_code is not None
                      and caller.covers(u.code, u.parent_code)}
    held_in_sql = set(db.session.scalars(select(Unit.code).where(Unit.code.in_({u.code for u in units}),
                                                                 units_clause(caller, Unit.code))))
    assert held_in_sql == {u.code for u in units if caller.covers(u.code, u.parent_code or u.code)}
    assert (HUNG_CHAU in in_sql) and (HA_NOI in held_in_sql) == caller.is_national
