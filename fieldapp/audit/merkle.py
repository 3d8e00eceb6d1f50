"""The Merkle tree of Certificate Transparency: RFC 6962 section 2.1, restated in RFC 9162 section 2.1.

Pure functions over SHA-256 and an append-only list of leaves; no database code. Storage is the caller's:

* Leaves are appended to a :class:`CompactRange` (the "frontier" of Trillian's compact Merkle tree).
  ``append`` returns the perfect subtree nodes that the new leaf completed; the caller stores them, together
  with the leaf hash itself at ``(0, leaf_index)``, keyed by ``(level, index)``.
* A node ``(level, index)`` is the root of the perfect, aligned subtree over the leaves
  ``[index << level, (index + 1) << level)``; level 0 is a leaf hash.
* Every subtree that a root, an inclusion proof or a consistency proof needs splits into O(log n) such stored
  nodes, so proofs are O(log n) look-ups. The ``needed_nodes_for_*`` functions list them so that a caller can
  fetch them in one query and then pass the resulting dict as the node source.

A node source (:data:`NodeSource`) is either a ``Mapping[(level, index)] -> bytes`` (for example the dict that
a batch query returned) or a callable ``get_node(level, index) -> bytes``. A missing node raises whatever the
source raises (``KeyError`` for a dict).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeAlias

HASH_SIZE = 32

NodeId: TypeAlias = tuple[int, int]
"""``(level, index)``: the perfect subtree over leaves ``[index << level, (index + 1) << level)``."""

NodeSource: TypeAlias = Callable[[int, int], bytes] | Mapping[NodeId, bytes]

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256(), the root of the empty tree (RFC 6962 section 2.1)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


# --- Hashing (RFC 6962 section 2.1, RFC 9162 section 2.1.1) -------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """MTH({d0}) = SHA-256(0x00 || d0) (RFC 6962 section 2.1).

    Why the prefix: leaves and interior nodes are hashed in different domains, so that no leaf can be passed
    off as an interior node (second-preimage resistance, RFC 6962 section 2.1).
    """
    return hashlib.sha256(_LEAF_PREFIX + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right), an interior node (RFC 6962 section 2.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


# --- Tree arithmetic ----------------------------------------------------------------------------------------


def _largest_power_of_two_below(n: int) -> int:
    """k: the largest power of two strictly less than n, for n > 1 (RFC 6962 section 2.1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_tree_range(start: int, end: int) -> bool:
    """Whether ``[start, end)`` is a node of some RFC 6962 tree, i.e. what the RFC's split ever produces.

    Why this test: the split of ``[0, n)`` gives a perfect left part and a right part whose start is a
    multiple of a power of two at least its length; the recursion keeps that true. Such a range decomposes
    into at most log2(length) + 1 perfect *aligned* subtrees, which is what makes the look-ups O(log n).
    """
    if start < 0 or end <= start:
        return False
    width = 1 << (end - start - 1).bit_length()  # the smallest power of two >= end - start
    return start % width == 0


def _check_range(start: int, end: int) -> None:
    if not _is_tree_range(start, end):
        raise ValueError(
            f"[{start}, {end}) is not a subtree of an RFC 6962 tree: start must be a multiple of the "
            "smallest power of two that is at least end - start"
        )


def _as_getter(nodes: NodeSource) -> Callable[[int, int], bytes]:
    if isinstance(nodes, Mapping):
        return lambda level, index: nodes[(level, index)]
    return nodes


def _unique(ids: Iterable[NodeId]) -> list[NodeId]:
    return list(dict.fromkeys(ids))


# --- Subtree roots ------------------------------------------------------------------------------------------


def needed_nodes_for_range(start: int, end: int) -> list[NodeId]:
    """The perfect aligned subtrees ``(level, index)`` that make up MTH(D[start:end]), left to right.

    RFC 6962 section 2.1 splits n leaves at k, the largest power of two < n; the left part is perfect, so
    repeating the split on the right part gives the binary decomposition of n: at most log2(n) + 1 nodes.
    ``[start, end)`` must be a subtree of an RFC 6962 tree (see :func:`subtree_root`); the empty tree
    ``[0, 0)`` needs no nodes.
    """
    if start == end == 0:
        return []
    _check_range(start, end)
    ids: list[NodeId] = []
    while start < end:
        level = (end - start).bit_length() - 1  # the largest power of two <= the remaining length
        ids.append((level, start >> level))
        start += 1 << level
    return ids


def subtree_root(start: int, end: int, get_node: NodeSource) -> bytes:
    """MTH(D[start:end]) (RFC 6962 section 2.1) from O(log n) stored perfect subtree roots.

    ``[start, end)`` must be a node of an RFC 6962 tree: ``start`` is a multiple of the smallest power of two
    >= ``end - start``. That holds for every root ``[0, n)`` and for every range any proof needs; other ranges
    raise ``ValueError`` (they would need O(n) look-ups). ``subtree_root(0, 0, ...)`` is ``EMPTY_ROOT``.
    ``get_node`` is called only for perfect aligned subtrees, once per id of :func:`needed_nodes_for_range`.
    """
    ids = needed_nodes_for_range(start, end)
    if not ids:
        return EMPTY_ROOT
    getter = _as_getter(get_node)
    return _fold_right([getter(level, index) for level, index in ids])


def _fold_right(hashes: Sequence[bytes]) -> bytes:
    """Combine subtree roots, left to right in ``hashes``, into the RFC 6962 MTH of their concatenation.

    Why right to left: the RFC split puts the largest perfect subtree on the left and recurses on the right,
    so MTH = node(h0, node(h1, ... node(h[-2], h[-1]))).
    """
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


# --- Compact range (the frontier) ---------------------------------------------------------------------------


class CompactRange:
    """The roots of the perfect subtrees that make up the tree of ``size`` leaves, left to right.

    There is one root per set bit of ``size`` (largest subtree first), so at most log2(size) + 1 of them: this
    is all the state needed to append leaves and compute the RFC 6962 root (Trillian's "compact range" over
    ``[0, size)``, RFC 9162 section 2.1.1's tree of ``size`` leaves).
    """

    __slots__ = ("_hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        hashes = [bytes(h) for h in hashes]
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError(f"size must be a non-negative int, not {size!r}")
        if len(hashes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} subtree roots, "
                             f"not {len(hashes)}")
        if any(len(h) != HASH_SIZE for h in hashes):
            raise ValueError(f"subtree roots must be {HASH_SIZE} bytes")
        self.size = size
        self._hashes = hashes

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The perfect subtree roots, largest (leftmost) first."""
        return tuple(self._hashes)

    def nodes(self) -> list[tuple[int, int, bytes]]:
        """The frontier as ``(level, index, hash)``, left to right: the same ids that ``append`` reported."""
        out: list[tuple[int, int, bytes]] = []
        start = 0
        levels = [bit for bit in range(self.size.bit_length() - 1, -1, -1) if self.size >> bit & 1]
        for level, h in zip(levels, self._hashes, strict=True):
            out.append((level, start >> level, h))
            start += 1 << level
        return out

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Add the leaf hash of leaf number ``size``; return the perfect subtree nodes it completed.

        The result is ``[(level, index, hash), ...]`` with level >= 1, lowest level first; the leaf itself,
        ``(0, old size, leaf_hash)``, is not in it. Each carry of the binary counter merges the two rightmost
        subtrees, so the cost is the number of trailing one bits of the old size: O(log n) at worst, amortised
        O(1) (at most n - 1 node hashes over n appends).
        """
        h = bytes(leaf_hash)
        if len(h) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, not {len(h)}")
        completed: list[tuple[int, int, bytes]] = []
        level, index, carry = 0, self.size, self.size
        while carry & 1:
            h = node_hash(self._hashes.pop(), h)
            level, index, carry = level + 1, index >> 1, carry >> 1
            completed.append((level, index, h))
        self._hashes.append(h)
        self.size += 1
        return completed

    def root(self) -> bytes:
        """MTH(D[0:size]) (RFC 6962 section 2.1), ``EMPTY_ROOT`` when there are no leaves."""
        if not self._hashes:
            return EMPTY_ROOT
        return _fold_right(self._hashes)

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self._hashes)

    def to_json(self) -> dict[str, Any]:
        """``{"size": n, "hashes": [hex, ...]}``, for persisting between appends."""
        return {"size": self.size, "hashes": [h.hex() for h in self._hashes]}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> CompactRange:
        """The inverse of :meth:`to_json`; ``ValueError`` on anything malformed."""
        try:
            size, hashes = d["size"], [bytes.fromhex(h) for h in d["hashes"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a serialised CompactRange: {exc}") from exc
        return cls(size, hashes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self.size == other.size and self._hashes == other._hashes

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"CompactRange(size={self.size}, root={self.root().hex()})"


# --- Proofs (RFC 6962 sections 2.1.1 and 2.1.2, RFC 9162 sections 2.1.3.1 and 2.1.4.1) ---------------------


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs make up PATH(index, D[size]), in proof order (RFC 6962 section 2.1.1).

    PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) if m < k, else PATH(m - k, D[k:n]) : MTH(D[0:k]).
    Walked from the root down, so the siblings come out top first and are reversed at the end.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        mid = start + _largest_power_of_two_below(end - start)
        if index < mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((start, mid))
            start = mid
    ranges.reverse()
    return ranges


def _consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs make up PROOF(first, D[second]), in proof order (RFC 6962 section 2.1.2).

    SUBPROOF(m, D[n], b): if m == n, {} when b else {MTH(D[n])}; if m <= k, SUBPROOF(m, D[0:k], b) :
    MTH(D[k:n]); else SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]). PROOF(m, D[n]) = SUBPROOF(m, D[n], true),
    and is empty for m == n and (by RFC 9162 section 2.1.4) for the empty old tree m == 0.
    """
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return []
    ranges: list[tuple[int, int]] = []
    start, end, whole_old_tree = 0, second, True
    while first != end:  # first is the absolute end of the old tree, so m == n is first == end
        mid = start + _largest_power_of_two_below(end - start)
        if first <= mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((start, mid))
            start, whole_old_tree = mid, False
    if not whole_old_tree:
        # Why: the old tree is not a single subtree of the new one here, so the verifier needs this piece
        # of it; when it is (first is a power of two), the verifier already has it as first_root.
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def _needed(ranges: Iterable[tuple[int, int]]) -> list[NodeId]:
    return _unique(node for start, end in ranges for node in needed_nodes_for_range(start, end))


def needed_nodes_for_inclusion(index: int, size: int) -> list[NodeId]:
    """The stored nodes :func:`inclusion_proof` will read: O(log size) of them, without duplicates."""
    return _needed(_inclusion_ranges(index, size))


def needed_nodes_for_consistency(first: int, second: int) -> list[NodeId]:
    """The stored nodes :func:`consistency_proof` will read: O(log second) of them, without duplicates."""
    return _needed(_consistency_ranges(first, second))


def inclusion_proof(index: int, size: int, get_node: NodeSource) -> list[bytes]:
    """PATH(index, D[size]): the audit path of leaf ``index`` in the tree of ``size`` leaves.

    RFC 6962 section 2.1.1 / RFC 9162 section 2.1.3.1; leaf-sibling first, root-child last. ``get_node`` is a
    :data:`NodeSource`, for instance the dict fetched for :func:`needed_nodes_for_inclusion`. ``ValueError``
    unless 0 <= index < size.
    """
    return [subtree_root(start, end, get_node) for start, end in _inclusion_ranges(index, size)]


def consistency_proof(first: int, second: int, get_node: NodeSource) -> list[bytes]:
    """PROOF(first, D[second]): proves the tree of ``first`` leaves is a prefix of the tree of ``second``.

    RFC 6962 section 2.1.2 / RFC 9162 section 2.1.4.1. Empty when first == second or first == 0. ``get_node``
    is a :data:`NodeSource`, for instance the dict fetched for :func:`needed_nodes_for_consistency`.
    ``ValueError`` unless 0 <= first <= second.
    """
    return [subtree_root(start, end, get_node) for start, end in _consistency_ranges(first, second)]


# --- Verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2) ---------------------------------------------------


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_hash(value: object) -> bool:
    return isinstance(value, (bytes, bytearray, memoryview)) and len(value) == HASH_SIZE


def _is_path(proof: object) -> bool:
    return isinstance(proof, (list, tuple)) and all(_is_hash(p) for p in proof)


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether ``proof`` shows ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    RFC 9162 section 2.1.3.2, step by step. Returns False, never raises, on malformed input: index >= size,
    non-integer sizes, hashes that are not 32 bytes, a proof of the wrong length.
    """
    if not (_is_size(index) and _is_size(size) and _is_hash(leaf_hash) and _is_hash(root)
            and _is_path(proof)):
        return False
    if index >= size:  # step 1
        return False
    fn, sn = index, size - 1  # step 2
    r = bytes(leaf_hash)  # step 3
    for p in proof:  # step 4
        p = bytes(p)
        if sn == 0:
            return False  # the proof is longer than the path
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # Why: on the right edge of an unbalanced tree, the node is promoted unchanged past the levels
            # where it has no right sibling.
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root  # step 5


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` shows tree (``first``, ``first_root``) is a prefix of (``second``, ``second_root``).

    RFC 9162 section 2.1.4.2, step by step, for 0 < first < second. first == second needs an empty proof and
    equal roots; first == 0 (the empty tree is a prefix of every tree) needs an empty proof, and, as in
    Trillian, ``first_root`` is then not compared with ``EMPTY_ROOT``. Returns False, never raises, on
    malformed input (first > second, hashes that are not 32 bytes, a proof of the wrong length, ...).
    """
    if not (_is_size(first) and _is_size(second) and _is_hash(first_root) and _is_hash(second_root)
            and _is_path(proof)):
        return False
    if first > second:
        return False
    if first == second:
        return len(proof) == 0 and first_root == second_root
    if first == 0:
        return len(proof) == 0
    if len(proof) == 0:  # step 1
        return False
    path = [bytes(p) for p in proof]
    if first & (first - 1) == 0:  # step 2: first is a power of two, so the old root is a node of the new tree
        path.insert(0, bytes(first_root))
    fn, sn = first - 1, second - 1  # step 3
    while fn & 1:  # step 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0  # step 7
