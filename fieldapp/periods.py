"""Periods the indicators are computed for: a month, a quarter, a reporting quarter, a year, one of the
programme's phases, or a range of days. Every period is a range of Vietnam's calendar days (a support
given at 23:30 on 30 September, Vietnam's time, is September's, whatever UTC says).

**The reporting quarter** (kỳ báo cáo quý) is not the calendar quarter: the plans want the commune's
report "trước ngày 10 tháng cuối mỗi Quý" (seeds 002, 003), so a report cannot wait for the quarter's
end. Its days run from the cut-off day of the previous quarter's last month to the day before the
cut-off day of this quarter's last month: with the cut-off on the 10th, the report of Q3 2026 covers
10/06/2026–09/09/2026 and is due by the end of 09/09/2026. Every day falls in exactly one reporting
quarter. (Decree 09/2019/NĐ-CP, art. 12, cuts state statistics on the 15th; this programme's deadline
is the 10th, so its cut-off is too.)

**The phases** are the plans' own (seed 002: "Giai đoạn 1 (từ 2025 - 2027)", "Giai đoạn 2 (từ 2027 -
2030)"): they share the year 2027, as written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fieldapp.clock import VIETNAM

#: The day of the quarter's last month on which the reporting quarter closes (the report is due before it).
REPORT_CUTOFF_DAY = 10

#: The programme's phases: (first day, last day).
PHASES = {1: (date(2025, 1, 1), date(2027, 12, 31)), 2: (date(2027, 1, 1), date(2030, 12, 31))}

#: The widest range a ``from..to`` period may span (a phase is longer, and has its own name).
MAX_RANGE_DAYS = 3 * 366

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_REPORT = re.compile(r"^(\d{4})-R([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_PHASE = re.compile(r"^phase-([12])$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
#: How the quarterly report names its quarter: ``2026-Q3`` is the reporting quarter ``2026-R3``.
_REPORT_NAMED = re.compile(r"^(\d{4})-Q([1-4])$")


#: The shape of every period :func:`period_parse` reads, in the years it accepts (a request's schema
#: states it; what the shape cannot say, a day that does not exist or a range too long, is
#: :class:`PeriodError`).
PERIOD_PATTERN = (r"^(20(2\d|3[0-5])(-(0[1-9]|1[0-2])|-[QR][1-4])?|phase-[12]"
                  r"|\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2})$")
#: A quarter as the quarterly report names it (:func:`report_quarter_named`), in the years accepted: every
#: string of this shape is one (from 2021: the first reporting quarter of 2020 begins in 2019).
QUARTER_PATTERN = r"^20(2[1-9]|3[0-5])-Q[1-4]$"


class PeriodError(ValueError):
    """A period that cannot be read; its message says what is accepted."""


@dataclass(frozen=True)
class Period:
    """A range of Vietnam's days, ``first`` to ``last`` inclusive, with the name it was asked by."""

    #: How it was named: ``2026-09``, ``2026-Q3``, ``2026-R3``, ``2026``, ``phase-1`` or ``2026-01-01..2026-02-15``.
    name: str
    #: ``month``, ``quarter``, ``report_quarter``, ``year``, ``phase`` or ``range``.
    kind: str
    first: date
    last: date

    @property
    def reach_key(self) -> str | None:
        """The key under which unique people reached in this period are kept (fieldapp/models/tallies.py);
        a range of days has none and is counted from the records."""
        return None if self.kind == "range" else self.name

    @property
    def starts_at(self) -> datetime:
        """The first instant of the period (UTC-aware, Vietnam's midnight)."""
        return datetime.combine(self.first, datetime.min.time(), VIETNAM)

    @property
    def ends_before(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.last + timedelta(days=1), datetime.min.time(), VIETNAM)

    @property
    def year(self) -> int:
        """The year whose targets apply: the year of the period's last day."""
        return self.last.year

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last


def _month_last(year: int, month: int) -> date:
    return (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)


def month(year: int, month_: int) -> Period:
    return Period(f"{year:04d}-{month_:02d}", "month", date(year, month_, 1), _month_last(year, month_))


def quarter(year: int, q: int) -> Period:
    return Period(f"{year:04d}-Q{q}", "quarter", date(year, 3 * q - 2, 1), _month_last(year, 3 * q))


