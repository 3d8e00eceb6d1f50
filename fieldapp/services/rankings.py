"""A province's own ranking scheme for a level: the criteria it ranks on with their weights, and the
thresholds of the completion classes (fieldapp/models/rankings.py). Its officers set it, for the
province's communes, teams and people alike (the emulation guideline, hướng dẫn thi đua, is the
province's); each change is logged."""
from __future__ import annotations

from sqlalchemy import delete

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.rankings import (
    LEVELS,
    THRESHOLD_CLASSES,
    RankingThreshold,
    RankingWeight,
    criterion_of,
)
from fieldapp.models.units import Unit, UnitLevel
from fieldapp.services.activity import activity_record
from fieldapp.text import nfc


def ranking_scheme_set(*, caller: Caller | None, unit: Unit, level: str, criteria: list[dict],
                       thresholds: dict[str, float] | None, source: str | None) -> None:
    """Replace the province's scheme for ``level``: ``criteria`` (each ``{criterion, weight}``; the
    level's criteria left out are not used; ``[]``: the defaults again) and ``thresholds`` (the lowest
    score of ``excellent``, ``good`` and ``done``, decreasing; ``None``: the defaults again), on one
    ``source``. ``unit`` is already in the caller's area. One log entry for the change."""
    if unit.level != UnitLevel.province:
        raise AppError("ranking.scheme_invalid", errors={"code": ["a province: its officers set its ranking scheme"]})
    if level not in LEVELS:
        raise AppError("request.invalid", errors={"level": [f"one of {', '.join(LEVELS)}"]})
    errors: dict[str, list[str]] = {}
    seen = set()
    for n, item in enumerate(criteria):
        code = item["criterion"]
        if criterion_of(level, code) is None:
            errors[f"criteria.{n}.criterion"] = [f"not a criterion of {level}"]
        elif code in seen:
            errors[f"criteria.{n}.criterion"] = ["given twice"]
        seen.add(code)
        if not item["weight"] > 0:
            errors[f"criteria.{n}.weight"] = ["above 0"]
    if thresholds is not None:
        if set(thresholds) != set(THRESHOLD_CLASSES):
            errors["thresholds"] = [f"each of {', '.join(THRESHOLD_CLASSES)}"]
        elif not all(thresholds[a] > thresholds[b]
                     for a, b in zip(THRESHOLD_CLASSES, THRESHOLD_CLASSES[1:], strict=False)):
            errors["thresholds"] = ["decreasing: excellent above good above done"]
    source = nfc(source or "").strip()
    if (criteria or thresholds is not None) and not source:
        errors["source"] = ["required: the guideline's number and date"]
    if errors:
        raise AppError("ranking.scheme_invalid", errors=errors)
    db.session.execute(delete(RankingWeight).where(RankingWeight.unit_code == unit.code, RankingWeight.level == level))
    db.session.execute(delete(RankingThreshold).where(RankingThreshold.unit_code == unit.code,
                                                      RankingThreshold.level == level))
    now, by = utcnow(), (caller.user_id if caller else None)
    for item in criteria:
        db.session.add(RankingWeight(unit_code=unit.code, level=level, criterion=item["criterion"],
                                     weight=float(item["weight"]), source=source, entered_by=by, entered_at=now))
    for code, min_score in (thresholds or {}).items():
        db.session.add(RankingThreshold(unit_code=unit.code, level=level, class_code=code,
                                        min_score=float(min_score), source=source, entered_by=by, entered_at=now))
    db.session.flush()
    activity_record(action="ranking.set", object_type="unit", object_id=f"{unit.code}:{level}", log_unit=unit.code,
                    caller=caller, body={"level": level,
                                         "criteria": [{"criterion": i["criterion"], "weight": float(i["weight"])}
                                                      for i in criteria],
                                         "thresholds": None if thresholds is None else
                                         {c: float(thresholds[c]) for c in THRESHOLD_CLASSES},
                                         "source": source or None})
