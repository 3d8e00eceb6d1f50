"""Access to a view: the caller resolved from the bearer token once per request, and the verb the
view requires (:class:`~fieldapp.auth.callers.Caller` is the pure type it resolves to)."""
from __future__ import annotations

import functools

from flask import g, request
from flask_smorest import Blueprint

from fieldapp.auth.callers import Caller
from fieldapp.auth.declaration import Declaration, declares
from fieldapp.auth.permissions import role_can
from fieldapp.errors import AppError
from fieldapp.selectors.tokens import caller_from_token


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_caller() -> Caller:
    """The caller of this request; 401 when there is none."""
    caller = getattr(g, "caller", None)
    if caller is None:
        token = bearer_token()
        if token is None:
            raise AppError("auth.required", headers={"WWW-Authenticate": "Bearer"})
        caller = caller_from_token(token)  # it also sets the caller's area for row-level security
        g.caller = caller
    return caller


def requires(verb: str, *, personal_data: Declaration | str):
    """Decorator: the caller must be signed in and their role must hold ``verb``; the route declares
    what it does with personal data (``reads("household")``, ``"write"`` or ``"none"``: see
    :mod:`fieldapp.auth.declaration`), and an officer's read is logged from that declaration.

    Both are written into the OpenAPI operation, as ``x-permission`` and ``x-personal-data``.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            caller = current_caller()
            if not role_can(caller.role, verb):
                raise AppError("auth.forbidden")
            return view(*args, **kwargs)

        return declares(personal_data=personal_data)(
            Blueprint.doc(security=[{"bearerAuth": []}], **{"x-permission": verb})(wrapper))

    return decorator
