"""Reads that write: the officer's access to personal data is logged, and the view commits that entry."""
from fieldapp.extensions import db


def commit_read() -> None:
    """Commit a read's log entry without expiring the rows the response is about to dump.

    A plain ``commit()`` expires every loaded object, and serialising them afterwards reloads each
    one (and its relationships) with a query of its own. Nothing else changes those rows in this
    request, so what was read stays valid.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
