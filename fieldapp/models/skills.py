"""Digital skills: the skills a person holds now, and every change to them, on what evidence."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.evidence import EvidenceKind, SkillStatus
from fieldapp.models.types import UTCDateTime


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


#: Vietnamese names of the skills: the exported list's, and the catalogue a phone pulls.
SKILL_VI = {
    Skill.online_public_services: "Dịch vụ công trực tuyến", Skill.online_shopping: "Mua sắm trực tuyến",
    Skill.cashless_payment: "Thanh toán không dùng tiền mặt", Skill.online_safety: "An toàn trên không gian mạng",
    Skill.local_digital_platforms: "Nền tảng số của địa phương", Skill.vneid_level2: "Định danh điện tử VNeID mức 2",
    Skill.digital_bank_account: "Tài khoản ngân hàng số", Skill.online_documents: "Xử lý văn bản trực tuyến",
    Skill.digital_signature: "Chữ ký số", Skill.vneid_programme_confirmed: "Xác nhận hoàn thành trên VNeID",
}

#: The five skills that make a Digital Family when one member holds them all.
DIGITAL_FAMILY_SKILLS = frozenset({Skill.online_public_services, Skill.online_shopping, Skill.cashless_payment,
                                   Skill.online_safety, Skill.local_digital_platforms})


class PersonSkill(db.Model):
    """A skill a person holds now, with who recorded it, when, and on what evidence."""

    __tablename__ = "person_skills"

    #: The person who holds the skill; one row per person and skill (the primary key).
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    #: Which skill (``Skill``); the five of ``DIGITAL_FAMILY_SKILLS``, confirmed, make a Digital Family.
    skill: Mapped[Skill] = mapped_column(Enum(Skill, native_enum=False, length=32), primary_key=True)
    #: Who recorded it (a review that puts a skill back keeps who granted it); empty for the command line.
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When it was recorded.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: What it rests on: a visit, a session, a mentorship, an imported list, or other.
    evidence_kind: Mapped[EvidenceKind] = mapped_column(Enum(EvidenceKind, native_enum=False, length=16,
                                                             values_callable=lambda k: [e.value for e in k]))
    #: The public id of the visit, session or mentorship it came from; for an import or other, a free
    #: reference (a list's name, a document's number).
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

    #: Order of the changes (the history is read by id).
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Whose skills record changed.
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    #: Which skill changed.
    skill: Mapped[Skill] = mapped_column(Enum(Skill, native_enum=False, length=32))
    #: "granted" or "withdrawn"; "confirmed" when a claimed skill is confirmed (by evidence that counts,
    #: or on review); "rejected" when a review withdraws it.
    change: Mapped[str] = mapped_column(String(16))
    #: Who made the change: who recorded it, or the officer who reviewed it; empty for the command line.
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When the change was made.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: What the change rests on, as in ``PersonSkill``; ``other`` for a change made on review.
    evidence_kind: Mapped[EvidenceKind] = mapped_column(Enum(EvidenceKind, native_enum=False, length=16,
                                                             values_callable=lambda k: [e.value for e in k]))
    #: The evidence named (as in ``PersonSkill``); for a change made on review, ``visit:<visit id>`` or
    #: ``review:<what was reviewed>``.
    evidence_ref: Mapped[str | None] = mapped_column(String(64))
