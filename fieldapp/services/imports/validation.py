"""Checking a household list row by row: every problem found, none written until all are fixed.

The file has one row per person; the household's columns repeat on each of its people's rows (or are
left blank after the first, as with merged cells), and the rows with the same household key
(``ma_ho``) make one household.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import select

from fieldapp.errors import AppError, FieldMessage
from fieldapp.extensions import db
from fieldapp.geo import LatLon, check_in_commune, point_of
from fieldapp.models.persons import Person, Sex, TargetGroup, shown_name
from fieldapp.models.units import Unit
from fieldapp.models.villages import Village, VillageKind
from fieldapp.services.imports import cells
from fieldapp.services.imports.columns import COLUMNS, HEADERS, REQUIRED_COLUMNS, header_row_read
from fieldapp.services.imports.report import CellError, problem
from fieldapp.services.persons import likely_duplicates
from fieldapp.text import fold

_KIND_PREFIXES = tuple(sorted((fold(kind.value) + " " for kind in VillageKind), key=len, reverse=True))
#: Household-level fields: (field, column whose header an error names).
_HOUSEHOLD_FIELDS = (("village_id", "thon"), ("address", "dia_chi"), ("location", "vi_do"),
                     ("is_poor", "ho_ngheo"), ("is_ethnic_minority", "dan_toc_thieu_so"),
                     ("is_remote", "vung_sau_vung_xa"))
_LAT = FieldMessage("Vĩ độ", "latitude")
_LON = FieldMessage("Kinh độ", "longitude")
_UNKNOWN_YEAR = FieldMessage("không rõ năm sinh", "birth year unknown")


@dataclass(slots=True)
class ListedHousehold:
    key: str
    line: int
    #: field → (value, line it was first given on)
    values: dict = field(default_factory=dict)
    #: fields given with an error on some row (so "missing" is not reported on top)
    bad: set = field(default_factory=set)
    head_line: int | None = None
    persons: list = field(default_factory=list)


@dataclass(slots=True)
class ListedPerson:
    line: int
    household: ListedHousehold | None
    full_name: str
    name_folded: str
    birth_year: int | None
    sex: Sex | None
    phone: str | None
    is_head: bool
    has_disability: bool
    #: The groups the row's ``nhom_doi_tuong`` names (none when blank).
    target_groups: tuple[TargetGroup, ...] = ()


class _Known(NamedTuple):
    """Someone already in the village, as a duplicate message names them (masked if they withdrew)."""
    birth_year: int | None
    full_name: str


class _Villages:
    """The commune's villages by folded name, also without their kind ("Xóm 1" and "1")."""

    def __init__(self, commune_code: str):
        self.by_name: dict[str, int] = {}
        short: dict[str, int | None] = {}
        for village_id, name_folded in db.session.execute(
                select(Village.id, Village.name_folded).where(Village.commune_code == commune_code)):
            self.by_name[name_folded] = village_id
            bare = self._bare(name_folded)
            if bare != name_folded:
                short[bare] = None if bare in short else village_id  # ambiguous: no short form
        self.short = {name: village_id for name, village_id in short.items() if village_id is not None}

    @staticmethod
    def _bare(folded: str) -> str:
        for prefix in _KIND_PREFIXES:
            if folded.startswith(prefix):
                return folded[len(prefix):]
        return folded

    def find(self, name: str) -> int | None:
        folded = fold(name)
        found = self.by_name.get(folded)
        if found is None:
            found = self.short.get(folded) or self.short.get(self._bare(folded))
        if found is None and self._bare(folded) != folded:
            found = self.by_name.get(self._bare(folded))
        return found


def _year_text(year: int | None):
    return str(year) if year is not None else _UNKNOWN_YEAR


