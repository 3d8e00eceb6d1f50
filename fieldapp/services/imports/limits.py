"""Reading an import file safely: its size is checked against the limits before anything parses it.

An upload is at most ``IMPORT_MAX_BYTES``, but what openpyxl does with an .xlsx depends on what is inside
it, not on the upload's size. An .xlsx is a zip: 1 MiB can inflate to 1 GiB, and 820 KiB can hold a
million rows. So before openpyxl (or the csv module) reads a row, this module checks:

- the zip's directory (no member is inflated yet): the number of parts, the compression method, the
  sizes each part declares, and the compression ratios. zipfile never inflates a stored or deflated
  member past the size it declares (a false size ends in a CRC error), so the declared sizes are a
  real bound. That does not hold for bzip2 and LZMA members, whose decompressors take no output
  limit: a zip of 514 bytes whose bzip2 member claims 1,000 bytes took 1 GB before its CRC failed.
  Excel writes only stored and deflated parts, so the others are refused.
- every XML part, streamed through expat without building a tree, counting rows, cells per row,
  columns and elements the way openpyxl will count them. A row's ``r`` attribute can jump to row
  1,000,000, and openpyxl then yields every row in between. Any child of a row is a cell to openpyxl.
  The sheet's ``<dimension>`` is not trusted. Every sheet is checked, not only the first: openpyxl
  reads a sheet that has no ``<dimension>`` right through when it opens the workbook.
- a CSV's records, in a first pass with the csv module: rows, cells per record, and the characters
  of a record, which are checked before the csv module builds the record.

A passed limit raises :class:`AppError` (413, the envelope). A file that cannot be read raises
:class:`Unreadable`, which the import reports the way it reports any unreadable file.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.parsers import expat

from fieldapp.errors import AppError
from fieldapp.services.imports.report import Unreadable

#: Parts of an .xlsx. Excel writes about a dozen, plus one per sheet, image or comment block.
XLSX_MAX_PARTS = 1000
#: Smaller parts are not checked for their compression ratio. Apache POI's ZipSecureFile uses the
#: same grace size (100 KiB) and the same default ratio (100).
RATIO_GRACE_BYTES = 100 * 1024
#: XML elements per cell, at most, in a list that is not hostile: ``c``, ``v`` or ``is``/``t``, ``f``.
#: This is doubled in the budget below to cover the cell's shared string.
ELEMENTS_PER_CELL = 4
#: openpyxl keeps in memory the elements of an XML part that are not cells, while it parses the part
#: (styles, merged cells, sheet settings). A list of 50,000 rows whose 12,500 households have their 8
#: household cells merged has 100,000 of them. A million of them took 83 MB.
ELEMENTS_OUTSIDE_ROWS = 1_000_000
#: A CSV record (one row, or several lines when a quoted cell holds line breaks) longer than this
#: is refused before the csv module splits it. A full row of a household list is under 5,000 characters.
CSV_MAX_RECORD_CHARS = 64 * 1024

_CHUNK = 64 * 1024
_READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
#: openpyxl's COORD_RE: the column of a cell's ``r`` ("AB12" → AB).
_COORDINATE = re.compile(r"[$]?([A-Za-z]{1,3})[$]?(\d+)")




@dataclass(frozen=True)
class Limits:
    #: Rows below the header (the header's own row is allowed on top).
    rows: int
    #: Cells in a row, empty ones included.
    columns: int
    #: Bytes of all the parts of an .xlsx, uncompressed.
    uncompressed_bytes: int
    #: Uncompressed size over compressed size, of a part and of the whole file.
    compression_ratio: int

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(rows=config["IMPORT_MAX_ROWS"], columns=config["IMPORT_MAX_COLUMNS"],
                   uncompressed_bytes=config["IMPORT_MAX_UNCOMPRESSED_BYTES"],
                   compression_ratio=config["IMPORT_MAX_COMPRESSION_RATIO"])

    def too_many_rows(self) -> AppError:
        return AppError("import.too_many_rows", max=self.rows, errors={"limit": "IMPORT_MAX_ROWS", "max": self.rows})

    def too_many_columns(self) -> AppError:
        return AppError("import.too_many_columns", max=self.columns,
                        errors={"limit": "IMPORT_MAX_COLUMNS", "max": self.columns})


@dataclass(frozen=True)
class SheetSize:
    """What openpyxl will yield for a part: its last row number and its widest row."""
    rows: int = 0
    columns: int = 0


# --- .xlsx ----------------------------------------------------------------------------------------------------


def xlsx_bounded(data: bytes, limits: Limits) -> dict[str, SheetSize]:
    """Check an .xlsx against ``limits`` without parsing it; return each part's rows and columns.

    Raises :class:`AppError` for a passed limit, :class:`Unreadable` for a file that is not a zip.
    """
    # zipfile makes an object for every entry of the central directory before anything can be
    # checked. 32 MiB holds 700,000 entries: 5 s and 260 MB. Every entry starts with this
    # signature, so counting the signatures bounds the number of entries.
    if data.count(b"PK\x01\x02") > XLSX_MAX_PARTS:
        raise _too_complex("xlsx_parts", XLSX_MAX_PARTS)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except MemoryError:
        raise
    except Exception as exc:  # BadZipFile, or whatever else a hostile directory makes zipfile raise
        raise Unreadable("import.file_broken") from exc
    _check_directory(parts, len(data), limits)
    budget = _Budget(inside_max=(2 * ELEMENTS_PER_CELL * limits.columns + 1) * (limits.rows + 1),
                     outside_max=ELEMENTS_OUTSIDE_ROWS)
    sizes = {}
    for part in parts:
        if part.is_dir() or part.file_size == 0:
            continue
        sizes[part.filename] = _scan_part(archive, part, limits, budget)
    return sizes


def _check_directory(parts: list[zipfile.ZipInfo], file_bytes: int, limits: Limits) -> None:
    total = 0
    for part in parts:
        if part.compress_type not in _READABLE_METHODS:
            raise Unreadable("import.file_compression")
        total += part.file_size
        if total > limits.uncompressed_bytes:
            raise _too_large(limits)
        if part.file_size > RATIO_GRACE_BYTES and part.file_size > limits.compression_ratio * part.compress_size:
            raise _too_compressed(limits)
    if total > RATIO_GRACE_BYTES and total > limits.compression_ratio * file_bytes:
        raise _too_compressed(limits)


@dataclass
class _Budget:
    """Elements of the whole file: in rows (time to parse) and outside them (memory while parsing)."""
    inside_max: int
    outside_max: int
    inside: int = 0
    outside: int = 0


def _scan_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, limits: Limits, budget: _Budget) -> SheetSize:
    """Stream one part through expat, counting as openpyxl counts."""
    max_rows = limits.rows + 1  # the header
    max_columns = limits.columns
    # Qualified names as written ("x:row"): rows are found whatever the namespace prefix.
    parser = expat.ParserCreate()
    depth = 0
    row_depth = 0  # depth of the row being read; 0 outside rows
    rows = row_number = last_row = 0
    cells = column = last_column = 0
    inside, outside = budget.inside, budget.outside

    def start(name: str, attrs: dict) -> None:
        nonlocal depth, row_depth, rows, row_number, last_row, cells, column, last_column, inside, outside
        depth += 1
        is_row = name == "row" or name.endswith(":row")
        if row_depth or is_row:
            inside += 1
            if inside > budget.inside_max:
                raise _too_complex("xml_elements", budget.inside_max)
            if depth == row_depth + 1:  # openpyxl reads every child of a row as a cell
                cells += 1
                ref = attrs.get("r")
                column = _column(ref) if ref else column + 1
                if cells > max_columns or column > max_columns:
                    raise limits.too_many_columns()
                if column > last_column:
                    last_column = column
        else:
            outside += 1
            if outside > budget.outside_max:
                raise _too_complex("xml_elements_outside_rows", budget.outside_max)
        if is_row:
            rows += 1
            ref = attrs.get("r")
            row_number = _row_number(ref) if ref else row_number + 1
            if rows > max_rows or row_number > max_rows:
                raise limits.too_many_rows()
            if row_number > last_row:
                last_row = row_number
            if not row_depth:
                row_depth, cells, column = depth, 0, 0

    def end(name: str) -> None:
        nonlocal depth, row_depth
        depth -= 1
        if depth < row_depth:
            row_depth = 0

    def doctype(*args) -> None:
        # Entities are declared in a DTD and can multiply a part's text; Excel never writes one.
        raise Unreadable("import.file_dtd")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (AppError, Unreadable, MemoryError):
        raise
    # Not XML from some point on (an image, a broken sheet: ExpatError), or not inflatable from there
    # (a bad CRC, an encrypted part): openpyxl fails at the same point if it reads the part, having
    # yielded no more than was counted up to it.
    except Exception:  # noqa: BLE001, S110
        pass
    budget.inside, budget.outside = inside, outside
    return SheetSize(rows=last_row, columns=last_column)


def _row_number(ref: str) -> int:
    """openpyxl's reading of a row's ``r``: an integer, or a float that is one."""
    try:
        return int(ref)
    except ValueError:
        pass
    try:
        value = float(ref)
    except ValueError:
        value = None
    if value is None or not value.is_integer():
        raise Unreadable("import.file_bad_row_number", ref=ref[:20])
    return int(value)


def _column(ref: str) -> int:
    """The column of a cell's ``r`` ("AB12" → 28), as openpyxl reads it."""
    letters = ref.rstrip("0123456789").strip("$")
    number = _COLUMNS.get(letters)
    if number is None or letters == ref:
        match = _COORDINATE.fullmatch(ref)
        if match is None:
            raise Unreadable("import.file_bad_cell_reference", ref=ref[:20])
        number = 0
        for letter in match.group(1).upper():
            number = number * 26 + ord(letter) - 64
        _COLUMNS[letters] = number  # at most 18,278 of them: one to three letters
    return number


