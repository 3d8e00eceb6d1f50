"""``fieldapp contract write|check``: the generated parts of mobile_contract/."""
from pathlib import Path

import click

from fieldapp.cli.appcontext import with_appcontext

CONTRACT_DIR = Path(__file__).resolve().parents[2] / "mobile_contract"


def generated_files() -> dict[str, str]:
    """File name → content of every generated contract file."""
    from flask import current_app

    from fieldapp.audit.actions import actions_markdown
    from fieldapp.errors import catalogue_markdown
    from fieldapp.models.evidence import evidence_markdown

    api = current_app.extensions["fieldapp_api"]
    return {"openapi.yaml": api.spec.to_yaml({"allow_unicode": True, "sort_keys": True}),
            "errors.md": catalogue_markdown(), "evidence.md": evidence_markdown(),
            "exports.md": exports_markdown(), "actions.md": actions_markdown(),
            "imports.md": imports_markdown()}


#: What each column of the exported list of people supported holds, by its header. A header of
#: ``HEADERS`` without an entry here stops ``fieldapp contract write`` (and fails the drift test).
EXPORT_COLUMNS = {
    "STT": ("row number, 1, 2, 3, … in the order of the list", "integer"),
    "Họ và tên": ("the person's full name (a placeholder once their data was erased: "
                  "`POST /persons/{id}/erase`)", "text"),
    "Năm sinh": ("the person's birth year", "integer, or empty when unknown"),
    "Thôn/xóm": ("the village (thôn, xóm, bản, …) the person lived in when supported", "text"),
    "Kỹ năng được hỗ trợ": ("the skill supported, by its Vietnamese name (table below)", "text"),
    "Hình thức": ("how the support was given: the evidence's kind, by its Vietnamese name (table below)", "text"),
    "Thời gian hỗ trợ": ("when the support was given (a visit's `visited_at`, a session's `starts_at`, …)",
                         "`dd/mm/yyyy HH:MM`, Vietnam's time (Asia/Ho_Chi_Minh, UTC+7)"),
    "Người hỗ trợ": ("the full name of the volunteer, ambassador or organiser who helped",
                     "text, empty when no account is named"),
    "Minh chứng": ("what proves the support was given, by its Vietnamese name (table below)", "text"),
    "Ghi chú kiểm tra": ("the check's flags, as in `qr.md` (`no_plate_scan`, `far_from_site`, …): empty for a "
                         "verified record; `verified_only=true` leaves flagged rows out", "flag names joined by `, `"),
    "Mã người dân": ("the person's public id, as on their card and in the API (`P…`)", "text"),
    "Mã bản ghi": ("the support record's id (`id` in the JSON list)", "integer"),
}


