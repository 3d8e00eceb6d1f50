"""Digital Ambassadors (Đại sứ số): who mentors, the ≥5 rule, and the network below each mentor."""
from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from fieldapp.api.pagination import PageQuery, page_of
from fieldapp.api.schemas import CommuneCode, Id, UTCDateTime
from fieldapp.auth.access import current_caller, requires
from fieldapp.auth.declaration import reads
from fieldapp.extensions import db
from fieldapp.models.ambassadors import AmbassadorOrigin
from fieldapp.models.mentorships import MentorshipStatus
from fieldapp.models.skills import Skill
from fieldapp.selectors import paginate
from fieldapp.selectors.ambassadors import (
    ambassador_list_query,
    ambassador_rows,
    ambassador_summary,
    network_get,
)
from fieldapp.selectors.mentorships import MENTEES_PER_MENTOR_TARGET, MenteeCounts
from fieldapp.services.activity import personal_data_read_record
from fieldapp.services.ambassadors import ambassador_appoint

blp = Blueprint("ambassadors", __name__, url_prefix="/api/v1/ambassadors",
                description="Digital Ambassadors (Đại sứ số): mentors, the ≥5 rule, their networks.")

class AmbassadorIn(Schema):
    origin = fields.Enum(AmbassadorOrigin, by_value=True, required=True,
                         metadata={"description": "Where the ambassador comes from; indicators are broken down by it."})


class AmbassadorOut(Schema):
    user_id = fields.Integer(required=True)
    full_name = fields.Function(lambda a: a.user.full_name, required=True, metadata={"type": "string"})
    commune_code = fields.String(required=True)
    origin = fields.Enum(AmbassadorOrigin, by_value=True, required=True)
    appointed_at = UTCDateTime(required=True)
    promoted_from_person_id = fields.Function(
        lambda a: a.promoted_from.public_id if a.promoted_from_person_id else None, required=True, allow_none=True,
        metadata={"type": "string", "description": "The resident (person card id) this ambassador was promoted from."})
    trained_by_user_id = fields.Integer(required=True, allow_none=True,
                                        metadata={"description": "The mentor who trained them, when promoted."})


class RuleOut(Schema):
    """The ≥5 rule for one mentor: active and completed mentees count."""

    target = fields.Integer(required=True, metadata={"example": MENTEES_PER_MENTOR_TARGET})
    active = fields.Integer(required=True)
    completed = fields.Integer(required=True)
    counted = fields.Integer(required=True)
    lacking = fields.Integer(required=True, metadata={"description": "mentees still needed to reach the target"})
    meets_target = fields.Boolean(required=True)
    ceiling = fields.Integer(required=True, metadata={"description": "most active mentees a mentor may have"})


def rule_of(counts: MenteeCounts) -> dict:
    return {"target": MENTEES_PER_MENTOR_TARGET, "active": counts.active, "completed": counts.completed,
            "counted": counts.counted, "lacking": counts.lacking, "meets_target": counts.meets_target,
            "ceiling": current_app.config["MENTEES_PER_MENTOR_MAX"]}


class AmbassadorItemOut(Schema):
    ambassador = fields.Nested(AmbassadorOut, required=True)
    rule = fields.Nested(RuleOut, required=True)


class AmbassadorQuery(PageQuery):
    commune = CommuneCode()
    team_id = Id()
    origin = fields.Enum(AmbassadorOrigin, by_value=True)
    under_target = fields.Boolean(metadata={"description": "true: mentors below the ≥5 rule, who lack most first"})


class SummaryQuery(Schema):
    commune = CommuneCode()
    team_id = Id()


class OriginSummaryOut(Schema):
    origin = fields.String(required=True, metadata={"enum": [o.value for o in AmbassadorOrigin]})
    ambassadors = fields.Integer(required=True)
    meeting_target = fields.Integer(required=True)


class SummaryOut(Schema):
    ambassadors = fields.Integer(required=True)
    meeting_target = fields.Integer(required=True, metadata={"description": "mentors with ≥5 mentees"})
    under_target = fields.Integer(required=True)
    lacking = fields.Integer(required=True, metadata={"description": "mentees still needed, summed over mentors"})
    share_meeting_target = fields.Float(required=True, allow_none=True,
                                        metadata={"description": "0..1; target of the plans: 1 (100% of mentors)"})
    by_origin = fields.List(fields.Nested(OriginSummaryOut), required=True)


class SkillProgressOut(Schema):
    skill = fields.Enum(Skill, by_value=True, required=True)
    reached_at = UTCDateTime(required=True, allow_none=True)


