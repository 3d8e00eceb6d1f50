"""The throttle of failed sign-ins, the same for every way of signing in with a phone and a
password: the API's bearer tokens (``POST /api/v1/auth/token``) and the console's sign-in form
(``POST /console/login``). Their failures are counted together, so the console is not a second set
of guesses.

Three counts, each of refused sign-ins only:

- per account *and* address (``LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS``, 5 per 15 minutes): slows a
  guesser at one address down without locking the owner out elsewhere. A per-account count this low
  would let anyone who knows a volunteer's phone number keep them out from any address;
- per account (``LOGIN_FAILURES_PER_ACCOUNT``, 100 per hour): the ceiling for guesses spread over
  many addresses (OWASP ASVS 4.0 2.2.1: no more than 100 failed attempts per hour on one account);
- per address (``LOGIN_FAILURES_PER_ADDRESS``, 30 per 15 minutes): one address trying many phones.
"""
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


def _phone() -> str:
    """The account a sign-in is for: the phone as sent (JSON body or form), normalised if it can be."""
    body = request.get_json(silent=True)
    if body is None:
        body = request.form
    raw = str(body.get("phone", "")) if isinstance(body, dict) else ""
    try:
        return normalize_phone(raw)
    except InvalidPhone:
        return raw[:32]


def _address() -> str:
    # The client's address alone: not the limiter's usual key, which would count a request that
    # carries any bearer header (even a made-up one) apart from its address.
    return get_remote_address() or "-"


def _account_and_address_key() -> str:
    return f"login-account-address:{_phone()}|{_address()}"


def _account_key() -> str:
    return "login-account:" + _phone()


def _address_key() -> str:
    return "login-address:" + _address()


def _throttled(_limit):
    raise AppError("auth.throttled")


#: (setting, scope, key): each count of refused sign-ins (see the module's docstring).
_COUNTS = (
    ("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", "sign-in-account-address", _account_and_address_key),
    ("LOGIN_FAILURES_PER_ACCOUNT", "sign-in-account", _account_key),
    ("LOGIN_FAILURES_PER_ADDRESS", "sign-in-address", _address_key),
)


def sign_in_throttled(view):
    """Decorator for a sign-in view: past any of the three counts of refused sign-ins, every further
    attempt it covers (even with the right password) gets ``auth.throttled`` (429 with Retry-After)
    until the window passes. A successful sign-in costs nothing."""
    for setting, scope, key_func in _COUNTS:
        view = limiter.shared_limit(lambda setting=setting: current_app.config[setting], scope=scope,
                                    key_func=key_func, deduct_when=_refused, on_breach=_throttled)(view)
    return view
