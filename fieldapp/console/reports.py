"""Reports: the list of people supported, downloaded as CSV or Excel (the API's export, logged the
same), and the quarterly report of the reporting quarter, with its deadline."""
from __future__ import annotations

from datetime import timedelta

from flask import Response, flash, redirect, render_template, request, url_for

from fieldapp.auth.callers import Caller
from fieldapp.auth.declaration import declares, reads
from fieldapp.auth.permissions import role_can
from fieldapp.clock import utcnow
from fieldapp.console.base import bp, page, page_context
from fieldapp.errors import AppError
from fieldapp.exports import csv_bytes, xlsx_book
from fieldapp.extensions import db
from fieldapp.models.indicators import INDICATORS
from fieldapp.models.reports import REPORT_STATUS_VI, ReportStatus
from fieldapp.models.units import UnitLevel
from fieldapp.periods import (
    REPORT_CUTOFF_DAY,
    PeriodError,
    local_day,
    report_quarter_label,
    report_quarter_named,
    report_quarter_of,
)
from fieldapp.selectors.reports import (
    INDICATOR_HEADERS,
    indicator_rows,
    report_commune_get,
    report_sheets,
    report_status_list,
)
from fieldapp.selectors.support_records import support_records_query
from fieldapp.services.reports import report_approve, report_read, report_return, report_submit
from fieldapp.services.support_records import EXPORT_FORMATS, support_records_export


def report_deadline(today) -> dict:
    """The reporting quarter today falls in, and the day its report is due before (fieldapp/periods.py:
    "trước ngày 10 tháng cuối mỗi Quý")."""
    period = report_quarter_of(today)
    due_before = period.last + timedelta(days=1)
    assert due_before.day == REPORT_CUTOFF_DAY
    return {"period": period, "due_before": due_before, "days_left": (period.last - today).days}


@bp.route("/reports", methods=["GET"])
@declares(personal_data="none")
@page("support_record.read")
def reports(caller: Caller):
    """The list of people supported (to read or download) and the quarterly report's deadline."""
    today = local_day(utcnow())
    return render_template("console/reports.html", deadline=report_deadline(today),
                           report=quarterly_state(caller, today), **page_context(caller))


@bp.route("/support-records/export", methods=["GET"])
@declares(personal_data=reads("support_record_list"))
@page("support_record.read")
def support_records_download(caller: Caller):
    """The whole list of people supported as CSV or XLSX (``format``), as ``GET /api/v1/support-records``
    exports it; ``verified=1``: only support without flags. The export is logged (``support_record.export``)."""
    fmt = request.args.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        raise AppError("request.invalid", errors={"format": ["csv or xlsx"]})
    verified_only = request.args.get("verified") == "1"
    content = support_records_export(caller=caller, query=support_records_query(caller=caller,
                                                                                verified_only=verified_only),
                                     fmt=fmt, log_unit=caller.unit_code, evidence_status="counted",
                                     filters={"verified_only": "True"} if verified_only else {})
    db.session.commit()
    mimetype, filename = EXPORT_FORMATS[fmt]
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- the quarterly report: its page, workbook, submission (commune) and approval (province) -----------------

def _holds_commune(caller: Caller) -> bool:
    return caller.unit_code is not None and not caller.holds_province


def _quarter_of(text: str | None):
    """The quarter named ``2026-Q3`` (the reporting quarter ``2026-R3``), or this one; ``None`` if unreadable."""
    if not text:
        return report_quarter_of(local_day(utcnow()))
    try:
        return report_quarter_named(text.strip()[:16])
    except PeriodError:
        return None


def _quarter_choices(today) -> list[tuple[str, str]]:
    """This reporting quarter and the three before it, as the report names them."""
    period, choices = report_quarter_of(today), []
    for _ in range(4):
        label = report_quarter_label(period)
        year_text, q = label.split("-Q")
        choices.append((label, f"Quý {q}/{year_text} ({period.first.strftime('%d/%m/%Y')}–"
                               f"{period.last.strftime('%d/%m/%Y')})"))
        period = report_quarter_of(period.first - timedelta(days=1))
    return choices


