"""The quarterly report of a commune (báo cáo quý): its figures and workbook, its lifecycle (submitted by the
commune, approved or returned by the province), and the communes' statuses (mobile_contract/reports.md)."""
from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldapp.api.activity import CheckpointOut
from fieldapp.api.indicators import IndicatorFigureOut, PeriodOut
from fieldapp.api.schemas import CommuneCode, Integer, Text, UTCDateTime
from fieldapp.auth.access import current_caller, requires
from fieldapp.auth.declaration import reads
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.exports import csv_bytes, xlsx_book
from fieldapp.extensions import db
from fieldapp.models.indicators import INDICATORS
from fieldapp.models.reports import ReportStatus
from fieldapp.periods import (
    PeriodError,
    local_day,
    report_due,
    report_quarter_label,
    report_quarter_named,
    report_quarter_of,
)
from fieldapp.replicas.operations import replica_read
from fieldapp.selectors.reports import (
    INDICATOR_HEADERS,
    ambassador_results,
    indicator_rows,
    organisation_results,
    report_commune_get,
    report_sheets,
    report_status_list,
    team_results,
)
from fieldapp.services.reports import report_approve, report_read, report_return, report_submit

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports",
                description="The quarterly report of a commune, its submission and approval "
                            "(mobile_contract/reports.md).")

QUARTER = ("The reporting quarter, `2026-Q3`. Its days are not the calendar quarter's: the report is due \"trước ngày "
           "10 tháng cuối mỗi Quý\", so the report of Q3 2026 covers 10/06/2026 to 09/09/2026 (Vietnam's days, "
           "Asia/Ho_Chi_Minh; GET /indicators calls this period `2026-R3`) and is due before 10/09/2026 00:00, "
           "Vietnam's time. Each quarter runs from the 10th of the previous quarter's last month to the 9th of its "
           "own last month: Q1 from 10 December of the year before to 9 March, Q2 from 10 March to 9 June, Q3 from "
           "10 June to 9 September, Q4 from 10 September to 9 December. Every day is in exactly one. Years 2021 to "
           "2035.")
#: The years periods may be of (fieldapp/periods.py): every quarter the pattern allows is read.
_QUARTER_FIELD = {"validate": validate.Regexp(r"^20(2[1-9]|3[0-5])-Q[1-4]$"), "metadata": {"description": QUARTER}}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _quarter(text: str, field: str = "quarter"):
    try:
        return report_quarter_named(text)
    except PeriodError:
        raise AppError("request.invalid", errors={field: ["`2026-Q3`: a year from 2021 to 2035, a quarter 1–4"]}) \
            from None


class ReportQuery(Schema):
    unit = CommuneCode(required=True, metadata={
        "description": "a commune of my area (a province officer: any commune of the province)"})
    quarter = fields.String(required=True, **_QUARTER_FIELD)
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]), metadata={
        "description": "`xlsx`: the workbook (every sheet); `csv`: the indicators sheet only; `json`: the figures"})


class StatusQuery(Schema):
    unit = fields.String(load_default=None, validate=validate.Regexp(r"^\d{2}(\d{3})?$"), metadata={
        "description": "a province (2 digits: its communes) or a commune (5 digits) of my area; default: my own"})
    quarter = fields.String(load_default=None, **{**_QUARTER_FIELD, "metadata": {
        "description": "default: the reporting quarter today is in (the one due next). " + QUARTER}})


class TransitionIn(Schema):
    commune_code = CommuneCode(required=True, metadata={"description": "the commune whose report it is"})
    quarter = fields.String(required=True, **_QUARTER_FIELD)


class ReturnIn(TransitionIn):
    reason = Text(required=True, max_length=500, metadata={"description": "why, for the commune to act on"})


