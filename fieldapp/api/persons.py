"""Residents: details, consent and the skills record."""
from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldapp.api.pagination import PageQuery, page_of
from fieldapp.api.schemas import (
    IF_MATCH,
    CommuneCode,
    Integer,
    PatchSchema,
    PublicId,
    Text,
    UTCDateTime,
    etag_of,
    version_field,
)
from fieldapp.auth.access import current_caller, requires
from fieldapp.auth.declaration import reads
from fieldapp.extensions import db
from fieldapp.models.evidence import EvidenceKind, SkillStatus
from fieldapp.models.persons import COHORT_FROM_AGE, TARGET_GROUP_VI, Cohort, Sex, TargetGroup, is_elderly
from fieldapp.models.skills import DIGITAL_FAMILY_SKILLS, Skill
from fieldapp.models.users import Role
from fieldapp.phones import mask_phone
from fieldapp.selectors import paginate
from fieldapp.selectors.persons import person_get, person_list_query
from fieldapp.services.activity import personal_data_read_record
from fieldapp.services.persons import person_update
from fieldapp.services.skills import person_skills_record
from fieldapp.services.versions import if_match_version

blp = Blueprint("persons", __name__, url_prefix="/api/v1/persons", description="Residents and their skills.")


#: Birth years the registry takes; a year after this one is refused by the service
#: (``person.birth_year_invalid``), which alone knows what year it is.
BIRTH_YEARS = validate.Range(min=1900, max=2199)


_TARGET_GROUPS_DOC = ("The plans' target groups the person is in, any number of them (a teacher is `public_staff`, "
                      "an adult pupil also `residents`): " + "; ".join(
                          f"`{g.value}`: {label}" for g, label in TARGET_GROUP_VI.items()) + ".")
_COHORTS_DOC = ("Age cohorts this year, from the birth year alone: age is the current year (UTC) minus `birth_year`, "
                "so a birthday later this year counts as reached for the whole year; none without a birth year. "
                + "; ".join(f"`{c.value}`: {COHORT_FROM_AGE[c]} or older" for c in Cohort) + ".")


class ConsentIn(Schema):
    purpose = Text(required=True, max_length=200,
                            metadata={"example": "Hỗ trợ kỹ năng số (Bình dân học vụ số)"})
    notice_version = Text(required=True, max_length=32)


