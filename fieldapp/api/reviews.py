"""The review queue: officers accept or reject evidence held back for review, with a reason."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldapp.api.pagination import PageQuery, page_of
from fieldapp.api.schemas import Id, Integer, PointOut, Text, UTCDateTime
from fieldapp.auth.access import current_caller, requires
from fieldapp.auth.declaration import reads
from fieldapp.extensions import db
from fieldapp.models.evidence import ReviewDecision
from fieldapp.selectors import paginate
from fieldapp.selectors.reviews import STATES, TARGET_TYPES, review_items, review_queue_query
from fieldapp.services.activity import personal_data_read_record
from fieldapp.services.reviews import review_decide

blp = Blueprint("reviews", __name__, url_prefix="/api/v1/reviews",
                description="Evidence held back for review (mobile_contract/evidence.md), and officers' decisions.")


class ReviewQuery(PageQuery):
    type = fields.String(validate=validate.OneOf(TARGET_TYPES), metadata={"description": "checkin, visit or skill"})
    state = fields.String(load_default="pending", validate=validate.OneOf(STATES),
                          metadata={"description": "pending (default): awaiting a decision; decided; all"})
    flag = fields.String(validate=validate.Length(max=64), metadata={"description": "check-ins and visits with it"})
    village_id = Id()
    volunteer_id = Id(metadata={"description": "who recorded it"})
    since = UTCDateTime(metadata={"description": "recorded at or after"})
    until = UTCDateTime(metadata={"description": "recorded before"})


class DecisionOut(Schema):
    id = Integer(required=True)
    decision = fields.Enum(ReviewDecision, by_value=True, required=True)
    reason = fields.String(required=True)
    reviewed_by = Integer(required=True)
    reviewed_at = UTCDateTime(required=True)
    revises_id = Integer(required=True, allow_none=True, metadata={"description": "the decision this one revises"})


class ReviewItemOut(Schema):
    type = fields.String(required=True, metadata={"enum": list(TARGET_TYPES)})
    id = fields.String(required=True, metadata={"description": (
        "the check-in's id (its client_id), the visit's id, or `<person id>:<skill>`")})
    commune_code = fields.String(required=True, allow_none=True)
    recorded_at = UTCDateTime(required=True)
    recorded_by = Integer(required=True, allow_none=True)
    verdict = fields.String(required=True, allow_none=True)
    flags = fields.List(fields.String(), required=True)
    holding_flags = fields.List(fields.String(), required=True,
                                metadata={"description": "the flags that hold it back (the table of evidence.md)"})
    status = fields.String(required=True, metadata={"enum": ["counted", "held", "rejected", "claimed", "confirmed",
                                                              "withdrawn"]})
    location = fields.Nested(PointOut, required=True, allow_none=True,
                             metadata={"description": "where the phone was (GPS); the read is logged"})
    target = fields.Dict(required=True, metadata={"description": (
        "what it is about: {kind, id, ...}: a check-in's scanned session, household or person and distance_m; a "
        "visit's household and outcome; a skill's person, skill, evidence_kind and evidence_ref")})
    decisions = fields.List(fields.Nested(DecisionOut), required=True, metadata={"description": "oldest first"})


class DecisionIn(Schema):
    type = fields.String(required=True, validate=validate.OneOf(TARGET_TYPES))
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    decision = fields.Enum(ReviewDecision, by_value=True, required=True)
    reason = Text(required=True, max_length=1000,
                  metadata={"description": "why, shown to the volunteer and inspectors"})


class ReviewOut(DecisionOut):
    target_type = fields.String(required=True)
    target_id = fields.String(attribute="target_ref", required=True)
    status = fields.String(required=True, metadata={"description": "the evidence's status after the decision"})


@blp.route("", methods=["GET"])
@requires("evidence.review", personal_data=reads("review_queue"))
@blp.arguments(ReviewQuery, location="query")
@blp.response(200, page_of(ReviewItemOut))
def review_queue(args):
    """Evidence of my area held back for review, oldest first: check-ins, visits and claimed skills."""
    caller = current_caller()
    page, per_page = args.pop("page"), args.pop("per_page")
    target_type = args.pop("type", None)
    result = paginate(review_queue_query(caller=caller, target_type=target_type, **args), page=page,
                      per_page=per_page, rows=True)
    result["items"] = review_items(result["items"])
    # The queue shows where each phone was, and whose skills: a read of personal data.
    personal_data_read_record(caller=caller, object_type="review_queue", object_id="list", log_unit=caller.unit_code,
                              body={"count": len(result["items"]), "page": page,
                                    "items": [f"{i['type']}:{i['id']}" for i in result["items"]]})
    db.session.commit()
    return result


@blp.route("", methods=["POST"])
@requires("evidence.review", personal_data="write")
@blp.arguments(DecisionIn)
@blp.response(201, ReviewOut)
def review_post(body):
    """Accept or reject a check-in, a visit or a claimed skill of my area, with a reason."""
    review, status = review_decide(caller=current_caller(), target_type=body["type"], target_ref=body["id"],
                                   decision=body["decision"], reason=body["reason"])
    db.session.commit()
    return {"id": review.id, "decision": review.decision, "reason": review.reason, "reviewed_by": review.reviewed_by,
            "reviewed_at": review.reviewed_at, "revises_id": review.revises_id, "target_type": review.target_type,
            "target_ref": review.target_ref, "status": status}
