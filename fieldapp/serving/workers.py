"""gunicorn's workers, answering the errors gunicorn writes itself in the JSON envelope (issue 12).

gunicorn answers some requests before the app sees them: a request line over ``limit_request_line``
(414), headers too large or too many (431), bytes a header may not hold or a malformed request line
(400), an unsupported ``Transfer-Encoding`` (501) or ``Expect`` (417), and a request whose worker was
aborted for running past ``timeout``. Its own body is an HTML page (``gunicorn.util.write_error``);
these workers send the envelope of CONTRACT.md instead, with the codes of ``fieldapp/errors.py``.

gunicorn still decides the status of a request it cannot read and logs it as it always does: its
``handle_error`` is run against a stand-in socket that keeps only the status line, and the envelope
goes to the client. A request stopped half-way (the worker timed out, or is shutting down) gunicorn
would answer 500; these workers answer 504 ``server.timeout`` (or 503) and log that status.
"""
from __future__ import annotations

import json
from datetime import timedelta
from http import HTTPStatus

from gunicorn import util
from gunicorn.http.wsgi import Response, default_environ
from gunicorn.workers.gthread import ThreadWorker as _GunicornThreadWorker
from gunicorn.workers.sync import SyncWorker as _GunicornSyncWorker

from fieldapp.errors import AppError, envelope, language_of

#: The statuses gunicorn answers itself → catalogue codes. A status not here (403, only with the
#: PROXY protocol or TLS in gunicorn, neither of which fieldapp uses) is answered as its class: 400 or 500.
_CODES = {
    400: "request.bad_request",
    414: "request.line_too_long",
    417: "request.expectation_failed",
    431: "request.header_too_large",
    500: "server.error",
    501: "request.transfer_coding_unsupported",
}


class _StatusLine:
    """Stands in for the client's socket while gunicorn writes its HTML answer: keeps the status."""

    def __init__(self):
        self.written = b""

    def gettimeout(self):
        return 0.0

    def setblocking(self, flag):
        pass

    def sendall(self, data):
        self.written += data

    def send(self, data):
        self.written += data
        return len(data)

    @property
    def status(self) -> int:
        try:
            return int(self.written.split(b" ", 2)[1])
        except (IndexError, ValueError):
            return 500


def error_answer(error: AppError, lang: str = "vi") -> bytes:
    """The whole HTTP answer for ``error``: status line, headers, envelope. No Flask request needed."""
    body = json.dumps(envelope(error, lang), ensure_ascii=False).encode()
    headers = {"Connection": "close", "Content-Type": "application/json; charset=utf-8",
               "Content-Length": str(len(body)), **error.headers}
    head = f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    return head.encode("latin-1") + body


def _stopped_error(*, aborted: bool, request_read: bool) -> AppError:
    """The worker is stopping in the middle of a request (gunicorn raised SystemExit in it)."""
    if not aborted:
        # SIGQUIT/SIGINT: a fast shutdown; another worker, or this server restarted, answers a retry.
        return AppError("server.unavailable", headers={"Retry-After": "2"})
    # SIGABRT: the arbiter's, after the request ran past ``timeout`` (or its client took that long to
    # send it: sync workers read the request themselves).
    return AppError("server.timeout" if request_read else "request.timeout")


def _accept_language(req, exc) -> str | None:
    req = req or getattr(exc, "req", None)  # gunicorn attaches the request to some header errors
    for name, value in getattr(req, "headers", None) or ():
        if name == "ACCEPT-LANGUAGE":
            return value
    return None


class EnvelopeErrors:
    """Mixed into a gunicorn worker: its own error answers are the JSON envelope."""

    _aborted = False

    def handle_abort(self, sig, frame):
        # The arbiter's SIGABRT: this worker ran past ``timeout``. gunicorn raises SystemExit in the
        # middle of the request, which reaches handle_error below; the arbiter sends SIGKILL at its
        # next check (within about a second), so the answer must be written before that.
        self._aborted = True
        super().handle_abort(sig, frame)

    def handle_error(self, req, client, addr, exc):
        if isinstance(exc, SystemExit):
            error = _stopped_error(aborted=self._aborted, request_read=req is not None)
            self._log_stopped(req, client, addr, error)
        else:
            seen = _StatusLine()
            super().handle_error(req, seen, addr, exc)  # gunicorn's status, log lines and access log
            code = _CODES.get(seen.status) or ("request.bad_request" if 400 <= seen.status < 500 else "server.error")
            error = AppError(code)
        try:
            util.write_nonblock(client, error_answer(error, language_of(_accept_language(req, exc))))
        except OSError:  # the client is gone
            self.log.debug("Failed to send error message.")

    def _log_stopped(self, req, client, addr, error: AppError):
        # As gunicorn's handle_error logs an unexpected error (the traceback shows where the request
        # was when stopped), but the access log says what the client was answered, not gunicorn's 500.
        if req is None:
            self.log.exception("Request stopped while being read")
            return
        self.log.exception("Request stopped: %s %s", req.method, req.uri)
        addr = addr or ("", -1)
        environ = default_environ(req, client, self.cfg)
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = addr[0], str(addr[1])
        response = Response(req, client, self.cfg)
        response.status = f"{error.status} {HTTPStatus(error.status).phrase}"
        self.log.access(response, req, environ, timedelta(0))


#: The most of a body left unread by the app that a worker reads (and drops) after answering: above
#: any body nginx passes on (32 MiB, the import route's), docs/deploy.md.
_DRAIN_MAX = 64 * 1024 * 1024


def _drain(body) -> None:
    """Read what the app left of the request's body, once the answer is written.

    Why: the app answers some requests without reading their body (a 3 MiB import without a token:
    401). gunicorn would then close a socket with unread bytes, which resets the connection while
    nginx is still sending the body it buffered; nginx then answers 502 instead of passing on the
    app's 401 (about every other time, tried). Read to the end, the connection closes cleanly.
    """
    left = _DRAIN_MAX
    while left > 0 and (chunk := body.read(min(left, 1024 * 1024))):
        left -= len(chunk)


class SyncWorker(EnvelopeErrors, _GunicornSyncWorker):
    """gunicorn's sync worker (fieldapp's default: one request at a time per process)."""

    def handle_request(self, listener, req, client, addr):
        super().handle_request(listener, req, client, addr)
        _drain(req.body)


class ThreadWorker(EnvelopeErrors, _GunicornThreadWorker):
    """gunicorn's gthread worker, for ``--worker-class fieldapp.serving.workers.ThreadWorker``."""

    def handle_request(self, req, conn):
        keepalive = super().handle_request(req, conn)
        _drain(req.body)
        return keepalive
