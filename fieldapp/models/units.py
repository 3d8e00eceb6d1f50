"""Administrative units: 34 provinces and 3,321 communes (since 1 July 2025, two tiers)."""
from __future__ import annotations

import enum

from geoalchemy2 import Geometry
from sqlalchemy import Enum, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.extensions import db


class UnitLevel(str, enum.Enum):
    province = "province"
    commune = "commune"


class Unit(db.Model):
    """A province or a commune, keyed by its statistics-office code (names change, codes stay)."""

    __tablename__ = "units"

    #: Official code: 2 digits for a province ("40"), 5 for a commune ("17395").
    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    #: ``province`` or ``commune`` (xã, phường, đặc khu).
    level: Mapped[UnitLevel] = mapped_column(Enum(UnitLevel, native_enum=False, length=16))
    #: Kind as written in Vietnamese: "Tỉnh", "Thành phố", "Xã", "Phường", "Đặc khu".
    kind: Mapped[str] = mapped_column(String(32))
    #: Full official name, NFC: "Xã Hùng Châu".
    name: Mapped[str] = mapped_column(String(200))
    #: Name without the kind: "Hùng Châu".
    short_name: Mapped[str] = mapped_column(String(200))
    #: ``fold(name)``, for search without diacritics.
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    #: The province a commune belongs to; empty for provinces.
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"), index=True)
    #: Centroid, WGS 84.
    centroid = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=True)
    #: Area in km², where the source gives it (communes).
    area_km2: Mapped[float | None] = mapped_column(Float)
