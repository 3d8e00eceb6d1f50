"""Residents: the people of a household, who may be helped and mentored, and what the plans say of them."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime, sync_stamp_column, version_column


class Sex(str, enum.Enum):
    male = "male"
    female = "female"
    other = "other"


#: How a person who withdrew consent is shown in every list, page and export (their data is kept, for
#: them to see and in case they consent again, but no longer shown or used: Decree 13/2023 art. 12).
WITHDRAWN_NAME = "[đã rút đồng ý]"


def shown_name(full_name: str, consent_withdrawn_at: datetime | None, erased_at: datetime | None) -> str:
    """The name to show for a person: masked once they withdrew consent; an erased one has no name left."""
    return WITHDRAWN_NAME if consent_withdrawn_at is not None and erased_at is None else full_name


class Person(db.Model):
    """A resident: a member of a household, who may be helped and mentored."""

    __tablename__ = "persons"
    __table_args__ = (
        # At most one head per household.
        Index("uq_persons_household_head", "household_id", unique=True,
              postgresql_where=text("is_head"), sqlite_where=text("is_head")),
        # Duplicate check: same folded name and birth year in the same village.
        Index("ix_persons_village_name_year", "village_id", "name_folded", "birth_year"),
    )

    #: Database id, for joins; the API, the person card and the log name a person by ``public_id``.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The id printed on the person card; never the database id.
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    #: The household they are a member of.
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    #: Copied from the household, for scoped reads without a join.
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    #: The household's village, copied (and moved with it): the duplicate rule looks within a village,
    #: and a support record takes it.
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    #: "Họ, chữ đệm và tên", NFC.
    full_name: Mapped[str] = mapped_column(String(200))
    #: ``fold(full_name)``: for search without diacritics and the duplicate rule; emptied on erasure.
    name_folded: Mapped[str] = mapped_column(String(200))
    #: 1900 to this year, or unknown: the elderly priority group (``ELDERLY_FROM_AGE``) and the duplicate rule.
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    #: As recorded, or unknown.
    sex: Mapped[Sex | None] = mapped_column(Enum(Sex, native_enum=False, length=8))
    #: E.164, optional: many residents have no phone.
    phone: Mapped[str | None] = mapped_column(String(16))
    #: Chủ hộ: at most one per household.
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Người khuyết tật: a priority group of the plans (classes adapted for them, indicators broken down by it).
    has_disability: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Đồng bào dân tộc thiểu số, a priority group of the plans; the household's flag unless given.
    is_ethnic_minority: Mapped[bool] = mapped_column(Boolean, default=False)
    #: HMAC-SHA256 of the citizen id (CCCD) under the server's secret: for finding duplicates only;
    #: the number itself reveals birthplace, sex and birth year and is never stored.
    citizen_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    #: Consent to processing (Decree 13/2023): who collected it, when, for what, under which notice.
    consent_collected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When consent was collected (given again: a new date).
    consent_collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The purpose consented to, as the notice stated it (Decree 13/2023: consent is for a purpose).
    consent_purpose: Mapped[str | None] = mapped_column(String(200))
    #: Which version of the privacy notice the person was shown.
    consent_notice_version: Mapped[str | None] = mapped_column(String(32))
    #: When consent was withdrawn (Decree 13/2023 art. 12): from then nothing new is recorded about them and
    #: their name is masked (``WITHDRAWN_NAME``); empty while consent holds.
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the person's data was erased on request (Law 91/2025): name and contact pseudonymised.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When they were added (by hand or by an imported list).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who added them; empty for the command line.
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Bumped at each change of the person's own fields (skills merge and bump nothing): an offline
    #: correction made against an older version is a conflict, never an overwrite (sync.md).
    version: Mapped[int] = version_column()
    #: The transaction that last changed the person or their skills (fieldapp/models/sync.py).
    sync_tx: Mapped[int | None] = sync_stamp_column()

    __versioned__ = {"ignore": set()}

    household = relationship("Household", back_populates="members")
    skills = relationship("PersonSkill", back_populates="person", cascade="all, delete-orphan",
                          order_by="PersonSkill.skill")

    @property
    def shown_name(self) -> str:
        return shown_name(self.full_name, self.consent_withdrawn_at, self.erased_at)

    @property
    def shown_phone(self) -> str | None:
        return None if self.consent_withdrawn_at is not None or self.erased_at is not None else self.phone


#: Why 60: the Law on the Elderly (39/2009/QH12) counts people from 60 as elderly.
ELDERLY_FROM_AGE = 60


def is_elderly(birth_year: int | None, *, today: datetime | None = None) -> bool:
    return birth_year is not None and (today or utcnow()).year - birth_year >= ELDERLY_FROM_AGE