class PersonIn(Schema):
    full_name = Text(required=True, max_length=200)
    birth_year = Integer(load_default=None, allow_none=True, validate=BIRTH_YEARS)
    sex = fields.Enum(Sex, by_value=True, load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    is_head = fields.Boolean(load_default=False)
    has_disability = fields.Boolean(load_default=False)
    is_ethnic_minority = fields.Boolean(load_default=None, allow_none=True,
                                        metadata={"description": "Default: the household's flag."})
    citizen_id = fields.String(load_default=None, allow_none=True, load_only=True,
                               validate=validate.Regexp(r"^\d{12}$"),
                               metadata={"description": "CCCD: kept only as a keyed hash, to find duplicates."})
    consent = fields.Nested(ConsentIn, load_default=None, allow_none=True)
    confirm_duplicate = fields.Boolean(load_default=False)
    target_groups = fields.List(fields.Enum(TargetGroup, by_value=True), load_default=list,
                                validate=validate.Length(max=len(TargetGroup)),
                                metadata={"description": _TARGET_GROUPS_DOC})


class PersonPatch(PatchSchema):
    full_name = Text(max_length=200)
    birth_year = Integer(allow_none=True, validate=BIRTH_YEARS)
    sex = fields.Enum(Sex, by_value=True, allow_none=True)
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    is_head = fields.Boolean()
    has_disability = fields.Boolean()
    is_ethnic_minority = fields.Boolean()
    consent = fields.Nested(ConsentIn, allow_none=True, metadata={"description": "null withdraws consent"})
    household_id = PublicId(metadata={"description": (
        "moves the person to another household of my area (a new home, a marriage): their commune and village "
        "follow; the support given to them stays where it was given; a head stays head only where there is none")})
    target_groups = fields.List(fields.Enum(TargetGroup, by_value=True), validate=validate.Length(max=len(TargetGroup)),
                                metadata={"description": "The whole set, replacing the one held ([] for none). "
                                                         + _TARGET_GROUPS_DOC})


class PlatformConfirmationOut(Schema):
    confirmed_on = fields.Date(required=True, metadata={"description": "the date the platform confirmed completion"})
    course = fields.String(required=True, allow_none=True, metadata={
        "description": "the course or programme, as the platform's list names it; null when it did not say"})
    level = fields.String(required=True, allow_none=True, metadata={
        "description": "its level, as the list names it; null when it did not say"})
    file_sha256 = fields.String(required=True, metadata={
        "description": "SHA-256 of the imported file (as the import's `platform_confirmation.import` log entry "
                       "names it): the source"})
    line = Integer(required=True, metadata={"description": "the row's line in that file"})
    imported_by = Integer(required=True, metadata={"description": "the officer who imported it (user id)"})
    imported_at = UTCDateTime(required=True)


class SkillOut(Schema):
    skill = fields.Enum(Skill, by_value=True, required=True)
    recorded_at = UTCDateTime(required=True)
    recorded_by = Integer(required=True, allow_none=True)
    evidence_kind = fields.Enum(EvidenceKind, by_value=True, required=True)
    evidence_ref = fields.String(required=True, allow_none=True)
    confirmed_on = fields.Date(required=True, allow_none=True)
    status = fields.Enum(SkillStatus, by_value=True, required=True, metadata={"description": (
        "`confirmed`: counts (Digital Family, indicators); `claimed`: recorded on evidence held back for "
        "review, or with none the system can check, by a volunteer or leader: counts once an officer "
        "accepts it (mobile_contract/evidence.md)")})
    platform_confirmation = fields.Nested(PlatformConfirmationOut, required=True, allow_none=True, metadata={
        "description": (
            "For `vneid_programme_confirmed` granted by `POST /platform-confirmations/import`: the national "
            "platform's confirmation as imported (date, course or programme and level, the file and line it came "
            "from, who imported it and when). Null for every other skill, and for a confirmation recorded by hand "
            "or imported before courses were kept.")})


class ConsentOut(Schema):
    collected_at = UTCDateTime(attribute="consent_collected_at", required=True, allow_none=True)
    collected_by = Integer(attribute="consent_collected_by", required=True, allow_none=True)
    purpose = fields.String(attribute="consent_purpose", required=True, allow_none=True)
    notice_version = fields.String(attribute="consent_notice_version", required=True, allow_none=True)
    withdrawn_at = UTCDateTime(attribute="consent_withdrawn_at", required=True, allow_none=True)


def _phone_for_caller(person):
    """Volunteers see a masked phone: they meet people at their door and need no number to do it.
    Nobody sees the phone of someone who withdrew consent."""
    phone = person.shown_phone
    if phone is None:
        return None
    return mask_phone(phone) if current_caller().role == Role.volunteer else phone


class PersonOut(Schema):
    id = fields.String(attribute="public_id", required=True, metadata={"example": "P3M8K1Z7QWX"})
    household_id = fields.Function(lambda p: p.household.public_id, required=True)
    full_name = fields.String(attribute="shown_name", required=True, metadata={
        "description": "`[đã rút đồng ý]` once consent is withdrawn, `[đã xoá]` once erased"})
    birth_year = Integer(required=True, allow_none=True)
    sex = fields.Enum(Sex, by_value=True, required=True, allow_none=True)
    phone = fields.Function(_phone_for_caller, required=True, allow_none=True,
                            metadata={"type": "string", "description": "masked for volunteers"})
    is_head = fields.Boolean(required=True)
    has_disability = fields.Boolean(required=True)
    is_ethnic_minority = fields.Boolean(required=True)
    is_elderly = fields.Function(lambda p: is_elderly(p.birth_year), required=True, metadata={
        "type": "boolean",
        "description": "60 or older (Law on the Elderly 39/2009/QH12), from the birth year alone: the current year "
                       "(UTC) minus `birth_year` is at least 60, whatever the birthday; false without a birth year."})
    target_groups = fields.List(fields.Enum(TargetGroup, by_value=True), required=True,
                                metadata={"description": _TARGET_GROUPS_DOC})
    cohorts = fields.List(fields.Enum(Cohort, by_value=True), required=True, metadata={"description": _COHORTS_DOC})
    consent = fields.Function(lambda p: ConsentOut().dump(p), required=True, metadata={"type": "object"})
    skills = fields.List(fields.Nested(SkillOut), required=True)
    version = version_field()
    is_digital_core = fields.Function(lambda p: DIGITAL_FAMILY_SKILLS <= {s.skill for s in p.skills
                                                                           if s.status == SkillStatus.confirmed},
                                      required=True,
                                      metadata={"type": "boolean",
                                                "description": "holds all five Digital Family skills, confirmed"})


class PersonQuery(PageQuery):
    q = Text(max_length=100, metadata={"description": "Name, diacritics optional"})
    commune = CommuneCode()


class SkillsIn(Schema):
    grant = fields.List(fields.Enum(Skill, by_value=True), load_default=list)
    withdraw = fields.List(fields.Enum(Skill, by_value=True), load_default=list)
    evidence_kind = fields.Enum(EvidenceKind, by_value=True, required=True)
    evidence_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64), metadata={
        "description": "visit, session, mentoring: that object's id, in the caller's reach (404 otherwise); "
                       "import, other: a free reference"})
    confirmed_on = fields.Date(load_default=None, allow_none=True,
                               metadata={"description": "for vneid_programme_confirmed: from 2025-01-01 to today"})


