"""Mentorships (mentor → mentee) of the Digital Ambassador network, and the meetings that evidence them."""
from __future__ import annotations

import enum
from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.skills import Skill
from fieldapp.models.types import UTCDateTime

#: Why the ≥5 rule: "Mỗi 'mentor' hướng dẫn kỹ năng số cho ít nhất 05 'mentee'" (Kế hoạch thực hiện
#: Phong trào "Bình dân học vụ số", Tỉnh ủy Quảng Ngãi, 5/2025, following Kế hoạch 01-KH/BCĐTW);
#: the indicator is "mentors guiding ≥5 mentees: 100% of mentors". Active and completed mentees count
#: (fieldapp/selectors/mentorships.py counts them; the rankings score ambassadors against it).
MENTEES_PER_MENTOR_TARGET = 5


class MentorshipStatus(str, enum.Enum):
    active = "active"
    completed = "completed"
    dropped = "dropped"


class Mentorship(db.Model):
    """Mentor → mentee, with the skills being worked on. Ending one keeps the row: the history stays."""

    __tablename__ = "mentorships"
    __table_args__ = (
        CheckConstraint("(mentee_person_id IS NULL) <> (mentee_user_id IS NULL)", name="one_mentee"),
        CheckConstraint("mentee_user_id IS NULL OR mentee_user_id <> mentor_user_id", name="not_self"),
        CheckConstraint("(status = 'active') = (ended_at IS NULL)", name="ended_unless_active"),
        # One active mentor per mentee (the database holds the rule even against a race).
        Index("uq_mentorships_active_person", "mentee_person_id", unique=True,
              postgresql_where=text("status = 'active'"), sqlite_where=text("status = 'active'")),
        Index("uq_mentorships_active_user", "mentee_user_id", unique=True,
              postgresql_where=text("status = 'active'"), sqlite_where=text("status = 'active'")),
        # The walk down the tree and the per-mentor counts start from the mentor.
        Index("ix_mentorships_mentor_status", "mentor_user_id", "status"),
    )

    #: Database id, for joins; the API names a mentorship by ``public_id``.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The id the app shows and sends back; never the database id.
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    #: The commune of both mentor and mentee.
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    #: The mentor: an ambassador, with at most ``MENTEES_PER_MENTOR_MAX`` active mentees (the plans' target
    #: is at least 5: ``MENTEES_PER_MENTOR_TARGET``).
    mentor_user_id: Mapped[int] = mapped_column(ForeignKey("ambassadors.user_id"))
    #: The mentee: a resident of the registry, or (exclusively) another volunteer.
    mentee_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    #: Or the mentee is another volunteer's account (never the mentor's own).
    mentee_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: ``active`` until completed (every skill reached) or dropped; active and completed ones count for the
    #: ≥5 rule, a dropped one trained nobody.
    status: Mapped[MentorshipStatus] = mapped_column(Enum(MentorshipStatus, native_enum=False, length=16),
                                                     default=MentorshipStatus.active)
    #: When the mentoring began: as given (at most 10 minutes ahead of the server's clock), else when created.
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When it was completed or dropped; empty while active.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who recorded it; empty for the command line.
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Who completed or dropped it.
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    skills = relationship("MentorshipSkill", back_populates="mentorship", cascade="all, delete-orphan",
                          order_by="MentorshipSkill.skill")
    mentee_person = relationship("Person", foreign_keys=[mentee_person_id])
    mentee_user = relationship("User", foreign_keys=[mentee_user_id])


class MentorshipSkill(db.Model):
    """A skill a mentorship works on, and when the mentee reached it."""

    __tablename__ = "mentorship_skills"

    #: The mentorship working on it.
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id"), primary_key=True)
    #: The commune (the mentorship's), copied when the row is written: the key the rows are distributed by
    #: (fieldapp/distribution.py).
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    #: The skill worked on; one row per mentorship and skill.
    skill: Mapped[Skill] = mapped_column(Enum(Skill, native_enum=False, length=32), primary_key=True)
    #: When the mentor recorded it reached (a resident mentee's skills record gets it too); empty until then.
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who recorded it reached.
    reached_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    mentorship = relationship("Mentorship", back_populates="skills")


class InteractionMethod(str, enum.Enum):
    #: The mentee's person-card QR was scanned (the scan itself is verified by the check-in issue).
    qr_scan = "qr_scan"
    #: During a door-to-door visit.
    visit = "visit"
    #: During a learning session.
    session = "session"
    #: Met in person, nothing scanned.
    in_person = "in_person"


class MentoringInteraction(db.Model):
    """One meeting of mentor and mentee: the evidence that the mentoring happened, when and where."""

    __tablename__ = "mentoring_interactions"

    #: The meeting's id, as the API shows it and its log entry names it.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The mentorship whose meeting this was.
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id"), index=True)
    #: The commune (the mentorship's), copied when the row is written: the key the rows are distributed by
    #: (fieldapp/distribution.py).
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    #: How they met; a QR scan or an in-person meeting must come with a location.
    method: Mapped[InteractionMethod] = mapped_column(Enum(InteractionMethod, native_enum=False, length=16))
    #: When it happened, as the phone recorded it (it may be synced later).
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Where it happened, WGS 84, when the phone had a fix.
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    #: What it rests on: for a QR scan, the mentee's person-card id or the check-in's id (its client_id);
    #: the visit's or the session's public id; free for in_person. Looked up through the caller's area
    #: when recorded (fieldapp.selectors.evidence.interaction_evidence_check).
    evidence_ref: Mapped[str | None] = mapped_column(String(64))
    #: The phone's UUID for this record: sending it twice records it once (offline retries).
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    #: Who recorded it: only the mentor records a meeting.
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When the server recorded it.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
