"""Household imports are bounded before they are parsed, and refused quickly in the envelope.

The hostile files are the ones an outside probe sent to production (tests/hostile_files.py). Each used
to answer 500 or hold a worker past its timeout.
"""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select

from fieldapp.errors import CATALOGUE
from fieldapp.models import Household, Role
from fieldapp.services.imports import validation
from fieldapp.services.imports.limits import CSV_MAX_RECORD_CHARS, XLSX_MAX_PARTS
from fieldapp.services.villages import village_create
from tests import hostile_files as hostile
from tests.factories import HUNG_CHAU, make_user
from tests.hostile_files import SHEET, Part, sheet, xlsx_with

ENVELOPE_KEYS = {"code", "status", "error_code", "message", "errors"}
DRY_AND_REAL = pytest.mark.parametrize("dry_run", [True, False], ids=["dry_run", "import"])


@pytest.fixture
def officer(login):
    return login(make_user(role=Role.commune_officer, unit_code=HUNG_CHAU))


@pytest.fixture
def village(db):
    made = village_create(commune_code=HUNG_CHAU, name="Xóm 1", kind="xóm", caller=None)
    db.session.commit()
    return made


@pytest.fixture
def no_parsing(monkeypatch):
    """Fails the test if openpyxl opens the workbook or the validator sees a row."""
    def load_workbook(*args, **kwargs):
        pytest.fail("openpyxl.load_workbook was called for a file that should have been refused before")

    def validate(*args, **kwargs):
        pytest.fail("a row was validated in a file that should have been refused before")

    monkeypatch.setattr(openpyxl, "load_workbook", load_workbook)
    monkeypatch.setattr(validation.Validator, "header", validate)
    monkeypatch.setattr(validation.Validator, "row", validate)


def post(client, headers, data: bytes, filename: str, *, dry_run: bool = True, lang: str | None = None):
    headers = {**headers, **({"Accept-Language": lang} if lang else {})}
    return client.post(f"/api/v1/households/import?dry_run={str(dry_run).lower()}", headers=headers,
                       data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def refused(response, error_code: str, limit: str) -> dict:
    body = response.get_json()
    assert response.status_code == 413, body
    assert set(body) == ENVELOPE_KEYS and body["code"] == 413 and body["error_code"] == error_code
    assert body["errors"]["limit"] == limit and isinstance(body["errors"]["max"], int)
    return body


def unreadable(response, dry_run: bool) -> str:
    """The report's unreadable-file error: in the report of a dry run, in import.has_errors otherwise."""
    body = response.get_json()
    if dry_run:
        assert response.status_code == 200, body
        assert body["ok"] is False and (body["households"], body["persons"]) == (0, 0)
        errors = body["errors"]
    else:
        assert response.status_code == 422 and body["error_code"] == "import.has_errors", body
        errors = body["errors"]["rows"]
    (error,) = errors
    assert error["line"] is None and error["column"] is None
    return error["reason"]


def households_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Household))


# --- The probe's files --------------------------------------------------------------------------------------


@DRY_AND_REAL
def test_a_zip_bomb_is_refused_from_its_declared_sizes_before_parsing(client, officer, no_parsing, dry_run, db):
    before = households_count(db)

    body = refused(post(client, officer, hostile.bomb(), "ds.xlsx", dry_run=dry_run), "import.too_large",
                   "IMPORT_MAX_UNCOMPRESSED_BYTES")

    assert body["message"] == CATALOGUE["import.too_large"].vi.format(max_mib=64)
    assert body["errors"]["max"] == 64 * 1024 * 1024
    assert households_count(db) == before


@DRY_AND_REAL
def test_a_million_rows_are_refused_before_parsing(client, officer, no_parsing, dry_run):
    body = refused(post(client, officer, hostile.million_rows(), "ds.xlsx", dry_run=dry_run),
                   "import.too_many_rows", "IMPORT_MAX_ROWS")

    assert body["errors"]["max"] == 50_000
    assert body["message"].startswith("Tệp có hơn 50000 dòng dữ liệu") and "theo thôn/xóm" in body["message"]


@DRY_AND_REAL
def test_a_csv_with_100000_columns_is_refused_before_a_row_is_checked(client, officer, no_parsing, dry_run):
    body = refused(post(client, officer, hostile.wide_csv(), "ds.csv", dry_run=dry_run),
                   "import.too_many_columns", "IMPORT_MAX_COLUMNS")

    assert body["errors"]["max"] == 20


@DRY_AND_REAL
def test_an_xlsx_whose_sheet_is_not_xml_is_unreadable_not_500(client, officer, dry_run):
    reason = unreadable(post(client, officer, hostile.broken_sheet(), "ds.xlsx", dry_run=dry_run), dry_run)

    assert reason == "Tệp .xlsx bị hỏng, không mở được"


# --- The class behind them ----------------------------------------------------------------------------------


def test_refusals_are_in_english_on_request(client, officer):
    body = refused(post(client, officer, hostile.million_rows(), "ds.xlsx", lang="en"), "import.too_many_rows",
                   "IMPORT_MAX_ROWS")

    assert body["message"] == ("The file has more than 50000 data rows, the limit for one import. Split the "
                               "list by village and import each part.")


