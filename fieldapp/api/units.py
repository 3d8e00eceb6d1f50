"""Administrative units: provinces and communes."""
from flask_smorest import Blueprint
from geoalchemy2.shape import to_shape
from marshmallow import Schema, fields, validate

from fieldapp.api.pagination import PageQuery, page_of
from fieldapp.api.schemas import Integer, PatchSchema, Text, UTCDateTime
from fieldapp.api.sheet_uploads import ImportRowErrorOut, sheet_answer, sheet_upload
from fieldapp.auth.access import current_caller, requires
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.population import PopulationMeasure
from fieldapp.models.units import UnitLevel
from fieldapp.selectors import paginate
from fieldapp.selectors.population import population_rows, population_unit_get
from fieldapp.selectors.units import unit_get, unit_list_query
from fieldapp.services.population import VALUE_MAX, population_enter, population_year_check

blp = Blueprint("units", __name__, url_prefix="/api/v1/units",
                description="The 34 provinces and 3,321 communes, by official code.")


def _centroid(unit):
    if unit.centroid is None:
        return None
    point = to_shape(unit.centroid)
    return {"lat": point.y, "lon": point.x}


class UnitOut(Schema):
    code = fields.String(required=True, metadata={"example": "17395"})
    level = fields.Enum(UnitLevel, by_value=True, required=True)
    kind = fields.String(required=True, metadata={"example": "Xã"})
    name = fields.String(required=True, metadata={"example": "Xã Hùng Châu"})
    short_name = fields.String(required=True)
    parent_code = fields.String(allow_none=True, required=True)
    centroid = fields.Function(_centroid, required=True, allow_none=True,
                               metadata={"type": "object", "description": "{lat, lon}, WGS 84"})
    area_km2 = fields.Float(allow_none=True, required=True)


class UnitQuery(PageQuery):
    q = Text(max_length=100,
             metadata={"description": "Name, with or without diacritics: `hung chau`."})
    province = fields.String(validate=validate.Regexp(r"^\d{2}$"),
                             metadata={"description": "Province code: its communes (and itself)."})
    level = fields.Enum(UnitLevel)


@blp.route("", methods=["GET"])
@requires("unit.read", personal_data="none")
@blp.arguments(UnitQuery, location="query")
@blp.response(200, page_of(UnitOut))
def unit_list(args):
    """Search provinces and communes by name without diacritics, by province and level."""
    query = unit_list_query(q=args.get("q"), province=args.get("province"), level=args.get("level"))
    return paginate(query, page=args["page"], per_page=args["per_page"])


@blp.route("/<code>", methods=["GET"])
@requires("unit.read", personal_data="none")
@blp.response(200, UnitOut)
def unit_detail(code):
    """One province or commune by its official code."""
    return unit_get(code=code)


#: The meaning of each measure, in the OpenAPI document.
MEASURE_DOC = {
    PopulationMeasure.adults: "people 18 or older; the registry's: its people born in or before `year` − 18",
    PopulationMeasure.citizens_from_16: "people 16 or older; the registry's: born in or before `year` − 16",
    PopulationMeasure.households: "households; the registry's: its households",
    PopulationMeasure.pupils: "pupils and students; the registry's: its people in `pupils_students`",
    PopulationMeasure.workers: "workers of enterprises and cooperatives; the registry's: its people in "
                               "`enterprise_workers`",
    PopulationMeasure.public_staff: "public-sector staff; the registry's: its people in `public_staff`",
}
_VALUE = validate.Range(min=0, max=VALUE_MAX)


class FiguresIn(PatchSchema):
    """The measures entered, each 0 or more; those not given keep what they held (at least one:
    ``minProperties: 1`` in the document, as for every partial update)."""

    adults = Integer(validate=_VALUE, metadata={"description": MEASURE_DOC[PopulationMeasure.adults]})
    citizens_from_16 = Integer(validate=_VALUE,
                               metadata={"description": MEASURE_DOC[PopulationMeasure.citizens_from_16]})
    households = Integer(validate=_VALUE, metadata={"description": MEASURE_DOC[PopulationMeasure.households]})
    pupils = Integer(validate=_VALUE, metadata={"description": MEASURE_DOC[PopulationMeasure.pupils]})
    workers = Integer(validate=_VALUE, metadata={"description": MEASURE_DOC[PopulationMeasure.workers]})
    public_staff = Integer(validate=_VALUE, metadata={"description": MEASURE_DOC[PopulationMeasure.public_staff]})


