"""Reads, always through the caller's scope where the object is scoped."""
from __future__ import annotations

from sqlalchemy import Select, func, select

from fieldapp.extensions import db


def count_of(query: Select) -> int:
    """How many rows ``query`` gives (its ordering dropped): the total of a page, a figure of the console."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
