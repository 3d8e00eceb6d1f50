"""The projector page's capability: a key derived from the session id, so the page can show the
rotating code and the count without anyone's sign-in on the shared screen."""
import hashlib
import hmac

from flask import current_app, url_for


def display_key(session_public_id: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(secret, b"display:" + session_public_id.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def display_url(session_public_id: str) -> str:
    return url_for("display.session_display", session_id=session_public_id, k=display_key(session_public_id))


def display_key_valid(session_public_id: str, key: str) -> bool:
    return hmac.compare_digest(display_key(session_public_id), key or "")
