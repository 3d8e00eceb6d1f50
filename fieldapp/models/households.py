"""Households (hộ gia đình): a door of a village, on the map."""
from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime, sync_stamp_column, version_column


class Household(db.Model):
    """A household (hộ gia đình) of a village, at a point on the map."""

    __tablename__ = "households"

    #: Database id, for joins; the API, the plate and the log name a household by ``public_id``.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The id printed on the household's QR plate; never the database id.
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    #: The village's commune: a household belongs to one commune, whose area and log it is in.
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    #: Its village (thôn, xóm …); its members' ``village_id`` follows it when it changes.
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    #: Address as people write it: "Xóm Đông Sơn, nhà số 12".
    address: Mapped[str] = mapped_column(String(300))
    #: Where the door is, WGS 84.
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=True)
    #: Hộ nghèo: a priority group of the plans.
    is_poor: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Hộ đồng bào dân tộc thiểu số.
    is_ethnic_minority: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Vùng sâu, vùng xa.
    is_remote: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Derived by the skills service, never typed in: since when a member holds all five skills.
    digital_family_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set by the visit service: the last door-to-door visit.
    last_visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When it was registered (by hand or by an imported list).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who registered it (by hand or by importing a list); empty when done from the command line.
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Bumped at each change of the fields a correction edits (not the derived ones): an offline
    #: correction made against an older version is a conflict, never an overwrite (sync.md).
    version: Mapped[int] = version_column()
    #: The transaction that last changed the household (fieldapp/models/sync.py): pulls read by it.
    sync_tx: Mapped[int | None] = sync_stamp_column()

    __versioned__ = {"ignore": {"digital_family_at", "last_visited_at"}}

    members = relationship("Person", back_populates="household", order_by="Person.id")
    village = relationship("Village", lazy="joined")
    #: The volunteer it is assigned to now, if any.
    active_assignment = relationship(
        "Assignment", uselist=False, viewonly=True,
        primaryjoin="and_(Assignment.household_id == Household.id, Assignment.ended_at.is_(None))")
