"""A tiny WSGI app for the tests of what the servers in front answer (tests/test_serving.py).

- ``/sleep?seconds=N`` answers after N seconds: past gunicorn's timeout the worker is aborted
  (SIGABRT, which interrupts the sleep), past nginx's proxy_read_timeout nginx gives up.
- ``/stuck?seconds=N`` does the same with SIGABRT blocked, as a worker busy in C code (a long SQLite
  statement, a C library call) is: it cannot run gunicorn's abort handler, and is killed (SIGKILL).
- anything else answers at once with what it was sent: the X-Forwarded-* headers nginx sets and
  the X-Request-ID, which it also answers with, as the app does.
"""
import json
import signal
import time
from urllib.parse import parse_qs


def app(environ, start_response):
    seconds = float(parse_qs(environ.get("QUERY_STRING", "")).get("seconds", ["5"])[0])
    if environ.get("PATH_INFO") == "/sleep":
        time.sleep(seconds)
    elif environ.get("PATH_INFO") == "/stuck":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGABRT})
        time.sleep(seconds)
    seen = {name: environ.get(f"HTTP_{name.upper().replace('-', '_')}") for name in
            ("Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-ID")}
    start_response("200 OK", [("Content-Type", "application/json"), ("X-Request-ID", seen["X-Request-ID"] or "")])
    return [json.dumps(seen).encode()]
