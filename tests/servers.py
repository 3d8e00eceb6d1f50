"""Real servers for the tests that need them: gunicorn with fieldapp's settings, on a free port.

gunicorn always starts with ``fieldapp/serving/gunicorn_conf.py`` (as ``fieldapp serve`` runs it in
production); a test's flags (``--workers``, ``--timeout``) override single settings.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).parents[1]
GUNICORN_CONFIG = "python:fieldapp.serving.gunicorn_conf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(app) -> dict:
    """The environment under which ``fieldapp.wsgi:app`` serves the test database, as in production:
    under row-level security on PostgreSQL (DATABASE_ROLE)."""
    return {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "KEYS_DIR": app.config["KEYS_DIR"],
            "AUDIT_SEQUENCE_INTERVAL": "0", "PASSWORD_HASH_PROFILE": "CHEAPEST",
            "DATABASE_ROLE": app.config.get("DATABASE_ROLE") or ""}


def start_gunicorn(port: int, *flags: str, wsgi_app: str = "fieldapp.wsgi:app", **options) -> subprocess.Popen:
    """gunicorn -c fieldapp's config on 127.0.0.1:``port``; ``options`` as for :func:`start_server`."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return start_server([str(gunicorn), "-c", GUNICORN_CONFIG, "--bind", f"127.0.0.1:{port}", *flags, wsgi_app],
                        port, **options)


def start_server(argv: list[str], port: int, *, env: dict | None = None, ready_path: str = "/api/v1/livez",
                 stdout=subprocess.DEVNULL) -> subprocess.Popen:
    """``argv`` started in its own process group (:func:`stop` kills it all), once ``ready_path``
    on 127.0.0.1:``port`` answers."""
    process = subprocess.Popen(argv, env=env or dict(os.environ), cwd=ROOT, stdout=stdout, start_new_session=True)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=1)
            return process
        except urllib.error.HTTPError:
            return process  # it answers
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    stop(process)
    raise AssertionError(f"{argv[0]} did not start")


def stop(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    process.wait()
