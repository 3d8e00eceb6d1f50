"""Bulk import of households and their people from a commune's list (CSV or Excel).

Communes already keep these lists in Excel. The file has one row per person; the household's columns
repeat on each of its people's rows (or are left blank after the first, as with merged cells), and the
rows with the same household key (``ma_ho``) make one household. Headers are matched without
diacritics, so "Mã hộ", "MÃ HỘ" and ``ma_ho`` are the same column.

Every row is checked first, and every problem is reported with the line the officer sees in Excel (the
header is line 1) and a reason in Vietnamese. Only a file without a single problem is written: in bulk,
in the caller's transaction, which the caller commits once (all or nothing).
"""
from __future__ import annotations

import csv
import functools
import hashlib
import io
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from flask import current_app
from sqlalchemy import insert, select

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import commune_in_scope
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.geo import LatLon, check_in_commune, point_of
from fieldapp.ids import new_public_id
from fieldapp.models.households import Household
from fieldapp.models.persons import Person, Sex, shown_name
from fieldapp.models.units import Unit
from fieldapp.models.villages import Village, VillageKind
from fieldapp.phones import InvalidPhone, normalize_phone
from fieldapp.services.activity import activity_record
from fieldapp.services.import_limits import (CSV_MAX_RECORD_CHARS, Limits, SheetSize, Unreadable,
                                             csv_records, xlsx_bounded)
from fieldapp.services.persons import likely_duplicates
from fieldapp.text import fold, nfc

#: The report lists at most this many errors, then says how many more there are.
MAX_ERRORS = 1000
#: Households written per statement batch (their people follow them).
WRITE_CHUNK = 1000
#: Progress is reported at least this often during validation.
PROGRESS_EVERY = 1000

Progress = Callable[[int, "int | None"], None]

#: Column → the headers accepted for it (besides the column name itself).
COLUMNS: dict[str, tuple[str, ...]] = {
    "ma_ho": ("Mã hộ",),
    "thon": ("Thôn/xóm", "Thôn", "Xóm"),
    "dia_chi": ("Địa chỉ",),
    "vi_do": ("Vĩ độ",),
    "kinh_do": ("Kinh độ",),
    "ho_ngheo": ("Hộ nghèo",),
    "dan_toc_thieu_so": ("Dân tộc thiểu số",),
    "vung_sau_vung_xa": ("Vùng sâu vùng xa",),
    "ho_ten": ("Họ và tên", "Họ tên"),
    "nam_sinh": ("Năm sinh",),
    "gioi_tinh": ("Giới tính",),
    "so_dien_thoai": ("Số điện thoại", "SĐT"),
    "chu_ho": ("Chủ hộ",),
    "khuyet_tat": ("Khuyết tật",),
}
REQUIRED_COLUMNS = ("ma_ho", "thon", "dia_chi", "ho_ten")
#: Row numbering ("STT", "TT") that lists often start with: read and ignored.
IGNORED_HEADERS = frozenset({"stt", "tt"})

_TRUE = frozenset({"x", "co", "1", "true", "yes"})
_FALSE = frozenset({"", "khong", "0", "false", "no"})
_SEX = {"nam": Sex.male, "nu": Sex.female, "khac": Sex.other}
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_YEAR = re.compile(r"(\d{4})(?:[.,]0+)?")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_KIND_PREFIXES = tuple(sorted((fold(kind.value) + " " for kind in VillageKind), key=len, reverse=True))
#: Household-level fields: (field, column whose header an error names).
_HOUSEHOLD_FIELDS = (("village_id", "thon"), ("address", "dia_chi"), ("location", "vi_do"),
                     ("is_poor", "ho_ngheo"), ("is_ethnic_minority", "dan_toc_thieu_so"),
                     ("is_remote", "vung_sau_vung_xa"))


def _header_key(text: str) -> str:
    """"Thôn / Xóm", "thon_xom", "THÔN-XÓM" → ``thon xom``."""
    return _NON_ALNUM.sub(" ", fold(text)).strip()


_HEADERS = {_header_key(alias): column for column, aliases in COLUMNS.items() for alias in (column, *aliases)}


@dataclass
class ImportReport:
    ok: bool
    dry_run: bool
    #: Households and people in the file (written when ``ok`` and not ``dry_run``).
    households: int
    persons: int
    #: ``{"line": n, "column": header or None, "reason": "…"}``, in line order; at most MAX_ERRORS + 1.
    errors: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


