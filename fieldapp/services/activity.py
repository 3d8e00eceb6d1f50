"""The one writer of the activity log."""
from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from sqlalchemy import bindparam, insert, select

from fieldapp.audit.formats import canonical
from fieldapp.auth.caller import Caller
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.activity import NATIONAL_LOG, ActivityEntry, ActivityQueued


def canonical_json(body: dict[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the same body always gives the same text."""
    return canonical(body).decode("utf-8")


def activity_record(
    *,
    action: str,
    object_type: str,
    object_id: str | int,
    log_unit: str | None,
    caller: Caller | None,
    body: dict[str, Any] | None = None,
    client_id: str | None = None,
) -> ActivityEntry:
    """Append an entry to the activity log of ``log_unit`` in the current transaction.

    It is queued, and gets its sequence number and place in the Merkle tree from the sequencer.

    Call it next to the change it records, before the view commits, so that the change and its
    entry land together or not at all. ``body`` must hold ids and values, never personal data.
    """
    values = {
        "log_unit": log_unit or NATIONAL_LOG,
        "actor_id": caller.user_id if caller else None,
        "actor_role": caller.role.value if caller else "operator",
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "request_id": g.get("request_id") if has_request_context() else g.get("cli_run_id"),
        "client_id": client_id,
        "body": canonical_json(body or {}),
        "created_at": utcnow(),
    }
    # Core statements built once, not the ORM: this runs on every write, the check-in hot path
    # included. The entry and its queue row go in one round trip on PostgreSQL (a CTE).
    if db.session.get_bind().dialect.name == "postgresql":
        entry_id = db.session.execute(_APPEND_AND_QUEUE, values).scalar_one()
    else:
        entry_id = db.session.execute(_APPEND, values).scalar_one()
        db.session.execute(_QUEUE, {"entry_id": entry_id, "log_unit": values["log_unit"]})
    return ActivityEntry(id=entry_id, **values)


_ENTRY_FIELDS = ("log_unit", "actor_id", "actor_role", "action", "object_type", "object_id", "request_id",
                 "client_id", "body", "created_at")
_APPEND = insert(ActivityEntry.__table__).values({name: bindparam(name) for name in _ENTRY_FIELDS}) \
    .returning(ActivityEntry.__table__.c.id)
_QUEUE = insert(ActivityQueued.__table__).values(entry_id=bindparam("entry_id"), log_unit=bindparam("log_unit"))
_entry = insert(ActivityEntry.__table__).values({name: bindparam(name) for name in _ENTRY_FIELDS}) \
    .returning(ActivityEntry.__table__.c.id, ActivityEntry.__table__.c.log_unit).cte("entry")
_APPEND_AND_QUEUE = insert(ActivityQueued.__table__).from_select(
    ["entry_id", "log_unit"], select(_entry.c.id, _entry.c.log_unit)).returning(ActivityQueued.__table__.c.entry_id)


#: Roles whose reads of personal data are logged (issue 7: "every read of personal data by an officer").
_OFFICER_ROLES = {"commune_officer", "province_officer", "admin"}


def personal_data_read_record(*, caller: Caller, object_type: str, object_id: str, log_unit: str,
                              body: dict[str, Any] | None = None) -> None:
    """Log an officer's view of a person's data (Decree 13/2023: who saw whose data, when)."""
    if caller.role.value in _OFFICER_ROLES:
        activity_record(action=f"{object_type}.view", object_type=object_type, object_id=object_id,
                        log_unit=log_unit, caller=caller, body=body)
