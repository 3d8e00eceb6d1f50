"""``fieldapp serve``: gunicorn with fieldapp's settings when installed, else Flask's development server."""
import os
import shutil
import sys

import click

from fieldapp.cli.appcontext import app_built

#: gunicorn's settings (worker class, timeouts, request limits, access log): docs/deploy.md.
GUNICORN_CONFIG = "python:fieldapp.serving.gunicorn_conf"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="gunicorn workers (default: 2 × cores + 1)")
@click.option("--dev", is_flag=True, help="Flask's development server even when gunicorn is installed")
def group(host, port, workers, dev):
    """Run the API."""
    click.echo(f"fieldapp: http://{host}:{port}/api/v1/healthz  (API docs: /api/v1/openapi.json; "
               f"commune console: http://{host}:{port}/console/)")
    gunicorn = shutil.which("gunicorn") or os.path.join(os.path.dirname(sys.executable), "gunicorn")
    if not dev and os.path.exists(gunicorn):
        os.execv(gunicorn, gunicorn_argv(gunicorn, host, port, workers))  # gunicorn builds the app itself
    from fieldapp.serving.startup import server_start

    # The app this command built, as gunicorn's fieldapp.wsgi builds it, and set up alike.
    server_start(app_built(http=True)).run(host=host, port=port, debug=False)


def gunicorn_argv(gunicorn: str, host: str, port: int, workers: int | None) -> list[str]:
    """gunicorn's command line: the config module, and the flags given here over its settings."""
    argv = [gunicorn, "-c", GUNICORN_CONFIG, "--bind", f"{host}:{port}"]
    if workers:
        argv += ["--workers", str(workers)]
    return argv + ["fieldapp.wsgi:app"]
