"""The sequencer: queued entries get their gap-free numbers and join the Merkle tree, in batches.

Why batches (Certificate Transparency, Trillian): a lock per commune held on every append would
serialise every write of that commune until its commit. Instead an append only inserts the entry and
a queue row; the sequencer takes the commune's lock once per batch, numbers everything queued, stores
the leaf hashes and the subtree nodes the batch completed, and removes those queue rows — all in one
transaction, so a number is never given twice or skipped.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import BigInteger, delete, func, insert, select, text
from sqlalchemy.orm import Session

from fieldapp.audit.formats import canonical, checkpoint_text, leaf_object
from fieldapp.audit.merkle import leaf_hash
from fieldapp.audit.store import compact_range, compact_ranges, log_size, log_sizes, rows_of_values
from fieldapp.clock import utcnow
from fieldapp.crypto.keys import active_key
from fieldapp.models.activity import ActivityCheckpoint, ActivityEntry, ActivityLeaf, ActivityNode, ActivityQueued

DEFAULT_BATCH = 2000


def _lock_log(session: Session, log_unit: str, *, wait: bool) -> bool:
    """The commune's sequencing lock, held until commit. On SQLite the database write lock
    (BEGIN IMMEDIATE) already serialises sequencers."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    result = session.execute(text(f"SELECT {function}(hashtext(:key))"), {"key": f"activity-log:{log_unit}"})
    return True if wait else bool(result.scalar())


def entry_leaf(entry: ActivityEntry, seq: int) -> bytes:
    """The leaf data of an entry at position ``seq``: exactly the line the export writes."""
    return canonical(leaf_object(
        log=entry.log_unit, seq=seq, entry_id=entry.id, time=entry.created_at, actor_id=entry.actor_id,
        actor_role=entry.actor_role, action=entry.action, object_type=entry.object_type,
        object_id=entry.object_id, request_id=entry.request_id, client_id=entry.client_id,
        body=json.loads(entry.body),
    ))


@dataclass(frozen=True)
class Sequenced:
    log_unit: str
    added: int
    size: int
    root_hash: bytes


def sequence_log(session: Session, log_unit: str, *, batch: int = DEFAULT_BATCH, wait: bool = True) -> Sequenced | None:
    """Number up to ``batch`` queued entries of one log. ``None`` if another sequencer holds it."""
    if not _lock_log(session, log_unit, wait=wait):
        return None
    queued = list(session.scalars(
        select(ActivityEntry).join(ActivityQueued, ActivityQueued.entry_id == ActivityEntry.id)
        .where(ActivityQueued.log_unit == log_unit).order_by(ActivityQueued.entry_id).limit(batch)))
    size = log_size(session, log_unit)
    tree = compact_range(session, log_unit, size)
    if not queued:
        return Sequenced(log_unit, 0, size, tree.root())
    now = utcnow()
    leaves, nodes = [], []
    for seq, entry in enumerate(queued, start=size):
        hashed = leaf_hash(entry_leaf(entry, seq))
        leaves.append({"log_unit": log_unit, "seq": seq, "entry_id": entry.id, "leaf_hash": hashed,
                       "sequenced_at": now})
        nodes += [{"log_unit": log_unit, "level": level, "index": index, "hash": value}
                  for level, index, value in tree.append(hashed)]
    session.execute(insert(ActivityLeaf), leaves)
    if nodes:
        session.execute(insert(ActivityNode), nodes)
    session.execute(delete(ActivityQueued).where(ActivityQueued.entry_id.in_([e.id for e in queued])))
    return Sequenced(log_unit, len(queued), tree.size, tree.root())


def sequence_all(session: Session, *, batch: int = DEFAULT_BATCH, wait: bool = True) -> list[Sequenced]:
    """One batch for every log that has queued entries, the same numbers, leaves and nodes as
    :func:`sequence_log` log by log, in a fixed number of statements however many logs there are.

    Why set-based: check-ins spread over a province queue one or two entries in each of a hundred logs
    between passes; log by log, a pass paid a lock, a queue read, a size, a frontier, two inserts and a
    delete for each of them (bench/RESULTS.md, item 3). Here each of those is one statement for all logs.
    With ``wait=False`` a log another sequencer holds is skipped (left for its holder)."""
    return _sequence_locked(session, _lock_logs(session, None, wait=wait), batch)


