"""What the servers in front of the app answer (issue 12): gunicorn with fieldapp's configuration
(fieldapp/serving/), and nginx with the configuration of docs/deploy.md, taken from the document.

Every answer is the JSON envelope, or none at all where none can be written (the cases
docs/deploy.md lists, which are asserted here too). Requests go over raw sockets, to send what no
HTTP client library would. The tests start real processes: they are marked ``slow``.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from fieldapp.errors import CATALOGUE, AppError, envelope
from fieldapp.models import Role
from fieldapp.serving import gunicorn_conf
from tests.factories import DEFAULT_PASSWORD, make_user, make_village
from tests.servers import ROOT, app_env, free_port, start_gunicorn, start_server, stop

ENVELOPE_KEYS = {"code", "status", "error_code", "message", "errors"}
JSON_TYPE = "application/json; charset=utf-8"
APP_JSON_TYPE = "application/json"  # Flask's, for the app's own envelopes
WORKER_CLASSES = {"sync": (), "gthread": ("--worker-class", "fieldapp.serving.workers.ThreadWorker")}


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def envelope(self, content_type: str = JSON_TYPE) -> dict:
        """The body, checked to be the envelope of CONTRACT.md sent as JSON with this status."""
        assert self.headers["Content-Type"] == content_type, (self.status, self.headers["Content-Type"],
                                                              self.body[:200])
        body = json.loads(self.body)
        assert set(body) == ENVELOPE_KEYS and body["code"] == self.status, body
        return body


def exchange(port: int, request: bytes, *, tls: bool = False, timeout: float = 60) -> Answer | None:
    """Send ``request`` as it is; the answer, or None when the connection closed without one."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
        sock = context.wrap_socket(sock)
    with sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused part-way: the answer may be there all the same
        response = http.client.HTTPResponse(sock)
        try:
            response.begin()
        except (http.client.RemoteDisconnected, ConnectionResetError, ssl.SSLError):
            return None
        return Answer(response.status, response.headers, response.read())


def get(target: str, *headers: str, method: str = "GET", body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: fieldapp.test", "Connection: close", *headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def assert_catalogue_envelope(answer: Answer | None, error_code: str, lang: str = "vi", *,
                              content_type: str = JSON_TYPE) -> None:
    assert answer is not None, f"no answer where {error_code} was expected"
    assert answer.envelope(content_type) == envelope(AppError(error_code), lang)


def _officer_token(app, commune: str) -> str:
    """A committed commune officer's bearer token, good for a server in another process."""
    with app.app_context():
        officer = make_user(role=Role.commune_officer, unit_code=commune)
        answer = app.test_client().post("/api/v1/auth/token", json={"phone": officer.phone,
                                                                    "password": DEFAULT_PASSWORD})
        return answer.get_json()["access_token"]


# ---------------------------------------------------------------------------------------------
# gunicorn

@pytest.fixture(scope="module")
def fieldapp_servers(committing_app):
    """The real app under gunicorn with fieldapp's configuration, once per worker class, on the
    database of the ``real_commits`` tests (those of this module write what the server must read)."""
    servers, ports = [], {}
    try:
        for name, flags in WORKER_CLASSES.items():
            ports[name] = free_port()
            servers.append(start_gunicorn(ports[name], "--workers", "1", *flags, env=app_env(committing_app)))
        yield ports
    finally:
        for server in servers:
            stop(server)


@pytest.fixture(scope="module")
def sleepy(tmp_path_factory):
    """gunicorn with fieldapp's configuration and worker class, a 2-second timeout, and the small app
    of tests/sleepy_app.py; its access log in a file."""
    port, log = free_port(), tmp_path_factory.mktemp("sleepy") / "access.log"
    with log.open("wb") as stdout:
        server = start_gunicorn(port, "--workers", "2", "--timeout", "2", wsgi_app="tests.sleepy_app:app",
                                ready_path="/", stdout=stdout)
    try:
        yield port, log
    finally:
        stop(server)


