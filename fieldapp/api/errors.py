"""Rendering every error, Flask's own included, as the one envelope."""
from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask_smorest import Api
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from fieldapp.api.schemas import ErrorOut
from fieldapp.crypto.keys import KeyUnavailable
from fieldapp.errors import AppError
from fieldapp.extensions import db

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "request.bad_request",
    401: "auth.required",
    403: "auth.forbidden",
    404: "http.not_found",
    405: "http.method_not_allowed",
    406: "http.not_acceptable",
    413: "request.too_large",
    415: "request.unsupported_media_type",
    422: "request.invalid",
    429: "request.rate_limited",
    503: "server.unavailable",
}


def from_http_exception(error: HTTPException) -> AppError:
    """Map Werkzeug's, webargs' and flask-limiter's exceptions onto catalogue codes."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or {}
    if error.code == 400 and messages.get("json") == ["Invalid JSON body."]:
        return AppError("request.malformed_json", errors=messages)
    if error.code == 422:
        # webargs nests messages under the location ("json", "query"); keep the field names only.
        flat = {}
        for location_messages in messages.values():
            if isinstance(location_messages, dict):
                flat.update(location_messages)
        return AppError("request.invalid", errors=flat or messages)
    code = _HTTP_CODES.get(error.code or 500, "server.error")
    headers = dict(error.get_headers()) if error.code in (405, 429) else {}
    headers.pop("Content-Type", None)
    return AppError(code, errors=messages if isinstance(messages, dict) else {}, headers=headers)


def render(error: AppError):
    from fieldapp.errors import envelope

    response = jsonify(envelope(error))
    response.status_code = error.status
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


class FieldApi(Api):
    """flask-smorest's Api, with our envelope in place of its error body."""

    ERROR_SCHEMA = ErrorOut

    def handle_http_exception(self, error: HTTPException):
        return render(from_http_exception(error))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(AppError, render)

    @app.errorhandler(PoolTimeout)
    def _pool_exhausted(error):
        db.session.rollback()
        return render(AppError("server.unavailable", headers={"Retry-After": "2"}))

    @app.errorhandler(IntegrityError)
    def _conflict(error):
        # A uniqueness rule caught a race the service's own check could not see (two requests at
        # once): the loser is told to retry, and nothing of it was written.
        db.session.rollback()
        return render(AppError("request.conflict"))

    @app.errorhandler(OperationalError)
    def _database_down(error):
        log.warning("database unavailable: %s", error.orig)
        db.session.rollback()
        return render(AppError("server.database_unavailable", headers={"Retry-After": "2"}))

    @app.errorhandler(KeyUnavailable)
    def _no_signing_key(error):
        # Production makes no key on first use; the server does not start without them, but one can
        # still go (retired, its file removed) while it runs: a clear 503, not a 500.
        log.error("%s", error)
        db.session.rollback()
        return render(AppError("server.signing_key_missing", purpose=error.purpose or "-"))

    @app.errorhandler(Exception)
    def _unexpected(error):
        if isinstance(error, HTTPException):
            return render(from_http_exception(error))
        log.exception("unhandled error")
        db.session.rollback()
        return render(AppError("server.error"))
