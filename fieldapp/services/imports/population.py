"""Population figures from a sheet: an officer imports the figures of the units of their area (CSV or XLSX).

The figures come from statistics yearbooks and the communes' reports, which are kept in Excel; one row
is one figure: a unit (commune or province, by its official code), a year, a measure, the value and
where it comes from.

- The file is bounded and read as a household list is (``limits``, ``reading``), and every row is
  checked first: one bad row writes nothing (all or nothing), and the report lists every problem with
  its line. A row is bad when its unit is not a commune or province of the caller's area (another
  area's unit is reported exactly as a code that does not exist: ``import.unit_not_found``), its year
  is outside :func:`fieldapp.services.population.population_years`, its measure names none of
  :data:`MEASURE_NAMES`, its value is not a whole number from 0 to ``VALUE_MAX``, its source is
  missing, or the file gave the same unit, year and measure on an earlier line.
- A good file is written through :func:`fieldapp.services.population.population_enter`, as
  ``PUT /units/{code}/population/{year}`` writes: once per unit, year and source, in the order of the
  file, each logged as ``population.enter`` in the unit's log (its body naming this import), then the
  import itself (``population.import``, in the caller's log). A figure already held is replaced.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import default_log_unit
from fieldapp.errors import FieldMessage
from fieldapp.extensions import db
from fieldapp.models.persons import TargetGroup
from fieldapp.models.population import PopulationFigure, PopulationMeasure
from fieldapp.selectors.population import population_units_get
from fieldapp.services.activity import activity_record
from fieldapp.services.imports import cells
from fieldapp.services.imports.cells import TARGET_GROUP_NAMES, header_key
from fieldapp.services.imports.limits import Limits
from fieldapp.services.imports.reading import ListChecker, file_bytes, sheet_read
from fieldapp.services.imports.report import CellError, capped
from fieldapp.services.population import VALUE_MAX, population_enter, population_years

#: Column → the headers accepted for it (besides the column name itself), matched without diacritics.
COLUMNS: dict[str, tuple[str, ...]] = {
    "unit_code": ("Mã đơn vị", "Mã ĐVHC", "Mã đơn vị hành chính", "Mã xã", "Mã tỉnh"),
    "unit_name": ("Tên đơn vị", "Đơn vị", "Tên xã", "Tên tỉnh"),
    "year": ("Năm",),
    "measure": ("Chỉ tiêu", "Loại số liệu"),
    "value": ("Giá trị", "Số lượng", "Số liệu"),
    "source": ("Nguồn", "Nguồn số liệu"),
}
REQUIRED_COLUMNS = ("unit_code", "year", "measure", "value", "source")
HEADERS = {header_key(alias): column for column, aliases in COLUMNS.items() for alias in (column, *aliases)}
#: The longest source, as ``population_figures.source`` holds it.
SOURCE_MAX = PopulationFigure.__table__.c.source.type.length

#: The names a cell may give each measure by, besides its code (``citizens_from_16``); matched as headers
#: are (without diacritics, case or punctuation). The measures that count a target group take the
#: group's code and names too (``cells.TARGET_GROUP_NAMES``): the same words mean the same people in
#: both sheets.
MEASURE_NAMES: dict[PopulationMeasure, tuple[str, ...]] = {
    PopulationMeasure.adults: ("Người từ 18 tuổi trở lên", "Người từ 18 tuổi", "Người trưởng thành",
                               "Dân số trưởng thành"),
    PopulationMeasure.citizens_from_16: ("Công dân từ 16 tuổi trở lên", "Công dân từ 16 tuổi",
                                         "Người từ 16 tuổi trở lên", "Người từ 16 tuổi"),
    PopulationMeasure.households: ("Hộ gia đình", "Số hộ", "Hộ"),
    PopulationMeasure.pupils: ("pupils_students", *TARGET_GROUP_NAMES[TargetGroup.pupils_students]),
    PopulationMeasure.workers: ("enterprise_workers", *TARGET_GROUP_NAMES[TargetGroup.enterprise_workers]),
    PopulationMeasure.public_staff: TARGET_GROUP_NAMES[TargetGroup.public_staff],
}
_MEASURE_KEYS = {header_key(name): measure for measure, names in MEASURE_NAMES.items()
                 for name in (measure.value, *names)}

#: What each column holds (mobile_contract/imports.md).
COLUMN_DOCS: dict[str, str] = {
    "unit_code": "the commune's (5 digits) or province's (2 digits) official code, in the officer's area; a code "
                 "typed as a number that lost its leading zeros is read back (1–2 digits: a province, 3–4: a commune)",
    "unit_name": "the unit's name, for the reader: not checked, not stored",
    "year": f"the year of the figure, from {population_years().start} to next year",
    "measure": "what it counts: a measure's code or one of its names (table below)",
    "value": f"a whole number from 0 to {VALUE_MAX:,}; `1.200`, `1,200` and `1 200` are 1200",
    "source": f"where the figure comes from (a statistics yearbook, the commune's report); at most {SOURCE_MAX} "
              "characters",
}

_YEAR = re.compile(r"(\d{4})(?:[.,]0+)?")
_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+")
_WHOLE = re.compile(r"(\d+)(?:[.,]0+)?")
_SPACES = re.compile(r"\s+")
_MOST = FieldMessage(f"{VALUE_MAX:,}".replace(",", "."), f"{VALUE_MAX:,}")


@dataclass
class PopulationImportReport:
    ok: bool
    dry_run: bool
    #: Data rows read: one figure each.
    rows: int
    #: Figures written (on a dry run: that would be).
    figures: int
    #: Communes and provinces they are of.
    units: int
    #: Figures among them that replace one already held.
    replaced: int
    #: Problems that write nothing (``import.*``), at most MAX_ERRORS + 1.
    errors: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _unit_code(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        written = str(value)
    else:
        written = cells.text(value).strip()
    if not written:
        raise CellError("import.unit_missing")
    if written.isdigit() and len(written) != 2 and len(written) < 5:  # a number in Excel: its zeros are lost
        written = written.zfill(2 if len(written) < 2 else 5)
    return written


def _year(value) -> int:
    years = population_years()
    written = str(value.year) if isinstance(value, (datetime, date)) else cells.text(value).strip()
    if not written:
        raise CellError("import.year_missing")
    match = _YEAR.fullmatch(written)
    if match is None or int(match.group(1)) not in years:
        raise CellError("import.year_invalid", value=written, first=years.start, last=years.stop - 1)
    return int(match.group(1))


def _measure(value) -> PopulationMeasure:
    written = cells.text(value).strip()
    if not written:
        raise CellError("import.measure_missing")
    measure = _MEASURE_KEYS.get(header_key(written))
    if measure is None:
        raise CellError("import.measure_unknown", value=written)
    return measure


def _value(value) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        number, written = value, str(value)
    else:
        written = cells.text(value).strip()
        if not written:
            raise CellError("import.value_missing")
        compact = _SPACES.sub("", written.replace("\u00a0", " "))
        sign, digits = (-1, compact[1:]) if compact.startswith("-") else (1, compact.removeprefix("+"))
        if _GROUPED.fullmatch(digits):  # thousands grouped: "1.200" (Vietnamese) or "1,200"
            number = sign * int(re.sub(r"[.,]", "", digits))
        elif match := _WHOLE.fullmatch(digits):
            number = sign * int(match.group(1))
        else:
            raise CellError("import.value_invalid", value=written, most=_MOST)
    if number < 0:
        raise CellError("import.value_negative", value=written)
    if number > VALUE_MAX:
        raise CellError("import.value_invalid", value=written, most=_MOST)
    return number


def _source(value) -> str:
    written = cells.text(value).strip()
    if not written:
        raise CellError("import.source_missing")
    if len(written) > SOURCE_MAX:
        raise CellError("import.text_too_long", most=SOURCE_MAX)
    return written


_PARSERS = (("unit_code", _unit_code), ("year", _year), ("measure", _measure), ("value", _value),
            ("source", _source))


@dataclass
class _Row:
    line: int
    unit_code: str
    year: int
    measure: PopulationMeasure
    value: int
    source: str


class _Checker(ListChecker):
    HEADERS, REQUIRED, COLUMNS = HEADERS, REQUIRED_COLUMNS, COLUMNS

    def __init__(self):
        super().__init__()
        self.rows: list[_Row] = []
        #: Lines whose unit code was read, by code (checked against the area after the last row).
        self.unit_lines: dict[str, list[int]] = {}
        self.first_line: dict[tuple[str, int, PopulationMeasure], int] = {}

    def row(self, line: int, row) -> None:
        def cell(column):
            return self.cell(row, column)

        values = {}
        for column, parse in _PARSERS:
            try:
                values[column] = parse(cell(column))
            except CellError as bad:
                self.error(line, column, bad.code, **bad.params)
        if "unit_code" in values:
            self.unit_lines.setdefault(values["unit_code"], []).append(line)
        if {"unit_code", "year", "measure"} <= values.keys():
            key = (values["unit_code"], values["year"], values["measure"])
            if key in self.first_line:
                self.error(line, "measure", "import.figure_repeated", line=self.first_line[key])
            else:
                self.first_line[key] = line
        if len(values) == len(_PARSERS):
            self.rows.append(_Row(line=line, **values))

    def units(self, caller: Caller) -> dict:
        """The units named, in the caller's area; every line naming another one is an error."""
        found = population_units_get(caller=caller, codes=self.unit_lines)
        for code, lines in self.unit_lines.items():
            if code not in found:
                for line in lines:
                    self.error(line, "unit_code", "import.unit_not_found", code=code)
        return found


