"""Benchmark (issue 6): appending to the activity log stays constant-time as the log grows.

For each log size (default 10,000 and 1,000,000 entries) a fresh database gets a log of that size
(seeded in SQL: entries, leaves and subtree nodes with synthetic hashes, which is all that sizes and
indexes depend on), then the benchmark times:

- an append: ``activity_record`` + commit, as every write endpoint does it (one durable transaction);
- sequencing: the queued appends numbered and hashed into the tree, per entry.

    .venv/bin/python bench/audit_append.py --database-url "$(scripts/postgres-ready | tail -1)"
    .venv/bin/python bench/audit_append.py            # SQLite + SpatiaLite
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench.common import drop_database, fresh_database, make_app, summary  # noqa: E402

LOG = "17395"


def seed(db, size: int) -> None:
    """A log of ``size`` sequenced entries, written by the database itself."""
    started = time.perf_counter()
    levels = max(size.bit_length() - 1, 0)
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(sa.text(
                "INSERT INTO activity_entries (id, log_unit, actor_role, action, object_type, object_id, body, "
                "created_at) SELECT g, :log, 'operator', 'bench.seed', 'thing', g::text, '{}', now() "
                "FROM generate_series(1, :n) g"), {"log": LOG, "n": size})
            conn.execute(sa.text("SELECT setval('activity_entries_id_seq', :n)"), {"n": size})
            conn.execute(sa.text(
                "INSERT INTO activity_leaves (log_unit, seq, entry_id, leaf_hash, sequenced_at) "
                "SELECT :log, g - 1, g, sha256(g::text::bytea), now() FROM generate_series(1, :n) g"),
                {"log": LOG, "n": size})
            for level in range(1, levels + 1):
                conn.execute(sa.text(
                    "INSERT INTO activity_nodes (log_unit, level, index, hash) SELECT :log, :level, i, "
                    "sha256((:level || ':' || i)::bytea) FROM generate_series(0, :count - 1) i"),
                    {"log": LOG, "level": level, "count": size >> level})
        else:
            series = "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < :n) "
            conn.execute(sa.text(
                series + "INSERT INTO activity_entries (id, log_unit, actor_role, action, object_type, object_id, "
                "body, created_at) SELECT x, :log, 'operator', 'bench.seed', 'thing', x, '{}', "
                "'2026-11-01 00:00:00.000000' FROM g"), {"log": LOG, "n": size})
            conn.execute(sa.text(
                series + "INSERT INTO activity_leaves (log_unit, seq, entry_id, leaf_hash, sequenced_at) "
                "SELECT :log, x - 1, x, randomblob(32), '2026-11-01 00:00:00.000000' FROM g"),
                {"log": LOG, "n": size})
            for level in range(1, levels + 1):
                conn.execute(sa.text(
                    series + "INSERT INTO activity_nodes (log_unit, level, \"index\", hash) "
                    "SELECT :log, :level, x - 1, randomblob(32) FROM g"),
                    {"log": LOG, "level": level, "n": size >> level})
    print(f"  seeded a log of {size:,} entries in {time.perf_counter() - started:.1f} s")


def measure(app, size: int, appends: int) -> None:
    from fieldapp.audit.sequencer import sequence_pending
    from fieldapp.extensions import db
    from fieldapp.services.activity import activity_record

    with app.app_context():
        seed(db, size)
        samples = []
        for number in range(appends):
            started = time.perf_counter()
            activity_record(action="bench.append", object_type="thing", object_id=number, log_unit=LOG,
                            caller=None, body={"n": number})
            db.session.commit()
            samples.append((time.perf_counter() - started) * 1000)
        print(f"  append (entry + queue row, one durable commit) at {size:,}: {summary(samples)}")
        started = time.perf_counter()
        result = sequence_pending(db.session, LOG)
        db.session.commit()
        elapsed = time.perf_counter() - started
        assert result.size == size + appends
        print(f"  sequencing {appends} queued entries at {size:,}: {elapsed * 1000:.0f} ms "
              f"({elapsed * 1e6 / appends:.0f} µs per entry); log size now {result.size:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (?template= allowed); default SQLite")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--appends", type=int, default=2000)
    args = parser.parse_args()
    for size in args.sizes:
        url = fresh_database(args.database_url)
        try:
            print(f"log of {size:,} entries")
            measure(make_app(url), size, args.appends)
        finally:
            drop_database(url)


if __name__ == "__main__":
    main()
