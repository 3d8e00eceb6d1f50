"""The console's pages (issue 18): each reads through the API's scoped selectors and writes through its
services; field errors in Vietnamese; CSRF on every form; an ended session leads to sign-in and back;
a leader who edits a URL to another team's household finds nothing (404)."""
import hashlib
import io
import json
import re
import uuid
from datetime import timedelta

import pytest
from openpyxl import Workbook, load_workbook

from fieldapp.clock import utcnow
from fieldapp.models import (
    ActivityEntry,
    Assignment,
    CheckIn,
    EvidenceStatus,
    Household,
    KeptImport,
    Person,
    Role,
    User,
    Verdict,
)
from tests.factories import (
    HUNG_CHAU,
    HUNG_CHAU_CENTRE,
    assign,
    make_ambassador,
    make_household,
    make_person,
    make_team,
    make_user,
    make_village,
    make_visit,
    next_phone,
)
from tests.test_console import csrf_token, sign_in

LAT, LON = HUNG_CHAU_CENTRE


def square(lat, lon, half=0.002):
    """A GeoJSON square around a point ([lon, lat], closed)."""
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half]]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


@pytest.fixture
def place(db):
    """Two villages of Hùng Châu with outlines and households on the map, a team in the first with its
    leader and a volunteer, and an officer."""
    first = make_village(name="Xóm Bắc", boundary=square(LAT + 0.004, LON, 0.003))
    second = make_village(name="Xóm Nam", boundary=square(LAT - 0.004, LON, 0.003))
    north = [make_household(village=first, lat=LAT + 0.004 + d, lon=LON + d, address=f"Nhà {i}")
             for i, d in enumerate((-0.001, 0, 0.001))]
    south = [make_household(village=second, lat=LAT - 0.004, lon=LON + d, address=f"Nhà Nam {i}")
             for i, d in enumerate((-0.001, 0.001))]
    for household in north + south:
        make_person(household=household, full_name="Nguyễn Thị Hoà", is_head=True)
    leader = make_user(role=Role.team_leader, full_name="Bùi Quang Long")
    volunteer = make_user(full_name="Lê Văn Nam")
    team = make_team(leader=leader, members=[volunteer], village=first)
    officer = make_user(role=Role.commune_officer, full_name="Phan Văn Đức")
    return {"first": first, "second": second, "north": north, "south": south, "leader": leader,
            "volunteer": volunteer, "team": team, "officer": officer}


def signed_in(app, user):
    client = app.test_client()
    assert sign_in(client, user.phone).status_code == 302
    return client


def html(response) -> str:
    return response.get_data(as_text=True)


PAGES = ["/console/", "/console/households", "/console/teams", "/console/reports", "/console/support-records",
         "/console/accounts", "/console/import", "/console/reviews", "/console/activity"]
OFFICERS_ONLY = {"/console/accounts", "/console/import", "/console/reviews", "/console/activity"}


def test_every_page_opens_for_an_officer_and_for_a_leader_those_of_their_verbs(app, place):
    officer, leader = signed_in(app, place["officer"]), signed_in(app, place["leader"])
    for path in PAGES:
        page = officer.get(path)
        assert page.status_code == 200, (path, html(page)[:500])
        assert '<html lang="vi">' in html(page)
        answer = leader.get(path)
        assert answer.status_code == (403 if path in OFFICERS_ONLY else 200), path
    menu = html(leader.get("/console/"))
    assert "Hộ gia đình" in menu and "Nhật ký hoạt động" not in menu  # the menu shows a leader's pages only


def test_every_form_carries_its_csrf_token_and_one_without_it_is_refused(app, place):
    officer = signed_in(app, place["officer"])
    for path in PAGES:
        forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', html(officer.get(path)), re.S)
        assert forms, path  # at least the sign-out
        for form in forms:
            assert 'name="csrf_token"' in form, (path, form[:200])
    for path in ("/console/households/assign", "/console/teams", "/console/accounts", "/console/import",
                 "/console/reviews", "/console/activity/verify"):
        refused = officer.post(path, data={"name": "x"})
        assert refused.status_code == 400 and "thiếu mã bảo vệ" in html(refused), path


