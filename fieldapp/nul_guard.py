"""Refuse text containing NUL characters before it reaches a query.

Why: PostgreSQL cannot store or compare text with a NUL character and fails the statement, which
surfaced as a 500 for ``/households/H%00`` or a JSON string with ``\\u0000``. No field of this API
can legitimately hold one, so any request carrying one is answered up front (404 or 422), on both databases.
"""
from __future__ import annotations

from typing import Any

from flask import request

from fieldapp.errors import AppError


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul_characters() -> None:
    """``before_request``: a NUL in the path finds nothing (404); in a query parameter or a JSON
    body it is a 422 naming the parameter."""
    if "\x00" in request.path:
        raise AppError("http.not_found")
    bad = sorted({name for name, value in request.args.items(multi=True) if "\x00" in name or "\x00" in value})
    # (the byte scan first: a JSON body can only hold a NUL as the escape \u0000)
    if not bad and request.is_json and b"\\u0000" in request.get_data(cache=True) \
            and _has_nul(request.get_json(silent=True)):
        bad = ["body"]
    if bad:
        raise AppError("request.invalid", errors={name: ["NUL characters are not allowed"] for name in bad})
