"""Indicators against targets for an area, an organisation, a team or a volunteer, and the targets a
province or a commune sets for them."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldapp.api.schemas import Id, Integer, Text
from fieldapp.auth.access import current_caller, requires
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.indicators import INDICATORS
from fieldapp.periods import PERIOD_PATTERN, PeriodError, period_parse
from fieldapp.replicas.operations import replica_read
from fieldapp.selectors.indicators import indicator_subject, indicators_compute, targets_for
from fieldapp.selectors.population import population_unit_get
from fieldapp.services.targets import targets_set

blp = Blueprint("indicators", __name__, url_prefix="/api/v1",
                description="Indicators against targets; the targets of provinces and communes.")

PERIODS = ("`2026-09` (a month), `2026-Q3` (a calendar quarter), `2026-R3` (a reporting quarter: from the 10th of "
           "the previous quarter's last month to the 9th of this one's, the days the quarterly report covers), "
           "`2026` (a year), `phase-1` (2025–2027) or `phase-2` (2027–2030), or `2026-07-01..2026-08-15` "
           "(Vietnam's days, both included, at most three years)")


class IndicatorQuery(Schema):
    period = fields.String(required=True, validate=[validate.Length(max=32), validate.Regexp(PERIOD_PATTERN)],
                           metadata={"description": PERIODS})
    unit = fields.String(load_default=None, validate=validate.Regexp(r"^\d{2}(\d{3})?$"), metadata={
        "description": "a province (2 digits) or a commune (5 digits) of my area; with no subject: my own area"})
    village_id = Id(load_default=None)
    organisation_id = Id(load_default=None)
    team_id = Id(load_default=None)
    volunteer_id = Id(load_default=None)


class TargetOut(Schema):
    share = fields.Float(required=True, allow_none=True, metadata={"description": "0 to 1; null: a head count"})
    head_count = Integer(required=True, allow_none=True)
    origin = fields.String(required=True, metadata={
        "description": "`national` (the plans' default) or the code of the province or commune that set it"})
    source = fields.String(required=True)


class IndicatorFigureOut(Schema):
    code = fields.String(required=True, metadata={"description": "the indicator (GET /indicators/catalogue)"})
    name = fields.String(required=True, metadata={"description": "its Vietnamese name"})
    kind = fields.String(required=True, validate=validate.OneOf(["share", "count"]))
    numerator = Integer(required=True, metadata={"description": "counted evidence only"})
    denominator = Integer(required=True, allow_none=True, metadata={"description": "null for a count"})
    denominator_source = fields.String(required=True, allow_none=True, metadata={
        "description": "`registry` (the people or households registered here), `population` (the unit's "
                       "population figure for the year: GET /units/{code}/population) or `records` (visits)"})
    registry_denominator = Integer(required=True, allow_none=True, metadata={
        "description": "the registry's own count, shown beside a population denominator so the gap is visible"})
    population_source = fields.String(required=True, allow_none=True)
    share = fields.Float(required=True, allow_none=True, metadata={"description": "numerator / denominator"})
    target = fields.Nested(TargetOut, required=True, allow_none=True)
    gap = fields.Float(required=True, allow_none=True, metadata={
        "description": "what is left to the target: share points (0.2 = 20 points) or a head count; 0: reached"})
    reached = fields.Boolean(required=True, allow_none=True)
    held_back = Integer(required=True, allow_none=True, metadata={
        "description": "how many more it would be if the evidence held back (flagged, not yet reviewed) counted: "
                       "shown, never counted"})
    breakdowns = fields.Dict(required=True, metadata={
        "description": "by sex, age group (16-17, 18-35, 36-59, 60+), priority group (disability, "
                       "ethnic_minority, poor_household, remote_area, elderly), skill, channel, proof, kind or role, "
                       "each a count or {numerator, denominator}"})


class SubjectOut(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(
        ["province", "commune", "village", "organisation", "team", "volunteer"]))
    id = fields.String(required=True)
    name = fields.String(required=True)
    unit_code = fields.String(required=True, metadata={"description": "whose targets and population apply"})


class PeriodOut(Schema):
    name = fields.String(required=True)
    kind = fields.String(required=True)
    first = fields.Date(required=True)
    last = fields.Date(required=True)


class SheetOut(Schema):
    subject = fields.Nested(SubjectOut, required=True)
    period = fields.Nested(PeriodOut, required=True)
    as_of = fields.DateTime(required=True, metadata={
        "description": "when it was computed: flows count the period's days, states (skills, Digital Families, "
                       "mentors) are as they stand at `as_of`"})
    figures = fields.List(fields.Nested(IndicatorFigureOut), required=True)


class CatalogueItem(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    topic = fields.String(required=True)
    kind = fields.String(required=True)


def sheet_out(sheet) -> dict:
    subject = sheet.subject
    return {"subject": {"kind": subject.kind, "id": str(subject.id), "name": subject.name,
                        "unit_code": subject.unit_code},
            "period": sheet.period, "as_of": sheet.as_of,
            "figures": [{"code": f.code, "name": f.name, "kind": f.kind, "numerator": f.numerator,
                         "denominator": f.denominator, "denominator_source": f.denominator_source,
                         "registry_denominator": f.registry_denominator, "population_source": f.population_source,
                         "share": f.share, "target": f.target, "gap": f.gap, "reached": f.reached,
                         "held_back": f.held_back, "breakdowns": f.breakdowns} for f in sheet.figures]}


def period_arg(text: str):
    """A period the schema's pattern let through, read; what the shape cannot say (a day that does not
    exist, a range backwards or too long) is 422 ``period.invalid``."""
    try:
        return period_parse(text)
    except PeriodError:
        raise AppError("period.invalid", errors={"period": [PERIODS]}) from None


@blp.route("/indicators", methods=["GET"])
@requires("indicator.read", personal_data="none")
@replica_read
@blp.arguments(IndicatorQuery, location="query")
@blp.response(200, SheetOut)
def indicators(args):
    """Every indicator of an area (province, commune, village), an organisation, a team or a volunteer of my
    area, in a period, against its target: aggregates only, counted evidence only, held back beside."""
    period = period_arg(args.pop("period"))
    subject = indicator_subject(caller=current_caller(), **args)
    return sheet_out(indicators_compute(subject, period))


@blp.route("/indicators/catalogue", methods=["GET"])
@requires("indicator.read", personal_data="none")
@blp.response(200, CatalogueItem(many=True))
def indicator_catalogue():
    """The indicators, in the report's order."""
    return [{"code": d.code, "name": d.name, "topic": d.topic, "kind": d.kind} for d in INDICATORS.values()]


