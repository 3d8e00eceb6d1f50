"""The quarterly report's lifecycle (issue 17, anchor: DHIS2 data approval): the commune submits it, which
freezes its figures; the province approves it, which locks it, or returns it with a reason, and it is a
draft again. Each transition is logged in the commune's activity log.

Why these rules:

- **The commune submits, the province decides.** The plans make the commune answer for its report, due
  "trước ngày 10 tháng cuối mỗi Quý" (seeds 002, 003), and the province compare, rank and reward its
  communes: the level that approves is not the level that reports (DHIS2's approval levels). So only an
  officer held on the commune submits (``report.submit_by_commune``), and only an officer held on its
  province, or an admin, approves or returns it (``report.approve_by_province``); another province's
  officer does not find the commune at all (404, as every read outside the area).
- **Submitting freezes.** The figures are computed, the commune's log is checkpointed, and both are kept
  as one snapshot whose SHA-256 goes into the submission's log entry: what the province approves is
  exactly what was submitted, and the append-only log shows it was not changed after.
- **Approving locks for good.** An approved report is never submitted again nor returned
  (``report.locked``); evidence recorded later for its days is kept and shown beside it as late
  (fieldapp/selectors/reports.py), never folded into an approved figure.
- A report may be submitted from the first day of its quarter (it is due at the quarter's end), and late.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fieldapp.audit.sequencer import checkpoint_sign
from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.exports import vn_date
from fieldapp.extensions import db
from fieldapp.models.reports import QuarterlyReport, ReportStatus
from fieldapp.models.units import Unit
from fieldapp.periods import Period, local_day, report_due, report_quarter_label
from fieldapp.replicas.operations import read_operation
from fieldapp.selectors.activity import head_out
from fieldapp.selectors.reports import report_contents, snapshot_text, year_quarter
from fieldapp.services.activity import activity_record
from fieldapp.text import nfc


def _named(period: Period) -> dict:
    year, quarter = year_quarter(period)
    return {"q": quarter, "year": year}


def _locked(commune: Unit, period: Period, *, create: bool = False) -> QuarterlyReport | None:
    """The report row, locked until commit (PostgreSQL; SQLite serialises writers), made as a draft when
    ``create`` and there is none: two submissions at once meet on the row, and the second finds it submitted."""
    year, quarter = year_quarter(period)
    query = select(QuarterlyReport).where(QuarterlyReport.commune_code == commune.code,
                                          QuarterlyReport.year == year, QuarterlyReport.quarter == quarter)
    record = db.session.scalar(query.with_for_update())
    if record is None and create:
        try:
            with db.session.begin_nested():
                db.session.add(QuarterlyReport(commune_code=commune.code, year=year, quarter=quarter,
                                               status=ReportStatus.draft))
        except IntegrityError:  # made at the same moment by another submission: it is read, and waited for
            pass
        record = db.session.scalar(query.with_for_update().execution_options(populate_existing=True))
    return record


def report_submit(*, caller: Caller, commune: Unit, period: Period) -> QuarterlyReport:
    """Submit the commune's report of the quarter: freeze its figures (``report_contents``) with the
    checkpoint of the commune's log they were computed against, and log it. ``commune`` is in the
    caller's area already."""
    if caller.unit_code != commune.code:
        raise AppError("report.submit_by_commune")
    today = local_day(utcnow())
    if today < period.first:
        raise AppError("report.quarter_not_started", first=vn_date(period.first), **_named(period))
    record = _locked(commune, period, create=True)
    if record.status == ReportStatus.submitted:
        raise AppError("report.already_submitted", **_named(period))
    if record.status == ReportStatus.approved:
        raise AppError("report.locked", **_named(period))
    contents = report_contents(caller=caller, commune=commune, period=period)
    # An empty log (a commune where nothing was ever recorded) still gets a checkpoint: of size 0.
    checkpoint = checkpoint_sign(db.session, commune.code) or checkpoint_sign(db.session, commune.code, force=True)
    contents["checkpoint"] = head_out(db.session, checkpoint)
    text = snapshot_text(contents)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    record.status, record.snapshot, record.snapshot_sha256 = ReportStatus.submitted, text, digest
    record.checkpoint_id = checkpoint.id
    record.submitted_by, record.submitted_at = caller.user_id, utcnow()
    record.returned_by = record.returned_at = record.return_reason = None
    db.session.flush()
    activity_record(action="quarterly_report.submit", object_type="quarterly_report", object_id=record.object_id,
                    log_unit=commune.code, caller=caller,
                    body={"quarter": report_quarter_label(period), "snapshot_sha256": digest,
                          "checkpoint_size": checkpoint.size, "checkpoint_root_hash": bytes(checkpoint.root_hash).hex(),
                          "late": today >= report_due(period)})
    return record


