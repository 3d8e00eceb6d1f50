"""Bulk import of households and people from a commune's CSV or Excel list."""
from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import re
import unicodedata
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from fieldapp.auth.callers import Caller
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.geo import point_of
from fieldapp.models import ActivityEntry, Household, Person, Role, Sex
from fieldapp.services.households import household_create
from fieldapp.services.imports import MAX_ERRORS, households_import
from fieldapp.services.persons import person_create
from fieldapp.services.villages import village_create
from tests.factories import HUNG_CHAU, OTHER_COMMUNE, make_user

VI_HEADER = ["Mã hộ", "Thôn/xóm", "Địa chỉ", "Vĩ độ", "Kinh độ", "Hộ nghèo", "Dân tộc thiểu số", "Vùng sâu vùng xa",
             "Họ và tên", "Năm sinh", "Giới tính", "Số điện thoại", "Chủ hộ", "Khuyết tật"]
ASCII_HEADER = ["ma_ho", "thon", "dia_chi", "vi_do", "kinh_do", "ho_ngheo", "dan_toc_thieu_so", "vung_sau_vung_xa",
                "ho_ten", "nam_sinh", "gioi_tinh", "so_dien_thoai", "chu_ho", "khuyet_tat"]
NEAR = ("19.125", "105.565")  # about 400 m from the centroid of Xã Hùng Châu (19.1222, 105.563)

#: Two households: H1 (three people, poor, remote, with a point), H2 (one person, ethnic minority).
GOOD_ROWS = [
    ["H1", "Xóm Đông Sơn", "Xóm Đông Sơn, nhà số 12", *NEAR, "x", "", "có", "Nguyễn Văn An", "1970", "Nam",
     "0912345678", "x", ""],
    ["H1", "Xóm Đông Sơn", "Xóm Đông Sơn, nhà số 12", *NEAR, "x", "", "có", "Trần Thị Bình", "1975", "Nữ", "", "", ""],
    ["H1", "Xóm Đông Sơn", "Xóm Đông Sơn, nhà số 12", *NEAR, "x", "", "có", "Nguyễn Văn Cường", "2001", "Nam", "",
     "không", "x"],
    # Village written without diacritics; the name typed in decomposed Unicode (as some keyboards do).
    ["H2", "xom phu loc", "Xóm Phú Lộc, nhà 3", "", "", "", "x", "", unicodedata.normalize("NFD", "Lò Thị Dung"),
     "1990", "Nữ", "+84 912 000 111", "có", "không"],
]


@pytest.fixture
def villages():
    made = {name: village_create(commune_code=HUNG_CHAU, name=name, kind="xóm", caller=None)
            for name in ("Xóm Đông Sơn", "Xóm Phú Lộc")}
    db.session.commit()
    return {name: village.id for name, village in made.items()}


def csv_bytes(rows, *, delimiter=",", bom=False) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def xlsx_bytes(rows, *, as_floats=(), dimension=None) -> bytes:
    """A workbook as Excel saves it; numbers in ``as_floats`` stored the way Excel stores floats (1985.0).

    ``dimension`` replaces the used range the file declares (some programs write a wrong one).
    """
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    if not as_floats and not dimension:
        return out.getvalue()
    source, patched = zipfile.ZipFile(io.BytesIO(out.getvalue())), io.BytesIO()
    with zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                for number in as_floats:  # the first cell holding it
                    assert f"<v>{number}</v>".encode() in content
                    content = content.replace(f"<v>{number}</v>".encode(), f"<v>{number}.0</v>".encode(), 1)
                if dimension:
                    content, count = re.subn(rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(),
                                             content)
                    assert count == 1
            target.writestr(item, content)
    return patched.getvalue()


def run(data: bytes, *, filename="danh-sach.csv", dry_run=False, caller=None, **options):
    return households_import(caller=caller, commune_code=HUNG_CHAU, filename=filename, stream=io.BytesIO(data),
                             dry_run=dry_run, **options)


def imported(village_ids) -> list[Household]:
    return list(db.session.scalars(select(Household).where(Household.village_id.in_(list(village_ids)))
                                   .order_by(Household.id)))


def persons_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Person))


def households_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Household))


def import_entries() -> list[ActivityEntry]:
    return list(db.session.scalars(select(ActivityEntry).where(ActivityEntry.action == "household.import")))


def where(report) -> list[tuple]:
    return [(error["line"], error["column"]) for error in report.errors]


# --- Headers and formats ------------------------------------------------------------------------------------


