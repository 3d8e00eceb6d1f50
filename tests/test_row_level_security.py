"""Row-level security on PostgreSQL: the second wall behind the queries' scope clauses (issue 7).

The whole PostgreSQL run acts as a runtime role that does not own the tables (``conftest.app``), so
every other test also shows that legitimate work passes the policies; these tests show that the
policies themselves hold: nothing without an area, only the area's rows with one, and no write
into another area, even for a query that forgot its scope clause.
"""
import pytest
import sqlalchemy as sa

from fieldapp.auth.callers import Caller
from fieldapp.extensions import db
from fieldapp.models import Role
from fieldapp.models.sessions import SessionAttendee
from tests.factories import (
    HA_NOI,
    HUNG_CHAU,
    NGHE_AN,
    OTHER_COMMUNE,
    make_household,
    make_mentorship,
    make_person,
    make_session,
    make_team,
    make_user,
    make_village,
)


def _postgres(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


@pytest.fixture(autouse=True)
def postgres_only(app):
    if not _postgres(app):
        pytest.skip("row-level security exists on PostgreSQL only; on SQLite the scope clauses are the wall")


def _scoped_tables() -> dict[str, str]:
    """Every table that holds a commune's rows, from the models: {table: how it is scoped}.

    A table with a commune column (or a log unit) is scoped; so is a table whose rows hang on a
    scoped table's row by a foreign key. A new table of either kind fails the policy test below
    until the migration gives it a policy.
    """
    direct = {table.name: column for table in db.metadata.sorted_tables
              for column in ("commune_code", "log_unit") if column in table.c}
    children = {}
    for table in db.metadata.sorted_tables:
        if table.name in direct:
            continue
        parents = {fk.column.table.name for fk in table.foreign_keys} & set(direct)
        if parents:
            children[table.name] = "parent " + ", ".join(sorted(parents))
    return {**direct, **children}


def _area(value: str | None) -> None:
    """Set the area as the app would for a caller holding ``value`` (a commune or province code, *)."""
    from fieldapp.auth.row_security import area_of
    from fieldapp.models.units import Unit

    if value and value != "*":
        unit = db.session.get(Unit, value)
        value = area_of(Caller(user_id=0, role=Role.commune_officer, unit_code=unit.code,
                               province_code=unit.parent_code or unit.code))
    db.session.execute(sa.text("SELECT set_config('fieldapp.area', :v, true)"), {"v": value or ""})


def _count(table: str) -> int:
    return db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_the_api_acts_as_a_role_that_owns_no_table_and_cannot_bypass_the_policies(app):
    role, bypass = db.session.execute(sa.text(
        "SELECT current_user, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    owners = set(db.session.scalars(sa.text(
        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY(:t)"),
        {"t": list(_scoped_tables())}))
    assert role == app.config["DATABASE_ROLE"]
    assert bypass is False
    assert owners and role not in owners


def test_every_commune_scoped_table_has_row_level_security_and_a_policy():
    scoped = _scoped_tables()
    assert {"households", "persons", "checkins", "visits", "support_records", "activity_entries",
            "person_skills", "assignments", "session_attendees"} <= set(scoped)  # the derivation finds them
    enabled = dict(db.session.execute(sa.text(
        "SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY(:t) AND relkind IN ('r', 'p')"),
        {"t": list(scoped)}).all())
    policies = set(db.session.scalars(sa.text("SELECT DISTINCT tablename FROM pg_policies WHERE tablename = ANY(:t)"),
                                      {"t": list(scoped)}))
    missing = sorted(t for t in scoped if not enabled.get(t) or t not in policies)
    assert missing == [], f"commune-scoped tables without row-level security: {missing}"


def _rows_in_two_communes() -> dict[str, tuple[int, str]]:
    """A household, person, team, session, mentorship and a log entry in Hùng Châu and in Ba Đình.

    Returns each commune's household as (id, public id): plain values, readable in any area."""
    made = {}
    for commune in (HUNG_CHAU, OTHER_COMMUNE):
        household = make_household(village=make_village(commune_code=commune))
        person = make_person(household=household)
        leader = make_user(role=Role.team_leader, unit_code=commune)
        make_team(leader=leader, commune_code=commune, members=[make_user(unit_code=commune)])
        session = make_session(commune_code=commune, lat=21.0386 if commune == OTHER_COMMUNE else 19.1222,
                               lon=105.838 if commune == OTHER_COMMUNE else 105.563)
        db.session.add(SessionAttendee(session_id=session.id, commune_code=commune, person_id=person.id,
                                       recorded_by=leader.id, via="name"))
        db.session.flush()
        made[commune] = (household.id, household.public_id)
    make_mentorship()  # Hùng Châu
    return made


def test_with_no_area_set_the_role_reads_nothing():
    _rows_in_two_communes()
    _area("*")
    seen_nationwide = {table: _count(table) for table in _scoped_tables()}
    _area(None)
    seen_without_area = {table: _count(table) for table in _scoped_tables()}
    assert seen_nationwide["households"] >= 2 and seen_nationwide["persons"] >= 2
    assert seen_nationwide["activity_entries"] >= 2
    assert seen_without_area == {table: 0 for table in seen_without_area}


def test_a_commune_area_sees_only_its_commune_and_a_province_only_its_communes():
    made = _rows_in_two_communes()
    ours, theirs = made[HUNG_CHAU][1], made[OTHER_COMMUNE][1]
    for area, visible, hidden, commune in ((HUNG_CHAU, ours, theirs, HUNG_CHAU), (NGHE_AN, ours, theirs, HUNG_CHAU),
                                           (HA_NOI, theirs, ours, OTHER_COMMUNE),
                                           (OTHER_COMMUNE, theirs, ours, OTHER_COMMUNE)):
        _area(area)
        ids = set(db.session.scalars(sa.text("SELECT public_id FROM households")))
        communes = set(db.session.scalars(sa.text("SELECT DISTINCT commune_code FROM persons")))
        # child rows follow their parent: members of a team of the area only
        team_communes = set(db.session.scalars(sa.text(
            "SELECT DISTINCT t.commune_code FROM team_members m JOIN teams t ON t.id = m.team_id")))
        # attendees carry their session's commune, tested directly
        attendee_communes = set(db.session.scalars(sa.text("SELECT DISTINCT commune_code FROM session_attendees")))
        assert visible in ids and hidden not in ids, area
        assert communes == {commune}, area
        assert team_communes == {commune}, area
        assert attendee_communes == {commune}, area


def test_a_write_into_another_area_is_refused_by_the_database():
    made = _rows_in_two_communes()
    theirs = made[OTHER_COMMUNE][0]
    ours = made[HUNG_CHAU][0]
    _area(HUNG_CHAU)
    updated = db.session.execute(sa.text("UPDATE households SET address = 'đổi' WHERE id = :id"),
                                 {"id": theirs}).rowcount
    assert updated == 0  # invisible, so untouched
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        with db.session.begin_nested():
            _area(HUNG_CHAU)  # (a savepoint starts in the test's own, nationwide, area)
            db.session.execute(sa.text("UPDATE households SET commune_code = :c WHERE id = :id"),
                               {"c": OTHER_COMMUNE, "id": ours})
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        with db.session.begin_nested():
            _area(HUNG_CHAU)
            db.session.execute(sa.text(
                "INSERT INTO villages (commune_code, name, name_folded, kind) VALUES (:c, 'Xóm lạ', 'xom la', 'xóm')"),
                {"c": OTHER_COMMUNE})
    _area("*")
    assert db.session.execute(sa.text("SELECT address FROM households WHERE id = :id"),
                              {"id": theirs}).scalar_one() != "đổi"


def test_a_request_sees_only_its_callers_area_even_through_a_query_without_a_scope_clause(app, login):
    """The wall behind a forgotten WHERE: an officer's request, with an unscoped query, in-process."""
    from fieldapp.auth.row_security import area_of, area_set

    made = _rows_in_two_communes()
    officer = make_user(role=Role.commune_officer, unit_code=OTHER_COMMUNE)
    caller = Caller(user_id=officer.id, role=Role.commune_officer, unit_code=OTHER_COMMUNE, province_code=HA_NOI)
    with app.test_request_context("/api/v1/households"):
        area_set(area_of(caller))
        unscoped = set(db.session.scalars(sa.text("SELECT public_id FROM households")))
    assert made[OTHER_COMMUNE][1] in unscoped
    assert made[HUNG_CHAU][1] not in unscoped


def test_an_anonymous_request_sees_nothing(app):
    _rows_in_two_communes()
    with app.test_request_context("/api/v1/healthz"):
        from flask import g

        g.db_area = ""
        db.session.commit()  # a fresh transaction begins in the request, with no area
        assert _count("households") == 0 and _count("persons") == 0


def test_the_server_refuses_to_start_in_production_as_a_role_the_policies_do_not_apply_to(app, caplog):
    """As the owner (the login, without DATABASE_ROLE) the policies are silently off: production
    refuses to serve like that; the runtime role passes."""
    from fieldapp import create_app
    from fieldapp.auth.row_security import acting_role_problems, check_acting_role
    from fieldapp.config import ConfigError
    from tests.factories import act_as_owner

    assert acting_role_problems(db.session.connection()) == []
    act_as_owner()
    owner_problems = acting_role_problems(db.session.connection())
    assert len(owner_problems) == 1 and "owns" in owner_problems[0]

    settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "KEYS_DIR": app.config["KEYS_DIR"],
                "AUDIT_SEQUENCE_INTERVAL": 0}
    check_acting_role(create_app({**settings, "FIELDAPP_ENV": "production",
                                  "DATABASE_ROLE": app.config["DATABASE_ROLE"]}))  # passes
    with pytest.raises(ConfigError, match="row-level security would not apply"):
        check_acting_role(create_app({**settings, "FIELDAPP_ENV": "production", "DATABASE_ROLE": None}))
    check_acting_role(create_app({**settings, "FIELDAPP_ENV": "development", "DATABASE_ROLE": None}))
    assert "row-level security would not apply" in caplog.text