def _sequence_locked(session: Session, locked: list[str], batch: int) -> list[Sequenced]:
    """One batch for each of the ``locked`` logs that has queued entries (the caller holds their locks)."""
    if not locked:
        return []
    ranked = (select(ActivityQueued.entry_id, ActivityQueued.log_unit,
                     func.row_number().over(partition_by=ActivityQueued.log_unit,
                                            order_by=ActivityQueued.entry_id).label("place"))
              .where(ActivityQueued.log_unit.in_(locked)).subquery())
    places = session.execute(select(ranked.c.log_unit, ranked.c.entry_id).where(ranked.c.place <= batch)).all()
    queued: dict[str, list] = {}
    if places:
        # The entries by their ids, in a second statement: joined to the queue in one, the planner trusts the
        # queue's statistics (thousands of rows at the last analyze, a handful now) and merges the whole
        # entries table's index (25 ms at 150,000 entries) instead of probing it.
        log_of = {entry_id: log_unit for log_unit, entry_id in places}
        rows_of, params = rows_of_values(session, {"entry_id": "bigint"}, [(entry_id,) for entry_id in log_of])
        wanted = text(f"SELECT w.entry_id FROM {rows_of}").bindparams(**params).columns(entry_id=BigInteger).subquery()
        entries = ActivityEntry.__table__
        for row in session.execute(select(*entries.c).join(wanted, wanted.c.entry_id == entries.c.id)
                                   .order_by(entries.c.id)):
            queued.setdefault(log_of[row.id], []).append(row)
    if not queued:  # another sequencer emptied them between our look at the queue and our locks
        return []
    sizes = log_sizes(session, queued)
    trees = compact_ranges(session, sizes)
    now = utcnow()
    leaves, nodes, results = [], [], []
    for log_unit in sorted(queued):
        tree = trees[log_unit]
        for seq, entry in enumerate(queued[log_unit], start=tree.size):
            hashed = leaf_hash(entry_leaf(entry, seq))
            leaves.append({"log_unit": log_unit, "seq": seq, "entry_id": entry.id, "leaf_hash": hashed,
                           "sequenced_at": now})
            nodes += [{"log_unit": log_unit, "level": level, "index": index, "hash": value}
                      for level, index, value in tree.append(hashed)]
        results.append(Sequenced(log_unit, len(queued[log_unit]), tree.size, tree.root()))
    _insert_all(session, ActivityLeaf, leaves, {"log_unit": "text", "seq": "bigint", "entry_id": "bigint",
                                                "leaf_hash": "bytea", "sequenced_at": "timestamptz"})
    _insert_all(session, ActivityNode, nodes, {"log_unit": "text", "level": "integer", "index": "bigint",
                                               "hash": "bytea"})
    delete_queued(session, [leaf["entry_id"] for leaf in leaves])
    return results


def _insert_all(session: Session, model, rows: list[dict], columns: dict[str, str]) -> None:
    """Insert ``rows`` in one statement: on PostgreSQL ``INSERT … SELECT`` from arrays (an executemany
    is a statement a row on the wire, and Python work a row in the driver); on SQLite an executemany."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(model.__table__), rows)
        return
    rows_of, params = rows_of_values(session, columns, [tuple(row[name] for name in columns) for row in rows])
    names = ", ".join(f'"{name}"' for name in columns)
    session.execute(text(f"INSERT INTO {model.__tablename__} ({names}) SELECT {names} FROM {rows_of}"), params)


def delete_queued(session: Session, entry_ids: list[int]) -> None:
    """Remove these entries from the queue, in one statement with one parameter however many."""
    rows_of, params = rows_of_values(session, {"entry_id": "bigint"}, [(entry_id,) for entry_id in entry_ids])
    session.execute(text(f"DELETE FROM activity_queue WHERE entry_id IN (SELECT w.entry_id FROM {rows_of})"), params)


def _lock_logs(session: Session, log_units: list[str] | None, *, wait: bool) -> list[str]:
    """``log_units`` (``None``: the logs with queued entries), each locked for this transaction as
    :func:`_lock_log` locks it (the same key), in one statement: with ``wait=False`` only those no other
    sequencer holds. On SQLite, all (the write lock serialises)."""
    if session.get_bind().dialect.name != "postgresql":
        if log_units is None:
            return sorted(session.scalars(select(ActivityQueued.log_unit).distinct()))
        return sorted(set(log_units))
    if log_units is None:
        source, params = "SELECT DISTINCT log_unit FROM activity_queue", {}
    else:
        rows_of, params = rows_of_values(session, {"log_unit": "text"}, [(unit,) for unit in sorted(set(log_units))])
        source = f"SELECT DISTINCT w.log_unit FROM {rows_of}"
    # MATERIALIZED: the lock function is called once per log, on the distinct list, in log order (so two
    # waiting sequencers take them in the same order and cannot deadlock).
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    lock = f"{function}(hashtext('activity-log:' || q.log_unit))"
    query = (f"WITH q AS MATERIALIZED ({source} ORDER BY log_unit) "
             + (f"SELECT q.log_unit, {lock} FROM q" if wait else f"SELECT q.log_unit FROM q WHERE {lock}"))
    return sorted(session.scalars(text(query), params))


def lock_sequencer(session: Session) -> bool:
    """Whether this transaction is the server's one sequencing pass now (a try lock, held until commit).

    The background loop of every worker asks first and skips its pass when another holds it, so that the
    workers do not all contend for the same logs' locks; ``sequence_log`` callers (exports, checkpoints)
    do not take it and still exclude a pass log by log. Always true on SQLite (the write lock serialises)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(hashtext('activity-sequencer'))")))


