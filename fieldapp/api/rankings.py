"""Rankings and emulation: the communes of a province, the teams of a commune, its volunteers and Digital
Ambassadors, ranked on weighted criteria shown beside each item; a province's own scheme."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldapp.api.indicators import PERIODS, PeriodOut, period_arg
from fieldapp.api.schemas import Text
from fieldapp.auth.access import current_caller, requires
from fieldapp.auth.declaration import reads
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.rankings import CLASS_NAMES, CLASSES, CRITERIA, LEVELS, THRESHOLD_CLASSES
from fieldapp.periods import PERIOD_PATTERN
from fieldapp.replicas.operations import replica_read
from fieldapp.selectors.population import population_unit_get
from fieldapp.selectors.rankings import ranking_compute, ranking_scheme_get
from fieldapp.services.rankings import ranking_scheme_set

blp = Blueprint("rankings", __name__, url_prefix="/api/v1",
                description="Rankings and emulation (thi đua) on weighted criteria; a province's own scheme.")

SCALES = ("`share`: a share 0–1 times 100 (none: 0); `goal`: the value against `goal`, at most 100; `best`: "
          "against the best value among those ranked together (it scores 100)")
TIES = ("equal scores share a rank (1, 2, 2, 4), listed by commune code, team id or account id; the score is the "
        "criteria's scores averaged by their weights, 2 decimals")


class RankingQuery(Schema):
    level = fields.String(required=True, validate=validate.OneOf(LEVELS), metadata={
        "description": "`communes` (of a province), `teams` (of a commune), `volunteers` or `ambassadors` "
                       "(of a commune or a province)"})
    period = fields.String(required=True, validate=[validate.Length(max=32), validate.Regexp(PERIOD_PATTERN)],
                           metadata={"description": PERIODS})
    unit = fields.String(load_default=None, validate=validate.Regexp(r"^\d{2}(\d{3})?$"), metadata={
        "description": "a province (2 digits) or a commune (5 digits) of my area; none: my own area"})


class CriterionOut(Schema):
    code = fields.String(required=True, metadata={"description": "the criterion (an indicator's code where it is one)"})
    name = fields.String(required=True, metadata={"description": "its Vietnamese name"})
    scale = fields.String(required=True, validate=validate.OneOf(["share", "goal", "best"]),
                          metadata={"description": SCALES})
    goal = fields.Integer(required=True, allow_none=True)
    weight = fields.Float(required=True)


class ClassOut(Schema):
    code = fields.String(required=True, validate=validate.OneOf([c for c, _n in CLASSES]))
    name = fields.String(required=True, metadata={"description": "its Vietnamese name"})
    min_score = fields.Float(required=True, allow_none=True, metadata={
        "description": "the lowest score in the class (a score at it is in it); null: below the others"})


class SchemeOut(Schema):
    level = fields.String(required=True)
    criteria = fields.List(fields.Nested(CriterionOut), required=True)
    classes = fields.List(fields.Nested(ClassOut), required=True)
    criteria_origin = fields.String(required=True, metadata={
        "description": "`national` (the defaults) or the code of the province that set its own"})
    thresholds_origin = fields.String(required=True)
    source = fields.String(required=True, allow_none=True, metadata={"description": "the province's guideline"})


class ScoredOut(Schema):
    code = fields.String(required=True)
    value = fields.Float(required=True, allow_none=True, metadata={
        "description": "a share 0–1 or a count; null: nothing to divide by"})
    numerator = fields.Integer(required=True, allow_none=True)
    denominator = fields.Integer(required=True, allow_none=True)
    score = fields.Float(required=True, metadata={"description": "0–100, by the criterion's scale"})


class RankedOut(Schema):
    id = fields.String(required=True, metadata={"description": "a commune's code, a team's or an account's id"})
    name = fields.String(required=True)
    rank = fields.Integer(required=True)
    score = fields.Float(required=True, metadata={"description": TIES})
    class_code = fields.String(required=True, data_key="class", validate=validate.OneOf([c for c, _n in CLASSES]))
    class_name = fields.String(required=True)
    criteria = fields.List(fields.Nested(ScoredOut), required=True, metadata={
        "description": "each criterion of the scheme, in its order: value and score"})


class RankingUnitOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True)


class RankingOut(Schema):
    unit = fields.Nested(RankingUnitOut, required=True)
    level = fields.String(required=True)
    period = fields.Nested(PeriodOut, required=True)
    as_of = fields.DateTime(required=True)
    scheme = fields.Nested(SchemeOut, required=True)
    total = fields.Integer(required=True, metadata={"description": "how many were ranked: the whole unit"})
    items = fields.List(fields.Nested(RankedOut), required=True, metadata={
        "description": "those I may read, in rank order (a volunteer: their own; a leader: their team's)"})


def scheme_out(scheme) -> dict:
    return {"level": scheme.level,
            "criteria": [{"code": w.criterion.code, "name": w.criterion.name, "scale": w.criterion.scale,
                          "goal": w.criterion.goal, "weight": w.weight} for w in scheme.criteria],
            "classes": [{"code": code, "name": name, "min_score": scheme.thresholds.get(code)}
                        for code, name in CLASSES],
            "criteria_origin": scheme.criteria_origin, "thresholds_origin": scheme.thresholds_origin,
            "source": scheme.source}


def ranked_out(item) -> dict:
    return {"id": str(item.key), "name": item.name, "rank": item.rank, "score": item.score,
            "class_code": item.class_code, "class_name": CLASS_NAMES[item.class_code],
            "criteria": [{"code": c.code, "value": c.value, "numerator": c.numerator, "denominator": c.denominator,
                          "score": c.score} for c in item.criteria]}


@blp.route("/rankings", methods=["GET"])
@requires("ranking.read", personal_data=reads("ranking"))
@replica_read
@blp.arguments(RankingQuery, location="query")
@blp.response(200, RankingOut)
def rankings(args):
    """The ranking of the communes, teams, volunteers or ambassadors of a unit of my area in a period, each
    criterion's weight, value and score beside each item, and its completion class."""
    period = period_arg(args["period"])
    ranking = ranking_compute(caller=current_caller(), unit=args["unit"], level=args["level"], period=period)
    unit = ranking.unit
    return {"unit": {"code": unit.code, "name": unit.name, "level": unit.level.value}, "level": ranking.level,
            "period": ranking.period, "as_of": ranking.as_of, "scheme": scheme_out(ranking.scheme),
            "total": ranking.ranked, "items": [ranked_out(item) for item in ranking.items]}


