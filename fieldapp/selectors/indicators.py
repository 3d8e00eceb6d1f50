"""Indicators against targets for an area (province, commune, village), an organisation, a team or a
volunteer, and a period (fieldapp/periods.py).

An area's figures are read from the roll-ups the write path keeps exact (fieldapp/models/tallies.py):
a few thousand counters for a province, whatever the history. An organisation's, a team's or a
volunteer's are read from the records themselves, through indexes on who they are (a team's records
are a team's size, not the province's).

**What "in the period" means.** Flows (support, visits, sessions, unique people reached) count what
happened on the period's days. States (people with the basic skills, Digital Family households,
mentors) are as they stand when asked (``as_of``): a past quarter's states as they stood are what its
quarterly report froze when it was submitted (fieldapp/selectors/reports.py). Ages are counted in the
period's year (the year of its last day, as its targets): someone born in 2008 is an adult of 2026.

**Only counted evidence counts** (issue 13): confirmed skills, counted records and visits. Beside each
figure ``held_back`` says how many more it would be if what is held back counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, distinct, exists, func, literal, select

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.checkins import CheckIn
from fieldapp.models.evidence import EvidenceStatus
from fieldapp.models.indicators import INDICATORS, IndicatorTarget, Target, national_target
from fieldapp.models.mentorships import Mentorship, MentorshipStatus
from fieldapp.models.persons import COHORT_FROM_AGE, Cohort, TargetGroup
from fieldapp.models.population import PopulationFigure
from fieldapp.models.sessions import LearningSession, SessionAttendee, SessionKind
from fieldapp.models.support_records import SupportRecord
from fieldapp.models.tallies import (
    BASIC_SKILLS,
    BASIC_SKILLS_HELD_BACK,
    DIGITAL_BANK_ACCOUNT,
    DIGITAL_FAMILY,
    DIGITAL_IDENTITY,
    DISABILITY,
    ETHNIC_MINORITY,
    GROUP_BITS,
    ONE_STOP_DESK,
    POOR_HOUSEHOLD,
    REMOTE_AREA,
    VNEID_CONFIRMED,
    HouseholdTally,
    PersonTally,
    PersonTallyKey,
    ReachTally,
    SupportTally,
    VisitTally,
    visit_proof,
)
from fieldapp.models.units import Unit
from fieldapp.models.villages import Village
from fieldapp.models.visits import Visit
from fieldapp.periods import Period, local_day
from fieldapp.selectors.mentorships import COUNTED, MENTEES_PER_MENTOR_TARGET, counts_subquery

#: Age groups of the breakdowns (from, to inclusive; ``None``: no upper bound).
AGE_GROUPS = (("16-17", 16, 17), ("18-35", 18, 35), ("36-59", 36, 59), ("60+", 60, None))
#: Priority groups of the breakdowns: the plans' (PRODUCT.md), elderly read from the birth year.
PRIORITY_BITS = {"disability": DISABILITY, "ethnic_minority": ETHNIC_MINORITY, "poor_household": POOR_HOUSEHOLD,
                 "remote_area": REMOTE_AREA}


@dataclass(frozen=True)
class Subject:
    """What the indicators are of: ``kind`` is ``province``, ``commune``, ``village``, ``organisation``,
    ``team`` or ``volunteer``; ``unit_code`` the province or commune whose targets and population apply."""

    kind: str
    id: str | int
    name: str
    unit_code: str
    province_code: str | None = None
    commune_code: str | None = None
    village_id: int | None = None
    #: An organisation's kind: an agency's or public-service unit's members take the public staff's target.
    organisation_kind: str | None = None


@dataclass
class Figure:
    code: str
    numerator: int
    denominator: int | None = None
    denominator_source: str | None = None
    registry_denominator: int | None = None
    population_source: str | None = None
    held_back: int | None = None
    breakdowns: dict = field(default_factory=dict)
    target: Target | None = None

    @property
    def name(self) -> str:
        return INDICATORS[self.code].name

    @property
    def kind(self) -> str:
        return INDICATORS[self.code].kind

    @property
    def share(self) -> float | None:
        if self.denominator is None:
            return None
        return round(self.numerator / self.denominator, 4) if self.denominator else None

    @property
    def gap(self) -> float | int | None:
        """What is left to reach the target: share points (0.2 = 20 points) or people; 0 once reached."""
        if self.target is None:
            return None
        if self.target.head_count is not None:
            return max(0, self.target.head_count - self.numerator)
        if self.share is None:
            return None if self.denominator is None else self.target.share
        return round(max(0.0, self.target.share - self.share), 4)

    @property
    def reached(self) -> bool | None:
        gap = self.gap
        return None if gap is None else gap == 0


@dataclass
class Sheet:
    subject: Subject
    period: Period
    as_of: datetime
    figures: list[Figure]

    def figure(self, code: str) -> Figure:
        return next(f for f in self.figures if f.code == code)


# --- the area's clauses ---------------------------------------------------------------------------------


def _communes(subject: Subject, column):
    if subject.kind == "province":
        return column.in_(province_communes(subject.province_code))
    return column == subject.commune_code


def province_communes(province_code: str) -> list[str]:
    """A province's communes' codes, read once a request (kept in the session's info). Named as a list,
    not a subquery: the planner then reads each commune's part of a roll-up's index for the period
    (``commune_code = ANY (...) AND day BETWEEN``), where a subquery made it scan the whole roll-up,
    which grows with the history."""
    cache = db.session.info.setdefault("province_communes", {})
    if province_code not in cache:
        cache[province_code] = list(db.session.scalars(select(Unit.code).where(Unit.parent_code == province_code)
                                                       .order_by(Unit.code)))
    return cache[province_code]


def _area(subject: Subject, model, village=True):
    clause = _communes(subject, model.commune_code)
    if subject.kind == "village" and village:
        clause = and_(clause, model.village_id == subject.village_id)
    return clause


# --- targets and population ------------------------------------------------------------------------------


def targets_for(unit_code: str, province_code: str | None, year: int) -> dict[str, Target]:
    """Every indicator's target in ``year`` for a unit: its own, else its province's, else the national default."""
    return targets_for_units([unit_code], province_code, year)[unit_code]


def targets_for_units(unit_codes: list[str], province_code: str | None, year: int) -> dict[str, dict[str, Target]]:
    """:func:`targets_for` of each of ``unit_codes`` (units of one province, or the province itself), in one query."""
    codes = sorted({c for c in (province_code, *unit_codes) if c})
    rows = list(db.session.scalars(select(IndicatorTarget).where(IndicatorTarget.unit_code.in_(codes),
                                                                 IndicatorTarget.year == year)))
    found = {}
    for unit_code in unit_codes:
        own = {}
        for row in rows:
            if row.unit_code not in (unit_code, province_code):
                continue
            if row.unit_code == unit_code or row.indicator not in own:
                own[row.indicator] = Target(share=row.share, head_count=row.head_count, origin=row.unit_code,
                                            source=row.source)
        targets = {}
        for code in INDICATORS:
            target = own.get(code) or national_target(code, year)
            if target is not None:
                targets[code] = target
        found[unit_code] = targets
    return found


def _population(subject: Subject, year: int) -> dict[str, tuple[int, str]]:
    if subject.kind not in ("province", "commune"):
        return {}
    return _populations([subject.unit_code], year)[subject.unit_code]


def _populations(unit_codes: list[str], year: int) -> dict[str, dict[str, tuple[int, str]]]:
    """Each unit's population figures of ``year``, by measure: (value, source)."""
    found: dict[str, dict[str, tuple[int, str]]] = {code: {} for code in unit_codes}
    for row in db.session.scalars(select(PopulationFigure).where(PopulationFigure.unit_code.in_(unit_codes),
                                                                 PopulationFigure.year == year)):
        found[row.unit_code][_v(row.measure)] = (row.value, row.source)
    return found


def _v(value):
    return value.value if hasattr(value, "value") else value


# --- people ----------------------------------------------------------------------------------------------


def _age_class(year: int, born=PersonTally.birth_year):
    """SQL: the age group (``AGE_GROUPS``) a tally's birth year reaches in ``year``; ``under_16`` and
    ``unknown`` (no birth year) besides. The groups start at the cohorts' ages, so each cohort is a set of
    groups (``_COHORT_CLASSES``) and a province's people are grouped into a few hundred rows, not one per
    birth year."""
    whens = [(born == 0, "unknown")]
    whens += [(born <= year - low, label) for label, low, _high in reversed(AGE_GROUPS)]
    return case(*whens, else_="under_16")


#: Which age groups make each cohort (the cohort's age is where a group starts: checked below).
_COHORT_CLASSES = {cohort: frozenset(label for label, low, _h in AGE_GROUPS if low >= COHORT_FROM_AGE[cohort])
                   for cohort in Cohort}
assert all(any(low == COHORT_FROM_AGE[c] for _l, low, _h in AGE_GROUPS) for c in Cohort), "groups must start at cohorts"


def _person_columns(year: int, with_breakdowns: bool = True, model=PersonTally) -> tuple[tuple, tuple]:
    """The people's roll-up's columns the figures read, ages in their groups, and what they are grouped
    by: without the breakdowns, sex and priority groups are left out (read as '' and 0). ``model``: the
    counters (``PersonTally``) or the people's keys (``PersonTallyKey``, a village's)."""
    age_class = _age_class(year, model.birth_year)
    if with_breakdowns:
        grouping = (model.sex, age_class, model.groups, model.priority, model.facts)
        return grouping, grouping
    return ((literal(""), age_class, model.groups, literal(0), model.facts), (age_class, model.groups, model.facts))


def _people_figures(subject: Subject, period: Period) -> list[Figure]:
    if subject.kind == "village":  # the counters are by commune; a village's people are grouped from their keys
        model, people = PersonTallyKey, func.count()
        where = [PersonTallyKey.commune_code == subject.commune_code, PersonTallyKey.village_id == subject.village_id]
    else:
        model, people = PersonTally, func.sum(PersonTally.people)
        where = [_area(subject, PersonTally), PersonTally.people != 0]
    columns, grouping = _person_columns(period.year, model=model)
    rows = db.session.execute(select(*columns, people).where(*where).group_by(*grouping)).all()
    return _people_figures_of(rows, _population(subject, period.year))


def _people_figures_of(rows, population: dict[str, tuple[int, str]], with_breakdowns: bool = True) -> list[Figure]:
    """The people's figures from the roll-up's rows (sex, age group, target groups, priority groups, facts,
    people); without their breakdowns (by sex, age group, priority group) unless ``with_breakdowns``.

    One pass over the rows, each added to every figure and part it is in (a province's rows are a few
    thousand, and a count per figure and part read them two hundred times)."""
    adult, from_16, elderly = (_COHORT_CLASSES[c] for c in (Cohort.adult, Cohort.citizen_from_16, Cohort.elderly))
    specs = [  # code, who is counted (target group bit, or the age groups of a cohort), the fact, broken down
        ("basic_skills.public_staff", GROUP_BITS[TargetGroup.public_staff], BASIC_SKILLS, True),
        ("basic_skills.pupils_students", GROUP_BITS[TargetGroup.pupils_students], BASIC_SKILLS, True),
        ("basic_skills.enterprise_workers", GROUP_BITS[TargetGroup.enterprise_workers], BASIC_SKILLS, True),
        ("basic_skills.residents", GROUP_BITS[TargetGroup.residents], BASIC_SKILLS, True),
        ("basic_skills.adults", adult, BASIC_SKILLS, True),
        ("vneid_confirmed.adults", adult, VNEID_CONFIRMED, False),
        ("digital_identity.citizens_from_16", from_16, DIGITAL_IDENTITY, False),
        ("digital_bank_account.citizens_from_16", from_16, DIGITAL_BANK_ACCOUNT, False),
    ]
    sexes = sorted({r[0] for r in rows})
    totals = {code: [0, 0, 0] for code, *_ in specs}  # registry, numerator, held back
    parts: dict[str, dict[tuple, list[int]]] = {}
    for code, _who, _fact, broken_down in specs:
        if broken_down and with_breakdowns:
            parts[code] = {**{("sex", sex or "unknown"): [0, 0] for sex in sexes},
                           **{("age_group", label): [0, 0] for label, _l, _h in AGE_GROUPS},
                           **{("priority_group", name): [0, 0] for name in (*PRIORITY_BITS, "elderly")}}
    for sex, age, groups, priority, facts, n in rows:
        n = int(n)
        keys = None
        for code, who, fact, _broken_down in specs:
            if not (groups & who if isinstance(who, int) else age in who):
                continue
            total, has = totals[code], bool(facts & fact)
            total[0] += n
            total[1] += n if has else 0
            total[2] += n if facts & BASIC_SKILLS_HELD_BACK else 0
            if code in parts:
                if keys is None:
                    keys = [("sex", sex or "unknown"), ("age_group", age)]
                    keys += [("priority_group", name) for name, bit in PRIORITY_BITS.items() if priority & bit]
                    if age in elderly:
                        keys.append(("priority_group", "elderly"))
                own = parts[code]
                for key in keys:
                    part = own.get(key)
                    if part is not None:  # no part for under_16 or unknown ages
                        part[0] += n if has else 0
                        part[1] += n
    figures = []
    for code, _who, fact, _broken_down in specs:
        registry, numerator, held = totals[code]
        measure = INDICATORS[code].population_measure
        figure = Figure(code=code, numerator=numerator, denominator=registry, denominator_source="registry",
                        registry_denominator=registry, held_back=held if fact == BASIC_SKILLS else None)
        if measure and measure in population:
            figure.denominator, figure.population_source = population[measure]
            figure.denominator_source = "population"
        if code in parts:
            breakdowns: dict[str, dict] = {"sex": {}, "age_group": {}, "priority_group": {}}
            for (kind, key), (num, den) in parts[code].items():
                breakdowns[kind][key] = {"numerator": num, "denominator": den}
            figure.breakdowns = breakdowns
        figures.append(figure)
    return figures


def _households_figure(subject: Subject, period: Period) -> Figure:
    rows = db.session.execute(select(HouseholdTally.flags, func.sum(HouseholdTally.households))
                              .where(_area(subject, HouseholdTally)).group_by(HouseholdTally.flags)).all()
    return _households_figure_of(rows, _population(subject, period.year))


def _households_figure_of(rows, population: dict[str, tuple[int, str]]) -> Figure:
    """Digital Family households from the roll-up's rows (flags, households)."""
    total = sum(int(n) for _f, n in rows)
    figure = Figure(code="digital_family.households", numerator=sum(int(n) for f, n in rows if f & DIGITAL_FAMILY),
                    denominator=total, denominator_source="registry", registry_denominator=total)
    if "households" in population:
        figure.denominator, figure.population_source = population["households"]
        figure.denominator_source = "population"
    figure.breakdowns = {"priority_group": {
        name: {"numerator": sum(int(n) for f, n in rows if f & bit and f & DIGITAL_FAMILY),
               "denominator": sum(int(n) for f, n in rows if f & bit)}
        for name, bit in PRIORITY_BITS.items() if bit != DISABILITY}}
    return figure


# --- support, visits, sessions, mentors -----------------------------------------------------------------


def _support_figures_area(subject: Subject, period: Period) -> list[Figure]:
    if subject.kind == "village":  # the counters are by commune; a village's quarter is a few thousand records
        return _support_figures_of(period, SupportRecord.commune_code == subject.commune_code,
                                   SupportRecord.village_id == subject.village_id)
    rows = db.session.execute(
        select(SupportTally.skill, SupportTally.channel, SupportTally.status, func.sum(SupportTally.records))
        .where(_area(subject, SupportTally), SupportTally.day >= period.first, SupportTally.day <= period.last)
        .group_by(SupportTally.skill, SupportTally.channel, SupportTally.status)).all()
    if period.reach_key is not None:
        people = db.session.scalar(select(func.coalesce(func.sum(ReachTally.people), 0)).where(
            _area(subject, ReachTally), ReachTally.period == period.reach_key))
    else:
        people = db.session.scalar(select(func.count(distinct(SupportRecord.person_id))).where(
            _area(subject, SupportRecord), *_support_in(period)))
    organisations = _organisations_supported(period, _area(subject, SupportRecord))
    return _support_figures(int(people or 0), [(s, c, st, int(n)) for s, c, st, n in rows], organisations)


def _organisations_supported(period: Period, *where) -> int:
    """Distinct organisations helped through one of their people (support naming an organisation: few
    records, found through ``ix_support_records_organisation_commune``)."""
    return int(db.session.scalar(select(func.count(distinct(SupportRecord.organisation_id))).where(
        SupportRecord.organisation_id.is_not(None), *where, *_support_in(period))) or 0)


def _support_in(period: Period, counted=True):
    where = [SupportRecord.supported_at >= period.starts_at, SupportRecord.supported_at < period.ends_before]
    if counted:
        where.append(SupportRecord.evidence_status == EvidenceStatus.counted)
    return where


def _support_figures(people: int, rows, organisations: int) -> list[Figure]:
    counted = [(s, c, n) for s, c, st, n in rows if _v(st) == EvidenceStatus.counted.value]
    held = sum(n for _s, _c, st, n in rows if _v(st) == EvidenceStatus.held.value)
    by_skill: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    for skill, channel, n in counted:
        by_skill[_v(skill)] = by_skill.get(_v(skill), 0) + n
        by_channel[_v(channel)] = by_channel.get(_v(channel), 0) + n
    return [Figure(code="support.people", numerator=people),
            Figure(code="support.organisations", numerator=organisations),
            Figure(code="support.records", numerator=sum(by_skill.values()), held_back=held,
                   breakdowns={"skill": dict(sorted(by_skill.items())), "channel": dict(sorted(by_channel.items()))})]


#: SQL: a record's channel, as the roll-ups' :func:`fieldapp.models.tallies.support_channel` says it.
_CHANNEL = case((and_(SupportRecord.source_kind == "session", exists().where(
    LearningSession.public_id == SupportRecord.source_id, LearningSession.kind == SessionKind.one_stop_desk)),
    literal(ONE_STOP_DESK)), else_=SupportRecord.source_kind)


def _support_figures_of(period: Period, *where) -> list[Figure]:
    rows = db.session.execute(
        select(SupportRecord.skill, _CHANNEL, SupportRecord.evidence_status, func.count())
        .where(*where, *_support_in(period, counted=False))
        .group_by(SupportRecord.skill, _CHANNEL, SupportRecord.evidence_status)).all()
    people = db.session.scalar(select(func.count(distinct(SupportRecord.person_id))).where(
        *where, *_support_in(period)))
    return _support_figures(int(people or 0), rows, _organisations_supported(period, *where))


def _visit_figures(rows) -> list[Figure]:
    """``rows``: (proof, status, visits)."""
    total = sum(n for _p, _s, n in rows)
    counted = [(p, n) for p, s, n in rows if _v(s) == EvidenceStatus.counted.value]
    proven = sum(n for p, n in counted if p != "none")
    flagged = sum(n for _p, s, n in rows if _v(s) != EvidenceStatus.counted.value)
    return [Figure(code="visits.count", numerator=sum(n for _p, n in counted), held_back=flagged),
            Figure(code="visits.proven", numerator=proven, denominator=total, denominator_source="records",
                   breakdowns={"proof": {p: sum(n for q, n in counted if q == p) for p in ("qr_plate", "gps")}}),
            Figure(code="visits.flagged", numerator=flagged, denominator=total, denominator_source="records",
                   breakdowns={"status": {s: sum(n for _p, t, n in rows if _v(t) == s) for s in ("held", "rejected")}})]


def _visits_area(subject: Subject, period: Period) -> list[Figure]:
    if subject.kind == "village":
        return _visits_of(period, Visit.commune_code == subject.commune_code,
                          Visit.household.has(village_id=subject.village_id))
    rows = db.session.execute(select(VisitTally.proof, VisitTally.status, func.sum(VisitTally.visits)).where(
        _communes(subject, VisitTally.commune_code), VisitTally.day >= period.first, VisitTally.day <= period.last)
        .group_by(VisitTally.proof, VisitTally.status)).all()
    return _visit_figures([(p, s, int(n)) for p, s, n in rows])


def _visits_of(period: Period, *where) -> list[Figure]:
    found: dict[tuple, int] = {}
    for flags, status in db.session.execute(select(Visit.flags, Visit.evidence_status).where(
            *where, Visit.visited_at >= period.starts_at, Visit.visited_at < period.ends_before)):
        key = (visit_proof(flags), _v(status))
        found[key] = found.get(key, 0) + 1
    return _visit_figures([(p, s, n) for (p, s), n in found.items()])


def _weeks(period: Period, today: date) -> list[date]:
    """The Mondays of the whole weeks (Monday to Sunday, Vietnam's days) inside the period, up to today."""
    monday = period.first + timedelta(days=(7 - period.first.weekday()) % 7)
    weeks = []
    while monday + timedelta(days=6) <= min(period.last, today):
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _session_figures(period: Period, *where, communes: list[str] | None = None,
                     villages: list[int] | None = None) -> list[Figure]:
    return _session_figures_of(period, _sessions_in(period, *where), communes=communes, villages=villages)


def _sessions_in(period: Period, *where) -> list:
    """(id, kind, commune, village, starts_at, attendance, held-back check-ins) of the sessions that start in
    the period. Each count is a subquery of its own session: an index lookup per session, so the cost is
    the period's sessions, whatever the history (a join let the planner scan every attendance since the
    start and hash it: 0.44 s of a province's quarter, growing with the history)."""
    attendance = (select(func.count()).select_from(SessionAttendee)
                  .where(SessionAttendee.session_id == LearningSession.id).scalar_subquery())
    held = (select(func.count()).select_from(CheckIn)
            .where(CheckIn.session_id == LearningSession.id, CheckIn.evidence_status == EvidenceStatus.held)
            .scalar_subquery())
    return db.session.execute(select(LearningSession.id, LearningSession.kind, LearningSession.commune_code,
                                     LearningSession.village_id, LearningSession.starts_at, attendance, held).where(
        *where, LearningSession.starts_at >= period.starts_at, LearningSession.starts_at < period.ends_before)).all()


def _session_figures_of(period: Period, sessions, *, communes: list[str] | None = None,
                        villages: list[int] | None = None) -> list[Figure]:
    """Sessions by kind, their attendance (held-back check-ins beside) and, for ``communes``, the whole
    weeks of the period without a weekly class (and the ``villages`` with such a week). ``sessions``:
    rows of :func:`_sessions_in`."""
    by_kind: dict[str, int] = {}
    weekly, weekly_villages, desks = set(), set(), set()
    weekly_kind, desk_kind = SessionKind.weekly_class.value, SessionKind.one_stop_desk.value
    attendance = held = 0
    for _id, kind, commune, village, starts_at, attended, held_back in sessions:  # a province's quarter: thousands
        attendance += attended
        held += held_back
        kind = _v(kind)
        by_kind[kind] = by_kind.get(kind, 0) + 1
        if kind == desk_kind:
            desks.add(commune)
        elif kind == weekly_kind and communes is not None:
            day = local_day(starts_at)
            monday = day - timedelta(days=day.weekday())
            weekly.add((commune, monday))
            if village is not None:
                weekly_villages.add((village, monday))
    figures = [Figure(code="sessions.count", numerator=len(sessions),
                      breakdowns={"kind": dict(sorted(by_kind.items()))}),
               Figure(code="sessions.attendance", numerator=attendance, held_back=held)]
    if communes is not None:
        weeks = _weeks(period, local_day(utcnow()))
        missing = {c: [w.isoformat() for w in weeks if (c, w) not in weekly] for c in communes}
        breakdowns = {"weeks": len(weeks),
                      "communes_with_a_missing_week": sorted(c for c, m in missing.items() if m),
                      "missing_by_commune": {c: m for c, m in sorted(missing.items()) if m}}
        if villages is not None:
            breakdowns["villages_with_a_missing_week"] = sorted(
                v for v in villages if any((v, w) not in weekly_villages for w in weeks))
        figures.append(Figure(code="weekly_class.missing_weeks", numerator=sum(len(m) for m in missing.values()),
                              breakdowns=breakdowns))
        without = sorted(set(communes) - desks)
        figures.append(Figure(code="one_stop_desk.missing_communes", numerator=len(without),
                              denominator=len(communes), denominator_source="registry",
                              registry_denominator=len(communes), breakdowns={"communes": without}))
    return figures


#: The network's reach: each mentee once, residents and volunteers alike.
_REACH = func.count(distinct(Mentorship.mentee_person_id)) + func.count(distinct(Mentorship.mentee_user_id))


def _mentor_figures(*where) -> list[Figure]:
    counts = counts_subquery(*where)
    rows = db.session.execute(select(counts.c.active, counts.c.completed)).all()
    reach = db.session.scalar(select(_REACH).where(Mentorship.status.in_(COUNTED), *where)) or 0
    completed = db.session.scalar(select(func.count()).select_from(Mentorship).where(
        Mentorship.status == MentorshipStatus.completed, *where)) or 0
    return _mentor_figures_of(rows, reach, completed)


def _mentor_figures_of(rows, reach: int, completed: int) -> list[Figure]:
    """The mentors' figures from their (active, completed) mentee counts (the ≥5 rule's)."""
    mentors = [int(a) + int(c) for a, c in rows]
    with_five = sum(1 for n in mentors if n >= MENTEES_PER_MENTOR_TARGET)
    return [Figure(code="mentors.count", numerator=len(mentors)),
            Figure(code="mentors.with_5_mentees", numerator=with_five, denominator=len(mentors),
                   denominator_source="registry", registry_denominator=len(mentors)),
            Figure(code="mentees.completed", numerator=int(completed)),
            Figure(code="network.reach", numerator=int(reach))]


# --- the sheet -------------------------------------------------------------------------------------------


def indicators_compute(subject: Subject, period: Period) -> Sheet:
    """Every indicator of ``subject`` in ``period``, each with its target for the period's year."""
    if subject.kind in ("province", "commune", "village"):
        _built_check(subject)
        communes = province_communes(subject.province_code) if subject.kind == "province" else [subject.commune_code]
        villages = None
        if subject.kind == "commune":
            villages = list(db.session.scalars(select(Village.id).where(Village.commune_code == subject.commune_code)
                                               .order_by(Village.id)))
        session_where = [_communes(subject, LearningSession.commune_code)]
        if subject.kind == "village":
            session_where.append(LearningSession.village_id == subject.village_id)
        # A mentorship belongs to its mentor's commune, not to a village: a village has no mentor figures.
        mentors = _mentor_figures(_communes(subject, Mentorship.commune_code)) if subject.kind != "village" else []
        figures = [*_people_figures(subject, period), _households_figure(subject, period), *mentors,
                   *_support_figures_area(subject, period), *_visits_area(subject, period),
                   *_session_figures(period, *session_where,
                                     communes=communes if subject.kind != "village" else None, villages=villages)]
    elif subject.kind == "team":
        figures = [*_support_figures_of(period, SupportRecord.team_id == subject.id),
                   *_visits_of(period, Visit.volunteer_id.in_(_team_members(subject.id))),
                   *_session_figures(period, LearningSession.team_id == subject.id)]
    elif subject.kind == "volunteer":
        figures = [*_support_figures_of(period, SupportRecord.helper_id == subject.id),
                   *_visits_of(period, Visit.volunteer_id == subject.id),
                   *_mentor_figures(Mentorship.mentor_user_id == subject.id)]
    else:
        figures = _organisation_figures(subject, period)
    return _sheet(subject, period, figures, targets_for(subject.unit_code, subject.province_code, period.year))


def _sheet(subject: Subject, period: Period, figures: list[Figure], targets: dict[str, Target]) -> Sheet:
    for figure in figures:
        figure.target = targets.get(_target_code(subject, figure.code))
    return Sheet(subject=subject, period=period, as_of=utcnow(), figures=figures)


def _built_check(subject: Subject) -> None:
    """The roll-ups of a database upgraded with records are filled once by ``fieldapp tallies rebuild``
    (README, "Upgrading"); until then an area with people but no tallied person answers 503, not zeros."""
    from fieldapp.errors import AppError
    from fieldapp.models.persons import Person

    counted = select(Person.id).where(_area(subject, Person), Person.erased_at.is_(None),
                                      Person.consent_withdrawn_at.is_(None)).limit(1)
    if db.session.scalar(counted) is not None and db.session.scalar(
            select(PersonTallyKey.person_id).where(_area(subject, PersonTallyKey, village=False)).limit(1)) is None:
        raise AppError("indicators.not_built")


def _target_code(subject: Subject, code: str) -> str:
    """An organisation's members are measured against their group's target: an agency's against the
    public staff's (their learning is mandatory: seed 003), an enterprise's against the workers'."""
    if code != "basic_skills.members":
        return code
    from fieldapp.models.organisations import PUBLIC_SECTOR_KINDS, OrganisationKind

    kind = OrganisationKind(subject.organisation_kind) if subject.organisation_kind else None
    if kind in PUBLIC_SECTOR_KINDS:
        return "basic_skills.public_staff"
    if kind in (OrganisationKind.enterprise, OrganisationKind.cooperative):
        return "basic_skills.enterprise_workers"
    return "basic_skills.pupils_students" if kind is not None else code


def _team_members(team_id: int):
    from fieldapp.models.teams import TeamMember
    return select(TeamMember.user_id).where(TeamMember.team_id == team_id)


def _organisation_figures(subject: Subject, period: Period) -> list[Figure]:
    """An organisation's members with the basic skills, by role (its staff must learn: seed 003)."""
    from fieldapp.models.organisations import OrganisationMember

    rows = db.session.execute(select(OrganisationMember.role, PersonTallyKey.facts, func.count())
                              .join(PersonTallyKey, PersonTallyKey.person_id == OrganisationMember.person_id)
                              .where(OrganisationMember.organisation_id == subject.id)
                              .group_by(OrganisationMember.role, PersonTallyKey.facts)).all()
    total = sum(n for _r, _f, n in rows)
    by_role = {}
    for role in sorted({_v(r) for r, _f, _n in rows}):
        by_role[role] = {"numerator": sum(n for r, f, n in rows if _v(r) == role and f & BASIC_SKILLS),
                         "denominator": sum(n for r, _f, n in rows if _v(r) == role)}
    members = Figure(code="basic_skills.members", numerator=sum(n for _r, f, n in rows if f & BASIC_SKILLS),
                     denominator=total, denominator_source="registry", registry_denominator=total,
                     held_back=sum(n for _r, f, n in rows if f & BASIC_SKILLS_HELD_BACK),
                     breakdowns={"role": by_role})
    support = _support_figures_of(period, SupportRecord.person_id.in_(
        select(OrganisationMember.person_id).where(OrganisationMember.organisation_id == subject.id)))
    return [members, *support]


# --- many subjects at once: every commune of a province, every team or volunteer of a list ------------


def indicators_by_commune(*, province_code: str, period: Period, breakdowns: bool = True) -> dict[str, Sheet]:
    """The sheet of every commune of a province, each exactly what :func:`indicators_compute` gives
    that commune (the same rules, run on the same rows), read in one grouped pass over each roll-up
    (``GROUP BY commune_code``): a dozen statements for the province's hundred communes, not a dozen
    for each of them. The rankings of communes and the public results read it, without the people's
    breakdowns (``breakdowns=False``: the people's roll-up is then grouped without sex and priority
    groups, a tenth of its rows, each figure's numerator and denominator the same)."""
    province = db.session.get(Unit, province_code)
    communes = db.session.execute(select(Unit.code, Unit.name).where(Unit.parent_code == province_code)
                                  .order_by(Unit.code)).all()
    codes = [code for code, _name in communes]
    area = Subject("province", province_code, province.name, province_code, province_code)
    _built_check(area)
    year = period.year
    population = _populations(codes, year)
    columns, grouping = _person_columns(year, breakdowns)
    people = _grouped(select(PersonTally.commune_code, *columns, func.sum(PersonTally.people))
                      .where(_area(area, PersonTally), PersonTally.people != 0)
                      .group_by(PersonTally.commune_code, *grouping))
    households = _grouped(select(HouseholdTally.commune_code, HouseholdTally.flags, func.sum(HouseholdTally.households))
                          .where(_area(area, HouseholdTally))
                          .group_by(HouseholdTally.commune_code, HouseholdTally.flags))
    in_mentorships = _communes(area, Mentorship.commune_code)
    counts = counts_subquery(in_mentorships, by_commune=True)
    mentors = _grouped(select(counts.c.commune_code, counts.c.active, counts.c.completed))
    reach = _by_key(select(Mentorship.commune_code, _REACH)
                        .where(Mentorship.status.in_(COUNTED), in_mentorships).group_by(Mentorship.commune_code))
    completed = _by_key(select(Mentorship.commune_code, func.count())
                            .where(Mentorship.status == MentorshipStatus.completed, in_mentorships)
                            .group_by(Mentorship.commune_code))
    support = _grouped(select(SupportTally.commune_code, SupportTally.skill, SupportTally.channel, SupportTally.status,
                              func.sum(SupportTally.records))
                       .where(_area(area, SupportTally), SupportTally.day >= period.first,
                              SupportTally.day <= period.last)
                       .group_by(SupportTally.commune_code, SupportTally.skill, SupportTally.channel,
                                 SupportTally.status))
    if period.reach_key is not None:
        reached = _by_key(select(ReachTally.commune_code, func.sum(ReachTally.people))
                              .where(_area(area, ReachTally), ReachTally.period == period.reach_key)
                              .group_by(ReachTally.commune_code))
    else:
        reached = _by_key(select(SupportRecord.commune_code, func.count(distinct(SupportRecord.person_id)))
                              .where(_area(area, SupportRecord), *_support_in(period))
                              .group_by(SupportRecord.commune_code))
    organisations = _by_key(select(SupportRecord.commune_code, func.count(distinct(SupportRecord.organisation_id)))
                            .where(SupportRecord.organisation_id.is_not(None), _area(area, SupportRecord),
                                   *_support_in(period)).group_by(SupportRecord.commune_code))
    visits = _grouped(select(VisitTally.commune_code, VisitTally.proof, VisitTally.status, func.sum(VisitTally.visits))
                      .where(_communes(area, VisitTally.commune_code), VisitTally.day >= period.first,
                             VisitTally.day <= period.last)
                      .group_by(VisitTally.commune_code, VisitTally.proof, VisitTally.status))
    sessions: dict[str, list] = {}
    for session in _sessions_in(period, _communes(area, LearningSession.commune_code)):
        sessions.setdefault(session[2], []).append(session)
    villages = _grouped(select(Village.commune_code, Village.id).where(_communes(area, Village.commune_code))
                        .order_by(Village.id))
    targets = targets_for_units(codes, province_code, year)
    sheets = {}
    for code, name in communes:
        figures = [*_people_figures_of(people.get(code, []), population[code], breakdowns),
                   _households_figure_of(households.get(code, []), population[code]),
                   *_mentor_figures_of(mentors.get(code, []), reach.get(code, 0), completed.get(code, 0)),
                   *_support_figures(reached.get(code, 0),
                                     [(k, c, st, int(n)) for k, c, st, n in support.get(code, [])],
                                     organisations.get(code, 0)),
                   *_visit_figures([(p, st, int(n)) for p, st, n in visits.get(code, [])]),
                   *_session_figures_of(period, sessions.get(code, []), communes=[code],
                                        villages=[v for (v,) in villages.get(code, [])])]
        sheets[code] = _sheet(Subject("commune", code, name, code, province_code, code), period, figures,
                              targets[code])
    return sheets


def indicators_by_team(*, team_ids: list[int], period: Period) -> dict[int, dict[str, Figure]]:
    """The support and visit figures of each team, by code, as :func:`indicators_compute` gives a team
    (its records; its members' visits), grouped by team in one pass each (the rankings read them)."""
    from fieldapp.models.teams import TeamMember

    support = _support_by(period, SupportRecord.team_id, team_ids)
    visits = _visits_by(period, TeamMember.team_id, team_ids,
                        join=(TeamMember, TeamMember.user_id == Visit.volunteer_id))
    return {i: {f.code: f for f in (*support[i], *visits[i])} for i in team_ids}


def indicators_by_volunteer(*, user_ids: list[int], period: Period) -> dict[int, dict[str, Figure]]:
    """The support and visit figures of each volunteer, by code, as :func:`indicators_compute` gives a
    volunteer (the records they helped with; their visits), grouped by volunteer in one pass each."""
    support = _support_by(period, SupportRecord.helper_id, user_ids)
    visits = _visits_by(period, Visit.volunteer_id, user_ids)
    return {i: {f.code: f for f in (*support[i], *visits[i])} for i in user_ids}


def _grouped(query) -> dict:
    """The rows of ``query`` by their first column, each without it."""
    found: dict = {}
    for row in db.session.execute(query):
        found.setdefault(row[0], []).append(tuple(row[1:]))
    return found


def _by_key(query) -> dict[str, int]:
    return {key: int(value or 0) for key, value in db.session.execute(query)}


#: Ids per ``IN`` list: SQLite's old limit of parameters is 999.
_CHUNK = 900


def _chunks(ids: list[int]):
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def _support_by(period: Period, column, ids: list[int]) -> dict[int, list[Figure]]:
    rows: dict[int, list] = {}
    people: dict[int, int] = {}
    organisations: dict[int, int] = {}
    for chunk in _chunks(ids):
        for key, rest in _grouped(select(column, SupportRecord.skill, _CHANNEL, SupportRecord.evidence_status,
                                         func.count())
                                  .where(column.in_(chunk), *_support_in(period, counted=False))
                                  .group_by(column, SupportRecord.skill, _CHANNEL,
                                            SupportRecord.evidence_status)).items():
            rows[key] = rest
        people.update(_by_key(select(column, func.count(distinct(SupportRecord.person_id)))
                              .where(column.in_(chunk), *_support_in(period)).group_by(column)))
        organisations.update(_by_key(select(column, func.count(distinct(SupportRecord.organisation_id)))
                                     .where(column.in_(chunk), SupportRecord.organisation_id.is_not(None),
                                            *_support_in(period)).group_by(column)))
    return {i: _support_figures(people.get(i, 0), rows.get(i, []), organisations.get(i, 0)) for i in ids}


def _visits_by(period: Period, column, ids: list[int], join=None) -> dict[int, list[Figure]]:
    found: dict[int, dict[tuple, int]] = {}
    for chunk in _chunks(ids):
        query = select(column, Visit.flags, Visit.evidence_status)
        if join is not None:
            query = query.join(*join)
        for key, flags, status in db.session.execute(query.where(
                column.in_(chunk), Visit.visited_at >= period.starts_at, Visit.visited_at < period.ends_before)):
            counts = found.setdefault(key, {})
            proof = (visit_proof(flags), _v(status))
            counts[proof] = counts.get(proof, 0) + 1
    return {i: _visit_figures([(p, s, n) for (p, s), n in found.get(i, {}).items()]) for i in ids}


# --- whose indicators -------------------------------------------------------------------------------------


def indicator_subject(*, caller, unit: str | None = None, village_id: int | None = None,
                      organisation_id: int | None = None, team_id: int | None = None,
                      volunteer_id: int | None = None) -> Subject:
    """The subject one of the arguments names, looked up through the caller's area exactly as a read of
    it would be (another area's is not found, as a made-up one); none named: the caller's own area."""
    from fieldapp.auth.scope import unit_in_scope
    from fieldapp.errors import AppError
    from fieldapp.models.units import UnitLevel
    from fieldapp.selectors.organisations import organisation_get
    from fieldapp.selectors.teams import team_get
    from fieldapp.selectors.users import user_get
    from fieldapp.selectors.villages import village_get

    named = [n for n, v in (("unit", unit), ("village_id", village_id), ("organisation_id", organisation_id),
                            ("team_id", team_id), ("volunteer_id", volunteer_id)) if v is not None]
    if len(named) > 1:
        raise AppError("indicators.one_subject", errors={name: ["name one subject only"] for name in named})
    if village_id is not None:
        village = village_get(caller=caller, village_id=village_id)
        commune = db.session.get(Unit, village.commune_code)
        return Subject("village", village.id, village.name, commune.code, commune.parent_code, commune.code, village.id)
    if organisation_id is not None:
        organisation = organisation_get(caller=caller, organisation_id=organisation_id)
        held = db.session.get(Unit, organisation.unit_code)
        return Subject("organisation", organisation.id, organisation.name, held.code, held.parent_code or held.code,
                       organisation_kind=_v(organisation.kind))
    if team_id is not None:
        team = team_get(caller=caller, team_id=team_id)
        commune = db.session.get(Unit, team.commune_code)
        return Subject("team", team.id, team.name, commune.code, commune.parent_code, commune.code)
    if volunteer_id is not None:
        user = user_get(caller=caller, user_id=volunteer_id)
        commune = db.session.get(Unit, user.unit_code) if user.unit_code else None
        if commune is None or commune.level != UnitLevel.commune:
            raise AppError("user.not_found")
        return Subject("volunteer", user.id, user.full_name, commune.code, commune.parent_code, commune.code)
    code = unit or caller.unit_code
    if code is None:
        raise AppError("indicators.unit_required", errors={"unit": ["required: name a province or a commune"]})
    found = unit_in_scope(caller, code)
    if found is None:
        raise AppError("indicators.unit_required", errors={"unit": ["name a province or a commune"]})
    if found.level == UnitLevel.province:
        return Subject("province", found.code, found.name, found.code, found.code)
    return Subject("commune", found.code, found.name, found.code, found.parent_code, found.code)
