"""The byte formats an auditor's verifier depends on (mobile_contract/audit-log.md).

Pure functions, no database: the server and the offline verifier share them, so that what is hashed
and signed is defined in one place.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

FORMAT = "fieldapp-activity-log/1"


def key_id_of(public_raw: bytes) -> str:
    """A signing key's id: the first 16 lowercase hex digits of SHA-256 of its raw 32-byte public key."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def canonical(obj: Any) -> bytes:
    """Canonical JSON: sorted keys, no insignificant spaces, UTF-8 (not \\u escapes).

    Values JSON has no type for (dates, UUIDs) are written as their ``str()``.
    """
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")


def timestamp(moment: datetime) -> str:
    """``2026-11-23T02:33:57.123456Z``: UTC, always six fraction digits."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def leaf_object(*, log: str, seq: int, entry_id: int, time: datetime, actor_id: int | None, actor_role: str,
                action: str, object_type: str, object_id: str, request_id: str | None,
                client_id: str | None, body: dict) -> dict:
    """The entry as it is hashed and exported. Its position (log, seq) is part of what is hashed."""
    return {
        "type": "entry", "v": 1, "log": log, "seq": seq, "entry_id": entry_id, "time": timestamp(time),
        "actor_id": actor_id, "actor_role": actor_role, "action": action, "object_type": object_type,
        "object_id": object_id, "request_id": request_id, "client_id": client_id, "body": body,
    }


def checkpoint_text(*, log: str, size: int, root_hash: bytes, time: datetime | str) -> bytes:
    """What a checkpoint's Ed25519 signature covers: five lines, each ending in a newline."""
    when = time if isinstance(time, str) else timestamp(time)
    return f"{FORMAT}\n{log}\n{size}\n{root_hash.hex()}\n{when}\n".encode("ascii")
