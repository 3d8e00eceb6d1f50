"""Retries never duplicate: writes from the phone carry a ``client_id`` (UUID) and the hash of
their body; the same id with the same body returns the first result, with another body it is 409."""
from __future__ import annotations

import hashlib
from typing import Any

from fieldapp.audit.formats import canonical
from fieldapp.errors import AppError


def request_digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(body)).hexdigest()


def replay_or_conflict(existing, *, user_id: int, digest: str, owner_attr: str = "user_id"):
    """The stored result for a retry; 409 when the id was used for something else."""
    if getattr(existing, owner_attr) != user_id or existing.request_hash != digest:
        raise AppError("idempotency.conflict", errors={"client_id": ["already used for a different request"]})
    return existing
