"""Learning sessions, check-ins, door-to-door visits, and the support records they produce."""
from __future__ import annotations

import enum
from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.evidence import EvidenceStatus
from fieldapp.models.households import EvidenceKind, Skill
from fieldapp.models.types import UTCDateTime


class SessionKind(str, enum.Enum):
    """The kinds of class and desk the plans name."""

    weekly_class = "weekly_class"                  # lớp học cộng đồng hằng tuần
    elderly_class = "elderly_class"                # lớp cho người cao tuổi
    disability_class = "disability_class"          # lớp cho người khuyết tật
    market_4t_class = "market_4t_class"            # "Chợ số – Nông thôn số" 4T
    one_stop_desk = "one_stop_desk"                # quầy hỗ trợ tại bộ phận một cửa
    learning_day = "learning_day"                  # "Ngày hội toàn dân học tập số", 10 October
    other = "other"


class LearningSession(db.Model):
    __tablename__ = "learning_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Shown on the rotating QR code; never the database id.
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"))
    #: The organising team.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    kind: Mapped[SessionKind] = mapped_column(Enum(SessionKind, native_enum=False, length=32))
    title: Mapped[str] = mapped_column(String(200))
    venue_name: Mapped[str] = mapped_column(String(200))
    #: Where it takes place, WGS 84; check-ins are compared with it.
    venue = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))
    #: Radius around the venue within which a check-in is on site, metres.
    radius_m: Mapped[int] = mapped_column(Integer, default=100)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Skills taught (``Skill`` values).
    topics: Mapped[list] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Verdict(str, enum.Enum):
    verified = "verified"
    accepted_with_flags = "accepted_with_flags"
    rejected = "rejected"


class CheckIn(db.Model):
    """A scan of a QR code, with where and when, and the server's verdict. Every one is kept:
    flagged and rejected ones too, for auditors."""

    __tablename__ = "checkins"
    __table_args__ = (
        # One counted check-in per person per session: rejected and held-back ones do not count, so
        # a good scan after a doubtful one is not refused (fieldapp.models.evidence).
        Index("uq_checkins_session_user_counted", "session_id", "user_id", unique=True,
              postgresql_where=text("session_id IS NOT NULL AND evidence_status = 'counted'"),
              sqlite_where=text("session_id IS NOT NULL AND evidence_status = 'counted'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The phone's UUID for this scan: retries send it again and get the same answer.
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    #: SHA-256 of the request as first received, to tell a retry from a different body.
    request_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The commune whose log and lists it belongs to (the caller's, for a rejected scan).
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    #: What was scanned: "session", "household", "person", or "unknown" for a rejected scan.
    target_kind: Mapped[str] = mapped_column(String(16))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("learning_sessions.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    key_id: Mapped[str | None] = mapped_column(String(16))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    mock_location: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Metres from the venue or household, when both points are known.
    distance_m: Mapped[float | None] = mapped_column(Float)
    verdict: Mapped[Verdict] = mapped_column(Enum(Verdict, native_enum=False, length=24))
    #: Flags (accepted_with_flags) or reasons (rejected), e.g. ["far_from_site", "late_sync"].
    flags: Mapped[list] = mapped_column(JSON, default=list)
    #: Whether it counts: the verdict, its flags and any review, by fieldapp.models.evidence's rule.
    evidence_status: Mapped[EvidenceStatus] = mapped_column(
        Enum(EvidenceStatus, native_enum=False, length=16), server_default=EvidenceStatus.counted.value)


#: Check-ins that count (fieldapp.models.evidence), computed in the same SELECT as the session when asked for
#: (``undefer``), so a list of sessions costs one query, not one per session.
LearningSession.checkin_count = column_property(
    select(func.count()).where(CheckIn.session_id == LearningSession.id,
                               CheckIn.evidence_status == EvidenceStatus.counted)
    .correlate_except(CheckIn).scalar_subquery(), deferred=True)


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
    #: The scan of the household's plate that proves presence, if there was one.
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    #: The server's judgement, by the same rule as a check-in's (fieldapp.services.checkins.Judgement).
    verdict: Mapped[Verdict] = mapped_column(Enum(Verdict, native_enum=False, length=24),
                                             server_default=Verdict.verified.value)
    #: Flags (accepted_with_flags: "no_plate_scan", "far_from_site", …) or reasons (rejected).
    flags: Mapped[list] = mapped_column(JSON, default=list)
    #: Whether it counts (fieldapp.models.evidence); its support records follow it.
    evidence_status: Mapped[EvidenceStatus] = mapped_column(
        Enum(EvidenceStatus, native_enum=False, length=16), server_default=EvidenceStatus.counted.value)
    note: Mapped[str | None] = mapped_column(Text)

    household = relationship("Household")


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


class SessionAttendee(db.Model):
    """A resident recorded at a session by a volunteer, by person card or by name."""

    __tablename__ = "session_attendees"

    session_id: Mapped[int] = mapped_column(ForeignKey("learning_sessions.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: "card" (person card scanned) or "name" (picked from the registry).
    via: Mapped[str] = mapped_column(String(8))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person = relationship("Person")
