"""The activity log (nhật ký hoạt động): one row per write or personal-data read.

Written only by :func:`fieldapp.services.activity.activity_record`, in the transaction of the change
it records. Rows are never updated or deleted. No personal data goes in: objects are named by
their ids, so erasing a person's data leaves the log intact.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime

#: The log of acts that belong to no commune or province (e.g. an admin creating an account).
NATIONAL_LOG = "VN"


class ActivityEntry(db.Model):
    __tablename__ = "activity_entries"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    #: Whose log this entry belongs to: a commune code, a province code, or "VN".
    log_unit: Mapped[str] = mapped_column(String(5), index=True)
    #: Who acted; empty for the operator's command line.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: The actor's role when acting ("operator" for the command line).
    actor_role: Mapped[str] = mapped_column(String(32))
    #: What was done, dotted: "user.create", "household.assign".
    action: Mapped[str] = mapped_column(String(64), index=True)
    #: What it was done to: a type and an id (never a name or a phone).
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    #: The request that made the change (X-Request-ID), or the CLI run.
    request_id: Mapped[str | None] = mapped_column(String(64))
    #: The client's idempotency id, when the request carried one.
    client_id: Mapped[str | None] = mapped_column(String(64))
    #: Canonical JSON of what changed (ids and values, no personal data).
    body: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
