"""Population figures imported from a sheet (issue 16, item 3): the units of the caller's area only, every
row checked first and one bad row writing nothing, a dry run, each figure entered and logged as a PUT
enters and logs it, and the import logged once."""
import hashlib
import io
import json

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from fieldapp.clock import utcnow
from fieldapp.models import ActivityEntry, PopulationFigure, Role, Unit
from tests.factories import HUNG_CHAU, NGHE_AN, OTHER_COMMUNE, make_user

YEAR = utcnow().year
HEADER = "Mã đơn vị,Tên đơn vị,Năm,Chỉ tiêu,Giá trị,Nguồn"


@pytest.fixture
def officer(login):
    return login(make_user(role=Role.commune_officer))


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join((header, *rows)) + "\r\n").encode("utf-8")


def _post(client, headers, body: bytes, *, dry_run: bool, name="dan-so.csv"):
    return client.post("/api/v1/units/population/import", headers=headers,
                       query_string={"dry_run": "true" if dry_run else "false"},
                       data={"file": (io.BytesIO(body), name)}, content_type="multipart/form-data")


def _stored(code=HUNG_CHAU) -> dict:
    return {(f.year, f.measure.value): (f.value, f.source) for f in db_figures(code)}


def db_figures(code):
    from fieldapp.extensions import db

    return db.session.scalars(select(PopulationFigure).where(PopulationFigure.unit_code == code)).all()


def _entries(db, action) -> list[ActivityEntry]:
    return db.session.query(ActivityEntry).filter_by(action=action).order_by(ActivityEntry.id).all()


GOOD = (f'{HUNG_CHAU},Xã Hùng Châu,{YEAR},Người từ 18 tuổi trở lên,"1.200",Báo cáo dân số của xã',
        f"{HUNG_CHAU},Xã Hùng Châu,{YEAR},households,400,Báo cáo dân số của xã",
        f'{HUNG_CHAU},Xã Hùng Châu,{YEAR},"Học sinh, sinh viên",310,Phòng Giáo dục',
        f"{HUNG_CHAU},Xã Hùng Châu,{YEAR - 1},citizens_from_16,1150,Niên giám thống kê")


def test_a_good_file_enters_every_figure_with_its_source_and_logs_each_as_a_put_does(client, officer, db):
    data = _csv(*GOOD)
    response = _post(client, officer, data, dry_run=False)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"ok": True, "dry_run": False, "rows": 4, "figures": 4, "units": 1,
                                   "replaced": 0, "errors": []}
    assert _stored() == {(YEAR, "adults"): (1200, "Báo cáo dân số của xã"),
                         (YEAR, "households"): (400, "Báo cáo dân số của xã"),
                         (YEAR, "pupils"): (310, "Phòng Giáo dục"),
                         (YEAR - 1, "citizens_from_16"): (1150, "Niên giám thống kê")}
    digest = hashlib.sha256(data).hexdigest()
    entered = _entries(db, "population.enter")
    assert [(e.object_id, e.log_unit) for e in entered] == [(f"{HUNG_CHAU}:{YEAR}", HUNG_CHAU)] * 2 + [
        (f"{HUNG_CHAU}:{YEAR - 1}", HUNG_CHAU)]  # one per unit, year and source, in the file's order
    assert [json.loads(e.body) for e in entered] == [
        {"year": YEAR, "values": {"adults": 1200, "households": 400}, "source": "Báo cáo dân số của xã",
         "replaced": [], "import": digest[:16]},
        {"year": YEAR, "values": {"pupils": 310}, "source": "Phòng Giáo dục", "replaced": [], "import": digest[:16]},
        {"year": YEAR - 1, "values": {"citizens_from_16": 1150}, "source": "Niên giám thống kê", "replaced": [],
         "import": digest[:16]}]
    (imported,) = _entries(db, "population.import")
    assert (imported.object_type, imported.object_id, imported.log_unit) == ("import", digest[:16], HUNG_CHAU)
    assert json.loads(imported.body) == {"rows": 4, "figures": 4, "units": 1, "replaced": 0,
                                         "file_sha256": digest, "dry_run": False}
    shown = {f["measure"]: f for f in client.get(f"/api/v1/units/{HUNG_CHAU}/population",
                                                 headers=officer).get_json()["figures"]}
    assert (shown["adults"]["value"], shown["adults"]["source"]) == (1200, "Báo cáo dân số của xã")


