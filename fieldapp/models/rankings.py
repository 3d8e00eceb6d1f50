"""Rankings and emulation (thi đua): the criteria units and people are ranked on, their weights, and the
completion classes, as data.

The plans rank and reward: "đề xuất khen thưởng kịp thời tập thể, cá nhân làm tốt" (seeds 000, 001), and
"kết quả kiểm tra, giám sát được sử dụng làm căn cứ đánh giá mức độ hoàn thành nhiệm vụ của đơn vị ...
làm cơ sở biểu dương, khen thưởng" (seed 003) — on real results (people supported, skills confirmed,
sessions held, evidence), not on the number of meetings. They name what to look at but no weights: the
criteria of each level below are theirs, the default weights and thresholds are this system's, and a
province sets its own (:class:`RankingWeight`, :class:`RankingThreshold`; ``PUT
/units/{code}/rankings/{level}``), logged.

**Scores.** Each criterion's value is scored 0–100 by its scale: ``share`` (a share 0–1, times 100; no
denominator scores 0), ``goal`` (the value against a goal, capped: the ≥5 rule's five mentees), ``best``
(against the best value among those ranked together: the leader scores 100). An item's score is the
weighted mean of its criteria's scores, rounded to 2 decimals. **Classes** follow the four of the yearly
assessment of officials (Decree 90/2020/NĐ-CP: hoàn thành xuất sắc, hoàn thành tốt,
hoàn thành, không hoàn thành nhiệm vụ; "chưa hoàn thành" for a period still open): a score at a class's
threshold or above is in it. **Ties**: equal scores share a rank ("1, 2, 2, 4") and are listed by
commune code, team id or account id.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.mentorships import MENTEES_PER_MENTOR_TARGET
from fieldapp.models.types import UTCDateTime

#: What can be ranked: the communes of a province, the teams of a commune, the volunteers and the
#: Digital Ambassadors of a commune or a province.
LEVELS = ("communes", "teams", "volunteers", "ambassadors")
#: The units each level ranks within (``province`` or ``commune``).
LEVEL_UNITS = {"communes": ("province",), "teams": ("commune",), "volunteers": ("commune", "province"),
               "ambassadors": ("commune", "province")}
SCALES = ("share", "goal", "best")


@dataclass(frozen=True)
class Criterion:
    #: Its code: the indicator's where it is one (fieldapp/models/indicators.py), so that it means the same.
    code: str
    #: Its Vietnamese name, as the ranking shows it.
    name: str
    #: How its value is scored (module docstring).
    scale: str
    #: For ``goal``: the value that scores 100.
    goal: int | None = None


#: Each level's criteria with their default weights, from what the plans ask each of them for.
#: Communes: adults with the basic skills and confirmed on VNeID (seed 003's targets), Digital Families,
#: the weekly community class held every week, and door-to-door visits proven by the plate or GPS (the
#: evidence is the point). Teams and volunteers: "đi từng ngõ, gõ từng nhà, hướng dẫn từng người":
#: people reached, support counted (each on counted evidence), and visits proven. Ambassadors: the ≥5
#: rule, and mentees who completed.
CRITERIA: dict[str, tuple[tuple[Criterion, float], ...]] = {
    "communes": (
        (Criterion("basic_skills.adults", "Tỷ lệ người trưởng thành có kỹ năng số cơ bản", "share"), 30),
        (Criterion("digital_family.households", "Tỷ lệ hộ đạt Gia đình số", "share"), 20),
        (Criterion("vneid_confirmed.adults", "Tỷ lệ người trưởng thành được xác nhận hoàn thành trên VNeID",
                   "share"), 20),
        (Criterion("weekly_class.held", "Tỷ lệ tuần có lớp học cộng đồng hằng tuần", "share"), 15),
        (Criterion("visits.proven", "Tỷ lệ lượt đến hộ có chứng cứ (mã QR biển hộ hoặc GPS)", "share"), 15),
    ),
    "teams": (
        (Criterion("support.people", "Số người được hỗ trợ (không trùng)", "best"), 40),
        (Criterion("support.records", "Số lượt hỗ trợ được ghi nhận", "best"), 30),
        (Criterion("visits.proven", "Tỷ lệ lượt đến hộ có chứng cứ (mã QR biển hộ hoặc GPS)", "share"), 30),
    ),
    "volunteers": (
        (Criterion("support.people", "Số người được hỗ trợ (không trùng)", "best"), 40),
        (Criterion("support.records", "Số lượt hỗ trợ được ghi nhận", "best"), 30),
        (Criterion("visits.proven", "Tỷ lệ lượt đến hộ có chứng cứ (mã QR biển hộ hoặc GPS)", "share"), 30),
    ),
    "ambassadors": (
        (Criterion("mentees.counted", "Số người được kèm cặp (mục tiêu từ 5 người)", "goal",
                   MENTEES_PER_MENTOR_TARGET), 60),  # the ≥5 rule: five mentees score 100
        (Criterion("mentees.completed", "Số người được kèm cặp đã hoàn thành", "best"), 40),
    ),
}


def criterion_of(level: str, code: str) -> Criterion | None:
    return next((c for c, _w in CRITERIA[level] if c.code == code), None)


#: The completion classes, best first, with their Vietnamese names; the last has no threshold (the rest).
CLASSES = (("excellent", "Hoàn thành xuất sắc"), ("good", "Hoàn thành tốt"), ("done", "Hoàn thành"),
           ("not_done", "Chưa hoàn thành"))
CLASS_NAMES = dict(CLASSES)
#: The classes a threshold is set for (``not_done`` is below the lowest).
THRESHOLD_CLASSES = tuple(code for code, _name in CLASSES[:-1])
#: Default thresholds (scores 0–100), for every level.
DEFAULT_THRESHOLDS = {"excellent": 90.0, "good": 75.0, "done": 50.0}


class RankingWeight(db.Model):
    """A province's own weight of a criterion at a level; a province that sets any sets the level's
    whole list (the criteria it leaves out are not used)."""

    __tablename__ = "ranking_weights"

    #: The province that set it (its officers do); it applies to its communes, teams and people.
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    #: What is ranked (:data:`LEVELS`).
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: The criterion's code (:data:`CRITERIA` of the level).
    criterion: Mapped[str] = mapped_column(String(48), primary_key=True)
    #: Its weight, above 0: the criteria's scores are averaged by them.
    weight: Mapped[float] = mapped_column(Float)
    #: Where it comes from: the province's emulation guideline (hướng dẫn thi đua), number and date.
    source: Mapped[str] = mapped_column(String(200))
    #: Who set it; empty for the command line.
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When it was set.
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RankingThreshold(db.Model):
    """A province's own threshold of a completion class at a level (its lowest score, 0–100)."""

    __tablename__ = "ranking_thresholds"

    #: The province that set it.
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    #: What is ranked (:data:`LEVELS`).
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: The class (:data:`THRESHOLD_CLASSES`).
    class_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: The lowest score in the class, 0–100 (a score at it is in the class).
    min_score: Mapped[float] = mapped_column(Float)
    #: Where it comes from: the province's emulation guideline, number and date.
    source: Mapped[str] = mapped_column(String(200))
    #: Who set it; empty for the command line.
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When it was set.
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