def test_a_leader_who_edits_the_url_to_another_teams_household_finds_nothing(app, place):
    leader = signed_in(app, place["leader"])
    mine, theirs = place["north"][0].public_id, place["south"][0].public_id
    assert leader.get(f"/console/households/{mine}").status_code == 200
    for path in (f"/console/households/{theirs}", f"/console/households/selection?ids={theirs}",
                 f"/console/households/plates.pdf?ids={theirs}", f"/console/households/selection?ids={mine},{theirs}"):
        response = leader.get(path)
        assert response.status_code == 404, path
        assert "Không tìm thấy hộ gia đình" in html(response) or "không tìm thấy" in html(response).lower(), path
    listed = html(leader.get("/console/households"))
    assert mine in listed and theirs not in listed
    # nor may the assignment name it (the service's rule, as POST /api/v1/assignments)
    refused = leader.post("/console/households/assign", data={
        "ids": theirs, "volunteer": f"{place['volunteer'].id}:{place['team'].id}",
        "csrf_token": csrf_token(leader, "/console/households")})
    assert refused.status_code == 404


def test_households_are_found_without_diacritics_and_drawn_on_the_map(app, place):
    officer = signed_in(app, place["officer"])
    page = html(officer.get("/console/households?q=nguyen thi hoa"))
    assert "Danh sách (5 hộ)" in page
    assert page.count('<circle class="household not_visited"') == 5
    assert page.count('<path class="village"') == 2 and "Xóm Bắc" in page
    assert '<script src="/static/console-map.js" defer></script>' in page
    assert re.search(r"<script[^>]*>\s*[^<\s]", page) is None  # nothing inline: the CSP allows /static only
    assert "Danh sách (0 hộ)" in html(officer.get("/console/households?q=tran van"))


def test_households_selected_by_a_polygon_are_assigned_through_the_service(app, db, place):
    leader = signed_in(app, place["leader"])
    around_north = json.dumps(square(LAT + 0.004, LON, 0.0015))
    selection = leader.get("/console/households/selection", query_string={"polygon": around_north})
    assert selection.status_code == 200 and "<strong>3</strong> hộ được chọn" in html(selection)
    assert "Lê Văn Nam" in html(selection) and 'id="plates-link"' in html(selection)
    done = leader.post("/console/households/assign", data={
        "polygon": around_north, "volunteer": f"{place['volunteer'].id}:{place['team'].id}",
        "csrf_token": csrf_token(leader, "/console/households")})
    assert done.status_code == 302 and done.headers["Location"] == "/console/households"
    assigned = {a.household_id for a in db.session.query(Assignment).filter_by(volunteer_id=place["volunteer"].id)}
    assert assigned == {h.id for h in place["north"]}
    assert "Đã giao 3 hộ cho Lê Văn Nam." in html(leader.get("/console/households"))
    entries = db.session.query(ActivityEntry).filter_by(action="household.assign", actor_id=place["leader"].id)
    assert entries.count() == 3


def test_households_selected_by_village_or_by_list_and_their_plates(app, db, place):
    officer = signed_in(app, place["officer"])
    by_village = officer.get(f"/console/households/selection?village_id={place['second'].id}")
    assert "<strong>2</strong> hộ được chọn" in html(by_village)
    ids = ",".join(h.public_id for h in place["north"][:2])
    by_list = officer.get(f"/console/households/selection?ids={ids}")
    assert "<strong>2</strong> hộ được chọn" in html(by_list)
    plates = officer.get(f"/console/households/plates.pdf?ids={ids}")
    assert plates.status_code == 200 and plates.mimetype == "application/pdf" and plates.data.startswith(b"%PDF")
    done = officer.post("/console/households/assign", data={
        "village_id": place["second"].id, "volunteer": f"{place['volunteer'].id}:{place['team'].id}",
        "csrf_token": csrf_token(officer, "/console/households")})
    assert done.status_code == 302
    assert db.session.query(Assignment).filter_by(volunteer_id=place["volunteer"].id).count() == 2


