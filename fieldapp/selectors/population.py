"""A unit's population figures for a year, each beside the registry's own count and the gap."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import unit_in_scope
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.households import Household
from fieldapp.models.persons import Cohort, Person, cohort_clause
from fieldapp.models.population import PopulationFigure, PopulationMeasure
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
    """What the registry holds of each measure for ``unit``, now: the people of its communes (erased
    and withdrawn ones too, who stay counted), their ages as reached in ``year`` (``cohort_clause``),
    their target groups, and its households. Two statements."""
    def counted(condition) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = db.session.execute(select(
        counted(cohort_clause(Cohort.adult, year=year)), counted(cohort_clause(Cohort.citizen_from_16, year=year)),
        counted(Person.group_pupils_students), counted(Person.group_enterprise_workers),
        counted(Person.group_public_staff),
    ).where(_persons_of(unit, Person.commune_code))).one()
    households = db.session.scalar(select(func.count()).select_from(Household)
                                   .where(_persons_of(unit, Household.commune_code)))
    return {PopulationMeasure.adults: int(row[0]), PopulationMeasure.citizens_from_16: int(row[1]),
            PopulationMeasure.pupils: int(row[2]), PopulationMeasure.workers: int(row[3]),
            PopulationMeasure.public_staff: int(row[4]), PopulationMeasure.households: int(households or 0)}


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
