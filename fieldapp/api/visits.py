"""Door-to-door visits: recorded from the field (idempotent on client_id), read back through the
caller's reach. Where a visit was recorded (GPS) is shown to officers only, and their reads are logged."""
from datetime import datetime

from flask_smorest import Blueprint
from marshmallow import Schema, fields, post_load, validate

from fieldapp.api.pagination import PageQuery, page_of
from fieldapp.api.schemas import (
    GpsIn,
    Id,
    Integer,
    Point,
    PointOut,
    PublicId,
    Text,
    UTCDateTime,
    evidence_status_field,
)
from fieldapp.api.support_records import SUPPORTED_ORGANISATION_DOC
from fieldapp.auth.access import current_caller, requires
from fieldapp.auth.declaration import reads
from fieldapp.extensions import db
from fieldapp.geo import point_of
from fieldapp.models.evidence import Verdict
from fieldapp.models.skills import Skill
from fieldapp.models.visits import VisitOutcome
from fieldapp.selectors import paginate
from fieldapp.selectors.visits import sees_visit_location, visit_get, visit_list_query
from fieldapp.services.activity import personal_data_read_record
from fieldapp.services.idempotency import client_request
from fieldapp.services.visits import visit_create

blp = Blueprint("visits", __name__, url_prefix="/api/v1/visits", description="Door-to-door visits.")


class VisitPersonIn(Schema):
    person_id = PublicId(required=True)
    skills = fields.List(fields.Enum(Skill, by_value=True), load_default=list)
    organisation_id = Id(allow_none=True, metadata={"description": SUPPORTED_ORGANISATION_DOC})

    @post_load
    def _no_organisation(self, data, **kwargs):
        # Omitted and null are the same request: the visit's digest (its retries') stays the one of a
        # body that never had the field.
        if data.get("organisation_id", 0) is None:
            del data["organisation_id"]
        return data


class VisitIn(Schema):
    client_id = fields.UUID(required=True)
    household_id = PublicId(required=True)
    outcome = fields.Enum(VisitOutcome, by_value=True, required=True)
    visited_at = UTCDateTime(required=True)
    plate = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=512),
                          metadata={"description": "the scanned household plate: proof of presence"})
    gps = Point(GpsIn, load_default=None, allow_none=True)
    people = fields.List(fields.Nested(VisitPersonIn), load_default=list, validate=validate.Length(max=30))
    note = Text(max_length=1000, min_length=0, load_default=None, allow_none=True)


class VisitOut(Schema):
    id = fields.String(attribute="public_id", required=True)
    client_id = fields.String(required=True)
    household_id = fields.Function(lambda v: v.household.public_id, required=True)
    outcome = fields.Enum(VisitOutcome, by_value=True, required=True)
    visited_at = UTCDateTime(required=True)
    verdict = fields.Enum(Verdict, by_value=True, required=True, metadata={"description": (
        "The server's judgement, by the same rule as a check-in's: `verified`, `accepted_with_flags` "
        "(kept and shown, see flags), or `rejected` (dated in the future: kept for auditors, counts for "
        "nothing and records no support).")})
    flags = fields.List(fields.String(), required=True,
                        metadata={"description": "flags (accepted_with_flags) or reasons (rejected)"})
    evidence_status = evidence_status_field()


class _VisitLocation(fields.Nested):
    """The visit's GPS point for callers allowed to see it (``visit.location_read``), else null."""

    def __init__(self, **kwargs):
        super().__init__(PointOut, **kwargs)

    def get_value(self, obj, attr, accessor=None, default=None):
        if not sees_visit_location(current_caller()):
            return None
        point = point_of(obj.location)
        return None if point is None else {"lat": point.lat, "lon": point.lon}


class VisitReadOut(VisitOut):
    """A visit as read back: what ``POST /visits`` answers, and who, where and when."""

    volunteer_id = Integer(required=True, metadata={"description": "who made the visit (user id)"})
    commune_code = fields.String(required=True)
    village_id = fields.Function(lambda v: v.household.village_id, required=True,
                                 metadata={"type": "integer", "description": "the household's village"})
    received_at = UTCDateTime(required=True)
    note = fields.String(required=True, allow_none=True)
    location = _VisitLocation(required=True, allow_none=True, metadata={"description": (
        "Where the phone was when the visit was recorded (GPS, WGS 84). Sent only to commune and province "
        "officers and admins (permission `visit.location_read`), and each such read is recorded in the "
        "activity log; always null for volunteers and team leaders. Also null when no GPS was sent. "
        "Accuracy and distance to the household are not stored for visits.")})


class VisitQuery(PageQuery):
    household_id = PublicId(metadata={"description": "a household's public id (H…)"})
    volunteer_id = Id(metadata={"description": "who made the visits (user id)"})
    outcome = fields.Enum(VisitOutcome, by_value=True)
    village_id = Id()
    since = UTCDateTime(metadata={"description": "visited at or after"})
    until = UTCDateTime(metadata={"description": "visited before"})


def _logged(value) -> str:
    """A filter as written in the activity log (ids, enum values and times, never names)."""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(getattr(value, "value", value))


@blp.route("", methods=["POST"])
@requires("visit.create", personal_data="write")
@blp.arguments(VisitIn)
@blp.response(201, VisitOut)
@blp.alt_response(200, schema=VisitOut, description="A retry of a visit already received: the same answer.")
def visit_post(body):
    """Record a door-to-door visit: outcome, and who was helped with which skills."""
    client_id, digest = client_request(body)
    visit, created = visit_create(caller=current_caller(), digest=digest, **{**body, "client_id": client_id})
    db.session.commit()
    return visit, 201 if created else 200


@blp.route("", methods=["GET"])
@requires("visit.read", personal_data=reads("visit_list"))
@blp.arguments(VisitQuery, location="query")
@blp.response(200, page_of(VisitReadOut))
def visit_list(args):
    """Visits in my reach, newest first: mine (volunteers), my teams' (leaders), my area's (officers)."""
    caller = current_caller()
    page, per_page = args.pop("page"), args.pop("per_page")
    result = paginate(visit_list_query(caller=caller, **args), page=page, per_page=per_page)
    if sees_visit_location(caller):
        # One entry per request, not per row: who looked at which visits' locations, with what filter.
        items = result["items"]
        personal_data_read_record(
            caller=caller, object_type="visit_list", object_id="list", log_unit=caller.unit_code,
            body={"count": len(items), "with_location": sum(v.location is not None for v in items),
                  # which visits' locations were shown: the filter alone cannot say it later
                  "visits": [v.public_id for v in items if v.location is not None],
                  "filters": {name: _logged(value) for name, value in args.items()}, "page": page})
        db.session.commit()
    return result


@blp.route("/<public_id:visit_id>", methods=["GET"])
@requires("visit.read", personal_data=reads("visit"))
@blp.response(200, VisitReadOut)
def visit_detail(visit_id):
    """One visit in my reach."""
    caller = current_caller()
    visit = visit_get(caller=caller, public_id=visit_id)
    if sees_visit_location(caller):
        personal_data_read_record(caller=caller, object_type="visit", object_id=visit.public_id,
                                  log_unit=visit.commune_code,
                                  body={"with_location": visit.location is not None})
        db.session.commit()
    return visit
