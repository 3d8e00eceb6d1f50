"""Column types shared by the models."""
from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

#: What the databases' integer columns hold; a larger number in a request is a 422, never an overflow (500).
INT32 = (-(2**31), 2**31 - 1)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on both databases.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so values are stored as UTC and
    read back with ``tzinfo=UTC``. Naive datetimes are refused: they are always a bug here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
