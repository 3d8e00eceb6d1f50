"""Versions of the records a phone may correct offline (households, persons): the one rule of
``If-Match`` on ``PATCH`` and of a correction item in a sync push.

An edit names the version it was made against; when the record has moved on since, the edit is a
conflict and the caller gets the current record, never a silent overwrite. Why: phones work offline
all day, and two volunteers (or a volunteer and the commune office) correct the same household; the
last writer winning silently loses data (CHT's behaviour; ODK Central's entities keep versions and
show conflicts instead). Skills are not versioned: from the field they only grow, and merge.
"""
from __future__ import annotations

from fieldapp.errors import AppError
from fieldapp.extensions import db


def if_match_version(header: str | None) -> int | None:
    """The version an ``If-Match`` header names (``"3"``; ``W/"3"`` is read the same), ``None`` without one."""
    if header is None:
        return None
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    if len(value) < 3 or not (value[0] == value[-1] == '"') or not value[1:-1].isdigit() or len(value) > 12:
        raise AppError("record.version_invalid", errors={"If-Match": [header[:40]]})
    return int(value[1:-1])


def version_check(record, expected: int | None) -> None:
    """Refuse the edit when ``expected`` (the version it was made against) is not ``record``'s.

    The row is locked first (PostgreSQL ``SELECT … FOR UPDATE``; SQLite's writer already holds the
    database), so that two edits against the same version cannot both pass.
    """
    if expected is None:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.refresh(record, with_for_update={"of": type(record)})  # not the eager-joined rows
    if record.version != expected:
        raise AppError("record.version_conflict", current=record.version,
                       errors={"version": [f"expected {expected}, current {record.version}"]})
