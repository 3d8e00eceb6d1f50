"""The dashboard: the caller's area, its indicators against their targets (bars drawn by the server),
the mentors under the ≥5 target, the villages furthest behind, the review queue and the report's deadline.
A team leader's is of their team: its indicators, its members' work and its mentors under the target."""
from __future__ import annotations

from datetime import timedelta

from flask import render_template, request
from sqlalchemy import select

from fieldapp.auth.callers import Caller
from fieldapp.auth.declaration import declares
from fieldapp.auth.permissions import role_can
from fieldapp.clock import utcnow
from fieldapp.console.base import bp, page_context, signed_in
from fieldapp.console.reports import quarterly_state, report_deadline
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.evidence import EvidenceStatus
from fieldapp.models.teams import Team
from fieldapp.models.units import UnitLevel
from fieldapp.models.users import Role, User
from fieldapp.periods import PeriodError, local_day, period_parse, report_quarter_of, year
from fieldapp.selectors import count_of
from fieldapp.selectors.ambassadors import ambassador_list_query, ambassador_summary
from fieldapp.selectors.checkins import checkin_status_counts
from fieldapp.selectors.households import household_list_query
from fieldapp.selectors.indicators import indicator_subject, indicators_by_volunteer, indicators_compute
from fieldapp.selectors.mentorships import MENTEES_PER_MENTOR_TARGET
from fieldapp.selectors.persons import person_list_query
from fieldapp.selectors.reviews import review_queue_query
from fieldapp.selectors.support_records import support_records_query
from fieldapp.selectors.teams import team_list_query
from fieldapp.selectors.units import unit_list_query
from fieldapp.selectors.villages import communes_progress, villages_progress
from fieldapp.text import fold

#: How many mentors under the target, and villages behind, the dashboard lists.
LISTED = 8
PERIOD_ERROR = ("Kỳ không hợp lệ: ghi 2026-09 (tháng), 2026-Q3 (quý), 2026-R3 (kỳ báo cáo quý), 2026 (năm) "
                "hoặc 2026-07-01..2026-08-15 (khoảng ngày)")
#: How the kinds of period are named on the page.
TEAM_NOT_YOURS = "Không có tổ này trong các tổ của bạn: đang hiện tổ đầu tiên của bạn."
NO_TEAM = "Bạn chưa phụ trách tổ nào: nhờ cán bộ xã lập tổ hoặc thêm bạn vào tổ để xem chỉ số của tổ."
PERIOD_KINDS = {"month": "tháng", "quarter": "quý", "report_quarter": "kỳ báo cáo quý", "year": "năm",
                "phase": "giai đoạn", "range": "khoảng ngày"}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def bars(sheet) -> list[dict]:
    """The figures the chart draws: every share with a denominator or a target, and every count with a
    head-count target, each as a bar (its length out of 100) with the target's mark."""
    drawn = []
    for figure in sheet.figures:
        target = figure.target
        if figure.kind == "share" and (figure.denominator or (target and target.share is not None)):
            value = figure.share or 0.0
            mark = target.share if target and target.share is not None else None
            text = (f"{_percent(figure.share)} ({figure.numerator}/{figure.denominator or 0})"
                    + (f" · mục tiêu {_percent(mark)}" if mark is not None else " · chưa có mục tiêu"))
            if figure.gap:
                text += f" · còn thiếu {round(figure.gap * 100)} điểm %"
        elif target and target.head_count:
            value, mark = min(figure.numerator / target.head_count, 1.0), 1.0
            text = f"{figure.numerator} / mục tiêu {target.head_count} người"
        else:
            continue
        drawn.append({"code": figure.code, "name": figure.name, "length": round(min(max(value, 0), 1) * 100, 1),
                      "mark": None if mark is None else round(min(mark, 1) * 100, 1), "text": text,
                      "reached": bool(figure.reached), "held_back": figure.held_back,
                      "label": f"{figure.name}: {text}"})
    return drawn


def counts(sheet) -> list[dict]:
    """The figures that are head counts without a target (support given, visits, sessions)."""
    return [{"code": f.code, "name": f.name, "value": f.numerator, "held_back": f.held_back}
            for f in sheet.figures if f.kind == "count" and not (f.target and f.target.head_count)]


def _leader_team(caller: Caller, requested: int | None):
    """The team a leader's dashboard is of, and an error for a ``?team=`` that is not theirs: the one named
    among their teams, else the first. Why: a leader answers for the team, not for the commune, and reads
    its figures on a phone; the commune's are the officers' (issue 18)."""
    teams = list(db.session.scalars(team_list_query(caller=caller)))
    chosen = next((t for t in teams if t.id == requested), None) if requested is not None else None
    problem = TEAM_NOT_YOURS if requested is not None and chosen is None else None
    return teams, chosen or (teams[0] if teams else None), problem


