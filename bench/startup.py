"""Benchmark (issue 19, item 4): how fast fieldapp starts, for the operator and for the server.

The command line, each command run ``--runs`` times (15) in a new process, its median wall time
beside the same interpreter doing nothing (``python -c pass``), measured in the same run:

- ``fieldapp --help``;
- ``fieldapp audit verify`` of an export of 150 entries with its key pinned (the export written by
  bench/audit_verify.py's writer: real leaves, Merkle tree and signed checkpoints);
- ``fieldapp dbrole grant`` on SQLite: a command that builds the app and stops at once (PostgreSQL
  only), so what any command that needs the app pays before its work.

The server: gunicorn with fieldapp's configuration (fieldapp/serving/gunicorn_conf.py) as production
runs it (``FIELDAPP_ENV=production``, signing keys made, the sequencer every second, on PostgreSQL
acting as a runtime role under row-level security), started ``--starts`` times (3) on a database
migrated for it: how long until its port accepts a connection; the first request sent then
(``GET /api/v1/healthz``, a database round trip) beside the second; and the slowest of the first
2 × workers (each worker's first) beside the median of the 20 after them. Medians over the starts.

    .venv/bin/python bench/startup.py                                      # SQLite + SpatiaLite
    .venv/bin/python bench/startup.py --database-url "$(scripts/postgres-ready | tail -1)"
    .venv/bin/python bench/startup.py --code DIR   # another version: git archive COMMIT | tar -x -C DIR

``--code`` runs the commands and the server of the code in DIR (on ``PYTHONPATH``) with this
benchmark, so that two versions are measured the same way, on the same machine, in the same hour.
"""
from __future__ import annotations

import argparse
import base64
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.audit_verify import write_export  # noqa: E402
from bench.common import drop_database, fresh_database  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENTRIES = 150


def timed_runs(argv: list[str], env: dict, runs: int, expect: int = 0) -> list[float]:
    """Wall seconds of ``runs`` runs of ``argv``, each in a new process; its exit code checked."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=env["PYTHONPATH"])
        seconds.append(time.perf_counter() - started)
        assert result.returncode == expect, (argv, result.returncode, result.stdout[-500:], result.stderr[-2000:])
    return seconds


def command_line(env: dict, runs: int, work: Path) -> None:
    export = work / "export.jsonl"
    key = base64.b64encode(write_export(str(export), ENTRIES, 50)).decode()
    fieldapp = str(BIN / "fieldapp")
    commands = [
        ("python -c pass (reference: the interpreter alone)", [sys.executable, "-c", "pass"], 0),
        ("fieldapp --help", [fieldapp, "--help"], 0),
        (f"fieldapp audit verify (export of {ENTRIES} entries, --key)",
         [fieldapp, "audit", "verify", str(export), "--key", key], 0),
        ("fieldapp dbrole grant on SQLite (builds the app, then stops)", [fieldapp, "dbrole", "grant", "bench"], 1),
    ]
    print(f"command line: median (fastest) of {runs} runs, each a new process")
    for label, argv, expect in commands:
        seconds = timed_runs(argv, env, runs, expect)
        print(f"  {label:<64} {statistics.median(seconds):6.3f} s ({min(seconds):.3f})")


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({process.returncode}) before opening its port") from None
            time.sleep(0.005)


def _request_ms(port: int, path: str) -> float:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path, headers={"Connection": "close"})
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 200, (path, response.status)
    return 1000 * (time.perf_counter() - started)


def one_start(env: dict, workers: int) -> dict:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    launched = time.perf_counter()
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "python:fieldapp.serving.gunicorn_conf", "--bind",
                               f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning",
                               "fieldapp.wsgi:app"], env=env, stdout=subprocess.DEVNULL, start_new_session=True,
                              cwd=env["PYTHONPATH"])  # gunicorn puts its directory first on sys.path
    try:
        _wait_for_port(port, server)
        opened = time.perf_counter() - launched
        latencies = [_request_ms(port, "/api/v1/healthz") for _ in range(2 * workers + 20)]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
    return {"open": opened, "first": latencies[0], "second": latencies[1], "answered": opened + latencies[0] / 1000,
            "first_each": max(latencies[:2 * workers]), "warm": statistics.median(latencies[2 * workers:])}


def server(env: dict, database_url: str | None, workers: int, starts: int, work: Path) -> None:
    url = fresh_database(database_url)
    try:
        env = {**env, "DATABASE_URL": url, "KEYS_DIR": str(work / "keys")}
        for argv in (["db", "upgrade"], ["keys", "rotate", "--purpose", "audit"],
                     ["keys", "rotate", "--purpose", "qr"]):
            timed_runs([str(BIN / "fieldapp"), *argv], env, 1)
        if url.startswith("postgresql"):
            from tests.databases import runtime_role, runtime_role_grant

            env["DATABASE_ROLE"] = runtime_role(url)
            runtime_role_grant(url, env["DATABASE_ROLE"])
        env.update({"FIELDAPP_ENV": "production", "SECRET_KEY": "bench-not-secret", "AUDIT_SEQUENCE_INTERVAL": "1"})
        database = "PostgreSQL (as a runtime role)" if url.startswith("postgresql") else "SQLite + SpatiaLite"
        runs = [one_start(env, workers) for _ in range(starts)]
    finally:
        drop_database(url)
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    print(f"server: gunicorn with fieldapp's configuration, {workers} sync workers, {database}; "
          f"median of {starts} starts")
    print(f"  port open {median['open']:.2f} s after launch; first request {median['first']:.0f} ms, second "
          f"{median['second']:.0f} ms (the first answered {median['answered']:.2f} s after launch)")
    print(f"  slowest of the first {2 * workers} requests {median['first_each']:.0f} ms; median of the 20 after "
          f"them {median['warm']:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command")
    parser.add_argument("--starts", type=int, default=3, help="server starts")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers (5: fieldapp's default on 2 cores)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (?template= allowed); else SQLite")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose fieldapp is measured")
    args = parser.parse_args()
    code = args.code.resolve()
    print(f"code: {code}; machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory(prefix="fieldapp-bench-startup-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(code), "DATABASE_URL": f"sqlite:///{work / 'cli.sqlite'}",
               "KEYS_DIR": str(work / "cli-keys"), "PASSWORD_HASH_PROFILE": "CHEAPEST"}
        env.pop("FIELDAPP_ENV", None)
        command_line(env, args.runs, work)
        server(env, args.database_url, args.workers, args.starts, work)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
