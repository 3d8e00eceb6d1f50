"""Accounts created by officers for their area."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldapp.api.schemas import Integer, UTCDateTime
from fieldapp.auth.caller import current_caller, requires
from fieldapp.extensions import db
from fieldapp.models.users import Role
from fieldapp.services.users import user_create

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Accounts.")


class UserIn(Schema):
    phone = fields.String(required=True, validate=validate.Length(min=1, max=32))
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    unit_code = fields.String(required=True, allow_none=True, validate=validate.Regexp(r"^\d{2}(\d{3})?$"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class UserOut(Schema):
    id = Integer(required=True)
    phone = fields.String(required=True)
    full_name = fields.String(required=True)
    role = fields.Enum(Role, by_value=True, required=True)
    unit_code = fields.String(allow_none=True, required=True)
    created_at = UTCDateTime(required=True)


@blp.route("", methods=["POST"])
@requires("user.create")
@blp.arguments(UserIn)
@blp.response(201, UserOut)
def user_post(body):
    """Create an account with a role on an area inside mine."""
    user = user_create(granter=current_caller(), **body)
    db.session.commit()
    return user
