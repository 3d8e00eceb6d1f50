"""Importing a commune's household list: upload the workbook, see the dry run's row errors (by their
codes, in Vietnamese), then import: the service ``POST /api/v1/households/import`` calls, all or nothing."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from fieldapp.auth.callers import Caller
from fieldapp.auth.declaration import declares
from fieldapp.console.base import bp, page, page_context
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.request_guard import import_body_allowed
from fieldapp.services.imports import households_import

#: The columns of the list, as mobile_contract/imports.md names them (shown beside the form).
COLUMNS = ("Mã hộ", "Thôn/xóm", "Địa chỉ", "Vĩ độ", "Kinh độ", "Hộ nghèo", "Dân tộc thiểu số", "Vùng sâu vùng xa",
           "Họ và tên", "Năm sinh", "Giới tính", "Số điện thoại", "Chủ hộ", "Khuyết tật", "Nhóm đối tượng")
FILE_REQUIRED = "chọn tệp danh sách (.xlsx hoặc .csv)"


@bp.before_app_request
def _larger_body_for_the_import():
    # Before the CSRF check reads the form (an app-wide before_request registered after this one).
    import_body_allowed("console.import_submit")


def _page(caller: Caller, *, report=None, errors=None, commune: str = "", status: int = 200):
    return render_template("console/import.html", report=report, errors=errors or {}, columns=COLUMNS,
                           commune=commune, **page_context(caller)), status


@bp.route("/import", methods=["GET"])
@declares(personal_data="none")
@page("household.import")
def import_form(caller: Caller):
    """The form: a household list to check (a dry run, nothing written) or to import."""
    return _page(caller)


@bp.route("/import", methods=["POST"])
@declares(personal_data="write")
@page("household.import")
def import_submit(caller: Caller):
    """Check the list (``action=check``: every row, nothing written) or import it (``action=import``: only a
    list without a single error is written)."""
    upload = request.files.get("file")
    commune = (request.form.get("commune") or "").strip()[:5]
    if upload is None or not upload.filename:
        return _page(caller, errors={"file": [FILE_REQUIRED]}, commune=commune, status=422)
    dry_run = request.form.get("action") != "import"
    try:
        report = households_import(caller=caller, commune_code=commune or caller.unit_code,
                                   filename=upload.filename, stream=upload.stream, dry_run=dry_run,
                                   allow_duplicates=request.form.get("allow_duplicates") == "1")
    except AppError as error:
        if error.status == 404:
            return _page(caller, errors={"commune": [error.message("vi")]}, commune=commune, status=422)
        if error.status != 413:
            raise
        return _page(caller, errors={"file": [error.message("vi")]}, commune=commune, status=413)
    if report.ok and not dry_run:
        db.session.commit()
        flash(f"Đã nhập {report.households} hộ, {report.persons} người từ tệp {upload.filename}.", "ok")
        return redirect(url_for(".import_form"))
    # A dry run wrote nothing, nor did a list with an error (the service writes only a list without one).
    return _page(caller, report=report, commune=commune, status=200 if report.ok else 422)
