"""Reads of villages, through the caller's area."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import communes_clause
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.villages import Village


def village_list_query(*, caller: Caller, commune_code: str) -> Select:
    return (select(Village).where(Village.commune_code == commune_code, communes_clause(caller, Village.commune_code))
            .order_by(Village.name_folded))


def village_get(*, caller: Caller | None, village_id: int, commune_code: str | None = None) -> Village:
    """A village in the caller's area (404 otherwise), and of ``commune_code`` when given (a village of
    another commune is not found either); ``caller=None`` is the operator."""
    query = select(Village).where(Village.id == village_id)
    if commune_code is not None:
        query = query.where(Village.commune_code == commune_code)
    if caller is not None:
        query = query.where(communes_clause(caller, Village.commune_code))
    village = db.session.scalar(query)
    if village is None:
        raise AppError("village.not_found")
    return village


@dataclass(frozen=True)
class AreaProgress:
    """A village's (or a commune's) households and how many are Digital Families: the dashboard's
    "furthest behind" list, read from the roll-ups (fieldapp/models/tallies.py), not the registry."""

    id: int | str
    name: str
    households: int
    digital_families: int

    @property
    def share(self) -> float | None:
        return round(self.digital_families / self.households, 4) if self.households else None


def _behind_first(rows: list[AreaProgress]) -> list[AreaProgress]:
    # Those with households, the lowest share first (then the most households: the most work); then
    # those without any household yet (nothing registered is behind too, but nothing can be compared).
    return sorted(rows, key=lambda r: (r.share is None, r.share or 0, -r.households, r.name))


def villages_progress(*, caller: Caller, commune_code: str) -> list[AreaProgress]:
    """Every village of a commune of the caller's area with its Digital Family households, furthest behind first."""
    from fieldapp.models.tallies import DIGITAL_FAMILY, HouseholdTally

    totals = dict(db.session.execute(
        select(HouseholdTally.village_id, func.sum(HouseholdTally.households))
        .where(HouseholdTally.commune_code == commune_code).group_by(HouseholdTally.village_id)).all())
    families = dict(db.session.execute(
        select(HouseholdTally.village_id, func.sum(HouseholdTally.households))
        .where(HouseholdTally.commune_code == commune_code, HouseholdTally.flags.op("&")(DIGITAL_FAMILY) != 0)
        .group_by(HouseholdTally.village_id)).all())
    villages = db.session.execute(select(Village.id, Village.name).where(
        Village.commune_code == commune_code, communes_clause(caller, Village.commune_code))).all()
    return _behind_first([AreaProgress(id=v_id, name=name, households=int(totals.get(v_id) or 0),
                                       digital_families=int(families.get(v_id) or 0)) for v_id, name in villages])


def communes_progress(*, caller: Caller, province_code: str) -> list[AreaProgress]:
    """Every commune of a province of the caller's area with households, Digital Families among them,
    furthest behind first (communes with no household registered are left out: a province has hundreds)."""
    from fieldapp.models.tallies import DIGITAL_FAMILY, HouseholdTally
    from fieldapp.models.units import Unit

    in_province = HouseholdTally.commune_code.in_(select(Unit.code).where(Unit.parent_code == province_code))
    totals = dict(db.session.execute(
        select(HouseholdTally.commune_code, func.sum(HouseholdTally.households))
        .where(in_province, communes_clause(caller, HouseholdTally.commune_code))
        .group_by(HouseholdTally.commune_code)).all())
    families = dict(db.session.execute(
        select(HouseholdTally.commune_code, func.sum(HouseholdTally.households))
        .where(in_province, communes_clause(caller, HouseholdTally.commune_code),
               HouseholdTally.flags.op("&")(DIGITAL_FAMILY) != 0)
        .group_by(HouseholdTally.commune_code)).all())
    names = dict(db.session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(list(totals)))).all())
    return _behind_first([AreaProgress(id=code, name=names.get(code, code), households=int(n or 0),
                                       digital_families=int(families.get(code) or 0))
                          for code, n in totals.items() if n])


def village_outlines(*, caller: Caller, commune_code: str) -> list[tuple[Village, list[tuple[float, float]]]]:
    """The villages of a commune of the caller's area that have a boundary, each with its outer ring as
    (lon, lat) positions: what the households' map outlines."""
    from geoalchemy2.shape import to_shape

    outlines = []
    for village in db.session.scalars(village_list_query(caller=caller, commune_code=commune_code)
                                      .where(Village.boundary.is_not(None))):
        shape = to_shape(village.boundary)
        outlines.append((village, [(x, y) for x, y, *_ in shape.exterior.coords]))
    return outlines
