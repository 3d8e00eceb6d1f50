"""The columns of a household list, and how its headers are recognised.

Headers are matched without diacritics, so "Mã hộ", "MÃ HỘ" and ``ma_ho`` are the same column
(:func:`header_key`, which also matches the names a cell gives: ``cells.TARGET_GROUP_NAMES``).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from fieldapp.services.imports.cells import header_key
from fieldapp.services.imports.cells import text as cell_text

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
    "nhom_doi_tuong": ("Nhóm đối tượng", "Đối tượng"),
}
REQUIRED_COLUMNS = ("ma_ho", "thon", "dia_chi", "ho_ten")
#: Row numbering ("STT", "TT") that lists often start with: read and ignored.
IGNORED_HEADERS = frozenset({"stt", "tt"})

#: Every accepted header, recognised → its column.
HEADERS = {header_key(alias): column for column, aliases in COLUMNS.items() for alias in (column, *aliases)}


@dataclass
class HeaderRow:
    """What a list's header row says: where each known column is, as written, and what is missing."""

    #: Column name → its index in the row.
    columns: dict[str, int] = field(default_factory=dict)
    #: Column name → its header as written in the file (errors quote it).
    written: dict[str, str] = field(default_factory=dict)
    #: Indices of every column with a header (known, unknown or ignored).
    named: set[int] = field(default_factory=set)
    #: Required columns with no header.
    missing: list[str] = field(default_factory=list)


def header_row_read(line: int, row, *, headers: Mapping[str, str], required: Sequence[str],
                    error: Callable[..., None]) -> HeaderRow:
    """Map a header row onto ``headers`` (folded header → column): the one reading of every list's
    header (households, platform confirmations). An unknown header (not in ``IGNORED_HEADERS``) and a
    repeated one are reported through ``error(line, written, code, **params)``."""
    found = HeaderRow()
    for index, cell in enumerate(row):
        written = cell_text(cell)
        if not written:
            continue
        found.named.add(index)
        key = header_key(written)
        column = headers.get(key)
        if column is None:
            if key not in IGNORED_HEADERS:
                error(line, written, "import.column_unknown", header=written)
        elif column in found.columns:
            error(line, written, "import.column_repeated", header=written, first=found.written[column])
        else:
            found.columns[column] = index
            found.written[column] = written
    found.missing = [column for column in required if column not in found.columns]
    return found
