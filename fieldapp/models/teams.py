"""Teams: the community digital technology team of a village (~5 members), and others."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime, sync_stamp_column


class TeamKind(str, enum.Enum):
    #: Tổ công nghệ số cộng đồng: one per village, door to door.
    community_tech = "community_tech"
    youth = "youth"
    school = "school"
    ambassador = "ambassador"


#: Vietnamese names of the kinds, as the quarterly report prints them.
TEAM_KIND_VI = {TeamKind.community_tech: "Tổ công nghệ số cộng đồng", TeamKind.youth: "Tổ thanh niên",
                TeamKind.school: "Tổ trường học", TeamKind.ambassador: "Tổ Đại sứ số"}


class Team(db.Model):
    __tablename__ = "teams"

    #: The team's id, as the API names it.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The commune it works in; its members are field users of that commune.
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    #: The village it covers, for a village team.
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"), index=True)
    #: Its name, NFC.
    name: Mapped[str] = mapped_column(String(200))
    #: A village's community digital technology team, a youth, school or ambassador team.
    kind: Mapped[TeamKind] = mapped_column(Enum(TeamKind, native_enum=False, length=32))
    #: The tổ trưởng.
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: When it was created.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members = relationship("TeamMember", back_populates="team", cascade="all, delete-orphan")


class TeamMember(db.Model):
    __tablename__ = "team_members"

    #: The team.
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    #: A volunteer or team leader of the team's commune; joined once (the primary key).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    #: When they were added.
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The transaction that added the member: their phone then pulls the team's sessions (models/sync.py).
    sync_tx: Mapped[int | None] = sync_stamp_column()

    team = relationship("Team", back_populates="members")