def _figure_rows(view) -> list[dict]:
    rows = []
    for figure in view.contents["indicators"]:
        definition = INDICATORS[figure["code"]]
        target = figure.get("target") or {}
        rows.append({"code": figure["code"], "name": definition.name, "numerator": figure["numerator"],
                     "denominator": figure["denominator"],
                     "share": None if figure["share"] is None else f"{round(figure['share'] * 100)}%",
                     "target": (f"{round(target['share'] * 100)}%" if target.get("share") is not None
                                else target.get("head_count")), "reached": figure.get("reached")})
    return rows


def quarterly_state(caller: Caller, today) -> dict | None:
    """This quarter's report of the caller's area as the dashboard and the reports page show it: a
    commune's status, or a province's counts; ``None`` for a role that does not read reports."""
    if not role_can(caller.role, "report.read") or caller.unit_code is None:
        return None
    listed = report_status_list(caller=caller, code=None, period=report_quarter_of(today))
    if listed.unit.level == UnitLevel.province:
        counts = {status: listed.count(status) for status in ReportStatus}
        text = (f"{counts[ReportStatus.approved]} xã đã được phê duyệt, {counts[ReportStatus.submitted]} chờ phê "
                f"duyệt, {counts[ReportStatus.draft]} chưa nộp")
    else:
        row = listed.communes[0]
        text = REPORT_STATUS_VI[row.status] + (" (bị tỉnh trả lại)" if row.returned else "")
    return {"quarter": listed.quarter, "state_text": text, "due_before": listed.due_before,
            "days_left": listed.days_left}


@bp.route("/reports/quarterly/status", methods=["GET"])
@declares(personal_data="none")
@page("report.read")
def quarterly_status(caller: Caller):
    """Each commune's report of a quarter (a province's communes, or my commune's), those not submitted first."""
    period = _quarter_of(request.args.get("quarter"))
    if period is None:
        raise AppError("request.invalid", errors={"quarter": ["2026-Q3"]})
    if caller.unit_code is None:
        raise AppError("request.invalid", errors={"unit": ["required: name a province or a commune"]})
    listed = report_status_list(caller=caller, code=None, period=period)
    return render_template("console/quarterly_status.html", listed=listed, status_vi=REPORT_STATUS_VI,
                           choices=_quarter_choices(local_day(utcnow())), quarter=listed.quarter,
                           **page_context(caller))


@bp.route("/reports/quarterly", methods=["GET"])
@declares(personal_data=reads("quarterly_report"))
@page("report.read")
def quarterly_report(caller: Caller):
    """A commune's report of a quarter (mine, or one of my province's): its state, indicators against targets,
    the workbook to download, and submitting (the commune) or approving and returning it (the province)."""
    period = _quarter_of(request.args.get("quarter"))
    if period is None:
        raise AppError("request.invalid", errors={"quarter": ["2026-Q3"]})
    code = (request.args.get("unit") or "").strip()[:5]
    if not code and not _holds_commune(caller):  # a province's officer picks a commune in the communes' list
        raise AppError("request.invalid", errors={"unit": ["required: name a commune"]})
    commune = report_commune_get(caller=caller, code=code or caller.unit_code)
    view = report_read(caller=caller, commune=commune, period=period)
    db.session.commit()
    return render_template("console/quarterly.html", view=view, figures=_figure_rows(view), status_vi=REPORT_STATUS_VI,
                           statuses=ReportStatus, choices=_quarter_choices(local_day(utcnow())),
                           may_submit=role_can(caller.role, "report.submit") and caller.unit_code == commune.code,
                           may_decide=role_can(caller.role, "report.approve") and (caller.is_national or
                                                                                   caller.holds_province),
                           errors={}, **page_context(caller))