def test_a_part_that_inflates_more_than_the_ratio_is_refused(client, officer, no_parsing):
    # 30 MiB (under the size limit) from 30 KiB.
    rows = Part.repeated(SHEET, hostile.SHEET_START, b"<row/>" * 4096, 30 * 1024 * 1024 // (6 * 4096),
                         hostile.SHEET_END)

    refused(post(client, officer, xlsx_with({SHEET: rows}), "ds.xlsx"), "import.too_compressed",
            "IMPORT_MAX_COMPRESSION_RATIO")


def test_many_small_parts_that_inflate_together_are_refused(client, officer, no_parsing):
    # Each part is under the 100 KiB grace size; together they inflate 1,000 times.
    filler = [Part.of(f"xl/media/filler{n}.xml", b"<a>" + b" " * 99_000 + b"</a>") for n in range(500)]

    refused(post(client, officer, xlsx_with({}, extra=filler), "ds.xlsx"), "import.too_compressed",
            "IMPORT_MAX_COMPRESSION_RATIO")


def test_a_row_number_that_jumps_to_a_million_is_refused(client, officer, no_parsing):
    # Two rows, but openpyxl would yield the 999,998 empty ones between them.
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row><row r="1000000"/>'

    refused(post(client, officer, xlsx_with({SHEET: sheet(rows)}), "ds.xlsx"), "import.too_many_rows",
            "IMPORT_MAX_ROWS")


def test_rows_are_counted_whatever_their_namespace_prefix(client, officer, no_parsing):
    rows = b"".join(b'<x:row r="%d"/>' % n for n in range(1, 60_001))
    data = xlsx_with({SHEET: b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                             b"<x:sheetData>" + rows + b"</x:sheetData></x:worksheet>"})

    refused(post(client, officer, data, "ds.xlsx"), "import.too_many_rows", "IMPORT_MAX_ROWS")


@pytest.mark.parametrize("row", [
    b'<row r="1"><c r="A1"/><c r="XFD1"/></row>',  # a cell far to the right: openpyxl pads the row to it
    b'<row r="1">' + b"<c/>" * 30 + b"</row>",  # 30 cells, without addresses
    b'<row r="1">' + b'<c r="A1"/>' * 30 + b"</row>",  # 30 cells all claiming column A
    b'<row r="1">' + b"<junk/>" * 30 + b"</row>",  # openpyxl reads every child of a row as a cell
], ids=["far_column", "counted", "same_address", "any_child"])
def test_a_row_with_too_many_cells_is_refused(client, officer, no_parsing, row):
    refused(post(client, officer, xlsx_with({SHEET: sheet(row)}), "ds.xlsx"), "import.too_many_columns",
            "IMPORT_MAX_COLUMNS")


def test_every_part_is_bounded_not_only_the_first_sheet(client, officer, no_parsing):
    # openpyxl reads a sheet without <dimension> right through when it opens the workbook.
    second = Part.of("xl/worksheets/sheet2.xml", sheet(b"".join(b'<row r="%d"/>' % n for n in range(1, 60_001))))

    refused(post(client, officer, xlsx_with({}, extra=[second]), "ds.xlsx"), "import.too_many_rows",
            "IMPORT_MAX_ROWS")


def test_elements_outside_rows_are_bounded(client, officer, no_parsing):
    # Kept in memory by openpyxl while it parses the part; compressible only 8 times or so.
    import random

    names = [f"e{n}" for n in range(64)]
    junk = "".join(f"<{random.choice(names)}/>" for _ in range(1_100_000)).encode()

    refused(post(client, officer, xlsx_with({"xl/styles.xml": b"<styleSheet>" + junk + b"</styleSheet>"}), "ds.xlsx"),
            "import.too_complex", "xml_elements_outside_rows")


def test_a_zip_with_too_many_parts_is_refused_before_zipfile_reads_its_directory(client, officer, monkeypatch):
    # A zip's directory costs zipfile an object per entry: 700,000 fit in 32 MiB.
    monkeypatch.setattr(zipfile, "ZipFile", lambda *args, **kwargs: pytest.fail("zipfile read the directory"))
    parts = [Part.of(f"p{n}", b"") for n in range(XLSX_MAX_PARTS + 1)]

    body = refused(post(client, officer, hostile.zip_of(parts), "ds.xlsx"), "import.too_complex", "xlsx_parts")

    assert body["errors"]["max"] == XLSX_MAX_PARTS


def test_a_csv_with_too_many_rows_is_refused_before_a_row_is_checked(client, officer, no_parsing):
    data = ("Mã hộ,Thôn/xóm,Địa chỉ,Họ và tên\r\n" + "H1,Xóm 1,Nhà 1,Lê Văn A\r\n" * 50_001).encode()

    refused(post(client, officer, data, "ds.csv"), "import.too_many_rows", "IMPORT_MAX_ROWS")


