"""The sheet uploads' one shape (households, the platform's confirmations, population figures): a file in
``multipart/form-data``, a dry run by default, a report of every bad row, all or nothing."""
from __future__ import annotations

from collections.abc import Callable

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from fieldapp.api.schemas import Integer
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.request_guard import import_body_allowed


class ImportFile(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                               "description": "CSV (UTF-8) or XLSX (its first sheet): the columns "
                                                              "of mobile_contract/imports.md"})


class ImportRowErrorOut(Schema):
    line = Integer(required=True, allow_none=True,
                   metadata={"description": "as Excel numbers it; null: the whole file"})
    column = fields.String(required=True, allow_none=True, metadata={"description": "the column's header as written"})
    code = fields.String(required=True, metadata={"description": "stable: `import.*` (or `location.*`) in errors.md"})
    reason = fields.String(required=True, metadata={"description": "the code's message, in the caller's language"})


#: What a 413 of any upload means; the household import's route says its limits in full.
TOO_LARGE = "The file is past a limit (as for `POST /households/import`); nothing was read."


def sheet_upload(blp: Blueprint, *, query: type[Schema], report: type[Schema], report_description: str,
                 too_large: str = TOO_LARGE) -> Callable:
    """The arguments and answers of an upload route (under ``@blp.route`` and ``@requires``), and the larger
    request body its blueprint's requests may have (only those pay for the check: the check-in path does
    not). The view gets ``(args, files)`` and answers with :func:`sheet_answer`."""
    def decorate(view: Callable) -> Callable:
        endpoint = f"{blp.name}.{view.__name__}"
        blp.before_request(lambda: import_body_allowed(endpoint))
        for decorator in reversed((
                blp.arguments(query, location="query"),
                blp.arguments(ImportFile, location="files"),
                blp.response(200, report, description=report_description),
                blp.alt_response(422, description="`import.has_errors`: nothing was written; `errors.rows` lists "
                                                  "every bad row."),
                blp.alt_response(413, description=too_large))):
            view = decorator(view)
        return view
    return decorate


def sheet_answer(report, *, dry_run: bool) -> dict:
    """The report of an upload: committed and answered, or, when the import (not a dry run) met a bad row,
    422 ``import.has_errors`` with every bad row and nothing written."""
    if not report.ok and not dry_run:
        raise AppError("import.has_errors", count=len(report.errors), errors={"rows": report.errors})
    db.session.commit()
    return report.to_dict()
