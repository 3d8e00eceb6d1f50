"""The indicators' roll-ups (fieldapp/models/tallies.py) always equal a full recount from the records,
whatever writes them: visits, sessions, reviews that hold back, accept and reject, erasure, a
withdrawal of consent, a household's move and its priority flags, the household import, late
evidence; and the rule of "basic skills" is one rule in Python and SQL."""
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Person
from fieldapp.models.persons import TargetGroup
from fieldapp.models.skills import DIGITAL_FAMILY_SKILLS, Skill, holds_basic_skills
from fieldapp.models.tallies import (
    BASIC_SKILLS,
    DIGITAL_FAMILY,
    GROUP_BITS,
    tallies_rebuild,
    tallies_recount,
    tallies_stored,
)
from fieldapp.periods import local_day, reach_keys, report_quarter, report_quarter_of
from fieldapp.selectors.organisations import finished_clause
from tests.factories import (
    make_household,
    make_person,
    make_session,
    make_village,
)
from tests.field_world import FIVE, LAT, LON, MOCKED_FAR, field_world, post_visit


def assert_tallies_exact():
    conn = db.session.connection()
    stored, expected = tallies_stored(conn), tallies_recount(conn)
    for table in expected:
        assert stored[table] == {k: v for k, v in expected[table].items() if v != 0}, table


@pytest.fixture
def field(login):
    return field_world(login)


def _review(client, field, visit_id, decision):
    answer = client.post("/api/v1/reviews", headers=field["officer_headers"], json={
        "type": "visit", "id": visit_id, "decision": decision, "reason": "Đã gọi điện xác minh"})
    assert answer.status_code == 201, answer.get_json()


def test_every_write_keeps_the_roll_ups_equal_to_a_recount(client, field):
    assert_tallies_exact()
    household = field["household"]
    elder = make_person(household=household, birth_year=1950, sex="female", target_groups=["residents"])
    teacher = make_person(household=household, birth_year=1990, target_groups=["public_staff", "residents"])
    pupil = make_person(household=household, birth_year=None)
    assert_tallies_exact()

    counted = post_visit(client, field, [(elder, FIVE), (teacher, ["vneid_level2", "digital_bank_account"])])
    assert counted["evidence_status"] == "counted"
    assert_tallies_exact()
    held = post_visit(client, field, [(pupil, FIVE)], gps=MOCKED_FAR)
    assert held["evidence_status"] == "held"
    assert_tallies_exact()
    _review(client, field, held["id"], "accepted")
    assert_tallies_exact()
    _review(client, field, held["id"], "rejected")
    assert_tallies_exact()

    # A session's attendance, and late evidence (dated in an earlier quarter, arriving now).
    session = make_session()
    answer = client.post(f"/api/v1/sessions/{session.public_id}/attendees", headers=field["headers"],
                         json={"person_id": teacher.public_id})
    assert answer.status_code in (200, 201), answer.get_json()
    post_visit(client, field, [(pupil, ["online_safety"])], visited_at=utcnow() - timedelta(days=100))
    assert_tallies_exact()

    # The household's priority flags move its members; a move to another village moves them all.
    other_village = make_village()
    answer = client.patch(f"/api/v1/households/{household.public_id}", headers=field["officer_headers"],
                          json={"is_poor": True, "village_id": other_village.id})
    assert answer.status_code == 200, answer.get_json()
    assert_tallies_exact()

    # A person moves to another household (and village): their counts follow, their support stays.
    new_home = make_household(village=make_village(), lat=LAT, lon=LON)
    answer = client.patch(f"/api/v1/persons/{pupil.public_id}", headers=field["officer_headers"],
                          json={"household_id": new_home.public_id})
    assert answer.status_code == 200, answer.get_json()
    assert_tallies_exact()

    # Consent withdrawn, then an erasure: out of every count of people (the support given stays).
    answer = client.patch(f"/api/v1/persons/{teacher.public_id}", headers=field["officer_headers"],
                          json={"consent": None})
    assert answer.status_code == 200, answer.get_json()
    assert_tallies_exact()
    answer = client.post(f"/api/v1/persons/{elder.public_id}/erase", headers=field["officer_headers"])
    assert answer.status_code in (200, 204), answer.get_json()
    assert_tallies_exact()

    # And the rebuild writes exactly what the write path kept.
    before = tallies_stored(db.session.connection())
    tallies_rebuild(db.session.connection())
    assert tallies_stored(db.session.connection()) == before


def test_the_counters_hold_what_was_done(client, field):
    household = field["household"]
    elder = make_person(household=household, birth_year=1950, sex="female", target_groups=["residents"])
    post_visit(client, field, [(elder, FIVE)])
    conn = db.session.connection()
    stored = tallies_stored(conn)
    key = stored["person_tally_keys"][(elder.id,)]
    assert key[:5] == (household.commune_code, household.village_id, "female", 1950,
                       GROUP_BITS[TargetGroup.residents])
    assert key[6] & BASIC_SKILLS
    # The person's counter is the key without the village (counters are by commune).
    assert stored["person_tallies"][(household.commune_code, *key[2:])] == 1
    day = local_day(utcnow())
    assert stored["support_tallies"][(household.commune_code, day, "online_safety", "visit", "counted")] == 1
    for period in reach_keys(day):
        assert stored["reach_tallies"][(household.commune_code, household.village_id, period)] == 1
    household_key = stored["household_tally_keys"][(household.id,)]
    assert household_key[2] & DIGITAL_FAMILY