class PopulationIn(Schema):
    figures = fields.Nested(FiguresIn, required=True)
    source = Text(required=True, max_length=200, metadata={
        "description": "Where the figures come from (a statistics yearbook, the commune's report): required",
        "example": "Niên giám thống kê tỉnh Nghệ An 2025"})


class PopulationQuery(Schema):
    year = Integer(metadata={"description": "The year of the figures; default: this year (UTC)."})


class FigureOut(Schema):
    measure = fields.Enum(PopulationMeasure, by_value=True, required=True)
    value = Integer(required=True, allow_none=True, metadata={"description": "the figure entered; null: none yet"})
    source = fields.String(required=True, allow_none=True)
    entered_by = Integer(required=True, allow_none=True, metadata={"description": "the account that entered it"})
    entered_at = UTCDateTime(required=True, allow_none=True)
    registry_count = Integer(required=True, metadata={
        "description": "what the registry holds of it now, in the unit (a province: its communes)"})
    gap = Integer(required=True, allow_none=True, metadata={
        "description": "`value` − `registry_count`: the part of the population the registry does not hold "
                       "(negative: the registry holds more than the figure); null without a figure"})


class PopulationOut(Schema):
    unit_code = fields.String(required=True)
    year = Integer(required=True)
    figures = fields.List(fields.Nested(FigureOut), required=True, metadata={
        "description": "every measure, in a fixed order: adults, citizens_from_16, households, pupils, workers, "
                       "public_staff"})


def _population(unit, year):
    return {"unit_code": unit.code, "year": year, "figures": population_rows(unit=unit, year=year)}


@blp.route("/<code>/population", methods=["GET"])
@requires("population.read", personal_data="none")
@blp.arguments(PopulationQuery, location="query")
@blp.response(200, PopulationOut)
def population_detail(args, code):
    """A commune's or province's population figures for a year, each beside the registry's count and the gap."""
    unit = population_unit_get(caller=current_caller(), code=code)
    year = population_year_check(args.get("year") or utcnow().year)
    return _population(unit, year)


@blp.route("/<code>/population/<int(max=2147483647):year>", methods=["PUT"])
@requires("population.enter", personal_data="write")
@blp.arguments(PopulationIn)
@blp.response(200, PopulationOut)
def population_put(body, code, year):
    """Enter a commune's or province's population figures for a year, with their source (officers of its area)."""
    caller = current_caller()
    unit = population_unit_get(caller=caller, code=code)
    population_enter(caller=caller, unit=unit, year=year, figures=body["figures"], source=body["source"])
    db.session.commit()
    return _population(unit, year)


class PopulationImportQuery(Schema):
    dry_run = fields.Boolean(load_default=True, metadata={"description": "check every row, write nothing"})


class PopulationImportReportOut(Schema):
    ok = fields.Boolean(required=True)
    dry_run = fields.Boolean(required=True)
    rows = Integer(required=True, metadata={"description": "data rows read: one figure each"})
    figures = Integer(required=True, metadata={"description": "figures entered (on a dry run: that would be)"})
    units = Integer(required=True, metadata={"description": "communes and provinces they are of"})
    replaced = Integer(required=True, metadata={"description": "figures among them that replace one held before"})
    errors = fields.List(fields.Nested(ImportRowErrorOut), required=True)


@blp.route("/population/import", methods=["POST"])
@requires("population.enter", personal_data="write")
@sheet_upload(blp, query=PopulationImportQuery, report=PopulationImportReportOut,
              report_description="The report: every bad row with its line and reason.")
@blp.doc(description=(
    "Columns (mobile_contract/imports.md): `unit_code`, `year`, `measure` (a code of `PopulationMeasure` or its "
    "Vietnamese name), `value`, `source`; one figure a row, for the communes and provinces of my area. One bad "
    "row (a unit outside my area or unknown, a bad year, value or measure, the same unit, year and measure "
    "twice) writes nothing. Each unit's figures of a year and source are entered as "
    "`PUT /units/{code}/population/{year}` enters them, and logged alike (`population.enter`); a figure held "
    "is replaced. The file's limits are the household import's."))
def population_import(args, files):
    """Import population figures from a sheet (CSV or XLSX): a dry run by default; all or nothing."""
    from fieldapp.services.imports.population import population_figures_import

    upload = files["file"]
    report = population_figures_import(caller=current_caller(), filename=upload.filename or "upload",
                                       stream=upload.stream, dry_run=args["dry_run"])
    return sheet_answer(report, dry_run=args["dry_run"])