def test_forms_show_their_field_errors_in_vietnamese(app, place, monkeypatch):
    officer = signed_in(app, place["officer"])
    token = csrf_token(officer, "/console/")

    def post(path, data):
        response = officer.post(path, data={**data, "csrf_token": token}, headers={"Accept-Language": "en"})
        return response.status_code, html(response)

    status, page = post("/console/households/assign", {"ids": place["north"][0].public_id})
    assert status == 200 and "chọn một tình nguyện viên" in page and 'aria-invalid="true"' in page
    status, page = post("/console/households/assign", {"polygon": "{not json", "volunteer": "1:1"})
    assert "vùng vẽ không đọc được" in page
    status, page = post("/console/households/assign", {
        "polygon": json.dumps({"type": "Polygon", "coordinates": [[[105, 19], [106, 20], [105, 20], [106, 19],
                                                                   [105, 19]]]}),
        "volunteer": f"{place['volunteer'].id}:{place['team'].id}"})
    assert "các cạnh của vùng cắt nhau" in page  # the geometry's own reason, in Vietnamese
    status, page = post("/console/accounts", {})
    assert "không được để trống" in page and page.count('aria-invalid="true"') >= 3
    status, page = post("/console/accounts", {"phone": "123", "full_name": "A", "role": "volunteer",
                                              "unit_code": HUNG_CHAU, "password": "mat-khau-8"})
    assert "Số điện thoại không hợp lệ" in page or "số điện thoại" in page.lower()
    status, page = post("/console/teams", {})
    assert "không được để trống" in page and "chọn tổ trưởng" in page
    status, page = post("/console/import", {})
    assert status == 422 and "chọn tệp danh sách" in page
    status, page = post("/console/reviews", {"type": "checkin", "id": "x", "decision": "accepted"})
    assert status == 422
    status, page = officer.get("/console/?period=2026-13").status_code, html(officer.get("/console/?period=2026-13"))
    assert "Kỳ không hợp lệ" in page


def test_an_ended_session_leads_to_sign_in_and_back_to_the_page(app, place, monkeypatch):
    client = signed_in(app, place["leader"])
    later = utcnow() + app.config["PERMANENT_SESSION_LIFETIME"] + timedelta(seconds=1)
    monkeypatch.setattr("fieldapp.selectors.tokens.utcnow", lambda: later)
    away = client.get("/console/households?q=hoa")
    assert away.status_code == 302
    assert away.headers["Location"] == "/console/login?ended=1&next=/console/households?q%3Dhoa"
    form = html(client.get(away.headers["Location"]))
    assert "Phiên làm việc đã kết thúc" in form and 'name="next" value="/console/households?q=hoa"' in form
    # A form sent after the end: to sign-in, and back to the page whose form it was.
    sent = client.post("/console/households/assign", data={"csrf_token": "stale"},
                       headers={"Referer": "http://localhost/console/households/selection?ids=H1"})
    assert sent.status_code == 302 and "next=/console/households/selection" in sent.headers["Location"]
    monkeypatch.undo()
    back = client.post("/console/login", data={"phone": place["leader"].phone, "password": "mat-khau-8",
                                               "next": "/console/households?q=hoa",
                                               "csrf_token": csrf_token(client)})
    assert back.status_code == 302 and back.headers["Location"] == "/console/households?q=hoa"
    for unsafe in ("https://evil.example/", "//evil.example/", "/api/v1/me", "/console/login"):
        again = app.test_client()
        response = again.post("/console/login", data={"phone": place["leader"].phone, "password": "mat-khau-8",
                                                      "next": unsafe, "csrf_token": csrf_token(again)})
        assert response.headers["Location"] == "/console/", unsafe


def _workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã hộ", "Thôn/xóm", "Địa chỉ", "Họ và tên", "Năm sinh", "Giới tính", "Chủ hộ"])
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def _kept_form(page: str) -> dict:
    """The token and SHA-256 the page's "Nhập" form carries for the list it kept."""
    return {name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1) for name in ("token", "sha256")}


GOOD = [["B1", "Xóm Bắc", "Nhà 7", "Trần Văn Bảy", 1980, "Nam", "x"],
        ["B2", "Xóm Nam", "Nhà 8", "Trần Thị Tám", 1985, "Nữ", "x"]]


def _checked(officer, token, rows=GOOD):
    """The list checked clean: the check leads back to the page, which offers its import."""
    sent = officer.post("/console/import", data={"csrf_token": token, "action": "check",
                                                 "file": (io.BytesIO(_workbook(rows)), "ds.xlsx")})
    assert sent.status_code == 302 and sent.headers["Location"] == "/console/import"
    page = html(officer.get("/console/import"))
    assert 'id="confirm-form"' in page
    return page


def _imports(db) -> list[ActivityEntry]:
    return db.session.query(ActivityEntry).filter_by(action="household.import").all()