class LifecycleOut(Schema):
    commune_code = fields.String(required=True)
    quarter = fields.String(required=True, metadata={"example": "2026-Q3"})
    period = fields.Nested(PeriodOut, required=True, metadata={"description": "its days (`2026-R3`)"})
    due_before = fields.Date(required=True, metadata={
        "description": "the 10th of the quarter's last month: late from its midnight, Vietnam's time"})
    status = fields.Enum(ReportStatus, by_value=True, required=True, metadata={
        "description": "`draft` (not submitted, or returned), `submitted` (frozen, awaiting the province), "
                       "`approved` (locked for good)"})
    returned = fields.Boolean(required=True, metadata={"description": "a draft the province returned"})
    submitted_at = UTCDateTime(required=True, allow_none=True)
    submitted_by = Integer(required=True, allow_none=True)
    approved_at = UTCDateTime(required=True, allow_none=True)
    approved_by = Integer(required=True, allow_none=True)
    returned_at = UTCDateTime(required=True, allow_none=True)
    returned_by = Integer(required=True, allow_none=True)
    return_reason = fields.String(required=True, allow_none=True)
    snapshot_sha256 = fields.String(required=True, allow_none=True, metadata={
        "description": "SHA-256 of the frozen figures, as the submission's activity-log entry holds it"})


class TeamResultOut(Schema):
    team_id = Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, allow_none=True)
    village_id = Integer(required=True, allow_none=True)
    leader_id = Integer(required=True, allow_none=True)
    members = Integer(required=True)
    support_records = Integer(required=True, metadata={"description": "counted, on the quarter's days"})
    people_reached = Integer(required=True, metadata={"description": "unique people with a counted record"})
    visits = Integer(required=True, metadata={"description": "counted visits by its members"})
    held_back = Integer(required=True, metadata={"description": "support records held back for review"})


class OrganisationResultOut(Schema):
    organisation_id = Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, allow_none=True)
    members = Integer(required=True)
    members_finished = Integer(required=True, metadata={"description": "members holding the basic skills"})
    share = fields.Float(required=True, allow_none=True)
    held_back = Integer(required=True)


class AmbassadorResultOut(Schema):
    user_id = Integer(required=True)
    full_name = fields.String(required=True)
    origin = fields.String(required=True, allow_none=True)
    active = Integer(required=True)
    completed = Integer(required=True)
    counted = Integer(required=True)
    meets_target = fields.Boolean(required=True, metadata={"description": "at least 5 mentees (the ≥5 rule)"})
    lacking = Integer(required=True)


class FigureValuesOut(Schema):
    numerator = Integer(required=True)
    denominator = Integer(required=True, allow_none=True)
    held_back = Integer(required=True, allow_none=True)


class LateFigureOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    flow = fields.Boolean(required=True, metadata={
        "description": "true: it counts the quarter's days, and a change is evidence recorded late; false: a "
                       "state (skills, Digital Families, mentors), whose change is progress since"})
    frozen = fields.Nested(FigureValuesOut, required=True)
    live = fields.Nested(FigureValuesOut, required=True)
    numerator_change = Integer(required=True)
    denominator_change = Integer(required=True, allow_none=True)


class LateOut(Schema):
    figures = fields.List(fields.Nested(LateFigureOut), required=True)
    added_support_record_ids = fields.List(Integer(), required=True, metadata={
        "description": "support records counted now for the quarter's days, not in the frozen list"})
    withdrawn_support_record_ids = fields.List(Integer(), required=True, metadata={
        "description": "support records of the frozen list that no longer count"})


class ReportOut(LifecycleOut):
    commune_name = fields.String(required=True)
    frozen = fields.Boolean(required=True, metadata={"description": "its figures are those its submission froze"})
    computed_at = UTCDateTime(required=True, metadata={"description": "when its figures were computed"})
    figures = fields.List(fields.Nested(IndicatorFigureOut), required=True, metadata={
        "description": "the indicators against targets, as GET /indicators?unit=&period=2026-R3 (frozen ones: then)"})
    teams = fields.List(fields.Nested(TeamResultOut), required=True)
    organisations = fields.List(fields.Nested(OrganisationResultOut), required=True)
    ambassadors = fields.List(fields.Nested(AmbassadorResultOut), required=True)
    support_records = Integer(required=True, metadata={
        "description": "rows of its list of people supported (the workbook lists them)"})
    checkpoint = fields.Nested(CheckpointOut, required=True, metadata={
        "description": "the signed checkpoint of the commune's log its figures were computed against"})
    current_checkpoint = fields.Nested(CheckpointOut, required=True, metadata={
        "description": "the checkpoint signed for this answer (a draft's figures: the same)"})
    late = fields.Nested(LateOut, required=True, allow_none=True, metadata={
        "description": "a frozen report: what changed since (live − frozen); null for a draft"})


