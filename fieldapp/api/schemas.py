"""Schemas shared by several API areas."""
from marshmallow import Schema, fields, validate


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


class LatLonIn(Schema):
    """A point, WGS 84. Ranges are checked by the service, which also spots swapped lat/lon."""

    lat = fields.Float(required=True, allow_nan=False, metadata={"minimum": -90, "maximum": 90})
    lon = fields.Float(required=True, allow_nan=False, metadata={"minimum": -180, "maximum": 180})


class GeoJSONPolygon(fields.Dict):
    """A GeoJSON Polygon (or a Feature holding one), coordinates ``[lon, lat]``; checked by the service."""

    def _jsonschema_type_mapping(self):  # pragma: no cover - documentation only
        return {"type": "object"}
