"""Liveness and database check."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text

from fieldapp.auth.declaration import declares
from fieldapp.extensions import db

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="Service health.")


class HealthOut(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})
    database = fields.String(required=True, metadata={"example": "ok"})


@blp.route("/healthz", methods=["GET"])
@declares(personal_data="none")
@blp.response(200, HealthOut)
@blp.alt_response(503, description="The database cannot be reached (`server.database_unavailable`).")
def healthz():
    """Liveness, with a round trip to the database."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok", "database": "ok"}


class LiveOut(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


@blp.route("/livez", methods=["GET"])
@declares(personal_data="none")
@blp.response(200, LiveOut)
def livez():
    """Liveness only: the process answers (no database round trip; for load balancers and probes)."""
    return {"status": "ok"}
