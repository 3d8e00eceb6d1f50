"""A load generator, run as its own process: requests from a plan file sent to a server over HTTP/1.1,
either in a closed loop (``--concurrency`` clients, each sending its next request when the last is
answered) or in an **open loop** (``--rate`` requests a second on a fixed schedule, Poisson or evenly
spaced, whatever the answers do).

In the open loop each request's latency is measured from the time it was **scheduled** to be sent,
not from when it went out: if the server (or this generator) falls behind, the requests that had to
wait count their wait, so coordinated omission (a closed loop's clients politely not sending while the
server stalls, and so never timing the stall) cannot hide a queue. How late the generator itself sent
is reported apart (``send_lag``), so a generator that could not keep the schedule is seen.

The plan is JSON: ``{"host": "127.0.0.1", "port": 8000, "requests": [{"method", "path", "headers",
"body"}, ...]}``; in a body, ``{{uuid}}`` becomes a new UUID and ``{{now}}`` the current UTC time when
the request is sent. The requests are used in order, each once. The result (``--out``, JSON): the
latencies in ms, the status counts, errors, and the rates achieved.

    python bench/load.py --plan plan.json --concurrency 1 --out result.json
    python bench/load.py --plan plan.json --rate 250 --seconds 60 --out result.json

Python's asyncio and raw sockets only: one connection per request (fieldapp's sync workers close each
connection after the answer), so nothing waits on a pooled connection.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from datetime import datetime, timezone

#: In the open loop, requests outstanding at once beyond which the next waits (its latency still runs
#: from its scheduled time); far above what a 2-core server holds in its listen queue.
MAX_OUTSTANDING = 1000


def _encoded(request: dict, host: str) -> bytes:
    body = request.get("body")
    if body is not None:
        if not isinstance(body, str):
            body = json.dumps(body, ensure_ascii=False)
        body = body.replace("{{uuid}}", str(uuid.uuid4())).replace(
            "{{now}}", datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"))
        data = body.encode()
    else:
        data = b""
    headers = {"Host": host, "Connection": "close", "User-Agent": "fieldapp-bench-load",
               **(request.get("headers") or {})}
    if body is not None:
        headers.setdefault("Content-Type", "application/json")
        headers["Content-Length"] = str(len(data))
    head = f"{request.get('method', 'GET')} {request['path']} HTTP/1.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode() + data


async def _send(host: str, port: int, request: dict) -> tuple[int, int]:
    """Status and bytes of the answer (read to the connection's end)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(_encoded(request, host))
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    status_line = raw.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2:
        raise ConnectionError("no answer")
    return int(status_line[1]), len(raw)


class Results:
    def __init__(self):
        self.latencies_ms: list[float] = []
        self.scheduled_s: list[float] = []  # when each answered request was due, from the start
        self.statuses: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.send_lag_ms: list[float] = []
        self.bytes = 0
        self.began = time.perf_counter()

    def done(self, started: float, status: int | None, size: int = 0, error: str | None = None) -> None:
        if error is not None:
            self.errors[error] = self.errors.get(error, 0) + 1
            return
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        self.scheduled_s.append(started - self.began)
        self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
        self.bytes += size


async def _timed(host, port, request, results: Results, started: float) -> None:
    try:
        status, size = await _send(host, port, request)
    except (OSError, ConnectionError, asyncio.IncompleteReadError) as error:
        results.done(started, None, error=type(error).__name__)
        return
    results.done(started, status, size)


async def closed_loop(host: str, port: int, requests: list[dict], concurrency: int,
                      seconds: float | None) -> dict:
    results = Results()
    queue = iter(requests)
    results.began = time.perf_counter()
    deadline = time.perf_counter() + seconds if seconds else None

    async def client():
        for request in queue:
            if deadline and time.perf_counter() >= deadline:
                return
            await _timed(host, port, request, results, time.perf_counter())

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return _summary(results, time.perf_counter() - began, mode=f"closed loop, {concurrency} client(s)")


async def open_loop(host: str, port: int, requests: list[dict], rate: float, seconds: float,
                    schedule: str, seed: int) -> dict:
    """``rate`` requests a second for ``seconds``; latency from each request's scheduled time."""
    rng = random.Random(seed)
    results = Results()
    count = min(len(requests), int(rate * seconds))
    offsets, moment = [], 0.0
    for _ in range(count):
        offsets.append(moment)
        moment += rng.expovariate(rate) if schedule == "poisson" else 1 / rate
    gate = asyncio.Semaphore(MAX_OUTSTANDING)
    tasks = []

    async def one(request, scheduled):
        async with gate:
            await _timed(host, port, request, results, scheduled)

    began = results.began = time.perf_counter()
    for request, offset in zip(requests, offsets, strict=False):
        scheduled = began + offset
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        results.send_lag_ms.append(max(0.0, (time.perf_counter() - scheduled) * 1000))
        tasks.append(asyncio.create_task(one(request, scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    summary = _summary(results, elapsed, mode=f"open loop, {rate:g}/s ({schedule}) for {seconds:g} s")
    summary["scheduled"] = count
    summary["offered_rate"] = count / offsets[-1] if count > 1 and offsets[-1] > 0 else rate
    return summary


def percentile(samples: list[float], share: float) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _summary(results: Results, elapsed: float, *, mode: str) -> dict:
    lat = results.latencies_ms
    return {"mode": mode, "answered": len(lat), "seconds": elapsed, "rate": len(lat) / elapsed if elapsed else 0,
            "statuses": results.statuses, "errors": results.errors, "bytes": results.bytes,
            "p50_ms": statistics.median(lat) if lat else None, "p90_ms": percentile(lat, 0.90),
            "p99_ms": percentile(lat, 0.99), "max_ms": max(lat) if lat else None,
            "send_lag_p99_ms": percentile(results.send_lag_ms, 0.99),
            "send_lag_max_ms": max(results.send_lag_ms) if results.send_lag_ms else None,
            "latencies_ms": lat, "scheduled_s": results.scheduled_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--concurrency", type=int, default=1, help="closed loop: clients at once")
    parser.add_argument("--rate", type=float, help="open loop: requests per second (closed loop without it)")
    parser.add_argument("--seconds", type=float, help="how long (open loop: required; closed: at most)")
    parser.add_argument("--schedule", choices=("poisson", "fixed"), default="poisson")
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    with open(args.plan, encoding="utf-8") as file:
        plan = json.load(file)
    host, port, requests = plan.get("host", "127.0.0.1"), int(plan["port"]), plan["requests"]
    if args.rate:
        if not args.seconds:
            parser.error("--rate needs --seconds")
        result = asyncio.run(open_loop(host, port, requests, args.rate, args.seconds, args.schedule, args.seed))
    else:
        result = asyncio.run(closed_loop(host, port, requests, args.concurrency, args.seconds))
    with open(args.out, "w", encoding="utf-8") as file:
        json.dump(result, file)


if __name__ == "__main__":
    main()
