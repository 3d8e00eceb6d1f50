"""Serving the app in production: gunicorn's settings and workers (docs/deploy.md)."""
