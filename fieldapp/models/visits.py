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

    #: Database id, for joins; the API names a visit by ``public_id``.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The id the API shows (``V…``), and the evidence reference of the support records and skills it records.
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    #: The phone's UUID for this visit: a retry sends it again and gets the first visit back.
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    #: SHA-256 of the request as first received, to tell a retry from a different body (409).
    request_hash: Mapped[str] = mapped_column(String(64))
    #: Who made the visit (the caller).
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The household visited.
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    #: The household's commune: the visit's area and log.
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    #: What happened at the door; ``supported`` must name people helped with skills.
    outcome: Mapped[VisitOutcome] = mapped_column(Enum(VisitOutcome, native_enum=False, length=24))
    #: When the visit was made, by the phone's clock: judged like a scan's time, and the time of its support
    #: records and of the household's last visit.
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the server received it.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Where the phone was (GPS, WGS 84), compared with the household's point; shown to officers only
    #: (``visit.location_read``).
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    #: The server's judgement, by the same rule as a check-in's (fieldapp.services.judgement).
    verdict: Mapped[Verdict] = mapped_column(Enum(Verdict, native_enum=False, length=24),
                                             server_default=Verdict.verified.value)
    #: Flags (accepted_with_flags: "no_plate_scan", "far_from_site", …) or reasons (rejected).
    flags: Mapped[list] = mapped_column(JSON, default=list)
    #: Whether it counts (fieldapp.models.evidence); its support records follow it.
    evidence_status: Mapped[EvidenceStatus] = mapped_column(
        Enum(EvidenceStatus, native_enum=False, length=16), server_default=EvidenceStatus.counted.value,
        active_history=True)  # the roll-ups move a visit from its old status's counter (models/tallies.py)
    #: The volunteer's free note (at most 1,000 characters).
    note: Mapped[str | None] = mapped_column(Text)

    household = relationship("Household")