def test_an_import_shows_the_row_errors_then_imports_the_checked_file_without_choosing_it_again(app, db, place):
    officer = signed_in(app, place["officer"])
    token = csrf_token(officer, "/console/import")
    bad = _workbook([["A1", "Xóm Không Có", "Nhà 1", "Trần Văn A", 1980, "Nam", "x"],
                     ["A2", "Xóm Bắc", "Nhà 2", "", 1990, "Nữ", "x"]])
    checked = officer.post("/console/import", data={"csrf_token": token, "action": "check",
                                                    "file": (io.BytesIO(bad), "ds.xlsx")},
                           headers={"Accept-Language": "en"})
    page = html(checked)
    assert checked.status_code == 422 and "Tệp có lỗi: chưa nhập gì" in page
    assert "import.village_unknown" in page and "Không có thôn/xóm này trong xã: Xóm Không Có" in page
    assert "import.name_missing" in page and "Thiếu họ tên" in page
    assert 'id="confirm-form"' not in page  # a list with errors is not kept
    page = _checked(officer, token)
    assert "Đã kiểm tra tệp ds.xlsx: 2 hộ, 2 người, không có lỗi." in page and "Nhập 2 hộ, 2 người" in page
    assert "Trần Văn Bảy" not in html(officer.get("/console/households?q=bay"))  # the check wrote nothing
    done = officer.post("/console/import/confirm", data={"csrf_token": token, **_kept_form(page)})  # no file sent
    assert done.status_code == 302
    after = html(officer.get("/console/import"))
    assert "Đã nhập 2 hộ, 2 người từ tệp ds.xlsx." in after and 'id="confirm-form"' not in after
    assert "Danh sách (1 hộ)" in html(officer.get("/console/households?q=tran van bay"))
    kept = db.session.query(KeptImport).one()
    assert kept.imported_at is not None and kept.content == b""  # people's data not kept after the import
    body = json.loads(_imports(db)[0].body)
    assert body["kept_import_id"] == kept.id and body["file_sha256"] == kept.content_sha256
    check = db.session.query(ActivityEntry).filter_by(action="household.import_check").one()
    assert json.loads(check.body)["kept_import_id"] == kept.id


def test_a_kept_list_is_imported_once_however_often_it_is_sent(app, db, place):
    officer = signed_in(app, place["officer"])
    token = csrf_token(officer, "/console/import")
    form = {"csrf_token": token, **_kept_form(_checked(officer, token))}
    assert officer.post("/console/import/confirm", data=form).status_code == 302
    people = db.session.query(Person).count()
    again = officer.post("/console/import/confirm", data=form)  # a second click, a retried request
    assert again.status_code == 302
    assert db.session.query(Person).count() == people and len(_imports(db)) == 1


def test_the_second_send_says_it_was_already_imported(app, db, place):
    officer = signed_in(app, place["officer"])
    token = csrf_token(officer, "/console/import")
    form = {"csrf_token": token, **_kept_form(_checked(officer, token))}
    officer.post("/console/import/confirm", data=form)
    officer.get("/console/import")  # the first answer's message, read
    officer.post("/console/import/confirm", data=form)
    page = html(officer.get("/console/import"))
    assert "Tệp ds.xlsx đã được nhập lúc" in page and "(2 hộ, 2 người); không nhập lại lần nữa." in page


def test_a_kept_list_is_the_checking_officers_alone(app, db, place):
    officer = signed_in(app, place["officer"])
    token = csrf_token(officer, "/console/import")
    form = _kept_form(_checked(officer, token))
    colleague = signed_in(app, make_user(role=Role.commune_officer, full_name="Hồ Thị Lan"))
    elsewhere = signed_in(app, make_user(role=Role.commune_officer, unit_code="00004"))
    for other in (colleague, elsewhere):
        refused = other.post("/console/import/confirm", data={"csrf_token": csrf_token(other, "/console/import"),
                                                              **form})
        assert refused.status_code == 404 and "Không còn tệp đã kiểm tra này" in html(refused)
    made_up = officer.post("/console/import/confirm", data={"csrf_token": token, **form, "token": "x" * 43})
    assert made_up.status_code == 404
    missing = officer.post("/console/import/confirm", data={"csrf_token": token})
    assert missing.status_code == 422 and "bấm “Kiểm tra tệp” trước khi nhập" in html(missing)
    assert not _imports(db)
    # The account's role moved to another area since the check: the list is not theirs to import there.
    place["officer"].unit_code = "00004"
    db.session.commit()
    moved = signed_in(app, place["officer"])
    assert moved.post("/console/import/confirm", data={"csrf_token": csrf_token(moved, "/console/import"),
                                                       **form}).status_code == 404
    assert not _imports(db)


