"""The activity log: filters, each entry's detail, the latest signed checkpoint, and the server's
verification of the whole log (the offline verifier's, run on the database's own rows and keys)."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from flask import flash, redirect, render_template, request, url_for

from fieldapp.audit.sequencer import checkpoint_latest
from fieldapp.auth.callers import Caller
from fieldapp.auth.declaration import declares
from fieldapp.auth.scope import default_log_unit, unit_in_scope
from fieldapp.clock import VIETNAM
from fieldapp.console.base import bp, page, page_context
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.types import INT32
from fieldapp.selectors import paginate
from fieldapp.selectors.activity import activity_entry_get, activity_list_query, checkpoint_out
from fieldapp.services.activity import activity_log_verify

DATE_INVALID = "ngày không hợp lệ (chọn trong lịch, hoặc ghi năm-tháng-ngày)"
LOG_INVALID = "mã nhật ký là mã xã (5 chữ số), mã tỉnh (2 chữ số) hoặc VN"


def _log_unit(caller: Caller, source, errors: dict) -> str:
    """The log to read: the caller's own area's, or a commune's of it (a province's officer)."""
    chosen = (source.get("log") or "").strip()[:5]
    log_unit = chosen or default_log_unit(caller)
    if chosen and not (chosen == "VN" or (chosen.isdigit() and len(chosen) in (2, 5))):
        errors["log"] = [LOG_INVALID]
        return default_log_unit(caller)
    unit_in_scope(caller, log_unit)  # another area's log: not found (404), as GET /activity answers
    return log_unit


def _day(text: str | None, errors: dict, name: str) -> datetime | None:
    """A day of Vietnam (yyyy-mm-dd, as a date field sends it) as the instant it starts."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[name] = [DATE_INVALID]
        return None
    return datetime.combine(day, datetime.min.time(), VIETNAM)


@bp.route("/activity", methods=["GET"])
@declares(personal_data="none")  # ids and values, never names (mobile_contract/actions.md), as GET /activity
@page("activity.read")
def activity(caller: Caller):
    """Entries of my area's log, newest first, by actor, action, object and days; its latest checkpoint."""
    errors: dict[str, list[str]] = {}
    log_unit = _log_unit(caller, request.args, errors)
    page_number = min(max(request.args.get("page", 1, type=int), 1), INT32[1])
    actor = (request.args.get("actor_id") or "").strip()
    actor_id = int(actor) if actor.isdigit() and int(actor) <= INT32[1] else None
    if actor and actor_id is None:
        errors["actor_id"] = ["phải là một số (mã tài khoản)"]
    since = _day(request.args.get("since"), errors, "since")
    until = _day(request.args.get("until"), errors, "until")
    filters = {"action": (request.args.get("action") or "").strip()[:64] or None,
               "object_type": (request.args.get("object_type") or "").strip()[:32] or None,
               "object_id": (request.args.get("object_id") or "").strip()[:64] or None}
    query = activity_list_query(log_unit=log_unit, actor_id=actor_id, since=since,
                                until=until + timedelta(days=1) if until else None, **filters)
    result = paginate(query, page=page_number, per_page=None)
    checkpoint = checkpoint_latest(db.session, log_unit)
    args = {k: v for k, v in {"log": request.args.get("log"), "actor_id": actor or None,
                              "since": request.args.get("since"), "until": request.args.get("until"),
                              **filters}.items() if v}
    return render_template("console/activity.html", result=result, log_unit=log_unit, errors=errors,
                           checkpoint=checkpoint_out(checkpoint) if checkpoint else None, args=args,
                           form=request.args, **page_context(caller))


@bp.route("/activity/<int(max=2147483647):entry_id>", methods=["GET"])
@declares(personal_data="none")
@page("activity.read")
def activity_entry(caller: Caller, entry_id: int):
    """One entry of my area's log: who did what to which object, when, with its body and place in the log."""
    entry = activity_entry_get(caller=caller, entry_id=entry_id)
    body = json.dumps(json.loads(entry.body), ensure_ascii=False, indent=2, sort_keys=True)
    return render_template("console/activity_entry.html", entry=entry, body=body, log_unit=entry.log_unit,
                           **page_context(caller))


@bp.route("/activity/verify", methods=["POST"])
@declares(personal_data="write")
@page("activity.read")
def activity_verify(caller: Caller):
    """Verify my area's log on the server against a checkpoint signed now, and record the check."""
    errors: dict[str, list[str]] = {}
    log_unit = _log_unit(caller, request.form, errors)
    try:
        result = activity_log_verify(caller=caller, log_unit=log_unit)
    except AppError as error:
        if error.spec.code != "activity.log_empty":
            raise
        flash(error.message("vi"), "error")
        return redirect(url_for(".activity", log=request.form.get("log") or None))
    db.session.commit()
    if result.ok:
        flash(f"Nhật ký {log_unit} nguyên vẹn: {result.size} mục đã ký, mọi mã băm và chữ ký đều đúng, không thiếu, "
              f"không thừa, không bị sửa (điểm kiểm tra có gốc {result.root_hash[:16]}…).", "ok")
    else:
        flash(f"Nhật ký {log_unit} KHÔNG nguyên vẹn: {result.message}", "error")
    return redirect(url_for(".activity", log=request.form.get("log") or None))