def test_vietnamese_headers_group_people_into_households_with_head_flags_and_location(villages):
    report = run(csv_bytes([VI_HEADER, *GOOD_ROWS]))

    assert report.ok, report.errors
    assert (report.households, report.persons, report.errors, report.dry_run) == (2, 4, [], False)
    first, second = imported(villages.values())
    assert first.village_id == villages["Xóm Đông Sơn"] and first.commune_code == HUNG_CHAU
    assert first.address == "Xóm Đông Sơn, nhà số 12"
    assert (first.is_poor, first.is_ethnic_minority, first.is_remote) == (True, False, True)
    location = point_of(first.location)
    assert location.lat == pytest.approx(19.125) and location.lon == pytest.approx(105.565)
    assert first.public_id.startswith("H") and len(first.public_id) == 11
    members = {person.full_name: person for person in first.members}
    assert sorted(members) == ["Nguyễn Văn An", "Nguyễn Văn Cường", "Trần Thị Bình"]
    head = members["Nguyễn Văn An"]
    assert (head.is_head, head.birth_year, head.sex, head.phone) == (True, 1970, Sex.male, "+84912345678")
    assert head.name_folded == "nguyen van an" and head.public_id.startswith("P")
    assert [p.full_name for p in first.members if p.is_head] == ["Nguyễn Văn An"]
    assert members["Trần Thị Bình"].sex == Sex.female and members["Trần Thị Bình"].phone is None
    assert members["Nguyễn Văn Cường"].has_disability and not members["Trần Thị Bình"].has_disability
    assert all(p.village_id == first.village_id and p.commune_code == HUNG_CHAU for p in first.members)

    assert second.village_id == villages["Xóm Phú Lộc"] and second.location is None
    assert (second.is_poor, second.is_ethnic_minority, second.is_remote) == (False, True, False)
    (dung,) = second.members
    assert dung.full_name == unicodedata.normalize("NFC", "Lò Thị Dung") and dung.name_folded == "lo thi dung"
    assert dung.is_head and dung.phone == "+84912000111" and dung.is_ethnic_minority  # from the household
    assert not any(p.is_ethnic_minority for p in first.members)


def test_ascii_headers_in_any_order_and_header_variants(villages):
    order = [8, 0, 2, 1, 9, 12]  # ho_ten, ma_ho, dia_chi, thon, nam_sinh, chu_ho
    ascii_file = [[ASCII_HEADER[i] for i in order], *[[row[i] for i in order] for row in GOOD_ROWS]]
    variants = [["HỌ TÊN", "MÃ HỘ", "Địa chỉ", "Thôn / Xóm", "Năm sinh", "Chủ hộ", "SĐT"],
                ["Lê Thị Én", "H9", "Xóm Phú Lộc, nhà 9", "Xóm Phú Lộc", "1988", "x", "0987654321"]]

    assert run(csv_bytes(ascii_file)).ok
    report = run(csv_bytes(variants))

    assert report.ok, report.errors
    households = imported(villages.values())
    assert len(households) == 3
    assert sorted(p.full_name for h in households for p in h.members) == [
        "Lê Thị Én", "Lò Thị Dung", "Nguyễn Văn An", "Nguyễn Văn Cường", "Trần Thị Bình"]
    en = db.session.scalar(select(Person).where(Person.name_folded == "le thi en"))
    assert en.phone == "+84987654321" and en.is_head and en.birth_year == 1988


def test_csv_with_bom_semicolons_and_decimal_commas(villages):
    rows = [VI_HEADER, ["H1", "Xóm Đông Sơn", "Nhà 1", "19,125", "105,565", "", "", "", "Hà Văn Giang", "1980",
                        "Nam", "", "x", ""]]
    data = csv_bytes(rows, delimiter=";", bom=True)
    assert data.startswith(b"\xef\xbb\xbf")

    report = run(data)

    assert report.ok, report.errors
    (household,) = imported(villages.values())
    assert point_of(household.location).lat == pytest.approx(19.125)
    assert household.members[0].full_name == "Hà Văn Giang"


