"""Signing in and out of the console."""
from __future__ import annotations

from flask import redirect, request, session, url_for

from fieldapp.auth.declaration import declares
from fieldapp.auth.permissions import role_can
from fieldapp.auth.signin import sign_in_throttled
from fieldapp.console.base import SIGNED_OUT, VOLUNTEER_REFUSED, bp, console_caller, login_page, safe_next
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.services.tokens import console_session_issue, console_session_revoke, user_authenticate


@bp.route("/login", methods=["GET"])
@declares(personal_data="none")
def login_form():
    """The sign-in form (phone and password)."""
    if console_caller() is not None:
        return redirect(safe_next(request.args.get("next")) or url_for(".home"))
    return login_page(error=SIGNED_OUT if request.args.get("ended") else None,
                      next_page=safe_next(request.args.get("next")))


@bp.route("/login", methods=["POST"])
@declares(personal_data="write")
@sign_in_throttled
def login_submit():
    """Sign in: the API's check of phone and password, then a console session for the roles that have one."""
    phone, password = request.form.get("phone", "").strip()[:32], request.form.get("password", "")[:256]
    if not phone or not password:
        return login_page(error="Vui lòng nhập số điện thoại và mật khẩu.", phone=phone)
    try:
        user = user_authenticate(phone=phone, password=password)
    except AppError as error:  # wrong phone or password: counted by the throttle
        return login_page(error=error.message("vi"), phone=phone)
    if not role_can(user.role, "console.use"):
        return login_page(error=VOLUNTEER_REFUSED, phone=phone, status=403)
    previous = session.get("sid")
    if isinstance(previous, str):
        console_session_revoke(previous)  # signing in again ends the session this browser had
    issued = console_session_issue(user=user)
    db.session.commit()
    # A new cookie altogether: nothing of the anonymous session (its CSRF token) carries over.
    session.clear()
    session.permanent = True
    session["uid"], session["sid"] = user.id, issued.token
    return redirect(safe_next(request.form.get("next")) or url_for(".home"))


@bp.route("/logout", methods=["POST"])
@declares(personal_data="write")
def logout():
    """Sign out: the session ends on the server too (a copy of the cookie is worth nothing after)."""
    session_id = session.get("sid")
    if isinstance(session_id, str) and console_session_revoke(session_id):
        db.session.commit()
    session.clear()
    return redirect(url_for(".login_form"))
