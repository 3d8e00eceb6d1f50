"""Learning sessions (classes, desks, learning days) and the residents recorded at them."""
from __future__ import annotations

import enum
from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
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
    #: The transaction that last changed the session: the team's phones pull it (fieldapp/models/sync.py).
    sync_tx: Mapped[int | None] = sync_stamp_column()


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
