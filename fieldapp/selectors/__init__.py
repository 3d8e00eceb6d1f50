"""Reads, always through the caller's scope where the object is scoped."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import Select, func, select

from fieldapp.extensions import db


def count_of(query: Select) -> int:
    """How many rows ``query`` gives (its ordering dropped): the total of a page, a figure of the console."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


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