def _held(rows: list[_Row]) -> int:
    """How many of the rows' figures are held already (they will be replaced)."""
    keys = {(row.unit_code, row.year, row.measure) for row in rows}
    held, units = 0, sorted({row.unit_code for row in rows})
    for start in range(0, len(units), 500):
        query = select(PopulationFigure.unit_code, PopulationFigure.year, PopulationFigure.measure).where(
            PopulationFigure.unit_code.in_(units[start:start + 500]),
            PopulationFigure.year.in_(sorted({row.year for row in rows})))
        held += sum(1 for key in db.session.execute(query) if tuple(key) in keys)
    return held


def population_figures_import(*, caller: Caller, filename: str, stream, dry_run: bool) -> PopulationImportReport:
    """Check a sheet of population figures and, when no row is bad and not ``dry_run``, enter every figure
    (flushed, not committed: the caller commits once)."""
    data, digest = file_bytes(stream)

    def failed(entry: dict) -> PopulationImportReport:
        return PopulationImportReport(ok=False, dry_run=dry_run, rows=0, figures=0, units=0, replaced=0,
                                      errors=[entry])

    checker = _Checker()
    sheet = sheet_read(filename, data, Limits.from_config(current_app.config), HEADERS, checker)
    if sheet.failed:
        return failed(sheet.failed)
    read, readable = sheet.rows, sheet.readable
    units = checker.units(caller) if readable else {}
    if checker.errors:
        return PopulationImportReport(ok=False, dry_run=dry_run, rows=read, figures=0, units=0, replaced=0,
                                      errors=capped(checker.errors))
    report = PopulationImportReport(ok=True, dry_run=dry_run, rows=read, figures=len(checker.rows),
                                    units=len(units), replaced=_held(checker.rows))
    if dry_run:
        return report
    # One entry per unit, year and source, as one PUT would make it; in the order of the file.
    entries: dict[tuple[str, int, str], dict[PopulationMeasure, int]] = {}
    for row in checker.rows:
        entries.setdefault((row.unit_code, row.year, row.source), {})[row.measure] = row.value
    for (code, year, source), figures in entries.items():
        population_enter(caller=caller, unit=units[code], year=year, figures=figures, source=source,
                         imported_from=digest[:16])
    activity_record(action="population.import", object_type="import", object_id=digest[:16],
                    log_unit=default_log_unit(caller), caller=caller,
                    body={"rows": read, "figures": report.figures, "units": report.units,
                          "replaced": report.replaced, "file_sha256": digest, "dry_run": False})
    return report
