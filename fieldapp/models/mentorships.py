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

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The id the app shows and sends back; never the database id.
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    #: The commune of both mentor and mentee.
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    mentor_user_id: Mapped[int] = mapped_column(ForeignKey("ambassadors.user_id"))
    #: The mentee: a resident of the registry, or (exclusively) another volunteer.
    mentee_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    mentee_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[MentorshipStatus] = mapped_column(Enum(MentorshipStatus, native_enum=False, length=16),
                                                     default=MentorshipStatus.active)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When it was completed or dropped; empty while active.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    skills = relationship("MentorshipSkill", back_populates="mentorship", cascade="all, delete-orphan",
                          order_by="MentorshipSkill.skill")
    mentee_person = relationship("Person", foreign_keys=[mentee_person_id])
    mentee_user = relationship("User", foreign_keys=[mentee_user_id])


class MentorshipSkill(db.Model):
    """A skill a mentorship works on, and when the mentee reached it."""

    __tablename__ = "mentorship_skills"

    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id"), primary_key=True)
    skill: Mapped[Skill] = mapped_column(Enum(Skill, native_enum=False, length=32), primary_key=True)
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id"), index=True)
    method: Mapped[InteractionMethod] = mapped_column(Enum(InteractionMethod, native_enum=False, length=16))
    #: When it happened, as the phone recorded it (it may be synced later).
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Where it happened, WGS 84, when the phone had a fix.
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    #: The scan, visit or session it rests on: the check-in id (or the scanned payload's id) for a QR
    #: scan, the visit's or session's id otherwise. Kept as given until those issues link and verify it.
    evidence_ref: Mapped[str | None] = mapped_column(String(64))
    #: The phone's UUID for this record: sending it twice records it once (offline retries).
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
