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
            "imports.md": imports_markdown(), "reports.md": reports_markdown()}


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
    "Mã tổ chức được hỗ trợ": ("the code of the organisation (agency, school, enterprise, cooperative) the person "
                               "was helped on behalf of (`organisation_code`); empty for support of the person "
                               "themselves", "text"),
    "Tên tổ chức được hỗ trợ": ("that organisation's name (`organisation_name`); empty when none", "text"),
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
        "The confirmation is kept whole, in the same transaction (`platform_confirmations`): the date, `course` and",
        "`level` as the list writes them (null when empty), the file's SHA-256 and the row's line, who imported it",
        "and when; a person's `vneid_programme_confirmed` skill shows it as `platform_confirmation` wherever the",
        "person is read (`GET /persons/{id}`, the lists, `GET /sync/pull`). A dry run writes nothing; a",
        "duplicate writes nothing either, so the first confirmation stays, course and level included. The",
        "report lists, besides errors:",
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


def reports_markdown() -> str:
    """``mobile_contract/reports.md``: the quarterly report, generated from the code that makes it
    (fieldapp/periods.py, fieldapp/selectors/reports.py, fieldapp/services/reports.py, fieldapp/errors.py)."""
    from fieldapp.errors import CATALOGUE
    from fieldapp.exports import vn_date
    from fieldapp.models.reports import REPORT_STATUS_VI, ReportStatus
    from fieldapp.periods import REPORT_CUTOFF_DAY, report_due, report_quarter
    from fieldapp.selectors import reports

    def columns(headers) -> str:
        return ", ".join(f"`{header}`" for header in headers)

    quarters = [report_quarter(2026, q) for q in range(1, 5)]
    lines = [
        "# The quarterly report: its workbook, its lifecycle, the communes' statuses",
        "",
        "Generated from `fieldapp/periods.py`, `fieldapp/selectors/reports.py` and `fieldapp/services/reports.py` by",
        "`fieldapp contract write`; a test fails when it drifts. Paths are under `/api/v1`; the schemas are in",
        "`openapi.yaml`.",
        "",
        "## The reporting quarter and its cut-off days",
        "",
        "The plans want each commune's report \"trước ngày 10 tháng cuối mỗi Quý\" (before the 10th of the",
        "quarter's last month), so the report cannot wait for the calendar quarter's end. `quarter=2026-Q3` names",
        f"the **reporting quarter**: its days run from the {REPORT_CUTOFF_DAY}th of the previous quarter's last "
        f"month to the {REPORT_CUTOFF_DAY - 1}th",
        "of its own last month, Vietnam's days (Asia/Ho_Chi_Minh, UTC+7: a support given at 23:30 on 9 September,",
        "Vietnam's time, is Q3's, whatever UTC says), and the report is due before the 10th, 00:00 Vietnam's",
        "time. Every day is in exactly one reporting quarter; Q1's begin in December of the year before.",
        "`GET /indicators` calls the same days `period=2026-R3`. Every year alike; 2026:",
        "",
        "| quarter | `GET /indicators` period | first day | last day | due before |",
        "|---|---|---|---|---|",
        *(f"| `{q.name.replace('-R', '-Q')}` | `{q.name}` | {vn_date(q.first)} | {vn_date(q.last)} | "
          f"{vn_date(report_due(q))} 00:00 |" for q in quarters),
        "",
        "## `GET /reports/quarterly?unit=COMMUNE&quarter=2026-Q3&format=json|csv|xlsx`",
        "",
        "Officers of the commune's area: its own, and any commune of a province for the province's officers",
        "(another area's commune is 404 `unit.not_found`, as every read; volunteers and team leaders 403",
        "`auth.forbidden`). `format`:",
        "",
        "- `json` (default): the report's status and lifecycle, its figures (`figures`, each as",
        "  `GET /indicators` answers it), teams, organisations and ambassadors with their results, the number",
        "  of rows of its list of people supported, the checkpoints, and `late` (below).",
        "- `xlsx`: the workbook, every sheet below (`bao-cao-quy-<commune>-<quarter>.xlsx`).",
        f"- `csv`: **the indicators sheet only** (`{reports.SHEET_INDICATORS}`), UTF-8 with a byte order mark, as",
        "  the list of people supported is exported (`exports.md`); the other sheets are in the workbook.",
        "",
        "Text cells are inert, as in every export (`exports.md`: never a formula). Shares and targets are",
        "percentages (`50` is 50%); a gap is in percentage points for a share target, in people for a head",
        "count. Dates are `dd/mm/yyyy`, Vietnam's time.",
        "",
        "Each read is recorded in the commune's activity log (`quarterly_report.view`, or",
        "`quarterly_report.export` for a file: `actions.md`) **before** the log is checkpointed for the answer,",
        "so the checkpoint it shows covers its own entry and `GET /activity/head?log=<commune>` right after it",
        "answers the same.",
        "",
        "### The workbook's sheets, in order",
        "",
        "| sheet | one row per | columns |",
        "|---|---|---|",
        f"| `{reports.SHEET_COVER}` | item: the commune, the quarter and its days, the due date, the status, who "
        f"submitted and approved it and when, the SHA-256 of the frozen figures | {columns(reports.COVER_HEADERS)} |",
        f"| `{reports.SHEET_INDICATORS}` | indicator, in the catalogue's order (`GET /indicators/catalogue`) | "
        f"{columns(reports.INDICATOR_HEADERS)} |",
        f"| `{reports.SHEET_PEOPLE}` | person and skill supported, counted, on the quarter's days: the columns of "
        f"`exports.md` | {columns(reports.HEADERS)} |",
        f"| `{reports.SHEET_TEAMS}` | team of the commune: its counted support records, the unique people they "
        f"reached and its members' counted visits in the quarter (as `GET /indicators?team_id=`) | "
        f"{columns(reports.TEAM_HEADERS)} |",
        f"| `{reports.SHEET_ORGANISATIONS}` | organisation held by the commune: its members and those who finished "
        f"(the basic skills, as `GET /indicators?organisation_id=`) | {columns(reports.ORGANISATION_HEADERS)} |",
        f"| `{reports.SHEET_AMBASSADORS}` | Digital Ambassador of the commune: mentees active and completed, and the "
        f"≥5 rule | {columns(reports.AMBASSADOR_HEADERS)} |",
        f"| `{reports.SHEET_CHECKPOINT}` | item of the checkpoints (below) | {columns(reports.CHECKPOINT_HEADERS)} |",
        *(f"| `{reports.SHEET_LATE[status]}` (a report {status.value} only) | indicator: frozen, now, and the "
          f"change | {columns(reports.LATE_HEADERS)} |" for status in (ReportStatus.submitted, ReportStatus.approved)),
        *(f"| `{reports.SHEET_LATE_RECORDS[status]}` (a report {status.value} only) | support record that changed "
          f"since: `{reports.LATE_ADDED}` (counted now, not then) or `{reports.LATE_WITHDRAWN}` (then, not now) | "
          f"{columns(reports.LATE_RECORD_HEADERS)} |" for status in (ReportStatus.submitted, ReportStatus.approved)),
        "",
        "What the indicators sheet's `Nguồn mẫu số` (the denominator's source) says: "
        + "; ".join(f"`{key}`: {value}" for key, value in reports.DENOMINATOR_VI.items())
        + " (a population figure with its source, and the registry's count beside it). Its `Nguồn mục tiêu`",
        "names the target's origin: the plans' national default, or the province or commune that set it, with its",
        "source (`GET /units/{code}/targets`).",
        "",
        "### Which figures: drafts, frozen reports, late evidence",
        "",
        "- A **draft** is computed when it is read: the indicators exactly as `GET /indicators?unit=<commune>&",
        "  period=2026-R3` computes them that moment, and the list of people supported exactly as",
        "  `GET /support-records?commune=<commune>&since=<first day>&until=<day after the last>` (counted",
        "  records only).",
        "- **Submitting freezes** the report: its figures (ids and counts, never a name: names are read when it",
        "  is shown, so an erasure reaches it), with the checkpoint they were computed against, are kept as one",
        "  JSON snapshot whose SHA-256 (`snapshot_sha256`) is in the submission's log entry. A submitted or",
        "  approved report always shows that snapshot.",
        "- **Evidence recorded later** for the quarter's days (a late sync, a review accepted afterwards) is kept,",
        "  counted in `GET /indicators`, and shown beside the frozen figures, never in them: `late.figures` (and",
        "  the sheet " + f"`{reports.SHEET_LATE[ReportStatus.approved]}`) gives each indicator frozen, now, and "
        "live − frozen;",
        "  `late.added_support_record_ids` and `late.withdrawn_support_record_ids` (and the sheet",
        f"  `{reports.SHEET_LATE_RECORDS[ReportStatus.approved]}`) the records counted now and not then, or then",
        "  and not now. For an indicator that counts the quarter's days (`flow`: support, sessions, visits) a",
        "  change is evidence recorded late; for a state (skills, Digital Families, mentors: as they stand when",
        "  computed) it is the progress made since.",
        "",
        "### The checkpoint: recomputing the figures from the log",
        "",
        "The figures are computed, then the commune's activity log is checkpointed in the same transaction: the",
        "checkpoint (`checkpoint`; the sheet's first column) is what they were computed against, the log's `size`",
        "and `root_hash` signed with the audit key, exactly as `GET /activity/head` answers it (`audit-log.md`).",
        "`current_checkpoint` (the second column) is the one signed for this answer: the same for a draft, a later",
        "one for a frozen report (the entries between the two are what was recorded since it was frozen). To",
        "recompute the figures: export the log (`GET /activity/export?log=<commune>`), save the checkpoint's JSON",
        "(the sheet gives it whole) as `head.json`, run `fieldapp audit verify nhat-ky-<commune>.jsonl --head",
        "head.json`, and count from the entries `seq` 0 to `size` − 1 (every record of the list of people",
        "supported comes from one of them: its visit's `visit.create`, its session's attendee entry).",
        "",
        "**One window to know of.** The figures and the checkpoint are one transaction but, on PostgreSQL",
        "(read committed), not one snapshot: evidence another request commits while the figures are being",
        "read can be inside the checkpoint and outside the figures (never the reverse: the checkpoint",
        "sequences what is queued first, and an entry is queued with its evidence). A recount from the",
        "checkpoint then finds those entries more than the frozen figures; they are the entries whose `at`",
        "falls during the report's computation, and for an approved quarter they appear as late (`late`,",
        "above) like any other. A quiet commune (nothing recorded while the report is computed) recounts",
        "exactly.",
        "",
        "## The lifecycle (anchor: DHIS2 data approval)",
        "",
        "`"
        + "` → `".join(s.value for s in ReportStatus) + "`; a province may return a submitted report, with a",
        "reason: it is a `draft` again, to be submitted anew. An approved report is **locked**: never submitted",
        "again nor returned, and the database refuses any change to its row. Each transition is recorded in the",
        "commune's activity log (`quarterly_report.submit`, `.approve`, `.return`: `actions.md`). Bodies:",
        "`{\"commune_code\": \"17395\", \"quarter\": \"2026-Q3\"}` (and `reason` to return); each answers the",
        "report's lifecycle (`LifecycleOut`).",
        "",
        "| status | shown as | means |",
        "|---|---|---|",
        *(f"| `{status.value}` | {REPORT_STATUS_VI[status]} | "
          + {ReportStatus.draft: "never submitted, or returned (`returned`, `return_reason`): computed when read",
             ReportStatus.submitted: "figures frozen; the province approves or returns it",
             ReportStatus.approved: "locked for good; later evidence shown apart, as late"}[status] + " |"
          for status in ReportStatus),
        "",
        "| request | who | refused with |",
        "|---|---|---|",
        "| `POST /reports/quarterly/submit` | an officer held on the commune (not the province's, not an admin: "
        "the level that reports is not the level that approves) | `report.submit_by_commune`, "
        "`report.quarter_not_started`, `report.already_submitted`, `report.locked` |",
        "| `POST /reports/quarterly/approve` | an officer of the commune's province, or an admin | "
        "`report.approve_by_province`, `report.not_submitted`, `report.already_approved` |",
        "| `POST /reports/quarterly/return` | the same | `report.approve_by_province`, `report.not_submitted`, "
        "`report.locked` |",
        "",
        "Another province's officer does not find the commune: 404 `unit.not_found`, whatever the step. A report",
        "may be submitted from the first day of its quarter (it is due on the quarter's last day), and late: its",
        "log entry then says `late`. Two submissions at once meet on the report: the second gets",
        "`report.already_submitted`.",
        "",
        "## `GET /reports/quarterly/status?unit=PROVINCE|COMMUNE&quarter=2026-Q3`",
        "",
        "Officers: each commune's report of the quarter (a province's communes, or one commune), with the",
        "quarter's `due_before` (the 10th of its last month) and `due_at` (its midnight, Vietnam's time), and",
        "`days_left`: days from today (Vietnam's) to the due day, 1 on the last day to submit, 0 or less once",
        "late (`overdue`). `quarter` defaults to the reporting quarter today is in, the one due next. The",
        "communes come **not submitted first** (returned ones before those never submitted), then those awaiting",
        "approval, then the approved, by code within each; `not_submitted` lists the drafts' codes, `counts`",
        "counts each status, and each commune says whether it was submitted late (`submitted_late`) and, while",
        "not submitted, whether it is `overdue`.",
        "",
        "## Errors",
        "",
        "| error_code | HTTP | message (vi) |",
        "|---|---|---|",
        *(f"| `{spec.code}` | {spec.status} | {spec.vi} |" for code, spec in sorted(CATALOGUE.items())
          if code.startswith("report.")),
    ]
    return "\n".join(lines) + "\n"


@click.group("contract")
def group():
    """The mobile contract documents generated from the code."""


@group.command("write")
@with_appcontext(http=True)  # the API's OpenAPI document
def contract_write():
    """Regenerate mobile_contract/openapi.yaml, errors.md, evidence.md, actions.md, exports.md, imports.md and
    reports.md."""
    for name, content in generated_files().items():
        (CONTRACT_DIR / name).write_text(content, encoding="utf-8")
        click.echo(f"wrote mobile_contract/{name}")
