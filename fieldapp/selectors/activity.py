"""Reads of the activity log: entries, checkpoints, proofs and the export."""
from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from fieldapp.audit import merkle
from fieldapp.audit.formats import FORMAT, canonical, timestamp
from fieldapp.audit.sequencer import entry_leaf
from fieldapp.audit.store import fetch_nodes, log_size
from fieldapp.clock import utcnow
from fieldapp.crypto.keys import public_keys
from fieldapp.errors import AppError
from fieldapp.models.activity import ActivityCheckpoint, ActivityEntry, ActivityLeaf
from fieldapp.models.keys import SigningKey

EXPORT_CHUNK = 2000


def activity_list_query(*, log_unit: str, actor_id: int | None = None, action: str | None = None,
                        object_type: str | None = None, object_id: str | None = None,
                        since: datetime | None = None, until: datetime | None = None) -> Select:
    """Entries of one log, newest first, with their sequence number once they have one."""
    query = (select(ActivityEntry).options(joinedload(ActivityEntry.leaf))
             .where(ActivityEntry.log_unit == log_unit))
    if actor_id is not None:
        query = query.where(ActivityEntry.actor_id == actor_id)
    if action:
        # "household" matches every household.* action; "household.assign" only itself.
        query = query.where((ActivityEntry.action == action) | ActivityEntry.action.startswith(action + ".",
                                                                                              autoescape=True))
    if object_type:
        query = query.where(ActivityEntry.object_type == object_type)
    if object_id:
        query = query.where(ActivityEntry.object_id == object_id)
    if since:
        query = query.where(ActivityEntry.created_at >= since)
    if until:
        query = query.where(ActivityEntry.created_at < until)
    return query.order_by(ActivityEntry.id.desc())


def checkpoint_out(checkpoint: ActivityCheckpoint) -> dict:
    """A checkpoint as the API and the export show it (mobile_contract/audit-log.md)."""
    return {"type": "checkpoint", "log": checkpoint.log_unit, "size": checkpoint.size,
            "root_hash": bytes(checkpoint.root_hash).hex(), "time": timestamp(checkpoint.signed_at),
            "key_id": checkpoint.key_id, "signature": base64.b64encode(bytes(checkpoint.signature)).decode()}


def head_out(session: Session, checkpoint: ActivityCheckpoint) -> dict:
    """A checkpoint as ``GET /activity/head`` answers it: :func:`checkpoint_out` with the public key of
    the key that signed it (``fieldapp audit verify --head`` reads this JSON as it is)."""
    return {**checkpoint_out(checkpoint), "public_key": session.get(SigningKey, checkpoint.key_id).public_key}


def export_lines(session: Session, log_unit: str, *, now: datetime | None = None) -> Iterator[bytes]:
    """The JSON Lines export: header, entries in sequence order, each checkpoint after the entry
    that completed its size. Entry lines are rebuilt from the entry rows, so a row altered in the
    database no longer hashes to what was signed."""
    header = {"type": "header", "format": FORMAT, "log": log_unit, "exported_at": timestamp(now or utcnow()),
              "keys": [{"key_id": key.key_id, "algorithm": "ed25519", "public_key": key.public_key,
                        "created_at": timestamp(key.created_at),
                        "retired_at": timestamp(key.retired_at) if key.retired_at else None}
                       for key in public_keys(purpose="audit", session=session)]}
    yield canonical(header) + b"\n"
    checkpoints: dict[int, list[ActivityCheckpoint]] = {}
    for checkpoint in session.scalars(select(ActivityCheckpoint).where(ActivityCheckpoint.log_unit == log_unit)
                                      .order_by(ActivityCheckpoint.id)):
        checkpoints.setdefault(checkpoint.size, []).append(checkpoint)
    last_seq = -1
    while True:
        rows = session.execute(
            select(ActivityEntry, ActivityLeaf.seq).join(ActivityLeaf, ActivityLeaf.entry_id == ActivityEntry.id)
            .where(ActivityLeaf.log_unit == log_unit, ActivityLeaf.seq > last_seq)
            .order_by(ActivityLeaf.seq).limit(EXPORT_CHUNK)).all()
        if not rows:
            break
        for entry, seq in rows:
            yield entry_leaf(entry, seq) + b"\n"
            for checkpoint in checkpoints.get(seq + 1, ()):
                yield canonical(checkpoint_out(checkpoint)) + b"\n"
        last_seq = rows[-1][1]
        session.expunge_all()


def _require_size(session: Session, log_unit: str, *sizes: int) -> None:
    size = log_size(session, log_unit)
    for value in sizes:
        if value > size:
            raise AppError("activity.size_beyond_log", size=value, current=size)


def inclusion_proof(session: Session, log_unit: str, *, seq: int, size: int) -> dict:
    """RFC 6962 audit path of entry ``seq`` in the tree of the first ``size`` entries."""
    if seq >= size:
        raise AppError("activity.bad_proof_range")
    _require_size(session, log_unit, size)
    needed = merkle.needed_nodes_for_inclusion(seq, size)
    nodes = fetch_nodes(session, log_unit, [*needed, (0, seq)])
    path = merkle.inclusion_proof(seq, size, nodes)
    root = merkle.subtree_root(0, size, fetch_nodes(session, log_unit, merkle.needed_nodes_for_range(0, size)))
    return {"log": log_unit, "seq": seq, "size": size, "leaf_hash": nodes[(0, seq)].hex(),
            "root_hash": root.hex(), "proof": [h.hex() for h in path]}


def consistency_proof(session: Session, log_unit: str, *, first: int, second: int) -> dict:
    """RFC 6962 proof that the tree of ``second`` entries extends the tree of ``first``."""
    if first > second:
        raise AppError("activity.bad_proof_range")
    _require_size(session, log_unit, second)
    nodes = fetch_nodes(session, log_unit, [*merkle.needed_nodes_for_consistency(first, second),
                                            *merkle.needed_nodes_for_range(0, first),
                                            *merkle.needed_nodes_for_range(0, second)])
    return {"log": log_unit, "first": first, "second": second,
            "first_root_hash": merkle.subtree_root(0, first, nodes).hex() if first else merkle.EMPTY_ROOT.hex(),
            "second_root_hash": merkle.subtree_root(0, second, nodes).hex() if second else merkle.EMPTY_ROOT.hex(),
            "proof": [h.hex() for h in merkle.consistency_proof(first, second, nodes)]}


def activity_entry_get(*, caller, entry_id: int) -> ActivityEntry:
    """One entry of a log of the caller's area (another area's: not found, as an id that does not exist)."""
    from fieldapp.auth.scope import unit_in_scope
    from fieldapp.extensions import db

    entry = db.session.scalar(select(ActivityEntry).options(joinedload(ActivityEntry.leaf))
                              .where(ActivityEntry.id == entry_id))
    if entry is None:
        raise AppError("activity.entry_not_found")
    try:
        unit_in_scope(caller, entry.log_unit)
    except AppError:
        raise AppError("activity.entry_not_found") from None
    return entry
