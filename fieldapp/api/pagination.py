"""One way to page every list: ``?page=&per_page=`` (:class:`PageQuery`), answered with ``{items, page,
per_page, total}`` (:func:`page_of`); the paging itself is :func:`fieldapp.selectors.paginate`."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from fieldapp.api.schemas import Integer


class PageQuery(Schema):
    page = Integer(load_default=1, validate=validate.Range(min=1))
    per_page = Integer(load_default=None, validate=validate.Range(min=1, max=200),
                              metadata={"description": "Items per page, at most 200 (default 50)."})


_PAGE_SCHEMAS: dict[type, type] = {}


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """A response schema ``{items: [item], page, per_page, total, pages}`` for ``item_schema``."""
    if item_schema not in _PAGE_SCHEMAS:
        name = item_schema.__name__.removesuffix("Out") + "Page"
        _PAGE_SCHEMAS[item_schema] = Schema.from_dict({
            "items": fields.List(fields.Nested(item_schema), required=True),
            "page": Integer(required=True),
            "per_page": Integer(required=True),
            "total": Integer(required=True),
            "pages": Integer(required=True),
        }, name=name)
    return _PAGE_SCHEMAS[item_schema]
