"""The evidence tables partitioned by reporting quarter (PostgreSQL; fieldapp/partitions.py): where rows
land, the retry and duplicate rules across partitions, ``ensure`` and ``detach`` (with its archive), and
that row-level security and the indicators' roll-ups do not notice.

Every test runs in the transaction that is rolled back: PostgreSQL's DDL is transactional, so a
partition made or detached here is undone with the rest. The DDL runs as the login that owns the
tables (``owner``), the rest as the runtime role, as the API does.
"""
import dataclasses
import json
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from fieldapp.clock import VIETNAM, utcnow
from fieldapp.extensions import db
from fieldapp.models import CheckIn, SupportRecord
from fieldapp.models.evidence import EvidenceKind
from fieldapp.models.skills import Skill
from fieldapp.partitions import (
    PARTITIONED,
    SCHEMA,
    DetachRefused,
    archive_rows,
    partition_detach,
    partition_name,
    partitions_ensure,
    partitions_list,
    period_named,
)
from fieldapp.periods import local_day, report_quarter_of
from tests.factories import (
    HUNG_CHAU,
    HUNG_CHAU_CENTRE,
    OTHER_COMMUNE,
    assign,
    make_household,
    make_person,
    make_team,
    make_user,
    make_village,
)

#: An ended reporting quarter, long before the test database was made (its rows land in the default
#: partition until ``ensure`` makes its own).
OLD = period_named("2025-R2")
LAT, LON = HUNG_CHAU_CENTRE


@pytest.fixture(autouse=True)
def postgres_only(app):
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect != "postgresql":
        # scripts/test runs the suite on PostgreSQL too, and with CI=true that run is required.
        pytest.skip("partitions exist on PostgreSQL only; SQLite keeps each table whole")


@contextmanager
def owner(app):
    """The login that owns the tables (DDL), within the test's transaction; the runtime role after."""
    db.session.execute(sa.text("RESET ROLE"))
    try:
        yield db.session.connection()
    finally:
        db.session.execute(sa.text(f'SET ROLE "{app.config["DATABASE_ROLE"]}"'))


def _where(table: str, **match) -> list[str]:
    """The partition each matching row is in."""
    clauses = " AND ".join(f"{key} = :{key}" for key in match)
    return [row[0] for row in db.session.execute(
        sa.text(f"SELECT tableoid::regclass::text FROM {table} WHERE {clauses}"), match)]


def _records(person, at: datetime, skills=(Skill.cashless_payment,)) -> list[SupportRecord]:
    from fieldapp.services.support_records import support_records_add

    records = support_records_add(caller=None, helper_id=None, person=person, skills=list(skills),
                                  source_kind=EvidenceKind.session, source_id=f"S{uuid.uuid4().hex[:10]}",
                                  supported_at=at, proof="none", flags=[])
    db.session.flush()
    return records


def _in(period, days=5) -> datetime:
    return period.starts_at + timedelta(days=days, hours=3)


