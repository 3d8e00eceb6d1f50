"""The indicators the plans measure the movement by, and their targets, as data.

Each indicator (:data:`INDICATORS`) has a code, its Vietnamese name, what it counts and what it is a
share of. Targets are per province or commune, year and indicator, a share or a head count
(:class:`IndicatorTarget`); where a unit has set none, its province's applies, and then the national
default of the plans (:data:`NATIONAL_TARGETS`, from seeds 002 and 003 and PRODUCT.md's table).
Only counted evidence counts (issue 13); what is held back is shown beside each figure.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime

#: The topics whose indicators are flows: they count what happened on the period's days, so evidence recorded
#: later for those days changes them (the quarterly report shows it as late). The others are states, as they
#: stand when computed (fieldapp/selectors/indicators.py).
FLOW_TOPICS = frozenset({"support", "sessions", "visits"})


@dataclass(frozen=True)
class IndicatorDef:
    #: The code the API, the workbook and the targets name it by.
    code: str
    #: Its Vietnamese name, as the report prints it.
    name: str
    #: What it is about: ``people``, ``households``, ``ambassadors``, ``support``, ``sessions``, ``visits``.
    topic: str
    #: ``share`` (a numerator over a denominator) or ``count``.
    kind: str
    #: For a share of people: the population measure a unit's figure may stand in for the registry
    #: (fieldapp/models/population.py), when the unit entered one for the year.
    population_measure: str | None = None

    @property
    def is_flow(self) -> bool:
        return self.topic in FLOW_TOPICS


def _d(code, name, topic, kind, measure=None):
    return IndicatorDef(code, name, topic, kind, measure)


#: The catalogue, in the order the report prints it.
INDICATORS: dict[str, IndicatorDef] = {d.code: d for d in (
    _d("basic_skills.public_staff", "Cán bộ, công chức, viên chức có kỹ năng số cơ bản", "people", "share",
       "public_staff"),
    _d("basic_skills.pupils_students", "Học sinh, sinh viên có kỹ năng số cơ bản", "people", "share", "pupils"),
    _d("basic_skills.enterprise_workers", "Người lao động doanh nghiệp, hợp tác xã có kỹ năng số cơ bản", "people",
       "share", "workers"),
    _d("basic_skills.residents", "Người dân có kỹ năng số cơ bản", "people", "share"),
    _d("basic_skills.adults", "Người trưởng thành có kỹ năng số cơ bản", "people", "share", "adults"),
    _d("vneid_confirmed.adults", "Người trưởng thành được xác nhận hoàn thành trên VNeID", "people", "share",
       "adults"),
    _d("digital_identity.citizens_from_16", "Công dân từ 16 tuổi có danh tính số (VNeID mức 2)", "people", "share",
       "citizens_from_16"),
    _d("digital_bank_account.citizens_from_16", "Công dân từ 16 tuổi có tài khoản ngân hàng số", "people", "share",
       "citizens_from_16"),
    _d("basic_skills.members", "Thành viên (cơ quan, trường học, doanh nghiệp) có kỹ năng số cơ bản", "people",
       "share"),
    _d("digital_family.households", "Hộ gia đình đạt Gia đình số", "households", "share", "households"),
    _d("mentors.count", "Đại sứ số đang kèm cặp", "ambassadors", "count"),
    _d("mentors.with_5_mentees", "Đại sứ số kèm cặp từ 5 người trở lên", "ambassadors", "share"),
    _d("mentees.completed", "Người được kèm cặp đã hoàn thành", "ambassadors", "count"),
    _d("network.reach", "Người được kèm cặp trong mạng lưới", "ambassadors", "count"),
    _d("support.people", "Số người được hỗ trợ (không trùng)", "support", "count"),
    _d("support.organisations", "Số cơ quan, doanh nghiệp, hợp tác xã được hỗ trợ (không trùng)", "support", "count"),
    _d("support.records", "Lượt hỗ trợ theo kỹ năng", "support", "count"),
    _d("sessions.count", "Buổi học, sinh hoạt cộng đồng", "sessions", "count"),
    _d("sessions.attendance", "Lượt người tham dự buổi học", "sessions", "count"),
    _d("weekly_class.missing_weeks", "Số tuần không có lớp hằng tuần", "sessions", "count"),
    _d("one_stop_desk.missing_communes", "Xã chưa có người hỗ trợ tại bộ phận một cửa trong kỳ", "sessions", "share"),
    _d("visits.count", "Lượt đến hộ gia đình", "visits", "count"),
    _d("visits.proven", "Lượt đến hộ có chứng cứ (mã QR biển hộ hoặc GPS)", "visits", "share"),
    _d("visits.flagged", "Lượt đến hộ bị gắn cờ (chờ xem xét hoặc bị loại)", "visits", "share"),
)}


@dataclass(frozen=True)
class Target:
    #: A share from 0 to 1, or ``None`` when the target is a head count.
    share: float | None = None
    #: A head count (Quảng Ngãi's "hơn 500.000 người"), or ``None`` when it is a share.
    head_count: int | None = None
    #: Where it comes from: ``national``, or the unit's code that set it, with the source it gave.
    origin: str = "national"
    source: str = ""


#: The plans' national defaults, by indicator and year; a later year without its own takes the latest
#: earlier one (2027 keeps 2026's 100%). Seed 003 and PRODUCT.md: officials and adults 80% in 2025 and
#: 100% in 2026; adults confirmed on VNeID 40% and over 60%; enterprise workers 80% and 100%; every
#: citizen from 16 with a digital identity and a digital bank account ("Mỗi công dân – Một định danh
#: số"); every mentor guiding at least five. Digital Families are set per province (communes plan 70–100%).
NATIONAL_TARGETS: dict[str, dict[int, float]] = {
    "basic_skills.public_staff": {2025: 0.8, 2026: 1.0},
    "basic_skills.adults": {2025: 0.8, 2026: 1.0},
    "vneid_confirmed.adults": {2025: 0.4, 2026: 0.6},
    "basic_skills.enterprise_workers": {2025: 0.8, 2026: 1.0},
    "digital_identity.citizens_from_16": {2025: 1.0},
    "digital_bank_account.citizens_from_16": {2025: 1.0},
    "mentors.with_5_mentees": {2025: 1.0},
}
NATIONAL_SOURCE = "Kế hoạch “Bình dân học vụ số” (mục tiêu chung toàn quốc)"


def national_target(indicator: str, year: int) -> Target | None:
    by_year = NATIONAL_TARGETS.get(indicator, {})
    years = [y for y in by_year if y <= year]
    if not years:
        return None
    return Target(share=by_year[max(years)], origin="national", source=NATIONAL_SOURCE)


class IndicatorTarget(db.Model):
    """A province's or commune's own target for an indicator in a year: a share or a head count."""

    __tablename__ = "indicator_targets"

    #: The province or commune that set it (its officers do).
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    #: The year it is the target of.
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    #: The indicator's code (:data:`INDICATORS`).
    indicator: Mapped[str] = mapped_column(String(48), primary_key=True)
    #: The share to reach, 0 to 1; empty when the target is a head count.
    share: Mapped[float | None] = mapped_column(Float)
    #: The head count to reach; empty when the target is a share.
    head_count: Mapped[int | None] = mapped_column(Integer)
    #: Where it comes from: the plan's number and date, as the officer wrote it.
    source: Mapped[str] = mapped_column(String(200))
    #: Who set it last; empty for the command line.
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When it was set last.
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
