"""The columns of a household list, and how its headers are recognised.

Headers are matched without diacritics, so "Mã hộ", "MÃ HỘ" and ``ma_ho`` are the same column.
"""
from __future__ import annotations

import re

from fieldapp.text import fold

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

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(text: str) -> str:
    """"Thôn / Xóm", "thon_xom", "THÔN-XÓM" → ``thon xom``."""
    return _NON_ALNUM.sub(" ", fold(text)).strip()


#: Every accepted header, recognised → its column.
HEADERS = {header_key(alias): column for column, aliases in COLUMNS.items() for alias in (column, *aliases)}
