"""Benchmark (issue 15): sync push throughput over HTTP, beside PostgreSQL's own single-row insert rate.

Seeds ``--phones`` volunteers, each with their own households (4 people each); starts gunicorn with
fieldapp's config (acting as the runtime role, under row-level security); then each phone, in its
own thread, pushes ``--batches`` batches of ``--items`` items (half check-ins at a household plate,
half visits helping one or two people with a skill: each with its activity-log entries) to
``POST /api/v1/sync/push``, one batch after the other, every item new. Items per second = all items
applied / the wall time from the first push sent to the last answer.

In the same run, on the same server and database (durability on: synchronous_commit=on), pgbench
runs single-row transactions ``INSERT INTO sync_bench_t (...) VALUES (...)`` on a scratch table
with ``-c 4 -j 2 -T 10``: PostgreSQL's own rate of durable one-row commits on this machine.

    .venv/bin/python bench/sync_push.py --database-url "$(scripts/postgres-ready | tail -1)"

Target: push items/s at least 25% of pgbench's rate. Afterwards every item is checked to be in the
database exactly once (check-ins and visits counted by client_id).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench import tools  # noqa: E402
from bench.common import drop_database, fresh_database, make_app  # noqa: E402
from bench.sync_common import Server, keys_dir, seed_field  # noqa: E402

PGBENCH_SCRIPT = ("INSERT INTO sync_bench_t (client_id, kind, payload, created_at) "
                  "VALUES (gen_random_uuid(), 'checkin', 'H0000000001', now());\n")


def pgbench_binary() -> str:
    return tools.pgbench()  # installed from Debian when missing


def pgbench(url: str, seconds: int, clients: int, threads: int) -> dict:
    """pgbench's single-row insert transactions on a scratch table of the same database."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE sync_bench_t (id bigserial PRIMARY KEY, client_id uuid UNIQUE NOT NULL, "
                             "kind text NOT NULL, payload text NOT NULL, created_at timestamptz NOT NULL)"))
    script = Path(tempfile.mkdtemp(prefix="fieldapp-bench-pgbench-")) / "insert.sql"
    script.write_text(PGBENCH_SCRIPT)
    libpq = sa.make_url(url).render_as_string(hide_password=False).replace("postgresql+psycopg://", "postgresql://")
    command = [pgbench_binary(), "-n", "-f", str(script), "-c", str(clients), "-j", str(threads), "-T", str(seconds),
               libpq]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", output).group(1))
    latency = re.search(r"latency average = ([\d.]+) ms", output)
    with engine.begin() as conn:
        rows = conn.execute(sa.text("SELECT count(*) FROM sync_bench_t")).scalar()
        conn.execute(sa.text("DROP TABLE sync_bench_t"))
    engine.dispose()
    return {"tps": tps, "rows": rows, "latency_ms": float(latency.group(1)) if latency else None,
            "command": " ".join(command[:-1] + ["URL"])}


