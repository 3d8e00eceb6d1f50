"""The signed-in user's own profile."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from fieldapp.api.schemas import Integer
from fieldapp.auth.access import current_caller, requires
from fieldapp.extensions import db
from fieldapp.models.teams import TeamKind
from fieldapp.models.units import UnitLevel
from fieldapp.models.users import Role, User
from fieldapp.selectors.teams import teams_of_user

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The signed-in user.")


class AreaOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.Enum(UnitLevel, by_value=True, required=True)


class MyTeamOut(Schema):
    id = Integer(required=True)
    name = fields.String(required=True)
    kind = fields.Enum(TeamKind, by_value=True, required=True)
    commune_code = fields.String(required=True)
    village_id = Integer(allow_none=True, required=True)
    leader_id = Integer(required=True)


class MeOut(Schema):
    id = Integer(required=True)
    phone = fields.String(required=True)
    full_name = fields.String(required=True)
    role = fields.Enum(Role, by_value=True, required=True)
    area = fields.Nested(AreaOut, attribute="unit", allow_none=True, required=True,
                         metadata={"description": "Where the role is held; null for a nationwide admin."})
    permissions = fields.List(fields.String(), required=True)
    teams = fields.List(fields.Nested(MyTeamOut), required=True,
                        metadata={"description": "Teams I lead or belong to."})


@blp.route("", methods=["GET"])
@requires("me.read", personal_data="none")  # the caller's own account, nobody else's
@blp.response(200, MeOut)
def me_get():
    """My profile, role, area, permissions and teams."""
    from fieldapp.auth.permissions import ROLE_VERBS

    caller = current_caller()
    user = db.session.get(User, caller.user_id)
    return {"id": user.id, "phone": user.phone, "full_name": user.full_name, "role": user.role,
            "unit": user.unit, "permissions": sorted(ROLE_VERBS[caller.role]),
            "teams": teams_of_user(user_id=user.id)}