def sequence_pending(session: Session, log_unit: str) -> Sequenced:
    """Everything queued for ``log_unit`` now, however many batches it takes (exports, heads)."""
    while True:
        result = sequence_log(session, log_unit)
        if result.added < DEFAULT_BATCH:
            return result


def checkpoint_sign(session: Session, log_unit: str, *, force: bool = False) -> ActivityCheckpoint | None:
    """Sign the log's current size and root, unless the latest checkpoint already says it.

    Sequences whatever is queued first. Returns the latest checkpoint (``None`` for an empty log).
    """
    state = sequence_pending(session, log_unit)
    latest = checkpoint_latest(session, log_unit)
    if latest is not None and latest.size == state.size and not force:
        return latest
    if state.size == 0 and not force:
        return None
    key = active_key(purpose="audit", session=session)
    now = utcnow()
    signature = key.sign(checkpoint_text(log=log_unit, size=state.size, root_hash=state.root_hash, time=now))
    checkpoint = ActivityCheckpoint(log_unit=log_unit, size=state.size, root_hash=state.root_hash,
                                    signed_at=now, key_id=key.key_id, signature=signature)
    session.add(checkpoint)
    session.flush()
    return checkpoint


def checkpoint_sign_all(session: Session, log_units, *, force: bool = False) -> dict[str, ActivityCheckpoint | None]:
    """:func:`checkpoint_sign` for several logs (the background loop's logs that grew), the same checkpoints
    in a fixed number of statements: their locks (waiting, in log order), what is queued for them, their
    sizes, frontiers and latest checkpoints, one read each, and the new checkpoints in one insert.

    Why: signing a hundred communes' logs one by one was ~8 statements each, in every worker at once
    when their checkpoints came due (bench/RESULTS.md, issue 19 item 3)."""
    units = _lock_logs(session, list(log_units), wait=True)
    if not units:
        return {}
    while any(result.added >= DEFAULT_BATCH for result in _sequence_locked(session, units, DEFAULT_BATCH)):
        pass
    sizes = log_sizes(session, units)
    trees = compact_ranges(session, sizes)
    latest = checkpoints_latest(session, units)
    now, key, out, new = utcnow(), None, {}, []
    for unit in units:
        size, root_hash, previous = sizes[unit], trees[unit].root(), latest.get(unit)
        if not force and (size == 0 or (previous is not None and previous.size == size)):
            out[unit] = previous
            continue
        key = key or active_key(purpose="audit", session=session)
        signature = key.sign(checkpoint_text(log=unit, size=size, root_hash=root_hash, time=now))
        out[unit] = ActivityCheckpoint(log_unit=unit, size=size, root_hash=root_hash, signed_at=now,
                                       key_id=key.key_id, signature=signature)
        new.append(out[unit])
    session.add_all(new)
    session.flush()
    return out


def checkpoints_latest(session: Session, log_units: list[str]) -> dict[str, ActivityCheckpoint]:
    """:func:`checkpoint_latest` of several logs, in two queries."""
    rows_of, params = rows_of_values(session, {"log_unit": "text"}, [(unit,) for unit in log_units])
    ids = [i for i in session.scalars(text(f"SELECT (SELECT max(c.id) FROM activity_checkpoints c "
                                           f"WHERE c.log_unit = w.log_unit) FROM {rows_of}"), params) if i]
    if not ids:
        return {}
    return {c.log_unit: c for c in session.scalars(select(ActivityCheckpoint).where(ActivityCheckpoint.id.in_(ids)))}


def checkpoint_latest(session: Session, log_unit: str) -> ActivityCheckpoint | None:
    return session.scalar(select(ActivityCheckpoint).where(ActivityCheckpoint.log_unit == log_unit)
                          .order_by(ActivityCheckpoint.id.desc()).limit(1))
