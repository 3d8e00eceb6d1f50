"""Schemas and field types shared by several API areas.

The field types here validate what their OpenAPI description says, and say what they validate: a
request the document allows is never refused by the fields (only by a rule of the plans no schema can
state, which answers with its own error code), and one it forbids is never accepted.
"""
from datetime import UTC

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from fieldapp.ids import PUBLIC_ID_PATTERN
from fieldapp.models.types import INT32
from fieldapp.text import nfc


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
    """A point, WGS 84 (see :class:`Point`, which checks the ranges)."""

    lat = fields.Float(required=True, allow_nan=False, metadata={"minimum": -90, "maximum": 90})
    lon = fields.Float(required=True, allow_nan=False, metadata={"minimum": -180, "maximum": 180})


class GpsIn(LatLonIn):
    """Where the phone was, as it reports it: a point, its accuracy, and Android's mock flag."""

    accuracy_m = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100_000))
    mock_location = fields.Boolean(load_default=False, metadata={"description": "Android's mock-location flag"})


class Point(fields.Nested):
    """A point in a body (``{"lat", "lon"}``, or a schema extending :class:`LatLonIn`), its ranges
    checked as the document says: out of range is ``location.out_of_range``, or ``location.swapped``
    when the swapped pair lies in Vietnam (the usual mistake), naming this field."""

    def __init__(self, schema=LatLonIn, **kwargs):
        super().__init__(schema, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        from fieldapp.geo import LatLon, check_range

        loaded = super()._deserialize(value, attr, data, **kwargs)
        if loaded is not None:
            check_range(LatLon(loaded["lat"], loaded["lon"]), field=self.name)
        return loaded


class PointText(fields.String):
    """A point in a query string, ``lat,lon`` in decimal degrees (``19.1222,105.563``): the document's
    pattern is exactly what is read, ranges included (lat -90..90, lon -180..180)."""

    _LAT = r"-?(90(\.0+)?|[1-8]?[0-9](\.[0-9]+)?)"
    _LON = r"-?(180(\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]+)?)"
    PATTERN = rf"^{_LAT},{_LON}$"

    def __init__(self, **kwargs):
        metadata = {"pattern": self.PATTERN, "example": "19.1222,105.563", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        import re

        from fieldapp.geo import LatLon, check_range

        text = super()._deserialize(value, attr, data, **kwargs)
        if not re.match(self.PATTERN, text):
            raise ValidationError("String does not match expected pattern.")
        lat, lon = (float(part) for part in text.split(","))
        point = LatLon(lat, lon)
        check_range(point, field=self.name)
        return point


class GeoJSONPolygon(fields.Dict):
    """A GeoJSON Polygon (or a Feature holding one), coordinates ``[lon, lat]``; checked by the service."""

    def _jsonschema_type_mapping(self):  # pragma: no cover - documentation only
        return {"type": "object"}




class Integer(fields.Integer):
    """``fields.Integer`` bounded to 32 bits, on top of any range the field sets itself."""

    def __init__(self, *args, **kwargs):
        extra = kwargs.pop("validate", None)
        validators = [validate.Range(min=INT32[0], max=INT32[1])]
        if extra is not None:
            validators += list(extra) if isinstance(extra, (list, tuple)) else [extra]
        super().__init__(*args, validate=validators, **kwargs)


class Id(Integer):
    """A database id that a request names (an account, a village, a team): 1 to 2**31 - 1, what the
    columns hold; anything else is a 422 (in a path, a 404), never an overflow."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=1, max=INT32[1]), **kwargs)


class PublicId(fields.String):
    """A public id that a request names (a household's ``H…``, a person card's ``P…``): what a path
    accepts (:data:`fieldapp.ids.PUBLIC_ID_PATTERN`), so a body or a query names objects as a URL does."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Regexp(PUBLIC_ID_PATTERN), **kwargs)


class CommuneCode(fields.String):
    """A commune's code: five digits (the 3,321 communes after the 2025 reform)."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Regexp(r"^\d{5}$"), **kwargs)


#: Not only spaces: what ``minLength`` cannot say about text that is trimmed before it is stored. The
#: spaces are Python's (``str.isspace``, what is trimmed), listed, since regex engines disagree on ``\S``.
WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = f"[^{WHITESPACE}]"


class Text(fields.String):
    """Text people type (names, addresses, titles): stored in NFC, spaces collapsed and trimmed, and
    its length counted *after* that, so a name typed in decomposed form (a letter, then its marks)
    counts as the letters it shows. With ``min_length`` (default 1) a text of spaces only is refused
    (the document says so with a ``pattern``: a character that is not a space); it was stored as "".

    The document's ``maxLength`` counts characters as sent; a text longer than that which NFC brings
    within the limit is accepted (the field's description says so).
    """

    def __init__(self, *, max_length: int, min_length: int = 1, **kwargs):
        metadata = dict(kwargs.pop("metadata", {}))
        metadata.setdefault("maxLength", max_length)
        if min_length:
            metadata.setdefault("minLength", min_length)
            metadata.setdefault("pattern", NOT_BLANK)
        note = f"At most {max_length} characters after Unicode NFC normalisation; spaces are trimmed."
        metadata["description"] = f"{metadata['description']} {note}" if "description" in metadata else note
        self.max_length, self.min_length = max_length, min_length
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = nfc(super()._deserialize(value, attr, data, **kwargs))
        if len(text) < self.min_length:
            raise ValidationError("Field may not be blank." if self.min_length == 1
                                  else f"Shorter than minimum length {self.min_length}.")
        if len(text) > self.max_length:
            raise ValidationError(f"Longer than maximum length {self.max_length}.")
        return text


#: Years this service can hold (1970–2199), written out for the document: ``^(19[7-9]\d|2[01]\d\d)-``.
YEAR_PATTERN = r"^(19[7-9][0-9]|2[01][0-9][0-9])-"


class UTCDateTime(fields.AwareDateTime):
    """An ISO 8601 time with its offset, in the years 1970–2199, loaded in UTC.

    Anything else is a 422: a time whose UTC leaves the calendar (``0001-01-01T00:00:00+07:00``)
    overflowed when compared with a column, and one in year 1 overflowed later, in the arithmetic of
    a session's window or a mentorship's start (500s). No time of this service lies outside. The
    years are those written in the value, as the document's pattern says.
    """

    def __init__(self, *args, **kwargs):
        metadata = dict(kwargs.pop("metadata", {}))
        metadata.setdefault("pattern", YEAR_PATTERN)
        super().__init__(*args, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        loaded = super()._deserialize(value, attr, data, **kwargs)
        if not 1970 <= loaded.year <= 2199:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        return loaded.astimezone(UTC)


class StringList(fields.List):
    """Output only: a list of strings the server built itself, written out as it is.

    Why: marshmallow's List sends each item through ``fields.String`` (a worklist page holds about
    a thousand of these skill names); the OpenAPI description is the same (an array of strings).
    """

    def __init__(self, **kwargs):
        super().__init__(fields.String(), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else [str(item) for item in value]


def evidence_status_field(**kwargs) -> fields.Enum:
    """Whether this evidence counts (fieldapp.models.evidence), as every answer that carries it says."""
    from fieldapp.models.evidence import EvidenceStatus

    return fields.Enum(EvidenceStatus, by_value=True, required=True, metadata={"description": (
        "`counted`: it counts; `held`: kept and shown, counted for nothing until an officer of the area "
        "accepts it on review (its flags hold it back); `rejected`: by the server or on review, never counted "
        "(mobile_contract/evidence.md)")}, **kwargs)


class PatchSchema(Schema):
    """A partial update: at least one field (``minProperties: 1`` in the document). An empty body, or
    none at all, changed nothing and answered 200 as if it had."""

    @validates_schema
    def _something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError("Nothing to change: send at least one field.", field_name="_schema")



#: The ``If-Match`` header of a correction (``PATCH``), for the OpenAPI document.
IF_MATCH = {"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string", "example": '"3"'},
            "description": "The record's `version` the edit was made against, in double quotes (its `ETag`). "
                           "When the record has changed since: 412 `record.version_conflict`, nothing written. "
                           "Without it the edit applies to whatever version is current (mobile_contract/sync.md)."}


def version_field() -> fields.Integer:
    return fields.Integer(required=True, metadata={"description": (
        "1 when made, one more at each change of the record's own fields; send it back as `If-Match` "
        "(or a sync item's `version`) with a correction")})


def etag_of(record) -> dict[str, str]:
    """The ``ETag`` header of a versioned record: its version, quoted."""
    return {"ETag": f'"{record.version}"'}
