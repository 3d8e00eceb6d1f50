"""The national platform's results: the confirmations VNeID shows, imported by an officer."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from fieldapp.api.schemas import Integer
from fieldapp.api.sheet_uploads import ImportRowErrorOut, sheet_answer, sheet_upload
from fieldapp.auth.access import current_caller, requires

blp = Blueprint("confirmations", __name__, url_prefix="/api/v1", description="The national platform's results")


class ConfirmationImportQuery(Schema):
    dry_run = fields.Boolean(load_default=True, metadata={"description": "check every row and match it, write nothing"})


class ConfirmationReportOut(Schema):
    ok = fields.Boolean(required=True)
    dry_run = fields.Boolean(required=True)
    rows = Integer(required=True, metadata={"description": "data rows read"})
    confirmed = Integer(required=True, metadata={"description": "people granted the confirmation (on a dry run: "
                                                                 "who would be)"})
    unmatched = fields.List(fields.Nested(ImportRowErrorOut), required=True, metadata={
        "description": "rows matching nobody the area may record: `import.identifier_unmatched`, "
                       "`import.identifier_restricted`; not errors"})
    duplicates = fields.List(fields.Nested(ImportRowErrorOut), required=True, metadata={
        "description": "rows skipped: `import.confirmation_repeated` (the identifier's first row is kept), "
                       "`import.confirmation_held` (already confirmed)"})
    errors = fields.List(fields.Nested(ImportRowErrorOut), required=True)


@blp.route("/platform-confirmations/import", methods=["POST"])
@requires("platform_confirmation.import", personal_data="write")
@sheet_upload(blp, query=ConfirmationImportQuery, report=ConfirmationReportOut,
              report_description="The report: errors, unmatched rows and duplicates.")
@blp.doc(description=(
    "Columns (mobile_contract/imports.md): `identifier` (CCCD, 12 digits), `date`, and optionally `course` and "
    "`level`. Rows are matched to the people of my area by the keyed hash of the identifier (never stored). "
    "One bad row writes nothing; unmatched rows and duplicates are reported and skipped. Each matched person is "
    "granted `vneid_programme_confirmed` (evidence `import`, `confirmed_on` the row's date, `evidence_ref` "
    "`platform:<first 16 hex digits of the file's SHA-256>:<line>`), and the confirmation is kept whole: date, "
    "`course`, `level`, the file's SHA-256 and line, who imported it and when, read back as the skill's "
    "`platform_confirmation` wherever a person is read (`GET /persons/{id}`, lists, `GET /sync/pull`). A duplicate "
    "keeps the first confirmation, course and level included. A dry run writes nothing. The file's limits are the "
    "household import's."))
def platform_confirmations_import(args, files):
    """Import the national platform's completion confirmations (CSV or XLSX): a dry run by default."""
    from fieldapp.services.imports.confirmations import platform_confirmations_import as run

    upload = files["file"]
    report = run(caller=current_caller(), filename=upload.filename or "upload", stream=upload.stream,
                 dry_run=args["dry_run"])
    return sheet_answer(report, dry_run=args["dry_run"])