class _Bad(Exception):
    """A cell that cannot be read; the message is the reason shown to the officer."""


# --- Reading the file ---------------------------------------------------------------------------------------
# Bounded first (fieldapp/services/import_limits.py): nothing below parses a file that passed a limit.


def _file_kind(filename: str, data: bytes) -> str:
    name = (filename or "").lower()
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise Unreadable("Chỉ đọc được tệp .xlsx hoặc .csv: hãy mở tệp trong Excel và lưu lại dạng .xlsx")
    if name.endswith((".xlsx", ".xlsm")):
        raise Unreadable("Tệp .xlsx bị hỏng, không mở được")
    return "csv"


def _xlsx_rows(data: bytes, limits: Limits) -> tuple[Iterator[tuple[int, tuple]], int | None, Callable[[], None]]:
    sizes = xlsx_bounded(data, limits)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except MemoryError:
        raise
    except Exception as exc:  # a part openpyxl reads when it opens the workbook is broken (ParseError, …)
        raise Unreadable("Tệp .xlsx bị hỏng, không mở được") from exc
    # The sheet's own <dimension> is not trusted; the scan counted its rows and columns.
    size = sizes.get(getattr(sheet, "_worksheet_path", None)) or SheetSize(
        rows=max((each.rows for each in sizes.values()), default=0),
        columns=max((each.columns for each in sizes.values()), default=0))
    if not size.rows:
        return iter(()), 0, workbook.close
    # Never more rows or wider rows than were counted, whatever openpyxl would make of the file.
    cells = sheet.iter_rows(max_row=size.rows, max_col=max(size.columns, 1), values_only=True)
    return enumerate(cells, start=1), size.rows, workbook.close


