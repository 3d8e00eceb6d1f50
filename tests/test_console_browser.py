"""The console in a real browser (Debian's headless Chromium, driven by Playwright with the system
browser's executable: nothing downloads a browser of its own), against the app served over HTTP:
signing in, the dashboard (an officer's and a leader's), households assigned by drawing a polygon on
the map, a flagged check-in reviewed with what its scan carried, a workbook with errors checked then a
good one imported without choosing it again, the log verified, the list downloaded and opened. Every
page at 360 px (a leader's phone) and 1280 px (an office PC): no horizontal scrolling, a screenshot in
test-output/console/, and axe-core run in the page: no serious or critical violation.

Under the pages' own CSP (scripts from /static only): axe-core is evaluated through the browser's
debugging protocol, which a page's CSP does not govern, so the pages are checked as they are served.
"""
from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Assignment, CheckIn, EvidenceStatus, Role, Unit, Verdict
from tests.factories import DEFAULT_PASSWORD, make_household, make_person, make_team, make_user, make_village
from tests.test_display_browser import live_server  # noqa: F401  (the fixture)

OUTPUT = Path(__file__).parents[1] / "test-output" / "console"
WIDTHS = (360, 1280)
AXE_DEFAULT = Path(__file__).parents[1] / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def _required(what: str, how: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs {what} for the console's browser test: {how}")
    pytest.skip(f"no {what}: {how}")


@pytest.fixture(scope="module")
def chromium_page():
    """One headless Chromium (Debian's) and one page, reused by every step: required under CI, skipped
    loudly elsewhere."""
    path = os.environ.get("TEST_BROWSER") or shutil.which("chromium")
    if not path:
        _required("a headless browser", "run scripts/test (scripts/browser-ready installs Chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _required("Playwright's Python client", "pip install -e '.[dev]' (scripts/bootstrap)")
    axe = Path(os.environ.get("TEST_AXE_JS") or AXE_DEFAULT)
    if not axe.is_file():
        _required("axe-core", "run scripts/browser-ready (npm install of axe-core into .tools/axe)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                      locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.axe_source = axe.read_text(encoding="utf-8")
        yield page
        context.close()
        browser.close()


def check_page(page, name: str) -> None:
    """At each width: no horizontal scrolling, a screenshot, and no serious or critical axe violation."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(page.axe_source + "\n;undefined")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        scroll_width, inner_width = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll_width <= inner_width, f"{name} at {width} px scrolls sideways ({scroll_width} > {inner_width})"
        page.screenshot(path=str(OUTPUT / f"{name}-{width}.png"), full_page=True)
        violations = page.evaluate("""async () => {
            const results = await axe.run(document, {resultTypes: ['violations']});
            return results.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.slice(0, 3)
                     .map(n => n.target.join(' ')).join(', '));
        }""")
        assert not violations, f"{name} at {width} px: " + "; ".join(violations)
    page.set_viewport_size({"width": 1280, "height": 900})


def square(lat, lon, half):
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half]]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


def _workbook(path: Path, rows) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã hộ", "Thôn/xóm", "Địa chỉ", "Họ và tên", "Năm sinh", "Giới tính", "Chủ hộ"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def commune(app, own_commune):
    """A commune of this test's own: two villages with outlines and households on the map, a team in the
    first with its leader and a volunteer, an officer, and a check-in held back for review."""
    lat, lon = own_commune.centre
    with app.app_context():
        north = make_village(commune_code=own_commune.code, name="Xóm Bắc", boundary=square(lat + 0.004, lon, 0.003))
        south = make_village(commune_code=own_commune.code, name="Xóm Nam", boundary=square(lat - 0.004, lon, 0.003))
        north_households = [make_household(village=north, lat=lat + 0.004 + d, lon=lon + d, address=f"Nhà {i}")
                            for i, d in enumerate((-0.0012, 0, 0.0012))]
        south_households = [make_household(village=south, lat=lat - 0.004, lon=lon + d, address=f"Nhà Nam {i}")
                            for i, d in enumerate((-0.0012, 0.0012))]
        for household in north_households + south_households:
            make_person(household=household, full_name="Nguyễn Thị Hoà", is_head=True)
        leader = make_user(role=Role.team_leader, unit_code=own_commune.code, full_name="Bùi Quang Long")
        volunteer = make_user(unit_code=own_commune.code, full_name="Lê Văn Nam")
        team = make_team(leader=leader, members=[volunteer], village=north, commune_code=own_commune.code)
        officer = make_user(role=Role.commune_officer, unit_code=own_commune.code, full_name="Phan Văn Đức")
        province = make_user(role=Role.province_officer, unit_code=db.session.get(Unit, own_commune.code).parent_code,
                             full_name="Đỗ Thị Lan")
        checkin = CheckIn(client_id=str(uuid.uuid4()), request_hash="0" * 64, user_id=volunteer.id,
                          commune_code=own_commune.code, target_kind="household", household_id=north_households[0].id,
                          scanned_at=utcnow(), verdict=Verdict.accepted_with_flags, flags=["far_from_site"],
                          evidence_status=EvidenceStatus.held, distance_m=640.0,
                          location=f"SRID=4326;POINT({lon + 0.006} {lat + 0.004})")
        db.session.add(checkin)
        db.session.commit()
        return {"code": own_commune.code, "north": [h.id for h in north_households],
                "south": [h.public_id for h in south_households], "leader": leader.phone, "officer": officer.phone,
                "province": province.phone,
                "volunteer_id": volunteer.id, "team_id": team.id, "checkin": checkin.client_id}


def sign_in(page, phone: str) -> None:
    page.fill("#phone", phone)
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("form button[type=submit]:has-text('Đăng nhập')")


def sign_out(page) -> None:
    page.click("form.logout button")
    page.wait_for_url(re.compile(r"/console/login$"))


@pytest.mark.real_commits  # the browser's requests are served by other threads: the rows must be committed
def test_the_console_in_a_real_browser(app, chromium_page, live_server, commune, tmp_path):  # noqa: F811
    page, base = chromium_page, live_server

    # A leader opens the households page without a session: to sign-in, and back to the page.
    page.goto(f"{base}/console/households")
    assert "/console/login" in page.url and "next=" in page.url
    check_page(page, "login")
    sign_in(page, commune["leader"])
    page.wait_for_url(re.compile(r"/console/households$"))
    check_page(page, "households")

    # Draw a polygon around the northern village's households on the map, corner by corner.
    boxes = [page.locator(f"circle.household >> nth={i}").bounding_box() for i in range(page.locator(
        "circle.household").count())]
    assert len(boxes) == 3  # the leader sees the team's village only
    left, right = min(b["x"] for b in boxes) - 25, max(b["x"] + b["width"] for b in boxes) + 25
    top, bottom = min(b["y"] for b in boxes) - 25, max(b["y"] + b["height"] for b in boxes) + 25
    for x, y in ((left, top), (right, top), (right, bottom), (left, bottom)):
        page.mouse.click(x, y)
    assert page.locator("#draw-status").inner_text() == "Đã đặt 4 điểm."
    assert page.locator("svg .drawn").count() == 1
    page.click("#draw-submit")
    page.wait_for_url(re.compile(r"/console/households/selection\?polygon="))
    assert "3 hộ được chọn" in page.locator("#selected-count").inner_text()
    check_page(page, "selection")
    page.select_option("#volunteer", f"{commune['volunteer_id']}:{commune['team_id']}")
    page.click("#assign-form button[type=submit]")
    page.wait_for_url(re.compile(r"/console/households$"))
    assert "Đã giao 3 hộ cho Lê Văn Nam." in page.locator(".flash").inner_text()
    with app.app_context():
        assigned = {a.household_id for a in db.session.query(Assignment).filter_by(
            volunteer_id=commune["volunteer_id"], ended_at=None)}
        db.session.remove()
    assert assigned == set(commune["north"])

    # Another team's household, reached by editing the URL: not found.
    response = page.goto(f"{base}/console/households/{commune['south'][0]}")
    assert response.status == 404 and "Không thực hiện được yêu cầu" in page.content()
    page.goto(f"{base}/console/teams")
    check_page(page, "teams-leader")
    # A leader's dashboard (on a phone): their team's figures and members, not the commune's.
    page.goto(f"{base}/console/")
    assert "không phải của cả xã" in page.locator("#team-of").inner_text()
    assert "Lê Văn Nam" in page.locator("#members").inner_text()
    assert page.locator("#behind").count() == 0
    check_page(page, "dashboard-leader")
    sign_out(page)

    # The officer: the dashboard.
    sign_in(page, commune["officer"])
    page.wait_for_url(re.compile(r"/console/$"))
    assert page.locator("#households").inner_text() == "5"
    assert page.locator("#indicator-chart li").count() >= 5
    assert page.locator("#indicator-chart svg rect.bar-target").count() >= 1
    assert "hạn nộp trước ngày" in page.locator("#report-deadline").inner_text()
    assert page.locator("#review-queue strong").inner_text() == "1"
    assert "Xóm Nam" in page.locator("#behind").inner_text()
    check_page(page, "dashboard")

    # The review queue: the flagged check-in, its flags and point; accepted with a reason.
    page.click("nav a:has-text('Duyệt minh chứng')")
    page.wait_for_url(re.compile(r"/console/reviews$"))
    item = page.locator("article.review").first
    assert commune["checkin"] in item.inner_text() and "ở xa địa điểm" in item.inner_text()
    assert item.locator("svg circle.point").count() == 1 and item.locator("svg circle.radius").count() == 1
    assert "Biển mã của hộ" in item.inner_text() and "không gửi loại máy" in item.inner_text()
    assert "không có trường ảnh" in page.locator("#no-photo").inner_text()  # no photo exists in the contract
    check_page(page, "reviews")
    item.locator("textarea").fill("Đã gọi điện cho hộ: tình nguyện viên có đến")
    item.locator("button[value=accepted]").click()
    page.wait_for_url(re.compile(r"/console/reviews$"))
    assert "Đã công nhận minh chứng" in page.locator(".flash").inner_text()
    assert "Không có minh chứng nào chờ duyệt." in page.content()

    # Import: a workbook with errors (row errors by code, in Vietnamese), then a good one.
    page.click("nav a:has-text('Nhập danh sách hộ')")
    page.wait_for_url(re.compile(r"/console/import$"))
    bad = _workbook(tmp_path / "loi.xlsx", [["A1", "Xóm Không Có", "Nhà 1", "Trần Văn A", 1980, "Nam", "x"],
                                            ["A2", "Xóm Bắc", "Nhà 2", "", 1990, "Nữ", "x"]])
    page.set_input_files("#file", str(bad))
    page.click("#import-form button[value=check]")
    page.wait_for_selector("#import-errors")
    errors = page.locator("#import-errors").inner_text()
    assert "import.village_unknown" in errors and "Không có thôn/xóm này trong xã: Xóm Không Có" in errors
    assert "import.name_missing" in errors and "Thiếu họ tên" in errors
    check_page(page, "import-errors")
    good = _workbook(tmp_path / "tot.xlsx", [["B1", "Xóm Bắc", "Nhà 7", "Trần Văn Bảy", 1980, "Nam", "x"],
                                             ["B2", "Xóm Nam", "Nhà 8", "Trần Thị Tám", 1985, "Nữ", "x"]])
    page.set_input_files("#file", str(good))
    page.click("#import-form button[value=check]")
    page.wait_for_selector("#report-ok")
    assert "tot.xlsx: 2 hộ, 2 người, không có lỗi" in page.locator("#report-ok").inner_text()
    check_page(page, "import-checked")
    # "Nhập" imports the file just checked: the file is not chosen again.
    page.click("#confirm-form button[type=submit]")
    page.wait_for_url(re.compile(r"/console/import$"))
    assert "Đã nhập 2 hộ, 2 người từ tệp tot.xlsx." in page.locator(".flash").inner_text()
    assert page.locator("#confirm-form").count() == 0
    check_page(page, "import")

    # The households page of the officer (the whole commune, the map with both villages).
    page.goto(f"{base}/console/households?q=tran van bay")
    assert "Danh sách (1 hộ)" in page.content()
    page.goto(f"{base}/console/households")
    assert page.locator("path.village").count() == 2
    check_page(page, "households-officer")
    page.goto(f"{base}/console/households/{commune['south'][0]}")
    check_page(page, "household")

    # Teams and accounts.
    page.goto(f"{base}/console/teams")
    check_page(page, "teams")
    page.goto(f"{base}/console/accounts")
    page.click("#account-form button[type=submit]")  # the browser's own check stops an empty form
    page.fill("#full_name", "Hồ Văn Mới")
    page.fill("#phone", "123")
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("#account-form button[type=submit]")
    page.wait_for_selector("#phone-error")
    assert "điện thoại" in page.locator("#phone-error").inner_text().lower()
    check_page(page, "accounts-errors")

    # The activity log: verified on the server.
    page.click("nav a:has-text('Nhật ký hoạt động')")
    page.wait_for_url(re.compile(r"/console/activity$"))
    page.click("#verify-form button")
    page.wait_for_url(re.compile(r"/console/activity$"))
    assert f"Nhật ký {commune['code']} nguyên vẹn" in page.locator(".flash").inner_text()
    assert int(page.locator("#checkpoint-size").inner_text()) > 0
    check_page(page, "activity")
    page.locator("#entries a").first.click()
    page.wait_for_selector("#entry-body")
    assert "activity.verify" in page.content()
    check_page(page, "activity-entry")

    # Reports: the list of people supported, downloaded and opened.
    page.click("nav a:has-text('Báo cáo')")
    page.wait_for_url(re.compile(r"/console/reports$"))
    check_page(page, "reports")
    with page.expect_download() as download:
        page.click("#download-xlsx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    header = [cell.value for cell in next(load_workbook(saved).active.iter_rows(max_row=1))]
    assert "Họ và tên" in " ".join(str(h) for h in header)
    page.goto(f"{base}/console/support-records")
    check_page(page, "support-records")

    # The quarterly report: read, its workbook downloaded and opened, submitted by the commune...
    page.goto(f"{base}/console/reports")
    page.click("#open-quarterly")
    page.wait_for_selector("#report-status[data-status=draft]")
    check_page(page, "quarterly")
    with page.expect_download() as download:
        page.click("#quarterly-xlsx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    book = load_workbook(saved)
    assert "Chỉ tiêu" in book.sheetnames
    names = [row[1] for row in book["Chỉ tiêu"].iter_rows(min_row=2, values_only=True)]
    assert "Hộ gia đình đạt Gia đình số" in names
    page.click("#submit-form button")
    page.wait_for_selector("#report-status[data-status=submitted]")
    assert "Đã nộp báo cáo quý" in page.locator(".flash").inner_text()
    sign_out(page)

    # ... and approved by the province, from the list of its communes' reports.
    sign_in(page, commune["province"])
    page.wait_for_url(re.compile(r"/console/$"))
    page.goto(f"{base}/console/reports")
    page.click("#open-quarterly")
    page.wait_for_selector("#quarterly-status")
    check_page(page, "quarterly-status")
    page.click(f"tr[data-commune='{commune['code']}'] a")
    page.wait_for_selector("#report-status[data-status=submitted]")
    page.click("#approve-form button")
    page.wait_for_selector("#report-status[data-status=approved]")
    check_page(page, "quarterly-approved")