def test_the_household_import_is_counted(client, field):
    village = make_village(name="Xóm Nhập")
    sheet = ("Mã hộ,Thôn,Địa chỉ,Họ tên,Năm sinh,Hộ nghèo\n"
             f"H1,{village.name},Nhà 1,Nguyễn Văn An,1980,x\nH1,{village.name},Nhà 1,Trần Thị Bình,2012,\n")
    answer = client.post("/api/v1/households/import", headers=field["officer_headers"],
                         query_string={"dry_run": "false"}, data={"file": (io.BytesIO(sheet.encode()), "ho.csv")},
                         content_type="multipart/form-data")
    assert answer.status_code in (200, 201), answer.get_json()
    assert_tallies_exact()
    imported = db.session.scalars(select(Person).where(Person.village_id == village.id)).all()
    assert len(imported) == 2
    assert all((p.id,) in tallies_stored(db.session.connection())["person_tally_keys"] for p in imported)


@pytest.mark.parametrize("skills", [set(), {Skill.vneid_programme_confirmed}, set(DIGITAL_FAMILY_SKILLS),
                                    set(DIGITAL_FAMILY_SKILLS) - {Skill.online_safety}])
def test_basic_skills_is_one_rule_in_python_and_sql(field, skills):
    from fieldapp.models.evidence import EvidenceKind
    from fieldapp.services.skills import skills_record

    person = make_person(household=field["household"])
    if skills:
        skills_record(caller=None, person=person, grant=sorted(skills), evidence_kind=EvidenceKind.other,
                      evidence_ref="test", confirmed_on=date(2026, 1, 5))
        db.session.flush()
    in_sql = db.session.scalar(select(Person.id).where(Person.id == person.id, finished_clause())) is not None
    assert in_sql == holds_basic_skills(skills)


@pytest.mark.parametrize("day, name, first, last", [
    (date(2026, 9, 9), "2026-R3", date(2026, 6, 10), date(2026, 9, 9)),
    (date(2026, 9, 10), "2026-R4", date(2026, 9, 10), date(2026, 12, 9)),
    (date(2026, 12, 31), "2027-R1", date(2026, 12, 10), date(2027, 3, 9)),
    (date(2026, 1, 1), "2026-R1", date(2025, 12, 10), date(2026, 3, 9)),
])
def test_the_reporting_quarter_closes_before_the_tenth(day, name, first, last):
    period = report_quarter_of(day)
    assert (period.name, period.first, period.last) == (name, first, last)
    assert period.contains(day)
    year, q = int(name[:4]), int(name[-1])
    assert report_quarter(year, q) == period


def test_a_support_late_in_the_evening_is_vietnams_day():
    late = datetime(2026, 9, 30, 17, 30, tzinfo=timezone.utc)  # 00:30 on 1 October in Vietnam
    assert local_day(late) == date(2026, 10, 1)
    assert reach_keys(local_day(late))[:2] == ("2026-10", "2026-Q4")
    assert "phase-1" in reach_keys(date(2027, 6, 1)) and "phase-2" in reach_keys(date(2027, 6, 1))


def test_the_operator_checks_and_rebuilds_the_roll_ups(runner, client, field):
    from sqlalchemy import update

    from fieldapp.models.tallies import PersonTally

    make_person(household=field["household"], birth_year=1970)
    assert runner.invoke(args=["tallies", "check"]).exit_code == 0
    db.session.execute(update(PersonTally).values(people=PersonTally.people + 1))  # a counter gone wrong
    broken = runner.invoke(args=["tallies", "check"])
    assert broken.exit_code == 1 and "person_tallies" in broken.output and "stored 2, recount 1" in broken.output
    rebuilt = runner.invoke(args=["tallies", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert runner.invoke(args=["tallies", "check"]).exit_code == 0
    assert_tallies_exact()


def test_the_owners_rebuild_loads_by_copy_and_writes_what_the_write_path_kept(client, field, monkeypatch):
    """An operator's rebuild runs as the tables' owner, whom row-level security does not bind: on
    PostgreSQL it loads the rows with COPY (the runtime role's INSERTs elsewhere); either way the
    rows are the write path's, in batches smaller than the tables (several COPYs a table)."""
    import fieldapp.models.tallies as tallies

    household = field["household"]
    people = [make_person(household=household, birth_year=1950 + n, sex="female") for n in range(5)]
    post_visit(client, field, [(p, FIVE) for p in people])
    conn = db.session.connection()
    before = tallies_stored(conn)
    monkeypatch.setattr(tallies._Writer, "BATCH", 2)
    copies = []
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL ROLE NONE")  # the login, which owns the tables (undone at rollback)
        cursor_class = type(conn.connection.driver_connection.cursor())
        original = cursor_class.copy
        monkeypatch.setattr(cursor_class, "copy", lambda self, statement, *a, **k: (
            copies.append(statement), original(self, statement, *a, **k))[1])
    written = tallies_rebuild(conn)
    assert tallies_stored(conn) == before
    assert written["person_tally_keys"] == len(before["person_tally_keys"]) >= 5
    if conn.dialect.name == "postgresql":
        assert sum("COPY person_tally_keys" in c for c in copies) >= 3  # 5+ rows in batches of 2
