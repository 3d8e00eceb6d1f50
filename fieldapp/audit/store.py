"""Reading the stored Merkle nodes of a log: leaf hashes (level 0) and complete subtrees (level ≥ 1)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from fieldapp.audit.merkle import CompactRange, NodeId, needed_nodes_for_range
from fieldapp.models.activity import ActivityLeaf, ActivityNode


def log_size(session: Session, log_unit: str) -> int:
    """Entries sequenced so far; read from the primary key's index, not by counting."""
    last = session.scalar(select(func.max(ActivityLeaf.seq)).where(ActivityLeaf.log_unit == log_unit))
    return 0 if last is None else last + 1


def fetch_nodes(session: Session, log_unit: str, wanted: Iterable[NodeId]) -> dict[NodeId, bytes]:
    """The stored hashes of ``wanted`` nodes, in two queries."""
    wanted = list(wanted)
    leaves = [index for level, index in wanted if level == 0]
    inner = [(level, index) for level, index in wanted if level > 0]
    found: dict[NodeId, bytes] = {}
    if leaves:
        rows = session.execute(select(ActivityLeaf.seq, ActivityLeaf.leaf_hash).where(
            ActivityLeaf.log_unit == log_unit, ActivityLeaf.seq.in_(leaves)))
        found.update({(0, seq): bytes(value) for seq, value in rows})
    if inner:
        rows = session.execute(select(ActivityNode.level, ActivityNode.index, ActivityNode.hash).where(
            ActivityNode.log_unit == log_unit,
            tuple_(ActivityNode.level, ActivityNode.index).in_(inner)))
        found.update({(level, index): bytes(value) for level, index, value in rows})
    return found


def compact_range(session: Session, log_unit: str, size: int) -> CompactRange:
    """The frontier of a log of ``size`` entries, from its O(log n) stored subtree roots."""
    needed = needed_nodes_for_range(0, size)
    nodes = fetch_nodes(session, log_unit, needed)
    return CompactRange(size, [nodes[node] for node in needed])
