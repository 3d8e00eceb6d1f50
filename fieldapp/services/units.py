"""Loading the administrative units from the ``vietnamadminunits`` package."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models.units import Unit, UnitLevel
from fieldapp.text import fold, nfc


@dataclass(frozen=True)
class UnitRow:
    code: str
    level: UnitLevel
    kind: str
    name: str
    short_name: str
    parent_code: str | None
    lat: float | None
    lon: float | None
    area_km2: float | None


def _province_kind(full_name: str) -> str:
    return "Thành phố" if full_name.startswith("Thành phố") else "Tỉnh"


def source_units() -> Iterator[UnitRow]:
    """Provinces first, then communes, from the package's dataset (34 + 3,321 after the reform)."""
    from vietnamadminunits.database import query

    rows = query(
        "SELECT province, provinceShort, provinceCode, provinceLat, provinceLon, ward, wardShort, "
        "wardType, wardCode, wardLat, wardLon, wardAreaKm2 FROM admin_units ORDER BY provinceCode, wardCode"
    )
    seen_provinces: set[str] = set()
    for row in rows:
        if row["provinceCode"] not in seen_provinces:
            seen_provinces.add(row["provinceCode"])
            yield UnitRow(
                code=row["provinceCode"], level=UnitLevel.province, kind=_province_kind(row["province"]),
                name=nfc(row["province"]), short_name=nfc(row["provinceShort"]), parent_code=None,
                lat=row["provinceLat"], lon=row["provinceLon"], area_km2=None,
            )
    for row in rows:
        yield UnitRow(
            code=row["wardCode"], level=UnitLevel.commune, kind=nfc(row["wardType"]), name=nfc(row["ward"]),
            short_name=nfc(row["wardShort"]), parent_code=row["provinceCode"],
            lat=row["wardLat"], lon=row["wardLon"], area_km2=row["wardAreaKm2"],
        )


def _point_wkt(lat: float | None, lon: float | None) -> str | None:
    if lat is None or lon is None:
        return None
    return f"SRID=4326;POINT({lon} {lat})"


def units_import(*, progress: Callable[[int, int], None] | None = None, batch_size: int = 500) -> dict:
    """Insert new units and update changed ones; running it twice changes nothing.

    Returns counts of units ``created``, ``updated`` and ``unchanged``.
    """
    rows = list(source_units())
    existing = {unit.code: unit for unit in db.session.scalars(select(Unit))}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for index, row in enumerate(rows, start=1):
        values = {
            "level": row.level, "kind": row.kind, "name": row.name, "short_name": row.short_name,
            "name_folded": fold(row.name), "parent_code": row.parent_code, "area_km2": row.area_km2,
        }
        unit = existing.get(row.code)
        if unit is None:
            db.session.add(Unit(code=row.code, centroid=_point_wkt(row.lat, row.lon), **values))
            counts["created"] += 1
        elif any(getattr(unit, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(unit, key, value)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
        if index % batch_size == 0:
            db.session.flush()
        if progress:
            progress(index, len(rows))
    db.session.flush()
    return counts
