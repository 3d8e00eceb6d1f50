"""Households and the people in them, with their digital skills."""
from __future__ import annotations

import enum
from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.evidence import SkillStatus
from fieldapp.models.types import UTCDateTime


class Household(db.Model):
    """A household (hộ gia đình) of a village, at a point on the map."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The id printed on the household's QR plate; never the database id.
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    #: Address as people write it: "Xóm Đông Sơn, nhà số 12".
    address: Mapped[str] = mapped_column(String(300))
    #: Where the door is, WGS 84.
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=True)
    #: Hộ nghèo: a priority group of the plans.
    is_poor: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Hộ đồng bào dân tộc thiểu số.
    is_ethnic_minority: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Vùng sâu, vùng xa.
    is_remote: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Derived by the skills service, never typed in: since when a member holds all five skills.
    digital_family_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set by the visit service: the last door-to-door visit.
    last_visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    members = relationship("Person", back_populates="household", order_by="Person.id")
    village = relationship("Village", lazy="joined")
    #: The volunteer it is assigned to now, if any.
    active_assignment = relationship(
        "Assignment", uselist=False, viewonly=True,
        primaryjoin="and_(Assignment.household_id == Household.id, Assignment.ended_at.is_(None))")


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

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The id printed on the person card; never the database id.
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    #: Copied from the household, for scoped reads without a join.
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    #: "Họ, chữ đệm và tên", NFC.
    full_name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    sex: Mapped[Sex | None] = mapped_column(Enum(Sex, native_enum=False, length=8))
    #: E.164, optional: many residents have no phone.
    phone: Mapped[str | None] = mapped_column(String(16))
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)
    has_disability: Mapped[bool] = mapped_column(Boolean, default=False)
    is_ethnic_minority: Mapped[bool] = mapped_column(Boolean, default=False)
    #: HMAC-SHA256 of the citizen id (CCCD) under the server's secret: for finding duplicates only;
    #: the number itself reveals birthplace, sex and birth year and is never stored.
    citizen_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    #: Consent to processing (Decree 13/2023): who collected it, when, for what, under which notice.
    consent_collected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    consent_collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_purpose: Mapped[str | None] = mapped_column(String(200))
    consent_notice_version: Mapped[str | None] = mapped_column(String(32))
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the person's data was erased on request (Law 91/2025): name and contact pseudonymised.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    household = relationship("Household", back_populates="members")
    skills = relationship("PersonSkill", back_populates="person", cascade="all, delete-orphan",
                          order_by="PersonSkill.skill")

    @property
    def shown_name(self) -> str:
        return shown_name(self.full_name, self.consent_withdrawn_at, self.erased_at)

    @property
    def shown_phone(self) -> str | None:
        return None if self.consent_withdrawn_at is not None or self.erased_at is not None else self.phone


class Skill(str, enum.Enum):
    # The five of a Digital Family (letter 3240/BTTTT-CĐSQG, 2024).
    online_public_services = "online_public_services"
    online_shopping = "online_shopping"
    cashless_payment = "cashless_payment"
    online_safety = "online_safety"
    local_digital_platforms = "local_digital_platforms"
    # "Mỗi công dân – Một định danh số": VNeID level 2 and a digital bank account.
    vneid_level2 = "vneid_level2"
    digital_bank_account = "digital_bank_account"
    # Essential skills of seed 003 beyond the five.
    online_documents = "online_documents"
    digital_signature = "digital_signature"
    # Confirmed on the national platform / VNeID as having completed the programme (with its date).
    vneid_programme_confirmed = "vneid_programme_confirmed"


#: The five skills that make a Digital Family when one member holds them all.
DIGITAL_FAMILY_SKILLS = frozenset({Skill.online_public_services, Skill.online_shopping, Skill.cashless_payment,
                                   Skill.online_safety, Skill.local_digital_platforms})


class EvidenceKind(str, enum.Enum):
    visit = "visit"
    session = "session"
    mentoring = "mentoring"
    import_ = "import"
    other = "other"


class PersonSkill(db.Model):
    """A skill a person holds now, with who recorded it, when, and on what evidence."""

    __tablename__ = "person_skills"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    skill: Mapped[Skill] = mapped_column(Enum(Skill, native_enum=False, length=32), primary_key=True)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    evidence_kind: Mapped[EvidenceKind] = mapped_column(Enum(EvidenceKind, native_enum=False, length=16,
                                                             values_callable=lambda k: [e.value for e in k]))
    #: The visit, session or mentorship it came from (their public or database id, as text).
    evidence_ref: Mapped[str | None] = mapped_column(String(64))
    #: For ``vneid_programme_confirmed``: the date the national platform confirmed it.
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    #: ``confirmed`` (counts: Digital Family, indicators) or ``claimed`` (its evidence is held back,
    #: or there is none the system can check), by fieldapp.models.evidence's rule.
    status: Mapped[SkillStatus] = mapped_column(Enum(SkillStatus, native_enum=False, length=16),
                                                server_default=SkillStatus.confirmed.value)

    person = relationship("Person", back_populates="skills")


class SkillEvent(db.Model):
    """Every change to a skills record: granted or withdrawn, by whom, on what evidence."""

    __tablename__ = "skill_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    skill: Mapped[Skill] = mapped_column(Enum(Skill, native_enum=False, length=32))
    #: "granted", "withdrawn"; or, on review of a claimed skill, "confirmed" or "rejected".
    change: Mapped[str] = mapped_column(String(16))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    evidence_kind: Mapped[EvidenceKind] = mapped_column(Enum(EvidenceKind, native_enum=False, length=16,
                                                             values_callable=lambda k: [e.value for e in k]))
    evidence_ref: Mapped[str | None] = mapped_column(String(64))


class Assignment(db.Model):
    """A household given to a volunteer by a team leader. Reassigning ends the old row: history stays."""

    __tablename__ = "assignments"
    __table_args__ = (
        # A household has at most one volunteer at a time.
        Index("uq_assignments_active_household", "household_id", unique=True,
              postgresql_where=text("ended_at IS NULL"), sqlite_where=text("ended_at IS NULL")),
        Index("ix_assignments_active_volunteer", "volunteer_id",
              postgresql_where=text("ended_at IS NULL"), sqlite_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
