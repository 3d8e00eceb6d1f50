"""Bulk import of households and their people from a commune's list (CSV or Excel).

Communes already keep these lists in Excel. The import is four steps, a module each:

- ``limits`` and ``reading``: the file, bounded by rows, columns, size and compression before it is
  parsed (a file past a limit is refused at once, 413), then read as rows;
- ``cells``: each cell read as what its column holds (a flag, a year, a phone, a coordinate);
- ``validation``: every row checked, and every problem reported with the line the officer sees in
  Excel (the header is line 1) and a stable code with its message (``report``);
- ``writing``: only a file without a single problem is written, in bulk, in the caller's transaction,
  which the caller commits once (all or nothing).
"""
from __future__ import annotations

from flask import current_app

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import commune_in_scope
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.units import Unit
from fieldapp.services.activity import activity_record
from fieldapp.services.imports.limits import Limits
from fieldapp.services.imports.reading import file_bytes, file_rows, filled_rows
from fieldapp.services.imports.report import MAX_ERRORS, ImportReport, Unreadable, capped, problem
from fieldapp.services.imports.validation import Validator
from fieldapp.services.imports.writing import Progress, households_write

__all__ = ["MAX_ERRORS", "ImportReport", "households_import"]

#: Progress is reported at least this often during validation.
PROGRESS_EVERY = 1000


def _commune(caller: Caller | None, commune_code: str) -> Unit:
    if caller is not None:
        return commune_in_scope(caller, commune_code)
    unit = db.session.get(Unit, commune_code)
    if unit is None or unit.parent_code is None:
        raise AppError("unit.not_found", code=commune_code)
    return unit


def households_import(*, caller: Caller | None, commune_code: str, filename: str, stream, dry_run: bool,
                      progress: Progress | None = None, allow_duplicates: bool = False,
                      kept_import_id: int | None = None) -> ImportReport:
    """Check a commune's household list and, when every row is right and not ``dry_run``, write it.

    ``stream`` is a binary file object (or the bytes). Nothing is written when any row has an error;
    otherwise all households and people are inserted and flushed (not committed: the caller commits
    once) with one activity entry. ``progress(done_rows, total_rows_or_None)`` is called during the
    check, then again from 0 during writing (people written, of all people). A file past one of the
    ``IMPORT_MAX_*`` limits raises :class:`AppError` (413) before any of it is parsed. ``kept_import_id``:
    the console's kept list being imported (fieldapp/services/imports/kept.py), named in the log entry.
    """
    commune = _commune(caller, commune_code)
    data, digest = file_bytes(stream)

    def failed(entry: dict) -> ImportReport:
        return ImportReport(ok=False, dry_run=dry_run, households=0, persons=0, errors=[entry])

    if not data.strip():
        return failed(problem(None, None, "import.file_empty"))
    try:
        rows, estimate, close = file_rows(filename, data, Limits.from_config(current_app.config))
    except Unreadable as unreadable:
        return failed(unreadable.problem())

    validator = Validator(commune=commune, allow_duplicates=allow_duplicates)
    header_line = total = None
    readable = False
    done = 0
    try:
        for line, row in filled_rows(rows):
            if header_line is None:
                header_line = line
                readable = validator.header(line, row)
                if not readable:
                    break
                total = max(estimate - line, 0) if estimate is not None else None
                if progress:
                    progress(0, total)
                continue
            validator.row(line, row)
            done += 1
            if progress and done % PROGRESS_EVERY == 0:
                progress(done, total)
    except Unreadable as unreadable:
        return failed(unreadable.problem())
    finally:
        close()
    if header_line is None:
        return failed(problem(None, None, "import.file_no_header"))
    if progress and readable:
        progress(done, done)
    if readable:
        if done == 0:
            validator.error(None, None, "import.file_no_rows")
        validator.finish()

    households = list(validator.households.values())
    report = ImportReport(ok=not validator.errors, dry_run=dry_run, households=len(households),
                          persons=len(validator.persons), errors=capped(validator.errors))
    if not report.ok or dry_run:
        return report
    households_write(households, commune_code=commune.code, caller=caller, progress=progress,
                     total_persons=report.persons)
    body = {"households": report.households, "persons": report.persons, "file_sha256": digest, "dry_run": False}
    if kept_import_id is not None:
        body["kept_import_id"] = kept_import_id
    activity_record(action="household.import", object_type="import", object_id=digest[:16], log_unit=commune.code,
                    caller=caller, body=body)
    return report
