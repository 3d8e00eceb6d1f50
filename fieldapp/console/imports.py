"""Importing a commune's household list in one upload: the workbook is checked (the dry run's row errors,
by their codes, in Vietnamese) and, when it has none, kept; "Nhập" then imports exactly the file that was
checked, once, without choosing it again (fieldapp/services/imports/kept.py). The same service as
``POST /api/v1/households/import``: all or nothing."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for

from fieldapp.auth.callers import Caller
from fieldapp.auth.declaration import declares
from fieldapp.clock import utcnow
from fieldapp.console.base import bp, page, page_context
from fieldapp.errors import AppError
from fieldapp.exports import vn_date
from fieldapp.extensions import db
from fieldapp.request_guard import import_body_allowed
from fieldapp.services.imports.kept import Kept, households_check_and_keep, kept_import_get, kept_import_run

#: The columns of the list, as mobile_contract/imports.md names them (shown beside the form).
COLUMNS = ("Mã hộ", "Thôn/xóm", "Địa chỉ", "Vĩ độ", "Kinh độ", "Hộ nghèo", "Dân tộc thiểu số", "Vùng sâu vùng xa",
           "Họ và tên", "Năm sinh", "Giới tính", "Số điện thoại", "Chủ hộ", "Khuyết tật", "Nhóm đối tượng")
FILE_REQUIRED = "chọn tệp danh sách (.xlsx hoặc .csv)"
CHECK_FIRST = "chưa có tệp nào được kiểm tra: chọn tệp rồi bấm “Kiểm tra tệp” trước khi nhập"
IMPORTED = "Đã nhập {households} hộ, {persons} người từ tệp {filename}."
ALREADY_IMPORTED = ("Tệp {filename} đã được nhập lúc {when} ({households} hộ, {persons} người); "
                    "không nhập lại lần nữa.")


@bp.before_app_request
def _larger_body_for_the_import():
    # Before the CSRF check reads the form (an app-wide before_request registered after this one).
    import_body_allowed("console.import_submit")


#: Where the page keeps the token of this session's kept list (Flask's signed session cookie): the token
#: never goes into a URL (logs, history, Referer), and a reload of the page shows the kept list again.
KEPT_TOKEN = "kept_import"


def _page(caller: Caller, *, report=None, kept=None, errors=None, commune: str = "", status: int = 200):
    return render_template("console/import.html", report=report, kept=kept, errors=errors or {}, columns=COLUMNS,
                           commune=commune, **page_context(caller)), status


def _kept_in_session(caller: Caller) -> Kept | None:
    """This session's list checked clean and not yet imported nor expired, if any."""
    token = session.get(KEPT_TOKEN)
    if not isinstance(token, str):
        return None
    try:
        kept = kept_import_get(caller=caller, token=token)
    except AppError:
        kept = None
    if kept is None or kept.imported_at is not None or kept.expires_at <= utcnow():
        session.pop(KEPT_TOKEN, None)
        return None
    return Kept(token=token, kept=kept)


@bp.route("/import", methods=["GET"])
@declares(personal_data="none")
@page("household.import")
def import_form(caller: Caller):
    """The form: a household list to check; a list this session checked clean, ready to import."""
    return _page(caller, kept=_kept_in_session(caller))


@bp.route("/import", methods=["POST"])
@declares(personal_data="write")
@page("household.import")
def import_submit(caller: Caller):
    """Check the list: every row, nothing written to the registry; a list without a single error is kept
    (30 minutes, for this account) so that it is imported without being chosen again."""
    upload = request.files.get("file")
    commune = (request.form.get("commune") or "").strip()[:5]
    if upload is None or not upload.filename:
        return _page(caller, errors={"file": [FILE_REQUIRED]}, commune=commune, status=422)
    try:
        report, kept = households_check_and_keep(caller=caller, commune_code=commune or caller.unit_code,
                                                 filename=upload.filename, stream=upload.stream,
                                                 allow_duplicates=request.form.get("allow_duplicates") == "1")
    except AppError as error:
        if error.status == 404:
            return _page(caller, errors={"commune": [error.message("vi")]}, commune=commune, status=422)
        if error.status != 413:
            raise
        return _page(caller, errors={"file": [error.message("vi")]}, commune=commune, status=413)
    if kept is None:  # row errors: nothing kept, nothing written; the errors on the page
        session.pop(KEPT_TOKEN, None)
        return _page(caller, report=report, commune=commune, status=422)
    db.session.commit()  # the kept list and its log entry; the registry is untouched
    session[KEPT_TOKEN] = kept.token
    return redirect(url_for(".import_form"))  # a reload does not send the file again


@bp.route("/import/confirm", methods=["POST"])
@declares(personal_data="write")
@page("household.import")
def import_confirm(caller: Caller):
    """Import the list this account checked and the page kept (its token), exactly as checked, once."""
    token = (request.form.get("token") or "").strip()[:128]
    if not token:
        return _page(caller, errors={"file": [CHECK_FIRST]}, status=422)
    try:
        run = kept_import_run(caller=caller, token=token,
                              expected_sha256=(request.form.get("sha256") or "").strip()[:64] or None)
    except AppError as error:
        if error.status not in (404, 409, 410):
            raise
        session.pop(KEPT_TOKEN, None)
        return _page(caller, errors={"file": [error.message("vi")]}, status=error.status)
    kept = run.kept
    session.pop(KEPT_TOKEN, None)
    if run.replayed:  # a second click or a retried request: the first import's answer, nothing imported again
        flash(ALREADY_IMPORTED.format(filename=kept.filename, when=vn_date(kept.imported_at),
                                      households=kept.households, persons=kept.persons), "ok")
        return redirect(url_for(".import_form"))
    if not run.report.ok:  # the registry changed since the check (e.g. the same people imported meanwhile)
        db.session.rollback()  # the claim goes with it: nothing was written
        return _page(caller, report=run.report, status=422)
    db.session.commit()
    flash(IMPORTED.format(households=run.report.households, persons=run.report.persons, filename=kept.filename), "ok")
    return redirect(url_for(".import_form"))
