"""Check-ins: a scanned QR code with where and when, and the server's verdict."""
from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import JSON, Boolean, Enum, Float, ForeignKey, Index, Integer, String, func, select, text
from sqlalchemy.orm import Mapped, column_property, mapped_column

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.evidence import EvidenceStatus, Verdict
from fieldapp.models.sessions import LearningSession
from fieldapp.models.types import UTCDateTime


class CheckIn(db.Model):
    """A scan of a QR code, with where and when, and the server's verdict. Every one is kept:
    flagged and rejected ones too, for auditors.

    On PostgreSQL the table is partitioned by reporting quarter of ``period_at`` (fieldapp/partitions.py):
    its primary key is ``(id, period_at)``, the unique index below holds ``period_at`` too, and
    ``client_id`` is unique across partitions through the table ``checkin_client_ids``."""

    __tablename__ = "checkins"
    __table_args__ = (
        # One counted check-in per person per session: rejected and held-back ones do not count, so
        # a good scan after a doubtful one is not refused (fieldapp.models.evidence).
        Index("uq_checkins_session_user_counted", "session_id", "user_id", unique=True,
              postgresql_where=text("session_id IS NOT NULL AND evidence_status = 'counted'"),
              sqlite_where=text("session_id IS NOT NULL AND evidence_status = 'counted'")),
        # The held-back check-ins of a period's sessions, shown beside its attendance (indicators).
        Index("ix_checkins_session_held", "session_id", postgresql_where=text("evidence_status = 'held'"),
              sqlite_where=text("evidence_status = 'held'")),
    )

    #: Database id, for joins; the API names a check-in by ``client_id``.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The phone's UUID for this scan: retries send it again and get the same answer.
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    #: SHA-256 of the request as first received, to tell a retry from a different body.
    request_hash: Mapped[str] = mapped_column(String(64))
    #: Who scanned (the caller).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The commune whose log and lists it belongs to (the caller's, for a rejected scan).
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    #: What was scanned: "session", "household", "person", or "unknown" for a rejected scan.
    target_kind: Mapped[str] = mapped_column(String(16))
    #: The session whose rotating code was scanned, for a session's check-in.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("learning_sessions.id"))
    #: The household whose plate was scanned, for a household's check-in.
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    #: The person whose card was scanned, for a person card's check-in.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    #: The key that signed the scanned payload; empty when its signature did not verify.
    key_id: Mapped[str | None] = mapped_column(String(16))
    #: When the phone scanned, by its clock: ahead of the server's (beyond ``CHECKIN_CLOCK_SKEW_SECONDS``) is
    #: rejected, ``future_scan``; received over ``CHECKIN_LATE_SYNC_SECONDS`` later is flagged ``late_sync``.
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the server received it.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Where the phone was (GPS, WGS 84); empty when it sent none (flag ``no_gps``).
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    #: The GPS accuracy the phone reported, metres; worse than ``CHECKIN_LOW_ACCURACY_M``: ``low_gps_accuracy``.
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    #: The phone said its position was mocked (flag ``mock_location``, which holds the check-in back).
    mock_location: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Metres from the venue or household, when both points are known.
    distance_m: Mapped[float | None] = mapped_column(Float)
    #: The server's judgement (fieldapp.services.judgement): verified, accepted_with_flags or rejected.
    verdict: Mapped[Verdict] = mapped_column(Enum(Verdict, native_enum=False, length=24))
    #: Flags (accepted_with_flags) or reasons (rejected), e.g. ["far_from_site", "late_sync"].
    flags: Mapped[list] = mapped_column(JSON, default=list)
    #: Whether it counts: the verdict, its flags and any review, by fieldapp.models.evidence's rule.
    evidence_status: Mapped[EvidenceStatus] = mapped_column(
        Enum(EvidenceStatus, native_enum=False, length=16), server_default=EvidenceStatus.counted.value)
    #: The moment whose reporting quarter keeps it, its partition on PostgreSQL (fieldapp/partitions.py):
    #: the session's start for a session's check-in, so that every check-in of a session is in one
    #: partition and one counted per person per session stays a unique index; else when it was received.
    period_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda context: _period_at(context))


def _period_at(context) -> datetime:
    """``period_at`` of a check-in written without one (the check-in service sets it itself)."""
    params = context.get_current_parameters()
    if params.get("session_id") is not None:
        starts_at = context.connection.scalar(
            select(LearningSession.starts_at).where(LearningSession.id == params["session_id"]))
        if starts_at is not None:
            return starts_at
    return params.get("received_at") or utcnow()


#: Check-ins that count (fieldapp.models.evidence), computed in the same SELECT as the session when asked for
#: (``undefer``), so a list of sessions costs one query, not one per session.
LearningSession.checkin_count = column_property(
    select(func.count()).where(CheckIn.session_id == LearningSession.id,
                               CheckIn.evidence_status == EvidenceStatus.counted)
    .correlate_except(CheckIn).scalar_subquery(), deferred=True)
