"""The projector display in a real browser (headless Chromium): under its strict CSP the page's own
script runs, fetches the current code and draws it, with the live count, without reloading.

The other display tests read the HTML and the JSON; only a browser shows that the script is
allowed to run and that what it draws is the code of the moment.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import uuid

import pytest
from werkzeug.serving import make_server

from fieldapp.clock import utcnow
from fieldapp.display import display_key
from fieldapp.extensions import db
from fieldapp.qr import signing
from tests.factories import DEFAULT_PASSWORD, make_session, make_user


@pytest.fixture
def browser():
    """Chromium (scripts/browser-ready installs it; TEST_BROWSER names another); required under CI,
    skipped loudly elsewhere."""
    path = os.environ.get("TEST_BROWSER") or shutil.which("chromium")
    if not path:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs a headless browser for the display test: run scripts/test (scripts/browser-ready)")
        pytest.skip("no headless browser: run scripts/test, which installs Chromium")
    return path


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free port, in a thread (the browser's requests are real ones)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _rendered_dom(browser: str, url: str, tmp_path) -> str:
    """The page's DOM after its script has run (virtual time lets the first fetch finish)."""
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=5000", "--dump-dom", url],
        capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _path_of(svg: str) -> str:
    return re.search(r'<path[^>]* d="([^"]+)"', svg).group(1)


@pytest.mark.real_commits  # the browser's requests are served by other threads: the rows must be committed
def test_the_browser_draws_the_current_code_and_the_live_count(app, browser, live_server, tmp_path, own_commune):
    with app.app_context():
        session = make_session(commune_code=own_commune.code, lat=own_commune.lat, lon=own_commune.lon)
        volunteer = make_user(unit_code=own_commune.code)
        db.session.commit()
        public_id, phone, title = session.public_id, volunteer.phone, session.title
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"phone": phone, "password": DEFAULT_PASSWORD}).get_json()
    lat, lon = own_commune.centre
    checked_in = client.post("/api/v1/checkins", headers={"Authorization": f"Bearer {token['access_token']}"}, json={
        "client_id": str(uuid.uuid4()), "payload": signing.qr_text("session", public_id, step=signing.session_step()),
        "scanned_at": utcnow().isoformat(), "gps": {"lat": lat, "lon": lon, "accuracy_m": 5}})
    assert checked_in.status_code == 201
    code_url = f"/display/sessions/{public_id}/code.json?k={display_key(public_id)}"
    codes_before = client.get(code_url).get_json()

    dom = _rendered_dom(browser, f"{live_server}/display/sessions/{public_id}?k={display_key(public_id)}", tmp_path)

    codes_after = client.get(code_url).get_json()
    drawn = re.search(r'<div id="code"[^>]*>(.*?)</div>', dom, re.S).group(1)
    assert "<svg" in drawn, "the page's script did not draw the code (blocked by the CSP, or failed)"
    # The code of the moment (the step may have turned during the run: either side of it).
    assert _path_of(drawn) in {_path_of(codes_before["svg"]), _path_of(codes_after["svg"])}
    assert re.search(r'<span id="count">1</span>', dom), "the live count was not filled in"
    assert title in dom
