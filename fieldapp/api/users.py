"""Accounts created, disabled and enabled again by officers for their area."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldapp.api.schemas import Integer, Text, UTCDateTime
from fieldapp.auth.access import current_caller, requires
from fieldapp.extensions import db
from fieldapp.models.users import Role
from fieldapp.selectors.users import user_get
from fieldapp.services.users import user_create, user_disable, user_enable

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Accounts.")


class UserIn(Schema):
    phone = fields.String(required=True, validate=validate.Length(min=1, max=32))
    full_name = Text(required=True, max_length=200)
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in Role]))
    unit_code = fields.String(required=True, allow_none=True, validate=validate.Regexp(r"^\d{2}(\d{3})?$"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class UserOut(Schema):
    id = Integer(required=True)
    phone = fields.String(required=True)
    full_name = fields.String(required=True)
    role = fields.Enum(Role, by_value=True, required=True)
    unit_code = fields.String(allow_none=True, required=True)
    #: False once the account is disabled: it cannot sign in, its tokens and sessions are revoked.
    is_active = fields.Boolean(required=True)
    created_at = UTCDateTime(required=True)


@blp.route("", methods=["POST"])
@requires("user.create", personal_data="write")
@blp.arguments(UserIn)
@blp.response(201, UserOut)
def user_post(body):
    """Create an account with a role on an area inside mine."""
    user = user_create(granter=current_caller(), **body)
    db.session.commit()
    return user


@blp.route("/<int(max=2147483647):user_id>/disable", methods=["POST"])
@requires("user.disable", personal_data="write")
@blp.response(200, UserOut)
def user_disable_post(user_id):
    """Disable an account of my area (of a role I may grant, not my own).

    It cannot sign in any more, and its bearer tokens and console sessions are revoked at once.
    Disabling it again changes nothing.
    """
    caller = current_caller()
    user = user_disable(user=user_get(caller=caller, user_id=user_id), caller=caller)
    db.session.commit()
    return user


@blp.route("/<int(max=2147483647):user_id>/enable", methods=["POST"])
@requires("user.enable", personal_data="write")
@blp.response(200, UserOut)
def user_enable_post(user_id):
    """Let a disabled account of my area sign in again (its old tokens stay revoked)."""
    caller = current_caller()
    user = user_enable(user=user_get(caller=caller, user_id=user_id), caller=caller)
    db.session.commit()
    return user
