"""Benchmark (issue 19, item 5): how long the migration that partitions the evidence tables takes
(``2026_12_03_f2a8c4e6b1d9_partitioned_evidence``), and what ``partitions ensure`` and ``detach`` cost.

A fresh PostgreSQL database is migrated to the revision before, seeded in SQL with ``--rows`` support
records and as many check-ins (spread over two years: eight reporting quarters), then migrated to the
head, timed; then ``ensure`` (nothing to do: timed), and a detach of the oldest quarter with its archive.

    .venv/bin/python bench/partitions_migration.py --database-url "$(scripts/postgres-ready | tail -1)"
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench.common import drop_database, durability, fresh_database  # noqa: E402

BEFORE = "e5b7d3a9c2f4"
COMMUNE = "17395"


CHECKINS = (
    "INSERT INTO checkins (client_id, request_hash, user_id, commune_code, target_kind, session_id, "
    "scanned_at, received_at, mock_location, verdict, flags, evidence_status{period}) "
    "SELECT gen_random_uuid()::text, repeat('0', 64), :u, :c, CASE WHEN g % 10 = 0 THEN 'session' "
    "ELSE 'household' END, CASE WHEN g % 10 = 0 THEN :s END, now() - (g % 730) * interval '1 day', "
    "now() - (g % 730) * interval '1 day', false, 'verified', '[]', "
    "CASE WHEN g % 10 = 0 THEN 'rejected' ELSE 'counted' END{period_value} FROM generate_series(1, :n) g")


def seed(db, rows: int) -> dict:
    from tests.factories import make_household, make_person, make_session, make_user

    person = make_person(household=make_household())
    user = make_user()
    session = make_session()
    started = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO support_records (person_id, skill, commune_code, village_id, source_kind, source_id, "
            "supported_at, proof, flags, created_at, evidence_status) "
            "SELECT :p, 'cashless_payment', :c, :v, 'visit', 'V' || g, "
            "now() - (g % 730) * interval '1 day', 'gps', '[]', now(), 'counted' FROM generate_series(1, :n) g"),
            {"p": person.id, "c": person.commune_code, "v": person.village_id, "n": rows})
        seeded = time.perf_counter()
        params = {"u": user.id, "c": person.commune_code, "s": session.id}
        conn.execute(sa.text(CHECKINS.format(period="", period_value="")), {**params, "n": rows})
    print(f"seeded {rows:,} support records and {rows:,} check-ins in {time.perf_counter() - started:.1f} s "
          f"(check-ins, one table: {(time.perf_counter() - seeded) / rows * 1e6:.1f} µs a row)")
    return params


def checkins_after(db, params: dict, rows: int) -> None:
    """As many more check-ins, into the partitioned table (the client-id trigger and its table)."""
    started = time.perf_counter()
    with db.engine.begin() as conn:
        statement = CHECKINS.format(period=", period_at", period_value=", now() - (g % 730) * interval '1 day'")
        conn.execute(sa.text(statement), {**params, "n": rows})
    print(f"{rows:,} more check-ins, partitioned: {(time.perf_counter() - started) / rows * 1e6:.1f} µs a row")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL URL (with ?template=)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    from flask_migrate import upgrade

    from fieldapp import create_app
    from fieldapp.extensions import db
    from fieldapp.partitions import partition_detach, partitions_ensure, partitions_list, period_named
    from fieldapp.services.units import units_import

    url = fresh_database(args.database_url)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "AUDIT_SEQUENCE_INTERVAL": 0,
                          "KEYS_DIR": tempfile.mkdtemp(prefix="fieldapp-bench-keys-"),
                          "PASSWORD_HASH_PROFILE": "CHEAPEST"})
        with app.app_context():
            print(f"database: {db.engine.dialect.name}; durability: {durability(db)}")
            upgrade(revision=BEFORE)
            units_import()
            db.session.commit()
            params = seed(db, args.rows)
            db.session.remove()
            started = time.perf_counter()
            upgrade()
            print(f"migration to partitions: {time.perf_counter() - started:.1f} s")
            checkins_after(db, params, args.rows)
            with db.engine.begin() as conn:
                partitions = partitions_list(conn)
                print(f"partitions: {len(partitions)}")
                started = time.perf_counter()
                made = partitions_ensure(conn)
                print(f"ensure with nothing to make: {(time.perf_counter() - started) * 1000:.0f} ms ({made})")
            oldest = min((p for p in partitions if p.period), key=lambda p: p.name).period
            with db.engine.begin() as conn, tempfile.TemporaryDirectory() as folder:
                started = time.perf_counter()
                done = partition_detach(conn, period_named(oldest), archive=Path(folder) / "archive.csv.gz")
                print(f"detach {oldest} with its archive: {time.perf_counter() - started:.1f} s, "
                      + ", ".join(f"{d.table} {d.rows:,} rows" for d in done))
            db.engine.dispose()
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
