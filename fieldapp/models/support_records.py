"""The list of people supported (danh sách người được hỗ trợ): one row per person and skill."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.evidence import EvidenceKind, EvidenceStatus
from fieldapp.models.skills import Skill
from fieldapp.models.types import UTCDateTime


class SupportRecord(db.Model):
    """One person helped with one skill: the row of the official list of people supported
    (danh sách người được hỗ trợ). Who helped whom, which skill, when, where, on what proof.

    On PostgreSQL the table is partitioned by reporting quarter of ``supported_at``, its primary key
    ``(id, supported_at)`` (fieldapp/partitions.py); an old quarter can be detached and archived."""

    __tablename__ = "support_records"
    __table_args__ = (Index("ix_support_records_commune_time", "commune_code", "supported_at"),
                      # The list filtered by organisation, within the caller's communes; and the
                      # organisations' read policy (PostgreSQL) probes it by organisation.
                      Index("ix_support_records_organisation_commune", "organisation_id", "commune_code"))

    #: The record's id, as the API and the exported list show it ("Mã bản ghi").
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The person helped.
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    #: The organisation the person was helped on behalf of ("hỗ trợ người dân, doanh nghiệp": an enterprise
    #: owner helped to sell online); empty when the person was helped for themselves. The person is a
    #: member of it (fieldapp.services.support_records).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    #: The skill they were helped with; one record per person and skill of a visit or session.
    skill: Mapped[Skill] = mapped_column(Enum(Skill, native_enum=False, length=32))
    #: Who helped: the volunteer of the visit, or who recorded the attendee at the session.
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: The helper's team when it was recorded (the lowest-numbered one they are in), for team leaders' lists.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    #: The person's commune: the list's area.
    commune_code: Mapped[str] = mapped_column(String(5))
    #: The person's village when supported (not moved later: it is the evidence of where).
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    #: What it came from: ``visit`` or ``session`` (the two writers of the list today).
    source_kind: Mapped[EvidenceKind] = mapped_column(Enum(EvidenceKind, native_enum=False, length=16,
                                                           values_callable=lambda k: [e.value for e in k]))
    #: The public id of the visit or session it came from.
    source_id: Mapped[str] = mapped_column(String(32))
    #: When: the visit's ``visited_at``, or the session's ``starts_at``.
    supported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: How presence was proven: a visit's "qr_plate" (the household's own plate), "gps" or "none"; a
    #: session's "qr_card" (person card scanned) or "none" (picked by name).
    proof: Mapped[str] = mapped_column(String(16))
    #: The flags of its source (a visit's; none for a session), shown in the list's "Ghi chú kiểm tra"
    #: column; ``verified_only`` lists the records without any.
    flags: Mapped[list] = mapped_column(JSON, default=list)
    #: Its source's status (the visit's, when it came from one): only counted records are the list.
    evidence_status: Mapped[EvidenceStatus] = mapped_column(
        Enum(EvidenceStatus, native_enum=False, length=16), server_default=EvidenceStatus.counted.value,
        active_history=True)  # the roll-ups move a record from its old status's counter (models/tallies.py)
    #: When the record was written.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person = relationship("Person", lazy="joined")
    organisation = relationship("Organisation")
