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
from fieldapp.database import DurabilityOff
from fieldapp.errors import AppError, from_http_exception
from fieldapp.extensions import db

log = logging.getLogger(__name__)


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

    @app.errorhandler(DurabilityOff)
    def _not_durable(error):
        # The server does not start on such a database; a setting changed while it runs reaches the
        # next new connection (fieldapp.database): nothing is written there, and the log says why.
        log.error("%s", error)
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
