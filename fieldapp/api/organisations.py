"""Organisations (agencies, public-service units, schools, universities, enterprises, cooperatives) and
their members; the list of an agency's members who have not finished."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from fieldapp.api.pagination import PageQuery, page_of
from fieldapp.api.persons import PersonOut, SkillsIn
from fieldapp.api.schemas import Id, Integer, PatchSchema, PublicId, Text, UTCDateTime
from fieldapp.auth.access import current_caller, requires
from fieldapp.auth.declaration import reads
from fieldapp.extensions import db
from fieldapp.models.organisations import MemberRole, OrganisationKind
from fieldapp.models.persons import Person
from fieldapp.selectors import paginate
from fieldapp.selectors.organisations import (
    finished_clause,
    organisation_get,
    organisation_list_query,
    organisation_member_get,
    organisation_members_query,
)
from fieldapp.services.activity import personal_data_read_record
from fieldapp.services.organisations import (
    organisation_create,
    organisation_member_add,
    organisation_member_remove,
    organisation_update,
)
from fieldapp.services.skills import person_skills_record

blp = Blueprint("organisations", __name__, url_prefix="/api/v1/organisations",
                description="Agencies, schools and enterprises, and the people who belong to them.")

ORG = "/<int(max=2147483647):organisation_id>"
#: What "finished" means on the members' list (mobile_contract/README.md, "Organisations", says the same).
FINISHED = ("finished: the national platform confirmed completion (`vneid_programme_confirmed`), or the person "
            "holds all five Digital Family skills; confirmed skills only (a claimed skill does not count)")

_UNIT_CODE = validate.Regexp(r"^\d{2}(\d{3})?$")


class OrganisationIn(Schema):
    code = Text(required=True, max_length=32, metadata={
        "description": "unique nationwide: a tax code, a budget-unit code, the ministry's school code"})
    kind = fields.Enum(OrganisationKind, by_value=True, required=True)
    name = Text(required=True, max_length=300)
    unit_code = fields.String(required=True, validate=_UNIT_CODE, metadata={
        "description": "the commune (5 digits) or province (2 digits) that holds it, in my area"})
    focal_user_id = Id(load_default=None, allow_none=True, metadata={
        "description": "its focal person's account, in my area: records the members' progress"})


class OrganisationPatch(PatchSchema):
    code = Text(max_length=32)
    kind = fields.Enum(OrganisationKind, by_value=True)
    name = Text(max_length=300)
    focal_user_id = Id(allow_none=True, metadata={"description": "null names no focal person"})


class OrganisationOut(Schema):
    id = Integer(required=True)
    code = fields.String(required=True)
    kind = fields.Enum(OrganisationKind, by_value=True, required=True)
    name = fields.String(required=True)
    unit_code = fields.String(required=True)
    focal_user_id = Integer(required=True, allow_none=True)
    created_at = UTCDateTime(required=True)


class OrganisationQuery(PageQuery):
    kind = fields.Enum(OrganisationKind, by_value=True, load_default=None)
    unit_code = fields.String(load_default=None, validate=_UNIT_CODE)
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=100),
                      metadata={"description": "the code, or a part of the name"})


class MemberQuery(PageQuery):
    finished = fields.Boolean(load_default=None, metadata={"description": FINISHED + "; omitted: everyone"})
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=100),
                      metadata={"description": "a part of the name, with or without diacritics"})


class OrganisationMemberIn(Schema):
    person_id = PublicId(required=True, metadata={"description": "a resident of my area and of the organisation's"})
    role = fields.Enum(MemberRole, by_value=True, required=True)


class OrganisationMemberOut(Schema):
    person = fields.Nested(PersonOut, required=True)
    role = fields.Enum(MemberRole, by_value=True, required=True)
    added_at = UTCDateTime(required=True)
    finished = fields.Boolean(required=True, metadata={"description": FINISHED})


def _member_out(member, person, finished_ids: set[int]) -> dict:
    return {"person": person, "role": member.role, "added_at": member.added_at, "finished": person.id in finished_ids}


def _finished_ids(person_ids: list[int]) -> set[int]:
    if not person_ids:
        return set()
    return set(db.session.scalars(select(Person.id).where(Person.id.in_(person_ids), finished_clause())))


@blp.route("", methods=["GET"])
@requires("organisation.read", personal_data="none")
@blp.arguments(OrganisationQuery, location="query")
@blp.response(200, page_of(OrganisationOut))
def organisation_list(args):
    """Officers: the organisations of my area; volunteers and leaders: those I am the focal person of."""
    page, per_page = args.pop("page"), args.pop("per_page")
    return paginate(organisation_list_query(caller=current_caller(), **args), page=page, per_page=per_page)


@blp.route("", methods=["POST"])
@requires("organisation.create", personal_data="write")
@blp.arguments(OrganisationIn)
@blp.response(201, OrganisationOut)
@blp.alt_response(409, description="`organisation.code_taken`: another organisation has the code (anywhere).")
def organisation_post(body):
    """Register an agency, school or enterprise of my area."""
    organisation = organisation_create(caller=current_caller(), **body)
    db.session.commit()
    return organisation


@blp.route(ORG, methods=["GET"])
@requires("organisation.read", personal_data="none")
@blp.response(200, OrganisationOut)
def organisation_detail(organisation_id):
    """One organisation."""
    return organisation_get(caller=current_caller(), organisation_id=organisation_id)


@blp.route(ORG, methods=["PATCH"])
@requires("organisation.update", personal_data="write")
@blp.arguments(OrganisationPatch)
@blp.response(200, OrganisationOut)
def organisation_patch(body, organisation_id):
    """Correct an organisation's code, kind, name or focal person."""
    caller = current_caller()
    organisation = organisation_update(caller=caller, changes=body,
                                       organisation=organisation_get(caller=caller, organisation_id=organisation_id))
    db.session.commit()
    return organisation