def batch(households: list[dict], size: int, rng: random.Random, now: str) -> list[dict]:
    """``size`` new items: check-ins and visits alternately, at households picked at random."""
    items = []
    for number in range(size):
        household = rng.choice(households)
        gps = {"lat": household["lat"] + rng.uniform(-0.0001, 0.0001),
               "lon": household["lon"] + rng.uniform(-0.0001, 0.0001), "accuracy_m": rng.randint(5, 25)}
        if number % 2 == 0:
            items.append({"client_id": str(uuid.uuid4()), "kind": "checkin",
                          "data": {"payload": household["plate"], "scanned_at": now, "gps": gps}})
        else:
            helped = rng.sample(household["people"], rng.randint(1, 2))
            items.append({"client_id": str(uuid.uuid4()), "kind": "visit", "data": {
                "household_id": household["id"], "outcome": "supported", "visited_at": now,
                "plate": household["plate"], "gps": gps,
                "people": [{"person_id": p, "skills": [rng.choice(["cashless_payment", "online_safety",
                                                                   "vneid_level2", "online_public_services"])]}
                           for p in helped],
                "note": rng.choice([None, "Hướng dẫn cài VNeID", "Cài ứng dụng ngân hàng, chuyển khoản thử"])}})
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL (?template= allowed)")
    parser.add_argument("--phones", type=int, default=4, help="phones pushing at once (pgbench -c is 4)")
    parser.add_argument("--batches", type=int, default=3, help="batches each phone pushes")
    parser.add_argument("--items", type=int, default=500, help="items per batch (500: the most a push takes)")
    parser.add_argument("--households", type=int, default=50, help="households of each phone's volunteer")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: fieldapp's config)")
    parser.add_argument("--timeout", type=int, default=None,
                        help="gunicorn's request timeout in s (default: fieldapp's config, 60 s)")
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("the comparison is with pgbench: PostgreSQL only")
    pgbench_binary()
    url = fresh_database(args.database_url)
    keys_dir()
    server = None
    try:
        app = make_app(url)
        world = seed_field(app, volunteers=args.phones, households_each=args.households, members_each=4)
        server = Server(app, workers=args.workers, timeout=args.timeout)
        tokens = {phone: server.token(phone) for phone in world.volunteers}
        from fieldapp.clock import utcnow

        now = utcnow().isoformat()
        rng = random.Random(500)
        batches = {phone: [batch(world.households[phone], args.items, rng, now) for _ in range(args.batches)]
                   for phone in world.volunteers}
        # Warm-up: one small push per phone (first connections, imports, caches), not counted.
        for phone in world.volunteers:
            warm = batch(world.households[phone], 10, rng, now)
            status, _, raw, _ = server.request("POST", "/api/v1/sync/push", token=tokens[phone], body={"items": warm})
            assert status == 200 and json.loads(raw)["applied"] == 10, raw[:500]
        print(f"over HTTP: gunicorn ({server.workers} workers, fieldapp's config, request timeout "
              f"{args.timeout or 60} s) on 127.0.0.1; {args.phones} phone(s) "
              f"at once, each {args.batches} batches of {args.items} items (check-ins and visits alternately)")
        timings: list[float] = []
        outcomes: dict[str, int] = {}
        failures: list[str] = []
        lock = threading.Lock()

        def phone_run(phone: str) -> None:
            for items in batches[phone]:
                status, _, raw, wall = server.request("POST", "/api/v1/sync/push", token=tokens[phone],
                                                      body={"items": items})
                with lock:
                    if status != 200:
                        failures.append(f"{status} {raw[:200]!r}")
                        continue
                    answer = json.loads(raw)
                    timings.append(wall)
                    for result in answer["results"]:
                        key = result["result"] if result["result"] != "rejected" else \
                            f"rejected:{result['error']['error_code']}"
                        outcomes[key] = outcomes.get(key, 0) + 1

        threads = [threading.Thread(target=phone_run, args=(phone,)) for phone in world.volunteers]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        applied = outcomes.get("applied", 0)
        push_rate = applied / elapsed
        print(f"  push: {applied:,} items applied in {elapsed:.1f} s = {push_rate:.0f} items/s; "
              f"per batch of {args.items}: median {statistics.median(timings or [0]) / 1000:.2f} s, "
              f"max {max(timings or [0]) / 1000:.2f} s; results {outcomes}; "
              f"failed pushes: {len(failures)} {failures[:3] or ''}")
        server.stop()
        server = None
        bench = pgbench(url, args.pgbench_seconds, 4, 2)
        print(f"  pgbench: {bench['tps']:.0f} single-row insert transactions/s "
              f"(latency average {bench['latency_ms']} ms; {bench['rows']:,} rows; {bench['command']})")
        share = 100 * push_rate / bench["tps"]
        print(f"  push items/s = {share:.1f}% of pgbench's single-row insert rate "
              f"(target >= 25%: {'ok' if share >= 25 else 'MISSED'})")
        engine = sa.create_engine(url)
        sent = [item["client_id"] for phone in world.volunteers for items in batches[phone] for item in items]
        with engine.connect() as conn:
            stored = conn.execute(sa.text(
                "SELECT client_id FROM checkins UNION ALL SELECT client_id FROM visits")).scalars().all()
            entries = conn.execute(sa.text("SELECT action, count(*) FROM activity_entries "
                                           "WHERE action IN ('checkin.create', 'visit.create') GROUP BY action")).all()
        engine.dispose()
        counted = {}
        for client_id in stored:
            counted[str(client_id)] = counted.get(str(client_id), 0) + 1
        missing = sum(1 for c in sent if counted.get(c, 0) == 0)
        twice = sum(1 for c in sent if counted.get(c, 0) > 1)
        print(f"  database: {len(sent):,} items sent, {missing} missing, {twice} stored more than once; "
              f"log entries {dict(entries)}")
    finally:
        if server is not None:
            server.stop()
        drop_database(url)


if __name__ == "__main__":
    main()