@blp.route("", methods=["GET"])
@requires("person.read", personal_data=reads("person_search"))
@blp.arguments(PersonQuery, location="query")
@blp.response(200, page_of(PersonOut))
def person_list(args):
    """Search residents of my area by name, with or without diacritics."""
    caller = current_caller()
    page = paginate(person_list_query(caller=caller, q=args.get("q"), commune_code=args.get("commune")),
                    page=args["page"], per_page=args["per_page"])
    personal_data_read_record(caller=caller, object_type="person_search", object_id=args.get("q") and "q" or "all",
                              log_unit=caller.unit_code, body={"count": len(page["items"])})
    db.session.commit()
    return page


@blp.route("/<public_id:person_id>", methods=["GET"])
@requires("person.read", personal_data=reads("person"))
@blp.response(200, PersonOut)
def person_detail(person_id):
    """One resident of my area, with consent and skills."""
    caller = current_caller()
    person = person_get(caller=caller, public_id=person_id)
    personal_data_read_record(caller=caller, object_type="person", object_id=person.public_id,
                              log_unit=person.commune_code)
    db.session.commit()
    return person


@blp.route("/<public_id:person_id>", methods=["PATCH"])
@requires("person.update", personal_data="write")
@blp.arguments(PersonPatch)
@blp.response(200, PersonOut)
@blp.alt_response(412, description="`record.version_conflict`: changed since the `If-Match` version; nothing written.")
@blp.doc(parameters=[IF_MATCH])
def person_patch(body, person_id):
    """Correct a resident's details or consent (skills change through /skills)."""
    caller = current_caller()
    person = person_update(caller=caller, person=person_get(caller=caller, public_id=person_id), changes=body,
                           expected_version=if_match_version(request.headers.get("If-Match")))
    db.session.commit()
    return person, 200, etag_of(person)


@blp.route("/<public_id:person_id>/skills", methods=["POST"])
@requires("skill.record", personal_data="write")
@blp.arguments(SkillsIn)
@blp.response(200, PersonOut)
def person_skills_post(body, person_id):
    """Record skills granted or withdrawn, on one piece of evidence; the household's status follows."""
    caller = current_caller()
    person = person_skills_record(caller=caller, person=person_get(caller=caller, public_id=person_id), **body)
    db.session.commit()
    return person


@blp.route("/<public_id:person_id>/data-export", methods=["GET"])
@requires("person.data_export", personal_data=reads("person_data"))
@blp.response(200, description="Everything held about the person, in JSON (the export is logged).")
def person_data_export_get(person_id):
    """A person's data, for them to see (their right under Decree 13/2023 and Law 91/2025)."""
    from fieldapp.services.personal_data import person_data_export

    caller = current_caller()
    data = person_data_export(caller=caller, person=person_get(caller=caller, public_id=person_id))
    db.session.commit()
    return data


@blp.route("/<public_id:person_id>/erase", methods=["POST"])
@requires("person.erase", personal_data="write")
@blp.response(200, PersonOut)
def person_erase_post(person_id):
    """Erase a person's identifying data on their request; counts and the activity log stay valid."""
    from fieldapp.services.personal_data import person_erase

    caller = current_caller()
    person = person_erase(caller=caller, person=person_get(caller=caller, public_id=person_id))
    db.session.commit()
    return person
