"""Residents: the people of a household, who may be helped and mentored, and what the plans say of them."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ColumnElement, Enum, ForeignKey, Index, Integer, SmallInteger, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime, sync_stamp_column, version_column


class Sex(str, enum.Enum):
    male = "male"
    female = "female"
    other = "other"


class TargetGroup(str, enum.Enum):
    """The plans' four target groups (seed 002: "bốn nhóm đối tượng"); a person may be in several
    (a teacher is public staff; an adult pupil is also a resident), or in none yet recorded."""

    #: Cán bộ, công chức, viên chức, người lao động trong các cơ quan nhà nước.
    public_staff = "public_staff"
    #: Học sinh, sinh viên.
    pupils_students = "pupils_students"
    #: Người lao động trong các doanh nghiệp, hợp tác xã.
    enterprise_workers = "enterprise_workers"
    #: Người dân.
    residents = "residents"


#: The groups' Vietnamese names.
TARGET_GROUP_VI = {
    TargetGroup.public_staff: "Cán bộ, công chức, viên chức, người lao động trong cơ quan nhà nước",
    TargetGroup.pupils_students: "Học sinh, sinh viên",
    TargetGroup.enterprise_workers: "Người lao động trong doanh nghiệp, hợp tác xã",
    TargetGroup.residents: "Người dân",
}


def target_group_column(group: TargetGroup) -> str:
    """The ``persons`` column that holds membership of ``group``: one boolean per group, so that a
    count by group and commune is a scan of a small partial index (``ix_persons_group_*``) on both
    databases, and a change of groups is a change of the person's own row (its version, its sync stamp,
    its row-level security) like any other field."""
    return f"group_{group.value}"


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
        # Counting a target group in a commune (target_group_column).
        *(Index(f"ix_persons_{target_group_column(g)}", "commune_code", postgresql_where=text(target_group_column(g)),
                sqlite_where=text(target_group_column(g))) for g in TargetGroup),
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
    #: In the target group ``TargetGroup.public_staff`` (``target_groups``).
    group_public_staff: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: In the target group ``TargetGroup.pupils_students``.
    group_pupils_students: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: In the target group ``TargetGroup.enterprise_workers``.
    group_enterprise_workers: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: In the target group ``TargetGroup.residents``.
    group_residents: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
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
    #: The national platform's confirmations imported for them, oldest first (read with their skills:
    #: the evidence of ``vneid_programme_confirmed``; loaded only when asked for).
    platform_confirmations = relationship("PlatformConfirmation", order_by="PlatformConfirmation.id",
                                          viewonly=True)

    @property
    def shown_name(self) -> str:
        return shown_name(self.full_name, self.consent_withdrawn_at, self.erased_at)

    @property
    def target_groups(self) -> list[TargetGroup]:
        """The groups the person is in, in the order of ``TargetGroup``."""
        return [g for g in TargetGroup if getattr(self, target_group_column(g))]

    @target_groups.setter
    def target_groups(self, groups) -> None:
        chosen = {TargetGroup(g) for g in groups}
        for group in TargetGroup:
            setattr(self, target_group_column(group), group in chosen)

    @property
    def cohorts(self) -> list[Cohort]:
        return cohorts(self.birth_year)

    @property
    def shown_phone(self) -> str | None:
        return None if self.consent_withdrawn_at is not None or self.erased_at is not None else self.phone


class Cohort(str, enum.Enum):
    """Age cohorts the plans count, computed from the birth year (never stored): see :func:`age_in_year`."""

    #: 16 or older: "100% công dân từ 16 tuổi có danh tính số" (Mỗi công dân – Một định danh số).
    citizen_from_16 = "citizen_from_16"
    #: 18 or older: the adults of the plans' shares of the population.
    adult = "adult"
    #: 60 or older: the Law on the Elderly (39/2009/QH12) counts people from 60 as elderly.
    elderly = "elderly"


#: The age each cohort starts at (inclusive).
COHORT_FROM_AGE = {Cohort.citizen_from_16: 16, Cohort.adult: 18, Cohort.elderly: 60}

#: Why 60: the Law on the Elderly (39/2009/QH12) counts people from 60 as elderly.
ELDERLY_FROM_AGE = COHORT_FROM_AGE[Cohort.elderly]


def age_in_year(birth_year: int | None, *, today: datetime | None = None) -> int | None:
    """The one rule for a person's age, from the birth year alone (the registry keeps no birth date):
    the current year (UTC, as the birth year's own check) minus the birth year.

    So a birthday later this year counts as reached for the whole year: someone born in 2010 is 16
    from 1 January 2026, whatever their birthday; someone born this year is 0. Unknown birth year:
    unknown age (``None``), and no cohort."""
    return None if birth_year is None else (today or utcnow()).year - birth_year


def cohorts(birth_year: int | None, *, today: datetime | None = None) -> list[Cohort]:
    """The cohorts a birth year falls in this year (:func:`age_in_year`), in the order of ``Cohort``;
    none for an unknown birth year."""
    age = age_in_year(birth_year, today=today)
    return [] if age is None else [c for c in Cohort if age >= COHORT_FROM_AGE[c]]


def cohort_clause(cohort: Cohort, *, today: datetime | None = None, year: int | None = None) -> ColumnElement[bool]:
    """:func:`cohorts` in SQL, for counts: born in or before the year that makes the cohort's age this
    year, or in ``year`` when given (an unknown birth year never matches)."""
    return Person.birth_year <= (year if year is not None else (today or utcnow()).year) - COHORT_FROM_AGE[cohort]


def age_of_year(birth_year: int | None, year: int) -> int | None:
    """:func:`age_in_year` for a given year: the age reached in ``year`` (unknown birth year: ``None``).
    The indicators count ages in their period's year, as ``cohort_clause(year=)`` does in SQL."""
    return None if not birth_year else year - birth_year


def in_cohort(birth_year: int | None, cohort: Cohort, *, year: int) -> bool:
    """:func:`cohort_clause` in Python, for ``year``."""
    age = age_of_year(birth_year, year)
    return age is not None and age >= COHORT_FROM_AGE[cohort]


def is_elderly(birth_year: int | None, *, today: datetime | None = None) -> bool:
    return Cohort.elderly in cohorts(birth_year, today=today)