def test_xlsx_with_excel_typed_numbers(villages):
    # The household key as 7.0 on one row and 7 on the other, the year as 1985.0, a year typed as a date, and a
    # phone typed as a number, which lost its leading 0.
    rows = [[], VI_HEADER,  # the first non-empty row is the header, here row 2
            [7, "Xóm Đông Sơn", "Nhà 7", 19.125, 105.565, True, None, None, "Vi Văn Hùng", 1985, "Nam", 912345678,
             "x", None],
            [7, "Xóm Đông Sơn", "Nhà 7", 19.125, 105.565, True, None, None, "Vi Thị Mai", datetime(1987, 5, 1),
             "Nữ", None, None, None]]
    data = xlsx_bytes(rows, as_floats=[7, 1985, 912345678])

    report = run(data, filename="danh-sach.xlsx")

    assert report.ok, report.errors
    (household,) = imported(villages.values())
    assert household.is_poor
    hung, mai = household.members
    assert (hung.full_name, hung.birth_year, hung.phone, hung.is_head) == ("Vi Văn Hùng", 1985, "+84912345678", True)
    assert (mai.full_name, mai.birth_year) == ("Vi Thị Mai", 1987)


def test_xlsx_errors_carry_the_excel_row_number(villages):
    rows = [["Danh sách hộ gia đình"], VI_HEADER[:3] + VI_HEADER[8:10],
            ["H1", "Xóm Đông Sơn", "Nhà 1", "Lê Văn A", 1980],
            [],
            ["H2", "Xóm Đông Sơn", "Nhà 2", "Lê Văn B", 1850.5]]

    report = run(xlsx_bytes(rows), filename="ds.xlsx", dry_run=True)

    # The title in row 1 is the first non-empty row, so it is read as the header.
    assert not report.ok and (1, "Danh sách hộ gia đình") in where(report)
    rows.pop(0)
    report = run(xlsx_bytes(rows), filename="ds.xlsx", dry_run=True)
    assert where(report) == [(4, "Năm sinh")]
    assert report.errors[0]["reason"].startswith("Năm sinh không hợp lệ")


def test_xlsx_rows_beyond_a_wrong_declared_size_are_read(villages):
    data = xlsx_bytes([VI_HEADER, *GOOD_ROWS], dimension="A1:B2")

    report = run(data, filename="ds.xlsx")

    assert report.ok and (report.households, report.persons) == (2, 4)
    assert len(imported(villages.values())) == 2


def test_villages_are_found_with_or_without_their_kind(villages):
    rows = [["Mã hộ", "Thôn", "Địa chỉ", "Họ tên"],
            ["H1", "Đông Sơn", "Nhà 1", "Lê Văn A"],  # the village is "Xóm Đông Sơn"
            ["H2", "THÔN PHÚ LỘC", "Nhà 2", "Lê Văn B"],  # written as a thôn
            ["H3", "Phú", "Nhà 3", "Lê Văn C"]]

    report = run(csv_bytes(rows), dry_run=True)
    assert where(report) == [(4, "Thôn")]

    assert run(csv_bytes(rows[:3])).ok
    assert [h.village_id for h in imported(villages.values())] == [villages["Xóm Đông Sơn"], villages["Xóm Phú Lộc"]]


def test_phone_saved_from_excel_to_csv_without_its_leading_zero(villages):
    rows = [["Mã hộ", "Thôn", "Địa chỉ", "Họ tên", "SĐT"], ["H1", "Xóm Đông Sơn", "Nhà 1", "Đỗ Văn Khoa", "912345678"]]

    assert run(csv_bytes(rows)).ok
    assert db.session.scalar(select(Person.phone).where(Person.name_folded == "do van khoa")) == "+84912345678"


def _groups_of(name_folded: str) -> list[str]:
    person = db.session.scalar(select(Person).where(Person.name_folded == name_folded))
    return [group.value for group in person.target_groups]


def test_target_groups_by_their_vietnamese_names_codes_and_folded_forms(villages):
    rows = [["Mã hộ", "Thôn", "Địa chỉ", "Họ tên", "Nhóm đối tượng"],
            ["H1", "Xóm Đông Sơn", "Nhà 1", "Lê Văn Giáo", "Cán bộ, công chức, viên chức; Người dân"],
            ["H1", "Xóm Đông Sơn", "Nhà 1", "Lê Thị Học", "hoc sinh, sinh vien"],
            ["H1", "Xóm Đông Sơn", "Nhà 1", "Lê Văn Thợ", "enterprise_workers,residents"],
            ["H1", "Xóm Đông Sơn", "Nhà 1", "Lê Thị Dân", "NGƯỜI LAO ĐỘNG DOANH NGHIỆP\nNguoi dan"],
            ["H1", "Xóm Đông Sơn", "Nhà 1", "Lê Văn Trống", ""]]

    report = run(csv_bytes(rows))

    assert report.ok, report.errors
    assert _groups_of("le van giao") == ["public_staff", "residents"]
    assert _groups_of("le thi hoc") == ["pupils_students"]
    assert _groups_of("le van tho") == ["enterprise_workers", "residents"]
    assert _groups_of("le thi dan") == ["enterprise_workers", "residents"]  # a line break inside the cell
    assert _groups_of("le van trong") == []  # blank: none


