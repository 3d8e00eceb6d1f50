"""Organisations: agencies and public-service units, schools and universities, enterprises and
cooperatives, and the people who belong to them (staff, pupils, workers).

The plans count learners by where they work or study as well as where they live: learning is
mandatory for civil servants (seed 003), schools teach their pupils, enterprises their workers. An
organisation is held by a commune or a province (``unit_code``); its officers manage it, and its focal
person (an account) records its members' progress.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime


class OrganisationKind(str, enum.Enum):
    #: Cơ quan nhà nước: a state agency (its staff are civil servants, cán bộ, công chức).
    agency = "agency"
    #: Đơn vị sự nghiệp công lập: a public-service unit (viên chức).
    public_service_unit = "public_service_unit"
    #: Trường học: a school (pupils, học sinh; teachers are its staff).
    school = "school"
    #: Trường đại học, cao đẳng: a university or college (students, sinh viên).
    university = "university"
    #: Doanh nghiệp: an enterprise (workers, người lao động).
    enterprise = "enterprise"
    #: Hợp tác xã: a cooperative.
    cooperative = "cooperative"


#: The kinds whose members' learning is mandatory (seed 003: cán bộ, công chức, viên chức).
PUBLIC_SECTOR_KINDS = frozenset({OrganisationKind.agency, OrganisationKind.public_service_unit})
#: Vietnamese names of the kinds, as the quarterly report prints them.
ORGANISATION_KIND_VI = {OrganisationKind.agency: "Cơ quan nhà nước",
                        OrganisationKind.public_service_unit: "Đơn vị sự nghiệp công lập",
                        OrganisationKind.school: "Trường học", OrganisationKind.university: "Trường đại học, cao đẳng",
                        OrganisationKind.enterprise: "Doanh nghiệp", OrganisationKind.cooperative: "Hợp tác xã"}


class MemberRole(str, enum.Enum):
    #: Works there: civil servant, public employee, teacher.
    staff = "staff"
    #: Studies there: pupil or student.
    pupil = "pupil"
    #: Works there, in an enterprise or cooperative.
    worker = "worker"


class Organisation(db.Model):
    __tablename__ = "organisations"

    #: The organisation's id, as the API names it.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Its code, unique nationwide: a tax code, a budget-unit code or the ministry's school code (as written).
    code: Mapped[str] = mapped_column(String(32), unique=True)
    #: What it is (``OrganisationKind``).
    kind: Mapped[OrganisationKind] = mapped_column(Enum(OrganisationKind, native_enum=False, length=32))
    #: Its name, NFC.
    name: Mapped[str] = mapped_column(String(300))
    #: The commune or province that holds it: its officers manage it (row-level security reads this).
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    #: Its focal person's account (đầu mối): records the members' progress; empty when none is named.
    focal_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: When it was created.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who created it; empty for the command line.
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    members = relationship("OrganisationMember", back_populates="organisation", cascade="all, delete-orphan")


class OrganisationMember(db.Model):
    __tablename__ = "organisation_members"

    #: The organisation.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    #: The person who belongs to it; once per organisation (the primary key).
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True, index=True)
    #: Staff, pupil or worker (``MemberRole``).
    role: Mapped[MemberRole] = mapped_column(Enum(MemberRole, native_enum=False, length=16))
    #: The person's commune (where they are registered), for the area rule and row-level security.
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    #: When they were added.
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who added them; empty for the command line.
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organisation = relationship("Organisation", back_populates="members")
    person = relationship("Person")
