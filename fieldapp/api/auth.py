"""Signing in and out."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldapp.api.schemas import UTCDateTime
from fieldapp.auth.access import bearer_token, current_caller
from fieldapp.auth.declaration import declares
from fieldapp.auth.signin import sign_in_throttled
from fieldapp.extensions import db
from fieldapp.services.tokens import token_issue, token_revoke

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign-in with phone and password.")


class TokenIn(Schema):
    phone = fields.String(required=True, validate=validate.Length(min=1, max=32),
                          metadata={"example": "0912345678"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class TokenOut(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_at = UTCDateTime(required=True)
    user_id = fields.Integer(required=True)
    role = fields.String(required=True)


@blp.route("/token", methods=["POST"])
@declares(personal_data="write")
@sign_in_throttled
@blp.arguments(TokenIn)
@blp.response(201, TokenOut)
@blp.alt_response(401, description="Wrong phone or password (`auth.bad_credentials`).")
@blp.alt_response(429, description="Too many failed sign-ins (`auth.throttled`); see Retry-After.")
def token_create(body):
    """Sign in: phone and password give a bearer token."""
    issued = token_issue(phone=body["phone"], password=body["password"])
    db.session.commit()
    return {"access_token": issued.token, "token_type": "Bearer", "expires_at": issued.expires_at,
            "user_id": issued.user.id, "role": issued.user.role.value}


@blp.route("/token", methods=["DELETE"])
@declares(personal_data="write")
@blp.doc(security=[{"bearerAuth": []}], **{"x-permission": "signed-in"})
@blp.response(204)
def token_delete():
    """Sign out: revoke the token this request carries (e.g. a lost phone)."""
    current_caller()
    token_revoke(bearer_token())
    db.session.commit()