def exports_markdown() -> str:
    """``mobile_contract/exports.md``: the columns of the exported list, generated from the code
    that writes it (fieldapp/selectors/support_records.py, fieldapp/exports.py)."""
    from fieldapp.exports import FORMULA_TRIGGERS
    from fieldapp.models.skills import FRAMEWORK_VI, SKILL_CATALOGUE
    from fieldapp.selectors.support_records import EXPORT_LIMIT, HEADERS, PROOF_VI, SOURCE_VI

    missing = [header for header in HEADERS if header not in EXPORT_COLUMNS]
    if missing:
        raise RuntimeError(f"describe the export's columns {missing} in fieldapp/cli/contract.py EXPORT_COLUMNS")
    triggers = ", ".join({"\t": "tab", "\r": "carriage return"}.get(t, f"`{t}`") for t in FORMULA_TRIGGERS)
    lines = [
        "# The list of people supported: CSV and XLSX",
        "",
        "Generated from `fieldapp/selectors/support_records.py` and `fieldapp/exports.py` by "
        "`fieldapp contract write`;",
        "a test fails when it drifts.",
        "",
        "`GET /support-records?format=csv` or `?format=xlsx` exports the whole list that the same query with",
        "`format=json` pages through (same filters, same scope), newest support first (`supported_at`, then",
        "`id`, descending): one row per person and skill supported. More than",
        f"{EXPORT_LIMIT:,} rows answer 422 `export.too_many_rows`: narrow the filter. Each export is recorded in the",
        "activity log (`support_record.export`, `actions.md`).",
        "",
        "- **CSV** (`text/csv`, `danh-sach-nguoi-duoc-ho-tro.csv`): UTF-8 beginning with a byte order mark",
        "  (`EF BB BF`, so that Excel reads it as UTF-8), comma-separated, fields quoted only when they hold a",
        "  comma, a quote or a line break (a quote doubled), each row ending in CR LF.",
        "- **XLSX** (`danh-sach-nguoi-duoc-ho-tro.xlsx`): one sheet, `Danh sách`, the header row in bold; text",
        "  cells are strings and never formulas, numbers are numbers.",
        "- **Inert text** (OWASP, CSV injection): in the CSV, a text cell whose first character after any",
        f"  leading spaces is {triggers} gets a leading apostrophe `'`, which Excel shows",
        "  as text and hides (`=HYPERLINK(…)` is written `'=HYPERLINK(…)`). A reader of the CSV that wants the",
        "  text as typed drops that one apostrophe. The XLSX keeps the text as typed: a string cell is inert.",
        "",
        "## Columns, in order",
        "",
        "| # | header | holds | format |",
        "|---|---|---|---|",
    ]
    for number, header in enumerate(HEADERS, start=1):
        meaning, form = EXPORT_COLUMNS[header]
        lines.append(f"| {number} | `{header}` | {meaning} | {form} |")
    lines += ["", "## Skills (`Kỹ năng được hỗ trợ`)", "",
              "The catalogue (`SKILL_CATALOGUE`, fieldapp/models/skills.py), with the framework each skill comes "
              "from; a phone pulls the same (`skills` of `GET /sync`).", "",
              "| in the API | in the export | framework |", "|---|---|---|"]
    for skill, (vietnamese, framework) in SKILL_CATALOGUE.items():
        lines.append(f"| `{skill.value}` | {vietnamese} | `{framework.value}`: {FRAMEWORK_VI[framework]} |")
    for title, names in (("Kinds of evidence (`Hình thức`)", SOURCE_VI), ("Proofs (`Minh chứng`)", PROOF_VI)):
        lines += ["", f"## {title}", "", "| in the API | in the export |", "|---|---|"]
        for key, vietnamese in names.items():
            lines.append(f"| `{getattr(key, 'value', key)}` | {vietnamese} |")
    return "\n".join(lines) + "\n"


