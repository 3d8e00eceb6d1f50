"""Reading a household list's file: CSV or XLSX, bounded first (fieldapp/services/imports/limits.py),
so nothing here parses a file that passed a limit, and a file that breaks while read is unreadable."""
from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from fieldapp.errors import AppError
from fieldapp.services.imports.cells import text as cell_text
from fieldapp.services.imports.columns import HEADERS, header_key, header_row_read
from fieldapp.services.imports.limits import (
    CSV_MAX_RECORD_CHARS,
    Limits,
    SheetSize,
    csv_records,
    xlsx_bounded,
)
from fieldapp.services.imports.report import Unreadable, problem

#: (line, cells) rows, how many rows there are (for progress), and how to close the file.
Rows = tuple[Iterator[tuple[int, tuple | list]], int | None, Callable[[], None]]


def file_rows(filename: str, data: bytes, limits: Limits, headers: Mapping[str, str] = HEADERS) -> Rows:
    """The rows of an upload, whichever kind it is; :class:`Unreadable` (or a limit's AppError).

    ``headers`` are the list's known headers (:func:`header_key` → column): a CSV's delimiter is the
    one that splits its first line into most of them (a household list's by default)."""
    if _file_kind(filename, data) == "xlsx":
        return _xlsx_rows(data, limits)
    return _csv_rows(data, limits, headers)


def _file_kind(filename: str, data: bytes) -> str:
    name = (filename or "").lower()
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise Unreadable("import.file_xls")
    if name.endswith((".xlsx", ".xlsm")):
        raise Unreadable("import.file_broken")
    return "csv"


def _xlsx_rows(data: bytes, limits: Limits) -> Rows:
    sizes = xlsx_bounded(data, limits)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except MemoryError:
        raise
    except Exception as exc:  # a part openpyxl reads when it opens the workbook is broken (ParseError, …)
        raise Unreadable("import.file_broken") from exc
    # The sheet's own <dimension> is not trusted; the scan counted its rows and columns.
    size = sizes.get(getattr(sheet, "_worksheet_path", None)) or SheetSize(
        rows=max((each.rows for each in sizes.values()), default=0),
        columns=max((each.columns for each in sizes.values()), default=0))
    if not size.rows:
        return iter(()), 0, workbook.close
    # Never more rows or wider rows than were counted, whatever openpyxl would make of the file.
    cells = sheet.iter_rows(max_row=size.rows, max_col=max(size.columns, 1), values_only=True)
    return enumerate(cells, start=1), size.rows, workbook.close


def _csv_rows(data: bytes, limits: Limits, headers: Mapping[str, str]) -> Rows:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable("import.file_not_utf8") from exc
    if "\x00" in text:  # PostgreSQL cannot store it; no cell of a household list holds one
        raise Unreadable("import.file_nul")
    first = next((line for line in io.StringIO(text) if line.strip()), "")[:CSV_MAX_RECORD_CHARS]

    def known(delimiter: str) -> tuple[int, int]:
        try:
            cells = next(csv.reader([first], delimiter=delimiter), [])
        except csv.Error:
            return 0, 0
        return sum(header_key(cell) in headers for cell in cells), len(cells)

    delimiter = max((",", ";", "\t"), key=known)
    # The whole file is bounded before a row is checked: a refusal comes at once, not after 50,000 rows.
    records = sum(1 for _ in guarded(csv_records(text, delimiter, limits)))
    return csv_records(text, delimiter, limits), records, lambda: None


def guarded(rows: Iterator) -> Iterator:
    """The rows; a file that breaks while being read is unreadable (the validator's own errors are not)."""
    try:
        yield from rows
    except (AppError, Unreadable, MemoryError):
        raise
    # Whatever else a parser raises on a broken or hostile file is the file's fault: openpyxl raises
    # ParseError (a SyntaxError) for broken XML, IndexError for a shared string that is not there,
    # ValueError, KeyError, TypeError for other cells; the csv module csv.Error.
    except Exception as exc:
        raise Unreadable("import.file_unreadable") from exc


def file_bytes(stream) -> tuple[bytes, str]:
    """An uploaded list's bytes (from a file object, bytes or text) and their SHA-256: the digest
    names the file in the activity log."""
    data = stream if isinstance(stream, (bytes, bytearray)) else stream.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = bytes(data)
    return data, hashlib.sha256(data).hexdigest()


def filled_rows(rows: Iterator) -> Iterator:
    """The rows that hold anything (:func:`guarded`): blank rows are skipped by every import alike."""
    for line, row in guarded(rows):
        if any(cell_text(value) for value in row):
            yield line, row


class ListChecker:
    """The part of a list's checker every list shares: its header row read against the list's columns
    (``HEADERS``: written header → column; ``REQUIRED``; ``COLUMNS``: column → (Vietnamese name, …)), its
    problems, each named by the header as written, and a row's cell by column. A list's own checker adds
    ``row``."""

    HEADERS: Mapping[str, str] = {}
    REQUIRED: tuple[str, ...] = ()
    COLUMNS: Mapping[str, tuple] = {}

    def __init__(self):
        self.errors: list[dict] = []
        self.columns: dict[str, int] = {}
        self.headers: dict[str, str] = {}

    def error(self, line, column, code, /, **params):
        self.errors.append(problem(line, self.headers.get(column, column), code, **params))

    def header(self, line: int, row) -> bool:
        found = header_row_read(line, row, headers=self.HEADERS, required=self.REQUIRED, error=self.error)
        self.columns, self.headers, missing = found.columns, found.written, found.missing
        for column in missing:
            self.errors.append(problem(line, None, "import.column_missing", name=self.COLUMNS[column][0],
                                       column=column))
        return not missing

    def cell(self, row, column):
        index = self.columns.get(column)
        return row[index] if index is not None and index < len(row) else None


class SheetChecker(Protocol):
    """What :func:`sheet_read` drives: a list's header row, then each of its rows."""

    def header(self, line: int, row) -> bool: ...

    def row(self, line: int, row) -> None: ...

    def error(self, line, column, code, /, **params) -> None: ...


@dataclass
class SheetRead:
    #: The file's own problem (empty, unreadable, no header): the whole file fails with it alone.
    failed: dict | None = None
    #: Data rows read (after the header, blank ones skipped).
    rows: int = 0
    #: Whether the header named every required column.
    readable: bool = False


def sheet_read(filename: str, data: bytes, limits: Limits, headers: Mapping[str, str],
               checker: SheetChecker) -> SheetRead:
    """Read an uploaded CSV/XLSX list through ``checker``: its header row first, then each row, blank ones
    skipped; the reading of the platform's confirmations and of the population figures alike (the
    household list's streams its households itself)."""
    if not data.strip():
        return SheetRead(failed=problem(None, None, "import.file_empty"))
    try:
        rows, _estimate, close = file_rows(filename, data, limits, headers)
    except Unreadable as unreadable:
        return SheetRead(failed=unreadable.problem())
    header_line = None
    readable = False
    read = 0
    try:
        for line, row in filled_rows(rows):
            if header_line is None:
                header_line = line
                readable = checker.header(line, row)
                if not readable:
                    break
                continue
            checker.row(line, row)
            read += 1
    except Unreadable as unreadable:
        return SheetRead(failed=unreadable.problem())
    finally:
        close()
    if header_line is None:
        return SheetRead(failed=problem(None, None, "import.file_no_header"))
    if readable and read == 0:
        checker.error(None, None, "import.file_no_rows")
    return SheetRead(rows=read, readable=readable)
