"""Configuration from the environment.

Every setting has a safe development default except secrets in production: with
``FIELDAPP_ENV=production`` a missing ``SECRET_KEY`` or ``DATABASE_URL`` stops the app from starting.
Secrets may also be given as files (``SECRET_KEY_FILE``), the usual way container platforms hand
them over.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

DEFAULT_SQLITE_PATH = Path("instance") / "fieldapp.sqlite"


def _env(name: str, default: str | None = None) -> str | None:
    """A setting from ``NAME`` or from the file named by ``NAME_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def _int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value not in (None, "") else default


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which."""


def _json(name: str):
    value = _env(name)
    if value in (None, ""):
        return None
    import json

    try:
        return json.loads(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be JSON: {exc}") from exc


def _bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value in (None, ""):
        return default
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def load_config() -> dict:
    """Read the settings once, at app creation."""
    env = _env("FIELDAPP_ENV", "development")
    database_url = _env("DATABASE_URL")
    secret_key = _env("SECRET_KEY")
    if env == "production":
        missing = [n for n, v in (("DATABASE_URL", database_url), ("SECRET_KEY", secret_key),
                                  ("KEYS_DIR", _env("KEYS_DIR"))) if not v]
        if missing:
            raise ConfigError(f"production needs {', '.join(missing)} from the environment")
    # The console's cookie is sent over HTTPS only in production; a demo over plain http on
    # 127.0.0.1 could not sign in with it. A Secure cookie gets the __Host- prefix: the browser then
    # refuses it unless it came over HTTPS, for the whole host (Path=/) and no other (no Domain).
    secure_cookie = _bool("SESSION_COOKIE_SECURE", env == "production")
    session_seconds = _int("SESSION_LIFETIME_SECONDS", 8 * 3600)
    if not database_url:
        DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{DEFAULT_SQLITE_PATH.resolve()}"
    return {
        "FIELDAPP_ENV": env,
        "SECRET_KEY": secret_key or "dev-only-not-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Bearer tokens: 30 days by default, long enough for a volunteer who works offline.
        "TOKEN_TTL_SECONDS": _int("TOKEN_TTL_SECONDS", 30 * 24 * 3600),
        # argon2id parameters: RFC 9106's low-memory profile (64 MiB); tests use the cheapest.
        "PASSWORD_HASH_PROFILE": _env("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY"),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        # Reverse proxies in front of the app (e.g. 1 for nginx ending TLS) whose X-Forwarded-For
        # and -Proto are trusted: the client's address (rate limits, sign-in throttle) and https
        # (the CSRF Referer check) come from them. 0: the headers are ignored, as a client can forge them.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # Household lists from Excel are larger: 10,000 households with 40,000 people are ~2 MB.
        "IMPORT_MAX_BYTES": _int("IMPORT_MAX_BYTES", 32 * 1024 * 1024),
        # How long the console keeps a list that checked clean, to import it without choosing it again
        # (fieldapp/services/imports/kept.py): long enough to read the report, short for people's data.
        "IMPORT_KEEP_SECONDS": _int("IMPORT_KEEP_SECONDS", 30 * 60),
        # What an import file may hold, checked before it is parsed (fieldapp/services/imports/limits.py).
        # 50,000 rows below the header: the largest list is checked and written in 14-16 s on the
        # standard machine (bench/import_limits.py; 100,000 rows took 39 s), within gunicorn's default
        # 30-second worker timeout. A larger commune imports village by village. A household list has
        # 15 columns; 20 leaves room for a row number and a few empty ones.
        "IMPORT_MAX_ROWS": _int("IMPORT_MAX_ROWS", 50_000),
        # A sync cursor older than this answers 410: the phone pulls everything again (sync.md).
        "SYNC_CURSOR_RETENTION_DAYS": _int("SYNC_CURSOR_RETENTION_DAYS", 30),
        # A push stops taking items after this long and answers the rest "send again" (sync.md).
        "SYNC_PUSH_TIME_BUDGET_SECONDS": _int("SYNC_PUSH_TIME_BUDGET_SECONDS", 20),
        "IMPORT_MAX_COLUMNS": _int("IMPORT_MAX_COLUMNS", 20),
        # An .xlsx is a zip: all its parts inflated, and how much any part (or the file) may inflate.
        "IMPORT_MAX_UNCOMPRESSED_BYTES": _int("IMPORT_MAX_UNCOMPRESSED_BYTES", 64 * 1024 * 1024),
        "IMPORT_MAX_COMPRESSION_RATIO": _int("IMPORT_MAX_COMPRESSION_RATIO", 100),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "memory://"),
        # The public results' cache (fieldapp/caching.py): unset, the rate limits' storage (redis:// shares
        # it between workers); how long an answer is kept (and Cache-Control's max-age); the smallest count
        # published (fieldapp/selectors/public_results.py: smaller ones are suppressed).
        "RESULTS_CACHE_URI": _env("RESULTS_CACHE_URI"),
        "PUBLIC_RESULTS_TTL_SECONDS": _int("PUBLIC_RESULTS_TTL_SECONDS", 60),
        "PUBLIC_RESULTS_MIN_COUNT": _int("PUBLIC_RESULTS_MIN_COUNT", 10),
        # X-RateLimit-* on every response: off (two storage round trips per request); a 429 still
        # says Retry-After (fieldapp.extensions.retry_after_on_429).
        "RATELIMIT_HEADERS_ENABLED": False,
        # Requests per token (or per address without one): generous for a phone syncing a day's work.
        "RATELIMIT_PER_TOKEN": _env("RATELIMIT_PER_TOKEN", "1200 per minute"),
        # Failed sign-ins allowed before a pause (fieldapp.auth.signin): per account from one address
        # (a guesser there waits, the owner elsewhere does not); per account from anywhere (ASVS
        # 2.2.1: at most 100 an hour); per client address.
        "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS": _env("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", "5 per 15 minutes"),
        "LOGIN_FAILURES_PER_ACCOUNT": _env("LOGIN_FAILURES_PER_ACCOUNT", "100 per hour"),
        "LOGIN_FAILURES_PER_ADDRESS": _env("LOGIN_FAILURES_PER_ADDRESS", "30 per 15 minutes"),
        # Private signing keys (activity-log checkpoints, QR codes): a mounted secret in production.
        "KEYS_DIR": _env("KEYS_DIR", str(Path("instance") / "keys")),
        # The activity log's sequencer: how often it folds queued entries into the Merkle tree, and
        # how often it signs a checkpoint for a log that grew (seconds; 0 = only on demand).
        "AUDIT_SEQUENCE_INTERVAL": float(_env("AUDIT_SEQUENCE_INTERVAL", "1") or 0),
        "AUDIT_CHECKPOINT_INTERVAL": float(_env("AUDIT_CHECKPOINT_INTERVAL", "60") or 0),
        # The session QR code rotates every so many seconds; a scan must match its step ±1.
        "QR_SESSION_STEP_SECONDS": _int("QR_SESSION_STEP_SECONDS", 30),
        # Check-in tolerances: around a session's time window, and before a sync counts as late.
        "CHECKIN_WINDOW_TOLERANCE_SECONDS": _int("CHECKIN_WINDOW_TOLERANCE_SECONDS", 15 * 60),
        "CHECKIN_LATE_SYNC_SECONDS": _int("CHECKIN_LATE_SYNC_SECONDS", 10 * 60),
        "CHECKIN_CLOCK_SKEW_SECONDS": _int("CHECKIN_CLOCK_SKEW_SECONDS", 120),
        "CHECKIN_LOW_ACCURACY_M": _int("CHECKIN_LOW_ACCURACY_M", 100),
        # How close to the household's point a plate scan or visit must be (metres, plus accuracy).
        "CHECKIN_HOUSEHOLD_RADIUS_M": _int("CHECKIN_HOUSEHOLD_RADIUS_M", 150),
        # PostgreSQL: the role the API acts as (SET ROLE on each connection) when its login owns the
        # tables; row-level security applies only to a role that does not own them.
        "DATABASE_ROLE": _env("DATABASE_ROLE"),
        "SPATIALITE_LIBRARY_PATH": _env("SPATIALITE_LIBRARY_PATH", "mod_spatialite"),
        # A PostgreSQL streaming replica for the reads of reports, indicators and exports, chosen per
        # operation (fieldapp/replicas/, docs/deploy.md "A streaming replica"): the most it may lag
        # (seconds) before those reads go to the primary; how long a connection to it may take; how long
        # a replica that did not answer is left alone; where each account's last write is kept
        # (read-your-writes; unset: RATELIMIT_STORAGE_URI).
        "REPLICA_DATABASE_URL": _env("REPLICA_DATABASE_URL"),
        "REPLICA_MAX_LAG_SECONDS": float(_env("REPLICA_MAX_LAG_SECONDS", "10") or 10),
        "REPLICA_CONNECT_TIMEOUT_SECONDS": _int("REPLICA_CONNECT_TIMEOUT_SECONDS", 2),
        "REPLICA_RETRY_SECONDS": float(_env("REPLICA_RETRY_SECONDS", "10") or 10),
        "REPLICA_WRITES_URI": _env("REPLICA_WRITES_URI"),
        # The most mentees a Digital Ambassador may guide at once (active mentorships): a mentor with
        # too many cannot really follow each one, and a runaway count is the sign of paper mentoring.
        "MENTEES_PER_MENTOR_MAX": _int("MENTEES_PER_MENTOR_MAX", 30),
        # Which flags hold back evidence until an officer accepts it on review: a JSON object of
        # flag → kinds ("checkin.session", "checkin.household", "checkin.person", "visit", "skill");
        # unset, the table of fieldapp.models.evidence (mobile_contract/evidence.md).
        "EVIDENCE_HOLD_BACK": _json("EVIDENCE_HOLD_BACK"),
        # The commune console (web pages): a signed session cookie that only the server reads
        # (HttpOnly), withheld from cross-site POSTs (SameSite=Lax: a link from a message or an email
        # still opens the console signed in; Strict would show the sign-in page instead), and a
        # session that lasts a working day at most (the server's record of it expires then too).
        "SESSION_COOKIE_NAME": "__Host-fieldapp_session" if secure_cookie else "fieldapp_session",
        "SESSION_COOKIE_SECURE": secure_cookie,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(seconds=session_seconds),
        # CSRF tokens of the console's forms live as long as the session (not Flask-WTF's one hour:
        # a sign-in page left open over lunch would fail).
        "WTF_CSRF_TIME_LIMIT": session_seconds,
        "PAGE_SIZE_DEFAULT": 50,
        "PAGE_SIZE_MAX": 200,
    }
