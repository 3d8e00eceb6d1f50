"""The QR payload format, version 1: compact text, signed with Ed25519, verifiable offline.

    FA1:H:<household public id>:<key id>:<signature>
    FA1:P:<person public id>:<key id>:<signature>
    FA1:S:<session public id>:<time step>:<key id>:<signature>

The signature (Ed25519, base64url without padding) covers everything before the last ``:``, as
ASCII. No personal data: only public ids (and, for a session, the 30-second time step).
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

PREFIX = "FA1"
KINDS = {"H": "household", "P": "person", "S": "session"}
_ID = re.compile(r"^[HPS][0-9A-Z]{6,15}$")
_KEY_ID = re.compile(r"^[0-9a-f]{16}$")


class PayloadError(ValueError):
    """The text is not a fieldapp QR payload; ``reason`` is the verdict's reason code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Payload:
    kind: str  # "household", "person", "session"
    public_id: str
    key_id: str
    signature: bytes
    step: int | None = None

    @property
    def signed_text(self) -> bytes:
        return signed_text(self.kind, self.public_id, self.key_id, self.step)


def signed_text(kind: str, public_id: str, key_id: str, step: int | None = None) -> bytes:
    letter = {v: k for k, v in KINDS.items()}[kind]
    parts = [PREFIX, letter, public_id] + ([str(step)] if kind == "session" else []) + [key_id]
    return ":".join(parts).encode("ascii")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode(kind: str, public_id: str, key_id: str, sign, step: int | None = None) -> str:
    """The payload text; ``sign(bytes) -> bytes`` is the key's Ed25519 signer."""
    text = signed_text(kind, public_id, key_id, step)
    return text.decode("ascii") + ":" + b64url(sign(text))


def parse(text: str) -> Payload:
    """Read a scanned text; :class:`PayloadError` with ``malformed`` or ``foreign`` when it is not ours."""
    if not isinstance(text, str) or len(text) > 512:
        raise PayloadError("malformed")
    parts = text.strip().split(":")
    if parts[0] != PREFIX:
        raise PayloadError("foreign" if not text.startswith("FA") else "unsupported_version")
    if len(parts) < 5 or parts[1] not in KINDS:
        raise PayloadError("malformed")
    kind = KINDS[parts[1]]
    expected = 6 if kind == "session" else 5
    if len(parts) != expected:
        raise PayloadError("malformed")
    public_id, key_id, signature_text = parts[2], parts[-2], parts[-1]
    if not _ID.match(public_id) or public_id[0] != parts[1] or not _KEY_ID.match(key_id):
        raise PayloadError("malformed")
    step = None
    if kind == "session":
        if not parts[3].isdigit():
            raise PayloadError("malformed")
        step = int(parts[3])
    try:
        signature = base64.urlsafe_b64decode(signature_text + "=" * (-len(signature_text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise PayloadError("malformed") from exc
    if len(signature) != 64:
        raise PayloadError("malformed")
    return Payload(kind=kind, public_id=public_id, key_id=key_id, signature=signature, step=step)