_COLUMNS: dict[str, int] = {}


def _too_large(limits: Limits) -> AppError:
    return AppError("import.too_large", max_mib=limits.uncompressed_bytes // (1024 * 1024),
                    errors={"limit": "IMPORT_MAX_UNCOMPRESSED_BYTES", "max": limits.uncompressed_bytes})


def _too_compressed(limits: Limits) -> AppError:
    return AppError("import.too_compressed", max=limits.compression_ratio,
                    errors={"limit": "IMPORT_MAX_COMPRESSION_RATIO", "max": limits.compression_ratio})


def _too_complex(limit: str, maximum: int) -> AppError:
    return AppError("import.too_complex", max=maximum, errors={"limit": limit, "max": maximum})


# --- CSV ------------------------------------------------------------------------------------------------------


def csv_records(text: str, delimiter: str, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` of each record, the line being where the record starts (the header is line 1).

    Raises :class:`AppError` at the first record past a limit, :class:`Unreadable` for a record longer
    than CSV_MAX_RECORD_CHARS (most often a quote that is never closed).
    """
    line = 1
    fed = 0  # characters handed to the csv module for the record being read

    def lines() -> Iterator[str]:
        nonlocal fed
        for physical in io.StringIO(text, newline=""):
            fed += len(physical)
            if fed > CSV_MAX_RECORD_CHARS:
                if physical.count(delimiter) >= limits.columns:
                    raise limits.too_many_columns()
                raise Unreadable("import.file_record_too_long", line=line, max=CSV_MAX_RECORD_CHARS)
            yield physical

    reader = csv.reader(lines(), delimiter=delimiter)
    for records, row in enumerate(reader, start=1):
        fed = 0
        if records > limits.rows + 1:
            raise limits.too_many_rows()
        if len(row) > limits.columns:
            raise limits.too_many_columns()
        yield line, row
        line = reader.line_num + 1  # a quoted cell may span lines
