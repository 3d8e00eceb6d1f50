"""Refuse, before any view reads it, request input that no field of this API can hold.

- **NUL characters**: PostgreSQL cannot store or compare text holding one and fails the statement
  (a 500 for ``/households/H%00`` or a JSON string with ``\\u0000``).
- **Lone surrogates** (``"\\ud800"`` in a JSON string): valid JSON, but not text; no database driver
  can encode them, and the statement failed (500).
- **JSON nested too deep**: Python's parser gives up at about 1,000 levels (RecursionError, a 500),
  and what parses still costs every later walk over it. No body of this API is deeper than a GeoJSON
  Feature in a list (about 8 levels).

- **A streamed body past the size limit** (``Transfer-Encoding: chunked``, no ``Content-Length``):
  werkzeug stops reading it at ``max_content_length`` without a word, and what was read so far is a
  cut-off body (a JSON body answered 400 ``malformed_json``; a cut-off upload could be misread). It
  is 413 ``request.too_large``, as a body that declares its length is (:class:`FieldRequest`).

Each is answered up front, the same on both databases: a NUL in the path finds nothing (404); in a
query parameter or a JSON body it is a 422 naming it; a body nested too deep is a 400. The byte scans
come first, so an ordinary request pays for a few ``bytes.count`` calls and nothing more.
"""
from __future__ import annotations

import re
from itertools import accumulate
from typing import Any

from flask import Request, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from fieldapp.errors import AppError, FieldMessage

#: The deepest JSON body accepted (arrays and objects inside one another).
MAX_JSON_DEPTH = 32
NUL_MESSAGE = FieldMessage("Không được chứa ký tự NUL.", "NUL characters are not allowed.")
SURROGATE_MESSAGE = FieldMessage("Không phải văn bản Unicode hợp lệ (ký tự thay thế đơn lẻ).",
                                 "Not valid Unicode text (a lone surrogate).")

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def _strings(value: Any):
    """Every string in a parsed JSON value, keys included (iteratively: no recursion to exhaust)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def nested_deeper_than(data: bytes, limit: int) -> bool:
    """Whether a JSON text nests arrays and objects more than ``limit`` deep (brackets inside strings
    do not count). A body with fewer brackets than that is answered by counting them."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    brackets = _BRACKET.findall(_JSON_STRING.sub(b"", data))
    return max(accumulate(1 if b in (b"[", b"{") else -1 for b in brackets), default=0) > limit


def _bad_json_body(data: bytes) -> dict[str, list[str]]:
    """Field errors for a JSON body holding text no field can take; empty when it is fine."""
    has_nul = b"\\u0000" in data
    has_surrogate = _SURROGATE_ESCAPE.search(data) is not None
    if not (has_nul or has_surrogate):
        return {}
    parsed = request.get_json(silent=True)
    messages = []
    strings = list(_strings(parsed))
    if has_nul and any("\x00" in s for s in strings):
        messages.append(NUL_MESSAGE)
    if has_surrogate and any(_has_surrogate(s) for s in strings):
        messages.append(SURROGATE_MESSAGE)
    return {"body": messages} if messages else {}


class _CappedStream(LimitedStream):
    """A streamed body read up to one byte past ``limit``: that byte means it is too large."""

    def __init__(self, stream, limit: int):
        super().__init__(stream, limit + 1, is_max=True)
        self.cap = limit

    def readinto(self, b):
        size = super().readinto(b)
        if self._pos > self.cap:
            raise RequestEntityTooLarge()
        return size


class FieldRequest(Request):
    """Flask's request, whose streamed body (no ``Content-Length``) past ``max_content_length`` is a
    413 however it is read (JSON, form, upload), not a body cut at the limit."""

    @cached_property
    def stream(self):
        limit = self.max_content_length
        if self.content_length is None and limit is not None and "wsgi.input_terminated" in self.environ:
            return _CappedStream(self.environ["wsgi.input"], limit)
        return get_input_stream(self.environ, max_content_length=limit)


def refuse_unstorable_input() -> None:
    """``before_request``: see the module's docstring."""
    if "\x00" in request.path:
        raise AppError("http.not_found")
    bad = sorted({name for name, value in request.args.items(multi=True) if "\x00" in name or "\x00" in value})
    if bad:
        raise AppError("request.invalid", errors={name: [NUL_MESSAGE] for name in bad})
    if not request.is_json:
        return
    data = request.get_data(cache=True)
    if nested_deeper_than(data, MAX_JSON_DEPTH):
        raise AppError("request.nested_too_deep", max=MAX_JSON_DEPTH)
    errors = _bad_json_body(data)
    if errors:
        raise AppError("request.invalid", errors=errors)


def import_body_allowed(endpoint: str) -> None:
    """A ``before_request``: the upload of a list (``endpoint``, the API's or the console's) may be as
    large as ``IMPORT_MAX_BYTES`` (32 MiB) instead of every other request's ``MAX_CONTENT_LENGTH``."""
    from flask import current_app

    if request.endpoint == endpoint:
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
