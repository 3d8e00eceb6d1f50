"""Reading the stored Merkle nodes of a log: leaf hashes (level 0) and complete subtrees (level ≥ 1)."""
from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import func, select, text, tuple_
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


def rows_of_values(session: Session, columns: dict[str, str], values: list[tuple]) -> tuple[str, dict]:
    """A FROM item ``w`` of ``values`` as rows, bound as one parameter per column (PostgreSQL: arrays
    unnested; SQLite: a JSON array), so that a query over a thousand logs' nodes is one statement with a
    handful of parameters, joined to the primary key by index probes (not a list of ORs)."""
    if session.get_bind().dialect.name == "postgresql":
        arrays = ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in columns.items())
        params = {name: [value[i] for value in values] for i, name in enumerate(columns)}
        aliases = ", ".join(f'"{name}"' for name in columns)
        return f"unnest({arrays}) AS w({aliases})", params
    picks = ", ".join(f"json_extract(value, '$[{i}]') AS {name}" for i, name in enumerate(columns))
    return f"(SELECT {picks} FROM json_each(:rows)) AS w", {"rows": json.dumps(values)}


def log_sizes(session: Session, log_units: Iterable[str]) -> dict[str, int]:
    """:func:`log_size` of several logs in one query: each log's last ``seq`` read from the primary key's
    index (a correlated ``max`` per log, not a ``GROUP BY`` that would read every leaf of them)."""
    units = sorted(set(log_units))
    if not units:
        return {}
    rows_of, params = rows_of_values(session, {"log_unit": "text"}, [(unit,) for unit in units])
    rows = session.execute(text(f"SELECT w.log_unit, (SELECT max(l.seq) FROM activity_leaves l "
                                f"WHERE l.log_unit = w.log_unit) FROM {rows_of}"), params)
    return {unit: 0 if last is None else last + 1 for unit, last in rows}


def fetch_nodes_of_logs(session: Session, wanted: Iterable[tuple[str, int, int]]) -> dict[tuple[str, int, int], bytes]:
    """:func:`fetch_nodes` for several logs at once: ``(log_unit, level, index)`` ids, in two queries."""
    wanted = list(dict.fromkeys(wanted))
    leaves = [(unit, index) for unit, level, index in wanted if level == 0]
    inner = [node for node in wanted if node[1] > 0]
    found: dict[tuple[str, int, int], bytes] = {}
    if leaves:
        rows_of, params = rows_of_values(session, {"log_unit": "text", "seq": "bigint"}, leaves)
        rows = session.execute(text(f"SELECT l.log_unit, l.seq, l.leaf_hash FROM {rows_of} JOIN activity_leaves l "
                                    "ON l.log_unit = w.log_unit AND l.seq = w.seq"), params)
        found.update({(unit, 0, seq): bytes(value) for unit, seq, value in rows})
    if inner:
        rows_of, params = rows_of_values(session, {"log_unit": "text", "level": "integer", "idx": "bigint"}, inner)
        rows = session.execute(text(f'SELECT n.log_unit, n.level, n."index", n.hash FROM {rows_of} '
                                    'JOIN activity_nodes n ON n.log_unit = w.log_unit AND n.level = w.level '
                                    'AND n."index" = w.idx'), params)
        found.update({(unit, level, index): bytes(value) for unit, level, index, value in rows})
    return found


def compact_ranges(session: Session, sizes: dict[str, int]) -> dict[str, CompactRange]:
    """:func:`compact_range` of several logs (``{log_unit: size}``), their frontiers read in two queries."""
    needed = {unit: needed_nodes_for_range(0, size) for unit, size in sizes.items()}
    nodes = fetch_nodes_of_logs(session, ((unit, level, index) for unit, ids in needed.items()
                                          for level, index in ids))
    return {unit: CompactRange(sizes[unit], [nodes[(unit, level, index)] for level, index in ids])
            for unit, ids in needed.items()}
