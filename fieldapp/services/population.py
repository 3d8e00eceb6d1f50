"""Population figures entered by the officers of a unit's area, with their source."""
from __future__ import annotations

from sqlalchemy import select

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.population import PopulationFigure, PopulationMeasure
from fieldapp.models.units import Unit
from fieldapp.services.activity import activity_record
from fieldapp.text import nfc

#: The first year a figure may be of; the last is next year (a plan's target year, entered ahead).
FIRST_YEAR = 2000
#: The largest figure (Vietnam has about 100 million people): a larger one is a typing mistake.
VALUE_MAX = 1_000_000_000


def population_years() -> range:
    """The years a figure may be of: from ``FIRST_YEAR`` to next year."""
    return range(FIRST_YEAR, utcnow().year + 2)


def population_year_check(year: int) -> int:
    """A year of :func:`population_years`, or ``request.invalid``."""
    years = population_years()
    if year not in years:
        raise AppError("request.invalid", errors={"year": [f"{years.start}–{years.stop - 1}"]})
    return year


def population_enter(*, caller: Caller | None, unit: Unit, year: int, figures: dict[PopulationMeasure | str, int],
                     source: str, imported_from: str | None = None) -> list[PopulationFigure]:
    """Enter (or replace) ``unit``'s figures for ``year``, all with ``source``; the measures not given
    keep theirs. ``unit`` is already in the caller's area (``selectors.population.population_unit_get``).
    One activity-log entry, in the unit's log, names the measures, their values and the source, and the
    import they came from (``imported_from``: the import's id, when entered from a sheet)."""
    population_year_check(year)
    if not figures:
        raise AppError("request.invalid", errors={"figures": ["at least one measure"]})
    source = nfc(source).strip()
    if not source:
        raise AppError("request.invalid", errors={"source": ["required"]})
    given = {PopulationMeasure(m): int(v) for m, v in figures.items()}
    held = {f.measure: f for f in db.session.scalars(select(PopulationFigure).where(
        PopulationFigure.unit_code == unit.code, PopulationFigure.year == year,
        PopulationFigure.measure.in_(list(given))))}
    now, written = utcnow(), []
    for measure in PopulationMeasure:
        if measure not in given:
            continue
        figure = held.get(measure) or PopulationFigure(unit_code=unit.code, year=year, measure=measure)
        figure.value, figure.source = given[measure], source
        figure.entered_by, figure.entered_at = (caller.user_id if caller else None), now
        if measure not in held:
            db.session.add(figure)
        written.append(figure)
    db.session.flush()
    activity_record(action="population.enter", object_type="unit", object_id=f"{unit.code}:{year}",
                    log_unit=unit.code, caller=caller,
                    body={"year": year, "values": {f.measure.value: f.value for f in written}, "source": source,
                          "replaced": sorted(m.value for m in held),
                          **({"import": imported_from} if imported_from else {})})
    return written