def test_target_groups_in_an_xlsx_under_the_header_without_diacritics(villages):
    rows = [["ma_ho", "thon", "dia_chi", "ho_ten", "Nhom doi tuong"],
            ["H1", "Xóm Phú Lộc", "Nhà 1", "Vi Văn Sinh", "Học sinh, sinh viên"],
            ["H1", "Xóm Phú Lộc", "Nhà 1", "Vi Thị Trống", None]]

    assert run(xlsx_bytes(rows), filename="ds.xlsx").ok
    assert _groups_of("vi van sinh") == ["pupils_students"]
    assert _groups_of("vi thi trong") == []


def test_a_target_group_that_names_no_group_is_an_error_of_its_row_and_writes_nothing(villages):
    rows = [["Mã hộ", "Thôn", "Địa chỉ", "Họ tên", "Nhóm đối tượng"],
            ["H1", "Xóm Đông Sơn", "Nhà 1", "Lê Văn Một", "Người dân"],
            ["H1", "Xóm Đông Sơn", "Nhà 1", "Lê Văn Hai", "Người dân; Nông dân"]]
    before = (households_count(), persons_count())

    report = run(csv_bytes(rows))

    assert not report.ok
    assert [(e["line"], e["column"], e["code"]) for e in report.errors] == [
        (3, "Nhóm đối tượng", "import.target_group_unknown")]
    assert report.errors[0]["reason"].startswith("Nhóm đối tượng không hợp lệ: Nông dân (")
    assert (households_count(), persons_count()) == before and import_entries() == []


# --- Checking every row -------------------------------------------------------------------------------------


BAD_ROWS = [
    ["H1", "Xóm Đông Sơn", "Nhà 1", "", "", "", "", "", "Phạm Văn Một", "1970", "Nam", "", "x", ""],  # 2: good
    ["H1", "Xóm Đông Sơn", "Nhà 1", "", "", "", "", "", "Phạm Văn Hai", "19x5", "Nam", "", "", ""],  # 3
    ["H1", "Xóm Đông Sơn", "Nhà 1", "", "", "", "", "", "Phạm Văn Ba", "1990", "Nam", "", "x", ""],  # 4: 2nd head
    ["H2", "Xóm Không Có", "Nhà 2", "", "", "", "", "", "Phạm Văn Bốn", "1990", "Nam", "", "", ""],  # 5
    ["H3", "Xóm Phú Lộc", "Nhà 3", "", "", "", "", "", "", "1990", "Nam", "", "", ""],  # 6: no name
    ["H3", "Xóm Phú Lộc", "Nhà 3", "", "", "", "", "", "Phạm Văn Sáu", "1990", "Nam", "12345", "", ""],  # 7
    ["H4", "Xóm Phú Lộc", "Nhà 4", "19.5", "105.563", "", "", "", "Phạm Văn Bảy", "", "", "", "", ""],  # 8: 42 km
    ["H1", "Xóm Đông Sơn", "Nhà khác", "", "", "", "", "", "Phạm Văn Tám", "", "", "", "", ""],  # 9: disagrees
    ["H5", "Xóm Phú Lộc", "Nhà 5", "", "", "", "", "", "Phạm Văn Chín", "", "Trai", "", "", ""],  # 10
    ["H5", "Xóm Phú Lộc", "Nhà 5", "", "", "có lẽ", "", "", "Phạm Văn Mười", "", "", "", "", ""],  # 11
    ["", "Xóm Phú Lộc", "Nhà 6", "", "", "", "", "", "Phạm Văn Mười Một", "", "", "", "", ""],  # 12: no key
    ["H6", "Xóm Phú Lộc", "Nhà 6", "", "", "", "", "", "Phạm Văn Mười Hai", "2999", "", "", "", ""],  # 13
    ["H7", "Xóm Phú Lộc", "Nhà 7", "105.563", "19.1222", "", "", "", "Phạm Thị Mười Ba", "", "", "", "", ""],  # 14
    ["H8", "", "", "", "", "", "", "", "Phạm Thị Mười Bốn", "", "", "", "", ""],  # 15: no village, no address
]
EXPECTED_ERRORS = [
    (3, "Năm sinh", "Năm sinh không hợp lệ: 19x5"),
    (4, "Chủ hộ", "Hộ đã có chủ hộ (dòng 2)"),
    (5, "Thôn/xóm", "Không có thôn/xóm này trong xã: Xóm Không Có"),
    (6, "Họ và tên", "Thiếu họ tên"),
    (7, "Số điện thoại", "Số điện thoại không hợp lệ: 12345"),
    (8, "Vĩ độ", "Vị trí cách xã 42.0 km, không thể thuộc xã này."),
    (9, "Địa chỉ", "Không khớp với dòng 2 của cùng mã hộ H1"),
    (10, "Giới tính", "Giới tính không hợp lệ: Trai (Nam, Nữ hoặc Khác)"),
    (11, "Hộ nghèo", "Giá trị không hợp lệ: có lẽ (ghi x, có hoặc để trống)"),
    (12, "Mã hộ", "Thiếu mã hộ"),
    (13, "Năm sinh", "Năm sinh không hợp lệ: 2999 (1900–{year})"),
    (14, "Vĩ độ", "Vĩ độ và kinh độ có vẻ bị đảo ngược (lat, lon)."),
    (15, "Thôn/xóm", "Thiếu thôn/xóm"),
    (15, "Địa chỉ", "Thiếu địa chỉ"),
]


