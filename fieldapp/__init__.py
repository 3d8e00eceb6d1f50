"""fieldapp: the field system for "Bình dân học vụ số" (digital literacy for all).

Importing the package imports nothing else: Flask comes with :func:`create_app`, so that a light module
(the offline log verifier, ``fieldapp --help``) does not load it (fieldapp/cli/appcontext.py).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

API_TITLE = "fieldapp"
API_VERSION = "v1"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def create_app(config: dict | None = None, *, http: bool = True) -> Flask:
    """Build the app: settings from the environment, overridden by ``config`` (tests).

    ``http=False``: without what serves HTTP (the API and its OpenAPI document, the console and the
    display pages, their error answers and request hooks), for the operator's commands that only
    work on the database: building those is about half of the app's start-up
    (fieldapp/cli/appcontext.py)."""
    from flask import Flask

    from fieldapp.cli import register_commands
    from fieldapp.config import load_config
    from fieldapp.database import engine_options, install_engine_hooks
    from fieldapp.extensions import db, limiter, migrate, retry_after_on_429

    app = Flask(__name__, instance_relative_config=False)
    from fieldapp.request_guard import FieldRequest

    app.request_class = FieldRequest
    from fieldapp.ids import public_id_converter

    app.url_map.converters["public_id"] = public_id_converter()
    app.config.update(load_config())
    app.config.update(config or {})
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    from fieldapp.replicas import setup as replica_setup

    app.config.setdefault("SQLALCHEMY_BINDS", replica_setup.replica_binds(app.config))
    app.config.update(
        API_TITLE=API_TITLE,
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "Field app API for Bình dân học vụ số. Errors: see errors.md."},
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        },
    )
    app.json.ensure_ascii = False
    if app.config["TRUSTED_PROXIES"] > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from fieldapp import models  # noqa: F401  (the whole metadata, for Alembic)

    db.init_app(app)
    with app.app_context():
        install_engine_hooks(db.engine, spatialite_path=app.config["SPATIALITE_LIBRARY_PATH"],
                             role=app.config.get("DATABASE_ROLE"))
        replica_setup.install(app)  # the read operations' guard; a replica's engine and read-your-writes
    migrate.init_app(app, db, directory=_migrations_dir())
    limiter.init_app(app)
    from fieldapp.caching import results_cache

    results_cache.init_app(app)
    app.after_request(retry_after_on_429)
    register_commands(app)
    if http:
        _http_interfaces(app)
    return app


def _http_interfaces(app: Flask) -> None:
    """The API (with its OpenAPI document), the console and the display pages, and what every request
    goes through."""
    import uuid

    from flask import g, request

    from fieldapp.api import BLUEPRINTS
    from fieldapp.api.errors import FieldApi, register_error_handlers
    from fieldapp.extensions import csrf, db, limiter
    from fieldapp.pages import api_headers
    from fieldapp.request_guard import refuse_unstorable_input

    app.after_request(api_headers)  # nosniff, and no-store but on the probes (fieldapp.pages)

    from fieldapp.api import openapi

    api = FieldApi(app, spec_kwargs={"extra_plugins": [openapi.ContractPlugin()]})
    openapi.install(api, app)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    from fieldapp.api import health, sync

    sync.components_register(api.spec)  # the push items' schemas, which no route names directly

    limiter.exempt(health.blp)  # probes are not users
    app.extensions["fieldapp_api"] = api
    register_error_handlers(app)
    from fieldapp import console, web

    app.register_blueprint(web.bp)
    app.register_blueprint(console.bp)

    @app.before_request
    def _request_id():
        # Per-request state starts empty, even where requests share an app context (the tests do):
        g.caller = None  # resolved lazily from the token; never carried over from another request
        g.db_area = ""  # row-level security: nothing until the caller is known
        g.sign_in_refused = False  # set by a refused sign-in, read by the throttle (fieldapp.auth.signin)
        g.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # Flask-WTF's cached form token
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        refuse_unstorable_input()

    @app.after_request
    def _echo_request_id(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response

    @app.teardown_request
    def _rollback_uncommitted(_exc):
        # A request that raised, or forgot to commit, leaves nothing half-written.
        db.session.rollback()

    # Every unsafe request (POST, PUT, PATCH, DELETE) to a page needs the form's CSRF token; the API's
    # blueprints are exempt (bearer tokens). Last, so that its check runs after the request id is set.
    for blueprint in BLUEPRINTS:
        csrf.exempt(blueprint)
    csrf.init_app(app)


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
