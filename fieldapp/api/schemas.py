"""Schemas shared by several API areas."""
from marshmallow import Schema, fields


class PointOut(Schema):
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)


class ErrorOut(Schema):
    """The one error envelope (CONTRACT.md)."""

    code = fields.Integer(required=True)
    status = fields.String(required=True)
    error_code = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(required=True)