class MenteeOut(Schema):
    mentorship_id = fields.String(attribute="mentorship.public_id", required=True)
    status = fields.Enum(MentorshipStatus, by_value=True, attribute="mentorship.status", required=True)
    mentee_person_id = fields.Function(lambda v: v.id if v.kind == "person" else None, required=True,
                                       allow_none=True, metadata={"type": "string"})
    mentee_user_id = fields.Function(lambda v: v.id if v.kind == "volunteer" else None, required=True,
                                     allow_none=True, metadata={"type": "integer"})
    full_name = fields.String(required=True)
    skills = fields.List(fields.Nested(SkillProgressOut), attribute="mentorship.skills", required=True)
    skills_reached = fields.Function(lambda v: sum(s.reached_at is not None for s in v.mentorship.skills),
                                     required=True, metadata={"type": "integer"})
    started_at = UTCDateTime(attribute="mentorship.started_at", required=True)
    ended_at = UTCDateTime(attribute="mentorship.ended_at", required=True, allow_none=True)
    interactions = fields.Integer(required=True)
    last_interaction_at = UTCDateTime(required=True, allow_none=True)
    ambassador_user_id = fields.Integer(required=True, allow_none=True,
                                        metadata={"description": "the mentee mentors in turn: their network"})


class LevelOut(Schema):
    depth = fields.Integer(required=True)
    people = fields.Integer(required=True)
    completed = fields.Integer(required=True)
    ambassadors = fields.Integer(required=True)


class TreeOut(Schema):
    depth = fields.Integer(required=True, metadata={"description": "levels below the mentor (1: own mentees)"})
    reach = fields.Integer(required=True,
                           metadata={"description": "people trained directly and through mentees who mentor"})
    reach_completed = fields.Integer(required=True)
    ambassadors = fields.Integer(required=True, metadata={"description": "of them, mentors in turn"})
    levels = fields.List(fields.Nested(LevelOut), required=True)


class NetworkOut(Schema):
    ambassador = fields.Nested(AmbassadorOut, required=True)
    rule = fields.Nested(RuleOut, required=True)
    mentees = fields.List(fields.Nested(MenteeOut), required=True,
                          metadata={"description": "active first, then completed, then dropped"})
    tree = fields.Nested(TreeOut, required=True)


@blp.route("", methods=["GET"])
@requires("ambassador.read", personal_data=reads("ambassador_list"))
@blp.arguments(AmbassadorQuery, location="query")
@blp.response(200, page_of(AmbassadorItemOut))
def ambassador_list(args):
    """Ambassadors in my reach with the ≥5 rule; `under_target=true` lists those to follow up, per team or commune."""
    page, per_page = args.pop("page"), args.pop("per_page")
    result = paginate(ambassador_list_query(caller=current_caller(), commune_code=args.pop("commune", None), **args),
                      page=page, per_page=per_page, rows=True)
    result["items"] = [{"ambassador": a, "rule": rule_of(c)} for a, c in ambassador_rows(result["items"])]
    return result


@blp.route("/summary", methods=["GET"])
@requires("ambassador.read", personal_data="none")
@blp.arguments(SummaryQuery, location="query")
@blp.response(200, SummaryOut)
def ambassador_summary_get(args):
    """How many ambassadors of my area (a commune, a team) meet the ≥5 rule, by origin."""
    summary = ambassador_summary(caller=current_caller(), commune_code=args.get("commune"),
                                 team_id=args.get("team_id"))
    return {**summary.__dict__, "share_meeting_target": summary.share_meeting_target}


@blp.route("/<int(max=2147483647):user_id>", methods=["PUT"])
@requires("ambassador.appoint", personal_data="write")
@blp.arguments(AmbassadorIn)
@blp.response(200, AmbassadorOut)
def ambassador_put(body, user_id):
    """Mark a volunteer of my team or area as a Digital Ambassador (or correct their origin)."""
    ambassador = ambassador_appoint(caller=current_caller(), user_id=user_id, origin=body["origin"])
    db.session.commit()
    return ambassador


@blp.route("/<int(max=2147483647):user_id>/network", methods=["GET"])
@requires("ambassador.read", personal_data=reads("ambassador_network"))
@blp.response(200, NetworkOut)
def ambassador_network(user_id):
    """A mentor's mentees and their progress, the ≥5 rule, and the tree below them (depth, reach)."""
    caller = current_caller()
    network = network_get(caller=caller, user_id=user_id)
    personal_data_read_record(caller=caller, object_type="ambassador_network", object_id=str(user_id),
                              log_unit=network.ambassador.commune_code, body={"mentees": len(network.mentees)})
    db.session.commit()
    return {"ambassador": network.ambassador, "rule": rule_of(network.counts), "mentees": network.mentees,
            "tree": network.tree}
