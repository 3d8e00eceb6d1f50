"""Idempotent writes from the phone, for the views that take a ``client_id`` (check-ins, visits)."""
from sqlalchemy.exc import IntegrityError

from fieldapp.auth.access import current_caller
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.services.idempotency import replay_or_conflict, request_digest


def idempotent_write(body: dict, model, owner_attr: str, write):
    """Run ``write(client_id, digest)`` and commit; a retry gets the first answer.

    Returns the record and whether it is new. When a parallel request with the same ``client_id``
    committed first (the unique index refuses ours), its row is the answer. (A check-in settles
    these races inside its insert: ``ON CONFLICT DO NOTHING``, see ``fieldapp.services.checkins``.)
    """
    client_id = str(body["client_id"])
    digest = request_digest({**body, "client_id": client_id})
    try:
        record, created = write(client_id, digest)
        db.session.commit()
        return record, created
    except IntegrityError as error:
        db.session.rollback()
        existing = db.session.query(model).filter_by(client_id=client_id).one_or_none()
        if existing is None:
            if "client_id" in str(error.orig):
                # Taken by a record outside the caller's area, which row-level security hides.
                raise AppError("idempotency.conflict") from error
            raise
        return replay_or_conflict(existing, user_id=current_caller().user_id, digest=digest,
                                  owner_attr=owner_attr), False
