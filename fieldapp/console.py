"""The commune console: server-rendered pages, in Vietnamese, for team leaders and officers.

Signing in is the API's: the same check of phone and password and the same throttle of failures
(:func:`~fieldapp.services.tokens.user_authenticate`, :func:`~fieldapp.auth.signin.sign_in_throttled`).
The session is a server-side record like a bearer token (:class:`~fieldapp.models.tokens.AuthToken`
of kind ``console``: stored hashed, expiring, revoked on sign-out, dead with a disabled account),
whose id sits in Flask's signed session cookie with the account's id; both are checked on every
request. Reads go through the same scoped selectors as the API. Every form carries a CSRF token
(:data:`fieldapp.extensions.csrf`); the headers come from :mod:`fieldapp.pages`.
"""
from __future__ import annotations

import functools

from flask import g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from fieldapp.auth.callers import Caller
from fieldapp.auth.declaration import declares, list_read_body, reads
from fieldapp.auth.permissions import role_can
from fieldapp.auth.signin import sign_in_throttled
from fieldapp.errors import AppError, from_http_exception
from fieldapp.extensions import db
from fieldapp.models.evidence import EvidenceStatus
from fieldapp.models.types import INT32
from fieldapp.models.users import Role, User
from fieldapp.pages import CONSOLE_CSP, page_blueprint
from fieldapp.selectors import count_of, paginate
from fieldapp.selectors.checkins import checkin_status_counts
from fieldapp.selectors.households import household_list_query
from fieldapp.selectors.persons import person_list_query
from fieldapp.selectors.support_records import HEADERS, support_records_query, support_rows
from fieldapp.selectors.tokens import caller_from_console_session
from fieldapp.services.activity import personal_data_read_record
from fieldapp.services.tokens import console_session_issue, console_session_revoke, user_authenticate

bp = page_blueprint("console", __name__, url_prefix="/console", csp=CONSOLE_CSP,
                    referrer_policy="same-origin")

#: Who works in the console. Volunteers work from the phone app (their reads are their own doors).
ROLE_VI = {Role.volunteer: "Tình nguyện viên", Role.team_leader: "Tổ trưởng",
           Role.commune_officer: "Cán bộ xã", Role.province_officer: "Cán bộ tỉnh",
           Role.admin: "Quản trị hệ thống"}
VOLUNTEER_REFUSED = ("Tài khoản tình nguyện viên không dùng trang quản lý: vui lòng đăng nhập bằng ứng dụng "
                     "Bình dân học vụ số trên điện thoại.")
CSRF_REFUSED = ("Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ, nên yêu cầu không được thực hiện. "
                "Vui lòng tải lại trang rồi thử lại.")
SIGNED_OUT = "Phiên làm việc đã kết thúc, vui lòng đăng nhập lại."


def console_caller() -> Caller | None:
    """The caller of this console request, from the session cookie; ``None`` when there is no
    session, or it expired, was signed out, its account was disabled or no longer has a console role
    (then the cookie is cleared)."""
    session_id, user_id = session.get("sid"), session.get("uid")
    if not isinstance(session_id, str) or not isinstance(user_id, int):
        return None
    caller = caller_from_console_session(session_id, user_id=user_id)
    if caller is None or not role_can(caller.role, "console.use"):
        session.clear()
        return None
    return caller


def signed_in(view):
    """Decorator: the page needs a live console session; without one, the sign-in page."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        had_session = "sid" in session
        caller = console_caller()
        if caller is None:
            return redirect(url_for(".login_form", ended=1 if had_session else None))
        g.caller = caller  # as the API's current_caller does: the declared reads are logged for it
        return view(caller, *args, **kwargs)

    return wrapper


def _login_page(*, error: str | None = None, phone: str = "", status: int = 200, headers=None):
    return render_template("console/login.html", error=error, phone=phone), status, headers or {}


@bp.route("/login", methods=["GET"])
@declares(personal_data="none")
def login_form():
    """The sign-in form (phone and password)."""
    if console_caller() is not None:
        return redirect(url_for(".home"))
    return _login_page(error=SIGNED_OUT if request.args.get("ended") else None)


@bp.route("/login", methods=["POST"])
@declares(personal_data="write")
@sign_in_throttled
def login_submit():
    """Sign in: the API's check of phone and password, then a console session for the roles that have one."""
    phone, password = request.form.get("phone", "").strip()[:32], request.form.get("password", "")[:256]
    if not phone or not password:
        return _login_page(error="Vui lòng nhập số điện thoại và mật khẩu.", phone=phone)
    try:
        user = user_authenticate(phone=phone, password=password)
    except AppError as error:  # wrong phone or password: counted by the throttle
        return _login_page(error=error.message("vi"), phone=phone)
    if not role_can(user.role, "console.use"):
        return _login_page(error=VOLUNTEER_REFUSED, phone=phone, status=403)
    previous = session.get("sid")
    if isinstance(previous, str):
        console_session_revoke(previous)  # signing in again ends the session this browser had
    issued = console_session_issue(user=user)
    db.session.commit()
    # A new cookie altogether: nothing of the anonymous session (its CSRF token) carries over.
    session.clear()
    session.permanent = True
    session["uid"], session["sid"] = user.id, issued.token
    return redirect(url_for(".home"))


