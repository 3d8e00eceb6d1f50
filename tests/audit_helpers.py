"""Helpers for the activity-log tests: fill a log, export it, pin its key."""
from __future__ import annotations

import base64

from fieldapp.audit.sequencer import checkpoint_sign
from fieldapp.extensions import db
from fieldapp.models.keys import SigningKey
from fieldapp.selectors.activity import export_lines
from fieldapp.services.activity import activity_record


def fill_log(log_unit: str, count: int, *, start: int = 0) -> list[int]:
    ids = []
    for number in range(start, start + count):
        entry = activity_record(action="test.append", object_type="thing", object_id=number, log_unit=log_unit,
                                caller=None, body={"n": number, "ghi_chú": "Xóm Đông"})
        ids.append(entry.id)
    db.session.flush()
    return ids


def export_bytes(log_unit: str) -> list[bytes]:
    checkpoint_sign(db.session, log_unit)
    return list(export_lines(db.session, log_unit))


def pinned_keys() -> dict[str, bytes]:
    return {row.key_id: base64.b64decode(row.public_key)
            for row in db.session.query(SigningKey).filter_by(purpose="audit")}
