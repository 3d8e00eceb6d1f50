"""Check-ins and door-to-door visits: what volunteers send from the field, idempotent on client_id."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import IntegrityError

from fieldapp.api.schemas import LatLonIn
from fieldapp.auth.caller import current_caller, requires
from fieldapp.extensions import db
from fieldapp.models.households import Skill
from fieldapp.models.sessions import CheckIn, Verdict, Visit, VisitOutcome
from fieldapp.services.checkins import checkin_create
from fieldapp.services.idempotency import replay_or_conflict, request_digest
from fieldapp.services.visits import visit_create

blp = Blueprint("field", __name__, url_prefix="/api/v1", description="Check-ins and visits from the field.")


class GpsIn(LatLonIn):
    accuracy_m = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100_000))
    mock_location = fields.Boolean(load_default=False, metadata={"description": "Android's mock-location flag"})


class CheckinIn(Schema):
    client_id = fields.UUID(required=True, metadata={"description": "the phone's id for this scan; resend it on retry"})
    payload = fields.String(required=True, validate=validate.Length(min=1, max=512),
                            metadata={"description": "the scanned text"})
    scanned_at = fields.AwareDateTime(required=True)
    gps = fields.Nested(GpsIn, load_default=None, allow_none=True)


class CheckinOut(Schema):
    id = fields.String(attribute="client_id", required=True)
    verdict = fields.Enum(Verdict, by_value=True, required=True)
    flags = fields.List(fields.String(), required=True,
                        metadata={"description": "flags (accepted_with_flags) or reasons (rejected)"})
    target = fields.String(attribute="target_kind", required=True)
    distance_m = fields.Float(required=True, allow_none=True)
    scanned_at = fields.AwareDateTime(required=True)
    received_at = fields.AwareDateTime(required=True)


def idempotent_write(body: dict, model, owner_attr: str, write):
    """Run ``write(client_id, digest)`` and commit; a retry gets the first answer.

    Returns the record and whether it is new. When a parallel request with the same ``client_id``
    committed first (the unique index refuses ours), its row is the answer.
    """
    client_id = str(body["client_id"])
    digest = request_digest({**body, "client_id": client_id})
    try:
        record, created = write(client_id, digest)
        db.session.commit()
        return record, created
    except IntegrityError:
        db.session.rollback()
        existing = db.session.query(model).filter_by(client_id=client_id).one_or_none()
        if existing is None:
            raise
        return replay_or_conflict(existing, user_id=current_caller().user_id, digest=digest,
                                  owner_attr=owner_attr), False


@blp.route("/checkins", methods=["POST"])
@requires("checkin.create")
@blp.arguments(CheckinIn)
@blp.response(201, CheckinOut)
@blp.alt_response(200, schema=CheckinOut, description="A retry of a check-in already received: the same answer.")
def checkin_post(body):
    """Send a scan (QR text, scan time, GPS, client_id) and get the verdict."""
    checkin, created = idempotent_write(body, CheckIn, "user_id", lambda client_id, digest: checkin_create(
        caller=current_caller(), client_id=client_id, digest=digest, payload=body["payload"],
        scanned_at=body["scanned_at"], gps=body["gps"]))
    return checkin, 201 if created else 200


class VisitPersonIn(Schema):
    person_id = fields.String(required=True, validate=validate.Length(max=16))
    skills = fields.List(fields.Enum(Skill, by_value=True), load_default=list)


class VisitIn(Schema):
    client_id = fields.UUID(required=True)
    household_id = fields.String(required=True, validate=validate.Length(max=16))
    outcome = fields.Enum(VisitOutcome, by_value=True, required=True)
    visited_at = fields.AwareDateTime(required=True)
    plate = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=512),
                          metadata={"description": "the scanned household plate: proof of presence"})
    gps = fields.Nested(GpsIn, load_default=None, allow_none=True)
    people = fields.List(fields.Nested(VisitPersonIn), load_default=list, validate=validate.Length(max=30))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class VisitOut(Schema):
    id = fields.String(attribute="public_id", required=True)
    client_id = fields.String(required=True)
    household_id = fields.Function(lambda v: v.household.public_id, required=True)
    outcome = fields.Enum(VisitOutcome, by_value=True, required=True)
    visited_at = fields.AwareDateTime(required=True)
    flags = fields.List(fields.String(), required=True)


@blp.route("/visits", methods=["POST"])
@requires("visit.create")
@blp.arguments(VisitIn)
@blp.response(201, VisitOut)
@blp.alt_response(200, schema=VisitOut, description="A retry of a visit already received: the same answer.")
def visit_post(body):
    """Record a door-to-door visit: outcome, and who was helped with which skills."""
    visit, created = idempotent_write(body, Visit, "volunteer_id", lambda client_id, digest: visit_create(
        caller=current_caller(), digest=digest, **{**body, "client_id": client_id}))
    return visit, 201 if created else 200