def test_a_kept_list_expires_and_its_bytes_are_checked(app, db, place, monkeypatch):
    officer = signed_in(app, place["officer"])
    token = csrf_token(officer, "/console/import")
    form = {"csrf_token": token, **_kept_form(_checked(officer, token))}
    other_file = officer.post("/console/import/confirm", data={**form, "sha256": "0" * 64})
    assert other_file.status_code == 409 and "mã SHA-256 khác" in html(other_file)
    form = {"csrf_token": token, **_kept_form(_checked(officer, token))}
    kept = db.session.query(KeptImport).one()  # the new check replaced the earlier list
    kept.content = kept.content[:100] + bytes([kept.content[100] ^ 1]) + kept.content[101:]  # not as checked
    db.session.commit()
    changed = officer.post("/console/import/confirm", data=form)
    assert changed.status_code == 409 and not _imports(db)
    form = {"csrf_token": token, **_kept_form(_checked(officer, token))}
    later = utcnow() + timedelta(seconds=app.config["IMPORT_KEEP_SECONDS"] + 1)
    monkeypatch.setattr("fieldapp.services.imports.kept.utcnow", lambda: later)
    expired = officer.post("/console/import/confirm", data=form)
    assert expired.status_code == 410 and "quá 30 phút" in html(expired)
    assert not _imports(db) and db.session.query(Household).filter_by(address="Nhà 7").count() == 0


def test_a_new_check_replaces_the_list_kept_before(app, db, place):
    officer = signed_in(app, place["officer"])
    token = csrf_token(officer, "/console/import")
    first = _kept_form(_checked(officer, token))
    second = _kept_form(_checked(officer, token, rows=GOOD[:1]))
    assert db.session.query(KeptImport).count() == 1
    assert officer.post("/console/import/confirm", data={"csrf_token": token, **first}).status_code == 404
    assert officer.post("/console/import/confirm", data={"csrf_token": token, **second}).status_code == 302
    assert json.loads(_imports(db)[0].body)["households"] == 1


def test_the_token_is_kept_hashed_and_never_in_a_url(app, db, place):
    officer = signed_in(app, place["officer"])
    token = csrf_token(officer, "/console/import")
    sent = officer.post("/console/import", data={"csrf_token": token, "action": "check",
                                                 "file": (io.BytesIO(_workbook(GOOD)), "ds.xlsx")})
    kept_token = _kept_form(html(officer.get("/console/import")))["token"]
    assert kept_token not in sent.headers["Location"]
    assert db.session.query(KeptImport).one().token_sha256 == hashlib.sha256(kept_token.encode()).hexdigest()


def test_a_list_that_no_longer_checks_clean_imports_nothing_and_stays_unclaimed(app, db, place):
    officer = signed_in(app, place["officer"])
    token = csrf_token(officer, "/console/import")
    form = {"csrf_token": token, **_kept_form(_checked(officer, token))}
    # Meanwhile the same people were registered (another officer's import): now they are duplicates.
    make_person(household=make_household(village=place["first"]), full_name="Trần Văn Bảy", birth_year=1980)
    refused = officer.post("/console/import/confirm", data=form)
    assert refused.status_code == 422 and "import.duplicate_existing" in html(refused)
    assert db.session.query(KeptImport).one().imported_at is None and not _imports(db)


def _flagged_checkin(db, volunteer, household):
    checkin = CheckIn(client_id=str(uuid.uuid4()), request_hash="0" * 64, user_id=volunteer.id,
                      commune_code=HUNG_CHAU, target_kind="household", household_id=household.id,
                      scanned_at=utcnow() - timedelta(minutes=20), received_at=utcnow(),
                      verdict=Verdict.accepted_with_flags, flags=["far_from_site", "late_sync"],
                      evidence_status=EvidenceStatus.held, distance_m=850.0, key_id="0123456789abcdef",
                      accuracy_m=12.0, location=f"SRID=4326;POINT({LON + 0.008} {LAT + 0.004})")
    db.session.add(checkin)
    db.session.commit()
    return checkin