class TargetIn(Schema):
    indicator = fields.String(required=True, validate=validate.OneOf(list(INDICATORS)))
    share = fields.Float(load_default=None, allow_none=True, allow_nan=False, validate=validate.Range(min=0, max=1))
    head_count = Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    source = Text(load_default=None, allow_none=True, max_length=200, metadata={
        "description": "the plan's number and date; required unless removing"})



class TargetsIn(Schema):
    targets = fields.List(fields.Nested(TargetIn), required=True, validate=validate.Length(min=1, max=len(INDICATORS)))


class UnitTargetOut(Schema):
    indicator = fields.String(required=True)
    name = fields.String(required=True)
    target = fields.Nested(TargetOut, required=True, allow_none=True, metadata={
        "description": "the target that applies: the unit's own, its province's, or the national default"})


class UnitTargetsOut(Schema):
    unit_code = fields.String(required=True)
    year = Integer(required=True)
    targets = fields.List(fields.Nested(UnitTargetOut), required=True)


class YearQuery(Schema):
    year = Integer(required=True, validate=validate.Range(min=2024, max=2035))


def _targets_out(unit, year):
    applying = targets_for(unit.code, unit.parent_code, year)
    return {"unit_code": unit.code, "year": year,
            "targets": [{"indicator": code, "name": d.name, "target": applying.get(code)}
                        for code, d in INDICATORS.items()]}


@blp.route("/units/<code>/targets", methods=["GET"])
@requires("indicator.read", personal_data="none")
@blp.arguments(YearQuery, location="query")
@blp.response(200, UnitTargetsOut)
def unit_targets(args, code):
    """The targets that apply to a province or commune of my area in a year, each with where it comes from."""
    return _targets_out(population_unit_get(caller=current_caller(), code=code), args["year"])


@blp.route("/units/<code>/targets/<int(max=2147483647):year>", methods=["PUT"])
@requires("target.set", personal_data="write")
@blp.arguments(TargetsIn)
@blp.response(200, UnitTargetsOut)
def unit_targets_put(body, code, year):
    """Set a province's or commune's own targets for a year (officers of its area); a target with neither
    share nor head count removes the unit's own, and the province's or the national default applies."""
    caller = current_caller()
    unit = population_unit_get(caller=caller, code=code)
    targets_set(caller=caller, unit=unit, year=year, targets=body["targets"])
    db.session.commit()
    return _targets_out(unit, year)
