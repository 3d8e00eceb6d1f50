"""A sync push, item by item: each item through the same service as its single endpoint, once.

The API (fieldapp/api/sync.py) parses each item with its endpoint's schema and calls the service;
what is here is what a push adds to that:

- :func:`receipt_written_once`: an item that makes no row of its own (a correction, a skill update,
  an attendance, a person made offline) is applied once per ``client_id``, and its first answer is
  kept (:class:`fieldapp.models.sync.ClientReceipt`) to answer every retry. The same rule as every
  other write with a ``client_id`` (fieldapp/services/idempotency.py): one implementation.
- :func:`person_made_offline`: a person made on the phone is named by the ``client_id`` of the item
  that made it, in the same push or an earlier one, until the phone has pulled the person's id.
- :func:`item_order`: the items that make what others refer to go first, so that a push whose items
  were shuffled ends in the same state as one in order.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from fieldapp.auth.callers import Caller
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.sync import ClientReceipt
from fieldapp.services.idempotency import written_once

#: Item kinds that make a record other items may name by its ``client_id``: applied first.
MAKERS = ("person.create",)


def item_order(kinds: list[str | None]) -> list[int]:
    """The order to apply a push's items in: makers first, each group in the order sent."""
    return sorted(range(len(kinds)), key=lambda index: (kinds[index] not in MAKERS, index))


def receipt_written_once(*, caller: Caller, client_id: str, digest: str, kind: str,
                         apply: Callable[[], tuple[str | None, str, dict[str, Any]]]) -> tuple[dict[str, Any], bool]:
    """``apply()`` once per ``client_id``; it returns the public id of the record it made or changed,
    that record's commune and the item's answer. Returns the answer (the first one, for a retry) and
    whether it was applied now."""
    def write() -> ClientReceipt:
        record_id, commune_code, answer = apply()
        receipt = ClientReceipt(client_id=client_id, request_hash=digest, user_id=caller.user_id, kind=kind,
                                record_id=record_id, commune_code=commune_code, answer=answer)
        db.session.add(receipt)
        db.session.flush()
        return receipt

    receipt, applied = written_once(ClientReceipt, client_id=client_id, owner=caller.user_id, digest=digest,
                                    write=write)
    return receipt.answer, applied


def person_made_offline(*, caller: Caller, client_id: str, field: str = "person_client_id") -> str:
    """The public id of the person that the caller's item ``client_id`` made; 422
    ``sync.unknown_reference`` (send it again later) when no such item has been applied yet."""
    record_id = db.session.scalar(select(ClientReceipt.record_id).where(
        ClientReceipt.client_id == client_id, ClientReceipt.user_id == caller.user_id,
        ClientReceipt.kind == "person.create"))
    if record_id is None:
        raise AppError("sync.unknown_reference", errors={field: [client_id]})
    return record_id
