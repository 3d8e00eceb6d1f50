"""Mentorships (mentor → mentee), their progress, the meetings that evidence them, and promotion."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldapp.api.ambassadors import AmbassadorOut, SkillProgressOut
from fieldapp.api.pagination import PageQuery, page_of
from fieldapp.api.schemas import CommuneCode, Id, PatchSchema, Point, PublicId, Text, UTCDateTime
from fieldapp.auth.access import current_caller, requires
from fieldapp.auth.declaration import reads
from fieldapp.extensions import db
from fieldapp.geo import point_of
from fieldapp.models.ambassadors import AmbassadorOrigin
from fieldapp.models.mentorships import InteractionMethod, MentorshipStatus
from fieldapp.models.skills import Skill
from fieldapp.selectors import paginate
from fieldapp.selectors.mentorships import interaction_list_query, mentorship_get, mentorship_list_query
from fieldapp.services.activity import personal_data_read_record
from fieldapp.services.ambassadors import mentorship_promote
from fieldapp.services.mentorships import interaction_record, mentorship_create, mentorship_update

blp = Blueprint("mentorships", __name__, url_prefix="/api/v1/mentorships",
                description="Mentor → mentee links of the Digital Ambassador network, and their evidence.")



def _skills(description: str) -> fields.List:
    return fields.List(fields.Enum(Skill, by_value=True), validate=validate.Length(max=len(Skill)),
                       metadata={"description": description})


class MentorshipIn(Schema):
    mentor_user_id = Id(load_default=None, allow_none=True,
                                    metadata={"description": "An ambassador; default: me."})
    mentee_person_id = PublicId(load_default=None, allow_none=True,
                                     metadata={"description": "A resident, by person-card id (P…)."})
    mentee_user_id = Id(load_default=None, allow_none=True,
                                    metadata={"description": "Or another volunteer, by account id."})
    skills = fields.List(fields.Enum(Skill, by_value=True), required=True,
                         validate=validate.Length(min=1, max=len(Skill)),
                         metadata={"description": "The skills to work on."})
    started_at = UTCDateTime(load_default=None, allow_none=True,
                                      metadata={"description": "When it began (offline); default: now."})


class MentorshipPatch(PatchSchema):
    status = fields.String(validate=validate.OneOf([MentorshipStatus.completed.value, MentorshipStatus.dropped.value]),
                           metadata={"description": "End it: completed (every skill reached) or dropped."})
    add_skills = _skills("More skills to work on.")
    skills_reached = _skills("Skills the mentee has now reached (added if not worked on yet).")


def _mentee_name(mentorship):
    if mentorship.mentee_person is not None:
        return mentorship.mentee_person.shown_name
    return mentorship.mentee_user.full_name


class MentorshipOut(Schema):
    id = fields.String(attribute="public_id", required=True, metadata={"example": "M4K8Q2Z7WXT"})
    commune_code = fields.String(required=True)
    mentor_user_id = fields.Integer(required=True)
    mentee_person_id = fields.Function(lambda m: m.mentee_person.public_id if m.mentee_person_id else None,
                                       required=True, allow_none=True, metadata={"type": "string"})
    mentee_user_id = fields.Integer(required=True, allow_none=True)
    mentee_name = fields.Function(_mentee_name, required=True, metadata={"type": "string"})
    status = fields.Enum(MentorshipStatus, by_value=True, required=True)
    skills = fields.List(fields.Nested(SkillProgressOut), required=True)
    started_at = UTCDateTime(required=True)
    ended_at = UTCDateTime(required=True, allow_none=True)


class MentorshipQuery(PageQuery):
    mentor_user_id = Id()
    status = fields.Enum(MentorshipStatus, by_value=True)
    mentee_person_id = PublicId()
    mentee_user_id = Id()
    commune = CommuneCode()


class InteractionIn(Schema):
    method = fields.Enum(InteractionMethod, by_value=True, required=True)
    occurred_at = UTCDateTime(required=True, metadata={"description": "When it happened, phone time"})
    location = Point(load_default=None, allow_none=True, metadata={"description": "Required for qr_scan and in_person"})
    evidence_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64), metadata={
        "description": "Looked up through the caller's reach (404 otherwise): qr_scan, the id on the mentee's "
                       "person card or the check-in's id (POST /checkins's `id`); visit, session: its id; "
                       "in_person: a free note."})
    client_id = fields.UUID(load_default=None, allow_none=True,
                            metadata={"description": "The phone's id for this record: retries record it once"})


def _location(interaction):
    point = point_of(interaction.location)
    return None if point is None else {"lat": point.lat, "lon": point.lon}


class InteractionOut(Schema):
    id = fields.Integer(required=True)
    method = fields.Enum(InteractionMethod, by_value=True, required=True)
    occurred_at = UTCDateTime(required=True)
    location = fields.Function(_location, required=True, allow_none=True, metadata={"type": "object"})
    evidence_ref = fields.String(required=True, allow_none=True)
    client_id = fields.String(required=True, allow_none=True)
    recorded_by = fields.Integer(required=True, allow_none=True)
    recorded_at = UTCDateTime(required=True)


class PromoteIn(Schema):
    origin = fields.Enum(AmbassadorOrigin, by_value=True, required=True)
    user_id = Id(load_default=None, allow_none=True,
                             metadata={"description": "Link an existing volunteer account of the commune"})
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                          metadata={"description": "Or create one: phone (default: the resident's) …"})
    password = fields.String(load_default=None, allow_none=True, load_only=True,
                             validate=validate.Length(min=1, max=256), metadata={"description": "… and password"})
    full_name = Text(load_default=None, allow_none=True, max_length=200,
                              metadata={"description": "default: the resident's name"})


@blp.route("", methods=["GET"])
@requires("mentorship.read", personal_data=reads("mentorship_list"))
@blp.arguments(MentorshipQuery, location="query")
@blp.response(200, page_of(MentorshipOut))
def mentorship_list(args):
    """Mentorships in my reach: mine as mentor or mentee, my team's, my area's."""
    caller = current_caller()
    page, per_page = args.pop("page"), args.pop("per_page")
    result = paginate(mentorship_list_query(caller=caller, commune_code=args.pop("commune", None), **args),
                      page=page, per_page=per_page)
    personal_data_read_record(caller=caller, object_type="mentorship_list", object_id="list",
                              log_unit=caller.unit_code, body={"count": len(result["items"])})
    db.session.commit()
    return result


@blp.route("", methods=["POST"])
@requires("mentorship.create", personal_data="write")
@blp.arguments(MentorshipIn)
@blp.response(201, MentorshipOut)
def mentorship_post(body):
    """Start a mentorship: an ambassador guides a resident of the commune, or another volunteer."""
    mentorship = mentorship_create(caller=current_caller(), **body)
    db.session.commit()
    return mentorship


@blp.route("/<public_id:mentorship_id>", methods=["GET"])
@requires("mentorship.read", personal_data=reads("mentorship"))
@blp.response(200, MentorshipOut)
def mentorship_detail(mentorship_id):
    """One mentorship, with the skills worked on and reached."""
    caller = current_caller()
    mentorship = mentorship_get(caller=caller, public_id=mentorship_id)
    personal_data_read_record(caller=caller, object_type="mentorship", object_id=mentorship.public_id,
                              log_unit=mentorship.commune_code)
    db.session.commit()
    return mentorship


@blp.route("/<public_id:mentorship_id>", methods=["PATCH"])
@requires("mentorship.update", personal_data="write")
@blp.arguments(MentorshipPatch)
@blp.response(200, MentorshipOut)
def mentorship_patch(body, mentorship_id):
    """Record skills reached (written to the resident's skills record too) or end it: completed or dropped."""
    caller = current_caller()
    mentorship = mentorship_update(caller=caller, mentorship=mentorship_get(caller=caller, public_id=mentorship_id),
                                   **body)
    db.session.commit()
    return mentorship


@blp.route("/<public_id:mentorship_id>/interactions", methods=["GET"])
@requires("mentorship.read", personal_data=reads("mentorship_interactions"))
@blp.arguments(PageQuery, location="query")
@blp.response(200, page_of(InteractionOut))
def interaction_list(args, mentorship_id):
    """The meetings of a mentorship, latest first."""
    mentorship = mentorship_get(caller=current_caller(), public_id=mentorship_id)
    return paginate(interaction_list_query(mentorship=mentorship), page=args["page"], per_page=args["per_page"])


@blp.route("/<public_id:mentorship_id>/interactions", methods=["POST"])
@requires("mentorship.interaction_record", personal_data="write")
@blp.arguments(InteractionIn)
@blp.response(201, InteractionOut)
def interaction_post(body, mentorship_id):
    """Record a meeting with the mentee (the mentor only): when, where, and how (QR scan, visit, session)."""
    caller = current_caller()
    if body["client_id"] is not None:
        body["client_id"] = str(body["client_id"])
    interaction = interaction_record(caller=caller, mentorship=mentorship_get(caller=caller, public_id=mentorship_id),
                                     **body)
    db.session.commit()
    return interaction


@blp.route("/<public_id:mentorship_id>/promote", methods=["POST"])
@requires("ambassador.promote", personal_data="write")
@blp.arguments(PromoteIn)
@blp.response(201, AmbassadorOut)
def mentorship_promote_post(body, mentorship_id):
    """Promote the mentee of a completed mentorship to ambassador, with an account linked or created."""
    caller = current_caller()
    ambassador = mentorship_promote(caller=caller, mentorship=mentorship_get(caller=caller, public_id=mentorship_id),
                                    **body)
    db.session.commit()
    return ambassador