def report_quarter(year: int, q: int) -> Period:
    """The reporting quarter ``q`` of ``year`` (the module's docstring): from the cut-off day of the
    previous quarter's last month to the day before this quarter's."""
    closes = date(year, 3 * q, REPORT_CUTOFF_DAY)
    prev_year, prev_month = (year - 1, 12) if q == 1 else (year, 3 * q - 3)
    return Period(f"{year:04d}-R{q}", "report_quarter", date(prev_year, prev_month, REPORT_CUTOFF_DAY),
                  closes - timedelta(days=1))


def report_due(period: Period) -> date:
    """The day a reporting quarter's report is due *before*: its cut-off day, the 10th of the quarter's
    last month (the report of ``2026-R3`` is late from 10/09/2026, 00:00 in Vietnam)."""
    return period.last + timedelta(days=1)


def report_quarter_label(period: Period) -> str:
    """The quarterly report's name for a reporting quarter: ``2026-Q3`` for ``2026-R3``."""
    return period.name.replace("-R", "-Q")


def report_quarter_named(text: str) -> Period:
    """The reporting quarter a quarterly report names ``2026-Q3`` by (the report of the third quarter
    covers the reporting quarter ``2026-R3``: 10/06–09/09/2026); :class:`PeriodError` otherwise."""
    found = _REPORT_NAMED.match((text or "").strip())
    if not found:
        raise PeriodError(text)
    try:
        return _in_years(report_quarter(int(found[1]), int(found[2])))
    except ValueError as bad:  # a year no calendar has (0000)
        raise PeriodError(text) from bad


def year(y: int) -> Period:
    return Period(f"{y:04d}", "year", date(y, 1, 1), date(y, 12, 31))


def phase(n: int) -> Period:
    first, last = PHASES[n]
    return Period(f"phase-{n}", "phase", first, last)


def local_day(moment: datetime) -> date:
    """Vietnam's calendar day of a moment (naive moments are UTC, as the database keeps them)."""
    if moment.tzinfo is None:
        from datetime import timezone
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(VIETNAM).date()


def report_quarter_of(day: date) -> Period:
    """The reporting quarter a day falls in."""
    q = (day.month - 1) // 3 + 1
    closes = date(day.year, 3 * q, REPORT_CUTOFF_DAY)
    if day >= closes:
        return report_quarter(day.year + (q == 4), 1 if q == 4 else q + 1)
    return report_quarter(day.year, q)


def reach_keys(day: date) -> tuple[str, ...]:
    """Every named period a day falls in: its month, quarter, reporting quarter, year and phases. A
    person supported that day is reached in each (fieldapp/models/tallies.py)."""
    keys = [f"{day.year:04d}-{day.month:02d}", f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}",
            report_quarter_of(day).name, f"{day.year:04d}"]
    keys += [f"phase-{n}" for n, (first, last) in PHASES.items() if first <= day <= last]
    return tuple(keys)


def period_parse(text: str) -> Period:
    """A period from its name; :class:`PeriodError` says what is accepted."""
    text = (text or "").strip()
    try:
        if found := _MONTH.match(text):
            y, m = int(found[1]), int(found[2])
            if not 1 <= m <= 12:
                raise PeriodError(text)
            return _in_years(month(y, m))
        if found := _QUARTER.match(text):
            return _in_years(quarter(int(found[1]), int(found[2])))
        if found := _REPORT.match(text):
            return _in_years(report_quarter(int(found[1]), int(found[2])))
        if found := _YEAR.match(text):
            return _in_years(year(int(found[1])))
        if found := _PHASE.match(text):
            return phase(int(found[1]))
        if found := _RANGE.match(text):
            first, last = date.fromisoformat(found[1]), date.fromisoformat(found[2])
            if last < first or (last - first).days >= MAX_RANGE_DAYS:
                raise PeriodError(text)
            return _in_years(Period(text, "range", first, last))
    except ValueError as bad:
        raise PeriodError(text) from bad
    raise PeriodError(text)


def _in_years(period: Period) -> Period:
    # The programme starts in 2025 and its second phase ends in 2030; a little either side is allowed
    # (a reporting quarter starts in the year before), nothing absurd.
    if period.first.year < 2020 or period.last.year > 2035:
        raise PeriodError(period.name)
    return period
