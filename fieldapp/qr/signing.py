"""Signing and checking QR payloads with the service's "qr" keys (fieldapp.crypto.keys)."""
from __future__ import annotations

import base64
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app

from fieldapp.crypto.keys import active_key
from fieldapp.extensions import db
from fieldapp.models.keys import SigningKey
from fieldapp.qr import payloads


def step_seconds() -> int:
    return current_app.config["QR_SESSION_STEP_SECONDS"]


def session_step_now_ts() -> int:
    from fieldapp.clock import utcnow

    return int(utcnow().timestamp())


def session_step(moment_ts: float | None = None) -> int:
    """The rotating code's time step: Unix time divided by the step length (30 s by default)."""
    from fieldapp.clock import utcnow

    return int((utcnow().timestamp() if moment_ts is None else moment_ts) // step_seconds())


def qr_text(kind: str, public_id: str, *, step: int | None = None) -> str:
    key = active_key(purpose="qr")
    return payloads.encode(kind, public_id, key.key_id, key.sign, step=step)


class Rejected(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


#: Public keys by id, kept per process for a minute: the check-in path must not read them from the
#: database each time, and a key retired by an operator stops being accepted within that minute.
_KEY_CACHE: dict[str, tuple[float, Ed25519PublicKey | None, bool]] = {}
KEY_CACHE_SECONDS = 60


def _public_key(key_id: str) -> Ed25519PublicKey:
    now = time.monotonic()
    cached = _KEY_CACHE.get(key_id)
    if cached is None or now - cached[0] > KEY_CACHE_SECONDS:
        row = db.session.get(SigningKey, key_id)
        known = row is not None and row.purpose == "qr"
        cached = (now, Ed25519PublicKey.from_public_bytes(base64.b64decode(row.public_key)) if known else None,
                  known and row.retired_at is not None)
        _KEY_CACHE[key_id] = cached
    if cached[1] is None:
        raise Rejected("unknown_key")
    if cached[2]:
        raise Rejected("retired_key")
    return cached[1]


def verify(text: str) -> payloads.Payload:
    """Parse and check a scanned payload; :class:`Rejected` with the verdict's reason otherwise."""
    try:
        payload = payloads.parse(text)
    except payloads.PayloadError as error:
        raise Rejected(error.reason) from error
    try:
        _public_key(payload.key_id).verify(payload.signature, payload.signed_text)
    except InvalidSignature as exc:
        raise Rejected("bad_signature") from exc
    return payload


def forget_keys() -> None:
    _KEY_CACHE.clear()