def test_a_dry_run_checks_counts_what_it_would_replace_and_writes_nothing(client, officer, db):
    put = client.put(f"/api/v1/units/{HUNG_CHAU}/population/{YEAR}", headers=officer,
                     json={"figures": {"households": 390}, "source": "Sổ hộ khẩu"})
    assert put.status_code == 200
    before = len(_entries(db, "population.enter"))
    report = _post(client, officer, _csv(*GOOD), dry_run=True).get_json()
    assert report == {"ok": True, "dry_run": True, "rows": 4, "figures": 4, "units": 1, "replaced": 1,
                      "errors": []}
    assert _stored() == {(YEAR, "households"): (390, "Sổ hộ khẩu")}
    assert len(_entries(db, "population.enter")) == before and _entries(db, "population.import") == []
    # For real: the figure held is replaced, with the file's source.
    assert _post(client, officer, _csv(*GOOD), dry_run=False).get_json()["replaced"] == 1
    assert _stored()[(YEAR, "households")] == (400, "Báo cáo dân số của xã")
    assert json.loads(_entries(db, "population.enter")[-3].body)["replaced"] == ["households"]


@pytest.mark.parametrize("bad, column, code", [
    (f"99999,,{YEAR},workers,10,Báo cáo", "Mã đơn vị", "import.unit_not_found"),
    (f"{OTHER_COMMUNE},,{YEAR},workers,10,Báo cáo", "Mã đơn vị", "import.unit_not_found"),  # another province
    (f"{NGHE_AN},,{YEAR},workers,10,Báo cáo", "Mã đơn vị", "import.unit_not_found"),  # above a commune officer
    (f",,{YEAR},workers,10,Báo cáo", "Mã đơn vị", "import.unit_missing"),
    (f"{HUNG_CHAU},,1999,workers,10,Báo cáo", "Năm", "import.year_invalid"),
    (f"{HUNG_CHAU},,{YEAR + 2},workers,10,Báo cáo", "Năm", "import.year_invalid"),
    (f"{HUNG_CHAU},,năm nay,workers,10,Báo cáo", "Năm", "import.year_invalid"),
    (f"{HUNG_CHAU},,{YEAR},workers,-5,Báo cáo", "Giá trị", "import.value_negative"),
    (f"{HUNG_CHAU},,{YEAR},workers,12.5,Báo cáo", "Giá trị", "import.value_invalid"),
    (f"{HUNG_CHAU},,{YEAR},workers,2000000000,Báo cáo", "Giá trị", "import.value_invalid"),
    (f"{HUNG_CHAU},,{YEAR},workers,,Báo cáo", "Giá trị", "import.value_missing"),
    (f"{HUNG_CHAU},,{YEAR},Nông dân,10,Báo cáo", "Chỉ tiêu", "import.measure_unknown"),
    (f"{HUNG_CHAU},,{YEAR},workers,10,", "Nguồn", "import.source_missing"),
    (f"{HUNG_CHAU},,{YEAR},workers,10,{'x' * 201}", "Nguồn", "import.text_too_long"),
    (f"{HUNG_CHAU},,{YEAR},nguoi tu 18 tuoi,999,Báo cáo", "Chỉ tiêu", "import.figure_repeated"),  # line 2's
])
def test_one_bad_row_writes_nothing_and_is_reported_with_its_line(client, officer, db, bad, column, code):
    """Two good rows (adults, households), then the bad one."""
    response = _post(client, officer, _csv(GOOD[0], GOOD[1], bad), dry_run=False)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error_code"] == "import.has_errors"
    assert [(row["line"], row["column"], row["code"]) for row in body["errors"]["rows"]] == [(4, column, code)]
    assert _stored() == {}
    assert _entries(db, "population.enter") == [] and _entries(db, "population.import") == []
    dry = _post(client, officer, _csv(GOOD[0], GOOD[1], bad), dry_run=True)
    assert dry.status_code == 200 and not dry.get_json()["ok"]
    assert [row["code"] for row in dry.get_json()["errors"]] == [code]


def test_a_unit_of_another_area_is_reported_exactly_as_one_that_does_not_exist(client, officer):
    def reasons(code):
        rows = _post(client, officer, _csv(f"{code},,{YEAR},adults,10,Báo cáo"), dry_run=True).get_json()["errors"]
        return [{**row, "reason": row["reason"].replace(code, "<code>")} for row in rows]

    assert reasons(OTHER_COMMUNE) == reasons("99999") == reasons("01") != []


