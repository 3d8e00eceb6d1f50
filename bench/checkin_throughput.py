"""Benchmark (issue 5): check-in throughput under gunicorn on PostGIS, beside a no-op endpoint.

Seeds 100 sessions and 200 volunteers (20,000 distinct person-session pairs, so no check-in is a
duplicate), starts gunicorn on 127.0.0.1 with the production settings (synchronous_commit on, the
activity-log sequencer running in every worker), then drives it with wrk at 32 connections:

1. ``GET /api/v1/livez`` — the no-op endpoint of the same app (no database);
2. ``POST /api/v1/checkins`` — each request a new client_id, a volunteer's token, a signed session
   code, GPS on site: the full path (token, signature, scope, geofence, duplicate check, insert,
   activity-log append, commit).

and, for reference, the cheapest signed-in read: ``GET /api/v1/qr-keys`` (token check, rate limit,
one query, a short JSON list), which shows how much of the no-op's pace is gone before a check-in
does any work of its own.

With ``--references`` it serves ``bench.checkin_references:app`` (the same app plus three reference
routes) and also measures ``POST /bench/signed-in-commit`` (rate limit, token, JSON, commit: the
least a signed-in write does), ``POST /bench/lean-checkin`` (the check-in's checks and insert on
the raw driver, without the framework layers) and ``POST /bench/batched-checkin`` (the same, its
inserts grouped into one commit per batch): how close to the target the stack could come at all.
``--worker-class gthread --threads N`` runs threaded workers (where group commit can batch).

Prints requests/s for each, the ratios, latency percentiles and errors, then checks in the database
that every acknowledged check-in is there exactly once and that the log sequenced them all.

    .venv/bin/python bench/checkin_throughput.py --database-url "$(scripts/postgres-ready | tail -1)"

Needs wrk: Debian's ``wrk`` is installed when missing (bench/tools.py). The session codes are made
with a one-hour step (QR_SESSION_STEP_SECONDS=3600) so that they stay valid for the whole run; the
work per request is the same as with 30 s steps.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import drop_database, fresh_database, make_app  # noqa: E402
from bench.tools import wrk as wrk_binary  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SESSIONS, VOLUNTEERS = 300, 200
#: Each wrk thread's requests walk their own stretch of the 60,000 volunteer-session pairs, so no
#: check-in is a duplicate; the inserting references (--references) walk later parts of each stretch.
STRIDE = SESSIONS * VOLUNTEERS // 2

LUA = r"""
local tokens = {%(tokens)s}
local codes = {%(codes)s}
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("tid", thread_id)
  thread_id = thread_id + 1
end
function init(args)
  -- each wrk thread walks its own stretch of the volunteer-session pairs: no duplicates
  counter = tid * %(stride)s + %(offset)s
end
function uuid()
  counter = counter + 1
  return string.format("00000000-0000-4%%03d-8000-%%012d", tid, counter)