def test_the_review_queue_shows_the_flags_and_point_and_takes_a_decision_with_a_reason(app, db, place):
    checkin = _flagged_checkin(db, place["volunteer"], place["north"][0])
    officer = signed_in(app, place["officer"])
    page = html(officer.get("/console/reviews"))
    assert checkin.client_id in page and "ở xa địa điểm" in page and "cách 850 m" in page
    assert 'class="point"' in page and "Lê Văn Nam" in page
    assert "Minh chứng chờ duyệt: <strong>1</strong>" in html(officer.get("/console/"))
    token = csrf_token(officer, "/console/reviews")
    refused = officer.post("/console/reviews", data={"csrf_token": token, "type": "checkin", "id": checkin.client_id,
                                                     "decision": "rejected", "reason": "  "})
    assert refused.status_code == 422 and "ghi lý do" in html(refused)
    done = officer.post("/console/reviews", data={"csrf_token": token, "type": "checkin", "id": checkin.client_id,
                                                  "decision": "rejected", "reason": "Không ở nhà hộ dân"})
    assert done.status_code == 302
    db.session.refresh(checkin)
    assert checkin.evidence_status == EvidenceStatus.rejected
    assert "Không có minh chứng nào chờ duyệt." in html(officer.get("/console/reviews"))
    decided = html(officer.get("/console/reviews?state=decided"))
    assert "Không công nhận: Không ở nhà hộ dân (Phan Văn Đức)" in decided


def test_the_review_queue_shows_what_the_scan_carried_and_says_there_is_no_photo(app, db, place):
    checkin = _flagged_checkin(db, place["volunteer"], place["north"][0])
    assign(place["north"][1], place["volunteer"], place["team"])
    visit = make_visit(volunteer=place["volunteer"], household=place["north"][1])  # no plate scanned: held
    page = html(signed_in(app, place["officer"]).get("/console/reviews"))
    assert "Không có ảnh." in page and "không có trường ảnh" in page  # said plainly: the contract has no photo
    item = re.search(rf'<article class="card review"[^>]*>(?:(?!</article>).)*{checkin.client_id}.*?</article>',
                     page, re.S).group(0)
    assert f'Biển mã của hộ <span class="mono">{place["north"][0].public_id}</span>' in item
    assert 'chữ ký hợp lệ (khoá ký <span class="mono">0123456789abcdef</span>)' in item
    assert "sau 20 phút" in item and "sai số ± 12 m" in item and "vị trí giả lập: không" in item
    assert "bán kính cho phép 150 m" in item and '<circle class="radius"' in item
    assert "Điện thoại ở xa nơi cần đến hơn bán kính cho phép" in item  # each flag explained
    assert "Máy chủ nhận sau giờ quét hơn 10 phút" in item
    assert "không gửi loại máy hay phiên bản ứng dụng" in item
    visited = re.search(rf'<article class="card review"[^>]*>(?:(?!</article>).)*{visit.public_id}.*?</article>',
                        page, re.S).group(0)
    assert "Chứng cứ có mặt: không có" in visited and "Không quét biển mã QR của hộ" in visited
    assert "GPS</dt><dd class=\"scan-gps\">không có" in visited


def test_the_log_is_verified_on_the_server_and_the_check_recorded(app, db, place, monkeypatch):
    officer = signed_in(app, place["officer"])
    token = csrf_token(officer, "/console/activity")
    done = officer.post("/console/activity/verify", data={"csrf_token": token})
    assert done.status_code == 302
    page = html(officer.get("/console/activity"))
    assert f"Nhật ký {HUNG_CHAU} nguyên vẹn" in page and 'id="checkpoint-size"' in page
    entry = db.session.query(ActivityEntry).filter_by(action="activity.verify") \
        .order_by(ActivityEntry.id.desc()).first()
    body = json.loads(entry.body)
    assert body["ok"] is True and body["size"] >= 1 and len(body["root_hash"]) == 64
    detail = officer.get(f"/console/activity/{entry.id}")
    assert detail.status_code == 200 and "&#34;ok&#34;: true" in html(detail)

    from fieldapp.audit import verify

    def tampered(*args, **kwargs):
        raise verify.Tampered(7, "entry seq 3 was altered")

    monkeypatch.setattr(verify, "verify_export", tampered)
    officer.post("/console/activity/verify", data={"csrf_token": token})
    assert "KHÔNG nguyên vẹn: line 7: entry seq 3 was altered" in html(officer.get("/console/activity"))
    other = make_user(role=Role.commune_officer, unit_code="00004")
    assert signed_in(app, other).get(f"/console/activity/{entry.id}").status_code == 404  # another commune's log


