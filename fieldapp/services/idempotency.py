"""Retries never duplicate: the one rule for every write that carries a ``client_id``.

A phone makes a ``client_id`` (a UUID) when the scan, the visit or the meeting happens, and sends it
again until the write is acknowledged; check-ins and visits also keep the hash of the body first
received (``request_hash``). Why: a phone on a bad network cannot tell a lost request from a lost
answer, and official figures must not count one visit twice.

The rule (:func:`replayed`): the record already stored under the ``client_id`` answers a retry from
its owner with the same body, as it did the first time; the same ``client_id`` from someone else or
with another body is 409 ``idempotency.conflict``. A ``client_id`` taken by a record the caller cannot
see (another area's, hidden by row-level security) is that conflict too (:func:`client_id_conflict`).

Two ways to apply it, one per kind of write:

- :func:`written_once` (visits, mentoring meetings, and the sync push item by item): look for the
  stored record first, else write in a savepoint; when a parallel request with the same
  ``client_id`` committed first (the unique index refuses ours), its record is the answer.
- the check-in's hot path inserts first and asks later (one round trip for a new one, see
  :mod:`fieldapp.services.checkins`); when its insert is turned away it reads the earlier row and
  decides with the same :func:`replayed`.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fieldapp.audit.formats import canonical
from fieldapp.errors import AppError
from fieldapp.extensions import db

Record = TypeVar("Record")


def request_digest(body: dict[str, Any]) -> str:
    """SHA-256 of a body in canonical form: the same request always gives the same digest."""
    return hashlib.sha256(canonical(body)).hexdigest()


def client_request(body: dict[str, Any]) -> tuple[str, str]:
    """The ``client_id`` of a parsed body (a UUID, as text) and the digest of the whole body."""
    client_id = str(body["client_id"])
    return client_id, request_digest({**body, "client_id": client_id})


def client_id_conflict() -> AppError:
    return AppError("idempotency.conflict", errors={"client_id": ["already used for a different request"]})


def replayed(earlier: Record | None, *, owner: int, digest: str | None, owner_attr: str = "user_id") -> Record | None:
    """The rule: ``earlier`` (the record stored under the ``client_id``) when it is ``owner``'s and was
    written by the same request (``digest``; ``None`` for records that keep no digest: the
    ``client_id`` alone names them); ``None`` when nothing is stored (a new write); else 409."""
    if earlier is None:
        return None
    if getattr(earlier, owner_attr) != owner or (digest is not None and earlier.request_hash != digest):
        raise client_id_conflict()
    return earlier


def stored_under(model: type[Record], client_id: str) -> Record | None:
    """The record of ``model`` stored under ``client_id``, if the caller can see it."""
    return db.session.scalar(select(model).where(model.client_id == client_id))


def written_once(model: type[Record], *, client_id: str | None, owner: int, digest: str | None,
                 owner_attr: str = "user_id", write: Callable[[], Record]) -> tuple[Record, bool]:
    """``write()`` once per ``client_id``: the record and whether it is new (False: a retry, answered
    with the first record). ``write`` must flush its record (as services do). Without a
    ``client_id`` it simply writes.

    A retry is found before anything is done again (one indexed read), so it is answered even when
    what it names has since gone out of the caller's reach. The write runs in a savepoint: when a
    parallel request with the same ``client_id`` got there first, only this write is undone, not the
    request's transaction (a sync push keeps the items before it).
    """
    if client_id is None:
        return write(), True
    earlier = replayed(stored_under(model, client_id), owner=owner, digest=digest, owner_attr=owner_attr)
    if earlier is not None:
        return earlier, False
    try:
        with db.session.begin_nested():
            return write(), True
    except IntegrityError as error:
        if "client_id" not in str(error.orig):
            raise
        earlier = replayed(stored_under(model, client_id), owner=owner, digest=digest, owner_attr=owner_attr)
        if earlier is None:  # taken by a record outside the caller's area, which row-level security hides
            raise client_id_conflict() from error
        return earlier, False
