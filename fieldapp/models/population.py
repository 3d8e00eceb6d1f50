"""Population figures: what a unit's population is, per year, as an officer entered it with its source.

The plans set their shares against a population ("100% công dân từ 16 tuổi", "80% người dân trưởng
thành"), not only against the people someone registered here; these are the denominators, and the
registry's own counts are read beside them so that the gap shows (``GET /units/{code}/population``).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime


class PopulationMeasure(str, enum.Enum):
    """What a figure counts; the registry's own count of each is in ``selectors/population.py``."""

    #: People 18 or older (``Cohort.adult``).
    adults = "adults"
    #: People 16 or older (``Cohort.citizen_from_16``): "100% công dân từ 16 tuổi có danh tính số".
    citizens_from_16 = "citizens_from_16"
    #: Households (hộ gia đình).
    households = "households"
    #: Pupils and students (``TargetGroup.pupils_students``).
    pupils = "pupils"
    #: Workers of enterprises and cooperatives (``TargetGroup.enterprise_workers``).
    workers = "workers"
    #: Public-sector staff (``TargetGroup.public_staff``).
    public_staff = "public_staff"


class PopulationFigure(db.Model):
    """One figure of a unit's population in a year, with where it comes from; entered again, replaced."""

    __tablename__ = "population_figures"

    #: The commune or province it is the population of (its area's officers enter it).
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    #: The year it is the population of.
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    #: What it counts (``PopulationMeasure``).
    measure: Mapped[PopulationMeasure] = mapped_column(Enum(PopulationMeasure, native_enum=False, length=24),
                                                       primary_key=True)
    #: How many: 0 or more.
    value: Mapped[int] = mapped_column(Integer)
    #: Where it comes from, as the officer wrote it: a statistics yearbook, the commune's report, a sheet.
    source: Mapped[str] = mapped_column(String(200))
    #: Who entered it last; empty for the command line.
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When it was entered last.
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
