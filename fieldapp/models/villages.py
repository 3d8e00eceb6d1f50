"""Villages and residential groups, defined by each commune under itself."""
from __future__ import annotations

import enum
from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime


class VillageKind(str, enum.Enum):
    thon = "thôn"
    ban = "bản"
    xom = "xóm"
    khoi = "khối"
    to_dan_pho = "tổ dân phố"
    ap = "ấp"
    lang = "làng"
    buon = "buôn"
    khu_pho = "khu phố"


class Village(db.Model):
    """Below the commune, communes name their own villages (thôn, bản, xóm, khối, tổ dân phố)."""

    __tablename__ = "villages"
    __table_args__ = (UniqueConstraint("commune_code", "name_folded", name="uq_villages_commune_name"),)

    #: The village's id, as the API names it (``village_id`` in households, sessions, filters).
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The commune that defined it.
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    #: Name as the commune writes it, NFC: "Xóm 1", "Thôn Phú Lộc".
    name: Mapped[str] = mapped_column(String(200))
    #: ``fold(name)``: unique within the commune (two villages cannot differ only by diacritics), the list's
    #: order, and how an imported household list's village column is matched.
    name_folded: Mapped[str] = mapped_column(String(200))
    #: What the commune calls it: thôn, bản, xóm, khối, tổ dân phố, ấp, làng, buôn or khu phố.
    kind: Mapped[VillageKind] = mapped_column(Enum(VillageKind, native_enum=False, length=16,
                                                   values_callable=lambda kinds: [k.value for k in kinds]))
    #: Boundary, WGS 84, when the commune drew one.
    boundary = mapped_column(Geometry("POLYGON", srid=4326, spatial_index=True), nullable=True)
    #: When an officer (or the command line) defined it.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
