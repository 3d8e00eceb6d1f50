"""Benchmark (issue 15): what a volunteer's phone pulls, in gzipped bytes and server time, over HTTP.

Seeds one volunteer with 300 assigned households and 1,200 people (Vietnamese names, birth years,
phones, a third with skills), through the services so that every row has its sync stamp; starts
gunicorn with fieldapp's config (on PostgreSQL acting as the runtime role, under row-level security)
and, over real HTTP on 127.0.0.1 with ``Accept-Encoding: gzip``:

1. a full pull (no cursor), every page at the default limit: total gzipped bytes on the wire, the
   sum of the pages' ``Server-Timing`` (the app's own time for the pull) and wall time of all pages;
   repeated ``--runs`` times (the first is reported apart: cold caches);
2. an empty incremental pull (the full pull's last cursor, nothing changed): its bytes;
3. a day's incremental pull after 20 changes pushed by the phone through ``POST /sync/push``
   (10 person corrections, 10 skills recorded): its bytes and how many people it brought.

    .venv/bin/python bench/sync_pull.py --database-url "$(scripts/postgres-ready | tail -1)"

Targets: full pull < 150 KB gzipped and < 1 s server time; empty pull < 1 KB; the day's pull < 10 KB.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import drop_database, fresh_database, make_app  # noqa: E402
from bench.sync_common import Server, keys_dir, mobile_phone, seed_field  # noqa: E402

GZIP = {"Accept-Encoding": "gzip"}


def pull_all(server: Server, token: str, cursor: str | None = None) -> dict:
    """Every page of one pull: bytes on the wire, JSON bytes, server and wall ms, the last cursor, rows."""
    totals = {"pages": 0, "bytes": 0, "json_bytes": 0, "server_ms": 0.0, "wall_ms": 0.0, "rows": {}}
    while True:
        path = "/api/v1/sync/pull" + (f"?cursor={quote(cursor)}" if cursor else "")
        status, headers, raw, wall = server.request("GET", path, token=token, headers=GZIP)
        assert status == 200, raw[:300]
        assert headers.get("content-encoding") == "gzip"
        body = gzip.decompress(raw)
        page = json.loads(body)
        totals["pages"] += 1
        totals["bytes"] += len(raw)
        totals["json_bytes"] += len(body)
        totals["server_ms"] += float(headers["server-timing"].split("dur=")[1])
        totals["wall_ms"] += wall
        for kind in ("households", "persons", "sessions", "qr_keys", "reviews", "tombstones"):
            totals["rows"][kind] = totals["rows"].get(kind, 0) + len(page[kind])
        cursor = page["cursor"]
        if not page["more"]:
            totals["cursor"] = cursor
            return totals


def describe(name: str, result: dict) -> str:
    rows = ", ".join(f"{k} {v}" for k, v in result["rows"].items() if v)
    return (f"  {name}: {result['bytes']:,} bytes gzipped ({result['json_bytes']:,} bytes of JSON) in "
            f"{result['pages']} page(s); server {result['server_ms']:.1f} ms, wall {result['wall_ms']:.1f} ms; "
            f"rows: {rows or 'none'}")


def day_of_changes(world, phone: str, rng: random.Random) -> list[dict]:
    """10 person corrections (a phone number, a disability noted) and 10 skills recorded (ones the seed
    never grants), on 20 people."""
    households = world.households[phone]
    chosen = rng.sample([(h, p) for h in households for p in h["people"]], 20)
    items = []
    for number, (household, person) in enumerate(chosen):
        if number < 10:
            # Each a real change (a correction to the same value would change nothing, so pull nothing).
            changes = {"phone": mobile_phone(rng)} if number % 2 else {"has_disability": True}
            items.append({"client_id": str(uuid.uuid4()), "kind": "person.update",
                          "data": {"person_id": person, "version": household["versions"][person], "changes": changes}})
        else:
            items.append({"client_id": str(uuid.uuid4()), "kind": "skills.record",
                          "data": {"person_id": person, "evidence_kind": "other",
                                   "grant": [rng.choice(["local_digital_platforms", "digital_bank_account"])]}})
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (?template= allowed); SQLite without it")
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--members", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5, help="full pulls after the first")
    args = parser.parse_args()
    url = fresh_database(args.database_url)
    keys_dir()
    server = None
    try:
        app = make_app(url)
        world = seed_field(app, volunteers=1, households_each=args.households, members_each=args.members)
        server = Server(app)
        phone = world.volunteers[0]
        token = server.token(phone)
        print(f"over HTTP: gunicorn ({server.workers} workers, fieldapp's config) on 127.0.0.1, Accept-Encoding: gzip")
        first = pull_all(server, token)
        print(describe("full pull, first (cold)", first))
        runs = [pull_all(server, token) for _ in range(args.runs)]
        median = {key: statistics.median(r[key] for r in runs) for key in ("bytes", "server_ms", "wall_ms")}
        print(f"  full pull, {args.runs} more: median {median['bytes']:,.0f} bytes, "
              f"server {median['server_ms']:.1f} ms "
              f"(max {max(r['server_ms'] for r in runs):.1f}), wall {median['wall_ms']:.1f} ms "
              f"(max {max(r['wall_ms'] for r in runs):.1f})")
        empty = pull_all(server, token, runs[-1]["cursor"])
        print(describe("empty incremental pull", empty))
        items = day_of_changes(world, phone, random.Random(20))
        status, _, raw, wall = server.request("POST", "/api/v1/sync/push", token=token, body={"items": items})
        pushed = json.loads(raw)
        assert status == 200 and pushed["applied"] == 20, pushed
        print(f"  pushed the day's 20 changes (10 person.update, 10 skills.record): {pushed['applied']} applied "
              f"in {wall:.0f} ms")
        changed = {item["data"]["person_id"] for item in items}
        # On PostgreSQL a pull reads below pg_snapshot_xmin, the oldest transaction still running on the
        # whole server (other databases' included): a transaction left open elsewhere holds every pull
        # back. Wait for it, and say so; the figure is the pull that brings the day's changes.
        waited, started = 0, time.monotonic()
        while True:
            day = pull_all(server, token, empty["cursor"])
            if day["rows"]["persons"] >= len(changed) or time.monotonic() - started > 120:
                break
            waited += 1
            time.sleep(0.5)
        if waited:
            print(f"  (the day's changes were held back {time.monotonic() - started:.1f} s, {waited} empty pull(s), "
                  "by transactions still open on the PostgreSQL server)")
        print(describe("the day's incremental pull", day))
        assert day["rows"]["persons"] == len(changed), (day["rows"], len(changed))
        print("targets: full pull < 150 KB and < 1 s server time; empty pull < 1 KB; the day's pull < 10 KB")
        print(f"  full pull {first['bytes'] / 1000:.1f} KB ({'ok' if first['bytes'] < 150_000 else 'MISSED'}), "
              f"server {first['server_ms']:.0f} ms cold / {median['server_ms']:.0f} ms warm "
              f"({'ok' if first['server_ms'] < 1000 else 'MISSED'}); "
              f"empty {empty['bytes']} B ({'ok' if empty['bytes'] < 1000 else 'MISSED'}); "
              f"day {day['bytes'] / 1000:.2f} KB ({'ok' if day['bytes'] < 10_000 else 'MISSED'})")
    finally:
        if server is not None:
            server.stop()
        drop_database(url)


if __name__ == "__main__":
    main()
