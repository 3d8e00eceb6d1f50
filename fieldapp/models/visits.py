"""Door-to-door visits ("đi từng ngõ, gõ từng nhà, hướng dẫn từng người")."""
from __future__ import annotations

import enum
from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.evidence import EvidenceStatus, Verdict
from fieldapp.models.types import UTCDateTime


class VisitOutcome(str, enum.Enum):
    supported = "supported"
    nobody_home = "nobody_home"
    refused = "refused"
    come_back_later = "come_back_later"


class Visit(db.Model):
    """A door-to-door visit ("đi từng ngõ, gõ từng nhà, hướng dẫn từng người")."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    outcome: Mapped[VisitOutcome] = mapped_column(Enum(VisitOutcome, native_enum=False, length=24))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    #: The server's judgement, by the same rule as a check-in's (fieldapp.services.judgement).
    verdict: Mapped[Verdict] = mapped_column(Enum(Verdict, native_enum=False, length=24),
                                             server_default=Verdict.verified.value)
    #: Flags (accepted_with_flags: "no_plate_scan", "far_from_site", …) or reasons (rejected).
    flags: Mapped[list] = mapped_column(JSON, default=list)
    #: Whether it counts (fieldapp.models.evidence); its support records follow it.
    evidence_status: Mapped[EvidenceStatus] = mapped_column(
        Enum(EvidenceStatus, native_enum=False, length=16), server_default=EvidenceStatus.counted.value)
    note: Mapped[str | None] = mapped_column(Text)

    household = relationship("Household")