class CommuneStatusOut(Schema):
    commune_code = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.Enum(ReportStatus, by_value=True, required=True)
    returned = fields.Boolean(required=True)
    return_reason = fields.String(required=True, allow_none=True)
    submitted_at = UTCDateTime(required=True, allow_none=True)
    submitted_late = fields.Boolean(required=True, allow_none=True, metadata={
        "description": "submitted on or after the due day; null while not submitted"})
    approved_at = UTCDateTime(required=True, allow_none=True)
    due_before = fields.Date(required=True, metadata={"description": "the quarter's due day (the list's)"})
    days_left = Integer(required=True, metadata={"description": "the list's `days_left`"})
    overdue = fields.Boolean(required=True, metadata={"description": "not submitted, and the due day has come"})


class StatusCountsOut(Schema):
    draft = Integer(required=True)
    submitted = Integer(required=True)
    approved = Integer(required=True)


class StatusListOut(Schema):
    unit_code = fields.String(required=True)
    quarter = fields.String(required=True)
    period = fields.Nested(PeriodOut, required=True)
    due_before = fields.Date(required=True, metadata={"description": "the 10th of the quarter's last month"})
    due_at = fields.DateTime(required=True, metadata={"description": "its midnight, Vietnam's time: late from then"})
    days_left = Integer(required=True, metadata={
        "description": "days until the due day (Vietnam's): 1 on the last day to submit, 0 or less once late"})
    overdue = fields.Boolean(required=True, metadata={"description": "the due day has come"})
    counts = fields.Nested(StatusCountsOut, required=True)
    not_submitted = fields.List(fields.String(), required=True, metadata={
        "description": "the communes still in draft, as they come first in `communes`"})
    communes = fields.List(fields.Nested(CommuneStatusOut), required=True, metadata={
        "description": "not submitted first (returned ones before the others), then awaiting approval, then "
                       "approved; by code within each"})


def _lifecycle(commune_code: str, period, record) -> dict:
    status = ReportStatus.draft if record is None else ReportStatus(record.status)

    def value(name):
        return None if record is None else getattr(record, name)

    returned = status == ReportStatus.draft and value("returned_at") is not None
    return {"commune_code": commune_code, "quarter": report_quarter_label(period), "period": period,
            "due_before": report_due(period), "status": status, "returned": returned,
            **{name: value(name) for name in ("submitted_at", "submitted_by", "approved_at", "approved_by",
                                              "returned_at", "returned_by", "return_reason")},
            "snapshot_sha256": value("snapshot_sha256") if status != ReportStatus.draft else None}


def _report_out(view) -> dict:
    figures = [{**f, "name": INDICATORS[f["code"]].name, "kind": INDICATORS[f["code"]].kind}
               for f in view.contents["indicators"]]
    late = None
    if view.late is not None:
        late = {"figures": [{**f, "name": INDICATORS[f["code"]].name} for f in view.late.figures],
                "added_support_record_ids": view.late.added_ids,
                "withdrawn_support_record_ids": view.late.withdrawn_ids}
    return {**_lifecycle(view.commune.code, view.period, view.record), "commune_name": view.commune.name,
            "frozen": view.frozen, "computed_at": view.computed_at, "figures": figures,
            "teams": team_results(view), "organisations": organisation_results(view),
            "ambassadors": ambassador_results(view), "support_records": len(view.contents["support_record_ids"]),
            "checkpoint": view.checkpoint, "current_checkpoint": view.current_checkpoint, "late": late}