#: Each problem's stable code (the error catalogue's), which the console and the phone switch on.
EXPECTED_CODES = ["import.birth_year_unreadable", "import.head_taken", "import.village_unknown", "import.name_missing",
                  "import.phone_invalid", "location.outside_commune", "import.household_mismatch",
                  "import.sex_invalid", "import.flag_invalid", "import.household_key_missing",
                  "import.birth_year_out_of_range", "location.swapped", "import.village_missing",
                  "import.address_missing"]


def test_each_problem_s_message_is_in_the_callers_language(app, villages):
    from fieldapp.errors import CATALOGUE

    with app.test_request_context(headers={"Accept-Language": "en"}):
        report = run(csv_bytes([VI_HEADER, *BAD_ROWS]), dry_run=True)
    assert [e["code"] for e in report.errors] == EXPECTED_CODES
    assert report.errors[3]["reason"] == CATALOGUE["import.name_missing"].en == "The full name is missing"
    assert report.errors[0]["reason"] == "Invalid birth year: 19x5"


@pytest.mark.parametrize("dry_run", [True, False])
def test_every_bad_row_is_reported_with_line_column_and_reason_and_nothing_is_written(villages, dry_run):
    before = (households_count(), persons_count(), len(import_entries()))

    report = run(csv_bytes([VI_HEADER, *BAD_ROWS]), dry_run=dry_run)

    assert not report.ok and report.dry_run is dry_run
    year = datetime.now().year
    assert [(e["line"], e["column"], e["reason"]) for e in report.errors] == [
        (line, column, reason.format(year=year)) for line, column, reason in EXPECTED_ERRORS]
    assert [e["code"] for e in report.errors] == EXPECTED_CODES
    assert (households_count(), persons_count(), len(import_entries())) == before


def test_one_bad_row_among_good_ones_writes_nothing(villages):
    rows = [VI_HEADER, *GOOD_ROWS, ["H3", "Xóm Phú Lộc", "Nhà 3", "", "", "", "", "", "Lê Văn Z", "1880", "", "", "",
                                    ""]]
    before = (households_count(), persons_count())

    report = run(csv_bytes(rows))

    assert not report.ok and where(report) == [(6, "Năm sinh")]
    assert (households_count(), persons_count()) == before
    assert import_entries() == []
    assert run(csv_bytes(rows[:-1])).ok  # the same file without that row goes in
    assert households_count() == before[0] + 2


def test_dry_run_of_a_good_file_counts_and_writes_nothing(villages):
    report = run(csv_bytes([VI_HEADER, *GOOD_ROWS]), dry_run=True)

    assert report.to_dict() == {"ok": True, "dry_run": True, "households": 2, "persons": 4, "errors": []}
    assert imported(villages.values()) == [] and import_entries() == []


