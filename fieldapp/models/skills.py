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
    # What the provinces' plans add (issue 16): the elderly's classes, the 4T model, AI tools, and the
    # information systems of professional work (seed 003). Stored as their value (at most 32 characters,
    # the columns' ``Enum(length=32)``: ``professional_information_systems`` is exactly 32).
    internet_basics = "internet_basics"
    online_health_care = "online_health_care"
    selling_online = "selling_online"
    digital_savings = "digital_savings"
    ai_tools = "ai_tools"
    professional_information_systems = "professional_information_systems"


class SkillFramework(str, enum.Enum):
    """Where a skill of the catalogue comes from: the document that names it."""

    #: The five skills of a Digital Family: letter 3240/BTTTT-CĐSQG (2024).
    digital_family = "digital_family"
    #: "Mỗi công dân – Một định danh số" (Project 06): VNeID level 2 and a digital bank account.
    digital_identity = "digital_identity"
    #: The national digital skills framework, Decision 757/QĐ-BKHCN (29/4/2025), and the national learning
    #: platform whose completion VNeID confirms.
    decision_757 = "decision_757"
    #: The essential skills of the civil servants' plan (seed 003: documents online, digital signatures,
    #: the information systems of professional work).
    civil_service_plan = "civil_service_plan"
    #: The provincial plan's classes for the elderly (seed 002: "Internet, … an toàn số và chăm sóc sức khỏe
    #: trực tuyến").
    elderly_classes = "elderly_classes"
    #: The 4T model of "Chợ số – Nông thôn số" (seed 002: Tiểu thương – Thương mại điện tử – Thanh toán không
    #: dùng tiền mặt – Tiết kiệm số).
    model_4t = "model_4t"
    #: The plans' "khai thác có hiệu quả … các công nghệ số, nhất là trí tuệ nhân tạo" (seeds 000, 002, 004).
    ai_in_the_plans = "ai_in_the_plans"


#: The framework's own name, in Vietnamese, as the catalogue shows it.
FRAMEWORK_VI = {
    SkillFramework.digital_family: "Gia đình số (Văn bản 3240/BTTTT-CĐSQG)",
    SkillFramework.digital_identity: "Mỗi công dân – Một định danh số",
    SkillFramework.decision_757: "Khung kỹ năng số (Quyết định 757/QĐ-BKHCN)",
    SkillFramework.civil_service_plan: "Kỹ năng số thiết yếu của cán bộ, công chức (kế hoạch, seed 003)",
    SkillFramework.elderly_classes: "Lớp “Bình dân học vụ số” cho người cao tuổi",
    SkillFramework.model_4t: "Mô hình 4T “Chợ số – Nông thôn số”",
    SkillFramework.ai_in_the_plans: "Trí tuệ nhân tạo (kế hoạch “Bình dân học vụ số”)",
}


#: The catalogue, as data: each skill's Vietnamese name and the framework it comes from. The exported
#: list's names, the catalogue a phone pulls (``GET /sync``) and mobile_contract/exports.md are made from it;
#: ``tests/test_skills_catalogue.py`` checks every ``Skill`` is in it.
SKILL_CATALOGUE: dict[Skill, tuple[str, SkillFramework]] = {
    Skill.online_public_services: ("Dịch vụ công trực tuyến", SkillFramework.digital_family),
    Skill.online_shopping: ("Mua sắm trực tuyến", SkillFramework.digital_family),
    Skill.cashless_payment: ("Thanh toán không dùng tiền mặt", SkillFramework.digital_family),
    Skill.online_safety: ("An toàn trên không gian mạng", SkillFramework.digital_family),
    Skill.local_digital_platforms: ("Nền tảng số của địa phương", SkillFramework.digital_family),
    Skill.vneid_level2: ("Định danh điện tử VNeID mức 2", SkillFramework.digital_identity),
    Skill.digital_bank_account: ("Tài khoản ngân hàng số", SkillFramework.digital_identity),
    Skill.online_documents: ("Xử lý văn bản trực tuyến", SkillFramework.civil_service_plan),
    Skill.digital_signature: ("Chữ ký số", SkillFramework.civil_service_plan),
    Skill.vneid_programme_confirmed: ("Xác nhận hoàn thành trên VNeID", SkillFramework.decision_757),
    Skill.internet_basics: ("Sử dụng Internet cơ bản", SkillFramework.elderly_classes),
    Skill.online_health_care: ("Chăm sóc sức khỏe trực tuyến", SkillFramework.elderly_classes),
    Skill.selling_online: ("Bán hàng trực tuyến (thương mại điện tử)", SkillFramework.model_4t),
    Skill.digital_savings: ("Tiết kiệm số", SkillFramework.model_4t),
    Skill.ai_tools: ("Sử dụng công cụ trí tuệ nhân tạo (AI)", SkillFramework.ai_in_the_plans),
    Skill.professional_information_systems: ("Hệ thống thông tin phục vụ công tác chuyên môn",
                                             SkillFramework.civil_service_plan),
}

#: Vietnamese names of the skills: the exported list's, and the catalogue a phone pulls.
SKILL_VI = {skill: label for skill, (label, _framework) in SKILL_CATALOGUE.items()}

#: The five skills that make a Digital Family when one member holds them all.
DIGITAL_FAMILY_SKILLS = frozenset({Skill.online_public_services, Skill.online_shopping, Skill.cashless_payment,
                                   Skill.online_safety, Skill.local_digital_platforms})


def holds_basic_skills(confirmed) -> bool:
    """The one rule for "has the basic digital skills" (kỹ năng số cơ bản), which the indicators count
    and an organisation's members' list calls finished: the national platform confirmed completion
    (``vneid_programme_confirmed``), or the person holds all five Digital Family skills. ``confirmed``:
    the person's confirmed skills only (a claimed one does not count, as everywhere).
    ``fieldapp.selectors.organisations.finished_clause`` is its SQL, checked to agree by a test."""
    confirmed = set(confirmed)
    return Skill.vneid_programme_confirmed in confirmed or DIGITAL_FAMILY_SKILLS <= confirmed


class PersonSkill(db.Model):
    """A skill a person holds now, with who recorded it, when, and on what evidence."""

    __tablename__ = "person_skills"

    #: The person who holds the skill; one row per person and skill (the primary key).
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    #: The commune (the person's), copied when the row is written: the key the rows are distributed by
    #: (fieldapp/distribution.py).
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
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

    @property
    def platform_confirmation(self):
        """The national platform's confirmation this skill rests on: for ``vneid_programme_confirmed``
        granted by an import, the imported row its ``evidence_ref`` names (the latest, if the same line
        was imported again after a withdrawal); else ``None``. Reads the person's confirmations (one
        query, unless loaded with them)."""
        if self.skill != Skill.vneid_programme_confirmed or self.evidence_kind != EvidenceKind.import_:
            return None
        found = [c for c in self.person.platform_confirmations if c.evidence_ref == self.evidence_ref]
        return found[-1] if found else None


class SkillEvent(db.Model):
    """Every change to a skills record: granted or withdrawn, by whom, on what evidence."""

    __tablename__ = "skill_events"

    #: Order of the changes (the history is read by id).
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Whose skills record changed.
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    #: The commune (the person's), copied when the row is written: the key the rows are distributed by
    #: (fieldapp/distribution.py).
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
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