@blp.route("/quarterly", methods=["GET"])
@requires("report.read", personal_data=reads("quarterly_report"))
@blp.arguments(ReportQuery, location="query")
@blp.response(200, ReportOut, description="`format=xlsx`: the workbook; `format=csv`: its indicators sheet.")
@blp.doc(responses={"200": {"content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/ReportOut"}},
    "text/csv": {"schema": {"type": "string", "description": "UTF-8 with BOM: the indicators sheet only"}},
    XLSX: {"schema": {"type": "string", "format": "binary"}}}}})
def quarterly_report(args):
    """The quarterly report of a commune of my area: indicators against targets, the people supported, teams,
    organisations, ambassadors, and the activity-log checkpoint the figures were computed against."""
    caller = current_caller()
    commune = report_commune_get(caller=caller, code=args["unit"])
    period = _quarter(args["quarter"])
    fmt = args["format"]
    view = report_read(caller=caller, commune=commune, period=period, fmt=fmt)
    db.session.commit()
    if fmt == "json":
        return _report_out(view)
    name = f"bao-cao-quy-{commune.code}-{view.quarter}"
    if fmt == "csv":
        return Response(csv_bytes(INDICATOR_HEADERS, indicator_rows(view)), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(xlsx_book(report_sheets(view, caller=caller)), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


@blp.route("/quarterly/status", methods=["GET"])
@requires("report.read", personal_data="none")
@replica_read
@blp.arguments(StatusQuery, location="query")
@blp.response(200, StatusListOut)
def quarterly_report_status(args):
    """Each commune's report of a quarter (a province's communes, or one), its due date and the days left:
    those not submitted first."""
    caller = current_caller()
    period = _quarter(args["quarter"]) if args["quarter"] else report_quarter_of(local_day(utcnow()))
    listed = report_status_list(caller=caller, code=args["unit"], period=period)
    return {"unit_code": listed.unit.code, "quarter": listed.quarter, "period": period,
            "due_before": listed.due_before, "due_at": listed.due_at, "days_left": listed.days_left,
            "overdue": listed.days_left <= 0,
            "counts": {status.value: listed.count(status) for status in ReportStatus},
            "not_submitted": listed.not_submitted,
            "communes": [{"commune_code": row.commune.code, "name": row.commune.name, "status": row.status,
                          "returned": row.returned,
                          "return_reason": row.record.return_reason if row.returned else None,
                          "submitted_at": row.record.submitted_at if row.status != ReportStatus.draft else None,
                          "submitted_late": row.submitted_late,
                          "approved_at": row.record.approved_at if row.status == ReportStatus.approved else None,
                          "due_before": listed.due_before, "days_left": listed.days_left,
                          "overdue": row.status == ReportStatus.draft and listed.days_left <= 0}
                         for row in listed.communes]}


def _transition(body, act, **extra):
    caller = current_caller()
    commune = report_commune_get(caller=caller, code=body["commune_code"])
    period = _quarter(body["quarter"])
    record = act(caller=caller, commune=commune, period=period, **extra)
    db.session.commit()
    return _lifecycle(commune.code, period, record)


@blp.route("/quarterly/submit", methods=["POST"])
@requires("report.submit", personal_data="write")
@blp.arguments(TransitionIn)
@blp.response(200, LifecycleOut)
def quarterly_report_submit(body):
    """Submit my commune's report of a quarter (its officers): its figures are frozen, with the checkpoint of
    the commune's activity log they were computed against, until the province approves or returns it."""
    return _transition(body, report_submit)


@blp.route("/quarterly/approve", methods=["POST"])
@requires("report.approve", personal_data="write")
@blp.arguments(TransitionIn)
@blp.response(200, LifecycleOut)
def quarterly_report_approve(body):
    """Approve a commune's submitted report (officers of its province): it is locked, its figures for good."""
    return _transition(body, report_approve)


@blp.route("/quarterly/return", methods=["POST"])
@requires("report.approve", personal_data="write")
@blp.arguments(ReturnIn)
@blp.response(200, LifecycleOut)
def quarterly_report_return(body):
    """Return a commune's submitted report with a reason (officers of its province): it is a draft again."""
    return _transition(body, report_return, reason=body["reason"])
