"""The RFC 6962 / RFC 9162 Merkle tree of ``fieldapp.audit.merkle``.

Three kinds of evidence: the published vectors that Certificate Transparency implementations test against
(transparency-dev/merkle, formerly Trillian, ``proof/verify_test.go``); a deliberately naive recursive
transcription of RFC 6962 section 2.1, written here with its own hashing; and tampered proofs, which must
not verify.
"""
from __future__ import annotations

import functools
import hashlib
import json
import random

import pytest

from fieldapp.audit import merkle
from fieldapp.audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    needed_nodes_for_consistency,
    needed_nodes_for_inclusion,
    needed_nodes_for_range,
    node_hash,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)

# --- The naive reference: RFC 6962 section 2.1, word for word, over the leaf *data* -------------------------


def ref_mth(d: list[bytes]) -> bytes:
    """MTH(D[n]), recursively, with no stored nodes and no shared code with the module."""
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = ref_split(n)
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_split(n: int) -> int:
    """The largest power of two strictly less than n, by counting."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 section 2.1.1."""
    n = len(d)
    if n == 1:
        return []
    k = ref_split(n)
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 6962 section 2.1.2."""
    return ref_subproof(m, d, True)


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = ref_split(n)
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


# --- Published vectors (transparency-dev/merkle proof/verify_test.go; the CT / Trillian test data) ----------

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
)]
ROOTS = [bytes.fromhex(h) for h in (  # ROOTS[n - 1] is the root of the tree of the first n LEAVES
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]


def _h(*hexes: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes]


# (leaf index, tree size, proof); the Go file numbers leaves from 1, these are 0-based.
INCLUSION_VECTORS = [
    (0, 1, []),
    (0, 8, _h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (5, 8, _h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
              "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 3, _h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (1, 5, _h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
]

# (first size, second size, proof)
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (1, 8, _h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, _h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
              "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 5, _h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
    (6, 7, _h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
              "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
]

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
EMPTY_HASH = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


# --- Helpers ------------------------------------------------------------------------------------------------


def build(data: list[bytes]) -> tuple[CompactRange, dict[tuple[int, int], bytes], list[bytes]]:
    """Append ``data``; return the range, every stored node (leaves and completed subtrees), and the roots
    after each append (``roots[n]`` for the first n leaves)."""
    cr, nodes, roots = CompactRange(), {}, [EMPTY_ROOT]
    for i, item in enumerate(data):
        h = leaf_hash(item)
        nodes[(0, i)] = h
        for level, index, node in cr.append(h):
            assert (level, index) not in nodes, "a node was reported twice"
            nodes[(level, index)] = node
        roots.append(cr.root())
    return cr, nodes, roots


class Recorder:
    """A ``get_node`` callable over a dict that records which nodes were read."""

    def __init__(self, nodes: dict[tuple[int, int], bytes]) -> None:
        self.nodes, self.calls = nodes, []

    def __call__(self, level: int, index: int) -> bytes:
        self.calls.append((level, index))
        return self.nodes[(level, index)]


def flip(h: bytes, at: int = 0, bit: int = 8) -> bytes:
    return h[:at] + bytes([h[at] ^ bit]) + h[at + 1:]


N = 300
DATA = [f"audit entry {i}".encode() for i in range(N)]


@functools.cache
def big_tree() -> tuple[dict[tuple[int, int], bytes], tuple[bytes, ...]]:
    _, nodes, roots = build(DATA)
    return nodes, tuple(roots)


@functools.cache
def ref_roots() -> tuple[bytes, ...]:
    return tuple(ref_mth(DATA[:n]) for n in range(N + 1))


def sample_indices(n: int, rng: random.Random) -> set[int]:
    return {i for i in (0, 1, n // 2, n - 2, n - 1, rng.randrange(n)) if 0 <= i < n}


# --- Hashing ------------------------------------------------------------------------------------------------


def test_hash_primitives_follow_rfc6962_domain_separation():
    assert EMPTY_ROOT == EMPTY_HASH == hashlib.sha256(b"").digest()
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert node_hash(b"L" * 32, b"R" * 32) == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    assert leaf_hash(b"\x01" + b"L" * 32 + b"R" * 32) != node_hash(b"L" * 32, b"R" * 32)


# --- Published vectors --------------------------------------------------------------------------------------


def test_published_roots_for_sizes_1_to_8():
    # The two values quoted in the brief, hard-coded on their own so that a bad edit of ROOTS cannot hide.
    assert ROOTS[0].hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert ROOTS[7].hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    cr, _, roots = build(LEAVES)
    assert roots[1:] == ROOTS
    assert cr.root() == ROOTS[7]
    assert [ref_mth(LEAVES[:n]) for n in range(1, 9)] == ROOTS  # the reference itself is right
    assert CompactRange().root() == EMPTY_ROOT == ref_mth([])


@pytest.mark.parametrize("index,size,proof", INCLUSION_VECTORS)
def test_published_inclusion_proofs(index, size, proof):
    _, nodes, _ = build(LEAVES)
    assert inclusion_proof(index, size, nodes) == proof
    leaf, root = leaf_hash(LEAVES[index]), ROOTS[size - 1]
    assert verify_inclusion(leaf, index, size, proof, root)

    # The corruptions of transparency-dev/merkle's corruptInclusionProof, all of which must fail.
    probes = [
        (leaf, index - 1, size, proof, root), (leaf, index + 1, size, proof, root),
        (leaf, index ^ 2, size, proof, root), (leaf, index, size * 2, proof, root),
        (leaf, index, size // 2, proof, root), (b"WrongLeaf", index, size, proof, root),
        (leaf, index, size, proof, EMPTY_HASH), (leaf, index, size, proof, SOME_HASH),
        (leaf, index, size, proof + [b""], root), (leaf, index, size, proof + [root], root),
        (leaf, index, size, [b""] + proof, root), (leaf, index, size, [root] + proof, root),
    ]
    probes += [(leaf, index, size, proof[:i] + [flip(p)] + proof[i + 1:], root) for i, p in enumerate(proof)]
    if proof:
        probes.append((leaf, index, size, proof[:-1], root))
    if len(proof) > 1:
        probes.append((leaf, index, size, [proof[0], SOME_HASH] + proof[1:], root))
    for probe in probes:
        assert not verify_inclusion(*probe), probe[1:3]


@pytest.mark.parametrize("first,second,proof", CONSISTENCY_VECTORS)
def test_published_consistency_proofs(first, second, proof):
    _, nodes, _ = build(LEAVES)
    assert consistency_proof(first, second, nodes) == proof
    root1, root2 = ROOTS[first - 1], ROOTS[second - 1]
    assert verify_consistency(first, second, root1, root2, proof)
    if not proof:
        return

    # The corruptions of transparency-dev/merkle's corruptConsistencyProof, all of which must fail.
    probes = [
        (first - 1, second, root1, root2, proof), (first + 1, second, root1, root2, proof),
        (first ^ 2, second, root1, root2, proof), (first, second * 2, root1, root2, proof),
        (first, second // 2, root1, root2, proof), (first, second, b"WrongRoot", root2, proof),
        (first, second, root1, b"WrongRoot", proof), (first, second, root2, root1, proof),
        (first, second, root1, root2, []), (first, second, root1, root2, proof + [b""]),
        (first, second, root1, root2, proof + [root1]), (first, second, root1, root2, proof + [root2]),
        (first, second, root1, root2, [b""] + proof), (first, second, root1, root2, [root1] + proof),
        (first, second, root1, root2, [root2] + proof), (first, second, root1, root2, [proof[0]] + proof),
        (first, second, root1, root2, proof[:-1]),
    ]
    probes += [(first, second, root1, root2, proof[:i] + [flip(p, bit=16)] + proof[i + 1:])
               for i, p in enumerate(proof)]
    for probe in probes:
        assert not verify_consistency(*probe), probe[:2]


def test_verify_consistency_trivial_cases_as_rfc9162_and_trillian():
    r1, r2 = b"1" * 32, b"2" * 32
    assert verify_consistency(0, 0, r1, r1, [])
    assert verify_consistency(0, 1, r1, r2, [])  # the empty tree is a prefix of every tree
    assert verify_consistency(1, 1, r2, r2, [])
    assert not verify_consistency(0, 0, r1, r2, [])  # same size, different roots
    assert not verify_consistency(1, 1, r1, r2, [])
    assert not verify_consistency(1, 0, r1, r2, [])  # time travel
    assert not verify_consistency(2, 1, r1, r2, [])
    assert not verify_consistency(3, 1, r1, r1, [r1])  # RFC 9162's steps 3-7 alone would accept this one
    assert not verify_consistency(1, 2, r1, r2, [])  # non-trivial, empty proof
    for first, second in ((0, 0), (0, 1), (1, 1)):  # trivial, but the proof is not empty
        assert not verify_consistency(first, second, EMPTY_HASH, EMPTY_HASH, [EMPTY_HASH])


def test_verify_inclusion_rejects_impossible_positions_and_malformed_input():
    h = leaf_hash(b"data")
    assert verify_inclusion(h, 0, 1, [], h)  # a one-leaf tree's root is its leaf hash
    for index, size in ((0, 0), (1, 0), (2, 1), (1, 1)):
        assert not verify_inclusion(SOME_HASH, index, size, [], SOME_HASH)
        assert not verify_inclusion(SOME_HASH, index, size, [], EMPTY_HASH)
    malformed = [
        (b"", 0, 1, [], b""), (h, 0, 1, [], b""), (b"", 0, 1, [], h), (h[:31], 0, 1, [], h[:31]),
        (h, -1, 1, [], h), (h, 0, -1, [], h), (h, True, 2, [h], h), (h, 0, 1.0, [], h), (h, "0", "1", [], h),
        (h, 0, 1, None, h), (h, 0, 2, [None], h), (h, 0, 2, h, h), (None, 0, 1, [], None),
        ("h" * 32, 0, 1, [], h),
    ]
    for args in malformed:
        assert verify_inclusion(*args) is False, args


def test_verify_consistency_never_raises_on_malformed_input():
    r = ROOTS[3]
    malformed = [
        (1, 2, r, r[:31], [r]), (1, 2, None, r, [r]), (1, 2, r, r, None), (1, 2, r, r, [b"x"]),
        (1, 2, r, r, r), (-1, 2, r, r, [r]), (1, -2, r, r, [r]), (1.0, 2, r, r, [r]), ("1", "2", r, r, [r]),
        (False, 0, r, r, []),
        (3, 2, r, r, [r]), (2 ** 70, 2 ** 71, r, r, [r] * 200),
    ]
    for args in malformed:
        assert verify_consistency(*args) is False, args[:2]


def test_verifiers_stop_at_the_end_of_the_path_on_overlong_proofs(monkeypatch):
    # RFC 9162 2.1.3.2 / 2.1.4.2 step: "If sn is 0, then stop the iteration and fail": junk appended to a
    # proof must not be hashed (bounded work on hostile input).
    _, nodes, _ = build(LEAVES)
    inclusion, consistency = inclusion_proof(5, 8, nodes), consistency_proof(6, 8, nodes)
    calls = []
    monkeypatch.setattr(merkle, "node_hash", lambda left, right: calls.append(1) or SOME_HASH)
    assert not verify_inclusion(leaf_hash(LEAVES[5]), 5, 8, inclusion + [SOME_HASH] * 100, ROOTS[7])
    assert len(calls) <= len(inclusion)
    calls.clear()
    assert not verify_consistency(6, 8, ROOTS[5], ROOTS[7], consistency + [SOME_HASH] * 100)
    assert len(calls) <= 2 * len(consistency)


# --- Against the naive reference ----------------------------------------------------------------------------


def test_proofs_match_the_reference_for_every_pair_up_to_64():
    data = DATA[:64]
    nodes, roots = big_tree()
    for n in range(1, 65):
        d = data[:n]
        for m in range(n):
            proof = inclusion_proof(m, n, nodes)
            assert proof == ref_path(m, d), (m, n)
            assert verify_inclusion(leaf_hash(d[m]), m, n, proof, roots[n]), (m, n)
        assert consistency_proof(0, n, nodes) == []
        for m in range(1, n + 1):
            proof = consistency_proof(m, n, nodes)
            assert proof == ref_proof(m, d), (m, n)
            assert verify_consistency(m, n, roots[m], roots[n], proof), (m, n)


def test_compact_range_root_matches_the_reference_for_every_size_to_300():
    _, roots = big_tree()
    assert roots == ref_roots()


def test_append_reports_each_completed_subtree_once_with_its_true_hash():
    cr, seen = CompactRange(), {}
    for i, item in enumerate(DATA):
        completed = cr.append(leaf_hash(item))
        # One node per carry: the trailing one bits of the old size.
        assert len(completed) == ((i ^ (i + 1)).bit_length() - 1)
        for level, index, h in completed:
            assert level >= 1 and (level, index) not in seen
            assert (index + 1) << level == i + 1  # it ends at the new leaf
            seen[(level, index)] = h
    every_complete_node = {(level, index) for level in range(1, 9) for index in range(N >> level)}
    assert set(seen) == every_complete_node
    for (level, index), h in seen.items():
        assert h == ref_mth(DATA[index << level:(index + 1) << level]), (level, index)


def test_subtree_root_of_every_tree_range_reads_only_its_aligned_nodes():
    nodes, _ = big_tree()
    checked = 0
    for length in range(1, 129):
        width = 1 << (length - 1).bit_length()
        for start in range(0, N - length + 1, width):
            get_node, end = Recorder(nodes), start + length
            assert subtree_root(start, end, get_node) == ref_mth(DATA[start:end]), (start, end)
            assert get_node.calls == needed_nodes_for_range(start, end)
            assert len(get_node.calls) == length.bit_count() <= length.bit_length()
            for level, index in get_node.calls:  # perfect and aligned, inside the range
                assert start <= index << level and (index + 1) << level <= end
            checked += 1
    assert checked > 1000
    assert subtree_root(0, 0, nodes) == EMPTY_ROOT and needed_nodes_for_range(0, 0) == []


@pytest.mark.parametrize("start,end", [
    (1, 3), (3, 5), (2, 5), (4, 9), (1, 1), (5, 5), (3, 2), (-1, 0), (0, -1),
])
def test_subtree_root_refuses_ranges_that_are_not_rfc6962_subtrees(start, end):
    with pytest.raises(ValueError):
        needed_nodes_for_range(start, end)
    with pytest.raises(ValueError):
        subtree_root(start, end, {})


def test_needed_nodes_are_exactly_the_nodes_the_proofs_read_and_logarithmic():
    nodes, _ = big_tree()
    rng = random.Random(6962)
    for n in range(1, N + 1):
        for m in sample_indices(n, rng):
            get_node = Recorder(nodes)
            proof = inclusion_proof(m, n, get_node)
            assert sorted(get_node.calls) == sorted(needed_nodes_for_inclusion(m, n))
            assert len(get_node.calls) <= 2 * n.bit_length()
            # The batch route: fetch the listed nodes in one go, pass the dict.
            batch = {key: nodes[key] for key in needed_nodes_for_inclusion(m, n)}
            assert inclusion_proof(m, n, batch) == proof
        for m in sample_indices(n + 1, rng):
            get_node = Recorder(nodes)
            proof = consistency_proof(m, n, get_node)
            assert sorted(get_node.calls) == sorted(needed_nodes_for_consistency(m, n))
            assert len(get_node.calls) <= 2 * n.bit_length()
            batch = {key: nodes[key] for key in needed_nodes_for_consistency(m, n)}
            assert consistency_proof(m, n, batch) == proof


@pytest.mark.parametrize("args", [(0, 0), (1, 1), (5, 3), (-1, 4)])
def test_inclusion_proof_refuses_leaves_outside_the_tree(args):
    with pytest.raises(ValueError):
        inclusion_proof(*args, {})
    with pytest.raises(ValueError):
        needed_nodes_for_inclusion(*args)


@pytest.mark.parametrize("args", [(5, 3), (-1, 4), (1, 0)])
def test_consistency_proof_refuses_shrinking_trees(args):
    with pytest.raises(ValueError):
        consistency_proof(*args, {})
    with pytest.raises(ValueError):
        needed_nodes_for_consistency(*args)


def test_a_missing_node_is_an_error_not_a_wrong_proof():
    _, nodes, _ = build(LEAVES)
    del nodes[(1, 1)]
    with pytest.raises(KeyError):
        inclusion_proof(0, 8, nodes)


# --- Proofs verify, and tampered proofs do not --------------------------------------------------------------


def test_inclusion_proofs_verify_and_tampering_fails_for_sizes_to_300():
    nodes, roots = big_tree()
    rng = random.Random(9162)
    for n in range(1, N + 1):
        for i in sample_indices(n, rng):
            leaf, root, proof = nodes[(0, i)], roots[n], inclusion_proof(i, n, nodes)
            assert verify_inclusion(leaf, i, n, proof, root), (i, n)
            assert verify_inclusion(bytearray(leaf), i, n, tuple(proof), bytes(root))
            assert not verify_inclusion(leaf, i, n, proof, flip(root, 31, 1))
            assert not verify_inclusion(flip(leaf, 5), i, n, proof, root)
            for j in range(len(proof)):
                assert not verify_inclusion(leaf, i, n, proof[:j] + [flip(proof[j], j)] + proof[j + 1:], root)
                assert not verify_inclusion(leaf, i, n, proof[:j] + proof[j + 1:], root)  # a hash dropped
            assert not verify_inclusion(leaf, i, n, proof + [SOME_HASH], root)
            assert not verify_inclusion(leaf, i, n, [SOME_HASH] + proof, root)
            assert not verify_inclusion(leaf, n, n, proof, root)
            for j in {i - 1, i + 1, i ^ 1, i ^ 2} - {i}:
                if 0 <= j < n:
                    assert not verify_inclusion(leaf, j, n, proof, root), ("index", i, j, n)
                    assert not verify_inclusion(nodes[(0, j)], i, n, proof, root), ("leaf", i, j, n)
            # A wrong size, even with that size's true root: the proof's top hash covers the rest of the tree.
            for other in {n - 1, n + 1, 2 * n, n // 2} - {n}:
                if i < other <= N:
                    assert not verify_inclusion(leaf, i, other, proof, roots[other]), ("size", i, n, other)


def test_inclusion_proof_fails_after_two_leaves_are_swapped():
    nodes, roots = big_tree()
    for n, i in ((2, 0), (7, 3), (64, 10), (300, 298)):
        swapped = list(DATA[:n])
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        _, _, swapped_roots = build(swapped)
        assert swapped_roots[n] != roots[n]
        assert not verify_inclusion(nodes[(0, i)], i, n, inclusion_proof(i, n, nodes), swapped_roots[n])


def test_consistency_proofs_verify_and_tampering_fails_for_sizes_to_300():
    nodes, roots = big_tree()
    rng = random.Random(2013)
    for n in range(2, N + 1):
        for m in sample_indices(n, rng) - {0}:
            proof = consistency_proof(m, n, nodes)
            assert proof
            assert verify_consistency(m, n, roots[m], roots[n], proof), (m, n)
            assert not verify_consistency(m, n, roots[n], roots[m], proof)  # swapped roots
            assert not verify_consistency(m, n, flip(roots[m], 7), roots[n], proof)
            assert not verify_consistency(m, n, roots[m], flip(roots[n], 7), proof)
            assert not verify_consistency(m, n, roots[m], roots[n], [])
            assert not verify_consistency(n, m, roots[n], roots[m], proof)
            for j in range(len(proof)):
                flipped = proof[:j] + [flip(proof[j], j)] + proof[j + 1:]
                assert not verify_consistency(m, n, roots[m], roots[n], flipped)
                assert not verify_consistency(m, n, roots[m], roots[n], proof[:j] + proof[j + 1:])
            assert not verify_consistency(m, n, roots[m], roots[n], proof + [SOME_HASH])
            assert not verify_consistency(m, n, roots[m], roots[n], [roots[m]] + proof)
            # Other sizes, each with its own true root: this proof is not theirs.
            for other in {m - 1, m + 1} - {0, m}:
                if other < n:
                    assert not verify_consistency(other, n, roots[other], roots[n], proof), (other, n)
            for other in {n - 1, n + 1} - {m, n}:
                if m < other <= N:
                    assert not verify_consistency(m, other, roots[m], roots[other], proof), (m, other)


def test_consistency_proof_fails_for_a_rewritten_history():
    nodes, roots = big_tree()
    for m, n, changed in ((1, 2, 0), (4, 8, 2), (6, 7, 5), (100, 300, 37), (100, 300, 150), (299, 300, 299)):
        forged = list(DATA[:n])
        forged[changed] = b"forged " + forged[changed]
        _, _, forged_roots = build(forged)
        proof = consistency_proof(m, n, nodes)
        assert not verify_consistency(m, n, roots[m], forged_roots[n], proof), (m, n, changed)
        if changed < m:  # the forger's own old root does not match the honest new tree
            assert not verify_consistency(m, n, forged_roots[m], roots[n], proof), (m, n, changed)
        # The forger can prove its own history, but only to someone who accepts its old root...
        _, forged_nodes, _ = build(forged)
        forged_proof = consistency_proof(m, n, forged_nodes)
        assert verify_consistency(m, n, forged_roots[m], forged_roots[n], forged_proof)
        if changed < m:
            assert not verify_consistency(m, n, roots[m], forged_roots[n], forged_proof), (m, n, changed)
        else:  # ...and a change after the old tree's end is no rewrite: the old tree never had that entry.
            assert verify_consistency(m, n, roots[m], forged_roots[n], forged_proof), (m, n, changed)


# --- Persistence --------------------------------------------------------------------------------------------


def test_to_json_from_json_round_trips_and_appending_continues_the_same_tree():
    _, roots = big_tree()
    rng = random.Random(42)
    cr = CompactRange()
    sizes = set(range(40)) | {63, 64, 65, 127, 128, 255, 256} | {rng.randrange(N) for _ in range(10)}
    for size in range(N):
        if size in sizes:
            restored = CompactRange.from_json(json.loads(json.dumps(cr.to_json())))
            assert restored == cr and restored.size == size and restored.root() == roots[size]
            for n in range(size, min(N, size + 20)):
                restored.append(leaf_hash(DATA[n]))
                assert restored.root() == roots[n + 1]
        cr.append(leaf_hash(DATA[size]))
    assert cr.to_json()["size"] == N and len(cr.to_json()["hashes"]) == N.bit_count()


def test_frontier_nodes_name_the_perfect_subtrees():
    nodes, _ = big_tree()
    cr, _, _ = build(DATA)
    assert [(level, index) for level, index, _ in cr.nodes()] == needed_nodes_for_range(0, N)
    assert all(nodes[(level, index)] == h for level, index, h in cr.nodes())


def test_frontier_rebuilt_from_stored_nodes_continues_the_same_tree():
    # What the database side does: fetch needed_nodes_for_range(0, size), rebuild, append on.
    nodes, roots = big_tree()
    for size in (0, 1, 2, 3, 7, 8, 100, 255, 256, 299):
        cr = CompactRange(size, [nodes[node] for node in needed_nodes_for_range(0, size)])
        assert cr.root() == roots[size]
        completed = cr.append(leaf_hash(DATA[size]))
        assert cr.root() == roots[size + 1]
        assert all(nodes[(level, index)] == h for level, index, h in completed)


@pytest.mark.parametrize("bad", [
    {}, {"size": 1}, {"hashes": []}, {"size": 1, "hashes": []}, {"size": 0, "hashes": ["00" * 32]},
    {"size": 1, "hashes": ["zz" * 32]}, {"size": 1, "hashes": ["00" * 31]}, {"size": -1, "hashes": []},
    {"size": "1", "hashes": ["00" * 32]}, {"size": 3, "hashes": ["00" * 32]},
    {"size": 1, "hashes": "00" * 32}, None, [],
])
def test_from_json_rejects_malformed_state(bad):
    with pytest.raises(ValueError):
        CompactRange.from_json(bad)


def test_append_rejects_anything_but_a_32_byte_hash():
    cr = CompactRange()
    for bad in (b"", b"x" * 31, b"x" * 33):
        with pytest.raises(ValueError):
            cr.append(bad)
    assert cr.size == 0 and cr.root() == EMPTY_ROOT


def test_module_is_standard_library_only():
    import ast
    import sys

    with open(merkle.__file__, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported
