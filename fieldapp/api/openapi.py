"""What the OpenAPI document says beyond apispec's defaults, so that it says what the server does.

- A nullable nested object (``location: null``) is documented by apispec for OpenAPI 3.0 as
  ``anyOf: [{type: object, nullable: true}, {$ref}]``, whose first branch admits *any* object: the
  document allowed ``location: {}`` or ``consent: {"x": 1}``, which the server refuses. Here the branch
  admits ``null`` only.
- A partial update (:class:`~fieldapp.api.schemas.PatchSchema`) needs one field at least:
  ``minProperties: 1``.
- Path segments that hold a public id (``<public_id:…>``) say their pattern.
- Unknown query parameters are refused (422 naming them), as unknown body fields always were: a
  misspelt filter (``?vilage_id=``) must not quietly export the whole list. The document's query
  parameters are the complete list.
"""
from __future__ import annotations

from apispec import BasePlugin
from marshmallow import RAISE

_ANY_OBJECT_OR_NULL = {"type": "object", "nullable": True}
_ONLY_NULL = {"type": "object", "nullable": True, "enum": [None]}


def null_means_null(self, field, ret, **kwargs) -> dict:
    """apispec attribute function (runs after its own): the nullable branch of ``anyOf`` is null only."""
    if "anyOf" in ret:
        ret["anyOf"] = [_ONLY_NULL if branch == _ANY_OBJECT_OR_NULL else branch for branch in ret["anyOf"]]
    return {}


class ContractPlugin(BasePlugin):
    """Schema-level additions: ``minProperties`` for partial updates."""

    def schema_helper(self, name, definition, **kwargs):
        from fieldapp.api.schemas import PatchSchema

        schema = kwargs.get("schema")
        schema_class = schema if isinstance(schema, type) else type(schema)
        if isinstance(schema_class, type) and issubclass(schema_class, PatchSchema):
            return {"minProperties": 1}
        return None


def install(api, app) -> None:
    """Attach to the app's flask-smorest ``Api`` (created with ``ContractPlugin`` among its plugins)."""
    from flask_smorest import Blueprint

    from fieldapp.ids import PUBLIC_ID_PATTERN

    api.ma_plugin.converter.add_attribute_function(null_means_null)
    api.register_converter(app.url_map.converters["public_id"],
                           lambda converter: {"type": "string", "pattern": PUBLIC_ID_PATTERN})
    # One parser serves every blueprint: unknown fields are refused wherever they come from.
    Blueprint.ARGUMENTS_PARSER.unknown = RAISE
