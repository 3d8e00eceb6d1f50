"""Public results (issue 17, item 5): the main indicators of a province or a commune, and the ranking of a
province's communes, for anyone to read: "công khai kết quả thực hiện Phong trào" (seed 003). Aggregates
only: counts and shares of units, never a person's or an account's name or id.

**The period** is a quarter (``2026-Q3``) as the communes' quarterly report names it: the reporting quarter,
10/06–09/09/2026 (fieldapp/periods.py; mobile_contract/reports.md), so the public figures count the days the
reports count. Only that: the reporting quarters tile the calendar, any two published periods are the same
or do not overlap, and no published flow is the difference of two others (a year less three of its
quarters would be the fourth; a range of days less a shorter one, a single day). States (skills, Digital
Families, mentors) are as they stand when computed, whatever quarter is asked, as in the indicators.

**Small counts are suppressed.** Every published count (each indicator's numerator and denominator) below
``PUBLIC_RESULTS_MIN_COUNT`` (10), zero included, is shown as ``null`` with ``suppressed: true``, and so is
any share whose numerator or denominator is (a share times its denominator is its numerator).

**A suppressed count cannot be recovered by subtraction.** A province's count is the sum of its communes'
(each person, household, record and mentor is counted in one commune), and every commune's page is
published: the province's count less the communes' shown ones is the sum of the hidden ones. So, for each
count the province shows, the communes' hidden counts are made a group that no subtraction opens
(complementary suppression): while the group would let a hidden count be worked out, the smallest count
still shown (by value, then code) is hidden too; if none is left to hide, the province's count is hidden
as well. A group is safe when the sum it leaves, ``R``, cannot be split only one way knowing the rule (a
suppressed count is 0 to ``T − 1``, any other at least ``T``): with ``n ≥ 1`` counts of ``T`` or more in it,
when ``R > n × T``; with none, when it holds two or more counts and ``0 < R < k × (T − 1)`` (``k`` of them).
Each share's parts are decided once, so a share hidden on a commune's page is hidden in its ranking too.

**The ranking** published is that of the communes whose every criterion is shown (their scores, ranks and
classes could otherwise be worked back to a hidden share); the others are listed as not ranked, without
score or class. Ranks are among those ranked (the same order as ``GET /rankings``, numbered among them).

**Cached**: each province's table (its page and its communes') is computed once per quarter asked and kept
``PUBLIC_RESULTS_TTL_SECONDS`` (fieldapp/caching.py); a commune's page is read from its province's table,
so the two always agree. The request reads the province's aggregates deliberately: an anonymous request
has no area (row-level security reads nothing), and this one is given the province's area for the
computation only, and reads through it the roll-ups and counts the indicators read, nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import g, has_request_context

from fieldapp.auth.row_security import area_set, province_area
from fieldapp.caching import results_cache
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.indicators import INDICATORS
from fieldapp.models.rankings import CLASS_NAMES
from fieldapp.models.units import Unit, UnitLevel
from fieldapp.periods import Period
from fieldapp.selectors.indicators import Figure, Subject, indicators_by_commune, indicators_compute
from fieldapp.selectors.rankings import commune_candidates, ranking_order, ranking_scheme_get

#: The indicators published, in order: the plans' main ones (PRODUCT.md's targets), and the evidence.
PUBLISHED = ("basic_skills.adults", "vneid_confirmed.adults", "digital_identity.citizens_from_16",
             "digital_bank_account.citizens_from_16", "digital_family.households", "mentors.count",
             "mentors.with_5_mentees", "support.people", "support.organisations", "support.records",
             "sessions.count", "visits.count", "visits.proven")
PARTS = ("numerator", "denominator")

Cell = tuple[str, str]


def _cells(figures: dict[str, Figure]) -> dict[Cell, int]:
    """The published counts of a unit: each indicator's numerator, and its denominator when a share."""
    cells = {}
    for code in PUBLISHED:
        figure = figures[code]
        cells[(code, "numerator")] = figure.numerator
        if figure.denominator is not None:
            cells[(code, "denominator")] = figure.denominator
    return cells


def _safe(values: list[int], threshold: int) -> bool:
    """Whether a group of hidden counts, whose sum is known, keeps each small one undetermined (module doc)."""
    large = sum(1 for v in values if v >= threshold)
    small = len(values) - large
    left = sum(values)
    if small == 0:
        return True
    if large:
        return left > large * threshold
    return small >= 2 and 0 < left < small * (threshold - 1)


def suppression(province: dict[Cell, int], communes: dict[str, dict[Cell, int]],
                threshold: int) -> tuple[set[Cell], dict[str, set[Cell]]]:
    """The cells hidden on the province's page and on each commune's (module doc): the counts below
    ``threshold``, and those hidden beside them so that no subtraction gives one back."""
    hidden_province = {cell for cell, value in province.items() if value < threshold}
    hidden = {code: {cell for cell, value in cells.items() if value < threshold} for code, cells in communes.items()}
    for cell in province:
        if cell in hidden_province:
            continue
        group = [code for code in communes if cell in hidden[code]]
        if not group:
            continue
        shown = sorted((cells[cell], code) for code, cells in communes.items()
                       if cell in cells and cell not in hidden[code])
        while not _safe([communes[code][cell] for code in group], threshold) and shown:
            _value, code = shown.pop(0)
            hidden[code].add(cell)
            group.append(code)
        if not _safe([communes[code][cell] for code in group], threshold):
            hidden_province.add(cell)
    return hidden_province, hidden


