"""The one writer of the activity log."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context
from sqlalchemy import CTE, bindparam, insert, select

from fieldapp.audit.formats import canonical
from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.activity import NATIONAL_LOG, ActivityEntry, ActivityQueued


def canonical_json(body: dict[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the same body always gives the same text."""
    return canonical(body).decode("utf-8")


def activity_values(
    *,
    action: str,
    object_type: str,
    object_id: str | int,
    log_unit: str | None,
    caller: Caller | None,
    body: dict[str, Any] | None = None,
    client_id: str | None = None,
) -> dict[str, Any]:
    """The row of an activity-log entry. ``body`` must hold ids and values, never personal data."""
    return {
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


def activity_record(**entry: Any) -> ActivityEntry:
    """Append an entry to the activity log of ``log_unit`` in the current transaction (the keyword
    arguments of :func:`activity_values`).

    It is queued, and gets its sequence number and place in the Merkle tree from the sequencer.

    Call it next to the change it records, before the view commits, so that the change and its
    entry land together or not at all.
    """
    values = activity_values(**entry)
    # Read routes look at it: an entry this request already wrote (an export's, a view's own) stands
    # for the read, which is then not logged twice (fieldapp.auth.declaration.read_logged).
    g.activity_recorded = True
    # Core statements built once, not the ORM: this runs on every write. The entry and its queue
    # row go in one round trip on PostgreSQL (data-modifying CTEs).
    if db.session.get_bind().dialect.name == "postgresql":
        entry_id = db.session.connection().execute(_APPEND_AND_QUEUE, entry_params(values)).scalar_one()
    else:
        entry_id = db.session.connection().execute(_APPEND, values).scalar_one()
        db.session.connection().execute(_QUEUE, {"entry_id": entry_id, "log_unit": values["log_unit"]})
    return ActivityEntry(id=entry_id, **values)


_ENTRY_FIELDS = ("log_unit", "actor_id", "actor_role", "action", "object_type", "object_id", "request_id",
                 "client_id", "body", "created_at")
_APPEND = insert(ActivityEntry.__table__).values({name: bindparam(name) for name in _ENTRY_FIELDS}) \
    .returning(ActivityEntry.__table__.c.id)
_QUEUE = insert(ActivityQueued.__table__).values(entry_id=bindparam("entry_id"), log_unit=bindparam("log_unit"))


def entry_params(values: dict[str, Any]) -> dict[str, Any]:
    """``activity_values`` as the parameters of :func:`queued_entry_cte` (prefixed ``entry_``)."""
    return {f"entry_{name}": value for name, value in values.items()}


def queued_entry_cte(after: CTE | None = None) -> CTE:
    """PostgreSQL: a CTE that inserts an entry and its queue row, returning ``entry_id``.

    Its parameters are named ``entry_<field>`` (:func:`entry_params`), so that it can share one
    statement with the change it records (the check-in does: one round trip for both). With
    ``after``, the entry is written once for each row that CTE returns: none when the change was
    not made (an insert that a unique index turned away), so the log records only what happened.
    """
    entries, queue = ActivityEntry.__table__, ActivityQueued.__table__
    if after is None:
        write = insert(entries).values({name: bindparam(f"entry_{name}") for name in _ENTRY_FIELDS})
    else:
        write = insert(entries).from_select(list(_ENTRY_FIELDS), select(*(
            bindparam(f"entry_{name}", type_=entries.c[name].type) for name in _ENTRY_FIELDS)).select_from(after))
    entry = write.returning(entries.c.id, entries.c.log_unit).cte("entry")
    return insert(queue).from_select(["entry_id", "log_unit"], select(entry.c.id, entry.c.log_unit)) \
        .returning(queue.c.entry_id).cte("queued")


_queued = queued_entry_cte()
_APPEND_AND_QUEUE = select(_queued.c.entry_id)


#: Roles whose reads of personal data are logged (issue 7: "every read of personal data by an officer").
#: Volunteers and team leaders read their own doors and their team's: that is the field work itself,
#: and logging it would put every worklist refresh in the log (fieldapp/auth/declaration.py).
_OFFICER_ROLES = {"commune_officer", "province_officer", "admin"}


def personal_data_read_logged(caller: Caller) -> bool:
    """Whether ``caller``'s reads of personal data are logged: officers' are."""
    return caller.role.value in _OFFICER_ROLES


def personal_data_read_record(*, caller: Caller, object_type: str, object_id: str, log_unit: str | None,
                              body: dict[str, Any] | None = None) -> None:
    """Log an officer's view of a person's data (Decree 13/2023: who saw whose data, when), as
    ``<object_type>.view`` in ``log_unit`` (the national log ``VN`` when ``None``).

    Routes declared ``reads(...)`` get this from their declaration; a view calls it itself only to
    say more than the declaration can (:func:`fieldapp.auth.declaration.read_logged`).
    """
    if personal_data_read_logged(caller):
        activity_record(action=f"{object_type}.view", object_type=object_type, object_id=object_id,
                        log_unit=log_unit, caller=caller, body=body)


@dataclass(frozen=True)
class LogVerification:
    """The server's check of a log, as ``fieldapp audit verify --head`` makes it offline."""

    log_unit: str
    size: int
    root_hash: str
    ok: bool
    #: What it says: the verifier's summary, or the first problem found.
    message: str


def activity_log_verify(*, caller: Caller, log_unit: str) -> LogVerification:
    """Verify a log on the server: what is queued is sequenced and a checkpoint signed, then the whole
    log, rebuilt from its rows as the export is (``GET /activity/export``), is checked by the offline
    verifier (fieldapp/audit/verify.py) against that checkpoint and the database's own audit keys: every
    leaf hash, every root, every signature, no entry missing, moved or altered. The check is recorded
    (``activity.verify``, with its result), after the checkpoint it was checked against."""
    import base64

    from sqlalchemy.orm import Session

    from fieldapp.audit.sequencer import checkpoint_sign
    from fieldapp.audit.verify import BadHead, Head, Tampered, verify_export
    from fieldapp.crypto.keys import public_keys
    from fieldapp.selectors.activity import checkpoint_out, export_lines

    checkpoint = checkpoint_sign(db.session, log_unit)
    if checkpoint is None:
        from fieldapp.errors import AppError

        raise AppError("activity.log_empty", log=log_unit)
    keys = {key.key_id: base64.b64decode(key.public_key) for key in public_keys(purpose="audit")}
    head_out = checkpoint_out(checkpoint)
    head = Head.from_json({**head_out, "public_key": None})
    # A session of its own on the request's connection (its transaction, its row-level security area):
    # the export's reading lets go of each chunk's rows (expunge_all), which must not detach the request's.
    reading = Session(bind=db.session.connection())
    try:
        report = verify_export(export_lines(reading, log_unit), pinned_keys=keys, head=head)
        ok, message = True, report.summary()
    except (Tampered, BadHead) as problem:
        ok, message = False, str(problem)
    finally:
        reading.close()
    result = LogVerification(log_unit=log_unit, size=head_out["size"], root_hash=head_out["root_hash"], ok=ok,
                             message=message)
    body = {"size": result.size, "root_hash": result.root_hash, "ok": ok}
    if not ok:
        body["problem"] = message[:500]
    activity_record(action="activity.verify", object_type="activity_log", object_id=log_unit, log_unit=log_unit,
                    caller=caller, body=body)
    return result
