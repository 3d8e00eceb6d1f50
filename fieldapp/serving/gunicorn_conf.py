"""gunicorn's settings for fieldapp: ``gunicorn -c python:fieldapp.serving.gunicorn_conf fieldapp.wsgi:app``.

``fieldapp serve`` (and so ``scripts/run``) runs gunicorn with this module; flags on gunicorn's command
line, or in ``GUNICORN_CMD_ARGS``, override any setting here. docs/deploy.md has the whole set-up,
nginx in front included.
"""
import os
import sys

wsgi_app = "fieldapp.wsgi:app"
#: Behind nginx on the same host (docs/deploy.md proxies to this address).
bind = ["127.0.0.1:8000"]
#: Errors gunicorn answers itself are the JSON envelope (fieldapp/serving/workers.py).
worker_class = "fieldapp.serving.workers.SyncWorker"
#: Why 2 × cores + 1 (gunicorn's advice): a sync worker serves one request at a time and waits on
#: PostgreSQL for part of it, so a few more workers than cores keep the cores busy. Each holds up to two
#: database connections (a request's and its log sequencer's): docs/deploy.md sets them against
#: PostgreSQL's max_connections.
workers = int(os.environ.get("WEB_CONCURRENCY") or 0) or 2 * (os.cpu_count() or 1) + 1
#: One thread: the sync worker has no others. With ``--worker-class fieldapp.serving.workers.ThreadWorker
#: --threads N`` a worker serves N requests at once; measured slower here (bench/RESULTS.md, check-in
#: throughput: the threads of one process share one core's worth of Python).
threads = 1

#: Why preload: the app is built once, in the master, before the port opens (1-2 s), and the workers
#: are forked from it ready to serve. Without it every worker built its own app after the port was
#: open, all of them at once on the machine's cores, and the first requests waited in the listen
#: queue meanwhile (7-10 s with 3-5 workers on 2 cores, measured; 11 s was seen). It also shares the app's
#: memory between workers, makes a worker restarted by ``max_requests`` ready at once, and stops the
#: server once, with the message, when the app refuses to start (fieldapp.serving.startup). Its costs:
#: a HUP restarts the workers on the code already loaded (restart the service to deploy new code),
#: and what does not cross a fork is made in each worker (``post_worker_init`` below).
preload_app = True

#: A request still running after this is aborted (answered 504 ``server.timeout``). Why 60 s: the
#: largest import accepted (IMPORT_MAX_BYTES) is bounded to finish within it (issue 12).
timeout = 60
#: On SIGTERM, requests in flight get as long as any request may take.
graceful_timeout = 60
#: Seconds an idle keep-alive connection stays open (gunicorn's default). Only the gthread worker keeps
#: connections; the sync worker closes each after its answer, and nginx's upstream (docs/deploy.md) opens
#: a connection per request, so nothing waits on this.
keepalive = 2
#: A worker is replaced after this many requests, give or take the jitter: whatever a long-lived process
#: accumulates (fragmented memory, a C library's leak) is bounded. Cheap with ``preload_app``: the new
#: worker is forked ready. The jitter spreads the workers' restarts, which would otherwise all fall due
#: together (they start together and share the load evenly). At 100 requests a second, a worker is
#: replaced about every 100 s.
max_requests = 10_000
max_requests_jitter = 1_000

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


def when_ready(server):
    """In the master, with the app built (``preload_app``) and before the workers are forked: the
    master serves nothing, so the activity-log sequencer the app started here stops (a thread does not
    cross a fork; one holding a lock then would leave it held in the worker). Each worker starts its own."""
    background = sys.modules.get("fieldapp.audit.background")  # absent when another app is served
    if background is not None:
        background.stop_background_sequencers()


def post_worker_init(worker):
    """In each worker, once it has the app: database connections of its own, a first one opened, and
    its activity-log sequencer (fieldapp.serving.startup.worker_start)."""
    if "sqlalchemy" not in getattr(worker.wsgi, "extensions", {}):  # not fieldapp's (tests/sleepy_app.py)
        return
    from fieldapp.serving.startup import worker_start

    worker_start(worker.wsgi)
