"""The national platform's results: an officer imports the confirmations VNeID shows (CSV or XLSX).

Completion of the learning programme is confirmed on VNeID, which this system cannot write to nor
read from; the platform's list comes as a sheet. Each row names a citizen by their identifier (CCCD,
12 digits), the date the platform confirmed them, and optionally the course or programme and its level.

- The file is bounded and read as a household list is (``limits``, ``reading``), and every row is
  checked first: a row that cannot be read (no identifier, not 12 digits, no date or one outside
  the programme's years) is an error, and one error writes nothing (all or nothing).
- A row is matched to people by the keyed hash of the identifier
  (:func:`fieldapp.services.persons.citizen_id_digest`): the identifier is never stored nor logged,
  and only the people of the caller's area are searched. A row that matches nobody, or only people
  who withdrew consent or were erased, is *unmatched*: reported, not an error (the platform lists
  the whole country; the registry holds who was met at the door).
- A second row of the same identifier, or a person who already holds the confirmation, is a
  *duplicate*: reported and skipped (the first row of the file is the one written).
- Each matched row grants ``vneid_programme_confirmed`` through the skills service
  (:func:`fieldapp.services.skills.skills_record`): ``evidence_kind`` ``import``, ``confirmed_on`` the
  row's date, ``evidence_ref`` ``platform:<first 16 hex digits of the file's SHA-256>:<line>`` (the
  source: the file, named by its digest in the import's own activity entry, and its line); each
  person's grant is logged (``person.skills_record``), then the import (``platform_confirmation.import``).
- Each grant is kept whole, in the same transaction: a
  :class:`fieldapp.models.confirmations.PlatformConfirmation` with the row's date, course and level,
  the file's SHA-256 and the line, who imported it and when; the skill shows it
  (``platform_confirmation`` of the person's skills). A duplicate writes none: the first confirmation,
  with its course and level, stays the evidence.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from flask import current_app

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import default_log_unit
from fieldapp.clock import today_in_vietnam
from fieldapp.extensions import db
from fieldapp.models.confirmations import PlatformConfirmation, platform_evidence_ref
from fieldapp.models.evidence import EvidenceKind
from fieldapp.models.persons import Person
from fieldapp.models.skills import Skill
from fieldapp.selectors.persons import persons_by_citizen_digests
from fieldapp.services.activity import activity_record
from fieldapp.services.imports import cells
from fieldapp.services.imports.columns import header_key
from fieldapp.services.imports.limits import Limits
from fieldapp.services.imports.reading import ListChecker, file_bytes, sheet_read
from fieldapp.services.imports.report import CellError, capped, problem
from fieldapp.services.persons import citizen_id_digest
from fieldapp.services.skills import CONFIRMED_FROM, skills_record

#: Column → the headers accepted for it (besides the column name itself), matched without diacritics.
COLUMNS: dict[str, tuple[str, ...]] = {
    "identifier": ("Số CCCD", "CCCD", "Số định danh", "Số định danh cá nhân", "Mã định danh"),
    "date": ("Ngày xác nhận", "Ngày hoàn thành", "Ngày"),
    "course": ("Khóa học", "Chương trình", "programme", "program"),
    "level": ("Cấp độ", "Mức độ", "Trình độ"),
}
REQUIRED_COLUMNS = ("identifier", "date")
#: What each column holds (mobile_contract/imports.md).
COLUMN_DOCS: dict[str, str] = {
    "identifier": "the citizen's identifier (CCCD), 12 digits; a number that lost its leading zeros in "
                  "Excel is read back to 12 digits. Never stored: matched by its keyed hash",
    "date": "the date the platform confirmed completion: a date cell, `dd/mm/yyyy` or `yyyy-mm-dd`; "
            f"from {CONFIRMED_FROM.isoformat()} to today (Vietnam's date)",
    "course": "the course or programme, as the platform names it (optional; at most 200 characters)",
    "level": "its level (optional; at most 64 characters)",
}
HEADERS = {header_key(alias): column for column, aliases in COLUMNS.items() for alias in (column, *aliases)}
MAX_TEXT = {"course": 200, "level": 64}

_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?")


@dataclass
class ConfirmationReport:
    ok: bool
    dry_run: bool
    #: Data rows read.
    rows: int
    #: People granted the confirmation (or who would be, on a dry run).
    confirmed: int
    #: Rows matching nobody the caller's area may record (``import.identifier_unmatched`` or
    #: ``import.identifier_restricted``), in line order.
    unmatched: list[dict] = field(default_factory=list)
    #: Rows skipped as duplicates (``import.confirmation_repeated``, ``import.confirmation_held``).
    duplicates: list[dict] = field(default_factory=list)
    #: Problems that write nothing (``import.*``), at most MAX_ERRORS + 1.
    errors: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _identifier(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        written = str(value).zfill(12) if 0 <= value < 10**12 else str(value)
    else:
        written = cells.text(value).strip().replace(" ", "")
    if not written:
        raise CellError("import.identifier_missing")
    if len(written) != 12 or not written.isdigit():
        raise CellError("import.identifier_invalid")  # the value itself is never echoed back
    return written


def _date(value) -> date:
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    else:
        written = cells.text(value).strip()
        if not written:
            raise CellError("import.date_missing")
        try:
            if match := _DAY_FIRST.fullmatch(written):
                found = date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
            elif match := _ISO.fullmatch(written):
                found = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            else:
                raise CellError("import.date_invalid", value=written)
        except ValueError:
            raise CellError("import.date_invalid", value=written) from None
    today = today_in_vietnam()
    if not CONFIRMED_FROM <= found <= today:
        raise CellError("import.date_out_of_range", value=found.strftime("%d/%m/%Y"),
                        first=CONFIRMED_FROM.strftime("%d/%m/%Y"))
    return found


@dataclass
class _Row:
    line: int
    digest: str
    confirmed_on: date
    course: str
    level: str


class _Checker(ListChecker):
    HEADERS, REQUIRED, COLUMNS = HEADERS, REQUIRED_COLUMNS, COLUMNS

    def __init__(self):
        super().__init__()
        self.rows: list[_Row] = []

    def row(self, line: int, row) -> None:
        def cell(column):
            return self.cell(row, column)

        values = {}
        for column, parse in (("identifier", _identifier), ("date", _date)):
            try:
                values[column] = parse(cell(column))
            except CellError as bad:
                self.error(line, column, bad.code, **bad.params)
        for column, longest in MAX_TEXT.items():
            values[column] = cells.text(cell(column)).strip()
            if len(values[column]) > longest:
                self.error(line, column, "import.text_too_long", most=longest)
        if "identifier" in values and "date" in values:
            self.rows.append(_Row(line, citizen_id_digest(values["identifier"]), values["date"], values["course"],
                                  values["level"]))


def platform_confirmations_import(*, caller: Caller, filename: str, stream, dry_run: bool) -> ConfirmationReport:
    """Check the platform's list and, when no row is bad and not ``dry_run``, grant each matched person
    the confirmation (flushed, not committed: the caller commits once)."""
    data, digest = file_bytes(stream)

    def failed(entry: dict) -> ConfirmationReport:
        return ConfirmationReport(ok=False, dry_run=dry_run, rows=0, confirmed=0, errors=[entry])

    checker = _Checker()
    sheet = sheet_read(filename, data, Limits.from_config(current_app.config), HEADERS, checker)
    if sheet.failed:
        return failed(sheet.failed)
    read = sheet.rows
    if checker.errors:
        return ConfirmationReport(ok=False, dry_run=dry_run, rows=read, confirmed=0, errors=capped(checker.errors))

    found: dict[str, list[Person]] = {}
    for person in persons_by_citizen_digests(caller=caller, digests={row.digest for row in checker.rows}):
        found.setdefault(person.citizen_id_hash, []).append(person)
    unmatched, duplicates, grants = [], [], []
    first_line: dict[str, int] = {}
    for row in checker.rows:
        if row.digest in first_line:
            duplicates.append(problem(row.line, checker.headers["identifier"], "import.confirmation_repeated",
                                      line=first_line[row.digest]))
            continue
        first_line[row.digest] = row.line
        people = found.get(row.digest, [])
        if not people:
            unmatched.append(problem(row.line, checker.headers["identifier"], "import.identifier_unmatched"))
            continue
        open_people = [p for p in people if p.erased_at is None and p.consent_withdrawn_at is None]
        if not open_people:
            unmatched.append(problem(row.line, checker.headers["identifier"], "import.identifier_restricted"))
            continue
        for person in open_people:
            if any(s.skill == Skill.vneid_programme_confirmed for s in person.skills):
                duplicates.append(problem(row.line, checker.headers["identifier"], "import.confirmation_held",
                                          person=person.public_id))
            else:
                grants.append((row, person))
    report = ConfirmationReport(ok=True, dry_run=dry_run, rows=read, confirmed=len(grants),
                                unmatched=capped(unmatched), duplicates=capped(duplicates))
    if dry_run:
        return report
    for row, person in grants:
        skills_record(caller=caller, person=person, grant=[Skill.vneid_programme_confirmed],
                      evidence_kind=EvidenceKind.import_, evidence_ref=platform_evidence_ref(digest, row.line),
                      confirmed_on=row.confirmed_on)
        db.session.add(PlatformConfirmation(
            person_id=person.id, commune_code=person.commune_code, confirmed_on=row.confirmed_on,
            course=row.course or None, level=row.level or None, file_sha256=digest, line=row.line,
            imported_by=caller.user_id))
    db.session.flush()
    activity_record(action="platform_confirmation.import", object_type="import", object_id=digest[:16],
                    log_unit=default_log_unit(caller), caller=caller,
                    body={"rows": read, "confirmed": len(grants), "unmatched": len(unmatched),
                          "duplicates": len(duplicates), "file_sha256": digest, "dry_run": False})
    return report
