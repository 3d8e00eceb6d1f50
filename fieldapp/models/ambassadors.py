"""Digital Ambassadors (Đại sứ số): the volunteers who mentor, and where each comes from.

Their mentorships, and the meetings that evidence them, are :mod:`fieldapp.models.mentorships`.

The network is a graph over one kind of node, the ambassador's user account: a mentorship goes from a
mentor (an ambassador) to a mentee, who is a resident of the registry (``persons``) or another
volunteer (``users``). A resident promoted to mentor gets an account whose ambassador row keeps
``promoted_from_person_id``; the tree then continues through it: mentor → person P → (P's account) →
P's own mentees. Every mentorship joins two people of the same commune, so a whole tree lies inside
one commune (the services rely on it to serialise writes per commune).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime


class AmbassadorOrigin(str, enum.Enum):
    """Where an ambassador comes from; the plans mobilise each of these, and indicators are broken down by it."""

    #: Đoàn Thanh niên: đoàn viên, thanh niên.
    youth_union = "youth_union"
    #: Hội Liên hiệp Phụ nữ.
    womens_union = "womens_union"
    #: Học sinh, sinh viên, giáo viên: a school or university.
    school = "school"
    #: Doanh nghiệp: telecoms, banks, other enterprises.
    enterprise = "enterprise"
    #: Cán bộ, công chức, viên chức.
    officials = "officials"
    other = "other"


#: Vietnamese names of the origins, as the quarterly report prints them.
AMBASSADOR_ORIGIN_VI = {AmbassadorOrigin.youth_union: "Đoàn Thanh niên",
                        AmbassadorOrigin.womens_union: "Hội Liên hiệp Phụ nữ",
                        AmbassadorOrigin.school: "Trường học", AmbassadorOrigin.enterprise: "Doanh nghiệp",
                        AmbassadorOrigin.officials: "Cán bộ, công chức, viên chức", AmbassadorOrigin.other: "Khác"}


class Ambassador(db.Model):
    """A volunteer marked as a Digital Ambassador (Đại sứ số): a mentor."""

    __tablename__ = "ambassadors"

    #: The volunteer's account; one ambassador row per account.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    #: The commune the volunteer works in (copied from the account, for scoped reads).
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    #: Where they come from (``AmbassadorOrigin``): indicators are broken down by it; appointing again corrects it.
    origin: Mapped[AmbassadorOrigin] = mapped_column(Enum(AmbassadorOrigin, native_enum=False, length=16))
    #: When they were appointed or promoted.
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who appointed them; empty for the command line.
    appointed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The resident this ambassador was, before promotion: the tree continues through this link.
    promoted_from_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), unique=True)
    #: Who trained them, when they were promoted from a mentorship (the mentor of that mentorship).
    trained_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    promoted_from = relationship("Person", foreign_keys=[promoted_from_person_id])
