"""Extensions, created unbound and attached to the app in ``create_app``."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: Constraint names fixed by convention, so that migrations name the same thing on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: The bind key of the streaming replica's engine (SQLALCHEMY_BINDS), and the session's note of the side
#: a read operation runs on (``session.info``), set by fieldapp/replicas/operations.py for its length.
REPLICA = "replica"
SIDE = "fieldapp_side"


class RoutingSession(Session):
    """Flask-SQLAlchemy's session, but while a read operation has chosen the replica every statement
    (ORM query, lazy load, Core or text) goes to the replica's engine. Per operation, not per statement:
    the choice is made once, when the operation begins (fieldapp/replicas/operations.py)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.info.get(SIDE) == REPLICA:
            return self._db.engines[REPLICA]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


#: expire_on_commit off: a view commits once and then serialises what it wrote; expiring would make
#: every response re-read its own rows (one more round trip on the check-in path). RoutingSession: a
#: read operation's statements go to the replica when it chose it (fieldapp/replicas/).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False, "class_": RoutingSession})
migrate = Migrate()
def rate_limit_key() -> str:
    """Whose requests are counted together: the bearer token's (hashed), else the client address."""
    import hashlib

    from flask import request

    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return "token:" + hashlib.sha256(header[7:].strip().encode("utf-8")).hexdigest()[:32]
    return "address:" + (get_remote_address() or "-")


def _per_token_limit() -> str:
    from flask import current_app

    return current_app.config["RATELIMIT_PER_TOKEN"]


#: One budget per token (or per address without one) for the whole application: an *application*
#: limit, counted once per request whichever route it asks for, before the view runs. Not a default
#: limit, which flask-limiter counts per route (6 routes at 10 a minute let one token make 59
#: requests). Blueprints exempted with ``limiter.exempt`` (the health probes) are exempt from it too
#: (its default flags include ``ExemptionScope.APPLICATION``); the sign-in throttles
#: (fieldapp.auth.signin) are route limits of their own, counted on top of it. The limit is read
#: from the app's config on each request (RATELIMIT_PER_TOKEN); counts are kept in
#: RATELIMIT_STORAGE_URI (memory:// in the embedded default, redis:// when several workers must
#: share them).
limiter = Limiter(key_func=rate_limit_key, application_limits=[_per_token_limit])


def retry_after_on_429(response):
    """``Retry-After`` (seconds) on a refused request, read from the limit that refused it.

    Why not flask-limiter's own headers: they put X-RateLimit-* and Retry-After on *every* response,
    which costs two more storage round trips per request (Redis with several workers) for headers
    no client reads. Here the window is read only when a request was refused.
    """
    import time

    if response.status_code == 429 and "Retry-After" not in response.headers:
        breached = limiter.current_limit
        if breached is not None:
            response.headers["Retry-After"] = str(max(1, int(breached.reset_at - time.time())))
    return response

#: CSRF tokens on the forms of the pages (the console): Flask-WTF's CSRFProtect, maintained by the
#: Pallets-Eco community beside Flask. Tokens signed with SECRET_KEY, bound to the session, compared in
#: constant time, plus the Referer check over HTTPS. The JSON API is exempt: it authenticates with
#: bearer tokens, which a browser never adds to a request by itself.
csrf = CSRFProtect()
