"""Targets set by a province or a commune for its indicators, per year: a share or a head count, with
its source (the plan's number and date). Officers of the unit's area set them; each change is logged."""
from __future__ import annotations

from sqlalchemy import select

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.indicators import INDICATORS, IndicatorTarget
from fieldapp.models.units import Unit
from fieldapp.services.activity import activity_record
from fieldapp.text import nfc

#: The years a target may be set for: the programme's (seed 002: 2025–2030), a little either side.
FIRST_YEAR, LAST_YEAR = 2024, 2035


def targets_set(*, caller: Caller | None, unit: Unit, year: int, targets: list[dict]) -> list[IndicatorTarget]:
    """Set (or replace) ``unit``'s targets for ``year``: each ``{indicator, share | head_count, source}``;
    ``share`` and ``head_count`` both null removes the unit's own target (its province's or the national
    default applies again). ``unit`` is already in the caller's area. One log entry for the change."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise AppError("targets.invalid", errors={"year": [f"{FIRST_YEAR}–{LAST_YEAR}"]})
    errors: dict[str, list[str]] = {}
    seen = set()
    for n, target in enumerate(targets):
        code = target["indicator"]
        if code not in INDICATORS:
            errors[f"targets.{n}.indicator"] = ["unknown indicator"]
        elif code in seen:
            errors[f"targets.{n}.indicator"] = ["given twice"]
        seen.add(code)
        if target.get("share") is not None and target.get("head_count") is not None:
            errors[f"targets.{n}"] = ["a share or a head count, not both"]
    if errors:
        raise AppError("targets.invalid", errors=errors)
    held = {t.indicator: t for t in db.session.scalars(select(IndicatorTarget).where(
        IndicatorTarget.unit_code == unit.code, IndicatorTarget.year == year))}
    changed = []
    for target in targets:
        code, share, head_count = target["indicator"], target.get("share"), target.get("head_count")
        row = held.get(code)
        if share is None and head_count is None:
            if row is not None:
                db.session.delete(row)
                changed.append({"indicator": code, "removed": True})
            continue
        source = nfc(target.get("source") or "").strip()
        if not source:
            raise AppError("targets.invalid", errors={"source": ["required: the plan's number and date"]})
        if row is None:
            row = IndicatorTarget(unit_code=unit.code, year=year, indicator=code)
            db.session.add(row)
        row.share, row.head_count, row.source = share, head_count, source
        row.entered_by, row.entered_at = (caller.user_id if caller else None), utcnow()
        changed.append({"indicator": code, "share": share, "head_count": head_count, "source": source})
    db.session.flush()
    if changed:
        activity_record(action="target.set", object_type="unit", object_id=f"{unit.code}:{year}", log_unit=unit.code,
                        caller=caller, body={"year": year, "targets": changed})
    return list(db.session.scalars(select(IndicatorTarget).where(IndicatorTarget.unit_code == unit.code,
                                                                 IndicatorTarget.year == year)))