def test_a_csv_row_with_too_many_cells_further_down_is_refused_before_a_row_is_checked(client, officer, no_parsing):
    data = ("Mã hộ,Thôn/xóm,Địa chỉ,Họ và tên\r\n" + "H1,Xóm 1,Nhà 1,Lê Văn A\r\n" * 1000 + "," * 20).encode()

    refused(post(client, officer, data, "ds.csv"), "import.too_many_columns", "IMPORT_MAX_COLUMNS")


@DRY_AND_REAL
def test_a_csv_quote_never_closed_is_unreadable_before_the_csv_module_builds_the_record(client, officer, dry_run):
    data = ("Mã hộ,Thôn/xóm,Địa chỉ,Họ và tên\r\nH1,Xóm 1,\"Nhà 1,Lê Văn A\r\n" + "H2,Xóm 1,Nhà 2,B\r\n" * 5000)

    reason = unreadable(post(client, officer, data.encode(), "ds.csv", dry_run=dry_run), dry_run)

    assert reason.startswith(f"Dòng 2 dài hơn {CSV_MAX_RECORD_CHARS} ký tự")


BROKEN = {
    # openpyxl raised IndexError while reading the rows: 500
    "shared_string_missing": (sheet(b'<row r="1"><c r="A1" t="s"><v>99</v></c></row>'), "Không đọc được tệp: "),
    # openpyxl raised ParseError while opening the workbook: 500
    "workbook_broken": ({"xl/workbook.xml": b"<workbook"}, "Tệp .xlsx bị hỏng, không mở được"),
    "row_number": (sheet(b'<row r="1.5"/>'), "Tệp .xlsx bị hỏng: số dòng không hợp lệ (1.5)"),
    # Entities are declared in a DTD, and can multiply a part's text.
    "dtd": (b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]>' + sheet(b"<row/>"), "Tệp .xlsx có khai báo DTD"),
    # bzip2 inflates past a part's declared size (a zip of 514 bytes took 1 GB); Excel never uses it.
    "bzip2": (Part.of(SHEET, sheet(b"<row/>"), method=zipfile.ZIP_BZIP2), "Tệp .xlsx dùng cách nén mà Excel không"),
}


@DRY_AND_REAL
@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_or_odd_xlsx_is_unreadable_never_500(client, officer, dry_run, case):
    content, expected = BROKEN[case]
    data = xlsx_with(content if isinstance(content, dict) else {SHEET: content})

    reason = unreadable(post(client, officer, data, "ds.xlsx", dry_run=dry_run), dry_run)

    assert reason.startswith(expected), reason


# --- What stays accepted ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_at_the_limits_is_imported_and_one_row_more_is_refused(client, officer, village, app, monkeypatch,
                                                                      db, kind):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 5)
    monkeypatch.setitem(app.config, "IMPORT_MAX_COLUMNS", 6)
    header = ["STT", "Mã hộ", "Thôn/xóm", "Địa chỉ", "Họ và tên", "Năm sinh"]

    def rows(count):
        return [header] + [[n, f"H{n}", "Xóm 1", f"Nhà {n}", f"Người số {n}", 1980] for n in range(1, count + 1)]

    def file_of(table):
        if kind == "csv":
            return "".join(",".join(map(str, row)) + "\r\n" for row in table).encode(), "ds.csv"
        workbook = openpyxl.Workbook()
        for row in table:
            workbook.active.append(row)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue(), "ds.xlsx"

    refused(post(client, officer, *file_of(rows(6))), "import.too_many_rows", "IMPORT_MAX_ROWS")
    refused(post(client, officer, *file_of([header + ["Ghi chú"]] + rows(5)[1:])), "import.too_many_columns",
            "IMPORT_MAX_COLUMNS")
    done = post(client, officer, *file_of(rows(5)), dry_run=False)
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["ok"], done.get_json()["persons"]) == (True, 5)
    assert db.session.scalar(select(func.count()).select_from(Household).where(Household.village_id == village.id)) == 5


def test_zipfile_never_inflates_a_deflated_part_past_its_declared_size():
    """The claim the size checks rest on: a part that declares 1,000 bytes yields at most 1,000, then a CRC
    error, however much its data would inflate to (here 64 MiB)."""
    big = Part.repeated("big.xml", b"<a>", b"\0" * (1 << 20), 64, b"</a>")
    archive = zipfile.ZipFile(io.BytesIO(hostile.zip_of([big], declared={"big.xml": 1000})))
    assert archive.getinfo("big.xml").file_size == 1000
    read = 0
    with pytest.raises(zipfile.BadZipFile, match="CRC"), archive.open("big.xml") as stream:
        while chunk := stream.read(100):
            read += len(chunk)
    assert read < 1000


def test_the_command_refuses_with_the_code_and_no_traceback(runner, tmp_path, no_parsing):
    from fieldapp.cli.imports import group

    bomb = tmp_path / "bom.xlsx"
    bomb.write_bytes(hostile.bomb())

    result = runner.invoke(cli=group, args=["import", str(bomb), "--commune", HUNG_CHAU])

    assert result.exit_code == 1, result.output
    assert "import.too_large: Uncompressed, the file is larger than 64 MiB" in result.output
