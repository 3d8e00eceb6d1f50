"""Teams and their members."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from fieldapp.api.pagination import PageQuery, page_of
from fieldapp.api.schemas import CommuneCode, Id, Integer, Text, UTCDateTime
from fieldapp.auth.access import current_caller, requires
from fieldapp.auth.declaration import reads
from fieldapp.extensions import db
from fieldapp.models.teams import TeamKind
from fieldapp.models.users import User
from fieldapp.selectors import paginate
from fieldapp.selectors.teams import team_get, team_list_query
from fieldapp.services.teams import team_create, team_member_add

blp = Blueprint("teams", __name__, url_prefix="/api/v1/teams", description="Teams of a commune.")


class TeamIn(Schema):
    name = Text(required=True, max_length=200)
    kind = fields.Enum(TeamKind, by_value=True, required=True)
    leader_id = Id(required=True)
    village_id = Id(load_default=None, allow_none=True)
    commune_code = CommuneCode(load_default=None,
                                 metadata={"description": "Default: my commune."})


class TeamOut(Schema):
    id = Integer(required=True)
    commune_code = fields.String(required=True)
    village_id = Integer(required=True, allow_none=True)
    name = fields.String(required=True)
    kind = fields.Enum(TeamKind, by_value=True, required=True)
    leader_id = Integer(required=True)
    member_count = fields.Function(lambda t: len(t.members), required=True, metadata={"type": "integer"})


class MemberIn(Schema):
    user_id = Id(required=True)


class MemberOut(Schema):
    user_id = Integer(required=True)
    full_name = fields.Function(lambda m: db.session.get(User, m.user_id).full_name, required=True)
    role = fields.Function(lambda m: db.session.get(User, m.user_id).role.value, required=True)
    joined_at = UTCDateTime(required=True)


@blp.route("", methods=["GET"])
@requires("team.read", personal_data="none")
@blp.arguments(PageQuery, location="query")
@blp.response(200, page_of(TeamOut))
def team_list(args):
    """Officers: the teams of my area; leaders and volunteers: my teams."""
    return paginate(team_list_query(caller=current_caller()), page=args["page"], per_page=args["per_page"])


@blp.route("", methods=["POST"])
@requires("team.create", personal_data="write")
@blp.arguments(TeamIn)
@blp.response(201, TeamOut)
def team_post(body):
    """Set up a team under my commune or one of its villages, with its leader."""
    caller = current_caller()
    team = team_create(caller=caller, commune_code=body.pop("commune_code") or caller.unit_code,
                       leader=body.pop("leader_id"), **body)
    db.session.commit()
    return team


@blp.route("/<int(max=2147483647):team_id>", methods=["GET"])
@requires("team.read", personal_data="none")
@blp.response(200, TeamOut)
def team_detail(team_id):
    """One team."""
    return team_get(caller=current_caller(), team_id=team_id)


@blp.route("/<int(max=2147483647):team_id>/members", methods=["GET"])
@requires("team.read", personal_data=reads("team_members"))
@blp.response(200, MemberOut(many=True))
def team_members(team_id):
    """The members of a team."""
    return team_get(caller=current_caller(), team_id=team_id).members


@blp.route("/<int(max=2147483647):team_id>/members", methods=["POST"])
@requires("team.member_add", personal_data="write")
@blp.arguments(MemberIn)
@blp.response(201, MemberOut)
def team_member_post(body, team_id):
    """Add a volunteer of the commune to a team (its leader or a commune officer)."""
    caller = current_caller()
    member = team_member_add(team=team_get(caller=caller, team_id=team_id), user=body["user_id"], caller=caller)
    db.session.commit()
    return member
