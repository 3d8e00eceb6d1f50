"""Schemas shared by several API areas."""
from datetime import UTC, datetime

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


#: What the databases' integer columns hold; a larger number is a 422, never an overflow (500).
INT32 = (-(2**31), 2**31 - 1)


class Integer(fields.Integer):
    """``fields.Integer`` bounded to 32 bits, on top of any range the field sets itself."""

    def __init__(self, *args, **kwargs):
        extra = kwargs.pop("validate", None)
        validators = [validate.Range(min=INT32[0], max=INT32[1])]
        if extra is not None:
            validators += list(extra) if isinstance(extra, (list, tuple)) else [extra]
        super().__init__(*args, validate=validators, **kwargs)


class UTCDateTime(fields.AwareDateTime):
    """An ISO 8601 time with its offset, loaded in UTC, between 1970 and 2199.

    Anything else is a 422: a time whose UTC leaves the calendar (``0001-01-01T00:00:00+07:00``)
    overflowed when compared with a column, and one in year 1 overflowed later, in the arithmetic of
    a session's window or a mentorship's start (500s). No time of this service lies outside.
    """

    EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
    LATEST = datetime(2200, 1, 1, tzinfo=UTC)

    def _deserialize(self, value, attr, data, **kwargs):
        loaded = super()._deserialize(value, attr, data, **kwargs)
        try:
            in_utc = loaded.astimezone(UTC)
        except OverflowError as error:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from error
        if not self.EARLIEST <= in_utc < self.LATEST:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        return in_utc


class StringList(fields.List):
    """Output only: a list of strings the server built itself, written out as it is.

    Why: marshmallow's List sends each item through ``fields.String`` (a worklist page holds about
    a thousand of these skill names); the OpenAPI description is the same (an array of strings).
    """

    def __init__(self, **kwargs):
        super().__init__(fields.String(), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else [str(item) for item in value]