def test_the_tables_are_partitioned_by_quarter_with_the_key_in_every_unique_rule(app):
    keys = dict(db.session.execute(sa.text(
        "SELECT c.relname, a.attname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
        "WHERE c.relname = ANY(:t)"), {"t": list(PARTITIONED)}).all())
    assert keys == PARTITIONED
    for table, key in PARTITIONED.items():
        unique = db.session.execute(sa.text(
            "SELECT c.relname, array_agg(a.attname::text) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = CAST(:t AS regclass) AND i.indisunique GROUP BY c.relname"), {"t": table}).all()
        assert unique and all(key in columns for _, columns in unique), unique
    assert dict(db.session.execute(sa.text(
        "SELECT c.relname, array_agg(a.attname::text ORDER BY a.attname) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'checkins'::regclass AND i.indisunique "
        "GROUP BY c.relname")).all()) == {
            "pk_checkins": ["commune_code", "id", "period_at"],
            "uq_checkins_session_user_period_counted_commune": ["commune_code", "period_at", "session_id", "user_id"]}
    # client_id: unique across partitions in a table of its own, claimed by a trigger before each insert
    assert db.session.execute(sa.text(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'checkins'::regclass AND NOT tgisinternal")).scalars().all() \
        == ["checkins_client_id_claim"]
    current = report_quarter_of(local_day(utcnow()))
    made = {(p.table, p.period) for p in partitions_list(db.session.connection())}
    for table in PARTITIONED:
        assert {(table, current.name), (table, None)} <= made  # the current quarter's, and the default
    # the activity log is one table: its export and proofs need every entry from seq 0 (docs/deploy.md)
    kind = db.session.execute(sa.text("SELECT relkind FROM pg_class WHERE relname = 'activity_entries'")).scalar()
    assert kind == "r"


def test_the_runtime_role_reaches_partitions_only_through_the_parents(app):
    role = app.config["DATABASE_ROLE"]
    assert db.session.execute(sa.text("SELECT current_user")).scalar() == role
    usage, client_ids = db.session.execute(sa.text(
        "SELECT has_schema_privilege(:r, :s, 'USAGE'), has_table_privilege(:r, 'checkin_client_ids', 'SELECT')"),
        {"r": role, "s": SCHEMA}).one()
    assert (usage, client_ids) == (False, False)
    name = partition_name("support_records", report_quarter_of(local_day(utcnow())))
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), db.session.begin_nested():
        db.session.execute(sa.text(f"SELECT count(*) FROM {SCHEMA}.{name}"))


def test_row_level_security_applies_to_every_partition(app):
    here = make_person(household=make_household())
    there = make_person(household=make_household(village=make_village(commune_code=OTHER_COMMUNE)))
    for person in (here, there):
        _records(person, utcnow())
        _records(person, _in(OLD))  # the default partition
    db.session.execute(sa.text("SELECT set_config('fieldapp.area', :a, true)"), {"a": HUNG_CHAU})
    seen = db.session.execute(sa.text(
        "SELECT DISTINCT commune_code, tableoid::regclass::text FROM support_records "
        "WHERE person_id = ANY(:p)"), {"p": [here.id, there.id]}).all()
    assert {commune for commune, _ in seen} == {HUNG_CHAU}
    assert {partition.split(".")[-1] for _, partition in seen} == {
        partition_name("support_records", report_quarter_of(local_day(utcnow()))), "support_records_default"}
    # and no row of another commune goes in, whichever partition it would land in
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"), db.session.begin_nested():
        # (a savepoint sets the area again, fieldapp/auth/row_security.py: set it inside)
        db.session.execute(sa.text("SELECT set_config('fieldapp.area', :a, true)"), {"a": HUNG_CHAU})
        db.session.execute(sa.text(
            "INSERT INTO support_records (person_id, skill, commune_code, village_id, source_kind, source_id, "
            "supported_at, proof, flags, created_at) SELECT person_id, skill, :c, village_id, source_kind, "
            "source_id, supported_at, proof, flags, created_at FROM support_records WHERE person_id = :p LIMIT 1"),
            {"c": OTHER_COMMUNE, "p": here.id})


def test_rows_land_in_their_quarter_and_ensure_moves_the_default_ones_out(app):
    person = make_person(household=make_household())
    now, old = _records(person, utcnow())[0], _records(person, _in(OLD))[0]
    current = report_quarter_of(local_day(utcnow()))
    assert _where("support_records", id=now.id) == [f"{SCHEMA}.{partition_name('support_records', current)}"]
    assert _where("support_records", id=old.id) == [f"{SCHEMA}.support_records_default"]
    with owner(app) as connection:
        made = partitions_ensure(connection)
        assert partition_name("support_records", OLD) in made
        assert partitions_ensure(connection) == []  # idempotent: nothing the second time
    assert _where("support_records", id=old.id) == [f"{SCHEMA}.{partition_name('support_records', OLD)}"]
    assert db.session.get(SupportRecord, old.id).supported_at == old.supported_at


def test_a_retry_received_in_another_quarter_is_answered_never_stored_twice(app, client, login, monkeypatch):
    """A household check-in is kept by when it was received: a retry that arrives in the next quarter
    would go to another partition, where no unique index could see the first. The client ids' table
    does: the retry gets the first answer, and a different body under the same id is 409."""
    from fieldapp.qr import signing
    from fieldapp.services import checkins as checkins_service

    volunteer = make_user()
    household = make_household(lat=LAT, lon=LON)
    assign(household, volunteer, make_team(members=[volunteer]))
    headers = login(volunteer)
    body = {"client_id": str(uuid.uuid4()), "payload": signing.qr_text("household", household.public_id),
            "scanned_at": utcnow().isoformat(), "gps": {"lat": LAT, "lon": LON, "accuracy_m": 10}}
    first = client.post("/api/v1/checkins", headers=headers, json=body)
    assert first.status_code == 201, first.get_json()
    later = utcnow() + timedelta(days=120)  # the quarter after next: another partition
    monkeypatch.setattr(checkins_service, "utcnow", lambda: later)
    retry = client.post("/api/v1/checkins", headers=headers, json=body)
    assert retry.status_code == 200 and retry.get_json() == first.get_json()
    other = client.post("/api/v1/checkins", headers=headers, json={**body, "gps": None})
    assert other.status_code == 409 and other.get_json()["error_code"] == "idempotency.conflict"
    assert db.session.query(CheckIn).filter_by(client_id=body["client_id"]).count() == 1


def test_a_client_id_is_claimed_once_across_partitions_even_by_a_plain_insert(app):
    volunteer = make_user()
    client_id = str(uuid.uuid4())
    columns = ("client_id, request_hash, user_id, commune_code, target_kind, scanned_at, received_at, "
               "mock_location, verdict, flags, evidence_status, period_at")
    insert = sa.text(f"INSERT INTO checkins ({columns}) VALUES (:c, :h, :u, :commune, 'unknown', :at, :at, false, "
                     "'rejected', '[]', 'rejected', :at) RETURNING tableoid::regclass::text")
    params = {"c": client_id, "h": "0" * 64, "u": volunteer.id, "commune": HUNG_CHAU}
    first = db.session.execute(insert, {**params, "at": utcnow()}).scalars().all()
    again = db.session.execute(insert, {**params, "at": _in(OLD)}).scalars().all()
    assert len(first) == 1 and again == []  # not stored: as ON CONFLICT DO NOTHING did
    assert db.session.query(CheckIn).filter_by(client_id=client_id).count() == 1


def test_one_counted_checkin_per_person_and_session_whenever_it_is_received(app, client, login, monkeypatch):
    """A session's check-ins are kept by the session's start, so a second one synced a quarter later is
    in the same partition, and the unique index still turns it away."""
    from fieldapp.qr import signing
    from fieldapp.services import checkins as checkins_service
    from tests.factories import make_session

    volunteer = make_user()
    headers = login(volunteer)
    session = make_session()
    code = signing.qr_text("session", session.public_id, step=signing.session_step(utcnow().timestamp()))
    scanned = utcnow()

    def checkin():
        return client.post("/api/v1/checkins", headers=headers, json={
            "client_id": str(uuid.uuid4()), "payload": code, "scanned_at": scanned.isoformat(),
            "gps": {"lat": LAT, "lon": LON, "accuracy_m": 10, "mock_location": False}})

    assert checkin().status_code == 201
    later = utcnow() + timedelta(days=120)
    monkeypatch.setattr(checkins_service, "utcnow", lambda: later)
    second = checkin()
    assert second.status_code == 409 and second.get_json()["error_code"] == "checkin.duplicate"
    stored = db.session.query(CheckIn).filter_by(session_id=session.id).all()
    assert [c.period_at for c in stored] == [session.starts_at]


def _sheet(code: str, period):
    from fieldapp.caching import results_cache
    from fieldapp.selectors.indicators import Subject, indicators_compute

    results_cache.clear()
    sheet = indicators_compute(Subject(kind="commune", id=code, name=code, unit_code=code, province_code=code[:2],
                                       commune_code=code), period)
    return [dataclasses.asdict(figure) for figure in sheet.figures]


def test_detaching_an_ended_quarter_archives_it_and_leaves_the_rest_and_the_indicators(app, tmp_path):
    person = make_person(household=make_household())
    old = _records(person, _in(OLD), skills=(Skill.cashless_payment, Skill.online_safety))
    kept = _records(person, utcnow())
    with owner(app) as connection:
        partitions_ensure(connection)
    before = {period.name: _sheet(HUNG_CHAU, period) for period in (OLD, report_quarter_of(local_day(utcnow())))}
    archive = tmp_path / "2025-R2.csv.gz"
    with owner(app) as connection:
        done = partition_detach(connection, OLD, archive=archive)
    assert [(item.table, item.partition) for item in done] == [
        (table, partition_name(table, OLD)) for table in PARTITIONED]
    support = next(item for item in done if item.table == "support_records")
    assert support.rows >= len(old)
    # the rest is readable; the quarter's records are gone from the table, into the archive
    assert {r.id for r in db.session.query(SupportRecord).filter(SupportRecord.person_id == person.id)} == {
        r.id for r in kept}
    archived = archive_rows(support.archive)
    assert {int(row["id"]) for row in archived} >= {r.id for r in old}
    manifest = json.loads(support.archive.with_name(support.archive.name.replace(".csv.gz", ".json")).read_text())
    assert (manifest["rows"], manifest["period"], manifest["table"]) == (len(archived), "2025-R2", "support_records")
    assert (OLD.name, "support_records") not in {(p.period, p.table) for p in partitions_list(db.session.connection())}
    # what was counted stays counted: the roll-ups are not the records (docs/deploy.md says so)
    after = {period.name: _sheet(HUNG_CHAU, period) for period in (OLD, report_quarter_of(local_day(utcnow())))}
    assert after == before
    from fieldapp.partitions import support_quarters_detached

    assert support_quarters_detached(db.session.connection()) == ["2025-R2"]


def test_a_quarter_that_has_not_ended_or_is_gone_is_not_detached(app, tmp_path):
    current = report_quarter_of(local_day(utcnow()))
    with owner(app) as connection:
        with pytest.raises(DetachRefused, match="has not ended"):
            partition_detach(connection, current)
        with pytest.raises(DetachRefused, match="no partition of 2024-R1"):
            partition_detach(connection, period_named("2024-Q1"))


def test_the_activity_log_still_verifies_after_a_detach(app, tmp_path):
    """The log is not partitioned (docs/deploy.md says why): a detach of the evidence leaves it whole,
    and its export verifies as before."""
    from fieldapp.audit.verify import verify_export
    from tests.audit_helpers import export_bytes, fill_log, pinned_keys

    person = make_person(household=make_household())
    _records(person, _in(OLD))
    fill_log(HUNG_CHAU, 3)
    with owner(app) as connection:
        partitions_ensure(connection)
        partition_detach(connection, OLD, tables=("support_records",))
    fill_log(HUNG_CHAU, 2, start=3)
    report = verify_export(export_bytes(HUNG_CHAU), pinned_keys=pinned_keys())
    assert report.entries >= 5


def test_the_cli_refuses_on_a_period_it_cannot_read(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["partitions", "detach", "last-quarter"])
    assert result.exit_code != 0 and "reporting quarter" in result.output


def test_periods_are_vietnam_reporting_quarters():
    quarter = period_named("2026-Q3")
    assert (quarter.name, str(quarter.first), str(quarter.last)) == ("2026-R3", "2026-06-10", "2026-09-09")
    assert quarter.starts_at == datetime(2026, 6, 10, tzinfo=VIETNAM)
    assert partition_name("checkins", quarter) == "checkins_2026r3"


def test_a_quarter_detached_and_kept_is_archived_later_by_the_cli(app, tmp_path):
    from fieldapp.partitions import partition_archive

    person = make_person(household=make_household())
    records = _records(person, _in(OLD))
    with owner(app) as connection:
        partitions_ensure(connection)
        kept = partition_detach(connection, OLD, tables=("support_records",))
        assert [(item.partition, item.archive) for item in kept] == [("support_records_2025r2", None)]
        with pytest.raises(DetachRefused, match="still attached"):
            partition_archive(connection, "checkins", OLD, tmp_path / "c.csv.gz")
        done = partition_archive(connection, "support_records", OLD, tmp_path / "s.csv.gz")
        assert {int(row["id"]) for row in archive_rows(done.archive)} >= {r.id for r in records}
        with pytest.raises(DetachRefused, match="archived already"):
            partition_archive(connection, "support_records", OLD, tmp_path / "s.csv.gz")


@pytest.mark.real_commits
def test_the_operator_ensures_and_detaches_with_the_cli(app, own_commune, tmp_path):
    """The commands as an operator runs them: each commits on a connection of its own, as the owner."""
    person = make_person(household=make_household(village=make_village(commune_code=own_commune.code)))
    ids = {r.id for r in _records(person, _in(OLD))}
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["partitions", "ensure"])
    assert first.exit_code == 0 and "support_records_2025r2" in first.output and "checkins_2025r2" in first.output
    again = runner.invoke(args=["partitions", "ensure"])
    assert (again.exit_code, again.output.strip()) == (0, "every partition was there already")
    refused = runner.invoke(args=["partitions", "detach", report_quarter_of(local_day(utcnow())).name])
    assert refused.exit_code == 1 and "has not ended" in refused.output
    archive = tmp_path / "evidence-2025-R2.csv.gz"
    detached = runner.invoke(args=["partitions", "detach", "2025-Q2", "--archive", str(archive)])
    assert detached.exit_code == 0, detached.output
    assert "support_records: 2025-R2 detached" in detached.output and "checkins: 2025-R2 detached" in detached.output
    rows = archive_rows(tmp_path / "evidence-2025-R2.support_records.csv.gz")
    assert ids <= {int(row["id"]) for row in rows}
    assert (tmp_path / "evidence-2025-R2.checkins.json").exists()
    db.session.expire_all()
    assert db.session.query(SupportRecord).filter(SupportRecord.id.in_(ids)).count() == 0
    listed = runner.invoke(args=["partitions", "list"])
    assert listed.exit_code == 0 and "2025r2" not in listed.output and "support_records_default" in listed.output
    # the roll-ups still count the quarter: a rebuild from the records left would lose it, so it is refused
    rebuild = runner.invoke(args=["tallies", "rebuild"])
    assert rebuild.exit_code == 1 and "2025-R2 are detached" in rebuild.output
    check = runner.invoke(args=["tallies", "check"])
    assert "note: the support records of 2025-R2 are detached" in check.output
