"""Indicators at province scale (issue 17): a commune's and the province's quarterly indicators, before
and after the history doubles, and what keeping the roll-ups costs a visit.

A province of 102 communes (Đắk Lắk), 1,000,000 households, 4,000,000 people and 10,000,000 support
records (bench/province.py: set-based SQL), the roll-ups built by the app's own rebuild. Requests go
through the whole app (routing, token, row-level security as the runtime role, the selectors,
serialisation), no network. Beside each figure, a reference measured in the same run: counting the
quarter's support records of the commune / the province straight from the records, which is what a
query-time indicator (DHIS2's program indicators) would start from, and which grows with the history.

    .venv/bin/python bench/indicators.py --database-url "$(scripts/postgres-ready | tail -1)"
    .venv/bin/python bench/indicators.py --database-url ... --households 100000   # a tenth, in minutes

Targets (issue 17): a commune's quarter under 200 ms, the province's under 2 s, flat as history grows.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench.common import drop_database, fresh_database, make_app, serving_app  # noqa: E402
from bench.province import PASSWORD, counts, province_of, seed_history, seed_units  # noqa: E402

#: The quarter measured (inside the newer half of the history) and the two halves of it.
QUARTER = "2026-Q3"
QUARTER_SPAN = ("2026-07-01", "2026-10-01")
NEWER, OLDER = date(2025, 12, 1), date(2024, 12, 1)


def percentile(samples, share):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def timed_ms(call, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def line(label: str, samples: list[float]) -> str:
    return (f"{label}: p50 {statistics.median(samples):.1f} ms, p95 {percentile(samples, 0.95):.1f} ms "
            f"over {len(samples)}")


def rebuild(app) -> float:
    from tqdm import tqdm

    from fieldapp.extensions import db
    from fieldapp.models.tallies import tallies_rebuild

    started = time.perf_counter()
    bars: dict[str, tqdm] = {}

    def progress(table, done, total):
        bar = bars.get(table) or bars.setdefault(table, tqdm(total=total, desc=f"rebuild {table}", unit="row"))
        bar.update(done - bar.n)

    with app.app_context(), db.engine.begin() as conn:
        written = tallies_rebuild(conn, progress=progress)
    for bar in bars.values():
        bar.close()
    seconds = time.perf_counter() - started
    print(f"  roll-ups rebuilt in {seconds:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in written.items()))
    # What autovacuum would have done by the time anyone reads a quarter: statistics, and the visibility
    # map that lets a period's counters be read from their index alone.
    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    return seconds


def measure(app, client, province, runs: int) -> dict[str, list[float]]:
    from fieldapp.extensions import db

    def login(phone):
        answer = client.post("/api/v1/auth/token", json={"phone": phone, "password": PASSWORD}).get_json()
        return {"Authorization": f"Bearer {answer['access_token']}"}

    commune = province.communes[len(province.communes) // 2]
    with app.app_context():
        officer_phone = db.session.scalar(sa.text(
            "SELECT phone FROM users WHERE role = 'commune_officer' AND unit_code = :c"), {"c": commune})
    officer, province_officer = login(officer_phone), login(province.province_officer_phone)

    def get(path, headers):
        def call():
            answer = client.get(path, headers=headers)
            assert answer.status_code == 200, answer.get_json()
        return call

    commune_call = get(f"/api/v1/indicators?unit={commune}&period={QUARTER}", officer)
    province_call = get(f"/api/v1/indicators?unit={province.code}&period={QUARTER}", province_officer)
    commune_call(), province_call()  # caches warm
    found = {"commune quarter": timed_ms(commune_call, runs),
             "province quarter": timed_ms(province_call, max(5, runs // 5))}

    def reference(where, params):
        def call():
            with app.app_context():
                db.session.execute(sa.text(
                    "SELECT skill, evidence_status, count(*), count(DISTINCT person_id) FROM support_records "
                    f"WHERE {where} AND supported_at >= :a AND supported_at < :b GROUP BY 1, 2"),  # noqa: S608
                    {"a": QUARTER_SPAN[0], "b": QUARTER_SPAN[1], **params}).all()
        return call

    found["reference: commune's records of the quarter counted"] = timed_ms(
        reference("commune_code = :c", {"c": commune}), max(5, runs // 5))
    found["reference: province's records of the quarter counted"] = timed_ms(
        reference("commune_code IN (SELECT code FROM units WHERE parent_code = :p)", {"p": province.code}), 3)
    figures = client.get(f"/api/v1/indicators?unit={commune}&period={QUARTER}", headers=officer).get_json()
    support = next(f for f in figures["figures"] if f["code"] == "support.records")
    print(f"  commune {commune}: {support['numerator']:,} support records counted in {QUARTER}, "
          f"{support.get('held_back')} held back")
    for label, samples in found.items():
        print("  " + line(label, samples))
    return found


def write_path(app, client, runs: int) -> dict[str, list[float]]:
    """A visit of three people, three skills each, posted by a volunteer, with and without the
    roll-ups' flush hook (the same requests otherwise)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from fieldapp.clock import utcnow
    from fieldapp.extensions import db
    from fieldapp.models.tallies import _tallies_on_flush

    with app.app_context():
        volunteer = db.session.execute(sa.text(
            "SELECT u.id, u.phone, tm.team_id, u.unit_code FROM users u JOIN team_members tm ON tm.user_id = u.id "
            "WHERE u.role = 'volunteer' ORDER BY u.id LIMIT 1")).one()
        households = db.session.execute(sa.text(
            "SELECT h.id, h.public_id, ST_Y(h.location), ST_X(h.location) FROM households h "
            "WHERE h.commune_code = :c AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.household_id = h.id) "
            "ORDER BY h.id LIMIT :n"), {"c": volunteer.unit_code, "n": runs * 2 + 20}).all()
        with db.engine.begin() as conn:
            for household in households:
                conn.execute(sa.text("INSERT INTO assignments (household_id, commune_code, volunteer_id, team_id, "
                                     "assigned_at) VALUES (:h, :c, :v, :t, now())"),
                             {"h": household.id, "c": household.commune_code, "v": volunteer.id,
                              "t": volunteer.team_id})
        members = {h.id: list(db.session.scalars(sa.text(
            "SELECT public_id FROM persons WHERE household_id = :h ORDER BY id LIMIT 3"), {"h": h.id}))
            for h in households}
    token = client.post("/api/v1/auth/token", json={"phone": volunteer.phone, "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    queue = iter(households)

    def visit():
        household = next(queue)
        answer = client.post("/api/v1/visits", headers=headers, json={
            "client_id": str(uuid.uuid4()), "household_id": household.public_id, "outcome": "supported",
            "visited_at": utcnow().isoformat(),
            "gps": {"lat": household[2], "lon": household[3], "accuracy_m": 5},
            "people": [{"person_id": p, "skills": ["cashless_payment", "online_safety", "vneid_level2"]}
                       for p in members[household.id]]})
        assert answer.status_code == 201, answer.get_json()

    for _ in range(10):
        visit()  # warm
    found = {"visit of 3 people x 3 skills, roll-ups kept": timed_ms(visit, runs)}
    event.remove(Session, "after_flush", _tallies_on_flush)
    try:
        found["the same visit, roll-ups' hook removed (reference)"] = timed_ms(visit, runs)
    finally:
        event.listen(Session, "after_flush", _tallies_on_flush)
    for label, samples in found.items():
        print("  " + line(label, samples))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL (the figures are for PostGIS)")
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    parser.add_argument("--reuse", action="store_true",
                        help="--database-url is a database a --keep run left: migrate it and measure again")
    args = parser.parse_args()
    if args.reuse:
        app = make_app(args.database_url)
        province = province_of(app)
        client = serving_app(app).test_client()
        print("the whole history, measured again:")
        measure(app, client, province, args.runs)
        print("the write path:")
        write_path(app, client, args.runs)
        return
    url = fresh_database(args.database_url)
    print(f"database {url}")
    try:
        app = make_app(url)
        province = seed_units(app, households=args.households)
        seed_history(app, first_month=NEWER, months=12, records_per_household=5, progress_label="newer half")
        print("  " + ", ".join(f"{k} {v:,}" for k, v in counts(app).items()))
        first_rebuild = rebuild(app)
        client = serving_app(app).test_client()
        print(f"half the history (12 months from {NEWER}):")
        half = measure(app, client, province, args.runs)
        seed_history(app, first_month=OLDER, months=12, records_per_household=5, progress_label="older half")
        print("  " + ", ".join(f"{k} {v:,}" for k, v in counts(app).items()))
        second_rebuild = rebuild(app)
        print(f"the whole history (24 months from {OLDER}):")
        whole = measure(app, client, province, args.runs)
        print("growth when the history doubles (p50, whole / half):")
        for label in half:
            print(f"  {label}: {statistics.median(whole[label]) / statistics.median(half[label]):.2f}x")
        print("the write path:")
        write_path(app, client, args.runs)
        print(f"rebuilds: {first_rebuild:.0f} s (half), {second_rebuild:.0f} s (whole)")
    finally:
        if args.keep:
            print(f"kept: {url}")
        else:
            drop_database(url)


if __name__ == "__main__":
    main()
