"""The activity log (nhật ký hoạt động): one row per write or personal-data read.

Written only by :func:`fieldapp.services.activity.activity_record`, in the transaction of the change
it records. Rows are never updated or deleted. No personal data goes in: objects are named by
their ids, so erasing a person's data leaves the log intact.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime

#: The log of acts that belong to no commune or province (e.g. an admin creating an account).
NATIONAL_LOG = "VN"


class ActivityEntry(db.Model):
    __tablename__ = "activity_entries"

    #: The entry's id, increasing in the order entries are appended: the sequencer numbers a log's queue in
    #: this order, and it is ``entry_id`` in the hashed leaf.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    #: Whose log this entry belongs to: a commune code, a province code, or "VN".
    log_unit: Mapped[str] = mapped_column(String(5), index=True)
    #: Who acted; empty for the operator's command line.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: The actor's role when acting ("operator" for the command line).
    actor_role: Mapped[str] = mapped_column(String(32))
    #: What was done, dotted: "user.create", "household.assign".
    action: Mapped[str] = mapped_column(String(64), index=True)
    #: What kind of object it was done to: "household", "person", "user", "checkin" …
    object_type: Mapped[str] = mapped_column(String(32))
    #: Its id as text, as the API names the object: a public id (``H…``, ``P…``), a check-in's client_id,
    #: an account's or a team's id (never a name or a phone).
    object_id: Mapped[str] = mapped_column(String(64))
    #: The request that made the change (X-Request-ID), or the CLI run.
    request_id: Mapped[str | None] = mapped_column(String(64))
    #: The client's idempotency id, when the request carried one.
    client_id: Mapped[str | None] = mapped_column(String(64))
    #: Canonical JSON of what changed (ids and values, no personal data).
    body: Mapped[str] = mapped_column(Text, default="{}")
    #: When it was appended (the ``time`` of the exported, hashed entry).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    #: Its place in the log, once the sequencer has given it one.
    leaf = relationship("ActivityLeaf", uselist=False, viewonly=True)


class ActivityQueued(db.Model):
    """An entry waiting for the sequencer (Trillian's unsequenced queue).

    Appending an entry inserts here too, and takes no lock; the sequencer gives queued entries
    their numbers in batches and removes them from the queue in the same transaction.
    """

    __tablename__ = "activity_queue"

    #: The entry waiting for its number.
    entry_id: Mapped[int] = mapped_column(ForeignKey("activity_entries.id"), primary_key=True)
    #: Its log (the entry's ``log_unit``), so that each log's sequencer finds its own queue.
    log_unit: Mapped[str] = mapped_column(String(5), index=True)


class ActivityLeaf(db.Model):
    """An entry's place in its log: a gap-free sequence number and the leaf hash (RFC 6962)."""

    __tablename__ = "activity_leaves"

    #: The log this leaf belongs to; each log is its own tree.
    log_unit: Mapped[str] = mapped_column(String(5), primary_key=True)
    #: 0, 1, 2, … within the log; never reused, never skipped.
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    #: The entry at this position; an entry has one place, once.
    entry_id: Mapped[int] = mapped_column(ForeignKey("activity_entries.id"), unique=True)
    #: SHA-256(0x00 || leaf data), raw 32 bytes.
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    #: When the sequencer numbered it (one time for a whole batch).
    sequenced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActivityNode(db.Model):
    """The hash of a complete subtree of 2**level leaves, stored once, so proofs are O(log n) reads."""

    __tablename__ = "activity_nodes"

    #: The log whose tree this node belongs to.
    log_unit: Mapped[str] = mapped_column(String(5), primary_key=True)
    #: 1 or more (level 0 is the leaf hash, in ``activity_leaves``).
    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: Position at that level: the subtree covers leaves [index·2**level, (index+1)·2**level).
    index: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                       autoincrement=False)
    #: SHA-256(0x01 || left || right) of the subtree (RFC 6962), raw 32 bytes.
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class ActivityCheckpoint(db.Model):
    """A signed statement: the log of ``log_unit`` had ``size`` entries with this root hash."""

    __tablename__ = "activity_checkpoints"

    #: Order of signing: the latest checkpoint of a log is the one with the highest id.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The log it vouches for.
    log_unit: Mapped[str] = mapped_column(String(5), index=True)
    #: How many entries the log had (seq 0 … size − 1).
    size: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    #: The Merkle tree's root hash over those entries, raw 32 bytes.
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    #: When it was signed: the checkpoint text's last line.
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The audit key that signed it (``signing_keys``), so a verifier knows which public key to use.
    key_id: Mapped[str] = mapped_column(ForeignKey("signing_keys.key_id"))
    #: Ed25519 signature of the checkpoint text (mobile_contract/audit-log.md), raw 64 bytes.
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


#: Tables that are never updated or deleted from (triggers on both databases refuse it).
APPEND_ONLY_TABLES = ("activity_entries", "activity_leaves", "activity_nodes", "activity_checkpoints")
