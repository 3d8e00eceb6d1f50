"""Assigning households to volunteers."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldapp.api.schemas import Id, Integer, PublicId
from fieldapp.auth.access import current_caller, requires
from fieldapp.extensions import db
from fieldapp.services.assignments import assignments_create

blp = Blueprint("assignments", __name__, url_prefix="/api/v1/assignments",
                description="Team leaders give households to the volunteers of their team.")


class AssignmentIn(Schema):
    volunteer_id = Id(required=True)
    team_id = Id(load_default=None, allow_none=True,
                             metadata={"description": "When the volunteer is in several of my teams."})
    household_ids = fields.List(PublicId(), load_default=None,
                                validate=validate.Length(min=1, max=2000))
    village_id = Id(load_default=None)
    polygon = fields.Dict(load_default=None, metadata={"description": "GeoJSON Polygon, [lon, lat]"})


class AssignmentOut(Schema):
    volunteer_id = Integer(required=True)
    team_id = Integer(required=True)
    assigned = fields.Function(lambda r: [h.public_id for h in r.assigned], required=True,
                               metadata={"type": "array", "items": {"type": "string"}})
    reassigned = Integer(required=True, metadata={"description": "taken from another volunteer"})
    unchanged = Integer(required=True, metadata={"description": "already this volunteer's"})


@blp.route("", methods=["POST"])
@requires("household.assign", personal_data="write")
@blp.arguments(AssignmentIn)
@blp.response(201, AssignmentOut)
def assignment_post(body):
    """Assign households to a volunteer of my team: by ids, by village, or by a polygon on the map."""
    result = assignments_create(caller=current_caller(), **body)
    db.session.commit()
    return result
