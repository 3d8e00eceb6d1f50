"""WSGI entry point for gunicorn: ``gunicorn fieldapp.wsgi:app``."""
from fieldapp import create_app
from fieldapp.serving.startup import server_start

app = server_start(create_app())
