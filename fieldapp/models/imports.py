"""A household list kept between its dry run and its import, so the officer chooses the file once.

The console checks an uploaded list (a dry run: nothing written) and, when it has no error, keeps the
file's bytes here for a short while under a random token that only the officer's page holds. "Nhập"
then imports exactly those bytes (their SHA-256 checked again), once: the row is claimed in the
import's own transaction, so a second click or a retried request finds it claimed and imports nothing
(fieldapp/services/imports/kept.py).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime


class KeptImport(db.Model):
    """One checked household list waiting to be imported by the officer who checked it."""

    __tablename__ = "kept_imports"

    #: The kept list's id (named in the activity log; never the token).
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: SHA-256 (hex) of the random token the officer's page holds: the token itself is never stored.
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: The officer who checked it: only they may import it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The unit their role was held on when they checked it (``None``: nationwide); a changed area voids it.
    caller_unit_code: Mapped[str | None] = mapped_column(String(5))
    #: The commune the list is for: the area of the row (row-level security reads this).
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    #: The file's name as uploaded (at most 255 characters), shown on the page.
    filename: Mapped[str] = mapped_column(String(255))
    #: The file's bytes, as checked; emptied once imported (people's data is not kept longer than needed).
    content: Mapped[bytes] = mapped_column(LargeBinary)
    #: SHA-256 (hex) of ``content`` when it was checked: checked again before the import.
    content_sha256: Mapped[str] = mapped_column(String(64))
    #: Whether the dry run let possible duplicates through: the import runs with the same choice.
    allow_duplicates: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Households and people the dry run counted.
    households: Mapped[int] = mapped_column(Integer)
    #: People the dry run counted.
    persons: Mapped[int] = mapped_column(Integer)
    #: When it was checked and kept.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: After this it cannot be imported (and is deleted by the next list kept).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: When it was imported; set once, in the import's own transaction (a retry finds it set).
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