def imports_markdown() -> str:
    """``mobile_contract/imports.md``: the columns each import reads, generated from the code that reads
    them (fieldapp/services/imports/columns.py, confirmations.py and population.py)."""
    from fieldapp.services.imports import columns as households
    from fieldapp.services.imports import confirmations, population
    from fieldapp.services.imports.cells import TARGET_GROUP_NAMES

    def table(columns: dict, required: tuple, docs: dict | None = None) -> list[str]:
        rows = ["| column | also accepted | required | holds |", "|---|---|---|---|"] if docs else [
            "| column | also accepted | required |", "|---|---|---|"]
        for column, aliases in columns.items():
            also = ", ".join(f"`{alias}`" for alias in aliases)
            cells = [f"`{column}`", also, "yes" if column in required else "no"]
            if docs:
                cells.append(docs[column])
            rows.append("| " + " | ".join(cells) + " |")
        return rows

    lines = [
        "# Imports: the columns of each sheet (CSV or XLSX)",
        "",
        "Generated from `fieldapp/services/imports/` by `fieldapp contract write`; a test fails when it drifts.",
        "",
        "Every import reads the first sheet of an XLSX, or a UTF-8 CSV (comma, semicolon or tab), under the same",
        "limits (`POST /households/import` in openapi.yaml). The first row that is not empty is the header;",
        "headers are matched without diacritics or case (`Số CCCD`, `so cccd`, `SO_CCCD` are one column), and a",
        "row-number column (`STT`, `TT`) is ignored. Every problem is reported with the line Excel shows and a",
        "stable `import.*` code (errors.md); `?dry_run=true` (the default) checks and writes nothing, and one bad",
        "row writes nothing (`import.has_errors`).",
        "",
        "## The household list: `POST /households/import`",
        "",
        "One row per person; the household's columns are repeated on each of its people's rows (or left blank",
        "after the first).",
        "",
        *table(households.COLUMNS, households.REQUIRED_COLUMNS),
        "",
        "`nhom_doi_tuong` holds the person's target groups (`target_groups` of `PersonOut`): blank for none, or",
        "one or more of the groups below by their code or any of their names, matched without diacritics, case",
        "or punctuation (`Học sinh, sinh viên`, `hoc sinh sinh vien`), several separated by `;`, `,` or a line",
        "break (`Cán bộ, công chức, viên chức; Người dân`: a name that holds commas is read whole). A value that",
        "names no group is an error of its row (`import.target_group_unknown`).",
        "",
        "| group | also accepted |",
        "|---|---|",
        *(f"| `{group.value}` | " + ", ".join(f"`{name}`" for name in names) + " |"
          for group, names in TARGET_GROUP_NAMES.items()),
        "",
        "## The national platform's confirmations: `POST /platform-confirmations/import`",
        "",
        "One row per confirmation shown on VNeID. Rows are matched to the people of the officer's area by the",
        "keyed hash of the identifier (`HMAC-SHA-256`, the registry's `citizen_id_hash`): the identifier is never",
        "stored, logged or echoed back. Each matched person is granted `vneid_programme_confirmed` (evidence",
        "`import`, `confirmed_on` the row's date, `evidence_ref` `platform:<first 16 hex digits of the file's",
        "SHA-256>:<line>`; logged as `person.skills_record`, and the import as `platform_confirmation.import`).",
        "`course` and `level` are checked but not stored. The report lists, besides errors:",
        "",
        "- `unmatched`: rows matching nobody in the area (`import.identifier_unmatched`), or only people who",
        "  withdrew consent or were erased (`import.identifier_restricted`); not errors, nothing recorded;",
        "- `duplicates`: a second row of an identifier (`import.confirmation_repeated`; the first is kept), or a",
        "  person already confirmed (`import.confirmation_held`); skipped.",
        "",
        *table(confirmations.COLUMNS, confirmations.REQUIRED_COLUMNS, confirmations.COLUMN_DOCS),
        "",
        "## Population figures: `POST /units/population/import`",
        "",
        "One row per figure: a commune's or province's population in a year, by measure, with its source (the",
        "plans' denominators, `GET /units/{code}/population`). Every unit must be a commune or province of the",
        "officer's area; a unit of another area is reported exactly as a code that does not exist",
        "(`import.unit_not_found`). Other row errors: `import.year_invalid`, `import.measure_unknown`,",
        "`import.value_invalid`, `import.value_negative`, `import.source_missing`, and `import.figure_repeated`",
        "for a unit, year and measure given on an earlier line. A good file is written as",
        "`PUT /units/{code}/population/{year}` writes figures: once per unit, year and source, each logged as",
        "`population.enter` in the unit's log (its body's `import` naming this import), then the import as",
        "`population.import`. A figure already held is replaced (the report counts them: `replaced`).",
        "",
        *table(population.COLUMNS, population.REQUIRED_COLUMNS, population.COLUMN_DOCS),
        "",
        "| measure | also accepted |",
        "|---|---|",
        *(f"| `{measure.value}` | " + ", ".join(f"`{name}`" for name in names) + " |"
          for measure, names in population.MEASURE_NAMES.items()),
    ]
    return "\n".join(lines) + "\n"


@click.group("contract")
def group():
    """The mobile contract documents generated from the code."""


@group.command("write")
@with_appcontext(http=True)  # the API's OpenAPI document
def contract_write():
    """Regenerate mobile_contract/openapi.yaml, errors.md, evidence.md, actions.md, exports.md and imports.md."""
    for name, content in generated_files().items():
        (CONTRACT_DIR / name).write_text(content, encoding="utf-8")
        click.echo(f"wrote mobile_contract/{name}")