def test_unknown_columns_are_listed_once_and_missing_columns_stop_the_check(villages):
    rows = [["STT", *VI_HEADER, "Ghi chú"], *[[str(n), *row, "ghi chú"] for n, row in enumerate(GOOD_ROWS, 1)]]
    report = run(csv_bytes(rows))
    assert [(e["line"], e["column"], e["reason"]) for e in report.errors] == [
        (1, "Ghi chú", "Cột không được hỗ trợ: Ghi chú")]

    report = run(csv_bytes([["Mã hộ", "Họ tên", "Năm sinh", "Vĩ độ"], ["H1", "A", "bad", "19.1"]]))
    assert [e["reason"] for e in report.errors] == [
        "Thiếu cột Thôn/xóm (thon)", "Thiếu cột Địa chỉ (dia_chi)",
        "Cần cả hai cột Vĩ độ và Kinh độ, hoặc không cột nào"]
    assert imported(villages.values()) == []


def test_an_unquoted_comma_that_shifts_a_row_is_caught(villages):
    data = csv_bytes([["Mã hộ", "Thôn", "Địa chỉ", "Họ tên"], ["H1", "Xóm Đông Sơn", "Nhà 1", "Lê Văn A"]])
    data += "H2,Xóm Đông Sơn,Nhà 2, Hùng Châu,Lê Văn B\r\n".encode()

    report = run(data)

    assert [(e["line"], e["column"]) for e in report.errors] == [(3, None)]
    assert "cột thứ 5" in report.errors[0]["reason"]


def test_household_columns_left_blank_after_the_first_row_are_the_households(villages):
    rows = [VI_HEADER,
            ["H1", "Xóm Đông Sơn", "Nhà 1", *NEAR, "x", "", "", "Lê Văn A", "1980", "Nam", "", "x", ""],
            ["H1", "", "", "", "", "", "", "", "Lê Thị B", "1982", "Nữ", "", "", ""]]

    assert run(csv_bytes(rows)).ok
    (household,) = imported(villages.values())
    assert household.is_poor and household.location is not None
    assert [p.full_name for p in household.members] == ["Lê Văn A", "Lê Thị B"]


