"""The test vectors of mobile_contract/audit-log.md: recomputed from first principles, and verified."""
import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from fieldapp.audit.vectors import build
from fieldapp.audit.verify import Tampered, verify_export

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
    assert (report.entries, report.checkpoints) == (3, 1)
    lines[2] = lines[2].replace(b"HH-0042", b"HH-0043")
    with pytest.raises(Tampered, match=r"seq 0\.\.2"):
        verify_export(lines)