@bp.route("/logout", methods=["POST"])
@declares(personal_data="write")
def logout():
    """Sign out: the session ends on the server too (a copy of the cookie is worth nothing after)."""
    session_id = session.get("sid")
    if isinstance(session_id, str) and console_session_revoke(session_id):
        db.session.commit()
    session.clear()
    return redirect(url_for(".login_form"))


def _page_context(caller: Caller) -> dict:
    user = db.session.get(User, caller.user_id)
    return {"user": user, "role_name": ROLE_VI[user.role],
            "area_name": user.unit.name if user.unit is not None else "Toàn quốc"}


@bp.route("/", methods=["GET"])
@declares(personal_data="none")  # counts only
@signed_in
def home(caller: Caller):
    """The caller's area and its figures, each read through the API's scoped selector."""
    checkins = checkin_status_counts(caller=caller)
    figures = {
        "households": count_of(household_list_query(caller=caller)),
        "digital_families": count_of(household_list_query(caller=caller, digital_family=True)),
        "people": count_of(person_list_query(caller=caller)),
        "checkins_counted": checkins[EvidenceStatus.counted],
        "checkins_held": checkins[EvidenceStatus.held],
        "checkins_rejected": checkins[EvidenceStatus.rejected],
        "support_records": count_of(support_records_query(caller=caller)),
        "support_records_held": count_of(support_records_query(caller=caller, evidence_status=EvidenceStatus.held)),
        "support_records_verified": count_of(support_records_query(caller=caller, verified_only=True)),
    }
    return render_template("console/home.html", figures=figures, **_page_context(caller))


@bp.route("/support-records", methods=["GET"])
@declares(personal_data=reads("support_record_list"))
@signed_in
def support_records(caller: Caller):
    """The list of people supported, a page at a time, as ``GET /api/v1/support-records`` gives it."""
    # 1 .. 2**31-1 as in the API: a huge page number overflowed the query's OFFSET (500)
    page = min(max(request.args.get("page", 1, type=int), 1), INT32[1])
    verified_only = request.args.get("verified") == "1"
    result = paginate(support_records_query(caller=caller, verified_only=verified_only), page=page,
                      per_page=None)
    rows = support_rows(result["items"], start=(page - 1) * result["per_page"] + 1)
    # The entry GET /api/v1/support-records leaves for the same page (the declaration alone cannot
    # see which records a rendered page showed).
    personal_data_read_record(caller=caller, object_type="support_record_list", object_id="list",
                              log_unit=caller.unit_code,
                              body=list_read_body(ids=[r.id for r in result["items"]], total=result["total"],
                                                  page=page))
    db.session.commit()
    return render_template("console/support_records.html", headers=HEADERS, rows=rows, result=result,
                           verified_only=verified_only, **_page_context(caller))


def _error_page(message: str, status: int, headers=None):
    if request.endpoint == "console.login_submit":  # a refused sign-in stays on the form (e.g. throttled)
        return _login_page(error=message, phone=request.form.get("phone", "")[:32], status=status,
                           headers=headers)
    return render_template("console/error.html", message=message, status=status), status, headers or {}


@bp.errorhandler(AppError)
def _app_error(error: AppError):
    return _error_page(error.message("vi"), error.status, error.headers)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    """Werkzeug's errors, flask-limiter's 429 and Flask-WTF's refused CSRF token, as a Vietnamese page."""
    if isinstance(error, CSRFError):
        return _error_page(CSRF_REFUSED, 400)
    app_error = from_http_exception(error)  # the API's catalogue code and headers (Retry-After, Allow)
    return _error_page(app_error.message("vi"), error.code or app_error.status, app_error.headers)