#: (request, status, error_code): what gunicorn refuses before the app sees it.
GUNICORN_REFUSES = {
    "request line too long": (get("/api/v1/livez?pad=" + "a" * gunicorn_conf.limit_request_line), 414,
                              "request.line_too_long"),
    "header too large": (get("/api/v1/livez", "X-Big: " + "a" * (gunicorn_conf.limit_request_field_size + 1)), 431,
                         "request.header_too_large"),
    "too many headers": (get("/api/v1/livez", *[f"X-Extra-{i}: 1" for i in range(gunicorn_conf.limit_request_fields)]),
                         431, "request.header_too_large"),
    "control byte in a header": (get("/api/v1/livez", "X-Note: a\x01b"), 400, "request.bad_request"),
    "malformed request line": (b"NONSENSE\r\n\r\n", 400, "request.bad_request"),
    "no version in the request line": (b"GET /api/v1/livez\r\nHost: x\r\n\r\n", 400, "request.bad_request"),
    "unknown Expect": (get("/api/v1/livez", "Expect: 200-ok"), 417, "request.expectation_failed"),
}


@pytest.mark.slow
@pytest.mark.parametrize("worker", WORKER_CLASSES)
@pytest.mark.parametrize("case", GUNICORN_REFUSES)
def test_gunicorn_answers_what_it_refuses_in_the_envelope(fieldapp_servers, worker, case):
    request, status, error_code = GUNICORN_REFUSES[case]
    answer = exchange(fieldapp_servers[worker], request)
    assert answer is not None and answer.status == status
    assert_catalogue_envelope(answer, error_code)


def _chunked(body: bytes, chunk: int = 64 * 1024) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(body[i:i + chunk]), body[i:i + chunk]) for i in range(0, len(body), chunk)]
    return b"".join(parts) + b"0\r\n\r\n"


@pytest.mark.slow
@pytest.mark.real_commits  # no transaction of the test's open: the server reads the accounts
@pytest.mark.parametrize("worker", WORKER_CLASSES)
def test_a_chunked_body_past_the_limit_is_413_not_a_cut_off_body(fieldapp_servers, worker):
    """gunicorn streams a chunked body; werkzeug stopped at the limit and the cut-off JSON was a 400."""
    body = b'{"phone": "0912000001", "password": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    head = get("/api/v1/auth/token", "Content-Type: application/json", "Transfer-Encoding: chunked", method="POST")
    answer = exchange(fieldapp_servers[worker], head + _chunked(body))
    assert answer is not None and answer.status == 413
    assert answer.envelope(APP_JSON_TYPE)["error_code"] == "request.too_large"
    small = b'{"phone": "0912000001", "password": "sai-mat-khau"}'
    answer = exchange(fieldapp_servers[worker], head + _chunked(small, chunk=7))
    assert answer is not None and answer.status == 401  # read whole, and judged (no such account)
    assert answer.envelope(APP_JSON_TYPE)["error_code"] == "auth.bad_credentials"


@pytest.mark.slow
def test_gunicorns_envelope_is_english_when_the_request_asks_and_got_that_far(fieldapp_servers):
    # A bad Content-Length is found once the headers are read: gunicorn has the request, and its language.
    answer = exchange(fieldapp_servers["sync"], get("/api/v1/livez", "Accept-Language: en", "Content-Length: x1"))
    assert_catalogue_envelope(answer, "request.bad_request", "en")