def test_vietnamese_headers_and_measures_without_diacritics(client, officer):
    data = _csv(f"{HUNG_CHAU},{YEAR},nguoi tu 18 tuoi tro len,1200,Bao cao cua xa",
                f"{HUNG_CHAU},{YEAR},HO GIA DINH,400,Bao cao cua xa",
                f"{HUNG_CHAU},{YEAR},hoc sinh sinh vien,300,Bao cao cua xa",
                f"{HUNG_CHAU},{YEAR},nguoi lao dong doanh nghiep,90,Bao cao cua xa",
                f"{HUNG_CHAU},{YEAR},can bo cong chuc vien chuc,45,Bao cao cua xa",
                f"{HUNG_CHAU},{YEAR},cong dan tu 16 tuoi,1300,Bao cao cua xa",
                header="ma don vi,nam,chi tieu,gia tri,nguon")
    report = _post(client, officer, data, dry_run=False).get_json()
    assert report["ok"] and report["figures"] == 6, report
    assert {measure: value for (_, measure), (value, _) in _stored().items()} == {
        "adults": 1200, "households": 400, "pupils": 300, "workers": 90, "public_staff": 45,
        "citizens_from_16": 1300}


def test_an_xlsx_with_excel_typed_numbers(client, officer):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["STT", "Mã ĐVHC", "Năm", "Chỉ tiêu", "Số lượng", "Nguồn số liệu"])
    sheet.append([1, int(HUNG_CHAU), float(YEAR), "Hộ gia đình", 400.0, "Niên giám"])
    sheet.append([2, HUNG_CHAU, YEAR, "Người trưởng thành", "1 250", "Niên giám"])
    out = io.BytesIO()
    workbook.save(out)
    report = _post(client, officer, out.getvalue(), dry_run=False, name="dan-so.xlsx").get_json()
    assert report["ok"], report
    assert _stored() == {(YEAR, "households"): (400, "Niên giám"), (YEAR, "adults"): (1250, "Niên giám")}


def test_a_province_officer_imports_the_province_and_its_communes(client, login, db):
    province = login(make_user(role=Role.province_officer, unit_code=NGHE_AN))
    neighbour = db.session.scalar(select(Unit.code).where(Unit.parent_code == NGHE_AN, Unit.code != HUNG_CHAU)
                                  .order_by(Unit.code).limit(1))
    data = _csv(f"{NGHE_AN},Tỉnh Nghệ An,{YEAR},adults,2500000,Niên giám tỉnh",
                f"{HUNG_CHAU},,{YEAR},adults,1200,Niên giám tỉnh",
                f"{neighbour},,{YEAR},adults,900,Niên giám tỉnh")
    report = _post(client, province, data, dry_run=False).get_json()
    assert (report["ok"], report["units"]) == (True, 3), report
    assert {e.log_unit for e in _entries(db, "population.enter")} == {NGHE_AN, HUNG_CHAU, neighbour}
    assert [e.log_unit for e in _entries(db, "population.import")] == [NGHE_AN]
    refused = _post(client, province, _csv(f"{OTHER_COMMUNE},,{YEAR},adults,1,Niên giám"), dry_run=False)
    assert refused.status_code == 422
    assert [r["code"] for r in refused.get_json()["errors"]["rows"]] == ["import.unit_not_found"]


def test_a_missing_column_stops_the_check(client, officer):
    report = _post(client, officer, _csv(f"{HUNG_CHAU},{YEAR},adults,1", header="Mã đơn vị,Năm,Chỉ tiêu,Giá trị"),
                   dry_run=True).get_json()
    assert not report["ok"] and [(e["code"], e["line"]) for e in report["errors"]] == [("import.column_missing", 1)]


def test_an_empty_file_and_one_without_rows(client, officer):
    assert [e["code"] for e in _post(client, officer, b"", dry_run=True).get_json()["errors"]] == ["import.file_empty"]
    only_header = _post(client, officer, _csv(), dry_run=True).get_json()
    assert [e["code"] for e in only_header["errors"]] == ["import.file_no_rows"]


def test_field_roles_may_not_import(client, login):
    for role in (Role.volunteer, Role.team_leader):
        response = _post(client, login(make_user(role=role)), _csv(*GOOD), dry_run=True)
        assert response.status_code == 403


def test_the_upload_may_be_larger_than_other_bodies(app, client, officer, monkeypatch):
    """As the other imports (``import_body_allowed``): up to IMPORT_MAX_BYTES, not MAX_CONTENT_LENGTH."""
    data = _csv(*GOOD)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", len(data) // 2)
    assert client.put(f"/api/v1/units/{HUNG_CHAU}/population/{YEAR}", headers=officer,
                      json={"figures": {"adults": 1}, "source": "x" * len(data)}).status_code == 413
    response = _post(client, officer, data, dry_run=True)
    assert response.status_code == 200 and response.get_json()["ok"], response.get_json()
