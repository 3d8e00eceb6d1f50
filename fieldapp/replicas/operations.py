"""A read operation: where it runs (all of it), and the guard that refuses a write in it.

``@replica_read`` marks a function (a view, a selector's call) as one operation that only reads;
:func:`read_stream` does the same for an answer streamed after the view returned (the activity log's
export). With a replica configured, the operation runs in a transaction of its own, on one side,
chosen once when it begins (:func:`_begin`):

- the **standby**, when it answers, is a standby whose WAL receiver runs, lags at most
  ``REPLICA_MAX_LAG_SECONDS`` and has replayed the caller's last write (fieldapp/replicas/standby.py,
  fieldapp/replicas/writes.py). Every statement of the operation then goes there, lazy loads included
  (fieldapp/extensions.py (RoutingSession)), under the caller's row-level security area, set on the standby's
  transaction exactly as on the primary's (its engine carries the same hooks);
- else the **primary**, in a READ ONLY transaction, so that PostgreSQL itself refuses a write there too.

A standby that does not answer (down, refused, its connect timeout passed) is logged, skipped for
``REPLICA_RETRY_SECONDS`` by this process, and the operation runs on the primary: never an error for
the caller. One that fails during the operation (its connection lost, a query cancelled by a recovery
conflict) has the operation run again, whole, on the primary: it only read.

What came before the operation in the request's transaction (the caller's token, the scope checks)
only read, and is committed first; a transaction that wrote is refused (:class:`ReplicaWrite`): a read
operation cannot see uncommitted writes from the standby, and must not commit them early.

Without a replica (SQLite, or none configured) the operation runs where it always did, in the
request's transaction. The guard stands in every case: an INSERT, UPDATE or DELETE (ORM or Core)
inside a read operation raises :class:`ReplicaWrite` before it is sent, on either database, so that a
test on SQLite fails as loudly as the standby would.
"""
from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, g, has_request_context
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from fieldapp.config import ConfigError
from fieldapp.extensions import REPLICA, SIDE, RoutingSession, db
from fieldapp.replicas import writes
from fieldapp.replicas.standby import STANDBY_STATE, UNKNOWN, StandbyState, standby_refusal

log = logging.getLogger(__name__)

PRIMARY = "primary"
EXTENSION = "fieldapp_replica"
#: The connection's note that its transaction ran an INSERT, UPDATE or DELETE (reset at BEGIN): a commit
#: of such a transaction makes the request's WAL position due (fieldapp/replicas/writes.py).
WROTE = "fieldapp_wrote"
_WRITTEN = text("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")
_READ_ONLY = text("SELECT set_config('transaction_read_only', 'on', true)")
_in_read_operation: ContextVar[bool] = ContextVar("fieldapp_read_operation", default=False)


class ReplicaWrite(RuntimeError):
    """A write inside an operation marked as a read, or a read operation begun after uncommitted
    writes: a bug in the code that marked it, never the caller's doing."""


def install_guard(engine: Engine, *, note_commits: bool = False) -> None:
    """On every engine: refuse DML inside a read operation, and note on the connection that its
    transaction wrote. ``note_commits`` (the primary's, with a replica): a committed write makes the
    request's WAL position due (read-your-writes)."""

    @event.listens_for(engine, "before_execute")
    def _guard(conn, clauseelement, _multiparams, _params, _execution_options):
        if getattr(clauseelement, "is_dml", False):
            if _in_read_operation.get():
                raise ReplicaWrite(f"a write inside a read operation (marked @replica_read): {clauseelement!s:.200}")
            conn.info[WROTE] = True

    @event.listens_for(engine, "begin")
    def _fresh(conn):
        conn.info[WROTE] = False

    if note_commits:
        @event.listens_for(engine, "commit")
        def _committed(conn):
            if conn.info.get(WROTE):
                conn.info[WROTE] = False
                writes.note_committed_write()


def replica_read(fn: Callable) -> Callable:
    """Decorator: ``fn`` is one operation that only reads (see the module's doc)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return read_operation(fn, *args, **kwargs)

    return wrapper


@contextmanager
def _marked():
    token = _in_read_operation.set(True)
    try:
        yield
    finally:
        _in_read_operation.reset(token)


def _configured(session) -> bool:
    return isinstance(session, RoutingSession) and REPLICA in db.engines


def read_operation(fn: Callable, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` as one read operation; inside another, on that one's side."""
    if _in_read_operation.get():
        return fn(*args, **kwargs)
    with _marked():
        session = db.session()
        if not _configured(session):
            return fn(*args, **kwargs)
        try:
            side = _begin(session)
            try:
                result = fn(*args, **kwargs)
            except OperationalError as error:
                if side != REPLICA:
                    raise
                _failed_during(session, error)
                _begin(session, replica=False)
                result = fn(*args, **kwargs)
            session.commit()  # read only: it ends the side's transaction, and keeps what was loaded
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info.pop(SIDE, None)


