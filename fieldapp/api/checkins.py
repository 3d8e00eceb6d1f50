"""Check-ins: a scanned plate or session code, sent from the phone, idempotent on client_id (visits: api/visits.py)."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldapp.api.schemas import GpsIn, Point, UTCDateTime, evidence_status_field
from fieldapp.auth.access import current_caller, requires
from fieldapp.extensions import db
from fieldapp.models.evidence import Verdict
from fieldapp.services.checkins import checkin_create
from fieldapp.services.idempotency import client_request

blp = Blueprint("checkins", __name__, url_prefix="/api/v1",
                description="Check-ins: scans of a plate or a session code.")


class CheckinIn(Schema):
    client_id = fields.UUID(required=True, metadata={"description": "the phone's id for this scan; resend it on retry"})
    payload = fields.String(required=True, validate=validate.Length(min=1, max=512),
                            metadata={"description": "the scanned text"})
    scanned_at = UTCDateTime(required=True)
    gps = Point(GpsIn, load_default=None, allow_none=True)


class CheckinOut(Schema):
    id = fields.String(attribute="client_id", required=True)
    verdict = fields.Enum(Verdict, by_value=True, required=True)
    flags = fields.List(fields.String(), required=True,
                        metadata={"description": "flags (accepted_with_flags) or reasons (rejected)"})
    evidence_status = evidence_status_field()
    target = fields.String(attribute="target_kind", required=True)
    distance_m = fields.Float(required=True, allow_none=True)
    scanned_at = UTCDateTime(required=True)
    received_at = UTCDateTime(required=True)


@blp.route("/checkins", methods=["POST"])
@requires("checkin.create", personal_data="write")
# Schema instances, not classes: webargs would build a new CheckinIn (deep-copying its fields) on
# every request of the hot path.
@blp.arguments(CheckinIn())
@blp.response(201, CheckinOut())
@blp.alt_response(200, schema=CheckinOut, description="A retry of a check-in already received: the same answer.")
def checkin_post(body):
    """Send a scan (QR text, scan time, GPS, client_id) and get the verdict."""
    client_id, digest = client_request(body)
    checkin, created = checkin_create(caller=current_caller(), client_id=client_id, digest=digest,
                                      payload=body["payload"], scanned_at=body["scanned_at"], gps=body["gps"])
    db.session.commit()
    return checkin, 201 if created else 200
