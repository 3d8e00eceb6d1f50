"""The one source of the current time, so that tests can move it."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)
