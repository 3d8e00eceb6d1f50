"""The household registry (sổ hộ), its members, and the volunteer's worklist."""
from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate, validates_schema

from fieldapp.api.pagination import PageQuery, page_of
from fieldapp.api.persons import PersonIn, PersonOut
from fieldapp.api.schemas import (
    IF_MATCH,
    CommuneCode,
    Id,
    Integer,
    PatchSchema,
    Point,
    PointText,
    StringList,
    Text,
    UTCDateTime,
    etag_of,
    version_field,
)
from fieldapp.api.sheet_uploads import ImportRowErrorOut, sheet_answer, sheet_upload
from fieldapp.auth.access import current_caller, requires
from fieldapp.auth.declaration import reads
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.geo import LatLon, point_of
from fieldapp.selectors import paginate
from fieldapp.selectors.households import (
    HouseholdStatus,
    household_get,
    household_list_query,
    people_lacking_skills,
    status_of,
    worklist_household_ids,
    worklist_query,
)
from fieldapp.selectors.persons import person_list_query
from fieldapp.services.activity import personal_data_read_record
from fieldapp.services.households import household_create, household_update
from fieldapp.services.persons import person_create
from fieldapp.services.versions import if_match_version

blp = Blueprint("households", __name__, url_prefix="/api/v1", description="Households and their members.")


def _location(household):
    point = point_of(household.location)
    return None if point is None else {"lat": point.lat, "lon": point.lon}


class HouseholdIn(Schema):
    village_id = Id(required=True)
    address = Text(required=True, max_length=300)
    location = Point(load_default=None, allow_none=True)
    is_poor = fields.Boolean(load_default=False)
    is_ethnic_minority = fields.Boolean(load_default=False)
    is_remote = fields.Boolean(load_default=False)


class HouseholdPatch(PatchSchema):
    village_id = Id()
    address = Text(max_length=300)
    location = Point(allow_none=True)
    is_poor = fields.Boolean()
    is_ethnic_minority = fields.Boolean()
    is_remote = fields.Boolean()


class HouseholdOut(Schema):
    id = fields.String(attribute="public_id", required=True, metadata={"example": "H7K2M9Q4TZX"})
    commune_code = fields.String(required=True)
    village_id = Integer(required=True)
    village_name = fields.Function(lambda h: h.village.name, required=True)
    address = fields.String(required=True)
    location = fields.Function(_location, required=True, allow_none=True, metadata={"type": "object"})
    is_poor = fields.Boolean(required=True)
    is_ethnic_minority = fields.Boolean(required=True)
    is_remote = fields.Boolean(required=True)
    status = fields.Function(lambda h: status_of(h).value, required=True,
                             metadata={"enum": [s.value for s in HouseholdStatus]})
    is_digital_family = fields.Function(lambda h: h.digital_family_at is not None, required=True,
                                        metadata={"type": "boolean"})
    digital_family_at = UTCDateTime(required=True, allow_none=True)
    last_visited_at = UTCDateTime(required=True, allow_none=True)
    assignee_id = fields.Function(lambda h: h.active_assignment.volunteer_id if h.active_assignment else None,
                                  required=True, allow_none=True, metadata={"type": "integer"})
    version = version_field()


class HouseholdQuery(PageQuery):
    village_id = Id()
    assignee_id = Id()
    status = fields.Enum(HouseholdStatus, by_value=True)
    digital_family = fields.Boolean()
    priority = fields.String(validate=validate.OneOf(["is_poor", "is_ethnic_minority", "is_remote"]))
    q = Text(max_length=100, metadata={"description": "A member's name"})
    near = PointText(metadata={"description": "`lat,lon`: nearest first, within radius_m"})
    radius_m = Integer(load_default=1000, validate=validate.Range(min=1, max=50_000))


@blp.route("/households", methods=["GET"])
@requires("household.read", personal_data=reads("household_list"))
@blp.arguments(HouseholdQuery, location="query")
@blp.response(200, page_of(HouseholdOut))
def household_list(args):
    """Households in my area: by village, assignee, status, priority group, a member's name, or near a point."""
    page, per_page = args.pop("page"), args.pop("per_page")
    return paginate(household_list_query(caller=current_caller(), **args), page=page, per_page=per_page)


@blp.route("/households", methods=["POST"])
@requires("household.create", personal_data="write")
@blp.arguments(HouseholdIn)
@blp.response(201, HouseholdOut)
def household_post(body):
    """Register a household in a village of my commune."""
    household = household_create(caller=current_caller(), **body)
    db.session.commit()
    return household


@blp.route("/households/<public_id:household_id>", methods=["GET"])
@requires("household.read", personal_data=reads("household"))
@blp.response(200, HouseholdOut)
def household_detail(household_id):
    """One household of my area."""
    return household_get(caller=current_caller(), public_id=household_id)


@blp.route("/households/<public_id:household_id>", methods=["PATCH"])
@requires("household.update", personal_data="write")
@blp.arguments(HouseholdPatch)
@blp.response(200, HouseholdOut)
@blp.alt_response(412, description="`record.version_conflict`: changed since the `If-Match` version; nothing written.")
@blp.doc(parameters=[IF_MATCH])
def household_patch(body, household_id):
    """Correct a household: address, village, location, priority flags."""
    caller = current_caller()
    household = household_update(caller=caller, household=household_get(caller=caller, public_id=household_id),
                                 changes=body, expected_version=if_match_version(request.headers.get("If-Match")))
    db.session.commit()
    return household, 200, etag_of(household)


