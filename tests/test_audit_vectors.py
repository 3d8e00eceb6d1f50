"""The test vectors of mobile_contract/audit-log.md: recomputed from first principles, and verified."""
import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from fieldapp.audit import merkle
from fieldapp.audit.vectors import build
from fieldapp.audit.verify import Head, Tampered, verify_export

DOC = Path(__file__).parents[1] / "mobile_contract" / "audit-log.md"


def _vectors() -> dict:
    block = re.search(r"```json vectors\n(.*?)\n```", DOC.read_text(encoding="utf-8"), re.S)
    return json.loads(block.group(1))


def test_document_vectors_are_what_the_code_produces():
    assert _vectors() == build()


def test_vectors_hold_by_the_rfc_6962_definitions_alone():
    v = _vectors()
    sha = lambda data: hashlib.sha256(data).digest()  # noqa: E731
    leaves = [sha(b"\x00" + leaf["leaf_data"].encode("utf-8")) for leaf in v["leaves"]]
    assert [leaf.hex() for leaf in leaves] == [leaf["leaf_hash"] for leaf in v["leaves"]]
    root2 = sha(b"\x01" + leaves[0] + leaves[1])
    root3 = sha(b"\x01" + root2 + leaves[2])
    assert [leaf["root_after"] for leaf in v["leaves"]] == [leaves[0].hex(), root2.hex(), root3.hex()]
    text = f"fieldapp-activity-log/1\n17395\n3\n{root3.hex()}\n{v['checkpoint']['time']}\n".encode()
    assert v["checkpoint_text"].encode() == text
    public = base64.b64decode(v["public_key"])
    assert hashlib.sha256(public).hexdigest()[:16] == v["key_id"]
    Ed25519PublicKey.from_public_bytes(public).verify(base64.b64decode(v["checkpoint"]["signature"]), text)


def test_vector_export_verifies_and_a_changed_byte_does_not():
    v = _vectors()
    lines = v["export"].encode("utf-8").splitlines(keepends=True)
    report = verify_export(lines, pinned_keys={v["key_id"]: base64.b64decode(v["public_key"])})
    assert (report.entries, report.checkpoints) == (3, 2)
    lines[2] = lines[2].replace(b"H7K2M9Q4TZX", b"H7K2M9Q4TZY")
    with pytest.raises(Tampered, match=r"one or more of entries seq 0\.\.1 were altered"):
        verify_export(lines)


def test_earlier_checkpoint_vector_is_the_root_of_the_first_two_entries():
    v = _vectors()
    earlier = v["earlier_checkpoint"]
    assert (earlier["size"], earlier["root_hash"]) == (2, v["leaves"][1]["root_after"])
    text = f"fieldapp-activity-log/1\n17395\n2\n{earlier['root_hash']}\n{earlier['time']}\n".encode()
    Ed25519PublicKey.from_public_bytes(base64.b64decode(v["public_key"])).verify(
        base64.b64decode(earlier["signature"]), text)


def test_the_cut_export_verifies_alone_and_not_against_the_head():
    """audit-log.md's example of why an export alone proves nothing about its end."""
    v = _vectors()
    head = Head.from_json(v["head"])
    assert v["head"] == {**v["checkpoint"], "public_key": v["public_key"]}
    whole = verify_export(v["export"].encode("utf-8").splitlines(keepends=True), head=head)
    assert "consistent with the head of size 3" in whole.summary()
    cut = v["cut_export"].encode("utf-8").splitlines(keepends=True)
    assert v["export"].startswith(v["cut_export"]) and verify_export(cut).entries == 2
    with pytest.raises(Tampered, match="the export ends at 2 entries but the head says 3"):
        verify_export(cut, head=head)


def test_proof_vectors_hold_by_the_rfc_6962_definitions_alone():
    v = _vectors()
    sha = lambda data: hashlib.sha256(data).digest()  # noqa: E731
    leaf = [bytes.fromhex(leaf["leaf_hash"]) for leaf in v["leaves"]]
    inclusion, consistency = v["inclusion_proof"], v["consistency_proof"]
    # entry 0 of 3: its sibling leaf 1, then the right subtree (leaf 2)
    assert inclusion["proof"] == [leaf[1].hex(), leaf[2].hex()] and inclusion["leaf_hash"] == leaf[0].hex()
    assert sha(b"\x01" + sha(b"\x01" + leaf[0] + leaf[1]) + leaf[2]).hex() == inclusion["root_hash"] \
        == v["checkpoint"]["root_hash"]
    # size 2 to size 3: the old tree is a power of two, so the proof is the new right subtree only
    assert consistency["proof"] == [leaf[2].hex()]
    assert sha(b"\x01" + bytes.fromhex(consistency["first_root_hash"]) + leaf[2]).hex() \
        == consistency["second_root_hash"]
    assert consistency["first_root_hash"] == v["earlier_checkpoint"]["root_hash"]
    assert merkle.verify_inclusion(leaf[0], 0, 3, [bytes.fromhex(h) for h in inclusion["proof"]],
                                   bytes.fromhex(inclusion["root_hash"]))
    assert merkle.verify_consistency(2, 3, bytes.fromhex(consistency["first_root_hash"]),
                                     bytes.fromhex(consistency["second_root_hash"]),
                                     [bytes.fromhex(h) for h in consistency["proof"]])


def test_vector_entries_are_actions_as_actions_md_gives_them():
    import json as _json

    from tests.actions_check import entry_problems

    for leaf in _vectors()["leaves"]:
        entry = _json.loads(leaf["leaf_data"])
        assert entry_problems({"action": entry["action"], "object_type": entry["object_type"],
                               "body": _json.dumps(entry["body"])}) == []