def test_teams_and_accounts_are_built_through_the_services(app, db, place):
    officer = signed_in(app, place["officer"])
    token = csrf_token(officer, "/console/teams")
    made = officer.post("/console/teams", data={"csrf_token": token, "name": "Tổ Xóm Nam", "kind": "community_tech",
                                                "leader_id": place["leader"].id, "village_id": place["second"].id})
    assert made.status_code == 302 and "Đã lập tổ Tổ Xóm Nam." in html(officer.get("/console/teams"))
    phone = next_phone()
    created = officer.post("/console/accounts", data={"csrf_token": token, "phone": phone, "full_name": "Hồ Văn Mới",
                                                      "role": "volunteer", "unit_code": HUNG_CHAU,
                                                      "password": "mat-khau-8"})
    assert created.status_code == 302
    user = db.session.query(User).filter_by(phone=phone).one()
    added = officer.post(f"/console/teams/{place['team'].id}/members", data={"csrf_token": token, "user_id": user.id})
    assert added.status_code == 302 and "Đã thêm Hồ Văn Mới vào tổ" in html(officer.get("/console/teams"))
    assert officer.post(f"/console/accounts/{user.id}/disable", data={"csrf_token": token}).status_code == 302
    db.session.refresh(user)
    assert user.is_active is False and "Đã khoá tài khoản Hồ Văn Mới." in html(officer.get("/console/accounts"))
    leader = signed_in(app, place["leader"])
    assert leader.post("/console/teams", data={"csrf_token": csrf_token(leader, "/console/teams"),
                                               "name": "x"}).status_code == 403


def test_the_dashboard_draws_indicators_against_targets_and_the_report_deadline(app, place):
    officer = signed_in(app, place["officer"])
    page = html(officer.get("/console/"))
    assert re.search(r'<li data-indicator="digital_family.households">', page)
    assert '<rect class="bar-target"' in page and 'role="img"' in page
    assert "hạn nộp trước ngày" in page and re.search(r"<strong>10/\d\d/20\d\d</strong>", page)
    assert "Xóm Bắc" in page and "0% Gia đình số (0/3 hộ)" in page  # villages furthest behind
    year = html(officer.get(f"/console/?period={utcnow().year}"))
    assert f"Năm {utcnow().year}" in year


def _count_row(page: str, code: str) -> tuple[int, str]:
    """(the figure, what is held back) of an indicator in the dashboard's table of counts."""
    found = re.search(rf'<tr data-indicator="{re.escape(code)}"><td>[^<]*</td><td class="num">(\d+)</td>'
                      rf'<td class="num">(\d*)</td>', page)
    assert found, code
    return int(found.group(1)), found.group(2)