def test_unreadable_files_are_reported_not_raised(villages):
    cases = {
        ("ds.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100): "Chỉ đọc được tệp .xlsx hoặc .csv",
        ("ds.xlsx", b"not a zip"): "Tệp .xlsx bị hỏng",
        ("ds.csv", "ma_ho,ho_ten\nH1,Hà Văn Giang\n".encode("cp1258")): "UTF-8",  # Excel's "CSV" on Windows
        ("ds.csv", b""): "Tệp rỗng",
        ("ds.csv", "Mã hộ,Thôn,Địa chỉ,Họ tên\r\n".encode()): "không có dòng dữ liệu",
        # PostgreSQL cannot store a NUL: it used to reach the database and fail the import with 500
        ("ds.csv", "Mã hộ,Thôn,Địa chỉ,Họ tên\r\nH1,Xóm 1,Số\x001,Hà Văn Giang\r\n".encode()): "ký tự NUL",
    }
    for (filename, data), reason in cases.items():
        report = run(data, filename=filename)
        assert not report.ok and len(report.errors) == 1, (filename, report.errors)
        assert reason in report.errors[0]["reason"] and report.errors[0]["line"] is None
    assert imported(villages.values()) == []


def test_an_xlsx_that_breaks_while_being_read_is_reported(villages):
    good = xlsx_bytes([VI_HEADER, *GOOD_ROWS])
    source, broken = zipfile.ZipFile(io.BytesIO(good)), io.BytesIO()
    with zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[:len(content) * 2 // 3]  # cut off in the middle of the rows
            target.writestr(item, content)

    report = run(broken.getvalue(), filename="ds.xlsx")

    assert not report.ok and len(report.errors) == 1
    assert report.errors[0]["line"] is None and report.errors[0]["reason"].startswith("Không đọc được tệp")
    assert imported(villages.values()) == []


def test_errors_are_capped_with_a_final_count(villages):
    rows = [VI_HEADER] + [[f"H{n}", "Xóm Đông Sơn", "Nhà", "", "", "", "", "", f"Người {n}", "năm", "", "", "", ""]
                          for n in range(MAX_ERRORS + 200)]

    report = run(csv_bytes(rows), dry_run=True)

    assert len(report.errors) == MAX_ERRORS + 1
    assert report.errors[MAX_ERRORS - 1]["line"] == MAX_ERRORS + 1
    assert report.errors[-1] == {"line": None, "column": None, "code": "import.more_errors",
                                 "reason": "… còn 200 lỗi nữa không hiển thị"}


# --- Duplicates ---------------------------------------------------------------------------------------------


def test_duplicates_within_the_file(villages):
    rows = [VI_HEADER,
            ["H1", "Xóm Đông Sơn", "Nhà 1", "", "", "", "", "", "Nguyễn Thị Hoà", "1980", "", "", "", ""],
            ["H2", "Xóm Đông Sơn", "Nhà 2", "", "", "", "", "", "NGUYỄN THỊ HÒA", "1980", "", "", "", ""],  # dup
            # another village:
            ["H3", "Xóm Phú Lộc", "Nhà 3", "", "", "", "", "", "Nguyễn Thị Hoà", "1980", "", "", "", ""],
            ["H4", "Xóm Đông Sơn", "Nhà 4", "", "", "", "", "", "Nguyễn Thị Hoà", "1981", "", "", "", ""],  # other year
            ["H5", "Xóm Đông Sơn", "Nhà 5", "", "", "", "", "", "Nguyen Thi Hoa", "", "", "", "", ""]]  # year unknown

    report = run(csv_bytes(rows))

    assert [(e["line"], e["column"], e["reason"]) for e in report.errors] == [
        (3, "Họ và tên", "Trùng người ở dòng 2: Nguyễn Thị Hoà (1980)"),
        (6, "Họ và tên", "Trùng người ở dòng 2: Nguyễn Thị Hoà (1980)")]
    assert imported(villages.values()) == []

    report = run(csv_bytes(rows), allow_duplicates=True)
    assert report.ok and report.persons == 5
    assert len(imported(villages.values())) == 5


def test_duplicates_of_people_already_in_the_village(villages):
    household = household_create(caller=None, village_id=villages["Xóm Đông Sơn"], address="Nhà cũ")
    person_create(caller=None, household=household, full_name="Nguyễn Thị Hoà", birth_year=1980)
    db.session.commit()
    rows = [VI_HEADER,
            ["H1", "Xóm Đông Sơn", "Nhà 1", "", "", "", "", "", "Nguyễn Thị Hòa", "1980", "", "", "", ""],
            ["H2", "Xóm Phú Lộc", "Nhà 2", "", "", "", "", "", "Nguyễn Thị Hoà", "1980", "", "", "", ""]]

    report = run(csv_bytes(rows))

    assert [(e["line"], e["reason"]) for e in report.errors] == [(2, "Trùng người đã có: Nguyễn Thị Hoà (1980)")]
    assert len(imported(villages.values())) == 1

    assert run(csv_bytes(rows), allow_duplicates=True).ok
    names = db.session.scalars(select(Person.full_name).where(Person.village_id == villages["Xóm Đông Sơn"]))
    assert sorted(names) == ["Nguyễn Thị Hoà", "Nguyễn Thị Hòa"]


# --- The log, the caller, progress --------------------------------------------------------------------------


def test_one_activity_entry_without_personal_data(villages):
    data = csv_bytes([VI_HEADER, *GOOD_ROWS])
    entries_before = db.session.scalar(select(func.count()).select_from(ActivityEntry))

    assert run(data).ok
    db.session.flush()

    (entry,) = import_entries()
    digest = hashlib.sha256(data).hexdigest()
    assert (entry.object_type, entry.object_id, entry.log_unit) == ("import", digest[:16], HUNG_CHAU)
    assert entry.actor_id is None and entry.actor_role == "operator"
    assert json.loads(entry.body) == {"households": 2, "persons": 4, "file_sha256": digest, "dry_run": False}
    assert db.session.scalar(select(func.count()).select_from(ActivityEntry)) == entries_before + 1
    assert "Nguy" not in entry.body and "0912" not in entry.body


def test_a_caller_imports_into_their_commune_only(villages):
    officer = make_user(role=Role.commune_officer, unit_code=HUNG_CHAU)
    caller = Caller(user_id=officer.id, role=Role.commune_officer, unit_code=HUNG_CHAU, province_code="40")
    data = csv_bytes([VI_HEADER, *GOOD_ROWS])

    assert run(data, caller=caller).ok
    households = imported(villages.values())
    assert {h.created_by for h in households} == {officer.id}
    assert {p.created_by for h in households for p in h.members} == {officer.id}
    assert import_entries()[0].actor_id == officer.id

    elsewhere = Caller(user_id=officer.id, role=Role.commune_officer, unit_code=OTHER_COMMUNE, province_code="01")
    with pytest.raises(AppError) as raised:
        run(data, caller=elsewhere)
    assert raised.value.spec.code == "unit.not_found"


def test_progress_is_reported_while_checking_and_writing(villages):
    rows = [VI_HEADER] + [[f"H{n // 4}", "Xóm Đông Sơn", f"Nhà {n // 4}", "", "", "", "", "", f"Người số {n}",
                           "1990", "", "", "", ""] for n in range(2500)]
    calls = []

    report = run(csv_bytes(rows), progress=lambda done, total: calls.append((done, total)))

    assert report.ok and (report.households, report.persons) == (625, 2500)
    checking = calls[:calls.index((2500, 2500)) + 1]
    assert checking == [(0, 2500), (1000, 2500), (2000, 2500), (2500, 2500)]
    writing = calls[len(checking):]
    assert writing[-1] == (2500, 2500) and len(writing) >= 1
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(writing))


# --- The command --------------------------------------------------------------------------------------------


def test_command_dry_run_errors_and_import(villages, runner, tmp_path):
    from fieldapp.cli.imports import group

    good, bad = tmp_path / "tot.csv", tmp_path / "loi.csv"
    good.write_bytes(csv_bytes([VI_HEADER, *GOOD_ROWS]))
    bad.write_bytes(csv_bytes([VI_HEADER, *BAD_ROWS]))

    result = runner.invoke(cli=group, args=["import", str(bad), "--commune", HUNG_CHAU])
    assert result.exit_code == 1, result.output
    assert "line 3, column Năm sinh: Năm sinh không hợp lệ: 19x5" in result.output
    assert "line 15, column Địa chỉ: Thiếu địa chỉ" in result.output

    result = runner.invoke(cli=group, args=["import", str(good), "--commune", HUNG_CHAU, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2 households, 4 persons, no errors (dry run, nothing written)" in result.output
    assert imported(villages.values()) == []

    result = runner.invoke(cli=group, args=["import", str(good), "--commune", HUNG_CHAU])
    assert result.exit_code == 0, result.output
    assert "imported 2 households, 4 persons into 17395" in result.output
    assert len(imported(villages.values())) == 2
    assert import_entries()[0].request_id.startswith("cli-")

    result = runner.invoke(cli=group, args=["import", str(good), "--commune", HUNG_CHAU])
    assert result.exit_code == 1 and "Trùng người đã có" in result.output


def test_import_through_the_api_dry_run_then_for_real(client, login, db):
    import io

    from fieldapp.models import Household, Role
    from fieldapp.services.villages import village_create
    from tests.factories import make_user

    village = village_create(commune_code="17395", name="Xóm Đông Sơn", kind="xóm", caller=None)
    db.session.commit()
    headers = login(make_user(role=Role.commune_officer))
    in_village = db.session.query(Household).filter_by(village_id=village.id)
    good = "Mã hộ,Thôn/xóm,Địa chỉ,Họ và tên,Năm sinh,Chủ hộ\nA1,Xóm Đông Sơn,Nhà 1,Nguyễn Văn Nam,1970,x\n" \
           "A1,Xóm Đông Sơn,Nhà 1,Lê Thị Hoa,1975,\n"
    dry = client.post("/api/v1/households/import", headers=headers,
                      data={"file": (io.BytesIO(good.encode("utf-8")), "ds.csv")}, content_type="multipart/form-data")
    assert dry.status_code == 200, dry.get_json()
    assert (dry.get_json()["ok"], dry.get_json()["households"], dry.get_json()["persons"]) == (True, 1, 2)
    assert in_village.count() == 0
    bad = good + "A2,Xóm Không Có,Nhà 2,Trần Văn Ba,1980,x\n"
    refused = client.post("/api/v1/households/import?dry_run=false", headers=headers,
                          data={"file": (io.BytesIO(bad.encode("utf-8")), "ds.csv")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and refused.get_json()["error_code"] == "import.has_errors"
    assert [row["line"] for row in refused.get_json()["errors"]["rows"]] == [4]
    assert in_village.count() == 0
    done = client.post("/api/v1/households/import?dry_run=false", headers=headers,
                       data={"file": (io.BytesIO(good.encode("utf-8")), "ds.csv")}, content_type="multipart/form-data")
    assert done.status_code == 200 and done.get_json()["ok"] is True
    assert in_village.count() == 1


def test_volunteers_cannot_import(client, login):
    import io

    from tests.factories import make_user

    response = client.post("/api/v1/households/import", headers=login(make_user()),
                           data={"file": (io.BytesIO(b"x"), "a.csv")}, content_type="multipart/form-data")
    assert response.status_code == 403
