"""Server-rendered pages: the projector display of a session's rotating QR code."""
from flask import abort, jsonify, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import undefer

from fieldapp.auth.declaration import declares
from fieldapp.auth.row_security import NATIONWIDE, area_set
from fieldapp.display import display_key_valid
from fieldapp.extensions import db
from fieldapp.models.sessions import LearningSession
from fieldapp.pages import DISPLAY_CSP, page_blueprint
from fieldapp.qr import images, signing

bp = page_blueprint("display", __name__, url_prefix="/display", csp=DISPLAY_CSP)


def _session_for_display(session_id: str) -> LearningSession:
    if not display_key_valid(session_id, request.args.get("k", "")):
        abort(404)
    area_set(NATIONWIDE)  # the display key is the authorisation, for this one session
    session = db.session.scalar(select(LearningSession).options(undefer(LearningSession.checkin_count))
                                .where(LearningSession.public_id == session_id))
    if session is None:
        abort(404)
    area_set(session.commune_code)  # the rest of the request: that session's commune only
    return session


@bp.route("/sessions/<session_id>")
@declares(personal_data="none")
def session_display(session_id):
    """Full-screen page for a projector; it refreshes the code itself, without reloading."""
    session = _session_for_display(session_id)
    return render_template("display_session.html", session=session, key=request.args["k"],
                           step_seconds=signing.step_seconds())


@bp.route("/sessions/<session_id>/code.json")
@declares(personal_data="none")
def session_display_code(session_id):
    """The current code (as an SVG data and its payload) and the live count of check-ins."""
    session = _session_for_display(session_id)
    step = signing.session_step()
    text = signing.qr_text("session", session.public_id, step=step)
    db.session.commit()
    return jsonify({"payload": text, "svg": images.svg(text).decode("utf-8"), "step": step,
                    "refresh_in": (step + 1) * signing.step_seconds() - signing.session_step_now_ts(),
                    "checkins": session.checkin_count})

