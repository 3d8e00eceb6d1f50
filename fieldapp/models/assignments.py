"""Assignments: a household given to a volunteer of a team, with its history."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime, sync_stamp_column


class Assignment(db.Model):
    """A household given to a volunteer by a team leader. Reassigning ends the old row: history stays."""

    __tablename__ = "assignments"
    __table_args__ = (
        # A household has at most one volunteer at a time.
        Index("uq_assignments_active_household", "household_id", unique=True,
              postgresql_where=text("ended_at IS NULL"), sqlite_where=text("ended_at IS NULL")),
        Index("ix_assignments_active_volunteer", "volunteer_id",
              postgresql_where=text("ended_at IS NULL"), sqlite_where=text("ended_at IS NULL")),
    )

    #: Database id; the API shows none (it names the household and the volunteer).
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The household given.
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    #: The commune (the household's), copied when the row is written: the key the rows are distributed by
    #: (fieldapp/distribution.py).
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    #: Who has it: a volunteer (or team leader) of the team; their worklist is their open assignments.
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The team through which it was given: one the caller leads (an officer: of their area) that the
    #: volunteer is in.
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    #: The team leader or officer who assigned it.
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When it was assigned.
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when the household is given to someone else; empty for the current assignment (at most one).
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who reassigned it, ending this one.
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The transaction that made or ended it: a pull brings a newly assigned household whole, and a
    #: tombstone for one that left (fieldapp/models/sync.py).
    sync_tx: Mapped[int | None] = sync_stamp_column()