@bp.route("/reports/quarterly/download", methods=["GET"])
@declares(personal_data=reads("quarterly_report"))
@page("report.read")
def quarterly_download(caller: Caller):
    """The report's workbook (``format=xlsx``: every sheet, the list of people supported among them) or its
    indicators sheet (``csv``), as ``GET /api/v1/reports/quarterly`` gives them; the export is logged."""
    fmt = request.args.get("format", "xlsx")
    period = _quarter_of(request.args.get("quarter"))
    if fmt not in ("xlsx", "csv") or period is None:
        raise AppError("request.invalid", errors={"format": ["xlsx or csv"], "quarter": ["2026-Q3"]})
    code = (request.args.get("unit") or "").strip()[:5]
    if not code and not _holds_commune(caller):  # a province's officer picks a commune in the communes' list
        raise AppError("request.invalid", errors={"unit": ["required: name a commune"]})
    commune = report_commune_get(caller=caller, code=code or caller.unit_code)
    view = report_read(caller=caller, commune=commune, period=period, fmt=fmt)
    db.session.commit()
    name = f"bao-cao-quy-{commune.code}-{view.quarter}"
    if fmt == "csv":
        return Response(csv_bytes(INDICATOR_HEADERS, indicator_rows(view)), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(xlsx_book(report_sheets(view, caller=caller)), mimetype=EXPORT_FORMATS["xlsx"][0],
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


def _transition(caller: Caller, act, done: str, **extra):
    """Submit, approve or return the report the form names, through the lifecycle's service; the page again."""
    form = request.form
    period = _quarter_of(form.get("quarter"))
    if period is None:
        raise AppError("request.invalid", errors={"quarter": ["2026-Q3"]})
    code = (form.get("unit") or "").strip()[:5]
    if not code and not _holds_commune(caller):
        raise AppError("request.invalid", errors={"unit": ["required: name a commune"]})
    commune = report_commune_get(caller=caller, code=code or caller.unit_code)
    back = url_for(".quarterly_report", unit=commune.code, quarter=report_quarter_label(period))
    try:
        act(caller=caller, commune=commune, period=period, **extra)
    except AppError as error:
        if error.status == 404:
            raise
        flash(error.message("vi"), "error")
        return redirect(back)
    db.session.commit()
    flash(done.format(commune=commune.name, quarter=report_quarter_label(period)), "ok")
    return redirect(back)


@bp.route("/reports/quarterly/submit", methods=["POST"])
@declares(personal_data="write")
@page("report.submit")
def quarterly_submit(caller: Caller):
    """Submit my commune's report of the quarter: its figures frozen with the checkpoint of the commune's log."""
    return _transition(caller, report_submit, "Đã nộp báo cáo quý {quarter} của {commune}: số liệu đã được chốt.")


@bp.route("/reports/quarterly/approve", methods=["POST"])
@declares(personal_data="write")
@page("report.approve")
def quarterly_approve(caller: Caller):
    """Approve a commune's submitted report (officers of its province): it is locked for good."""
    return _transition(caller, report_approve, "Đã phê duyệt báo cáo quý {quarter} của {commune}.")


@bp.route("/reports/quarterly/return", methods=["POST"])
@declares(personal_data="write")
@page("report.approve")
def quarterly_return(caller: Caller):
    """Return a commune's submitted report with a reason (officers of its province): a draft again."""
    reason = request.form.get("reason", "").strip()[:1000]
    if not reason:
        flash("Trả lại báo cáo cần ghi lý do để xã sửa.", "error")
        code = (request.form.get("unit") or "").strip()[:5]
        return redirect(url_for(".quarterly_report", unit=code or None, quarter=request.form.get("quarter") or None))
    return _transition(caller, report_return, "Đã trả lại báo cáo quý {quarter} của {commune}.", reason=reason)