class Validator:
    """Reads the header row, then each data row, then checks what needs the whole file."""

    def __init__(self, *, commune: Unit, allow_duplicates: bool):
        self.commune = commune
        self.centroid = point_of(commune.centroid)
        self.allow_duplicates = allow_duplicates
        self.villages = _Villages(commune.code)
        self.errors: list[dict] = []
        self.columns: dict[str, int] = {}
        #: Indices of the columns with a header (known, unknown or ignored).
        self.named: set[int] = set()
        self.headers: dict[str, str] = {}
        self.households: dict[str, ListedHousehold] = {}
        self.persons: list[ListedPerson] = []

    def error(self, line: int | None, column: str | None, code: str, /, **params) -> None:
        self.errors.append(problem(line, self.headers.get(column, column), code, **params))

    # The header row

    def header(self, line: int, row) -> bool:
        """Map the columns; ``False`` when rows cannot be read (a required column is missing)."""
        found = header_row_read(line, row, headers=HEADERS, required=REQUIRED_COLUMNS, error=self.error)
        self.columns, self.headers, self.named, missing = found.columns, found.written, found.named, found.missing
        for column in missing:
            self.errors.append(problem(line, None, "import.column_missing", name=COLUMNS[column][0], column=column))
        if ("vi_do" in self.columns) != ("kinh_do" in self.columns):
            self.errors.append(problem(line, None, "import.location_columns"))
        return not missing

    # A data row

    def row(self, line: int, row) -> None:
        width = len(row)

        def cell(column: str):
            index = self.columns.get(column)
            return row[index] if index is not None and index < width else None

        def read(column: str, parse, *args):
            try:
                return parse(cell(column), *args), True
            except CellError as bad:
                self.error(line, column, bad.code, **bad.params)
                return None, False

        stray = next((index for index in range(width) if index not in self.named and cells.text(row[index])), None)
        if stray is not None:
            # In a CSV, most often a comma inside an unquoted cell that shifted the row.
            self.errors.append(problem(line, None, "import.cell_without_header", index=stray + 1))
        key = cells.text(cell("ma_ho"))
        if not key:
            self.error(line, "ma_ho", "import.household_key_missing")
        household = None
        if key:
            household = self.households.get(key)
            if household is None:
                household = self.households[key] = ListedHousehold(key=key, line=line)
        given = self._household_columns(line, household, cell, read)
        if household is not None:
            self._agree(household, line, given)
        self._person_columns(line, household, cell, read)

    def _household_columns(self, line: int, household: ListedHousehold | None, cell, read) -> dict:
        """The household's columns of this row: blank means "as on the household's other rows"."""
        given: dict[str, object] = {}
        village_name = cells.text(cell("thon"))
        if village_name:
            village_id = self.villages.find(village_name)
            if village_id is None:
                self.error(line, "thon", "import.village_unknown", name=village_name)
                self._mark_bad(household, "village_id")
            else:
                given["village_id"] = village_id
        address = cells.text(cell("dia_chi"))
        if len(address) > 300:
            self.error(line, "dia_chi", "import.address_too_long")
            self._mark_bad(household, "address")
        elif address:
            given["address"] = address
        if "vi_do" in self.columns and "kinh_do" in self.columns:
            location = self._location(line, read)
            if location is False:
                self._mark_bad(household, "location")
            elif location is not None:
                given["location"] = location
        for name, column in (("is_poor", "ho_ngheo"), ("is_ethnic_minority", "dan_toc_thieu_so"),
                             ("is_remote", "vung_sau_vung_xa")):
            value, ok = read(column, cells.flag)
            if not ok:
                self._mark_bad(household, name)
            elif value is not None:
                given[name] = value
        return given

    def _location(self, line: int, read):
        """(lat, lon), ``None`` when both are blank, ``False`` when the row's point is wrong."""
        lat, lat_ok = read("vi_do", cells.coordinate, _LAT)
        lon, lon_ok = read("kinh_do", cells.coordinate, _LON)
        if not (lat_ok and lon_ok):
            return False
        if (lat is None) != (lon is None):
            self.error(line, "vi_do" if lat is None else "kinh_do", "import.location_incomplete")
            return False
        if lat is None:
            return None
        try:
            check_in_commune(LatLon(lat, lon), centroid=self.centroid, area_km2=self.commune.area_km2)
        except AppError as exc:  # a point the commune cannot hold: the location rule's own code
            self.error(line, "vi_do", exc.spec.code, **exc.params)
            return False
        return lat, lon

    def _person_columns(self, line: int, household: ListedHousehold | None, cell, read) -> None:
        full_name = cells.text(cell("ho_ten"))
        if not full_name:
            self.error(line, "ho_ten", "import.name_missing")
        elif len(full_name) > 200:
            self.error(line, "ho_ten", "import.name_too_long")
            full_name = ""
        birth_year, _ = read("nam_sinh", cells.year)
        sex, _ = read("gioi_tinh", cells.sex)
        phone, _ = read("so_dien_thoai", cells.phone)
        is_head, _ = read("chu_ho", cells.flag)
        has_disability, _ = read("khuyet_tat", cells.flag)
        target_groups, _ = read("nhom_doi_tuong", cells.target_groups)
        if is_head and household is not None:
            if household.head_line is not None:
                self.error(line, "chu_ho", "import.head_taken", line=household.head_line)
            else:
                household.head_line = line
        if full_name:
            person = ListedPerson(line=line, household=household, full_name=full_name, name_folded=fold(full_name),
                                  birth_year=birth_year, sex=sex, phone=phone, is_head=bool(is_head),
                                  has_disability=bool(has_disability), target_groups=target_groups or ())
            self.persons.append(person)
            if household is not None:
                household.persons.append(person)

    @staticmethod
    def _mark_bad(household: ListedHousehold | None, name: str) -> None:
        if household is not None:
            household.bad.add(name)

    def _agree(self, household: ListedHousehold, line: int, given: dict) -> None:
        for name, column in _HOUSEHOLD_FIELDS:
            if name not in given:
                continue
            value = given[name]
            if name not in household.values:
                household.values[name] = (value, line)
                continue
            first, first_line = household.values[name]
            same = fold(first) == fold(value) if name == "address" else first == value
            if not same:
                self.error(line, column, "import.household_mismatch", line=first_line, key=household.key)

    # After the last row

    def finish(self) -> None:
        for household in self.households.values():
            if "village_id" not in household.values and "village_id" not in household.bad:
                self.error(household.line, "thon", "import.village_missing")
            if "address" not in household.values and "address" not in household.bad:
                self.error(household.line, "dia_chi", "import.address_missing")
        if not self.allow_duplicates:
            self._duplicates()

    def _duplicates(self) -> None:
        """The duplicate-person rule of :func:`likely_duplicates`, against the village's people (read
        once, in bulk) and against the file's earlier rows."""
        existing: dict[tuple[int, str], list[_Known]] = {}
        query = select(Person.village_id, Person.name_folded, Person.birth_year, Person.full_name,
                       Person.consent_withdrawn_at, Person.erased_at).where(Person.commune_code == self.commune.code)
        for village_id, name_folded, birth_year, full_name, withdrawn_at, erased_at in db.session.execute(query):
            existing.setdefault((village_id, name_folded), []).append(
                _Known(birth_year, shown_name(full_name, withdrawn_at, erased_at)))
        in_file: dict[tuple[int, str], list[ListedPerson]] = {}
        for person in self.persons:
            village = person.household.values.get("village_id") if person.household else None
            if village is None:
                continue
            key = (village[0], person.name_folded)
            earlier = next(iter(likely_duplicates(person.birth_year, in_file.get(key, ()))), None)
            if earlier is not None:
                self.error(person.line, "ho_ten", "import.duplicate_in_file", line=earlier.line,
                           name=earlier.full_name, year=_year_text(earlier.birth_year))
            found = next(iter(likely_duplicates(person.birth_year, existing.get(key, ()))), None)
            if found is not None:
                self.error(person.line, "ho_ten", "import.duplicate_existing", name=found.full_name,
                           year=_year_text(found.birth_year))
            in_file.setdefault(key, []).append(person)
