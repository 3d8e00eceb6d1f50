"""Villages (thôn, bản, xóm, khối, tổ dân phố) of a commune."""
from flask_smorest import Blueprint
from geoalchemy2.shape import to_shape
from marshmallow import Schema, fields
from shapely.geometry import mapping

from fieldapp.api.pagination import PageQuery, page_of
from fieldapp.api.schemas import Text
from fieldapp.auth.access import current_caller, requires
from fieldapp.auth.scope import commune_in_scope
from fieldapp.extensions import db
from fieldapp.models.villages import VillageKind
from fieldapp.selectors import paginate
from fieldapp.selectors.villages import village_list_query
from fieldapp.services.villages import village_create

blp = Blueprint("villages", __name__, url_prefix="/api/v1/communes", description="Villages of a commune.")


class VillageIn(Schema):
    name = Text(required=True, max_length=200)
    kind = fields.Enum(VillageKind, by_value=True, required=True)
    boundary = fields.Dict(load_default=None, allow_none=True,
                           metadata={"description": "GeoJSON Polygon, coordinates [lon, lat]"})


class VillageOut(Schema):
    id = fields.Integer(required=True)
    commune_code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.Enum(VillageKind, by_value=True, required=True)
    boundary = fields.Function(lambda v: mapping(to_shape(v.boundary)) if v.boundary is not None else None,
                               required=True, allow_none=True, metadata={"type": "object"})


@blp.route("/<code>/villages", methods=["GET"])
@requires("village.read", personal_data="none")
@blp.arguments(PageQuery, location="query")
@blp.response(200, page_of(VillageOut))
def village_list(args, code):
    """Villages of a commune in my area."""
    caller = current_caller()
    commune_in_scope(caller, code)
    return paginate(village_list_query(caller=caller, commune_code=code), page=args["page"], per_page=args["per_page"])


@blp.route("/<code>/villages", methods=["POST"])
@requires("village.create", personal_data="write")
@blp.arguments(VillageIn)
@blp.response(201, VillageOut)
def village_post(body, code):
    """Define a village of my commune, optionally with its boundary."""
    village = village_create(commune_code=code, caller=current_caller(), **body)
    db.session.commit()
    return village