def test_a_leaders_dashboard_shows_their_teams_figures_not_the_communes(app, db, place):
    from tests.test_console import _support

    volunteer, team = place["volunteer"], place["team"]
    other_volunteer = make_user(full_name="Đinh Văn Khác")
    other_team = make_team(members=[other_volunteer], village=place["second"])
    assign(place["north"][0], volunteer, team)
    assign(place["south"][0], other_volunteer, other_team)
    make_visit(volunteer=volunteer, household=place["north"][0])  # no plate scanned: held back for review
    for _ in range(2):
        make_visit(volunteer=other_volunteer, household=place["south"][0])
    _support(place["north"][0].members[0], helper=volunteer, team=team)
    for household in place["south"]:
        _support(household.members[0], helper=other_volunteer, team=other_team)
    make_ambassador(user=volunteer)
    make_ambassador(user=other_volunteer)

    commune = html(signed_in(app, place["officer"]).get("/console/"))
    assert _count_row(commune, "support.records") == (3, "0") and _count_row(commune, "visits.count") == (0, "3")
    leader = signed_in(app, place["leader"])
    mine = html(leader.get("/console/"))
    assert f'<h1 id="area">{team.name}</h1>' in mine and "không phải của cả xã" in mine
    assert f"Chỉ số so với mục tiêu: {team.name}" in mine
    assert _count_row(mine, "support.records") == (1, "0") and _count_row(mine, "visits.count") == (0, "1")
    members = re.search(r'<table id="members">(.*?)</table>', mine, re.S).group(1)
    assert "Bùi Quang Long (tổ trưởng)" in members and "Đinh Văn Khác" not in members
    nam = re.search(rf'<tr data-member="{volunteer.id}">(.*?)</tr>', members, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', nam) == ["1", "0 · 1 chờ duyệt", "0/5 · chưa đạt"]
    mentors = re.search(r'<table id="mentors">(.*?)</table>', mine, re.S).group(1)
    assert "Lê Văn Nam" in mentors and "Đinh Văn Khác" not in mentors  # the team's mentors under target only
    assert 'id="behind"' not in mine  # the commune's villages are the officers' concern
    # Another team's id in the URL: not theirs; their own team is shown, with the reason.
    edited = html(leader.get(f"/console/?team={other_team.id}"))
    assert "Không có tổ này trong các tổ của bạn" in edited and _count_row(edited, "support.records") == (1, "0")


def test_the_list_of_people_supported_downloads_as_xlsx_and_csv_logged(app, db, place):
    officer = signed_in(app, place["officer"])
    xlsx = officer.get("/console/support-records/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(row=1, column=1).value is not None
    csv = officer.get("/console/support-records/export?format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert db.session.query(ActivityEntry).filter_by(action="support_record.export",
                                                     actor_id=place["officer"].id).count() == 2


def test_the_quarterly_report_is_read_downloaded_submitted_and_approved_in_the_console(app, db, place):
    from fieldapp.models.reports import QuarterlyReport, ReportStatus

    officer = signed_in(app, place["officer"])
    assert "Báo cáo quý" in html(officer.get("/console/")) and 'id="report-state"' in html(officer.get("/console/"))
    page = html(officer.get("/console/reports/quarterly"))
    assert 'data-status="draft"' in page and 'id="submit-form"' in page and "Hộ gia đình đạt Gia đình số" in page
    quarter = re.search(r'name="quarter" value="(\d{4}-Q\d)"', page).group(1)
    book = officer.get(f"/console/reports/quarterly/download?format=xlsx&quarter={quarter}")
    assert book.status_code == 200 and book.headers["Content-Disposition"].endswith(f'-{quarter}.xlsx"')
    assert "Chỉ tiêu" in load_workbook(io.BytesIO(book.data)).sheetnames
    assert officer.get(f"/console/reports/quarterly/download?format=csv&quarter={quarter}").mimetype == "text/csv"
    token = csrf_token(officer, "/console/reports")
    submitted = officer.post("/console/reports/quarterly/submit", data={"csrf_token": token, "quarter": quarter})
    assert submitted.status_code == 302
    page = html(officer.get(submitted.headers["Location"]))
    assert 'data-status="submitted"' in page and "Đã nộp báo cáo quý" in page and 'id="submit-form"' not in page
    again = officer.post("/console/reports/quarterly/submit", data={"csrf_token": token, "quarter": quarter})
    assert "đã được nộp" in html(officer.get(again.headers["Location"])).lower() or \
        "đã nộp" in html(officer.get(again.headers["Location"])).lower()
    assert officer.post("/console/reports/quarterly/approve", data={"csrf_token": token, "quarter": quarter,
                                                                  "unit": HUNG_CHAU}).status_code == 302
    assert db.session.query(QuarterlyReport).one().status == ReportStatus.submitted  # a commune cannot approve

    province = signed_in(app, make_user(role=Role.province_officer, unit_code="40"))
    status = html(province.get(f"/console/reports/quarterly/status?quarter={quarter}"))
    assert f'data-commune="{HUNG_CHAU}"' in status and "Đã nộp, chờ tỉnh phê duyệt" in status
    assert province.get("/console/reports/quarterly").status_code == 422  # a province's officer names a commune
    token = csrf_token(province, "/console/reports")
    refused = province.post("/console/reports/quarterly/return", data={"csrf_token": token, "quarter": quarter,
                                                                      "unit": HUNG_CHAU, "reason": " "})
    assert "cần ghi lý do" in html(province.get(refused.headers["Location"]))
    approved = province.post("/console/reports/quarterly/approve", data={"csrf_token": token, "quarter": quarter,
                                                                        "unit": HUNG_CHAU})
    assert "Đã phê duyệt báo cáo quý" in html(province.get(approved.headers["Location"]))
    assert db.session.query(QuarterlyReport).one().status == ReportStatus.approved
    other = signed_in(app, make_user(role=Role.province_officer, unit_code="01"))
    assert other.get(f"/console/reports/quarterly?unit={HUNG_CHAU}").status_code == 404  # another province's
