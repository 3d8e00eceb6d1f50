"""Faults: an exhausted connection pool answers 503 quickly instead of hanging."""
import time

import pytest
import sqlalchemy as sa

from fieldapp import create_app
from fieldapp.extensions import db


@pytest.mark.real_commits  # its own app and pool: the per-test session must not stand in for them
def test_exhausted_pool_answers_503_within_seconds(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("SQLite's pool is not a server connection pool")
    small = create_app({"SQLALCHEMY_DATABASE_URI": url, "KEYS_DIR": app.config["KEYS_DIR"],
                        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0, "pool_timeout": 1}})
    with small.app_context():
        held = db.engine.connect()  # the pool's only connection, busy elsewhere
        held.execute(sa.text("SELECT 1"))
        try:
            started = time.monotonic()
            response = small.test_client().get("/api/v1/healthz")
            elapsed = time.monotonic() - started
        finally:
            held.close()
        print(f"\npool exhausted: answered {response.status_code} after {elapsed:.2f} s")
        assert response.status_code == 503 and response.get_json()["error_code"] == "server.unavailable"
        assert response.headers["Retry-After"] and elapsed < 5
        assert small.test_client().get("/api/v1/healthz").status_code == 200  # and recovers
        db.engine.dispose()