@pytest.mark.slow
@pytest.mark.real_commits  # the server, another process, must see the household and the officer
def test_the_longest_plates_request_of_the_contract_is_answered_by_gunicorn(app, fieldapp_servers, own_commune):
    """500 ids, comma-separated and repeated, fit gunicorn's request line; one byte more does not."""
    from fieldapp.api.qr import PlatesQuery
    from fieldapp.extensions import db
    from fieldapp.services.households import household_create

    most = PlatesQuery().fields["ids"].validators[0].max
    commune = own_commune.code
    with app.app_context():
        village = make_village(commune_code=commune)
        ids = [household_create(caller=None, village_id=village.id, address=f"Nhà số {n}").public_id
               for n in range(most)]
        db.session.commit()
    assert len(ids) == 500 and {len(i) for i in ids} == {11}  # a prefix letter and 10 characters (fieldapp/ids.py)
    authorization = f"Authorization: Bearer {_officer_token(app, commune)}"
    targets = {"comma-separated": "/api/v1/households/plates.pdf?ids=" + ",".join(ids),
               "repeated": "/api/v1/households/plates.pdf?" + "&".join(f"ids={i}" for i in ids)}
    for form, target in targets.items():
        request_line = f"GET {target} HTTP/1.1"
        assert len(request_line) <= gunicorn_conf.limit_request_line, form
        answer = exchange(fieldapp_servers["sync"], get(target, authorization))
        assert answer is not None and answer.status == 200, (form, answer and answer.body[:300])
        assert answer.headers["Content-Type"] == "application/pdf" and answer.body.startswith(b"%PDF"), form
        print(f"\nplates.pdf with 500 ids {form}: request line of {len(request_line)} bytes, answered 200")
    longest = targets["repeated"]
    over = longest + "&" + "x" * (gunicorn_conf.limit_request_line - len(f"GET {longest} HTTP/1.1"))
    assert len(f"GET {over} HTTP/1.1") == gunicorn_conf.limit_request_line + 1
    assert_catalogue_envelope(exchange(fieldapp_servers["sync"], get(over, authorization)), "request.line_too_long")


@pytest.mark.slow
def test_fieldapp_serve_runs_gunicorn_with_fieldapps_configuration(app):
    port = free_port()
    server = start_server([str(Path(sys.executable).with_name("fieldapp")), "serve", "--port", str(port),
                           "--workers", "1"], port, env=app_env(app))
    try:
        answer = exchange(port, get("/api/v1/livez?pad=" + "a" * gunicorn_conf.limit_request_line))
        assert answer is not None and answer.status == 414
        assert_catalogue_envelope(answer, "request.line_too_long")
    finally:
        stop(server)


