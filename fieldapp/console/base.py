"""What every page of the console shares: the blueprint, who is signed in, the page's frame, and the
errors shown as a Vietnamese page."""
from __future__ import annotations

import functools

from flask import g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from fieldapp.auth.callers import Caller
from fieldapp.auth.permissions import role_can
from fieldapp.errors import AppError, from_http_exception
from fieldapp.extensions import db
from fieldapp.models.users import Role, User
from fieldapp.pages import CONSOLE_CSP, page_blueprint
from fieldapp.selectors.tokens import caller_from_console_session

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


def login_page(*, error: str | None = None, phone: str = "", status: int = 200, headers=None):
    return render_template("console/login.html", error=error, phone=phone), status, headers or {}


def page_context(caller: Caller) -> dict:
    user = db.session.get(User, caller.user_id)
    return {"user": user, "role_name": ROLE_VI[user.role],
            "area_name": user.unit.name if user.unit is not None else "Toàn quốc"}


def _error_page(message: str, status: int, headers=None):
    if request.endpoint == "console.login_submit":  # a refused sign-in stays on the form (e.g. throttled)
        return login_page(error=message, phone=request.form.get("phone", "")[:32], status=status,
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
