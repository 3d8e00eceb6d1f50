"""What a server does with the app before it serves, and in each process that serves it.

:func:`server_start` runs once, where the app is built: in gunicorn's master, which builds the app
before it opens the port and forks the workers (``preload_app`` in fieldapp/serving/gunicorn_conf.py),
in each worker of a gunicorn started without that configuration, or in the one process of the
development server (``fieldapp serve --dev``). It checks, warms the app and starts the activity log's
sequencer, so that the app serves correctly under any server.

Under fieldapp's gunicorn configuration the master then stops that sequencer before it forks
(``when_ready``: a thread does not cross a fork), and :func:`worker_start` runs in each worker once it
has the app (``post_worker_init``): connections and a sequencer of its own.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

#: Requests the app answers once at start, before any client's: Flask's URL map (compiled on the
#: first request), the request hooks, the JSON answer and its headers. Without a database round
#: trip, and exempt from the rate limits (the health probes are), so they change nothing.
WARM_UP_PATHS = ("/api/v1/livez",)


def server_start(app: Flask) -> Flask:
    """Check the database (durability, the acting role) and the signing keys, warm the app, and
    start the log's sequencer in this process.

    A database that could lose acknowledged commits (:class:`~fieldapp.database.DurabilityOff`), a
    role row-level security would not bind, or (in production) a missing signing key stop the server
    here with a message naming the setting; a database that is down is only a warning (its requests
    answer 503 until it is back, and each new connection is checked then)."""
    from fieldapp.audit.background import start_background_sequencer
    from fieldapp.auth.row_security import check_acting_role
    from fieldapp.crypto.keys import check_signing_keys
    from fieldapp.extensions import db

    check_durability(app)  # PostgreSQL's fsync and synchronous_commit, SQLite's WAL and FULL
    check_acting_role(app)  # the server (not the CLI, whose migrations run as the owner) must be under RLS
    check_signing_keys(app)  # production: the operator made the signing keys (fieldapp keys rotate)
    app_warm(app)
    with app.app_context():
        for engine in db.engines.values():  # the primary's, the replica's
            engine.dispose()  # the checks' connections: none is handed down to a forked worker
    start_background_sequencer(app)
    return app


def check_durability(app: Flask) -> None:
    """Connect once: the engine's hooks (fieldapp/database.py) check every new connection and raise
    :class:`~fieldapp.database.DurabilityOff` naming what is off."""
    from sqlalchemy.exc import OperationalError

    from fieldapp.extensions import db

    with app.app_context():
        try:
            with db.engine.connect():
                pass
        except OperationalError:  # the database is down: each new connection is checked when it is back
            app.logger.warning("durability: could not check the database at start (database unavailable)")
        if (replica := db.engines.get("replica")) is not None:  # REPLICA_DATABASE_URL (fieldapp/replicas/)
            try:
                with replica.connect():
                    pass
            except OperationalError:  # its reads go to the primary until it answers (and is checked then)
                app.logger.warning("durability: could not check the replica at start (it does not answer)")


def app_warm(app: Flask) -> None:
    """Build now what the app builds on first use: the ORM's mappers (configured by the first query
    otherwise) and what :data:`WARM_UP_PATHS` go through. In gunicorn's master every worker is
    forked with them built."""
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    client = app.test_client()
    for path in WARM_UP_PATHS:
        client.get(path)


def worker_start(app: Flask) -> None:
    """In a worker forked with ``app`` built: database connections of its own, none of the master's;
    a first connection opened (connect, the durability check, ``SET ROLE``, SpatiaLite), so that the
    first request finds it ready; and its activity-log sequencer."""
    from sqlalchemy.exc import OperationalError

    from fieldapp.audit.background import start_background_sequencer
    from fieldapp.extensions import db

    with app.app_context():
        for engine in db.engines.values():  # the primary's, the replica's
            engine.dispose(close=False)  # SQLAlchemy's recipe after a fork: drop the parent's, never close them
        try:
            with db.engine.connect():
                pass
        except OperationalError:
            app.logger.warning("worker start: the database does not answer; requests will say so (503)")
    start_background_sequencer(app)