def _port_open(port: int, process: subprocess.Popen, seconds: float = 60) -> float:
    """Wait until 127.0.0.1:``port`` accepts a connection; the monotonic time it did."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return time.monotonic()
        except OSError:
            assert process.poll() is None, "gunicorn exited"
            time.sleep(0.01)
    raise AssertionError("gunicorn did not open its port")


@pytest.mark.slow
@pytest.mark.real_commits  # the server, another process, must see the volunteer; its log entry is committed
def test_gunicorn_answers_the_first_request_at_once_and_sequences_the_log_in_every_worker(app, own_commune):
    """fieldapp's configuration builds the app in the master before it opens the port (preload_app)
    and forks workers ready to serve: the first request does not wait for the workers to build their
    apps (7 s with 5 workers on 2 cores before; 11 s was seen). The sequencer thread does not cross
    the fork: each worker starts its own, and a sign-in's log entry is sequenced."""
    from sqlalchemy import select

    from fieldapp.extensions import db
    from fieldapp.models import ActivityEntry, ActivityLeaf

    with app.app_context():
        volunteer = make_user(unit_code=own_commune.code)
    port, workers = free_port(), 3
    gunicorn = Path(sys.executable).with_name("gunicorn")
    launched = time.monotonic()
    server = subprocess.Popen([str(gunicorn), "-c", "python:fieldapp.serving.gunicorn_conf", "--bind",
                               f"127.0.0.1:{port}", "--workers", str(workers), "fieldapp.wsgi:app"],
                              env={**app_env(app), "AUDIT_SEQUENCE_INTERVAL": "1"}, cwd=ROOT,
                              stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        opened = _port_open(port, server)
        latencies = []
        for _ in range(2 * workers):
            started = time.monotonic()
            answer = exchange(port, get("/api/v1/healthz"))
            latencies.append(time.monotonic() - started)
            assert answer is not None and answer.status == 200
        first, second = latencies[:2]
        print(f"\ngunicorn ({workers} workers): port open {opened - launched:.2f} s after launch; first request "
              f"{1000 * first:.0f} ms, second {1000 * second:.0f} ms, slowest of the first {2 * workers} "
              f"{1000 * max(latencies):.0f} ms")
        assert max(latencies) < opened - launched  # no request waited for an app to be built
        body = json.dumps({"phone": volunteer.phone, "password": DEFAULT_PASSWORD}).encode()
        answer = exchange(port, get("/api/v1/auth/token", "Content-Type: application/json", method="POST", body=body))
        assert answer is not None and answer.status == 201
        sequenced = None
        for _ in range(100):
            with app.app_context():
                sequenced = db.session.scalar(select(ActivityLeaf.seq).join(
                    ActivityEntry, ActivityEntry.id == ActivityLeaf.entry_id).where(
                    ActivityEntry.action == "auth.token_issue", ActivityEntry.object_id == str(volunteer.id)))
                db.session.remove()
            if sequenced is not None:
                break
            time.sleep(0.1)
        assert sequenced is not None, "the sign-in's log entry was not sequenced: no sequencer ran in the workers"
    finally:
        stop(server)


@pytest.mark.slow
def test_a_request_past_the_worker_timeout_is_answered_504_and_logged_so(sleepy):
    port, log = sleepy
    answer = exchange(port, get("/sleep?seconds=30"))
    assert answer is not None and answer.status == 504
    assert_catalogue_envelope(answer, "server.timeout")
    assert re.search(r'"GET /sleep\?seconds=30 HTTP/1.1" 504 ', log.read_text()), log.read_text()


@pytest.mark.slow
def test_a_worker_that_cannot_run_python_when_aborted_answers_nothing(sleepy):
    """SIGABRT blocked (as in C code that does not return): gunicorn's SIGKILL follows, and the client
    gets its connection closed without a byte. nginx makes it a 502 (the nginx tests below)."""
    port, _ = sleepy
    assert exchange(port, get("/stuck?seconds=30")) is None


@pytest.mark.slow
def test_a_client_too_slow_to_send_its_request_to_gunicorn_gets_408(sleepy):
    port, _ = sleepy
    answer = exchange(port, b"GET / HTTP/1.1\r\nHost: fieldapp.test\r\n")  # the headers never end
    assert answer is not None and answer.status == 408
    assert_catalogue_envelope(answer, "request.timeout")


# ---------------------------------------------------------------------------------------------
# nginx, configured by the block in docs/deploy.md

def deploy_nginx_block() -> str:
    blocks = re.findall(r"^```nginx\n(.*?)^```$", (ROOT / "docs" / "deploy.md").read_text(), re.DOTALL | re.MULTILINE)
    assert len(blocks) == 1, "docs/deploy.md must hold exactly one ```nginx block"
    return blocks[0]


def test_nginx_answers_in_the_deploy_document_are_the_catalogues_envelopes():
    """Each error location of the documented configuration returns, in both languages, exactly the
    envelope fieldapp/errors.py makes (those nginx is not made to answer below too: 408, 500, 503)."""
    block = deploy_nginx_block()
    locations = re.findall(r"location = /_nginx/(\d+)\.json \{(.*?)\n {8}\}", block, re.DOTALL)
    pages = set(re.findall(r"error_page [\d ]+(?:=\d+ )?/_nginx/(\d+)\.json;", block))
    assert {status for status, _ in locations} == pages
    for status, body in locations:
        answers = re.findall(r"return (\d+) '(.*?)';", body)
        assert len(answers) == 2 and {int(code) for code, _ in answers} == {int(status)}, body
        english, vietnamese = (json.loads(text) for _, text in answers)
        spec = CATALOGUE[english["error_code"]]
        assert spec.status == int(status)
        assert english == envelope(AppError(spec.code), "en") and vietnamese == envelope(AppError(spec.code), "vi")


@pytest.fixture(scope="module")
def nginx_binary():
    """nginx (scripts/nginx-ready installs it; TEST_NGINX names another); required under CI, skipped
    loudly elsewhere."""
    path = os.environ.get("TEST_NGINX") or shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if not path:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs nginx for the reverse proxy tests: run scripts/test (scripts/nginx-ready)")
        pytest.skip("no nginx: run scripts/test, which installs it")
    return path


class Nginx:
    """nginx running the documented block with its addresses (and, if asked, its timeouts) changed,
    as an unprivileged master in a directory of its own."""

    def __init__(self, binary: str, upstream_port: int, **replaced: str):
        self.directory = Path(tempfile.mkdtemp(prefix="fieldapp-nginx-"))
        self.port = free_port()
        _self_signed_certificate(self.directory)
        site = deploy_nginx_block()
        for old, new in {"server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream_port};",
                         "listen 443 ssl default_server;": f"listen 127.0.0.1:{self.port} ssl default_server;",
                         "/etc/ssl/fieldapp/fullchain.pem": str(self.directory / "cert.pem"),
                         "/etc/ssl/fieldapp/privkey.pem": str(self.directory / "key.pem"), **replaced}.items():
            assert site.count(old) == 1, f"docs/deploy.md's nginx block no longer has {old!r} once"
            site = site.replace(old, new)
        (self.directory / "site.conf").write_text(site)
        d = self.directory
        (d / "nginx.conf").write_text(
            f"pid {d}/nginx.pid;\nerror_log {d}/error.log info;\nevents {{ worker_connections 256; }}\n"
            f"http {{\n    access_log {d}/access.log;\n"
            + "".join(f"    {kind}_temp_path {d}/{kind};\n"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + f"    include {d}/site.conf;\n}}\n")
        identity = {}
        if os.geteuid() == 0:  # never a root master: nginx runs as nobody, in a directory nobody owns
            import pwd

            nobody = pwd.getpwnam("nobody")
            for path in [d, *d.iterdir()]:
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
            identity = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        self.process = subprocess.Popen([binary, "-p", f"{d}/", "-c", str(d / "nginx.conf"), "-e", str(d / "error.log"),
                                         "-g", "daemon off;"], start_new_session=True, **identity)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise AssertionError(f"nginx did not start: {self.error_log()}")

    def error_log(self) -> str:
        path = self.directory / "error.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        stop(self.process)
        shutil.rmtree(self.directory, ignore_errors=True)


def _self_signed_certificate(directory: Path) -> None:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fieldapp.test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                   .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    (directory / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))


@pytest.fixture(scope="module")
def nginx_app(nginx_binary, fieldapp_servers):
    """nginx in front of the real app."""
    nginx = Nginx(nginx_binary, fieldapp_servers["sync"])
    yield nginx
    nginx.stop()


@pytest.fixture(scope="module")
def nginx_sleepy(nginx_binary, sleepy):
    """nginx in front of the small app, as documented: its waits are longer than gunicorn's."""
    nginx = Nginx(nginx_binary, sleepy[0])
    yield nginx
    nginx.stop()


@pytest.fixture(scope="module")
def nginx_impatient(nginx_binary, sleepy):
    """nginx in front of the small app, with its waits (75 s and 30 s documented) cut to a second."""
    nginx = Nginx(nginx_binary, sleepy[0], **{"proxy_read_timeout 75s;": "proxy_read_timeout 1s;",
                                              "client_header_timeout 30s;": "client_header_timeout 1s;",
                                              "client_body_timeout 30s;": "client_body_timeout 1s;"})
    yield nginx
    nginx.stop()


THREE_MIB = b"x" * (3 * 1024 * 1024)
#: (request, status, error_code, the language of the answer to a request asking for English):
#: errors found before the headers are read cannot know the language asked for.
NGINX_REFUSES = {
    "request line too long": (get("/api/v1/livez?pad=" + "a" * 17 * 1024, "Accept-Language: en"), 414,
                              "request.line_too_long", "vi"),
    "header too large": (get("/api/v1/livez", "Accept-Language: en", "X-Big: " + "a" * 17 * 1024), 431,
                         "request.header_too_large", "en"),  # the language came first
    "malformed request line": (b"NONSENSE\r\nAccept-Language: en\r\n\r\n", 400, "request.bad_request", "vi"),
    "no Host": (b"GET /api/v1/livez HTTP/1.1\r\nAccept-Language: en\r\n\r\n", 400, "request.bad_request", "en"),
    "HTTP/2.0 in a request line": (b"GET /api/v1/livez HTTP/2.0\r\nHost: x\r\nAccept-Language: en\r\n\r\n", 400,
                                   "request.bad_request", "vi"),
    "TRACE": (get("/api/v1/livez", "Accept-Language: en", method="TRACE"), 405, "http.method_not_allowed", "en"),
    "unknown Transfer-Encoding": (get("/api/v1/auth/token", "Accept-Language: en", "Transfer-Encoding: gzip",
                                      method="POST"), 501, "request.transfer_coding_unsupported", "en"),
    "3 MiB body": (get("/api/v1/auth/token", "Accept-Language: en-US,en;q=0.9", method="POST", body=THREE_MIB), 413,
                   "request.too_large", "en"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", NGINX_REFUSES)
def test_nginx_answers_what_it_refuses_in_the_envelope(nginx_app, case):
    request, status, error_code, lang = NGINX_REFUSES[case]
    answer = exchange(nginx_app.port, request, tls=True)
    assert answer is not None and answer.status == status, (answer and answer.body[:300], nginx_app.error_log()[-500:])
    assert_catalogue_envelope(answer, error_code, lang)
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"])
    vietnamese = exchange(nginx_app.port, request.replace(b"Accept-Language: en", b"Accept-Language: vi"), tls=True)
    assert_catalogue_envelope(vietnamese, error_code, "vi")


@pytest.mark.slow
def test_plain_http_to_nginxs_https_port_is_a_400_envelope(nginx_app):
    assert_catalogue_envelope(exchange(nginx_app.port, get("/api/v1/livez")), "request.bad_request")


@pytest.mark.slow
def test_nginx_passes_the_app_its_answers_and_request_ids(nginx_app):
    own = exchange(nginx_app.port, get("/api/v1/livez"), tls=True)
    assert own.status == 200 and json.loads(own.body) == {"status": "ok"}
    assert re.fullmatch(r"[0-9a-f]{32}", own.headers["X-Request-ID"])  # nginx's $request_id, kept by the app
    phones = exchange(nginx_app.port, get("/api/v1/livez", "X-Request-ID: phone-42.7"), tls=True)
    assert phones.status == 200 and phones.headers["X-Request-ID"] == "phone-42.7"
    # The app's own errors pass as they are (proxy_intercept_errors off), 404 and 401 here.
    assert_catalogue_envelope(exchange(nginx_app.port, get("/api/v1/no-such-thing"), tls=True), "http.not_found",
                              content_type=APP_JSON_TYPE)
    # nginx's error locations are its own: asked for from outside, they are not there.
    assert_catalogue_envelope(exchange(nginx_app.port, get("/_nginx/502.json"), tls=True), "http.not_found")


@pytest.mark.slow
def test_an_upload_the_app_refuses_unread_gets_the_apps_answer_through_nginx(nginx_app):
    """The app answers 401 without reading the 3 MiB body. Were the worker to close the connection
    with the body unread, nginx, still sending it, would answer 502 instead, about every other time:
    ten tries all get the app's 401."""
    answers = [exchange(nginx_app.port, get("/api/v1/households/import", method="POST", body=THREE_MIB), tls=True)
               for _ in range(10)]
    assert [a and a.status for a in answers] == [401] * 10
    assert_catalogue_envelope(answers[0], "auth.required", content_type=APP_JSON_TYPE)


@pytest.mark.slow
@pytest.mark.real_commits  # gunicorn, another process, must see the officer's token
def test_nginx_lets_an_import_through_above_the_general_body_limit(app, nginx_app, own_commune):
    token = _officer_token(app, own_commune.code)
    blank = (b"--cut\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ho.csv\"\r\n\r\n"
             + b" " * len(THREE_MIB) + b"\r\n--cut--\r\n")
    answer = exchange(nginx_app.port, get("/api/v1/households/import?dry_run=false", f"Authorization: Bearer {token}",
                                          "Content-Type: multipart/form-data; boundary=cut", method="POST", body=blank),
                      tls=True)
    # The app read all 3 MiB (a file of blanks: "empty file", nothing written).
    assert answer is not None and answer.status == 422, (answer and answer.body[:300], nginx_app.error_log()[-800:])
    assert answer.envelope(APP_JSON_TYPE)["error_code"] == "import.has_errors"


@pytest.mark.slow
def test_nginx_tells_the_app_who_asked_and_how(nginx_sleepy):
    answer = exchange(nginx_sleepy.port, get("/", "X-Forwarded-For: 203.0.113.9"), tls=True)
    seen = json.loads(answer.body)
    # TRUSTED_PROXIES=1 believes the last address: the one nginx saw, whatever the client claimed.
    assert seen["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1" and seen["X-Forwarded-Proto"] == "https"
    assert seen["Host"] == seen["X-Forwarded-Host"] == "fieldapp.test"
    assert re.fullmatch(r"[0-9a-f]{32}", seen["X-Request-ID"])
    assert answer.headers["X-Request-ID"] == seen["X-Request-ID"]


@pytest.mark.slow
def test_a_worker_killed_mid_request_is_nginxs_502(nginx_sleepy):
    answer = exchange(nginx_sleepy.port, get("/stuck?seconds=30", "Accept-Language: en"), tls=True)
    assert answer is not None and answer.status == 502
    assert_catalogue_envelope(answer, "server.bad_gateway", "en")


@pytest.mark.slow
def test_gunicorns_timeout_answer_reaches_the_client_through_nginx(nginx_sleepy):
    answer = exchange(nginx_sleepy.port, get("/sleep?seconds=30"), tls=True)
    assert answer is not None and answer.status == 504
    assert_catalogue_envelope(answer, "server.timeout")
    assert "X-Request-ID" not in answer.headers  # gunicorn's answer; nginx's own 504 carries one


@pytest.mark.slow
def test_gunicorn_stopped_is_nginxs_502(nginx_binary):
    port = free_port()
    server = start_gunicorn(port, "--workers", "1", wsgi_app="tests.sleepy_app:app", ready_path="/")
    nginx = Nginx(nginx_binary, port)
    try:
        assert exchange(nginx.port, get("/"), tls=True).status == 200
        stop(server)
        assert_catalogue_envelope(exchange(nginx.port, get("/"), tls=True), "server.bad_gateway")
        # The same with a body only the import route takes: the error answer has no body limit of its own.
        upload = exchange(nginx.port, get("/api/v1/households/import", method="POST", body=THREE_MIB), tls=True)
        assert_catalogue_envelope(upload, "server.bad_gateway")
    finally:
        stop(server)
        nginx.stop()


@pytest.mark.slow
def test_nginxs_own_timeout_is_a_504_envelope(nginx_impatient):
    answer = exchange(nginx_impatient.port, get("/sleep?seconds=5"), tls=True)
    assert answer is not None and answer.status == 504
    assert_catalogue_envelope(answer, "server.timeout")
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"])


@pytest.mark.slow
def test_a_client_that_stops_sending_gets_no_answer_from_nginx(nginx_impatient):
    """docs/deploy.md: nginx closes the connection without a byte (its access log says 408)."""
    assert exchange(nginx_impatient.port, b"GET / HTTP/1.1\r\nHost: fieldapp.test\r\n", tls=True) is None
    assert exchange(nginx_impatient.port, b"POST / HTTP/1.1\r\nHost: fieldapp.test\r\nContent-Length: 100\r\n\r\nab",
                    tls=True) is None
    assert '"POST / HTTP/1.1" 408 0 ' in (nginx_impatient.directory / "access.log").read_text()
