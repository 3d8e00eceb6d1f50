"""Column types shared by the models."""
from datetime import datetime, timezone

from sqlalchemy import BigInteger, DateTime, Integer, text
from sqlalchemy.orm import mapped_column
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


def sync_stamp_column():
    """The ``sync_tx`` column of a table that phones pull: in which transaction the row last changed
    (fieldapp/models/sync.py says how it is set, mobile_contract/sync.md how a pull reads it)."""
    return mapped_column("sync_tx", BigInteger, nullable=True, index=True)


def version_column():
    """The ``version`` of a record a phone may correct offline: 1 when made, one more at each change
    of its own fields (fieldapp/models/sync.py)."""
    return mapped_column("version", Integer, nullable=False, default=1, server_default=text("1"))
