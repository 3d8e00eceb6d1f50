"""Accounts and their role on an area."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime


class Role(str, enum.Enum):
    volunteer = "volunteer"
    team_leader = "team_leader"
    commune_officer = "commune_officer"
    province_officer = "province_officer"
    admin = "admin"


class User(db.Model):
    """A person who signs in: volunteer, leader or officer. Identified by phone."""

    __tablename__ = "users"

    #: The account's id, as the API names people who sign in (``volunteer_id``, ``actor_id`` …).
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: E.164, "+84912345678".
    phone: Mapped[str] = mapped_column(String(16), unique=True)
    #: "Họ, chữ đệm và tên", NFC.
    full_name: Mapped[str] = mapped_column(String(200))
    #: ``fold(full_name)``, for search.
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    #: argon2id hash (PHC string).
    password_hash: Mapped[str] = mapped_column(String(200))
    #: The one role this account has.
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=32))
    #: The area the role is granted on: a commune or province code; empty only for admins.
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"), index=True)
    #: False while the account is disabled: no sign-in, and its tokens were revoked (enabling does not
    #: bring them back).
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: When the account was created.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit = relationship("Unit", lazy="joined")
