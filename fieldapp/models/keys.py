"""Public halves of the service's Ed25519 signing keys (private halves live in files, never here)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime, sync_stamp_column


class SigningKey(db.Model):
    __tablename__ = "signing_keys"

    #: First 16 hex digits of SHA-256 of the raw public key.
    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: What it signs: "audit" (activity-log checkpoints) or "qr" (QR payloads).
    purpose: Mapped[str] = mapped_column(String(16), index=True)
    #: Raw 32-byte Ed25519 public key, base64.
    public_key: Mapped[str] = mapped_column(String(64))
    #: When it was made; the newest live key of a purpose whose private file is here signs.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Once retired a key signs nothing new, and (for QR) what it signed stops being accepted.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The transaction that made or retired it: phones pull the QR keys (fieldapp/models/sync.py).
    sync_tx: Mapped[int | None] = sync_stamp_column()
