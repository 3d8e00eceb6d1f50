"""The activity log (nhật ký hoạt động): read, export, signed head, proofs. Officers only."""
import json

from flask import Response, stream_with_context
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldapp.api.pagination import PageQuery, page_of
from fieldapp.api.schemas import Id, Integer, UTCDateTime
from fieldapp.audit.sequencer import checkpoint_sign
from fieldapp.auth.access import current_caller, requires
from fieldapp.auth.declaration import reads
from fieldapp.auth.scope import default_log_unit, unit_in_scope
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.replicas.operations import read_stream
from fieldapp.selectors import activity as selectors
from fieldapp.selectors import paginate
from fieldapp.services.activity import activity_record

blp = Blueprint("activity", __name__, url_prefix="/api/v1/activity",
                description="The tamper-evident activity log of each commune (mobile_contract/audit-log.md).")

_LOG = fields.String(validate=validate.Regexp(r"^(\d{2}|\d{5}|VN)$"),
                     metadata={"description": "Whose log: a commune or province code (default: my area)."})


class LogQuery(Schema):
    log = _LOG


class ActivityQuery(PageQuery):
    log = _LOG
    actor_id = Id()
    action = fields.String(validate=validate.Length(max=64),
                           metadata={"description": "`household` matches every `household.*` action."})
    object_type = fields.String(validate=validate.Length(max=32))
    object_id = fields.String(validate=validate.Length(max=64))
    since = UTCDateTime(metadata={"description": "From this time (inclusive), ISO 8601 with offset."})
    until = UTCDateTime(metadata={"description": "Before this time, ISO 8601 with offset."})


class ActivityEntryOut(Schema):
    id = Integer(required=True)
    seq = fields.Function(lambda entry: entry.leaf.seq if entry.leaf else None, required=True, allow_none=True,
                          metadata={"type": "integer",
                                    "description": "Place in the log; null for a few seconds until sequenced."})
    log = fields.String(required=True, attribute="log_unit")
    time = UTCDateTime(required=True, attribute="created_at")
    actor_id = Integer(required=True, allow_none=True)
    actor_role = fields.String(required=True)
    action = fields.String(required=True)
    object_type = fields.String(required=True)
    object_id = fields.String(required=True)
    request_id = fields.String(required=True, allow_none=True)
    client_id = fields.String(required=True, allow_none=True)
    body = fields.Function(lambda entry: json.loads(entry.body), required=True, metadata={"type": "object"})


class CheckpointOut(Schema):
    type = fields.String(required=True, metadata={"example": "checkpoint"})
    log = fields.String(required=True)
    size = Integer(required=True)
    root_hash = fields.String(required=True, metadata={"description": "hex SHA-256 (RFC 6962 tree head)"})
    time = fields.String(required=True)
    key_id = fields.String(required=True)
    signature = fields.String(required=True, metadata={"description": "Ed25519, base64"})
    public_key = fields.String(required=True, metadata={"description": "Ed25519 public key, base64"})


class InclusionQuery(Schema):
    log = _LOG
    seq = Integer(required=True, validate=validate.Range(min=0))
    size = Integer(required=True, validate=validate.Range(min=1))


class InclusionOut(Schema):
    log = fields.String(required=True)
    seq = Integer(required=True)
    size = Integer(required=True)
    leaf_hash = fields.String(required=True)
    root_hash = fields.String(required=True)
    proof = fields.List(fields.String(), required=True)


class ConsistencyQuery(Schema):
    log = _LOG
    first = Integer(required=True, validate=validate.Range(min=0))
    second = Integer(required=True, validate=validate.Range(min=0))


class ConsistencyOut(Schema):
    log = fields.String(required=True)
    first = Integer(required=True)
    second = Integer(required=True)
    first_root_hash = fields.String(required=True)
    second_root_hash = fields.String(required=True)
    proof = fields.List(fields.String(), required=True)


def _log_unit(args) -> str:
    caller = current_caller()
    log_unit = args.get("log") or default_log_unit(caller)
    unit_in_scope(caller, log_unit)
    return log_unit


@blp.route("", methods=["GET"])
@requires("activity.read", personal_data="none")
@blp.arguments(ActivityQuery, location="query")
@blp.response(200, page_of(ActivityEntryOut))
def activity_list(args):
    """Entries of a log, newest first: filter by actor, action, object and period."""
    query = selectors.activity_list_query(
        log_unit=_log_unit(args), actor_id=args.get("actor_id"), action=args.get("action"),
        object_type=args.get("object_type"), object_id=args.get("object_id"), since=args.get("since"),
        until=args.get("until"))
    return paginate(query, page=args["page"], per_page=args["per_page"])


@blp.route("/head", methods=["GET"])
@requires("activity.read", personal_data="none")
@blp.arguments(LogQuery, location="query")
@blp.response(200, CheckpointOut)
def activity_head(args):
    """The latest signed checkpoint of a log (signed now if the log grew)."""
    log_unit = _log_unit(args)
    checkpoint = checkpoint_sign(db.session, log_unit)
    if checkpoint is None:
        raise AppError("activity.log_empty", log=log_unit)
    db.session.commit()
    return selectors.head_out(db.session, checkpoint)


@blp.route("/export", methods=["GET"])
@requires("activity.export", personal_data=reads("activity_log"))
@blp.arguments(LogQuery, location="query")
@blp.response(200, description="JSON Lines (application/x-ndjson): header, entries, signed checkpoints.",
              content_type="application/x-ndjson")
def activity_export(args):
    """Export a whole log with its signed checkpoints, for offline verification."""
    caller = current_caller()
    log_unit = _log_unit(args)
    # The export is itself an act on the log; it is recorded, then covered by a fresh checkpoint.
    activity_record(action="activity.export", object_type="activity_log", object_id=log_unit,
                    log_unit=log_unit, caller=caller)
    checkpoint_sign(db.session, log_unit)
    db.session.commit()
    filename = f"nhat-ky-{log_unit}.jsonl"
    # Streamed as one read operation (fieldapp/replicas/): on the replica once it has replayed the commit
    # above (read-your-writes: the export shows its own entry and checkpoint), else on the primary.
    lines = read_stream(lambda: selectors.export_lines(db.session, log_unit))
    return Response(stream_with_context(lines),
                    mimetype="application/x-ndjson",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/proofs/inclusion", methods=["GET"])
@requires("activity.read", personal_data="none")
@blp.arguments(InclusionQuery, location="query")
@blp.response(200, InclusionOut)
def activity_inclusion_proof(args):
    """Proof that entry `seq` is in the tree of the first `size` entries (RFC 6962 audit path)."""
    return selectors.inclusion_proof(db.session, _log_unit(args), seq=args["seq"], size=args["size"])


@blp.route("/proofs/consistency", methods=["GET"])
@requires("activity.read", personal_data="none")
@blp.arguments(ConsistencyQuery, location="query")
@blp.response(200, ConsistencyOut)
def activity_consistency_proof(args):
    """Proof that the tree of `second` entries extends the tree of `first` (RFC 6962)."""
    return selectors.consistency_proof(db.session, _log_unit(args), first=args["first"], second=args["second"])