@blp.route(f"{ORG}/members", methods=["GET"])
@requires("organisation.read", personal_data=reads("organisation_members"))
@blp.arguments(MemberQuery, location="query")
@blp.response(200, page_of(OrganisationMemberOut))
def organisation_members(args, organisation_id):
    """The members, by name; `finished=false`: those who have not finished (an agency's civil servants
    must learn: seed 003)."""
    caller = current_caller()
    organisation = organisation_get(caller=caller, organisation_id=organisation_id)
    page = paginate(organisation_members_query(caller=caller, organisation=organisation, finished=args["finished"],
                                               q=args["q"]), page=args["page"], per_page=args["per_page"], rows=True)
    finished = _finished_ids([person.id for _member, person in page["items"]])
    page["items"] = [_member_out(member, person, finished) for member, person in page["items"]]
    filters = {name: (True if name == "q" else args[name]) for name in ("finished", "q") if args[name] is not None}
    personal_data_read_record(caller=caller, object_type="organisation_members", object_id=str(organisation.id),
                              log_unit=organisation.unit_code,
                              body={"count": len(page["items"]), **({"filters": filters} if filters else {})})
    db.session.commit()
    return page


@blp.route(f"{ORG}/members", methods=["POST"])
@requires("organisation.member_add", personal_data="write")
@blp.arguments(OrganisationMemberIn)
@blp.response(201, OrganisationMemberOut)
def organisation_member_post(body, organisation_id):
    """Add a resident of my area as staff, pupil or worker (again: changes the role)."""
    caller = current_caller()
    organisation = organisation_get(caller=caller, organisation_id=organisation_id)
    member = organisation_member_add(caller=caller, organisation=organisation, **body)
    db.session.commit()
    return _member_out(member, member.person, _finished_ids([member.person_id]))


@blp.route(f"{ORG}/members/<public_id:person_id>", methods=["DELETE"])
@requires("organisation.member_add", personal_data="write")
@blp.response(204)
def organisation_member_delete(organisation_id, person_id):
    """Remove a member (the verb that adds them). A resident of my area who is not a member: nothing to do."""
    caller = current_caller()
    organisation = organisation_get(caller=caller, organisation_id=organisation_id)
    organisation_member_remove(caller=caller, organisation=organisation, person_id=person_id)
    db.session.commit()


@blp.route(f"{ORG}/members/<public_id:person_id>/skills", methods=["POST"])
@requires("skill.record", personal_data="write")
@blp.arguments(SkillsIn)
@blp.response(200, PersonOut)
def organisation_member_skills_post(body, organisation_id, person_id):
    """The focal person (or an officer of the area) records a member's skills, as `POST /persons/{id}/skills`
    does: a volunteer's or leader's record is claimed until an officer accepts it (evidence.md)."""
    caller = current_caller()
    organisation = organisation_get(caller=caller, organisation_id=organisation_id)
    person = organisation_member_get(caller=caller, organisation=organisation, person_public_id=person_id)
    person = person_skills_record(caller=caller, person=person, **body)
    db.session.commit()
    return person
