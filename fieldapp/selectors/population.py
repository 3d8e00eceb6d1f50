"""A unit's population figures for a year, each beside the registry's own count and the gap."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import unit_in_scope
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.persons import Cohort, TargetGroup, in_cohort
from fieldapp.models.population import PopulationFigure, PopulationMeasure
from fieldapp.models.tallies import GROUP_BITS, HouseholdTally, PersonTally
from fieldapp.models.units import Unit


@dataclass(frozen=True)
class FigureRow:
    """One measure of a unit in a year: the figure entered (or none), and what the registry holds."""

    measure: PopulationMeasure
    value: int | None
    source: str | None
    entered_by: int | None
    entered_at: datetime | None
    registry_count: int

    @property
    def gap(self) -> int | None:
        """How many of the population the registry does not hold (negative: it holds more than the figure)."""
        return None if self.value is None else self.value - self.registry_count


def population_unit_get(*, caller: Caller, code: str) -> Unit:
    """The commune or province ``code`` in the caller's area; anything else (another area, the
    national log's code, an unknown code) is not found."""
    unit = unit_in_scope(caller, code)
    if unit is None:
        raise AppError("unit.not_found", code=code)
    return unit


def population_units_get(*, caller: Caller, codes: Iterable[str]) -> dict[str, Unit]:
    """The communes and provinces among ``codes`` that lie in the caller's area, by code: the rule of
    :func:`population_unit_get` (``Caller.covers``, as ``unit_in_scope``) for the many units of a sheet.
    A code of another area is left out exactly as one that does not exist."""
    wanted = sorted(set(codes))
    found: dict[str, Unit] = {}
    for start in range(0, len(wanted), 500):
        for unit in db.session.scalars(select(Unit).where(Unit.code.in_(wanted[start:start + 500]))):
            if caller.covers(unit.code, unit.parent_code or unit.code):
                found[unit.code] = unit
    return found


def _persons_of(unit: Unit, column) -> ColumnElement[bool]:
    if unit.parent_code is None:  # a province: its communes
        return column.in_(select(Unit.code).where(Unit.parent_code == unit.code))
    return column == unit.code


def registry_counts(unit: Unit, year: int) -> dict[PopulationMeasure, int]:
    """What the registry holds of each measure for ``unit``, now: the people its indicators count (the
    roll-ups of fieldapp/models/tallies.py: not those who withdrew consent or were erased), their ages
    as reached in ``year`` (``in_cohort``), their target groups, and its households. The same numbers as
    the indicators' ``registry_denominator``; two statements over the roll-ups."""
    rows = db.session.execute(select(PersonTally.birth_year, PersonTally.groups, func.sum(PersonTally.people))
                              .where(_persons_of(unit, PersonTally.commune_code))
                              .group_by(PersonTally.birth_year, PersonTally.groups)).all()

    def counted(where) -> int:
        return sum(int(n) for birth_year, groups, n in rows if where(birth_year, groups))

    def group(g):
        return lambda _by, groups: bool(groups & GROUP_BITS[g])

    households = db.session.scalar(select(func.coalesce(func.sum(HouseholdTally.households), 0))
                                   .where(_persons_of(unit, HouseholdTally.commune_code)))
    return {PopulationMeasure.adults: counted(lambda by, _g: in_cohort(by, Cohort.adult, year=year)),
            PopulationMeasure.citizens_from_16: counted(lambda by, _g: in_cohort(by, Cohort.citizen_from_16,
                                                                                 year=year)),
            PopulationMeasure.pupils: counted(group(TargetGroup.pupils_students)),
            PopulationMeasure.workers: counted(group(TargetGroup.enterprise_workers)),
            PopulationMeasure.public_staff: counted(group(TargetGroup.public_staff)),
            PopulationMeasure.households: int(households or 0)}


def population_rows(*, unit: Unit, year: int) -> list[FigureRow]:
    """Every measure, in the order of ``PopulationMeasure``: the figure entered for ``year`` (or none)
    beside the registry's count."""
    figures = {f.measure: f for f in db.session.scalars(select(PopulationFigure).where(
        PopulationFigure.unit_code == unit.code, PopulationFigure.year == year))}
    counts = registry_counts(unit, year)
    rows = []
    for measure in PopulationMeasure:
        figure = figures.get(measure)
        rows.append(FigureRow(measure=measure, value=figure.value if figure else None,
                              source=figure.source if figure else None,
                              entered_by=figure.entered_by if figure else None,
                              entered_at=figure.entered_at if figure else None, registry_count=counts[measure]))
    return rows
