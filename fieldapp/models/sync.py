"""What offline sync keeps: the commit-order stamp of every row a phone pulls, versions of the records a
phone may correct, and the receipts of pushed items that make no row of their own.

**The stamp** (``sync_tx``) says in which transaction a row last changed, so that a pull can ask
"what changed since my cursor" without ever missing a row (mobile_contract/sync.md):

- on PostgreSQL it is the writing transaction's id, ``pg_current_xact_id()``. A pull reads only the
  rows stamped below the snapshot's ``xmin``, ``pg_snapshot_xmin(pg_current_snapshot())``: every
  transaction below it has finished, so no row can still appear there later. A sequence or a clock
  would not do: a transaction that took its number first and committed last would be passed over
  (Replicache's docs call timestamp cursors "not possible to implement correctly").
- on SQLite one writer at a time holds the database (``BEGIN IMMEDIATE``, fieldapp/database.py), so
  a counter (:class:`SyncClock`) bumped by each writing flush follows commit order.

The stamp and the version are set by one flush hook (:func:`_stamp_on_flush`) for every ORM write,
whichever service makes it; a Core ``UPDATE`` of these tables would pass it by, so there is none.

**Versions** (``version``) on households and persons: an edit made offline names the version it was
made against, and a newer one answers ``conflict`` instead of being overwritten
(:func:`fieldapp.services.versions.version_check`). Columns the server derives (a household's last
visit, its Digital Family date) change no version: they are not what a correction edits, and a visit
must not turn every offline correction of that household into a conflict.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String, event, inspect, literal_column, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.persons import Person
from fieldapp.models.skills import PersonSkill
from fieldapp.models.types import UTCDateTime

#: The stamp's SQL on PostgreSQL: the id of the transaction that writes the row (64 bits, no wraparound).
PG_TX_STAMP = "pg_current_xact_id()::text::bigint"


class SyncClock(db.Model):
    """SQLite only: the one counter that stamps writes in commit order (PostgreSQL uses transaction ids)."""

    __tablename__ = "sync_clock"

    #: Always 1: a single row.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The stamp of the latest writing flush; a pull reads up to it.
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class ClientReceipt(db.Model):
    """A pushed item that makes no row of its own (a correction, a skill update, an attendance, a
    person created offline), under the phone's ``client_id``: a retry is answered with ``answer``, the
    first answer, and never applied twice (fieldapp/services/idempotency.py)."""

    __tablename__ = "client_receipts"

    #: Surrogate key; receipts are found by ``client_id``.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The phone's id for the item (a UUID), unique over every receipt.
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    #: SHA-256 of the item as first received: the same client_id with another body is a conflict.
    request_hash: Mapped[str] = mapped_column(String(64))
    #: Who pushed it: only they can replay it or refer to what it made.
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    #: The item's kind (``person.create``, ``person.update``, …: mobile_contract/sync.md).
    kind: Mapped[str] = mapped_column(String(32))
    #: The public id of the record it made or changed (a person made offline is found by it).
    record_id: Mapped[str | None] = mapped_column(String(16))
    #: The commune of that record: row-level security keeps receipts in their area.
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    #: The item's first answer, as the push gave it.
    answer: Mapped[dict] = mapped_column(JSON)
    #: When the item was first applied.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def stamp_expression(session: Session):
    """The SQL that stamps a row written now in ``session``'s transaction."""
    if session.get_bind().dialect.name == "postgresql":
        return literal_column(PG_TX_STAMP)
    # One bump per writing flush, inside the transaction's write lock: later flushes, later stamps.
    # A savepoint rolled back takes its bump and its rows with it.
    session.execute(update(SyncClock).where(SyncClock.id == 1).values(value=SyncClock.value + 1))
    return literal_column("(SELECT value FROM sync_clock WHERE id = 1)")


def _changed_columns(obj) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes()}


@event.listens_for(Session, "before_flush")
def _stamp_on_flush(session: Session, _context, _instances) -> None:
    """Stamp every new or changed row of a pulled table, and bump the version of a versioned record
    whose own fields changed."""
    stamped = []
    for obj in session.new:
        if hasattr(type(obj), "sync_tx"):
            stamped.append(obj)
    for obj in session.dirty:
        if not hasattr(type(obj), "sync_tx"):
            continue
        changed = _changed_columns(obj) - {"sync_tx", "version"}
        if not changed:
            continue
        stamped.append(obj)
        versioned = getattr(type(obj), "__versioned__", None)
        if versioned is not None and changed - versioned.get("ignore", set()):
            obj.version = (obj.version or 1) + 1
    # A person's skills are part of the person a phone pulls: a change of them stamps the person
    # (not its version: skills from the field only grow, and merge).
    for person in _skill_owners(session):
        if person not in stamped:
            stamped.append(person)
    if not stamped:
        return
    stamp = stamp_expression(session)
    for obj in stamped:
        obj.sync_tx = stamp


def _skill_owners(session: Session) -> list[Person]:
    owners: list[Person] = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, PersonSkill):
            continue
        person = obj.person if obj.person is not None else (
            session.get(Person, obj.person_id) if obj.person_id is not None else None)
        if person is not None and person not in owners:
            owners.append(person)
    return owners
