"""Learning sessions: classes, desks and learning days, with venue and time window."""
from flask_smorest import Blueprint
from geoalchemy2.shape import to_shape
from marshmallow import Schema, fields, validate

from fieldapp.api.pagination import PageQuery, page_of
from fieldapp.api.schemas import CommuneCode, Id, Integer, Point, PublicId, Text, UTCDateTime
from fieldapp.api.support_records import SUPPORTED_ORGANISATION_DOC
from fieldapp.auth.access import current_caller, requires
from fieldapp.display import display_url
from fieldapp.extensions import db
from fieldapp.models.sessions import SessionKind
from fieldapp.models.skills import Skill
from fieldapp.selectors import paginate
from fieldapp.selectors.sessions import session_get, session_list_query
from fieldapp.services.sessions import attendee_add, attendee_identify, session_create

blp = Blueprint("sessions", __name__, url_prefix="/api/v1/sessions", description="Learning sessions.")


class SessionIn(Schema):
    kind = fields.Enum(SessionKind, by_value=True, required=True)
    title = Text(required=True, max_length=200)
    venue_name = Text(required=True, max_length=200)
    venue = Point(required=True)
    radius_m = Integer(load_default=100, validate=validate.Range(min=10, max=2000))
    starts_at = UTCDateTime(required=True)
    ends_at = UTCDateTime(required=True)
    topics = fields.List(fields.Enum(Skill, by_value=True), load_default=list)
    team_id = Id(load_default=None, allow_none=True)
    village_id = Id(load_default=None, allow_none=True)
    commune_code = CommuneCode(load_default=None)


def _venue(session):
    point = to_shape(session.venue)
    return {"lat": point.y, "lon": point.x}


class SessionOut(Schema):
    id = fields.String(attribute="public_id", required=True)
    commune_code = fields.String(required=True)
    kind = fields.Enum(SessionKind, by_value=True, required=True)
    title = fields.String(required=True)
    venue_name = fields.String(required=True)
    venue = fields.Function(_venue, required=True, metadata={"type": "object"})
    radius_m = Integer(required=True)
    starts_at = UTCDateTime(required=True)
    ends_at = UTCDateTime(required=True)
    topics = fields.List(fields.String(), required=True)
    team_id = Integer(required=True, allow_none=True)
    checkins = Integer(attribute="checkin_count", required=True,
                       metadata={"description": "check-ins that count (evidence_status counted: not "
                                                "rejected, not held back for review)"})
    display_url = fields.Function(lambda s: display_url(s.public_id), required=True,
                                  metadata={"description": "full-screen rotating QR for a projector"})


class SessionQuery(PageQuery):
    kind = fields.Enum(SessionKind, by_value=True)
    since = UTCDateTime()
    until = UTCDateTime()
    team_id = Id()


class AttendeeIn(Schema):
    person_card = fields.String(load_default=None, validate=validate.Length(max=512),
                                metadata={"description": "the scanned person card"})
    person_id = PublicId(load_default=None,
                              metadata={"description": "or the person's id, picked by name"})
    organisation_id = Id(load_default=None, allow_none=True, metadata={"description": SUPPORTED_ORGANISATION_DOC})


class AttendeeOut(Schema):
    person_id = fields.Function(lambda a: a.person.public_id, required=True)
    via = fields.String(required=True)
    organisation_id = Integer(required=True, allow_none=True, metadata={
        "description": "the organisation they were recorded on behalf of, or null (as first recorded)"})
    recorded_at = UTCDateTime(required=True)


@blp.route("", methods=["GET"])
@requires("session.read", personal_data="none")
@blp.arguments(SessionQuery, location="query")
@blp.response(200, page_of(SessionOut))
def session_list(args):
    """Sessions of my area, newest first."""
    page, per_page = args.pop("page"), args.pop("per_page")
    return paginate(session_list_query(caller=current_caller(), **args), page=page, per_page=per_page)


@blp.route("", methods=["POST"])
@requires("session.create", personal_data="write")
@blp.arguments(SessionIn)
@blp.response(201, SessionOut)
def session_post(body):
    """Plan a session: kind, venue and radius, time window, topics."""
    session = session_create(caller=current_caller(), **body)
    db.session.commit()
    return session


@blp.route("/<public_id:session_id>", methods=["GET"])
@requires("session.read", personal_data="none")
@blp.response(200, SessionOut)
def session_detail(session_id):
    """One session, with its count of check-ins."""
    return session_get(caller=current_caller(), public_id=session_id)


@blp.route("/<public_id:session_id>/attendees", methods=["POST"])
@requires("session.attendee_add", personal_data="write")
@blp.arguments(AttendeeIn)
@blp.response(201, AttendeeOut)
def session_attendee_post(body, session_id):
    """Record a resident at the session, by scanning their person card or by picking them by name."""
    caller = current_caller()
    session = session_get(caller=caller, public_id=session_id)
    organisation_id = body.pop("organisation_id")
    person, via = attendee_identify(caller=caller, **body)
    attendee = attendee_add(caller=caller, session=session, person=person, via=via, organisation_id=organisation_id)
    db.session.commit()
    return attendee
