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

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The transaction that made or ended it: a pull brings a newly assigned household whole, and a
    #: tombstone for one that left (fieldapp/models/sync.py).
    sync_tx: Mapped[int | None] = sync_stamp_column()
