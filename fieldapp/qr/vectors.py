"""Test vectors for mobile_contract/qr.md: payloads signed by a fixed test key (Ed25519 is
deterministic, so these bytes are the same everywhere)."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fieldapp.qr import payloads

#: Private key seed of the vectors: bytes 0x20..0x3f. A test key: never use it for anything else.
SEED = bytes(range(32, 64))
#: The moment of the session code's step: 10 October, the national digital transformation day, when
#: communes hold their "Ngày hội toàn dân học tập số". qr.md states it; tests/test_qr.py checks the two agree.
SESSION_MOMENT = datetime(2026, 10, 10, tzinfo=timezone.utc)
STEP_SECONDS = 30  # QR_SESSION_STEP_SECONDS's default, which qr.md documents


def build() -> dict:
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    public = key.public_key().public_bytes_raw()
    key_id = hashlib.sha256(public).hexdigest()[:16]
    step = int(SESSION_MOMENT.timestamp()) // STEP_SECONDS
    return {
        "private_key_seed_hex": SEED.hex(),
        "public_key": base64.b64encode(public).decode(),
        "key_id": key_id,
        "household_plate": payloads.encode("household", "H7K2M9Q4TZX", key_id, key.sign),
        "person_card": payloads.encode("person", "P3M8K1Z7QWX", key_id, key.sign),
        "session_code": payloads.encode("session", "S5N1B7D2FKR", key_id, key.sign, step=step),
        "session_step": step,
    }
