"""Shared set-up for benchmarks: a fresh database built by the migrations, at production durability."""
from __future__ import annotations

import os
import statistics
import tempfile

import sqlalchemy as sa

from tests.databases import create_database
from tests.databases import drop_database as drop_postgres_database


def fresh_database(base_url: str | None) -> str:
    """A new empty database: PostgreSQL (from ``?template=``) or a temporary SQLite file."""
    if not base_url or not base_url.startswith("postgresql"):
        return f"sqlite:///{tempfile.mkdtemp(prefix='fieldapp-bench-')}/bench.sqlite"
    return create_database(base_url, "bench")


def drop_database(url_text: str) -> None:
    if url_text.startswith("postgresql"):
        drop_postgres_database(url_text)


def make_app(database_url: str):
    """The app on ``database_url`` with the schema migrated; durability settings printed."""
    from flask_migrate import upgrade

    from fieldapp import create_app
    from fieldapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "AUDIT_SEQUENCE_INTERVAL": 0,
                      "KEYS_DIR": tempfile.mkdtemp(prefix="fieldapp-bench-keys-"),
                      "PASSWORD_HASH_PROFILE": os.environ.get("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY")})
    with app.app_context():
        upgrade()
        print(f"database: {db.engine.dialect.name}; durability: {durability(db)}")
    return app


def durability(db) -> str:
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            value = conn.execute(sa.text("SHOW synchronous_commit")).scalar()
            assert value == "on", "benchmarks run with synchronous_commit on"
            return f"synchronous_commit={value}"
        value = conn.execute(sa.text("PRAGMA synchronous")).scalar()
        journal = conn.execute(sa.text("PRAGMA journal_mode")).scalar()
        assert value == 2, "benchmarks run with synchronous=FULL"
        return f"synchronous=FULL, journal_mode={journal}"


def summary(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered):.2f} ms, p99 {p99:.2f} ms over {len(ordered)}"


def serving_app(app):
    """``app`` as production serves it: on PostgreSQL acting as a runtime role that owns no table,
    so that row-level security applies to every request (the owner, who seeded, bypasses it)."""
    from fieldapp import create_app
    from tests.databases import runtime_role, runtime_role_grant

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        return app
    role = runtime_role(url)
    runtime_role_grant(url, role)
    print(f"requests act as {role} (row-level security applies)")
    return create_app({key: app.config[key] for key in (
        "SQLALCHEMY_DATABASE_URI", "AUDIT_SEQUENCE_INTERVAL", "KEYS_DIR", "PASSWORD_HASH_PROFILE")}
        | {"DATABASE_ROLE": role})
