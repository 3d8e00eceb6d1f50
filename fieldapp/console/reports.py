"""Reports: the list of people supported, downloaded as CSV or Excel (the API's export, logged the
same), and the quarterly report of the reporting quarter, with its deadline."""
from __future__ import annotations

from datetime import timedelta

from flask import Response, render_template, request

from fieldapp.auth.callers import Caller
from fieldapp.auth.declaration import declares, reads
from fieldapp.clock import utcnow
from fieldapp.console.base import bp, page, page_context
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.periods import REPORT_CUTOFF_DAY, local_day, report_quarter_of
from fieldapp.selectors.support_records import support_records_query
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
    return render_template("console/reports.html", deadline=report_deadline(local_day(utcnow())),
                           **page_context(caller))


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
