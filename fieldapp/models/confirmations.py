"""The national platform's confirmations: each completion VNeID confirmed, as an officer imported it.

Completion of the learning programme is confirmed on VNeID, which this system cannot read from; the
platform's list comes as a sheet (fieldapp/services/imports/confirmations.py). A matched row grants
``vneid_programme_confirmed`` in the person's skills record, and is kept here whole: the date, the
course or programme and its level as the platform names them, and where it came from (the file and
its line), so that the evidence of the grant can be shown and checked against the file.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime

#: How a grant names its confirmation in the skills record (``PersonSkill.evidence_ref``): the first
#: 16 hex digits of the file's SHA-256 and the line, ``platform:<digest>:<line>``.
EVIDENCE_PREFIX = "platform"


def platform_evidence_ref(file_sha256: str, line: int) -> str:
    return f"{EVIDENCE_PREFIX}:{file_sha256[:16]}:{line}"


class PlatformConfirmation(db.Model):
    """One confirmation of the national platform granted to one person (a row of an imported list)."""

    __tablename__ = "platform_confirmations"

    #: The confirmation's id.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The person confirmed (matched by the keyed hash of the identifier, which is never stored).
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    #: The person's commune, following them when they move (as their skills do): the area of the record
    #: (row-level security reads this).
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    #: The date the platform confirmed completion (also the skill's ``confirmed_on``).
    confirmed_on: Mapped[date] = mapped_column(Date)
    #: The course or programme, as the platform's list names it (NFC, at most 200 characters); empty when
    #: the list did not say.
    course: Mapped[str | None] = mapped_column(String(200))
    #: Its level, as the list names it (at most 64 characters); empty when the list did not say.
    level: Mapped[str | None] = mapped_column(String(64))
    #: SHA-256 of the imported file, hex (as the import's own activity entry names it): the source.
    file_sha256: Mapped[str] = mapped_column(String(64))
    #: The row's line in that file (the header is line 1 of a list without blank rows above it).
    line: Mapped[int] = mapped_column(Integer)
    #: The officer who imported it.
    imported_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: When it was imported.
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def evidence_ref(self) -> str:
        """The skill's evidence reference this confirmation is the source of."""
        return platform_evidence_ref(self.file_sha256, self.line)