@blp.route("/households/<public_id:household_id>/members", methods=["GET"])
@requires("person.read", personal_data=reads("household_members"))
@blp.arguments(PageQuery, location="query")
@blp.response(200, page_of(PersonOut))
def household_members(args, household_id):
    """The residents of a household, the head first, with their skills."""
    caller = current_caller()
    household = household_get(caller=caller, public_id=household_id)
    page = paginate(person_list_query(caller=caller, household=household), page=args["page"],
                    per_page=args["per_page"])
    personal_data_read_record(caller=caller, object_type="household_members", object_id=household.public_id,
                              log_unit=household.commune_code, body={"count": len(page["items"])})
    db.session.commit()
    return page


@blp.route("/households/<public_id:household_id>/members", methods=["POST"])
@requires("person.create", personal_data="write")
@blp.arguments(PersonIn)
@blp.response(201, PersonOut)
@blp.alt_response(409, description="`person.possible_duplicate`: `errors.candidates` lists who it may be.")
def household_member_post(body, household_id):
    """Add a resident to a household; a likely duplicate in the village needs `confirm_duplicate`."""
    caller = current_caller()
    person = person_create(caller=caller, household=household_get(caller=caller, public_id=household_id), **body)
    db.session.commit()
    return person


class WorklistQuery(PageQuery):
    lat = fields.Float(validate=validate.Range(min=-90, max=90))
    lon = fields.Float(validate=validate.Range(min=-180, max=180))

    @validates_schema
    def _both(self, data, **kwargs):
        if ("lat" in data) != ("lon" in data):
            missing = "lat" if "lat" not in data else "lon"
            raise AppError("location.incomplete", errors={missing: ["lat and lon go together"]})


class LackingOut(Schema):
    id = fields.String(required=True)
    full_name = fields.String(required=True)
    missing_skills = StringList(required=True)


class WorkItemOut(Schema):
    household = fields.Nested(HouseholdOut, required=True)
    distance_m = fields.Float(required=True, allow_none=True)
    status = fields.String(required=True, metadata={"enum": [s.value for s in HouseholdStatus]})
    people_lacking_skills = fields.List(fields.Nested(LackingOut), required=True)


def _work_item(row, lacking: dict[int, list[dict]], with_distance: bool) -> dict:
    household = row[0]
    distance = row[1] if with_distance else None
    return {"household": household, "distance_m": None if distance is None else round(float(distance), 1),
            "status": status_of(household).value, "people_lacking_skills": lacking.get(household.id, [])}


@blp.route("/me/worklist", methods=["GET"])
@requires("worklist.read", personal_data=reads("worklist"))
@blp.arguments(WorklistQuery, location="query")
@blp.response(200, page_of(WorkItemOut))
def worklist(args):
    """My assigned households, nearest first from where I stand, with who still lacks which skills."""
    caller = current_caller()
    here = LatLon(args["lat"], args["lon"]) if "lat" in args else None
    mine = worklist_household_ids(caller=caller)
    page = paginate(worklist_query(caller=caller, household_ids=mine, here=here), page=args["page"],
                    per_page=args["per_page"], rows=True, total=len(mine))
    lacking = people_lacking_skills([row[0].id for row in page["items"]])
    page["items"] = [_work_item(row, lacking, here is not None) for row in page["items"]]
    return page


class ImportQuery(Schema):
    commune = CommuneCode(load_default=None,
                            metadata={"description": "Default: my commune."})
    dry_run = fields.Boolean(load_default=True, metadata={"description": "check every row, write nothing"})
    allow_duplicates = fields.Boolean(load_default=False, metadata={
        "description": "import likely duplicates too: the same name in the village (or the file), and the same "
                       "birth year or one unknown"})


class ImportReportOut(Schema):
    ok = fields.Boolean(required=True)
    dry_run = fields.Boolean(required=True)
    households = Integer(required=True)
    persons = Integer(required=True)
    errors = fields.List(fields.Nested(ImportRowErrorOut), required=True)


@blp.route("/households/import", methods=["POST"])
@requires("household.import", personal_data="write")
@sheet_upload(blp, query=ImportQuery, report=ImportReportOut,
              report_description="The report: every bad row with its line and reason.",
              too_large="The file is past a limit, on the dry run as on the import: "
                        "`import.too_many_rows`, `import.too_many_columns`, `import.too_large`, "
                        "`import.too_compressed`, `import.too_complex` (`errors.limit` names it, "
                        "`errors.max` is its value), or `request.too_large` for the upload itself. "
                        "Nothing was read or written.")
@blp.doc(description=(
    "The file is checked against these limits before it is read (the defaults; the operator may change them). "
    "The upload is at most 32 MiB (`IMPORT_MAX_BYTES`). It may have 50,000 rows below the header "
    "(`IMPORT_MAX_ROWS`; empty rows count, and every sheet of a workbook is held to it) and 20 columns "
    "(`IMPORT_MAX_COLUMNS`; empty cells count). An XLSX may inflate to at most 64 MiB "
    "(`IMPORT_MAX_UNCOMPRESSED_BYTES`), and neither the XLSX nor any part of it may inflate more than 100 "
    "times (`IMPORT_MAX_COMPRESSION_RATIO`); it has at most 1,000 parts. A larger commune imports village by "
    "village. A file that cannot be read is not refused with a 413: the report says why (one error, `line` "
    "null)."))
def household_import(args, files):
    """Import a commune's household list (CSV or XLSX): a dry run by default; all or nothing."""
    from fieldapp.services.imports import households_import

    caller = current_caller()
    upload = files["file"]
    report = households_import(caller=caller, commune_code=args["commune"] or caller.unit_code,
                               filename=upload.filename or "upload", stream=upload.stream, dry_run=args["dry_run"],
                               allow_duplicates=args["allow_duplicates"])
    return sheet_answer(report, dry_run=args["dry_run"])
