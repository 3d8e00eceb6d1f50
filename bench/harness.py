"""The benchmark harness (issue 19): a province generated at ``--scale``, the app under gunicorn on it as
production serves it, driven from a separate load process; the figures written into bench/RESULTS.md.

One command, from a fresh Debian machine (PostgreSQL + PostGIS, Redis and wrk are installed and started
when missing, by scripts/postgres-ready, scripts/redis-ready and bench/tools.py):

    .venv/bin/python bench/harness.py --scale small            # 10,000 households, minutes
    .venv/bin/python bench/harness.py --scale small medium     # both, the growth table in one run
    .venv/bin/python bench/harness.py --scale province         # 1,000,000 households, within an hour

For each scale:

1. **The province** (bench/province.py, set-based SQL): Đắk Lắk's 102 communes from the real unit
   list, ten villages each, the households around each commune's centroid, four people each
   (Vietnamese names, sexes, birth years, target groups, skills), 20 accounts per commune in two
   teams, a mentor network, weekly classes and one-stop desk sessions with attendees and check-ins,
   visits and about ten support records per household over 24 months; then what bench/province_work.py
   adds: worklists (each commune's first volunteer has ``WORKLIST`` households at every scale), the
   plate scans of the visits, the activity log of every visit and check-in; the roll-ups rebuilt by
   the app's own ``tallies_rebuild``.
2. **The server**: gunicorn with fieldapp's config (fieldapp/serving/gunicorn_conf.py: 2 x cores + 1
   sync workers, preloaded, the log sequencer in every worker) acting as the runtime role under
   row-level security, rate limits in Redis, on 127.0.0.1.
3. **How cost grows** (item 2): each request measured from bench/load.py in its own process, one
   request at a time (the cost of one, not a queue): a session check-in, a sync push of 50 items, a
   volunteer's full sync pull, their worklist, a commune officer's indicators for a quarter; and a
   log append (``activity_record`` + commit and its sequencing, in this process as
   bench/audit_append.py does it) in a commune's log of the scale's size. Beside them, the no-op
   ``GET /livez`` measured the same way: the machine's reference in the same run.
4. **Latency at a steady rate** (item 3): the check-in's maximum throughput, closed loop (wrk,
   32 connections), then bench/load.py's open loop at half of it for ``--steady-seconds`` (60 s):
   Poisson arrivals, each latency from the request's scheduled send time. Target p99 < 50 ms.

Each scale's figures go into bench/harness-figures.json (the latest run of each scale) and the
section "Harness (issue 19)" of bench/RESULTS.md is rewritten from it, with the ratio of each figure
to the smallest scale's.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench import tools  # noqa: E402
from bench.common import drop_database, fresh_database, make_app  # noqa: E402
from bench.province import SCALES, counts, province_of, seed_history, seed_units  # noqa: E402
from bench.province_work import LIVE_SESSIONS, WORKLIST, go_live, seed_work, worklist_of  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "bench" / "harness-figures.json"
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Harness (issue 19)"
#: 24 months of history, ten support records per household (bench/indicators.py seeds the same in two
#: halves); the quarter measured lies in it.
HISTORY_FROM, HISTORY_MONTHS, RECORDS_PER_HOUSEHOLD = date(2024, 12, 1), 24, 10
QUARTER = "2026-Q3"
#: The communes whose people make the measured requests (spread over the province's list).
MEASURED_COMMUNES = 12
PUSH_ITEMS = 50
TARGET_P99_MS = 50
COMMIT_REFERENCE = "a one-row insert committed (reference, beside the log append)"

#: wrk's check-ins: each thread walks its own stretch of the (commune, volunteer, session) triples.
LUA = r"""
local communes = {%(communes)s}
local counter = 0
local thread_id = 0
function setup(thread)
  thread:set("tid", thread_id)
  thread_id = thread_id + 1
end
function init(args)
  counter = %(offset)d + tid * %(stride)d
