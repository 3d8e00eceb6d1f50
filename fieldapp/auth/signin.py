"""The throttle of failed sign-ins, the same for every way of signing in with a phone and a
password: the API's bearer tokens (``POST /api/v1/auth/token``) and the console's sign-in form
(``POST /console/login``). Their failures are counted together, per account and per address, so the
console is not a second set of guesses."""
from __future__ import annotations

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from fieldapp.errors import AppError
from fieldapp.extensions import limiter
from fieldapp.phones import InvalidPhone, normalize_phone


def note_refused_sign_in() -> None:
    """Mark this request as a refused sign-in (wrong phone or password): the throttle counts it."""
    g.sign_in_refused = True


def _refused(_response) -> bool:
    return g.get("sign_in_refused", False)


def _account_key() -> str:
    """The account a sign-in is for: the phone as sent (JSON body or form), normalised if it can be."""
    body = request.get_json(silent=True)
    if body is None:
        body = request.form
    raw = str(body.get("phone", "")) if isinstance(body, dict) else ""
    try:
        return "login-account:" + normalize_phone(raw)
    except InvalidPhone:
        return "login-account:" + raw[:32]


def _address_key() -> str:
    # The client's address alone: not the limiter's usual key, which would count a request that
    # carries any bearer header (even a made-up one) apart from its address.
    return "login-address:" + (get_remote_address() or "-")


def _throttled(_limit):
    raise AppError("auth.throttled")


def sign_in_throttled(view):
    """Decorator for a sign-in view: too many refused sign-ins for one phone, or from one address,
    and every further attempt (even with the right password) gets ``auth.throttled`` (429 with
    Retry-After) until the window passes. A successful sign-in costs nothing."""
    view = limiter.shared_limit(lambda: current_app.config["LOGIN_FAILURES_PER_ADDRESS"],
                                scope="sign-in-address", key_func=_address_key, deduct_when=_refused,
                                on_breach=_throttled)(view)
    return limiter.shared_limit(lambda: current_app.config["LOGIN_FAILURES_PER_ACCOUNT"],
                                scope="sign-in-account", key_func=_account_key, deduct_when=_refused,
                                on_breach=_throttled)(view)
