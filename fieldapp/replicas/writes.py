"""Read-your-writes: a caller who just wrote and then reads sees what they wrote.

After a request whose transaction wrote is committed, the primary's WAL position
(``pg_current_wal_lsn()``, read after the COMMIT returned, so at or past that commit's record) is
kept for the caller's account: the highest one, for ``WRITES_KEPT_SECONDS``. A read operation of the
same account, in this request or a later one, through the API or the console, from any worker, goes
to the standby only if ``pg_last_wal_replay_lsn()`` there is at or past it (fieldapp/replicas/standby.py),
else to the primary.

Why per account on the server, not a cookie or a header the client sends back: the phones and the
console would each have to carry it, and a client that forgot would read stale data without anyone
noticing. Where it is kept: ``REPLICA_WRITES_URI``, else ``RATELIMIT_STORAGE_URI`` (as the rate
limits): ``redis://`` so that every worker sees every write (production refuses a replica without it);
``memory://`` for one process. A store that does not answer makes the caller's reads go to the
primary (its last write is unknown); a write whose position could not be kept is logged.

Which requests wrote: those that committed an INSERT, UPDATE or DELETE (fieldapp/replicas/operations.py
notes each on its connection), and every POST, PUT, PATCH or DELETE.
"""
from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import text

from fieldapp.replicas.standby import UNKNOWN, lsn_int

log = logging.getLogger(__name__)

EXTENSION = "fieldapp_replica_writes"
#: How long a write's position is kept. It must outlast any lag the standby could be accepted with
#: (REPLICA_MAX_LAG_SECONDS) and its WAL receiver's own delay behind the primary, which no function
#: on the standby measures; ten minutes is far past both and costs one small key per active account.
WRITES_KEPT_SECONDS = 600
_CURRENT_LSN = text("SELECT pg_current_wal_lsn()::text")


class MemoryWrites:
    """One process's positions (a single worker, the tests)."""

    def __init__(self):
        self._values: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> int | None:
        found = self._values.get(key)
        return None if found is None or found[0] <= time.monotonic() else found[1]

    def raise_to(self, key: str, lsn: int, ttl: int) -> None:
        with self._lock:
            now = time.monotonic()
            for old in [k for k, (until, _v) in self._values.items() if until <= now]:
                del self._values[old]
            kept = self.get(key) or 0
            self._values[key] = (now + ttl, max(kept, lsn))


class RedisWrites:
    """Every worker's positions, in Redis. ``raise_to`` is one script: two workers writing for one
    account at once keep the higher position, whichever arrives last."""

    _RAISE = ("local kept = tonumber(redis.call('GET', KEYS[1]) or '0') "
              "if tonumber(ARGV[1]) > kept then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) "
              "else redis.call('EXPIRE', KEYS[1], ARGV[2]) end")

    def __init__(self, uri: str):
        import redis

        self._client = redis.Redis.from_url(uri, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self._client.register_script(self._RAISE)

    def get(self, key: str) -> int | None:
        value = self._client.get(key)
        return None if value is None else int(value)

    def raise_to(self, key: str, lsn: int, ttl: int) -> None:
        # Lua numbers are doubles: exact below 2**53 bytes of WAL, 8 PiB.
        self._script(keys=[key], args=[lsn, ttl])


def init_app(app: Flask) -> None:
    uri = app.config.get("REPLICA_WRITES_URI") or app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    store = RedisWrites(uri) if uri.startswith(("redis://", "rediss://")) else MemoryWrites()
    app.extensions[EXTENSION] = store
    app.before_request(_fresh)
    app.after_request(_keep_after_request)


def _fresh() -> None:
    # Nothing of another request that shared the app context (the tests do): its write is not this one's.
    g.replica_write_due = False
    g.replica_write_lsn = None
    g.replica_side = None


def _key(user_id: int) -> str:
    return f"fieldapp:writes:{user_id}"


def note_committed_write() -> None:
    """A transaction that wrote was just committed on the primary (its engine's ``commit`` hook):
    the request's position is due, read when next needed (:func:`lsn_needed`) or when it ends."""
    if has_request_context():
        g.replica_write_due = True


def _own_lsn() -> int | None:
    """This request's position, read from the primary now if a commit made it due. On a connection of
    its own: whatever the request's session holds is left alone (a transaction still open there may
    hold writes that are not to be committed)."""
    if g.get("replica_write_due"):
        from fieldapp.extensions import db

        g.replica_write_due = False
        with db.engine.connect() as connection:
            lsn = lsn_int(connection.execute(_CURRENT_LSN).scalar_one())
        g.replica_write_lsn = max(g.get("replica_write_lsn") or 0, lsn)
        _keep(lsn)
    return g.get("replica_write_lsn")


def _keep(lsn: int) -> None:
    caller = g.get("caller")
    if caller is None:
        return
    try:
        current_app.extensions[EXTENSION].raise_to(_key(caller.user_id), lsn, WRITES_KEPT_SECONDS)
    except Exception as error:  # Redis away: this write's position is lost, said loudly
        log.warning("replica: could not keep the position of account %s's write (%s); a read of theirs on "
                    "the replica in the next seconds may not show it", caller.user_id, error)


def _keep_after_request(response):
    """A request that wrote and did not read afterwards: its position, for the caller's next reads. Every
    POST, PUT, PATCH and DELETE counts as one that wrote, whatever its connection noted: a write the
    note cannot see (text SQL) is then covered too, for one more round trip on those requests."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        g.replica_write_due = True
    if g.get("replica_write_due"):
        try:
            _own_lsn()
        except Exception as error:  # the answer stands: it was committed
            log.warning("replica: could not read the primary's WAL position after a write (%s)", error)
    return response


def lsn_needed() -> int | None:
    """The WAL position a standby must have replayed for this request's caller to read there: their
    last write (this request's or an earlier one's), :data:`UNKNOWN` when it cannot be known, None
    when they have none (or there is no caller)."""
    if not has_request_context():
        return None
    own = _own_lsn()
    caller = g.get("caller")
    if caller is None:
        return own
    try:
        kept = current_app.extensions[EXTENSION].get(_key(caller.user_id))
    except Exception as error:
        log.warning("replica: the store of the callers' writes does not answer (%s): reading from the primary",
                    error)
        return UNKNOWN
    known = [lsn for lsn in (own, kept) if lsn is not None]
    return max(known) if known else None