def team_members(caller: Caller, team: Team, period) -> list[dict]:
    """Each member of the team (its leader first) with the support given and visits made in the period (the
    indicators' own rule for a volunteer) and, for the Digital Ambassadors, their mentees against the ≥5 target."""
    found = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_([team.leader_id, *(m.user_id for m in team.members)])))}
    users = [found[team.leader_id]] + sorted((u for i, u in found.items() if i != team.leader_id),
                                             key=lambda u: fold(u.full_name))
    figures = indicators_by_volunteer(user_ids=[u.id for u in users], period=period)
    mentees = {ambassador.user_id: int(active) + int(completed) for ambassador, active, completed
               in db.session.execute(ambassador_list_query(caller=caller, team_id=team.id)).all()}
    rows = []
    for user in users:
        own = figures[user.id]
        mentored = mentees.get(user.id)
        rows.append({"id": user.id, "name": user.full_name, "is_leader": user.id == team.leader_id,
                     "support": own["support.records"].numerator, "support_held": own["support.records"].held_back,
                     "visits": own["visits.count"].numerator, "visits_held": own["visits.count"].held_back,
                     "mentees": mentored,
                     "under_target": mentored is not None and mentored < MENTEES_PER_MENTOR_TARGET})
    return rows


def _subject(caller: Caller, unit: str | None):
    try:
        return indicator_subject(caller=caller, unit=unit or None), None
    except AppError as error:
        if error.spec.code == "unit.not_found" or unit:
            return None, "Không có đơn vị này trong địa bàn của bạn."
        return None, "Chọn một tỉnh hoặc xã (mã đơn vị) để xem chỉ số."


@bp.route("/", methods=["GET"])
@declares(personal_data="none")  # counts, and names of mentors already in the caller's reach
@signed_in
def home(caller: Caller):
    """The caller's area and its figures, each read through the API's scoped selector."""
    checkins = checkin_status_counts(caller=caller)
    figures = {
        "households": count_of(household_list_query(caller=caller)),
        "digital_families": count_of(household_list_query(caller=caller, digital_family=True)),
        "people": count_of(person_list_query(caller=caller)),
        "checkins_counted": checkins[EvidenceStatus.counted],
        "checkins_held": checkins[EvidenceStatus.held],
        "checkins_rejected": checkins[EvidenceStatus.rejected],
        "support_records": count_of(support_records_query(caller=caller)),
        "support_records_held": count_of(support_records_query(caller=caller, evidence_status=EvidenceStatus.held)),
        "support_records_verified": count_of(support_records_query(caller=caller, verified_only=True)),
    }
    today = local_day(utcnow())
    deadline = report_deadline(today)
    errors = {}
    period_text = request.args.get("period", "").strip()[:32] or deadline["period"].name
    try:
        period = period_parse(period_text)
    except PeriodError:
        errors["period"] = [PERIOD_ERROR]
        period = deadline["period"]
    unit = request.args.get("unit", "").strip()[:5]
    teams, team = [], None
    if caller.role == Role.team_leader:
        teams, team, team_problem = _leader_team(caller, request.args.get("team", type=int))
        if team_problem:
            errors["team"] = [team_problem]
        subject = indicator_subject(caller=caller, team_id=team.id) if team is not None else None
        subject_problem = None if team is not None else NO_TEAM
    else:
        subject, subject_problem = _subject(caller, unit)
        if subject_problem and unit:
            errors["unit"] = [subject_problem]
    sheet = None
    if subject is not None:
        try:
            sheet = indicators_compute(subject, period)
        except AppError as error:  # the roll-ups not built yet (after an upgrade): said, the rest still shown
            if error.status != 503:
                raise
            subject_problem = error.message("vi")
    behind = []
    if subject is not None and subject.kind == "commune":
        behind = villages_progress(caller=caller, commune_code=subject.commune_code)[:LISTED]
    elif subject is not None and subject.kind == "province":
        behind = communes_progress(caller=caller, province_code=subject.province_code)[:LISTED]
    team_id = team.id if team is not None else None  # a leader's: their team's mentors; officers: the area's
    mentors = db.session.execute(ambassador_list_query(caller=caller, team_id=team_id, under_target=True)
                                 .limit(LISTED)).all()
    summary = ambassador_summary(caller=caller, team_id=team_id)
    members = team_members(caller, team, period) if team is not None else []
    queue = count_of(review_queue_query(caller=caller)) if role_can(caller.role, "evidence.review") else None
    period_choices = [(deadline["period"].name, f"Kỳ báo cáo quý này ({deadline['period'].name})"),
                      (report_quarter_of(deadline["period"].first - timedelta(days=1)).name, "Kỳ báo cáo quý trước"),
                      (f"{today.year:04d}-{today.month:02d}", "Tháng này"), (year(today.year).name, "Năm nay")]
    communes = []
    if caller.holds_province:  # the province's communes, by name, to pick one
        communes = sorted(((u.code, u.name) for u in db.session.scalars(
            unit_list_query(province=caller.province_code, level=UnitLevel.commune))), key=lambda c: fold(c[1]))
    return render_template("console/home.html", figures=figures, sheet=sheet, bars=bars(sheet) if sheet else [],
                           counts=counts(sheet) if sheet else [], subject=subject, subject_problem=subject_problem,
                           period=period, period_text=period_text, period_kinds=PERIOD_KINDS,
                           period_choices=period_choices, errors=errors, unit=unit, communes=communes,
                           behind=behind, mentors=mentors, summary=summary, queue=queue, deadline=deadline,
                           teams=teams, team=team, members=members, team_choices=[(t.id, t.name) for t in teams],
                           report=quarterly_state(caller, today),
                           today=today, percent=_percent, **page_context(caller))
