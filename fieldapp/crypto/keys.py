"""Ed25519 signing keys: private halves in files under ``KEYS_DIR``, public halves in the database.

Why files: a database dump must not be enough to forge a checkpoint or a QR code. In production
``KEYS_DIR`` must be given (a mounted secret) and hold a usable key of each purpose before the server
starts (:func:`check_signing_keys`; the operator makes them with ``fieldapp keys rotate``); in
development a key is made on first use.
"""
from __future__ import annotations

import base64
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from sqlalchemy import select

from fieldapp.audit.formats import key_id_of
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.keys import SigningKey

PURPOSES = ("audit", "qr")

log = logging.getLogger(__name__)


class KeyUnavailable(RuntimeError):
    """No usable private key for a purpose; the message says how to make one."""

    def __init__(self, message: str, *, purpose: str | None = None):
        super().__init__(message)
        self.purpose = purpose


def _rotate_command(purpose: str) -> str:
    return f"fieldapp keys rotate --purpose {purpose}"


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


def _key_file(purpose: str, key_id: str) -> Path:
    return Path(current_app.config["KEYS_DIR"]) / f"{purpose}-{key_id}.pem"


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
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
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
    """The private half of a key, or ``None`` when this server cannot use it (no file, a file it may
    not read, or one that is not an Ed25519 key)."""
    path = _key_file(purpose, key_id)
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as error:
        log.warning("signing key %s cannot be used: %s", path, error)
        return None
    if not isinstance(private, Ed25519PrivateKey):
        log.warning("signing key %s is not an Ed25519 key", path)
        return None
    return private


def usable_key(*, purpose: str, session=None) -> ActiveKey | None:
    """The newest live key of ``purpose`` whose private half this server holds, or ``None``."""
    session = session or db.session
    rows = session.scalars(select(SigningKey).where(SigningKey.purpose == purpose,
                                                    SigningKey.retired_at.is_(None))
                           .order_by(SigningKey.created_at.desc()))
    for row in rows:
        private = _load_private(purpose, row.key_id)
        if private is not None:
            return ActiveKey(key_id=row.key_id, private=private)
    return None


def active_key(*, purpose: str, session=None) -> ActiveKey:
    """The key that signs for ``purpose`` now. In production none is made here (the operator makes
    them, and the server does not start without them): :class:`KeyUnavailable`, answered 503."""
    session = session or db.session
    key = usable_key(purpose=purpose, session=session)
    if key is not None:
        return key
    if current_app.config["FIELDAPP_ENV"] == "production":
        raise KeyUnavailable(f"no {purpose} signing key in KEYS_DIR: run `{_rotate_command(purpose)}`",
                             purpose=purpose)
    row = key_create(purpose=purpose, session=session)
    return ActiveKey(key_id=row.key_id, private=_load_private(purpose, row.key_id))


def check_signing_keys(app) -> None:
    """At server start, in production: a usable key of every purpose (its row live in the database,
    its private half readable in KEYS_DIR), else :class:`~fieldapp.config.ConfigError` naming the
    commands that make them. Why: without them the server started and then failed every QR code,
    log head and export."""
    from sqlalchemy.exc import OperationalError

    from fieldapp.config import ConfigError

    if app.config["FIELDAPP_ENV"] != "production":
        return
    with app.app_context():
        try:
            missing = [purpose for purpose in PURPOSES if usable_key(purpose=purpose) is None]
        except OperationalError:  # the database is down: the requests will say so (503)
            app.logger.warning("signing keys: could not check them at start (database unavailable)")
            return
    if missing:
        commands = " and ".join(f"`{_rotate_command(purpose)}`" for purpose in missing)
        raise ConfigError(f"no usable {' or '.join(missing)} signing key in KEYS_DIR "
                          f"({app.config['KEYS_DIR']}): run {commands} (with the server's KEYS_DIR and "
                          f"DATABASE_URL), then start the server")


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