def _published(figures: dict[str, Figure], hidden: set[Cell]) -> list[dict]:
    found = []
    for code in PUBLISHED:
        figure = figures[code]
        numerator = None if (code, "numerator") in hidden else figure.numerator
        denominator = None if (code, "denominator") in hidden else figure.denominator
        share_hidden = figure.denominator is not None and (numerator is None or denominator is None)
        target = figure.target
        found.append({"code": code, "name": INDICATORS[code].name, "kind": INDICATORS[code].kind,
                      "numerator": numerator, "denominator": denominator,
                      "denominator_source": figure.denominator_source,
                      "share": None if share_hidden else figure.share,
                      "target": None if target is None else {"share": target.share, "head_count": target.head_count},
                      "suppressed": numerator is None or share_hidden})
    return found


def _rankable(hidden: set[Cell], scheme) -> bool:
    for weighted in scheme.criteria:
        code = weighted.criterion.code
        if code == "weekly_class.held":  # weeks of the calendar, no one's count
            continue
        if (code, "numerator") in hidden or (code, "denominator") in hidden or code not in PUBLISHED:
            return False
    return True


def _province_table(province: Unit, period: Period, threshold: int) -> dict:
    """Everything published of a province and its communes for a quarter, JSON only (it is cached)."""
    previous = g.get("db_area", "") if has_request_context() else ""
    area_set(province_area(province.code))  # the province's aggregates, for this computation only
    try:
        sheets = indicators_by_commune(province_code=province.code, period=period, breakdowns=False)
        whole = indicators_compute(Subject("province", province.code, province.name, province.code, province.code),
                                   period)
        scheme = ranking_scheme_get(province_code=province.code, level="communes")
    finally:
        area_set(previous)
    by_code = {code: {f.code: f for f in sheet.figures} for code, sheet in sheets.items()}
    province_figures = {f.code: f for f in whole.figures}
    hidden_province, hidden = suppression(_cells(province_figures), {c: _cells(f) for c, f in by_code.items()},
                                          threshold)
    units = {province.code: {"code": province.code, "name": province.name, "level": "province",
                             "province_code": province.code,
                             "indicators": _published(province_figures, hidden_province)}}
    for code, sheet in sheets.items():
        units[code] = {"code": code, "name": sheet.subject.name, "level": "commune", "province_code": province.code,
                       "indicators": _published(by_code[code], hidden[code])}
    rankable = {code: sheet for code, sheet in sheets.items() if _rankable(hidden[code], scheme)}
    ranked = ranking_order(commune_candidates(rankable), scheme)
    return {"as_of": utcnow().isoformat(), "units": units, "ranking": {
        "criteria": [{"code": w.criterion.code, "name": w.criterion.name, "scale": w.criterion.scale,
                      "weight": w.weight} for w in scheme.criteria],
        "classes": [{"code": code, "name": CLASS_NAMES[code], "min_score": scheme.thresholds.get(code)}
                    for code in CLASS_NAMES],
        "items": [{"rank": r.rank, "code": r.key, "name": r.name, "score": r.score, "class_code": r.class_code,
                   "class_name": CLASS_NAMES[r.class_code],
                   "criteria": [{"code": s.code, "value": s.value, "score": s.score} for s in r.criteria]}
                  for r in ranked],
        "not_ranked": [{"code": code, "name": sheet.subject.name} for code, sheet in sheets.items()
                       if code not in rankable]}}


@dataclass(frozen=True)
class PublicResults:
    unit: dict
    period: Period
    as_of: datetime
    threshold: int
    indicators: list[dict]
    ranking: dict
    #: Whether it was read from the cache (not computed for this request).
    cached: bool


def public_unit_get(*, code: str) -> Unit:
    """A province or a commune by its code (reference data, readable by anyone); anything else not found."""
    unit = db.session.get(Unit, code) if code.isdigit() and len(code) in (2, 5) else None
    if unit is None:
        raise AppError("unit.not_found", code=code[:8])
    return unit


def public_results_get(*, code: str, period: Period, threshold: int, ttl: int) -> PublicResults:
    """What is published of a province or a commune for a quarter (module doc), from the cache when it
    holds the province's table."""
    unit = public_unit_get(code=code)
    if period.kind != "report_quarter":
        raise AppError("request.invalid", errors={"period": ["a quarter, such as 2026-Q3"]})
    province = unit if unit.level == UnitLevel.province else db.session.get(Unit, unit.parent_code)
    table, cached = results_cache.get_or_compute(f"public:{province.code}:{period.name}:{threshold}", ttl,
                                                 lambda: _province_table(province, period, threshold))
    published = table["units"][unit.code]
    ranking = dict(table["ranking"])
    if unit.level != UnitLevel.province:  # a commune's page: its own place in its province's ranking
        ranking["items"] = [i for i in ranking["items"] if i["code"] == unit.code]
        ranking["not_ranked"] = [i for i in ranking["not_ranked"] if i["code"] == unit.code]
    ranking["total"] = len(table["ranking"]["items"])
    return PublicResults(unit={k: v for k, v in published.items() if k != "indicators"}, period=period,
                         as_of=datetime.fromisoformat(table["as_of"]), threshold=threshold,
                         indicators=published["indicators"], ranking=ranking, cached=cached)
