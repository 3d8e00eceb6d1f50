"""gunicorn's settings for fieldapp: ``gunicorn -c python:fieldapp.serving.gunicorn_conf fieldapp.wsgi:app``.

``fieldapp serve`` (and so ``scripts/run``) runs gunicorn with this module; flags on gunicorn's command
line, or in ``GUNICORN_CMD_ARGS``, override any setting here. docs/deploy.md has the whole set-up,
nginx in front included.
"""
import os

wsgi_app = "fieldapp.wsgi:app"
#: Behind nginx on the same host (docs/deploy.md proxies to this address).
bind = ["127.0.0.1:8000"]
#: Errors gunicorn answers itself are the JSON envelope (fieldapp/serving/workers.py).
worker_class = "fieldapp.serving.workers.SyncWorker"
workers = int(os.environ.get("WEB_CONCURRENCY") or 0) or 2 * (os.cpu_count() or 1) + 1

#: A request still running after this is aborted (answered 504 ``server.timeout``). Why 60 s: the
#: largest import accepted (IMPORT_MAX_BYTES) is bounded to finish within it (issue 12).
timeout = 60
#: On SIGTERM, requests in flight get as long as any request may take.
graceful_timeout = 60

#: Why 8,190 (gunicorn's ceiling; its default, 4,094, is too short): the contract's longest request
#: line is ``GET /api/v1/households/plates.pdf?ids=…`` with 500 ids repeated (``ids=`` + 11
#: characters each), 8,042 bytes; with ids comma-separated it is 6,046 (tests/test_serving.py builds both).
limit_request_line = 8190
#: gunicorn's defaults, written down: 100 header fields of at most 8,190 bytes each. A bearer token
#: header is about 70 bytes, the console's cookie a few hundred; nginx adds five (X-Forwarded-*, ...).
limit_request_fields = 100
limit_request_field_size = 8190

#: The access log on stdout, with the request id the app answered with (X-Request-ID).
accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s'

#: No control socket: fieldapp's servers are managed by signals (systemd, docs/deploy.md), and its one
#: default path per user ($HOME/.gunicorn/gunicorn.ctl) would belong to whichever gunicorn started last.
control_socket_disable = True