end
request = function()
  local n = counter
  local token = tokens[(n %% #tokens) + 1]
  local code = codes[(math.floor(n / #tokens) %% #codes) + 1]
  local body = '{"client_id":"' .. uuid() .. '","payload":"' .. code .. '","scanned_at":"' ..
    os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ") .. '","gps":{"lat":%(lat)s,"lon":%(lon)s,"accuracy_m":12}}'
  return wrk.format("POST", "/api/v1/checkins", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token}, body)
end
"""

#: The signed-in reference read: one of the volunteers' tokens per request, in turn (each token has
#: its own rate-limit budget, as each phone does).
LUA_SIGNED_IN_READ = r"""
local tokens = {%(tokens)s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/qr-keys", {["Authorization"] = "Bearer " .. tokens[(counter %% #tokens) + 1]})
end
"""


def _cpu_by_program() -> dict[str, float]:
    """CPU seconds used so far by gunicorn, postgres and wrk processes (from /proc)."""
    totals: dict[str, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / ticks
        name = "gunicorn" if "gunicorn" in command else "postgres" if command.startswith("postgres") else \
            "wrk" if command.startswith("wrk") else None
        if name:
            totals[name] = totals.get(name, 0.0) + seconds
    return totals


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(app):
    from datetime import timedelta

    from fieldapp.auth.callers import Caller
    from fieldapp.clock import utcnow
    from fieldapp.extensions import db
    from fieldapp.models import Role
    from fieldapp.qr import signing
    from fieldapp.services.sessions import session_create
    from fieldapp.services.tokens import token_issue
    from fieldapp.services.units import units_import
    from tests.factories import make_user

    with app.app_context():
        units_import()
        organiser = make_user(role=Role.team_leader, phone="+84988100000")
        caller = Caller(user_id=organiser.id, role=Role.team_leader, unit_code="17395", province_code="40")
        starts = utcnow() - timedelta(minutes=10)
        codes = []
        for number in range(SESSIONS):
            session = session_create(caller=caller, kind="weekly_class", title=f"Lớp {number}",
                                     venue_name="Nhà văn hoá", venue={"lat": 19.1222, "lon": 105.563}, starts_at=starts,
                                     ends_at=starts + timedelta(hours=3), topics=["cashless_payment"])
            codes.append(signing.qr_text("session", session.public_id, step=signing.session_step()))
        tokens = []
        for number in range(VOLUNTEERS):
            user = make_user(phone=f"+8498820{number:04d}")
            tokens.append(token_issue(phone=user.phone, password="mat-khau-8").token)
        db.session.commit()
        return tokens, codes


def wrk(url: str, seconds: int, connections: int, script: str | None) -> dict:
    command = [wrk_binary(), "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    if script:
        command += ["-s", script]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", output, re.M))
    return {"rps": rps, "requests": total, "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1) if errors else "none", "latency": latency, "raw": output}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL (?template= allowed)")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--worker-class", default="sync", help="gunicorn's worker class (sync, gthread)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument("--references", action="store_true",
                        help="also measure the reference routes of bench/checkin_references.py")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379",
                        help="rate-limit store, as in production with several workers (scripts/redis-ready)")
    args = parser.parse_args()
    wrk_binary()  # installed from Debian when missing
    url = fresh_database(args.database_url)
    keys = tempfile.mkdtemp(prefix="fieldapp-bench-keys-")
    os.environ.update({"KEYS_DIR": keys, "QR_SESSION_STEP_SECONDS": "3600", "PASSWORD_HASH_PROFILE": "CHEAPEST"})
    server = None
    try:
        app = make_app(url)
        app.config["KEYS_DIR"] = keys
        tokens, codes = seed(app)
        # As in production: the API acts as a runtime role that owns no table, so row-level
        # security applies to every statement (the owner would bypass the policies).
        from tests.databases import runtime_role, runtime_role_grant

        role = runtime_role(url)
        runtime_role_grant(url, role)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "FIELDAPP_ENV": "development", "AUDIT_SEQUENCE_INTERVAL": "1",
               "RATELIMIT_STORAGE_URI": args.redis_url, "DATABASE_ROLE": role}
        server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers",
                                   str(args.workers), "--worker-class", args.worker_class, "--threads",
                                   str(args.threads), "--log-level", "warning",
                                   "bench.checkin_references:app" if args.references else "fieldapp.wsgi:app"],
                                  env=env, cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/api/v1/livez", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        script = Path(keys) / "checkins.lua"
        lua = {"tokens": ",".join(json.dumps(t) for t in tokens), "codes": ",".join(json.dumps(c) for c in codes),
               "lat": 19.1222, "lon": 105.563, "stride": STRIDE}
        script.write_text(LUA % {**lua, "offset": 0})
        print(f"gunicorn: {args.workers} {args.worker_class} workers ({args.threads} thread(s) each); "
              f"wrk: 2 threads, {args.connections} connections, "
              f"{args.seconds} s each; rate limits counted in {args.redis_url}; acting as {role} (row-level security)")
        read_script = Path(keys) / "signed_in_read.lua"
        read_script.write_text(LUA_SIGNED_IN_READ % {"tokens": lua["tokens"]})
        wrk(base + "/api/v1/livez", 3, args.connections, None)  # warm up
        noop = wrk(base + "/api/v1/livez", args.seconds, args.connections, None)
        signed_in_read = wrk(base + "/api/v1/qr-keys", args.seconds, args.connections, str(read_script))
        cpu_before = _cpu_by_program()
        checkin = wrk(base + "/api/v1/checkins", args.seconds, args.connections, str(script))
        cpu_after = _cpu_by_program()
        references = []
        if args.references:
            for route, offset in (("/bench/signed-in-commit", 0), ("/bench/lean-checkin", STRIDE // 2),
                                  ("/bench/batched-checkin", STRIDE // 2 + STRIDE // 4)):
                reference_script = Path(keys) / f"reference-{offset}.lua"
                reference_script.write_text((LUA % {**lua, "offset": offset}).replace("/api/v1/checkins", route))
                references.append((f"reference POST {route}", wrk(base + route, args.seconds, args.connections,
                                                                  str(reference_script))))
        used = {name: cpu_after.get(name, 0) - cpu_before.get(name, 0) for name in cpu_after}
        per_request = {name: 1000 * seconds / max(checkin["requests"], 1) for name, seconds in used.items()
                       if seconds > 0.5}
        for name, result in (("no-op GET /livez", noop), ("signed-in read GET /qr-keys", signed_in_read),
                             ("POST /checkins", checkin), *references):
            print(f"  {name}: {result['rps']:.0f} req/s, {result['requests']} requests, latency "
                  f"p50 {result['latency'].get('50')} p90 {result['latency'].get('90')} "
                  f"p99 {result['latency'].get('99')}, "
                  f"non-2xx {result['non_2xx']}, socket errors {result['socket_errors']}")
        print(f"  signed-in read = {100 * signed_in_read['rps'] / noop['rps']:.1f}% of the no-op's (reference)")
        print(f"  check-in throughput = {100 * checkin['rps'] / noop['rps']:.1f}% of the no-op's")
        for name, result in references:
            print(f"  {name} = {100 * result['rps'] / noop['rps']:.1f}% of the no-op's")
        print("  CPU per check-in: " + ", ".join(f"{name} {ms:.2f} ms" for name, ms in sorted(per_request.items())))
        time.sleep(3)  # let the sequencer catch up
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT count(*), count(DISTINCT client_id) FROM checkins")).one()
            verdicts = dict(conn.execute(text("SELECT verdict, count(*) FROM checkins GROUP BY verdict")).all())
            log = conn.execute(text("SELECT count(*) FROM activity_entries WHERE action = 'checkin.create'")).scalar()
            leaves = conn.execute(text("SELECT count(*) FROM activity_leaves")).scalar()
            entries = conn.execute(text("SELECT count(*) FROM activity_entries")).scalar()
            queued = conn.execute(text("SELECT count(*) FROM activity_queue")).scalar()
        engine.dispose()
        inserting = [result for name, result in (("checkins", checkin), *references) if "signed-in-commit" not in name]
        acknowledged = sum(result["requests"] - result["non_2xx"] for result in inserting)
        # wrk stops counting at the deadline: up to one request per connection is still in flight then,
        # and the server stores it. Fewer rows than acknowledgements would be a lost check-in.
        in_flight = args.connections * len(inserting)
        verdict = "ok" if acknowledged <= rows[0] <= acknowledged + in_flight else "MISMATCH"
        print(f"  database: {rows[0]} check-ins for {acknowledged} acknowledged + at most {in_flight} in flight at "
              f"wrk's deadline ({verdict}); {rows[1]} distinct client ids, verdicts {verdicts}; "
              f"{log} log entries, {queued} still queued for the sequencer, {leaves} of {entries} entries sequenced")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        drop_database(url)


if __name__ == "__main__":
    main()
