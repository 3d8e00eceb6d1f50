"""Import files made to hurt: built in code, for tests/test_imports_limits.py and bench/import_limits.py.

The zips are written by hand (``zip_of``) so that a part can be compressed ahead of time, inflate to
1 GiB without 1 GiB ever being built, or declare a size it does not have.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from openpyxl import Workbook

HEADER = ["Mã hộ", "Thôn/xóm", "Địa chỉ", "Họ và tên"]
SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_END = b"</sheetData></worksheet>"


@dataclass(frozen=True)
class Part:
    name: str
    compressed: bytes
    crc: int
    size: int
    method: int = zipfile.ZIP_DEFLATED

    @classmethod
    def of(cls, name: str, content: bytes, method: int = zipfile.ZIP_DEFLATED) -> Part:
        if method == zipfile.ZIP_DEFLATED:
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            compressed = compressor.compress(content) + compressor.flush()
        elif method == zipfile.ZIP_BZIP2:
            import bz2
            compressed = bz2.compress(content)
        else:
            compressed = content
        return cls(name, compressed, zlib.crc32(content), len(content), method)

    @classmethod
    def repeated(cls, name: str, start: bytes, block: bytes, times: int, end: bytes) -> Part:
        """``start + block * times + end``, deflated without building it: the block is compressed once,
        from a fresh state (a full flush resets the compressor), so its compressed bytes repeat."""
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        head = compressor.compress(start) + compressor.flush(zlib.Z_FULL_FLUSH)
        body = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
        tail = compressor.compress(end) + compressor.flush()
        crc = zlib.crc32(start)
        for _ in range(times):
            crc = zlib.crc32(block, crc)
        return cls(name, head + body * times + tail, zlib.crc32(end, crc), len(start) + len(block) * times + len(end))


def zip_of(parts: Iterable[Part], *, declared: dict[str, int] | None = None) -> bytes:
    """A zip of ``parts``; ``declared`` gives a part a size other than its own in both headers."""
    declared = declared or {}
    out, central, count = bytearray(), bytearray(), 0
    for part in parts:
        name = part.name.encode()
        size = declared.get(part.name, part.size)
        fields = (part.method, 0, 0x21, part.crc, len(part.compressed), size, len(name))  # 0x21: 1 Jan 1980
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, *fields, 0, 0, 0, 0, 0, len(out)) + name
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, *fields, 0) + name + part.compressed
        count += 1
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), len(out), 0)
    return bytes(out + central + end)


def workbook_parts(rows=(HEADER, ["H1", "Xóm 1", "Nhà 1", "Lê Văn A"])) -> list[Part]:
    """The parts of a small workbook as openpyxl saves it."""
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    source = zipfile.ZipFile(out)
    return [Part.of(item.filename, source.read(item)) for item in source.infolist()]


def xlsx_with(replace: dict[str, Part | bytes], extra: Iterable[Part] = (), **options) -> bytes:
    """A small workbook with some parts replaced (by a Part, or by new content) and others added."""
    parts = []
    for part in workbook_parts():
        new = replace.get(part.name, part)
        parts.append(Part.of(part.name, new) if isinstance(new, bytes) else new)
    return zip_of([*parts, *extra], **options)


def sheet(rows: bytes) -> bytes:
    return SHEET_START + rows + SHEET_END


# --- The probe's four files, and their kin -------------------------------------------------------------------


def broken_sheet() -> bytes:
    """An .xlsx whose sheet is not XML past its first bytes (500 before: openpyxl's ParseError)."""
    return xlsx_with({SHEET: b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main'})


def bomb(gib: int = 1) -> bytes:
    """About 1 MiB that inflates to ``gib`` GiB of sheet rows."""
    return xlsx_with({SHEET: Part.repeated(SHEET, SHEET_START, b"<row/>" * (1 << 20), gib * 1024 // 6, SHEET_END)})


def million_rows() -> bytes:
    """A sheet of 1,000,000 empty rows, each with its row number: 2.4 MB, inflating only 7 times."""
    rows = b"".join(b'<row r="%d"/>' % n for n in range(1, 1_000_001))
    return xlsx_with({SHEET: Part.of(SHEET, sheet(rows))})


def wide_csv(columns: int = 100_000) -> bytes:
    """A CSV whose header has 100,000 columns (500 before: the header sniffing's csv.Error)."""
    return (",".join(f"cột {n}" for n in range(columns)) + "\r\n").encode()