_END = object()


def read_stream(make_chunks: Callable[[], Iterator]) -> Iterator:
    """The chunks of ``make_chunks()``, read as one read operation that lasts until the last chunk (an
    answer streamed after its view returned). Its side is chosen before the first chunk; a standby
    failing before that one has it start again on the primary, after it the answer breaks off."""
    session = db.session()
    configured = _configured(session)
    try:
        with _marked():
            side = _begin(session) if configured else PRIMARY
            chunks = make_chunks()
            try:
                chunk = next(chunks, _END)
            except OperationalError as error:
                if side != REPLICA:
                    raise
                _failed_during(session, error)
                _begin(session, replica=False)
                chunks = make_chunks()
                chunk = next(chunks, _END)
        while chunk is not _END:
            yield chunk
            with _marked():
                chunk = next(chunks, _END)
        if configured:
            session.commit()
    except BaseException:
        if configured:
            session.rollback()
        raise
    finally:
        session.info.pop(SIDE, None)


def side_of_request() -> str | None:
    """The side the request's last read operation ran on (logs, tests), or None."""
    return g.get("replica_side") if has_request_context() else None


def _begin(session, *, replica: bool = True) -> str:
    """End what the request's transaction read, choose the side, and begin the operation's
    transaction there; the side."""
    if session.in_transaction():
        # PostgreSQL knows for sure (an xid is assigned at a transaction's first write, text SQL's too).
        if session.execute(_WRITTEN).scalar_one():
            raise ReplicaWrite("a read operation begun after writes its transaction has not committed: commit "
                               "them first, or read without @replica_read inside the writing transaction")
        session.commit()
    side = REPLICA if replica and _replica_ready(session) else PRIMARY
    if side == PRIMARY:
        session.execute(_READ_ONLY)  # its first statement: PostgreSQL refuses any write after it
    if has_request_context():
        g.replica_side = side
    return side


def _state() -> dict:
    return current_app.extensions[EXTENSION]


def _replica_ready(session) -> bool:
    """Whether the standby may run this operation; if so the session is on it, in a transaction that
    ran the standby's state (its first statement). Every refusal is logged: a standby down as a
    warning, once per retry period; one behind (busy primary, the caller's own write) at debug."""
    state = _state()
    if time.monotonic() < state["down_until"]:
        return False
    needed = writes.lsn_needed()
    if needed == UNKNOWN:
        return False
    session.info[SIDE] = REPLICA
    try:
        standby = StandbyState.of(session.execute(STANDBY_STATE).one())
    except (DBAPIError, ConfigError) as error:  # down, refused, timed out; or its fsync is off (DurabilityOff)
        session.rollback()
        session.info.pop(SIDE, None)
        _down(error)
        return False
    refusal = standby_refusal(standby, needed=needed, max_lag=current_app.config["REPLICA_MAX_LAG_SECONDS"])
    if refusal is None:
        return True
    session.commit()
    session.info.pop(SIDE, None)
    (log.warning if not standby.in_recovery or not standby.receiving else log.debug)(
        "replica: reading from the primary: %s", refusal)
    return False


def _down(error: BaseException) -> None:
    retry = current_app.config["REPLICA_RETRY_SECONDS"]
    _state()["down_until"] = time.monotonic() + retry
    log.warning("replica: it does not answer (%s); reading from the primary, trying it again in %s s",
                str(error).splitlines()[0] if str(error) else type(error).__name__, retry)


def _failed_during(session, error: OperationalError) -> None:
    """The standby failed in the middle of an operation: undo it; a lost connection counts as down."""
    session.rollback()
    session.info.pop(SIDE, None)
    if error.connection_invalidated:
        _down(error)
    else:  # a query cancelled by a recovery conflict, say: the standby itself is fine
        log.warning("replica: an operation failed there (%s); running it on the primary",
                    str(error.orig).splitlines()[0] if error.orig else error)
