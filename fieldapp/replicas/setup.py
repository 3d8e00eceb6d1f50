"""The replica's settings, its engine (a Flask-SQLAlchemy bind) and its per-connection hooks."""
from __future__ import annotations

from flask import Flask
from sqlalchemy.engine import make_url

from fieldapp.config import ConfigError
from fieldapp.extensions import REPLICA


def replica_binds(config: dict) -> dict:
    """``SQLALCHEMY_BINDS`` for ``REPLICA_DATABASE_URL``: none without it; refused unless the primary
    and the replica are both PostgreSQL (SQLite has no replicas), or in production without a store of
    the callers' writes that every worker shares (fieldapp/replicas/writes.py)."""
    url = config.get("REPLICA_DATABASE_URL")
    if not url:
        return {}
    for name, value in (("DATABASE_URL", config["SQLALCHEMY_DATABASE_URI"]), ("REPLICA_DATABASE_URL", url)):
        if make_url(value).get_backend_name() != "postgresql":
            raise ConfigError(f"REPLICA_DATABASE_URL needs PostgreSQL: {name} is not a postgresql:// URL")
    store = config.get("REPLICA_WRITES_URI") or config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if config.get("FIELDAPP_ENV") == "production" and not store.startswith(("redis://", "rediss://")):
        raise ConfigError("REPLICA_DATABASE_URL in production needs REPLICA_WRITES_URI or RATELIMIT_STORAGE_URI "
                          "at redis://: each worker must see the others' writes, or a caller could read the "
                          "replica before it has what they just wrote")
    return {REPLICA: {"url": url, **replica_engine_options(config)}}


def replica_engine_options(config: dict) -> dict:
    """The primary's pool settings (fieldapp/database.py), and a connect timeout: a standby that does
    not answer costs at most that, once per REPLICA_RETRY_SECONDS (libpq's least is 2 s)."""
    from fieldapp.database import engine_options

    return {**engine_options(config["REPLICA_DATABASE_URL"]),
            "connect_args": {"connect_timeout": config["REPLICA_CONNECT_TIMEOUT_SECONDS"]}}


def install(app: Flask) -> None:
    """Within the app context, after ``db.init_app``: the read operations' guard on every engine; with
    a replica, the standby's hooks (those of the primary: the role, the caller's area) and
    read-your-writes."""
    from fieldapp.database import install_engine_hooks
    from fieldapp.extensions import db
    from fieldapp.replicas import writes
    from fieldapp.replicas.operations import EXTENSION, install_guard

    replica = db.engines.get(REPLICA)
    install_guard(db.engine, note_commits=replica is not None)
    if replica is None:
        return
    install_engine_hooks(replica, spatialite_path="", role=app.config.get("DATABASE_ROLE"), standby=True)
    install_guard(replica)
    app.extensions[EXTENSION] = {"down_until": 0.0}
    writes.init_app(app)
