"""One way to page every list: ``?page=&per_page=``, answered with ``{items, page, per_page, total}``."""
from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields, validate
from sqlalchemy import Select

from fieldapp.api.schemas import Integer
from fieldapp.extensions import db
from fieldapp.selectors import count_of


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


def paginate(query: Select, *, page: int, per_page: int | None, rows: bool = False, total: int | None = None) -> dict:
    """Run ``query`` for one page, with the total count of the whole result.

    ``rows=True`` keeps every selected column (``Row`` objects), not just the first entity. ``total``
    may be given when the caller can count more cheaply than by wrapping the query.
    """
    per_page = min(per_page or current_app.config["PAGE_SIZE_DEFAULT"], current_app.config["PAGE_SIZE_MAX"])
    if total is None:
        total = count_of(query)
    limited = query.limit(per_page).offset((page - 1) * per_page)
    items = db.session.execute(limited).all() if rows else db.session.scalars(limited).unique().all()
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": (total + per_page - 1) // per_page}
