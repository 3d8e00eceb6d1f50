"""What every page of the console shares: the blueprint, who is signed in, the page's frame, and the
errors shown as a Vietnamese page."""
from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from fieldapp.auth.callers import Caller
from fieldapp.auth.permissions import role_can
from fieldapp.errors import AppError, from_http_exception
from fieldapp.exports import vn_date
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


def safe_next(value: str | None) -> str | None:
    """A page of the console to come back to after signing in: a path under /console/, never another
    site (``//host``, a scheme) nor the sign-in page itself."""
    if not value or not value.startswith("/console/") or value.startswith("/console/login") \
            or "//" in value or "\\" in value or any(ord(c) < 32 for c in value):
        return None
    return value


def _coming_back_to() -> str | None:
    """Where the sign-in leads back to: this page (a GET), or the page whose form was sent (a POST:
    its Referer, when it is a page of the console); ``None`` for the dashboard, where it leads anyway."""
    if request.method == "GET":
        target = request.full_path.rstrip("?")
    else:
        referrer = urlsplit(request.referrer or "")
        same_site = not referrer.netloc or referrer.netloc == request.host
        target = (referrer.path + (f"?{referrer.query}" if referrer.query else "")) if same_site else ""
    target = safe_next(target)
    return None if target in (None, "/console/") else target


def signed_out_redirect(had_session: bool):
    """To the sign-in page, saying the session ended when there was one, and coming back here after."""
    return redirect(url_for(".login_form", ended=1 if had_session else None, next=_coming_back_to()))


def signed_in(view):
    """Decorator: the page needs a live console session; without one, the sign-in page (which leads
    back to this page once signed in)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        had_session = "sid" in session
        caller = console_caller()
        if caller is None:
            return signed_out_redirect(had_session)
        g.caller = caller  # as the API's current_caller does: the declared reads are logged for it
        return view(caller, *args, **kwargs)

    return wrapper


def page(verb: str):
    """Decorator: a signed-in page whose role must hold ``verb`` (the API's verb for the same read or
    write); another role gets the 403 page, as the API answers it."""

    def decorator(view):
        @functools.wraps(view)
        def checked(caller: Caller, *args, **kwargs):
            if not role_can(caller.role, verb):
                raise AppError("auth.forbidden")
            return view(caller, *args, **kwargs)

        checked.verb = verb
        return signed_in(checked)

    return decorator


#: The pages in the menu, each shown to the roles that hold its verb.
NAV = (("console.home", "Tổng quan", "console.use"),
       ("console.households", "Hộ gia đình", "household.read"),
       ("console.teams", "Tổ và tài khoản", "team.read"),
       ("console.import_form", "Nhập danh sách hộ", "household.import"),
       ("console.reviews", "Duyệt minh chứng", "evidence.review"),
       ("console.activity", "Nhật ký hoạt động", "activity.read"),
       ("console.reports", "Báo cáo", "support_record.read"))


@bp.app_template_filter("vn_datetime")
def _vn_datetime(moment) -> str:
    """dd/mm/yyyy hh:mm in Vietnam's time (a date alone: dd/mm/yyyy), as the exports write them."""
    return vn_date(moment)


@bp.before_request
def _vietnamese():
    g.page_language = "vi"  # the catalogue's messages (an import's row errors) in Vietnamese, whatever the browser


def login_page(*, error: str | None = None, phone: str = "", status: int = 200, headers=None,
               next_page: str | None = None):
    next_page = next_page or safe_next(request.form.get("next") or request.args.get("next"))
    return render_template("console/login.html", error=error, phone=phone, next_page=next_page), status, \
        headers or {}


def page_context(caller: Caller) -> dict:
    user = db.session.get(User, caller.user_id)
    nav = [(endpoint, label) for endpoint, label, verb in NAV
           if role_can(caller.role, verb) and endpoint in current_app.view_functions]
    return {"user": user, "role_name": ROLE_VI[user.role], "caller": caller, "nav": nav,
            "can": lambda verb: role_can(caller.role, verb), "errors_for": errors_for,
            "area_name": user.unit.name if user.unit is not None else "Toàn quốc"}


def errors_for(errors: dict, prefix: str) -> dict:
    """The errors of one form among several on a page (their names prefixed ``prefix``), unprefixed."""
    return {name[len(prefix):]: messages for name, messages in errors.items() if name.startswith(prefix)}


def field_errors(error: AppError) -> dict[str, list[str]]:
    """The error's messages by field, in Vietnamese (the services' :class:`FieldMessage`, or plain text)."""
    found: dict[str, list[str]] = {}
    for name, messages in (error.errors or {}).items():
        if not isinstance(messages, list):
            continue
        found[name] = [getattr(m, "vi", None) or str(m) for m in messages]
    return found


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
        had_session = "sid" in session
        if request.endpoint not in ("console.login_submit", "console.logout") and console_caller() is None:
            # The session ended (its cookie expired with the form's token): sign in, then back to the page.
            return signed_out_redirect(had_session)
        return _error_page(CSRF_REFUSED, 400)
    app_error = from_http_exception(error)  # the API's catalogue code and headers (Retry-After, Allow)
    return _error_page(app_error.message("vi"), error.code or app_error.status, app_error.headers)
