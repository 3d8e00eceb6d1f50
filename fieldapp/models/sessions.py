"""Learning sessions (classes, desks, learning days) and the residents recorded at them."""
from __future__ import annotations

import enum
from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime, sync_stamp_column


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
    #: A period's sessions of an area (the indicators read a quarter's, not every one since the start).
    __table_args__ = (Index("ix_learning_sessions_commune_starts", "commune_code", "starts_at"),)

    #: Database id, for joins; the API and the QR code name a session by ``public_id``.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Shown on the rotating QR code; never the database id.
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    #: The commune it is held in: its creator's, or one of their area that they name.
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    #: The village it is held for, if any.
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"))
    #: The organising team.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    #: Which kind of class or desk of the plans (``SessionKind``).
    kind: Mapped[SessionKind] = mapped_column(Enum(SessionKind, native_enum=False, length=32))
    #: Its title, NFC.
    title: Mapped[str] = mapped_column(String(200))
    #: Where it is held, as people name the place (NFC).
    venue_name: Mapped[str] = mapped_column(String(200))
    #: Where it takes place, WGS 84; check-ins are compared with it.
    venue = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))
    #: Radius around the venue within which a check-in is on site, metres.
    radius_m: Mapped[int] = mapped_column(Integer, default=100)
    #: Start of the window; a check-in outside it (± ``CHECKIN_WINDOW_TOLERANCE_SECONDS``) is flagged
    #: ``outside_window``; the time of the support records of the residents recorded at it.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: End of the window; after ``starts_at``.
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Skills taught (``Skill`` values).
    topics: Mapped[list] = mapped_column(JSON, default=list)
    #: Who planned it.
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When it was planned.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The transaction that last changed the session: the team's phones pull it (fieldapp/models/sync.py).
    sync_tx: Mapped[int | None] = sync_stamp_column()


class SessionAttendee(db.Model):
    """A resident recorded at a session by a volunteer, by person card or by name."""

    __tablename__ = "session_attendees"

    #: The session.
    session_id: Mapped[int] = mapped_column(ForeignKey("learning_sessions.id"), primary_key=True)
    #: The resident recorded at it; once per session (the primary key).
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    #: The session's commune, copied when recorded: row-level security tests it directly (no lookup of
    #: the session for each of a quarter's hundred thousand attendances).
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    #: Who recorded them (the caller), also the helper of their support records.
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: "card" (person card scanned) or "name" (picked from the registry).
    via: Mapped[str] = mapped_column(String(8))
    #: The organisation they attended on behalf of (a member of it), copied to their support records;
    #: kept here too, so the evidence keeps it when the session had no topics.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    #: When they were recorded.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person = relationship("Person")
