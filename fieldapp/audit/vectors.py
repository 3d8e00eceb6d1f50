"""Test vectors for mobile_contract/audit-log.md: a tiny log made from fixed inputs and a fixed key.

The entries are real actions, with the bodies mobile_contract/actions.md gives them.

Ed25519 signatures are deterministic, so the same inputs give the same bytes everywhere; the test
suite regenerates these and compares them with the document.
"""
from __future__ import annotations

import base64
from datetime import datetime, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fieldapp.audit.formats import FORMAT, canonical, checkpoint_text, leaf_object
from fieldapp.audit.merkle import CompactRange, consistency_proof, inclusion_proof, leaf_hash

#: The private key seed of the vectors: bytes 0x00..0x1f. Never use it for anything else.
SEED = bytes(range(32))
ENTRIES = [
    dict(entry_id=101, time=datetime(2026, 10, 10, 1, 0, 0, tzinfo=timezone.utc), actor_id=7,
         actor_role="commune_officer", action="village.create", object_type="village", object_id="12",
         request_id="r-1", client_id=None, body={"kind": "xóm", "has_boundary": False}),
    dict(entry_id=102, time=datetime(2026, 10, 10, 1, 5, 30, 250000, tzinfo=timezone.utc), actor_id=9,
         actor_role="volunteer", action="visit.create", object_type="visit", object_id="V4T9K2M7QWX",
         request_id="r-2", client_id="6f1c1d0e-8a4b-4f7e-9a51-0c1e2d3f4a5b",
         body={"household_id": "H7K2M9Q4TZX", "outcome": "supported", "proof": "qr_plate", "verdict": "verified",
               "evidence_status": "counted", "flags": [], "support_records": 1}),
    dict(entry_id=103, time=datetime(2026, 10, 10, 2, 0, 0, tzinfo=timezone.utc), actor_id=None,
         actor_role="operator", action="user.create", object_type="user", object_id="31", request_id="cli-1",
         client_id=None, body={"role": "volunteer", "unit_code": "17395"}),
]
LOG = "17395"
SIGNED_AT = "2026-10-10T02:00:01.000000Z"
#: An earlier checkpoint, of the first two entries: where an export can be cut and still verify alone.
EARLIER_SIGNED_AT = "2026-10-10T01:06:00.000000Z"


def build() -> dict:
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    public = key.public_key().public_bytes_raw()
    import hashlib

    key_id = hashlib.sha256(public).hexdigest()[:16]
    public_b64 = base64.b64encode(public).decode()
    tree = CompactRange()
    nodes = {}
    leaves = []
    checkpoints = {}

    def sign(time: str) -> dict:
        text = checkpoint_text(log=LOG, size=tree.size, root_hash=tree.root(), time=time)
        return {"type": "checkpoint", "log": LOG, "size": tree.size, "root_hash": tree.root().hex(), "time": time,
                "key_id": key_id, "signature": base64.b64encode(key.sign(text)).decode()}

    for seq, entry in enumerate(ENTRIES):
        data = canonical(leaf_object(log=LOG, seq=seq, **entry))
        hashed = leaf_hash(data)
        nodes[(0, seq)] = hashed
        nodes.update({(level, index): h for level, index, h in tree.append(hashed)})
        leaves.append({"leaf_data": data.decode("utf-8"), "leaf_hash": hashed.hex(), "root_after": tree.root().hex()})
        if tree.size == 2:
            checkpoints[2] = sign(EARLIER_SIGNED_AT)
    text = checkpoint_text(log=LOG, size=tree.size, root_hash=tree.root(), time=SIGNED_AT)
    checkpoint = sign(SIGNED_AT)
    header = {"type": "header", "format": FORMAT, "log": LOG, "exported_at": "2026-10-10T02:00:02.000000Z",
              "keys": [{"key_id": key_id, "algorithm": "ed25519", "public_key": public_b64,
                        "created_at": "2026-10-01T00:00:00.000000Z", "retired_at": None}]}
    lines = [canonical(header).decode(), leaves[0]["leaf_data"], leaves[1]["leaf_data"],
             canonical(checkpoints[2]).decode()]
    export = lines + [leaves[2]["leaf_data"], canonical(checkpoint).decode()]
    roots = [bytes.fromhex(leaf["root_after"]) for leaf in leaves]
    return {"private_key_seed_hex": SEED.hex(), "public_key": public_b64, "key_id": key_id,
            "leaves": leaves, "checkpoint_text": text.decode("ascii"), "checkpoint": checkpoint,
            "earlier_checkpoint": checkpoints[2],
            "export": "\n".join(export) + "\n",
            # GET /activity/head, as an auditor saves it on the day: the checkpoint and its key.
            "head": {**checkpoint, "public_key": public_b64},
            # The export cut right after the earlier checkpoint: it verifies alone, not against the head.
            "cut_export": "\n".join(lines) + "\n",
            # GET /activity/proofs/inclusion?log=17395&seq=0&size=3
            "inclusion_proof": {"log": LOG, "seq": 0, "size": 3, "leaf_hash": leaves[0]["leaf_hash"],
                                "root_hash": roots[2].hex(), "proof": [h.hex() for h in inclusion_proof(0, 3, nodes)]},
            # GET /activity/proofs/consistency?log=17395&first=2&second=3
            "consistency_proof": {"log": LOG, "first": 2, "second": 3, "first_root_hash": roots[1].hex(),
                                  "second_root_hash": roots[2].hex(),
                                  "proof": [h.hex() for h in consistency_proof(2, 3, nodes)]}}
