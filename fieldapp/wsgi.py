"""WSGI entry point for gunicorn: ``gunicorn fieldapp.wsgi:app``."""
from fieldapp import create_app

app = create_app()
