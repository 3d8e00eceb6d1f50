"""The list of people supported (danh sách người được hỗ trợ): the official evidence."""
from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldapp.api.pagination import PageQuery, page_of
from fieldapp.api.schemas import CommuneCode, Id, Integer, UTCDateTime, evidence_status_field
from fieldapp.auth.access import current_caller, requires
from fieldapp.auth.declaration import reads
from fieldapp.extensions import db
from fieldapp.models.evidence import EvidenceKind, EvidenceStatus
from fieldapp.models.skills import Skill
from fieldapp.selectors import paginate
from fieldapp.selectors.support_records import (
    PRIORITY_GROUPS,
    support_records_query,
)
from fieldapp.services.support_records import EXPORT_FORMATS, support_records_export

#: What an ``organisation_id`` of a support write names (a visit's person entry, a session attendee).
SUPPORTED_ORGANISATION_DOC = (
    "The organisation (agency, school, enterprise, cooperative) the person was helped on behalf of: an "
    "enterprise owner helped to sell online (\"hỗ trợ người dân, doanh nghiệp\"). Looked up as "
    "`GET /organisations/{id}` would be for the caller (officers: their area's; volunteers and team leaders: "
    "those they are the focal person of), else 404 `organisation.not_found`, as for an id that does not "
    "exist; the person must be one of its members, else 422 `support.organisation_not_member`. Kept on "
    "each of the person's support records (the list's organisation columns). Omit it (or null) for support "
    "of the person themselves.")


blp = Blueprint("support_records", __name__, url_prefix="/api/v1/support-records",
                description="Who was helped with which skill, by whom, when, on what proof.")


class SupportQuery(PageQuery):
    commune = CommuneCode()
    village_id = Id()
    team_id = Id()
    volunteer_id = Id()
    organisation_id = Id(metadata={"description": "support given on behalf of this organisation (`organisations.id`)"})
    since = UTCDateTime()
    until = UTCDateTime()
    skill = fields.Enum(Skill, by_value=True)
    priority_group = fields.String(validate=validate.OneOf(PRIORITY_GROUPS), metadata={
        "description": "People of a priority group: `elderly` 60 or older (Law on the Elderly 39/2009/QH12: the "
                       "current year, UTC, minus the birth year is at least 60; without a birth year, not elderly), "
                       "`disability`, `ethnic_minority` (the person's flags), `poor`, `remote` (their household's)."})
    verified_only = fields.Boolean(load_default=False, metadata={"description": "without flags only"})
    evidence_status = fields.String(
        load_default="counted", validate=validate.OneOf(["counted", "held", "rejected", "all"]),
        metadata={"description": "what counts (default: the official list); `held`: support on evidence held "
                                 "back for review; `rejected`; `all`"})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))


class SupportRecordOut(Schema):
    id = Integer(required=True)
    person_id = fields.Function(lambda r: r.person.public_id, required=True)
    full_name = fields.Function(lambda r: r.person.shown_name, required=True,
                                metadata={"description": "masked once the person withdrew consent"})
    birth_year = fields.Function(lambda r: r.person.birth_year, required=True, allow_none=True,
                                 metadata={"type": "integer"})
    village_id = Integer(required=True)
    skill = fields.Enum(Skill, by_value=True, required=True)
    source_kind = fields.Enum(EvidenceKind, by_value=True, required=True)
    source_id = fields.String(required=True)
    helper_id = Integer(required=True, allow_none=True)
    team_id = Integer(required=True, allow_none=True)
    organisation_id = Integer(required=True, allow_none=True, metadata={
        "description": "the organisation the person was helped on behalf of (an enterprise owner helped to sell "
                       "online), or null: support of the person themselves"})
    organisation_code = fields.Function(lambda r: r.organisation.code if r.organisation else None, required=True,
                                        allow_none=True, metadata={"type": "string", "description": "its code"})
    organisation_name = fields.Function(lambda r: r.organisation.name if r.organisation else None, required=True,
                                        allow_none=True, metadata={"type": "string", "description": "its name"})
    supported_at = UTCDateTime(required=True)
    proof = fields.String(required=True)
    flags = fields.List(fields.String(), required=True)
    evidence_status = evidence_status_field()


@blp.route("", methods=["GET"])
@requires("support_record.read", personal_data=reads("support_record_list"))
@blp.arguments(SupportQuery, location="query")
@blp.response(200, page_of(SupportRecordOut), description="`format=csv|xlsx` exports the whole filtered list.")
@blp.doc(responses={"200": {"content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/SupportRecordPage"}},
    "text/csv": {"schema": {"type": "string", "description": "UTF-8 with BOM, Vietnamese headers"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string",
                                                                                       "format": "binary"}}}}})
def support_record_list(args):
    """The list of people supported: by area, village, team, volunteer, organisation, period, skill, priority group."""
    caller = current_caller()
    fmt, page, per_page = args.pop("format"), args.pop("page"), args.pop("per_page")
    commune = args.pop("commune", None)
    status = args.pop("evidence_status")
    query = support_records_query(caller=caller, commune_code=commune,
                                  evidence_status=None if status == "all" else EvidenceStatus(status), **args)
    if fmt == "json":
        return paginate(query, page=page, per_page=per_page)
    content = support_records_export(
        caller=caller, query=query, fmt=fmt, log_unit=commune or caller.unit_code, evidence_status=status,
        filters={k: str(v) for k, v in args.items() if v not in (None, False)})
    db.session.commit()
    mimetype, filename = EXPORT_FORMATS[fmt]
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
