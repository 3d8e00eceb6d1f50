"""The list of people supported (danh sách người được hỗ trợ): one row per person and skill."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.evidence import EvidenceKind, EvidenceStatus
from fieldapp.models.skills import Skill
from fieldapp.models.types import UTCDateTime


class SupportRecord(db.Model):
    """One person helped with one skill: the row of the official list of people supported
    (danh sách người được hỗ trợ). Who helped whom, which skill, when, where, on what proof."""

    __tablename__ = "support_records"
    __table_args__ = (Index("ix_support_records_commune_time", "commune_code", "supported_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    skill: Mapped[Skill] = mapped_column(Enum(Skill, native_enum=False, length=32))
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    commune_code: Mapped[str] = mapped_column(String(5))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    #: visit, session or mentoring
    source_kind: Mapped[EvidenceKind] = mapped_column(Enum(EvidenceKind, native_enum=False, length=16,
                                                           values_callable=lambda k: [e.value for e in k]))
    source_id: Mapped[str] = mapped_column(String(32))
    supported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: How presence was proven: "qr_plate", "qr_session", "qr_card", "gps", "none".
    proof: Mapped[str] = mapped_column(String(16))
    flags: Mapped[list] = mapped_column(JSON, default=list)
    #: Its source's status (the visit's, when it came from one): only counted records are the list.
    evidence_status: Mapped[EvidenceStatus] = mapped_column(
        Enum(EvidenceStatus, native_enum=False, length=16), server_default=EvidenceStatus.counted.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person = relationship("Person", lazy="joined")