class WeightIn(Schema):
    criterion = fields.String(required=True, validate=validate.OneOf(
        sorted({c.code for level in CRITERIA.values() for c, _w in level})), metadata={
        "description": "a criterion of the level (GET /rankings shows each level's)"})
    weight = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0, max=1000, min_inclusive=False))


class ThresholdsIn(Schema):
    excellent = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0, max=100))
    good = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0, max=100))
    done = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0, max=100))


class SchemeIn(Schema):
    criteria = fields.List(fields.Nested(WeightIn), required=True, validate=validate.Length(max=10), metadata={
        "description": "the criteria to rank on, each with its weight (those left out are not used); "
                       "`[]`: the defaults again"})
    thresholds = fields.Nested(ThresholdsIn, load_default=None, allow_none=True, metadata={
        "description": "the lowest score of each class, decreasing; null or left out: the defaults again"})
    source = Text(load_default=None, allow_none=True, max_length=200, metadata={
        "description": "the guideline's number and date (hướng dẫn thi đua); required unless resetting both"})


@blp.route("/units/<code>/rankings/<level>", methods=["PUT"])
@requires("ranking.set", personal_data="write")
@blp.arguments(SchemeIn)
@blp.response(200, SchemeOut)
def unit_ranking_put(body, code, level):
    """Set a province's own ranking scheme for a level (its officers): the criteria's weights and the classes'
    thresholds; it ranks the province's communes, teams and people alike."""
    if level not in LEVELS:
        raise AppError("http.not_found")
    caller = current_caller()
    unit = population_unit_get(caller=caller, code=code)
    ranking_scheme_set(caller=caller, unit=unit, level=level, criteria=body["criteria"],
                       thresholds=None if body["thresholds"] is None else
                       {c: body["thresholds"][c] for c in THRESHOLD_CLASSES}, source=body["source"])
    db.session.commit()
    return scheme_out(ranking_scheme_get(province_code=unit.code, level=level))
