"""Test vectors for mobile_contract/audit-log.md: a tiny log made from fixed inputs and a fixed key.

Ed25519 signatures are deterministic, so the same inputs give the same bytes everywhere; the test
suite regenerates these and compares them with the document.
"""
from __future__ import annotations

import base64
from datetime import datetime, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fieldapp.audit.formats import FORMAT, canonical, checkpoint_text, leaf_object
from fieldapp.audit.merkle import CompactRange, leaf_hash

#: The private key seed of the vectors: bytes 0x00..0x1f. Never use it for anything else.
SEED = bytes(range(32))
ENTRIES = [
    dict(entry_id=101, time=datetime(2026, 10, 10, 1, 0, 0, tzinfo=timezone.utc), actor_id=7,
         actor_role="commune_officer", action="village.create", object_type="village", object_id="12",
         request_id="r-1", client_id=None, body={"kind": "xóm"}),
    dict(entry_id=102, time=datetime(2026, 10, 10, 1, 5, 30, 250000, tzinfo=timezone.utc), actor_id=9,
         actor_role="volunteer", action="visit.create", object_type="visit", object_id="v-77",
         request_id="r-2", client_id="6f1c1d0e-8a4b-4f7e-9a51-0c1e2d3f4a5b",
         body={"household_id": "HH-0042", "skills": ["cashless_payment"]}),
    dict(entry_id=103, time=datetime(2026, 10, 10, 2, 0, 0, tzinfo=timezone.utc), actor_id=None,
         actor_role="operator", action="user.create", object_type="user", object_id="31", request_id="cli-1",
         client_id=None, body={"role": "volunteer", "unit_code": "17395"}),
]
LOG = "17395"
SIGNED_AT = "2026-10-10T02:00:01.000000Z"


def build() -> dict:
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    public = key.public_key().public_bytes_raw()
    import hashlib

    key_id = hashlib.sha256(public).hexdigest()[:16]
    tree = CompactRange()
    leaves = []
    for seq, entry in enumerate(ENTRIES):
        data = canonical(leaf_object(log=LOG, seq=seq, **entry))
        hashed = leaf_hash(data)
        tree.append(hashed)
        leaves.append({"leaf_data": data.decode("utf-8"), "leaf_hash": hashed.hex(), "root_after": tree.root().hex()})
    text = checkpoint_text(log=LOG, size=tree.size, root_hash=tree.root(), time=SIGNED_AT)
    signature = base64.b64encode(key.sign(text)).decode()
    checkpoint = {"type": "checkpoint", "log": LOG, "size": tree.size, "root_hash": tree.root().hex(),
                  "time": SIGNED_AT, "key_id": key_id, "signature": signature}
    header = {"type": "header", "format": FORMAT, "log": LOG, "exported_at": "2026-10-10T02:00:02.000000Z",
              "keys": [{"key_id": key_id, "algorithm": "ed25519", "public_key": base64.b64encode(public).decode(),
                        "created_at": "2026-10-01T00:00:00.000000Z", "retired_at": None}]}
    export = [canonical(header).decode()] + [leaf["leaf_data"] for leaf in leaves] + [canonical(checkpoint).decode()]
    return {"private_key_seed_hex": SEED.hex(), "public_key": base64.b64encode(public).decode(), "key_id": key_id,
            "leaves": leaves, "checkpoint_text": text.decode("ascii"), "checkpoint": checkpoint,
            "export": "\n".join(export) + "\n"}
