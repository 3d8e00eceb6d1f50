"""Rankings and emulation (issue 17, item 4): the communes of a province, the teams of a commune, the
volunteers and the Digital Ambassadors of a commune or a province, ranked on weighted criteria that are
data (fieldapp/models/rankings.py: the criteria, scales, default weights, classes and ties), each
criterion's value and score shown beside each item.

The values are the indicators' own (fieldapp/selectors/indicators.py), read for all the items at once:
the communes' in one grouped pass over the roll-ups (``indicators_by_commune``), the teams' and the
volunteers' grouped by team or helper, the ambassadors' from the ≥5 rule's counts
(``counts_subquery``). Flows count the period's days, states (skills, Digital Families, mentees) are as
they stand, as in the indicators.

Everything of the unit is ranked, so that a rank means the same to everyone; each caller is shown the
items they may read (a volunteer their own row, a leader their team's, officers all), with how many
were ranked.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import field_user_clause, unit_in_scope
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.ambassadors import Ambassador
from fieldapp.models.mentorships import Mentorship
from fieldapp.models.rankings import (
    CLASSES,
    CRITERIA,
    DEFAULT_THRESHOLDS,
    LEVEL_UNITS,
    LEVELS,
    THRESHOLD_CLASSES,
    Criterion,
    RankingThreshold,
    RankingWeight,
)
from fieldapp.models.teams import Team
from fieldapp.models.units import Unit, UnitLevel
from fieldapp.models.users import Role, User
from fieldapp.periods import Period
from fieldapp.selectors.indicators import (
    Figure,
    indicators_by_commune,
    indicators_by_team,
    indicators_by_volunteer,
)
from fieldapp.selectors.mentorships import MenteeCounts, counts_subquery
from fieldapp.selectors.teams import team_list_query

#: The accounts ranked as volunteers: those who go door to door (leaders too).
FIELD_ROLES = (Role.volunteer, Role.team_leader)


# --- the scheme: criteria, weights, classes ---------------------------------------------------------------


@dataclass(frozen=True)
class Weighted:
    criterion: Criterion
    weight: float


@dataclass(frozen=True)
class Scheme:
    """What a level is ranked on in a province: its criteria with their weights, its classes' thresholds,
    and where each comes from (``national``: the defaults; else the province's code, with its source)."""

    level: str
    criteria: tuple[Weighted, ...]
    thresholds: dict[str, float]
    criteria_origin: str = "national"
    thresholds_origin: str = "national"
    source: str | None = None

    def class_of(self, score: float) -> str:
        """The class a score is in: the best whose threshold it reaches (at it is in it)."""
        return next((code for code in THRESHOLD_CLASSES if score >= self.thresholds[code]), CLASSES[-1][0])


def ranking_scheme_get(*, province_code: str, level: str) -> Scheme:
    """The scheme that applies to ``level`` in a province: its own criteria and weights, else the
    defaults; its own thresholds, else the defaults (each part apart)."""
    weights = list(db.session.scalars(select(RankingWeight).where(RankingWeight.unit_code == province_code,
                                                                  RankingWeight.level == level)))
    thresholds = list(db.session.scalars(select(RankingThreshold).where(
        RankingThreshold.unit_code == province_code, RankingThreshold.level == level)))
    if weights:
        own = {w.criterion: w.weight for w in weights}
        # in the level's own order, whatever order they were set in
        criteria = tuple(Weighted(c, own[c.code]) for c, _default in CRITERIA[level] if c.code in own)
    else:
        criteria = tuple(Weighted(c, float(default)) for c, default in CRITERIA[level])
    sources = [row.source for row in (*weights, *thresholds)]
    own_thresholds = {t.class_code: t.min_score for t in thresholds}
    return Scheme(level=level, criteria=criteria, thresholds=own_thresholds or dict(DEFAULT_THRESHOLDS),
                  criteria_origin=province_code if weights else "national",
                  thresholds_origin=province_code if thresholds else "national",
                  source=sources[0] if sources else None)


# --- scoring and ordering (no database) -------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A criterion's value for one item: a share (with its numerator and denominator) or a count."""

    value: float | int | None
    numerator: int | None = None
    denominator: int | None = None


@dataclass(frozen=True)
class Scored:
    code: str
    value: float | int | None
    numerator: int | None
    denominator: int | None
    score: float


@dataclass(frozen=True)
class Candidate:
    """Something to rank: its key (a commune's code, a team's or an account's id), name and values."""

    key: str | int
    name: str
    values: dict[str, Value]


@dataclass(frozen=True)
class Ranked:
    key: str | int
    name: str
    rank: int
    score: float
    class_code: str
    criteria: tuple[Scored, ...]


def _criterion_score(criterion: Criterion, value: Value, best: float) -> float:
    if value.value is None:
        return 0.0
    if criterion.scale == "share":
        return round(100 * value.value, 2)
    if criterion.scale == "goal":
        return round(100 * min(1.0, value.value / criterion.goal), 2)
    return round(100 * value.value / best, 2) if best else 0.0


def ranking_order(candidates: list[Candidate], scheme: Scheme) -> list[Ranked]:
    """Score, rank and class every candidate: each criterion scored 0–100 by its scale, the item's score
    their mean weighted by the scheme (2 decimals); equal scores share a rank, listed by key."""
    best = {w.criterion.code: max((c.values[w.criterion.code].value or 0 for c in candidates), default=0)
            for w in scheme.criteria}
    total_weight = sum(w.weight for w in scheme.criteria)
    scored = []
    for candidate in candidates:
        criteria = []
        for weighted in scheme.criteria:
            value = candidate.values[weighted.criterion.code]
            criteria.append(Scored(weighted.criterion.code, value.value, value.numerator, value.denominator,
                                   _criterion_score(weighted.criterion, value, best[weighted.criterion.code])))
        score = round(sum(w.weight * s.score for w, s in zip(scheme.criteria, criteria, strict=True))
                      / total_weight, 2) if total_weight else 0.0
        scored.append((candidate, score, tuple(criteria)))
    scored.sort(key=lambda item: (-item[1], item[0].key))
    ranked = []
    for position, (candidate, score, criteria) in enumerate(scored):
        rank = ranked[-1].rank if ranked and ranked[-1].score == score else position + 1
        ranked.append(Ranked(candidate.key, candidate.name, rank, score, scheme.class_of(score), criteria))
    return ranked


# --- the values of each level ------------------------------------------------------------------------------


def _share(figure: Figure) -> Value:
    return Value(figure.share, figure.numerator, figure.denominator)


def _count(figure: Figure) -> Value:
    return Value(figure.numerator)


def weekly_held(figure: Figure) -> Value:
    """The share of the period's whole weeks in which the commune held its weekly class (the indicator
    counts the weeks without: ``weekly_class.missing_weeks``)."""
    weeks = figure.breakdowns.get("weeks", 0)
    held = weeks - figure.numerator
    return Value(round(held / weeks, 4) if weeks else None, held, weeks)


def commune_values(figures: dict[str, Figure]) -> dict[str, Value]:
    """A commune's value of every communes' criterion, from its indicators."""
    return {"basic_skills.adults": _share(figures["basic_skills.adults"]),
            "digital_family.households": _share(figures["digital_family.households"]),
            "vneid_confirmed.adults": _share(figures["vneid_confirmed.adults"]),
            "weekly_class.held": weekly_held(figures["weekly_class.missing_weeks"]),
            "visits.proven": _share(figures["visits.proven"])}


def _activity_values(figures: dict[str, Figure]) -> dict[str, Value]:
    return {"support.people": _count(figures["support.people"]), "support.records": _count(figures["support.records"]),
            "visits.proven": _share(figures["visits.proven"])}


def commune_candidates(sheets: dict) -> list[Candidate]:
    """The communes to rank, from their sheets (``indicators_by_commune``)."""
    return [Candidate(code, sheet.subject.name, commune_values({f.code: f for f in sheet.figures}))
            for code, sheet in sheets.items()]


def _commune_candidates(unit: Unit, period: Period) -> list[Candidate]:
    return commune_candidates(indicators_by_commune(province_code=unit.code, period=period, breakdowns=False))


def _communes_of(unit: Unit, column):
    if unit.level == UnitLevel.province:
        return column.in_(select(Unit.code).where(Unit.parent_code == unit.code))
    return column == unit.code


def _team_candidates(unit: Unit, period: Period) -> list[Candidate]:
    teams = db.session.execute(select(Team.id, Team.name).where(Team.commune_code == unit.code)
                               .order_by(Team.id)).all()
    figures = indicators_by_team(team_ids=[t for t, _n in teams], period=period)
    return [Candidate(team_id, name, _activity_values(figures[team_id])) for team_id, name in teams]


def _volunteer_candidates(unit: Unit, period: Period) -> list[Candidate]:
    users = db.session.execute(select(User.id, User.full_name).where(
        _communes_of(unit, User.unit_code), User.role.in_(FIELD_ROLES), User.is_active.is_(True))
        .order_by(User.id)).all()
    figures = indicators_by_volunteer(user_ids=[u for u, _n in users], period=period)
    return [Candidate(user_id, name, _activity_values(figures[user_id])) for user_id, name in users]


def _ambassador_candidates(unit: Unit, _period: Period) -> list[Candidate]:
    counts = counts_subquery(_communes_of(unit, Mentorship.commune_code))
    rows = db.session.execute(
        select(Ambassador.user_id, User.full_name, func.coalesce(counts.c.active, 0),
               func.coalesce(counts.c.completed, 0))
        .join(User, User.id == Ambassador.user_id).outerjoin(counts, counts.c.user_id == Ambassador.user_id)
        .where(_communes_of(unit, Ambassador.commune_code)).order_by(Ambassador.user_id)).all()
    candidates = []
    for user_id, name, active, completed in rows:
        mentees = MenteeCounts(active=int(active), completed=int(completed))
        candidates.append(Candidate(user_id, name, {"mentees.counted": Value(mentees.counted),
                                                    "mentees.completed": Value(mentees.completed)}))
    return candidates


_CANDIDATES = {"communes": _commune_candidates, "teams": _team_candidates, "volunteers": _volunteer_candidates,
               "ambassadors": _ambassador_candidates}


def _visible(caller: Caller, unit: Unit, level: str, keys: list) -> set:
    """The items of the ranking the caller may read (every one is ranked)."""
    if level == "communes":
        return set(keys)
    if level == "teams":
        return set(db.session.scalars(team_list_query(caller=caller, commune_code=unit.code)
                                      .with_only_columns(Team.id)))
    return set(db.session.scalars(select(User.id).where(_communes_of(unit, User.unit_code),
                                                        field_user_clause(caller, User.id, User.unit_code))))


# --- the ranking -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranking:
    unit: Unit
    level: str
    period: Period
    as_of: datetime
    scheme: Scheme
    #: How many were ranked (the whole unit).
    ranked: int
    #: Those of them the caller may read, in rank order.
    items: list[Ranked]


def ranking_unit(*, caller: Caller, unit: str | None, level: str) -> Unit:
    """The unit a ranking of ``level`` is asked of: named, else the caller's own; in the caller's area
    (else not found) and of the level's kind (communes rank within a province, teams within a commune)."""
    if level not in LEVELS:
        raise AppError("request.invalid", errors={"level": [f"one of {', '.join(LEVELS)}"]})
    kinds = LEVEL_UNITS[level]
    code = unit or caller.unit_code
    if code is None:
        raise AppError("ranking.unit_invalid", level=level, errors={"unit": [f"required: a {' or a '.join(kinds)}"]})
    found = unit_in_scope(caller, code)
    if found is None or found.level.value not in kinds:
        raise AppError("ranking.unit_invalid", level=level,
                       errors={"unit": [f"{level} are ranked within a {' or a '.join(kinds)}"]})
    return found


def ranking_compute(*, caller: Caller, unit: str | None, level: str, period: Period) -> Ranking:
    """The ranking of ``level`` in a unit of the caller's area, for ``period``, on its province's scheme."""
    found = ranking_unit(caller=caller, unit=unit, level=level)
    scheme = ranking_scheme_get(province_code=found.parent_code or found.code, level=level)
    ranked = ranking_order(_CANDIDATES[level](found, period), scheme)
    visible = _visible(caller, found, level, [r.key for r in ranked])
    return Ranking(unit=found, level=level, period=period, as_of=utcnow(), scheme=scheme, ranked=len(ranked),
                   items=[r for r in ranked if r.key in visible])
