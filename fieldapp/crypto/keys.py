"""Ed25519 signing keys: private halves in files under ``KEYS_DIR``, public halves in the database.

Why files: a database dump must not be enough to forge a checkpoint or a QR code. In production
``KEYS_DIR`` must be given (a mounted secret); in development a key is made on first use.
"""
from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from sqlalchemy import select

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.keys import SigningKey

PURPOSES = ("audit", "qr")


class KeyUnavailable(RuntimeError):
    """No usable private key for a purpose; the message says how to make one."""


def key_id_of(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def public_raw(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class ActiveKey:
    key_id: str
    private: Ed25519PrivateKey

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def _keys_dir() -> Path:
    path = Path(current_app.config["KEYS_DIR"])
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _key_file(purpose: str, key_id: str) -> Path:
    return _keys_dir() / f"{purpose}-{key_id}.pem"


def key_create(*, purpose: str, session=None) -> SigningKey:
    """Make a new key for ``purpose``; it becomes the one that signs from now on."""
    session = session or db.session
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")
    private = Ed25519PrivateKey.generate()
    raw = public_raw(private)
    key_id = key_id_of(raw)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    path = _key_file(purpose, key_id)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    row = SigningKey(key_id=key_id, purpose=purpose, public_key=b64(raw), created_at=utcnow())
    session.add(row)
    session.flush()
    return row


def key_retire(*, key_id: str) -> SigningKey:
    row = db.session.get(SigningKey, key_id)
    if row is None:
        raise KeyUnavailable(f"no key {key_id}")
    if row.retired_at is None:
        row.retired_at = utcnow()
        db.session.flush()
    return row


def _load_private(purpose: str, key_id: str) -> Ed25519PrivateKey | None:
    path = _key_file(purpose, key_id)
    if not path.exists():
        return None
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    return private


def active_key(*, purpose: str, session=None) -> ActiveKey:
    """The newest live key of ``purpose`` whose private half this server holds."""
    session = session or db.session
    rows = session.scalars(select(SigningKey).where(SigningKey.purpose == purpose,
                                                    SigningKey.retired_at.is_(None))
                           .order_by(SigningKey.created_at.desc()))
    for row in rows:
        private = _load_private(purpose, row.key_id)
        if private is not None:
            return ActiveKey(key_id=row.key_id, private=private)
    if current_app.config["FIELDAPP_ENV"] == "production":
        raise KeyUnavailable(f"no {purpose} signing key in KEYS_DIR: run `fieldapp keys rotate --purpose {purpose}`")
    row = key_create(purpose=purpose, session=session)
    return ActiveKey(key_id=row.key_id, private=_load_private(purpose, row.key_id))


def public_keys(*, purpose: str, session=None) -> list[SigningKey]:
    """Every key of ``purpose``, retired ones included (old signatures stay checkable)."""
    session = session or db.session
    return list(session.scalars(select(SigningKey).where(SigningKey.purpose == purpose)
                                .order_by(SigningKey.created_at)))


def verify_signature(public_key_b64: str, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64)).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False
