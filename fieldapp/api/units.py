"""Administrative units: provinces and communes."""
from flask_smorest import Blueprint
from geoalchemy2.shape import to_shape
from marshmallow import Schema, fields, validate

from fieldapp.api.pagination import PageQuery, page_of
from fieldapp.api.schemas import Text
from fieldapp.auth.access import requires
from fieldapp.models.units import UnitLevel
from fieldapp.selectors import paginate
from fieldapp.selectors.units import unit_get, unit_list_query

blp = Blueprint("units", __name__, url_prefix="/api/v1/units",
                description="The 34 provinces and 3,321 communes, by official code.")


def _centroid(unit):
    if unit.centroid is None:
        return None
    point = to_shape(unit.centroid)
    return {"lat": point.y, "lon": point.x}


class UnitOut(Schema):
    code = fields.String(required=True, metadata={"example": "17395"})
    level = fields.Enum(UnitLevel, by_value=True, required=True)
    kind = fields.String(required=True, metadata={"example": "Xã"})
    name = fields.String(required=True, metadata={"example": "Xã Hùng Châu"})
    short_name = fields.String(required=True)
    parent_code = fields.String(allow_none=True, required=True)
    centroid = fields.Function(_centroid, required=True, allow_none=True,
                               metadata={"type": "object", "description": "{lat, lon}, WGS 84"})
    area_km2 = fields.Float(allow_none=True, required=True)


class UnitQuery(PageQuery):
    q = Text(max_length=100,
             metadata={"description": "Name, with or without diacritics: `hung chau`."})
    province = fields.String(validate=validate.Regexp(r"^\d{2}$"),
                             metadata={"description": "Province code: its communes (and itself)."})
    level = fields.Enum(UnitLevel)


@blp.route("", methods=["GET"])
@requires("unit.read", personal_data="none")
@blp.arguments(UnitQuery, location="query")
@blp.response(200, page_of(UnitOut))
def unit_list(args):
    """Search provinces and communes by name without diacritics, by province and level."""
    query = unit_list_query(q=args.get("q"), province=args.get("province"), level=args.get("level"))
    return paginate(query, page=args["page"], per_page=args["per_page"])


@blp.route("/<code>", methods=["GET"])
@requires("unit.read", personal_data="none")
@blp.response(200, UnitOut)
def unit_detail(code):
    """One province or commune by its official code."""
    return unit_get(code=code)