def _province_decides(caller: Caller) -> None:
    if not (caller.is_national or caller.holds_province):
        raise AppError("report.approve_by_province")


def report_approve(*, caller: Caller, commune: Unit, period: Period) -> QuarterlyReport:
    """Approve the commune's submitted report: from now on it shows its frozen figures, for good."""
    _province_decides(caller)
    record = _locked(commune, period)
    if record is None or record.status == ReportStatus.draft:
        raise AppError("report.not_submitted", **_named(period))
    if record.status == ReportStatus.approved:
        raise AppError("report.already_approved", **_named(period))
    record.status, record.approved_by, record.approved_at = ReportStatus.approved, caller.user_id, utcnow()
    db.session.flush()
    activity_record(action="quarterly_report.approve", object_type="quarterly_report", object_id=record.object_id,
                    log_unit=commune.code, caller=caller,
                    body={"quarter": report_quarter_label(period), "snapshot_sha256": record.snapshot_sha256})
    return record


def report_return(*, caller: Caller, commune: Unit, period: Period, reason: str) -> QuarterlyReport:
    """Return the commune's submitted report with a reason: it is a draft again, to be submitted anew."""
    _province_decides(caller)
    record = _locked(commune, period)
    if record is None or record.status == ReportStatus.draft:
        raise AppError("report.not_submitted", **_named(period))
    if record.status == ReportStatus.approved:
        raise AppError("report.locked", **_named(period))
    reason = nfc(reason)
    record.status = ReportStatus.draft
    record.returned_by, record.returned_at, record.return_reason = caller.user_id, utcnow(), reason
    db.session.flush()
    activity_record(action="quarterly_report.return", object_type="quarterly_report", object_id=record.object_id,
                    log_unit=commune.code, caller=caller,
                    body={"quarter": report_quarter_label(period), "snapshot_sha256": record.snapshot_sha256,
                          "reason": reason})
    return record


def report_read(*, caller: Caller, commune: Unit, period: Period, fmt: str = "json"):
    """The commune's report of the quarter as it is shown (:func:`~fieldapp.selectors.reports.report_get`),
    its read recorded: ``quarterly_report.view`` (``fmt="json"``: the page or the API's answer) or
    ``quarterly_report.export`` (``xlsx``, ``csv``: every export is recorded, Decree 13/2023). Recorded
    first, then the log is checkpointed, so the checkpoint the report shows covers its own entry and
    ``GET /activity/head`` right after answers the same. For ``GET /api/v1/reports/quarterly`` and the
    console alike."""
    from fieldapp.selectors.reports import report_get

    # Computed as one read operation (on the replica when there is one, fieldapp/replicas/); its read is
    # recorded on the primary after it.
    view = read_operation(report_get, caller=caller, commune=commune, period=period)
    object_id = f"{commune.code}:{view.quarter}"
    body = {"quarter": view.quarter, "status": view.status.value}
    if fmt == "json":
        activity_record(action="quarterly_report.view", object_type="quarterly_report", object_id=object_id,
                        log_unit=commune.code, caller=caller, body=body)
    else:
        activity_record(action="quarterly_report.export", object_type="quarterly_report", object_id=object_id,
                        log_unit=commune.code, caller=caller,
                        body={**body, "format": fmt, "support_records": len(view.contents["support_record_ids"])})
    view.current_checkpoint = head_out(db.session, checkpoint_sign(db.session, commune.code))
    if view.checkpoint is None:
        view.checkpoint = view.current_checkpoint
    return view