end
request = function()
  local n = counter
  counter = counter + 1
  local c = communes[(n %% #communes) + 1]
  local k = math.floor(n / #communes)
  local token = c.tokens[(k %% #c.tokens) + 1]
  local code = c.codes[(math.floor(k / #c.tokens) %% #c.codes) + 1]
  local body = '{"client_id":"%(run)s-0000-4000-8' .. string.format("%%03d-%%012d", tid, n) ..
    '","payload":"' .. code .. '","scanned_at":"' .. os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ") ..
    '","gps":{"lat":' .. c.lat .. ',"lon":' .. c.lon .. ',"accuracy_m":12}}'
  return wrk.format("POST", "/api/v1/checkins", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token}, body)
end
"""


# --- the province ------------------------------------------------------------------------------------

def rebuild(app) -> float:
    from bench.indicators import rebuild as indicators_rebuild

    return indicators_rebuild(app)


def seed(app, scale: str) -> dict:
    began = time.perf_counter()
    seed_units(app, households=SCALES[scale])
    seed_history(app, first_month=HISTORY_FROM, months=HISTORY_MONTHS, records_per_household=RECORDS_PER_HOUSEHOLD,
                 progress_label=f"from {HISTORY_FROM}")
    seed_work(app)
    rebuild(app)
    sizes = counts(app)
    from fieldapp.extensions import db

    with app.app_context():
        sizes["activity_entries"] = db.session.scalar(sa.text("SELECT count(*) FROM activity_entries"))
        sizes["assignments"] = db.session.scalar(sa.text("SELECT count(*) FROM assignments"))
    print("  " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    return {"seed_seconds": time.perf_counter() - began, "rows": sizes}


# --- the server and the load process ------------------------------------------------------------------

class Server:
    """gunicorn with fieldapp's config, as the runtime role under row-level security."""

    def __init__(self, app, redis_url: str, extra_env: dict | None = None):
        from tests.databases import runtime_role, runtime_role_grant
        from tests.servers import free_port, start_gunicorn

        url = app.config["SQLALCHEMY_DATABASE_URI"]
        role = runtime_role(url)
        runtime_role_grant(url, role)
        env = {**os.environ, "DATABASE_URL": url, "DATABASE_ROLE": role, "KEYS_DIR": app.config["KEYS_DIR"],
               "AUDIT_SEQUENCE_INTERVAL": "1", "RATELIMIT_STORAGE_URI": redis_url, "FIELDAPP_ENV": "development",
               "PYTHONPATH": str(ROOT), **(extra_env or {})}
        self.port = free_port()
        self.workers = 2 * (os.cpu_count() or 1) + 1
        self.process = start_gunicorn(self.port, "--log-level", "warning", "--access-logfile", "/dev/null", env=env)
        self.role = role
        print(f"  gunicorn: fieldapp's config ({self.workers} sync workers) on 127.0.0.1:{self.port}, "
              f"acting as {role} (row-level security), rate limits in {redis_url}")

    def stop(self) -> None:
        import signal

        from tests.servers import stop

        stop(self.process, signal.SIGTERM)


def load(port: int, requests: list[dict], *, rate: float | None = None, seconds: float | None = None,
         concurrency: int = 1) -> dict:
    """bench/load.py in its own process on ``requests``; its result."""
    work = Path(tempfile.mkdtemp(prefix="fieldapp-harness-load-"))
    (work / "plan.json").write_text(json.dumps({"port": port, "requests": requests}, ensure_ascii=False))
    argv = [sys.executable, str(ROOT / "bench" / "load.py"), "--plan", str(work / "plan.json"),
            "--out", str(work / "out.json"), "--concurrency", str(concurrency)]
    if rate:
        argv += ["--rate", f"{rate:.1f}", "--seconds", str(seconds)]
    elif seconds:
        argv += ["--seconds", str(seconds)]
    subprocess.run(argv, check=True)
    return json.loads((work / "out.json").read_text())


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def checkin_requests(live, communes: list[str], start: int, count: int) -> list[dict]:
    """Session check-ins number ``start`` to ``start + count``: triple n is commune n mod C, then a
    volunteer, then a session, so no two are the same volunteer at the same session."""
    out = []
    for n in range(start, start + count):
        commune = communes[n % len(communes)]
        k = n // len(communes)
        tokens, codes = live.tokens[commune], live.codes[commune]
        lat, lon = live.venues[commune]
        out.append({"method": "POST", "path": "/api/v1/checkins", "headers": bearer(tokens[k % len(tokens)]),
                    "body": json.dumps({"client_id": "{{uuid}}", "payload": codes[(k // len(tokens)) % len(codes)],
                                        "scanned_at": "{{now}}", "gps": {"lat": lat, "lon": lon, "accuracy_m": 12}})})
    return out


def capacity(live, communes: list[str]) -> int:
    """How many distinct check-ins :func:`checkin_requests` can make."""
    return min(len(live.tokens[c]) for c in communes) * LIVE_SESSIONS * len(communes)


def wrk_checkins(base: str, live, communes: list[str], *, offset: int, stride: int, seconds: int,
                 connections: int) -> dict:
    rows = []
    for commune in communes:
        lat, lon = live.venues[commune]
        rows.append("{tokens={%s},codes={%s},lat=%r,lon=%r}" % (
            ",".join(json.dumps(t) for t in live.tokens[commune]),
            ",".join(json.dumps(c) for c in live.codes[commune]), lat, lon))
    script = Path(tempfile.mkdtemp(prefix="fieldapp-harness-wrk-")) / "checkins.lua"
    script.write_text(LUA % {"communes": ",\n".join(rows), "offset": offset, "stride": stride,
                             "run": secrets.token_hex(4)})
    return wrk_run(base + "/api/v1/checkins", script, seconds=seconds, connections=connections)


def wrk_run(url: str, script: Path | None, *, seconds: int, connections: int) -> dict:
    argv = [tools.wrk(), "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    output = subprocess.run(argv + (["-s", str(script)] if script else []) + [url],
                            capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "requests": int(re.search(r"(\d+) requests in", output).group(1)),
            "non_2xx": int(non2xx.group(1)) if non2xx else 0, "socket_errors": errors.group(1) if errors else "none",
            "latency": dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", output, re.M))}


def cpu_seconds(session_id: int, url: str) -> dict[str, float]:
    """CPU seconds used so far by the server's processes (gunicorn's session) and by the PostgreSQL
    backends of the database at ``url``: this run's own, whatever else the machine runs."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        backends = set(conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                            "AND pid <> pg_backend_pid()")).scalars())
    engine.dispose()
    ticks = os.sysconf("SC_CLK_TCK")
    totals = {"app": 0.0, "postgres": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / ticks
        if int(fields[3]) == session_id:
            totals["app"] += seconds
        elif int(entry.name) in backends:
            totals["postgres"] += seconds
    return totals


# --- the measurements ---------------------------------------------------------------------------------

def figure(result: dict, expect: tuple[int, ...]) -> dict:
    ok = sum(n for status, n in result["statuses"].items() if int(status) in expect)
    bad = {s: n for s, n in result["statuses"].items() if int(s) not in expect}
    if bad or result["errors"]:
        print(f"    unexpected answers: {bad} errors {result['errors']}")
    lat = result["latencies_ms"]
    return {"p50_ms": statistics.median(lat), "p95_ms": sorted(lat)[min(len(lat) - 1, int(len(lat) * 0.95))],
            "p99_ms": result["p99_ms"], "n": len(lat), "ok": ok, "unexpected": bad, "errors": result["errors"]}


def log_append(app, commune: str, appends: int) -> dict:
    from fieldapp.audit.sequencer import sequence_pending
    from fieldapp.extensions import db
    from fieldapp.services.activity import activity_record

    reference_engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with reference_engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_commit_reference (id bigserial PRIMARY KEY, "
                             "at timestamptz NOT NULL)"))
    references = []
    with app.app_context(), reference_engine.connect() as reference:
        size = db.session.scalar(sa.text("SELECT count(*) FROM activity_leaves WHERE log_unit = :c"), {"c": commune})
        samples = []
        for number in range(appends):
            began = time.perf_counter()
            activity_record(action="bench.append", object_type="thing", object_id=number, log_unit=commune,
                            caller=None, body={"n": number})
            db.session.commit()
            samples.append((time.perf_counter() - began) * 1000)
            # The reference, interleaved so that both see the same disk: a one-row insert, committed.
            began = time.perf_counter()
            reference.execute(sa.text("INSERT INTO bench_commit_reference (at) VALUES (now())"))
            reference.commit()
            references.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        result = sequence_pending(db.session, commune)
        db.session.commit()
        elapsed = time.perf_counter() - began
    reference_engine.dispose()
    ordered, reference_ordered = sorted(samples), sorted(references)
    return {"p50_ms": statistics.median(samples), "p95_ms": ordered[int(len(ordered) * 0.95)],
            "p99_ms": ordered[int(len(ordered) * 0.99)], "n": appends, "log_size": size,
            "sequencing_ms": elapsed * 1000, "log_size_after": result.size,
            "reference": {"p50_ms": statistics.median(references), "n": appends,
                          "p95_ms": reference_ordered[int(len(reference_ordered) * 0.95)]}}


class Cursor:
    """The next unused check-in number (each is a distinct volunteer at a session)."""

    def __init__(self, used: int):
        self.used = used

    def take(self, count: int) -> int:
        start, self.used = self.used, self.used + count
        return start


#: Check-ins each wrk thread may send (its own stretch): 800 a second for 15 s with two threads.
WRK_STRETCH = 6000


def steady_rate(app, server, live, communes: list[str], cursor: Cursor, args, fraction: float = 0.5) -> dict:
    """The check-in's maximum (wrk, closed loop), then an open loop at ``fraction`` of it (bench/load.py)."""
    port = server.port
    print(f"  check-in at a steady rate: the maximum first (wrk, closed loop, {args.connections} connections, "
          f"{args.max_seconds} s)")
    noop = wrk_run(f"http://127.0.0.1:{port}/api/v1/livez", None, seconds=5, connections=args.connections)
    print(f"    reference, the no-op GET /livez: {noop['rps']:.0f} req/s (same wrk settings, 5 s)")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    before = cpu_seconds(server.process.pid, url)
    maximum = wrk_checkins(f"http://127.0.0.1:{port}", live, communes, offset=cursor.take(2 * WRK_STRETCH),
                           stride=WRK_STRETCH, seconds=args.max_seconds, connections=args.connections)
    after = cpu_seconds(server.process.pid, url)
    maximum["cpu_ms_per_checkin"] = {k: 1000 * (after[k] - before[k]) / max(1, maximum["requests"]) for k in after}
    print(f"    maximum: {maximum['rps']:.0f} check-ins/s, latency p50 {maximum['latency'].get('50')} "
          f"p99 {maximum['latency'].get('99')} (closed loop), non-2xx {maximum['non_2xx']}, "
          f"socket errors {maximum['socket_errors']}; CPU per check-in: app (gunicorn, sequencers included) "
          f"{maximum['cpu_ms_per_checkin']['app']:.2f} ms, "
          f"PostgreSQL {maximum['cpu_ms_per_checkin']['postgres']:.2f} ms")
    rate = maximum["rps"] * fraction
    count = int(rate * args.steady_seconds * 1.2) + 10
    if cursor.used + count > capacity(live, communes):
        raise SystemExit("not enough distinct check-ins left: raise LIVE_SESSIONS")
    print(f"    open loop at {fraction:g} of it, {rate:.0f}/s for {args.steady_seconds} s (Poisson arrivals, "
          f"latency from each request's scheduled send time)")
    steady = load(port, checkin_requests(live, communes, cursor.take(count), count), rate=rate,
                  seconds=args.steady_seconds)
    found = figure(steady, (201,))
    found.update({"rate": rate, "achieved_rate": steady["rate"], "max_ms": steady["max_ms"],
                  "send_lag_p99_ms": steady["send_lag_p99_ms"], "p90_ms": steady["p90_ms"],
                  "slow": slow_seconds(steady), "maximum": maximum, "noop_rps": noop["rps"]})
    print(f"    steady: p50 {found['p50_ms']:.1f} ms, p90 {steady['p90_ms']:.1f} ms, "
          f"p99 {found['p99_ms']:.1f} ms, max {steady['max_ms']:.0f} ms over {found['n']} "
          f"({steady['rate']:.0f}/s answered; the generator's own send lag p99 {steady['send_lag_p99_ms']:.1f} ms)"
          f"; target p99 < {TARGET_P99_MS} ms: {'met' if found['p99_ms'] < TARGET_P99_MS else 'NOT met'}")
    print(f"    seconds of the run with a request over {TARGET_P99_MS} ms: {found['slow']}")
    return found


def slow_seconds(result: dict) -> list[int]:
    """The seconds (from the start of the run, by scheduled time) in which some request took over the
    target: spread evenly, the server is short of capacity; bunched, something stalls it now and then."""
    return sorted({int(at) for at, ms in zip(result["scheduled_s"], result["latencies_ms"], strict=True)
                   if ms > TARGET_P99_MS})


def measure(app, args) -> dict:
    from bench.sync_push import batch
    from fieldapp.clock import utcnow

    province = province_of(app)
    live = go_live(app)
    communes = sorted(live.tokens)
    step = max(1, len(communes) // MEASURED_COMMUNES)
    measured = communes[::step][:MEASURED_COMMUNES]
    found: dict = {}
    # Before the server starts, so that its sequencers do not take the entries being timed.
    found["log append (activity_record + commit)"] = f = log_append(app, measured[0], args.appends)
    found[COMMIT_REFERENCE] = f["reference"]
    print(f"  log append: p50 {f['p50_ms']:.2f} ms, p95 {f['p95_ms']:.2f} ms over {f['n']} in a log of "
          f"{f['log_size']:,} entries; sequencing them {f['sequencing_ms']:.0f} ms "
          f"({f['sequencing_ms'] * 1000 / f['n']:.0f} µs per entry); reference, a one-row insert committed, "
          f"interleaved: p50 {f['reference']['p50_ms']:.2f} ms")
    server_env = dict(pair.split("=", 1) for pair in args.server_env)
    server = Server(app, args.redis_url, server_env)
    try:
        port = server.port
        print("  cost of one request, one at a time (bench/load.py, its own process):")

        def run(name, requests, expect=(200,)):
            load(port, requests[: max(5, len(requests) // 10)])  # warm: each worker's first requests
            found[name] = figure(load(port, requests), expect)
            f = found[name]
            print(f"    {name}: p50 {f['p50_ms']:.1f} ms, p95 {f['p95_ms']:.1f} ms over {f['n']}")

        run("no-op GET /livez (reference)", [{"method": "GET", "path": "/api/v1/livez"}] * 300)
        used = 0
        found_checkins = checkin_requests(live, communes, used, 330)
        used += 330
        load(port, found_checkins[:30])
        found["check-in POST /checkins"] = figure(load(port, found_checkins[30:]), (201,))
        f = found["check-in POST /checkins"]
        print(f"    check-in POST /checkins: p50 {f['p50_ms']:.1f} ms, p95 {f['p95_ms']:.1f} ms over {f['n']}")
        lists = {c: worklist_of(app, c) for c in measured}
        first = {c: live.tokens[c][0] for c in measured}
        import random

        rng = random.Random(19)
        now = utcnow().isoformat()
        pushes = [{"method": "POST", "path": "/api/v1/sync/push", "headers": bearer(first[c]),
                   "body": json.dumps({"items": batch(lists[c], PUSH_ITEMS, rng, now)}, ensure_ascii=False)}
                  for _ in range(2) for c in measured]
        load(port, pushes[:2])
        found[f"sync push of {PUSH_ITEMS} items"] = figure(load(port, pushes[2:]), (200,))
        f = found[f"sync push of {PUSH_ITEMS} items"]
        print(f"    sync push of {PUSH_ITEMS} items: p50 {f['p50_ms']:.1f} ms, p95 {f['p95_ms']:.1f} ms over {f['n']}")
        run(f"sync pull, full ({WORKLIST} households)",
            [{"method": "GET", "path": "/api/v1/sync/pull", "headers": bearer(first[c])} for _ in range(4)
             for c in measured])
        run(f"worklist GET /me/worklist ({WORKLIST} households)",
            [{"method": "GET", "path": f"/api/v1/me/worklist?lat={lists[c][0]['lat']}&lon={lists[c][0]['lon']}",
              "headers": bearer(first[c])} for _ in range(8) for c in measured])
        run(f"indicators, a commune's quarter ({QUARTER})",
            [{"method": "GET", "path": f"/api/v1/indicators?unit={c}&period={QUARTER}",
              "headers": bearer(live.officers[c])} for _ in range(5) for c in measured])

        cursor = Cursor(used)
        found["steady"] = steady_rate(app, server, live, communes, cursor, args)
        for fraction in args.also_at:
            found[f"steady, at {fraction:g} of the maximum"] = steady_rate(app, server, live, communes, cursor, args,
                                                                           fraction)
    finally:
        server.stop()
    # The same steady-rate run on a server with other settings (a diagnosis), in the same run.
    for setting in args.compare:
        extra = dict(pair.split("=", 1) for pair in setting.split(","))
        print(f"  the same, on a server with {setting}:")
        server = Server(app, args.redis_url, {**server_env, **extra})
        try:
            found[f"steady, {setting}"] = steady_rate(app, server, live, communes, cursor, args)
        finally:
            server.stop()
    found["province"] = {"code": province.code, "communes": len(province.communes), "measured": measured}
    found["load_average"] = [round(x, 1) for x in os.getloadavg()]  # over the last 1, 5, 15 minutes
    print(f"  load average at the end (1, 5, 15 min): {found['load_average']}")
    return found


# --- RESULTS.md ----------------------------------------------------------------------------------------

def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))) / 2**20
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB"


def postgres_version(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SHOW server_version")).scalar()
        postgis = conn.execute(sa.text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")).scalar()
    engine.dispose()
    return f"PostgreSQL {version.split()[0]} + PostGIS {postgis}"


GROWTH = ["check-in POST /checkins", f"sync push of {PUSH_ITEMS} items", f"sync pull, full ({WORKLIST} households)",
          f"worklist GET /me/worklist ({WORKLIST} households)", f"indicators, a commune's quarter ({QUARTER})",
          "log append (activity_record + commit)", "no-op GET /livez (reference)", COMMIT_REFERENCE]


def growth_table(figures: dict) -> list[str]:
    scales = [s for s in SCALES if s in figures]
    smallest = scales[0]
    head = "| request | " + " | ".join(f"{s} ({SCALES[s]:,}) p50" for s in scales) + " | " + \
        "".join(f"{s} / {smallest} | " for s in scales[1:])
    lines = [head.rstrip(), "|" + "---|" * (2 * len(scales))]
    for name in GROWTH:
        values = [figures[s]["figures"].get(name, {}).get("p50_ms") for s in scales]
        cells = [f"{v:.2f} ms" if v is not None else "—" for v in values]
        ratios = [f"{v / values[0]:.2f}x" if v and values[0] else "—" for v in values[1:]]
        lines.append(f"| {name} | " + " | ".join(cells) + (" | " + " | ".join(ratios) if ratios else "") + " |")
    return lines


def write_results(figures: dict) -> None:
    scales = [s for s in SCALES if s in figures]
    lines = [SECTION, "",
             "```sh", *(figures[s]["command"] for s in scales), "```", "",
             "`bench/harness.py` generates the province at each scale (bench/province.py and bench/province_work.py),",
             "serves it with gunicorn and fieldapp's config as the runtime role under row-level security, and drives",
             "it from `bench/load.py` in a separate process. The figures below are rewritten by each run from",
             "`bench/harness-figures.json` (the latest run of each scale).", ""]
    lines += ["| scale | households | people | support records | check-ins | log entries | seeded in | measured | "
              "machine | database |", "|---|---|---|---|---|---|---|---|---|---|"]
    for s in scales:
        f = figures[s]
        rows = f["rows"]
        lines.append(f"| {s} | {rows['households']:,} | {rows['persons']:,} | {rows['support_records']:,} | "
                     f"{rows['checkins']:,} | {rows.get('activity_entries', 0):,} | {f['seed_seconds'] / 60:.1f} min | "
                     f"{f['date']} | {f['machine']} | {f['database']} |")
    lines += ["", "### How cost grows (item 2): one request at a time, p50, and its ratio to the smallest scale", "",
              "Each request sent alone from the load process (the cost of one request, no queue): a session",
              "check-in; a sync push of 50 items (check-ins at household plates and visits, alternately); a",
              f"volunteer's full sync pull and worklist ({WORKLIST} households, 240 people, the same at every scale);",
              f"a commune officer's indicators for {QUARTER}; a log append in the commune's log (in the harness's",
              "process, as bench/audit_append.py). The no-op `GET /livez` is each run's reference: its ratio is",
              "the machine's own drift between the runs (absolute figures move ±30% here).", ""]
    lines += growth_table(figures)
    lines += ["", "p95 at each scale:", ""]
    for s in scales:
        lines.append(f"- {s}: " + "; ".join(
            f"{name} {figures[s]['figures'][name]['p95_ms']:.1f} ms" for name in GROWTH
            if name in figures[s]["figures"]))
    lines += ["", "### Latency at a steady rate (item 3): the check-in at half its maximum, open loop", "",
              "The maximum: wrk, closed loop, 2 threads, 32 connections, new check-ins only. Then `bench/load.py`",
              "sends check-ins at half that rate, Poisson arrivals, for 60 s, each latency measured from the",
              "request's scheduled send time (no coordinated omission).", "",
              "| scale | no-op (closed loop, reference) | check-in maximum (closed loop) | its p99 | rate offered | "
              f"answered/s | p50 | p90 | p99 | max | errors | target p99 < {TARGET_P99_MS} ms | "
              "CPU per check-in at the maximum (app / PostgreSQL) | load average |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    runs = [(scale, f"{scale}, {key[len('steady, '):]}" if key != "steady" else scale, value)
            for scale in scales for key, value in figures[scale]["figures"].items()
            if key == "steady" or key.startswith("steady, ")]
    for s, label, st in runs:
        bad = sum(st["unexpected"].values()) + sum(st["errors"].values()) + st["maximum"]["non_2xx"]
        used = st["maximum"].get("cpu_ms_per_checkin")
        cpu = f"{used['app']:.2f} / {used['postgres']:.2f} ms" if used else "—"
        lines.append(f"| {label} | {st.get('noop_rps', 0):.0f}/s | {st['maximum']['rps']:.0f}/s | "
                     f"{st['maximum']['latency'].get('99')} | "
                     f"{st['rate']:.0f}/s | {st['achieved_rate']:.0f} | {st['p50_ms']:.1f} ms | "
                     f"{st['p90_ms']:.1f} ms | "
                     f"**{st['p99_ms']:.1f} ms** | {st['max_ms']:.0f} ms | {bad} | "
                     f"{'met' if st['p99_ms'] < TARGET_P99_MS else 'not met'} | {cpu} | "
                     f"{figures[s]['figures'].get('load_average')} |")
    lines.append("")
    text = RESULTS.read_text()
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines)
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + "\n".join(lines) + (text[end:] if end != -1 else "")
    RESULTS.write_text(text.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", nargs="+", choices=list(SCALES), default=["small"])
    parser.add_argument("--database-url", help="PostgreSQL base URL (?template=); default: scripts/postgres-ready's")
    parser.add_argument("--redis-url", help="default: scripts/redis-ready's")
    parser.add_argument("--reuse", help="a database a --keep run left (one --scale): measure it again")
    parser.add_argument("--keep", action="store_true", help="keep each database (its URL is printed)")
    parser.add_argument("--max-seconds", type=int, default=15, help="the closed-loop maximum's duration")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--steady-seconds", type=int, default=60)
    parser.add_argument("--appends", type=int, default=500)
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for the server (a diagnosis: AUDIT_SEQUENCE_INTERVAL=0); implies --no-write")
    parser.add_argument("--compare", action="append", default=[], metavar="NAME=VALUE[,NAME=VALUE]",
                        help="after the steady rate, the same on a server with these settings (a diagnosis, "
                             "in the same run: AUDIT_CHECKPOINT_INTERVAL=0)")
    parser.add_argument("--also-at", type=float, nargs="*", default=[], metavar="FRACTION",
                        help="the steady rate also at these fractions of the maximum (0.25)")
    parser.add_argument("--seed-only", action="store_true", help="seed and keep the database, measure nothing")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md as it is")
    args = parser.parse_args()
    args.no_write = args.no_write or bool(args.server_env) or args.seed_only
    base = args.database_url or tools.ready("postgres-ready")
    args.redis_url = args.redis_url or tools.ready("redis-ready")
    tools.wrk()
    os.environ.update({"QR_SESSION_STEP_SECONDS": "3600", "PASSWORD_HASH_PROFILE": "CHEAPEST"})
    figures = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    for scale in args.scale:
        began = time.perf_counter()
        url = args.reuse or fresh_database(base)
        print(f"=== scale {scale}: {SCALES[scale]:,} households; database {sa.make_url(url).database}")
        try:
            app = make_app(url)
            seeded = {"seed_seconds": 0.0, "rows": {}} if args.reuse else seed(app, scale)
            if args.seed_only:
                print(f"seeded in {seeded['seed_seconds'] / 60:.1f} min; kept: {url}")
                continue
            if args.reuse:
                seeded["rows"] = counts(app)
            found = measure(app, args)
            database = postgres_version(url)
        finally:
            if args.keep or args.reuse or args.seed_only:
                print(f"kept: {url}")
            else:
                drop_database(url)
        if args.reuse and scale in figures:
            seeded["seed_seconds"] = figures[scale]["seed_seconds"]
        figures[scale] = {**seeded, "figures": found, "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                          "machine": machine(), "database": database,
                          "command": f".venv/bin/python bench/harness.py --scale {scale}",
                          "total_seconds": time.perf_counter() - began}
        print(f"=== scale {scale} done in {(time.perf_counter() - began) / 60:.1f} min")
        if not args.no_write:
            FIGURES.write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n")
    if not args.no_write:
        write_results(figures)
        print(f"written: {RESULTS.relative_to(ROOT)} ({SECTION!r}), {FIGURES.relative_to(ROOT)}")
    print("\n".join(growth_table(figures)))


if __name__ == "__main__":
    main()