def _csv_rows(data: bytes, limits: Limits) -> tuple[Iterator[tuple[int, list]], int | None, Callable[[], None]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable("Tệp CSV phải lưu dạng UTF-8 (trong Excel: CSV UTF-8)") from exc
    if "\x00" in text:  # PostgreSQL cannot store it; no cell of a household list holds one
        raise Unreadable("Tệp CSV chứa ký tự NUL (không phải văn bản): hãy lưu lại dạng CSV UTF-8")
    first = next((line for line in io.StringIO(text) if line.strip()), "")[:CSV_MAX_RECORD_CHARS]

    def known(delimiter: str) -> tuple[int, int]:
        try:
            cells = next(csv.reader([first], delimiter=delimiter), [])
        except csv.Error:
            return 0, 0
        return sum(_header_key(cell) in _HEADERS for cell in cells), len(cells)

    delimiter = max((",", ";", "\t"), key=known)
    # The whole file is bounded before a row is checked: a refusal comes at once, not after 50,000 rows.
    records = sum(1 for _ in _guarded(csv_records(text, delimiter, limits)))
    return csv_records(text, delimiter, limits), records, lambda: None


def _guarded(rows: Iterator) -> Iterator:
    """The rows; a file that breaks while being read is unreadable (the validator's own errors are not)."""
    try:
        yield from rows
    except (AppError, Unreadable, MemoryError):
        raise
    # Whatever else a parser raises on a broken or hostile file is the file's fault: openpyxl raises
    # ParseError (a SyntaxError) for broken XML, IndexError for a shared string that is not there,
    # ValueError, KeyError, TypeError for other cells; the csv module csv.Error.
    except Exception as exc:
        raise Unreadable(f"Không đọc được tệp: {exc}") from exc


# --- Reading cells ------------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel keeps every number as a float: 12.0 is the key "12"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


@functools.lru_cache(maxsize=1024)
def _word(text: str) -> str:
    """``fold`` for the few words a column of flags or sexes holds, computed once each."""
    return fold(text)


def _flag(value) -> bool | None:
    """``None`` when blank (on a household column: same as the household's other rows)."""
    if value is None:
        return None
    text = _word(_text(value))
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Bad(f"Giá trị không hợp lệ: {_text(value)} (ghi x, có hoặc để trống)")


def _year(value) -> int | None:
    if isinstance(value, (datetime, date)):
        year = value.year
    else:
        text = _text(value)
        if not text:
            return None
        match = _YEAR.fullmatch(text)
        if match is None:
            raise _Bad(f"Năm sinh không hợp lệ: {text}")
        year = int(match.group(1))
    if not 1900 <= year <= utcnow().year:
        raise _Bad(f"Năm sinh không hợp lệ: {year} (1900–{utcnow().year})")
    return year


def _sex(value) -> Sex | None:
    if value is None:
        return None
    text = _word(_text(value))
    if not text:
        return None
    if text not in _SEX:
        raise _Bad(f"Giới tính không hợp lệ: {_text(value)} (Nam, Nữ hoặc Khác)")
    return _SEX[text]


def _phone(value) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else _text(value)
    if not text:
        return None
    digits = _PHONE_SEPARATORS.sub("", text)
    if len(digits) == 9 and digits.isdigit():
        digits = "0" + digits  # read as a number, the leading 0 was lost
    try:
        return normalize_phone(digits)
    except InvalidPhone:
        raise _Bad(f"Số điện thoại không hợp lệ: {text}") from None


def _coordinate(value, label: str) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = _text(value)
        if not text:
            return None
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # decimal comma
        try:
            number = float(text)
        except ValueError:
            raise _Bad(f"{label} không hợp lệ: {text}") from None
    if not math.isfinite(number):
        raise _Bad(f"{label} không hợp lệ")
    return round(number, 7)


# --- Validation ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Household:
    key: str
    line: int
    #: field → (value, line it was first given on)
    values: dict = field(default_factory=dict)
    #: fields given with an error on some row (so "missing" is not reported on top)
    bad: set = field(default_factory=set)
    head_line: int | None = None
    persons: list = field(default_factory=list)


@dataclass(slots=True)
class _Person:
    line: int
    household: _Household | None
    full_name: str
    name_folded: str
    birth_year: int | None
    sex: Sex | None
    phone: str | None
    is_head: bool
    has_disability: bool


class _Villages:
    """The commune's villages by folded name, also without their kind ("Xóm 1" and "1")."""

    def __init__(self, commune_code: str):
        self.by_name: dict[str, int] = {}
        short: dict[str, int | None] = {}
        for village_id, name_folded in db.session.execute(
                select(Village.id, Village.name_folded).where(Village.commune_code == commune_code)):
            self.by_name[name_folded] = village_id
            bare = self._bare(name_folded)
            if bare != name_folded:
                short[bare] = None if bare in short else village_id  # ambiguous: no short form
        self.short = {name: village_id for name, village_id in short.items() if village_id is not None}

    @staticmethod
    def _bare(folded: str) -> str:
        for prefix in _KIND_PREFIXES:
            if folded.startswith(prefix):
                return folded[len(prefix):]
        return folded

    def find(self, name: str) -> int | None:
        folded = fold(name)
        found = self.by_name.get(folded)
        if found is None:
            found = self.short.get(folded) or self.short.get(self._bare(folded))
        if found is None and self._bare(folded) != folded:
            found = self.by_name.get(self._bare(folded))
        return found


class _Validator:
    def __init__(self, *, commune: Unit, allow_duplicates: bool):
        self.commune = commune
        self.centroid = point_of(commune.centroid)
        self.allow_duplicates = allow_duplicates
        self.villages = _Villages(commune.code)
        self.errors: list[dict] = []
        self.columns: dict[str, int] = {}
        #: Indices of the columns with a header (known, unknown or ignored).
        self.named: set[int] = set()
        self.headers: dict[str, str] = {}
        self.households: dict[str, _Household] = {}
        self.persons: list[_Person] = []

    def error(self, line: int | None, column: str | None, reason: str) -> None:
        self.errors.append({"line": line, "column": self.headers.get(column, column), "reason": reason})

    # The header row

    def header(self, line: int, cells) -> bool:
        """Map the columns; ``False`` when rows cannot be read (a required column is missing)."""
        for index, cell in enumerate(cells):
            text = _text(cell)
            if not text:
                continue
            self.named.add(index)
            key = _header_key(text)
            column = _HEADERS.get(key)
            if column is None:
                if key not in IGNORED_HEADERS:
                    self.errors.append({"line": line, "column": text, "reason": f"Cột không được hỗ trợ: {text}"})
            elif column in self.columns:
                self.errors.append({"line": line, "column": text,
                                    "reason": f"Cột bị lặp: {text} (đã có cột {self.headers[column]})"})
            else:
                self.columns[column] = index
                self.headers[column] = text
        missing = [column for column in REQUIRED_COLUMNS if column not in self.columns]
        for column in missing:
            self.errors.append({"line": line, "column": None,
                                "reason": f"Thiếu cột {COLUMNS[column][0]} ({column})"})
        if ("vi_do" in self.columns) != ("kinh_do" in self.columns):
            self.errors.append({"line": line, "column": None,
                                "reason": "Cần cả hai cột Vĩ độ và Kinh độ, hoặc không cột nào"})
        return not missing

    # A data row

    def row(self, line: int, cells) -> None:
        width = len(cells)

        def cell(column: str):
            index = self.columns.get(column)
            return cells[index] if index is not None and index < width else None

        def read(column: str, parse, *args):
            try:
                return parse(cell(column), *args), True
            except _Bad as bad:
                self.error(line, column, str(bad))
                return None, False

        stray = next((index for index in range(width) if index not in self.named and _text(cells[index])), None)
        if stray is not None:
            # In a CSV, most often a comma inside an unquoted cell that shifted the row.
            self.error(line, None, f"Có dữ liệu ở cột thứ {stray + 1}, cột này không có tiêu đề")
        key = _text(cell("ma_ho"))
        if not key:
            self.error(line, "ma_ho", "Thiếu mã hộ")
        household = None
        if key:
            household = self.households.get(key)
            if household is None:
                household = self.households[key] = _Household(key=key, line=line)

        # The household's columns: blank means "as on the household's other rows".
        given: dict[str, object] = {}
        village_name = _text(cell("thon"))
        if village_name:
            village_id = self.villages.find(village_name)
            if village_id is None:
                self.error(line, "thon", f"Không có thôn/xóm này trong xã: {village_name}")
                self._mark_bad(household, "village_id")
            else:
                given["village_id"] = village_id
        address = _text(cell("dia_chi"))
        if len(address) > 300:
            self.error(line, "dia_chi", "Địa chỉ quá dài (tối đa 300 ký tự)")
            self._mark_bad(household, "address")
        elif address:
            given["address"] = address
        if "vi_do" in self.columns and "kinh_do" in self.columns:
            lat, lat_ok = read("vi_do", _coordinate, "Vĩ độ")
            lon, lon_ok = read("kinh_do", _coordinate, "Kinh độ")
            if not (lat_ok and lon_ok):
                self._mark_bad(household, "location")
            elif (lat is None) != (lon is None):
                self.error(line, "vi_do" if lat is None else "kinh_do", "Cần cả vĩ độ và kinh độ, hoặc để trống cả hai")
                self._mark_bad(household, "location")
            elif lat is not None:
                try:
                    check_in_commune(LatLon(lat, lon), centroid=self.centroid, area_km2=self.commune.area_km2)
                except AppError as exc:
                    self.error(line, "vi_do", exc.message("vi"))
                    self._mark_bad(household, "location")
                else:
                    given["location"] = (lat, lon)
        for name, column in (("is_poor", "ho_ngheo"), ("is_ethnic_minority", "dan_toc_thieu_so"),
                             ("is_remote", "vung_sau_vung_xa")):
            value, ok = read(column, _flag)
            if not ok:
                self._mark_bad(household, name)
            elif value is not None:
                given[name] = value
        if household is not None:
            self._agree(household, line, given)

        # The person's columns.
        full_name = _text(cell("ho_ten"))
        if not full_name:
            self.error(line, "ho_ten", "Thiếu họ tên")
        elif len(full_name) > 200:
            self.error(line, "ho_ten", "Họ tên quá dài (tối đa 200 ký tự)")
            full_name = ""
        birth_year, _ = read("nam_sinh", _year)
        sex, _ = read("gioi_tinh", _sex)
        phone, _ = read("so_dien_thoai", _phone)
        is_head, _ = read("chu_ho", _flag)
        has_disability, _ = read("khuyet_tat", _flag)
        if is_head and household is not None:
            if household.head_line is not None:
                self.error(line, "chu_ho", f"Hộ đã có chủ hộ (dòng {household.head_line})")
            else:
                household.head_line = line
        if full_name:
            person = _Person(line=line, household=household, full_name=full_name, name_folded=fold(full_name),
                             birth_year=birth_year, sex=sex, phone=phone, is_head=bool(is_head),
                             has_disability=bool(has_disability))
            self.persons.append(person)
            if household is not None:
                household.persons.append(person)

    @staticmethod
    def _mark_bad(household: _Household | None, name: str) -> None:
        if household is not None:
            household.bad.add(name)

    def _agree(self, household: _Household, line: int, given: dict) -> None:
        for name, column in _HOUSEHOLD_FIELDS:
            if name not in given:
                continue
            value = given[name]
            if name not in household.values:
                household.values[name] = (value, line)
                continue
            first, first_line = household.values[name]
            same = fold(first) == fold(value) if name == "address" else first == value
            if not same:
                self.error(line, column, f"Không khớp với dòng {first_line} của cùng mã hộ {household.key}")

    # After the last row

    def finish(self) -> None:
        for household in self.households.values():
            if "village_id" not in household.values and "village_id" not in household.bad:
                self.error(household.line, "thon", "Thiếu thôn/xóm")
            if "address" not in household.values and "address" not in household.bad:
                self.error(household.line, "dia_chi", "Thiếu địa chỉ")
        if not self.allow_duplicates:
            self._duplicates()

    def _duplicates(self) -> None:
        """The duplicate-person rule of :func:`likely_duplicates`, against the village's people (read
        once, in bulk) and against the file's earlier rows."""
        def year_text(year):
            return str(year) if year is not None else "không rõ năm sinh"

        existing: dict[tuple[int, str], list[_Known]] = {}
        query = select(Person.village_id, Person.name_folded, Person.birth_year, Person.full_name,
                       Person.consent_withdrawn_at, Person.erased_at).where(Person.commune_code == self.commune.code)
        for village_id, name_folded, birth_year, full_name, withdrawn_at, erased_at in db.session.execute(query):
            existing.setdefault((village_id, name_folded), []).append(
                _Known(birth_year, shown_name(full_name, withdrawn_at, erased_at)))
        in_file: dict[tuple[int, str], list[_Person]] = {}
        for person in self.persons:
            village = person.household.values.get("village_id") if person.household else None
            if village is None:
                continue
            key = (village[0], person.name_folded)
            earlier = next(iter(likely_duplicates(person.birth_year, in_file.get(key, ()))), None)
            if earlier is not None:
                self.error(person.line, "ho_ten", f"Trùng người ở dòng {earlier.line}: {earlier.full_name} "
                                                  f"({year_text(earlier.birth_year)})")
            found = next(iter(likely_duplicates(person.birth_year, existing.get(key, ()))), None)
            if found is not None:
                self.error(person.line, "ho_ten",
                           f"Trùng người đã có: {found.full_name} ({year_text(found.birth_year)})")
            in_file.setdefault(key, []).append(person)


class _Known(NamedTuple):
    """Someone already in the village, as a duplicate message names them (masked if they withdrew)."""
    birth_year: int | None
    full_name: str


# --- Writing ------------------------------------------------------------------------------------------------


def _unique_ids(prefix: str, count: int) -> list[str]:
    ids: set[str] = set()
    while len(ids) < count:
        ids.add(new_public_id(prefix))
    return list(ids)


# render_nulls: without it the ORM leaves out the None values of each row, and rows with different
# blanks (no phone, no point) go in different statements: thousands of them instead of a few.
_BULK_HOUSEHOLDS = (insert(Household).returning(Household.id, sort_by_parameter_order=True)
                    .execution_options(render_nulls=True))
_BULK_PERSONS = insert(Person).execution_options(render_nulls=True)


def _write(households: list[_Household], *, commune_code: str, caller: Caller | None,
           progress: Progress | None, total_persons: int) -> None:
    now = utcnow()
    created_by = caller.user_id if caller else None
    household_ids = iter(_unique_ids("H", len(households)))
    person_ids = iter(_unique_ids("P", total_persons))
    written = 0
    for start in range(0, len(households), WRITE_CHUNK):
        chunk = households[start:start + WRITE_CHUNK]
        rows = []
        for household in chunk:
            values = {name: value for name, (value, _line) in household.values.items()}
            location = values.get("location")
            rows.append({
                "public_id": next(household_ids), "commune_code": commune_code, "village_id": values["village_id"],
                "address": values["address"],
                # EWKT text: bound through ST_GeomFromEWKT on PostGIS and SpatiaLite alike, in one batch.
                "location": LatLon(*location).wkt() if location else None,
                "is_poor": values.get("is_poor", False), "is_ethnic_minority": values.get("is_ethnic_minority", False),
                "is_remote": values.get("is_remote", False), "created_at": now, "created_by": created_by,
            })
        ids = db.session.scalars(_BULK_HOUSEHOLDS, rows).all()
        person_rows = []
        for household, household_id, row in zip(chunk, ids, rows, strict=True):
            for person in household.persons:
                person_rows.append({
                    "public_id": next(person_ids), "household_id": household_id, "commune_code": commune_code,
                    "village_id": row["village_id"], "full_name": person.full_name, "name_folded": person.name_folded,
                    "birth_year": person.birth_year, "sex": person.sex, "phone": person.phone,
                    "is_head": person.is_head, "has_disability": person.has_disability,
                    "is_ethnic_minority": row["is_ethnic_minority"], "created_at": now, "created_by": created_by,
                })
        if person_rows:
            db.session.execute(_BULK_PERSONS, person_rows)
        written += len(person_rows)
        if progress:
            progress(written, total_persons)


# --- The import ---------------------------------------------------------------------------------------------


def _commune(caller: Caller | None, commune_code: str) -> Unit:
    if caller is not None:
        return commune_in_scope(caller, commune_code)
    unit = db.session.get(Unit, commune_code)
    if unit is None or unit.parent_code is None:
        raise AppError("unit.not_found", code=commune_code)
    return unit


def _capped(errors: list[dict]) -> list[dict]:
    errors.sort(key=lambda error: (error["line"] is not None, error["line"] or 0))
    if len(errors) <= MAX_ERRORS:
        return errors
    more = len(errors) - MAX_ERRORS
    return errors[:MAX_ERRORS] + [{"line": None, "column": None, "reason": f"… còn {more} lỗi nữa không hiển thị"}]


def households_import(*, caller: Caller | None, commune_code: str, filename: str, stream, dry_run: bool,
                      progress: Progress | None = None, allow_duplicates: bool = False) -> ImportReport:
    """Check a commune's household list and, when every row is right and not ``dry_run``, write it.

    ``stream`` is a binary file object (or the bytes). Nothing is written when any row has an error;
    otherwise all households and people are inserted and flushed (not committed: the caller commits
    once) with one activity entry. ``progress(done_rows, total_rows_or_None)`` is called during the
    check, then again from 0 during writing (people written, of all people). A file past one of the
    ``IMPORT_MAX_*`` limits raises :class:`AppError` (413) before any of it is parsed.
    """
    commune = _commune(caller, commune_code)
    data = stream if isinstance(stream, (bytes, bytearray)) else stream.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = bytes(data)
    digest = hashlib.sha256(data).hexdigest()

    def failed(reason: str) -> ImportReport:
        return ImportReport(ok=False, dry_run=dry_run, households=0, persons=0,
                            errors=[{"line": None, "column": None, "reason": reason}])

    if not data.strip():
        return failed("Tệp rỗng")
    limits = Limits.from_config(current_app.config)
    try:
        kind = _file_kind(filename, data)
        rows, estimate, close = _xlsx_rows(data, limits) if kind == "xlsx" else _csv_rows(data, limits)
    except Unreadable as exc:
        return failed(str(exc))

    validator = _Validator(commune=commune, allow_duplicates=allow_duplicates)
    header_line = total = None
    readable = False
    done = 0
    try:
        for line, cells in _guarded(rows):
            if not any(_text(value) for value in cells):
                continue
            if header_line is None:
                header_line = line
                readable = validator.header(line, cells)
                if not readable:
                    break
                total = max(estimate - line, 0) if estimate is not None else None
                if progress:
                    progress(0, total)
                continue
            validator.row(line, cells)
            done += 1
            if progress and done % PROGRESS_EVERY == 0:
                progress(done, total)
    except Unreadable as exc:
        return failed(str(exc))
    finally:
        close()
    if header_line is None:
        return failed("Tệp không có dòng tiêu đề")
    if progress and readable:
        progress(done, done)
    if readable:
        if done == 0:
            validator.error(None, None, "Tệp không có dòng dữ liệu nào dưới dòng tiêu đề")
        validator.finish()

    households = list(validator.households.values())
    report = ImportReport(ok=not validator.errors, dry_run=dry_run, households=len(households),
                          persons=len(validator.persons), errors=_capped(validator.errors))
    if not report.ok or dry_run:
        return report
    _write(households, commune_code=commune.code, caller=caller, progress=progress, total_persons=report.persons)
    activity_record(action="household.import", object_type="import", object_id=digest[:16], log_unit=commune.code,
                    caller=caller, body={"households": report.households, "persons": report.persons,
                                         "file_sha256": digest, "dry_run": False})
    return report
