"""Every action the activity log records: what it was done to, what its body holds, which writes
record it. ``fieldapp contract write`` makes mobile_contract/actions.md from this table.

Why a table beside the code rather than one read out of it: an entry's ``action`` is sometimes
passed down (``_issue(action=…)``) or built (``f"{object_type}.view"``), and its body's keys are
built by each service, so the code alone does not say them in a form an auditor can read. The table
cannot drift unnoticed: tests/test_actions.py fails when the code names an action that is not
here (or this names one the code no longer has), and every test of the suite checks each entry it
writes against it (tests/conftest.py): its action, its object type, its body's keys, and the route
or command that wrote it.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Action:
    name: str
    #: What the entry records, in a sentence.
    records: str
    #: What it was done to; several when the action applies to objects of different kinds.
    object_type: str | tuple[str, ...]
    #: What ``object_id`` holds.
    object_id: str
    #: The keys always in ``body``, with what each holds.
    body: dict[str, str] = field(default_factory=dict)
    #: Keys in ``body`` only sometimes, with when.
    optional: dict[str, str] = field(default_factory=dict)
    #: The routes (``METHOD /path``) and commands (``fieldapp …``) whose work records it.
    by: tuple[str, ...] = ()

    @property
    def object_types(self) -> tuple[str, ...]:
        return (self.object_type,) if isinstance(self.object_type, str) else tuple(self.object_type)


_USER_ID = "the account's id (`users.id`)"
_TOKEN = {"token_id": "the server's id of the token or console session record (never the token itself)"}
_PERSON = "the person's public id (`P…`)"
_HOUSEHOLD = "the household's public id (`H…`)"
_MENTORSHIP = "the mentorship's public id"
_COUNT = {"count": "how many items the page showed"}
_REPORT = "the commune's code and the quarter, `17395:2026-Q3`"
_SNAPSHOT = "SHA-256 (hex) of the frozen figures (the report's `snapshot_sha256`)"
_LIST = {**_COUNT, "total": "how many there are in all", "ids": "the ids of the items shown"}
_READ_OPTIONAL = {"page": "the page number, for a paged list",
                  "filters": "the query's parameters as sent (a searched name or point only as `true`)"}

ACTIONS: dict[str, Action] = {action.name: action for action in [
    # --- accounts and sign-in ---
    Action("user.create", "an account was created", "user", _USER_ID,
           {"role": "its role", "unit_code": "its unit: commune or province code, or `null`"},
           by=("POST /api/v1/users", "POST /console/accounts", "POST /api/v1/mentorships/{mentorship_id}/promote",
               "fieldapp users create", "fieldapp demo load")),
    Action("user.disable", "an account was disabled and its tokens revoked", "user", _USER_ID,
           {"role": "its role", "tokens_revoked": "how many live tokens and console sessions were revoked"},
           by=("POST /api/v1/users/{user_id}/disable", "POST /console/accounts/{user_id}/disable",
               "fieldapp users disable")),
    Action("user.enable", "a disabled account may sign in again", "user", _USER_ID, {"role": "its role"},
           by=("POST /api/v1/users/{user_id}/enable", "POST /console/accounts/{user_id}/enable",
               "fieldapp users enable")),
    Action("auth.token_issue", "a bearer token was issued (a sign-in of the app)", "user", _USER_ID, _TOKEN,
           by=("POST /api/v1/auth/token",)),
    Action("auth.token_revoke", "a bearer token was revoked (sign-out, lost phone)", "user", _USER_ID, _TOKEN,
           by=("DELETE /api/v1/auth/token",)),
    Action("auth.console_sign_in", "a console session began", "user", _USER_ID, _TOKEN,
           by=("POST /console/login",)),
    Action("auth.console_sign_out", "a console session ended (signing in again ends the one before)", "user",
           _USER_ID, _TOKEN, by=("POST /console/logout", "POST /console/login")),
    # --- the commune's map and teams ---
    Action("village.create", "a village (thôn, xóm, bản…) was added to a commune", "village",
           "the village's id (`villages.id`)",
           {"kind": "thôn, xóm, bản, …", "has_boundary": "whether a boundary was drawn"},
           by=("POST /api/v1/communes/{code}/villages", "fieldapp demo load")),
    Action("population.enter", "a unit's population figures for a year were entered (or replaced), with their source",
           "unit", "the unit's code and the year, `17395:2026`",
           {"year": "the year", "values": "the measures entered, each with its value",
            "source": "where the figures come from", "replaced": "the measures that held a figure before"},
           {"import": "the `population.import` it came from (its `object_id`), when entered from a sheet"},
           by=("PUT /api/v1/units/{code}/population/{year}", "POST /api/v1/units/population/import")),
    Action("population.import",
           "population figures were imported from a sheet (a dry run records nothing; each unit's figures of a "
           "year and source are logged as `population.enter`, in the unit's log)", "import",
           "the first 16 hex digits of the file's SHA-256",
           {"rows": "data rows read", "figures": "figures entered (one a row)",
            "units": "communes and provinces they are of", "replaced": "figures that replaced one held before",
            "file_sha256": "SHA-256 of the file, hex", "dry_run": "always `false`"},
           by=("POST /api/v1/units/population/import",)),
    Action("target.set", "a unit's targets for a year were set, replaced or removed, with their source", "unit",
           "the unit's code and the year, `17395:2026`",
           {"year": "the year", "targets": "each indicator set (its share or head count and source) or removed"},
           by=("PUT /api/v1/units/{code}/targets/{year}",)),
    Action("ranking.set", "a province's ranking scheme for a level was set or reset: the criteria's weights and the "
           "completion classes' thresholds, with their source", "unit",
           "the province's code and the level, `40:communes`",
           {"level": "`communes`, `teams`, `volunteers` or `ambassadors`",
            "criteria": "each criterion used and its weight (`[]`: the defaults again)",
            "thresholds": "the lowest score of `excellent`, `good` and `done` (`null`: the defaults again)",
            "source": "the guideline's number and date (`null` when both were reset)"},
           by=("PUT /api/v1/units/{code}/rankings/{level}",)),
    # --- the quarterly report's lifecycle (mobile_contract/reports.md), in the commune's log ---
    Action("quarterly_report.submit",
           "a commune submitted its quarterly report: its figures frozen with the checkpoint they were computed "
           "against", "quarterly_report", _REPORT,
           {"quarter": "the quarter, `2026-Q3`", "snapshot_sha256": _SNAPSHOT,
            "checkpoint_size": "the size of the commune's log at the checkpoint the figures were computed against",
            "checkpoint_root_hash": "that checkpoint's root hash (hex)",
            "late": "whether it was submitted on or after the due day (the 10th of the quarter's last month)"},
           by=("POST /api/v1/reports/quarterly/submit", "POST /console/reports/quarterly/submit")),
    Action("quarterly_report.approve", "the province approved a commune's quarterly report: it is locked",
           "quarterly_report", _REPORT, {"quarter": "the quarter, `2026-Q3`", "snapshot_sha256": _SNAPSHOT},
           by=("POST /api/v1/reports/quarterly/approve", "POST /console/reports/quarterly/approve")),
    Action("quarterly_report.return", "the province returned a commune's quarterly report, with a reason: a draft "
           "again", "quarterly_report", _REPORT,
           {"quarter": "the quarter, `2026-Q3`", "snapshot_sha256": "the snapshot returned (SHA-256, hex)",
            "reason": "why, in the province's words"},
           by=("POST /api/v1/reports/quarterly/return", "POST /console/reports/quarterly/return")),
    Action("quarterly_report.view", "an officer read a commune's quarterly report (recorded before the checkpoint "
           "it shows)", "quarterly_report", _REPORT,
           {"quarter": "the quarter, `2026-Q3`", "status": "`draft`, `submitted` or `approved`"},
           by=("GET /api/v1/reports/quarterly", "GET /console/reports/quarterly")),
    Action("quarterly_report.export", "a commune's quarterly report was exported (`format=xlsx` holds the list of "
           "people supported; recorded before the checkpoint it shows)", "quarterly_report", _REPORT,
           {"quarter": "the quarter, `2026-Q3`", "status": "`draft`, `submitted` or `approved`",
            "format": "`xlsx` or `csv`", "support_records": "how many rows its list of people supported has"},
           by=("GET /api/v1/reports/quarterly", "GET /console/reports/quarterly/download")),
    Action("team.create", "a team was formed", "team", "the team's id",
           {"kind": "its kind", "leader_id": "its leader's account id", "village_id": "its village, or `null`"},
           by=("POST /api/v1/teams", "POST /console/teams", "fieldapp demo load")),
    Action("team.member_add", "an account joined a team", "team", "the team's id",
           {"user_id": "the member's account id"},
           by=("POST /api/v1/teams/{team_id}/members", "POST /console/teams/{team_id}/members", "fieldapp demo load")),
    # --- households and people ---
    Action("household.create", "a household was registered", "household", _HOUSEHOLD,
           {"village_id": "its village's id", "has_location": "whether its location was given",
            "is_poor": "poor household", "is_ethnic_minority": "ethnic minority household",
            "is_remote": "remote household"},
           by=("POST /api/v1/households", "fieldapp demo load")),
    Action("household.update", "a household was corrected (the address itself is not logged)", "household",
           _HOUSEHOLD, {"fields": "the names of the fields changed, sorted"},
           {"is_poor": "its new value, when changed", "is_ethnic_minority": "its new value, when changed",
            "is_remote": "its new value, when changed", "village_id": "the new village, when moved"},
           by=("PATCH /api/v1/households/{household_id}", "POST /api/v1/sync/push")),
    Action("household.import", "a household list was imported (a dry run records nothing)", "import",
           "the first 16 hex digits of the file's SHA-256",
           {"households": "households created", "persons": "people created",
            "file_sha256": "SHA-256 of the file, hex", "dry_run": "always `false`"},
           {"kept_import_id": "the list the console kept after its clean dry run (`household.import_check`), "
                              "when imported from the console"},
           by=("POST /api/v1/households/import", "POST /console/import/confirm", "fieldapp households import")),
    Action("household.import_check",
           "the console checked a household list without a single error and kept the file for its import "
           "(for `IMPORT_KEEP_SECONDS`, 30 minutes; the API's dry run keeps nothing and records nothing)", "import",
           "the first 16 hex digits of the file's SHA-256",
           {"households": "households the dry run counted", "persons": "people the dry run counted",
            "file_sha256": "SHA-256 of the file, hex", "kept_import_id": "the kept list's id (never its token)",
            "expires_at": "when it can no longer be imported (ISO 8601, UTC)"},
           by=("POST /console/import",)),
    Action("platform_confirmation.import",
           "the national platform's confirmations were imported (a dry run records nothing; each person "
           "granted is logged as `person.skills_record`)", "import", "the first 16 hex digits of the file's SHA-256",
           {"rows": "data rows read", "confirmed": "people granted `vneid_programme_confirmed`",
            "unmatched": "rows matching nobody in the area", "duplicates": "rows skipped as duplicates",
            "file_sha256": "SHA-256 of the file, hex", "dry_run": "always `false`"},
           by=("POST /api/v1/platform-confirmations/import",)),
    Action("organisation.create", "an organisation (agency, school, enterprise, …) was created", "organisation",
           "the organisation's id", {"kind": "its kind", "unit_code": "the commune or province that holds it",
                                     "focal_user_id": "its focal person's account id, or `null`"},
           by=("POST /api/v1/organisations",)),
    Action("organisation.update", "an organisation was corrected", "organisation", "the organisation's id",
           {"fields": "the names of the fields changed, sorted"},
           {"focal_user_id": "the new focal person's account id (or `null`), when changed"},
           by=("PATCH /api/v1/organisations/{organisation_id}",)),
    Action("organisation.member_add", "a person was added to an organisation, or their role there changed",
           "organisation", "the organisation's id", {"person_id": _PERSON, "role": "`staff`, `pupil` or `worker`"},
           by=("POST /api/v1/organisations/{organisation_id}/members",)),
    Action("organisation.member_remove", "a person was removed from an organisation", "organisation",
           "the organisation's id", {"person_id": _PERSON},
           by=("DELETE /api/v1/organisations/{organisation_id}/members/{person_id}",)),
    Action("household.assign", "a household was assigned to a volunteer (one entry per household)", "household",
           _HOUSEHOLD, {"volunteer_id": "the volunteer's account id", "team_id": "their team's id",
                        "previous_volunteer_id": "who had it before, or `null`"},
           by=("POST /api/v1/assignments", "POST /console/households/assign", "fieldapp demo load")),
    Action("person.create", "a person was added to a household", "person", _PERSON,
           {"household_id": "their household's public id", "consent": "whether consent was recorded",
            "duplicate_confirmed": "whether a possible duplicate was confirmed to be someone else"},
           by=("POST /api/v1/households/{household_id}/members", "POST /api/v1/sync/push", "fieldapp demo load")),
    Action("person.update", "a person's record was corrected", "person", _PERSON,
           {"fields": "the names of the fields changed, sorted (not their values)"},
           {"consent": "`given` or `withdrawn`, when consent changed",
            "household_id": "the household they moved to, when they moved"},
           by=("PATCH /api/v1/persons/{person_id}", "POST /api/v1/sync/push")),
    Action("person.skills_record", "skills were granted or withdrawn in a person's skills record", "person",
           _PERSON, {"granted": "skills granted", "withdrawn": "skills withdrawn",
                     "confirmed": "claimed skills now confirmed by this evidence",
                     "status": "the status the granted skills have: `confirmed` or `claimed` (evidence.md)",
                     "evidence": "the evidence's kind: `visit`, `session`, `mentoring`, `import`, `other`",
                     "evidence_ref": "the evidence: a visit's, session's or mentorship's id, or a free reference"},
           by=("POST /api/v1/persons/{person_id}/skills", "POST /api/v1/sync/push", "POST /api/v1/visits",
               "PATCH /api/v1/mentorships/{mentorship_id}", "POST /api/v1/platform-confirmations/import",
               "POST /api/v1/organisations/{organisation_id}/members/{person_id}/skills", "fieldapp demo load")),
    Action("person.data_export", "everything held about a person was exported for them (Decree 13/2023)",
           "person", _PERSON, by=("GET /api/v1/persons/{person_id}/data-export",)),
    Action("person.erase", "a person's identifying data was erased (Law 91/2025/QH15)", "person", _PERSON,
           {"household_address_cleared": "whether the household's address and location went too (nobody else "
                                         "lives there)"},
           by=("POST /api/v1/persons/{person_id}/erase",)),
    # --- field work ---
    Action("checkin.create", "a scan was judged and kept, whatever its verdict", "checkin",
           "the phone's `client_id` (UUID)",
           {"target": "`session`, `household`, `person`, or `unknown` for a code that did not verify",
            "target_id": "the scanned public id, or `null`", "verdict": "the verdict (qr.md)",
            "flags": "its flags, or a rejection's reasons (qr.md)"},
           by=("POST /api/v1/checkins", "POST /api/v1/sync/push")),
    Action("visit.create", "a door-to-door visit was judged and kept, whatever its verdict", "visit",
           "the visit's public id (`V…`)",
           {"household_id": "the household's public id", "outcome": "the visit's outcome",
            "proof": "`qr_plate`, `gps` or `none`", "verdict": "the verdict (qr.md)",
            "evidence_status": "`counted`, `held` or `rejected` (evidence.md)",
            "flags": "its flags, or a rejection's reasons (qr.md)",
            "support_records": "how many support records it made"},
           {"organisation_ids": "the organisations its people were helped on behalf of (`organisations.id`), "
                                "when any entry named one"},
           by=("POST /api/v1/visits", "POST /api/v1/sync/push")),
    Action("session.create", "a learning session was planned", "session", "the session's public id (`S…`)",
           {"kind": "its kind", "topics": "the skills taught", "team_id": "the organising team, or `null`"},
           by=("POST /api/v1/sessions", "fieldapp demo load")),
    Action("session.attendee_add", "a resident was recorded at a session", "session",
           "the session's public id (`S…`)",
           {"person_id": "the resident's public id", "via": "`card` (a scanned person card) or `name`"},
           {"organisation_id": "the organisation they attended on behalf of (`organisations.id`), when named"},
           by=("POST /api/v1/sessions/{session_id}/attendees", "POST /api/v1/sync/push")),
    # --- officers' review of evidence held back (evidence.md) ---
    *[Action(f"review.{verb}", f"an officer {verb}ed evidence held back, with a reason", ("checkin", "visit", "skill"),
             "the evidence's id: a check-in's `client_id`, a visit's public id, or `P…:skill` for a claimed skill",
             {"review_id": "the review's id", "decision": "`accepted` or `rejected`",
              "status": "the evidence's status after it (evidence.md)",
              "revises": "the review it revises, or `null`", "flags": "the flags that held it back"},
             by=("POST /api/v1/reviews", "POST /console/reviews")) for verb in ("accept", "reject")],
    Action("review_queue.view", "an officer listed the evidence held back for review", "review_queue", "`list`",
           {**_COUNT, "page": "the page number", "items": "the `type:id` of each item shown"},
           by=("GET /api/v1/reviews", "GET /console/reviews", "POST /console/reviews")),
    # --- Digital Ambassadors ---
    Action("ambassador.appoint", "an account was made a Digital Ambassador", "ambassador", _USER_ID,
           {"origin": "where the ambassador comes from"},
           by=("PUT /api/v1/ambassadors/{user_id}", "fieldapp demo load")),
    Action("ambassador.update", "an ambassador's origin was corrected", "ambassador", _USER_ID,
           {"origin": "the new origin", "previous_origin": "the one before"},
           by=("PUT /api/v1/ambassadors/{user_id}",)),
    Action("ambassador.promote", "a mentee who completed became an ambassador", "ambassador",
           "the new ambassador's account id",
           {"mentorship_id": "the completed mentorship's public id", "origin": "their origin",
            "trained_by_user_id": "their mentor's account id",
            "person_id": "the resident they were (public id), or `null` for a volunteer mentee",
            "account_created": "whether a new account was made for them"},
           by=("POST /api/v1/mentorships/{mentorship_id}/promote", "fieldapp demo load")),
    Action("mentorship.create", "a mentorship began", "mentorship", _MENTORSHIP,
           {"mentor_user_id": "the mentor's account id", "mentee_person_id": "a resident mentee's public id, or `null`",
            "mentee_user_id": "a volunteer mentee's account id, or `null`", "skills": "the skills to work on"},
           by=("POST /api/v1/mentorships", "fieldapp demo load")),
    Action("mentorship.update", "a mentorship progressed, completed or was dropped", "mentorship", _MENTORSHIP,
           {"status": "its status after the change", "skills_added": "skills added to it",
            "skills_reached": "skills reached by the mentee"},
           by=("PATCH /api/v1/mentorships/{mentorship_id}", "fieldapp demo load")),
    Action("mentorship.interaction", "a meeting of mentor and mentee was recorded", "mentorship", _MENTORSHIP,
           {"interaction_id": "the interaction's id", "method": "`qr_scan`, `visit`, `session` or `in_person`",
            "occurred_at": "when, as the phone said (ISO 8601)", "evidence_ref": "what evidences it, or `null`",
            "has_location": "whether a location was sent"},
           by=("POST /api/v1/mentorships/{mentorship_id}/interactions", "POST /api/v1/sync/push",
               "fieldapp demo load")),
    # --- exports and views of personal data (officers' reads: Decree 13/2023) ---
    Action("signing_key.rotate", "a new signing key was made (the key itself is never logged)", "signing_key",
           "the key's id", {"purpose": "`audit` or `qr`"}, by=("fieldapp keys rotate",)),
    Action("signing_key.retire", "a signing key was retired (codes signed with it are refused)", "signing_key",
           "the key's id", {"purpose": "`audit` or `qr`"}, by=("fieldapp keys retire",)),
    Action("activity.export", "a log was exported (recorded before the export's own checkpoint)", "activity_log",
           "the log's code", by=("GET /api/v1/activity/export",)),
    Action("activity.verify", "a log was verified on the server against its latest checkpoint (recorded after it, "
           "with the result)", "activity_log", "the log's code",
           {"size": "the entries the checkpoint vouches for", "root_hash": "its root hash, hex",
            "ok": "whether every hash, root and signature verified, and no entry was missing"},
           {"problem": "the first problem found, when not `ok`"}, by=("POST /console/activity/verify",)),
    Action("support_record.export", "the list of people supported was exported (exports.md)", "support_records",
           "the format: `csv` or `xlsx`",
           {"rows": "how many rows", "format": "`csv` or `xlsx`", "filters": "the filters given, as text",
            "evidence_status": "the `evidence_status` filter: `counted`, `held`, `rejected` or `all`"},
           by=("GET /api/v1/support-records", "GET /console/support-records/export")),
    Action("person.view", "an officer viewed a person", "person", _PERSON, by=("GET /api/v1/persons/{person_id}",)),
    Action("person_search.view", "an officer listed or searched people", "person_search",
           "`q` when searched by name, else `all`", _COUNT, by=("GET /api/v1/persons",)),
    Action("household_members.view", "an officer listed a household's members", "household_members", _HOUSEHOLD,
           _COUNT, by=("GET /api/v1/households/{household_id}/members",)),
    Action("organisation_members.view", "an officer listed an organisation's members", "organisation_members",
           "the organisation's id", _COUNT,
           {"filters": "the query's parameters as sent (a searched name only as `true`)"},
           by=("GET /api/v1/organisations/{organisation_id}/members",)),
    Action("mentorship.view", "an officer viewed a mentorship", "mentorship", _MENTORSHIP,
           by=("GET /api/v1/mentorships/{mentorship_id}",)),
    Action("mentorship_list.view", "an officer listed mentorships", "mentorship_list", "`list`", _COUNT,
           by=("GET /api/v1/mentorships",)),
    Action("visit.view", "an officer viewed a visit, with where the phone was", "visit",
           "the visit's public id (`V…`)", {"with_location": "whether it had a location"},
           by=("GET /api/v1/visits/{visit_id}",)),
    Action("visit_list.view", "an officer listed visits, with where the phones were", "visit_list", "`list`",
           {**_COUNT, "with_location": "how many of them had a location",
            "visits": "the public ids of those whose location was shown", "filters": "the filters given",
            "page": "the page number"},
           by=("GET /api/v1/visits",)),
    Action("ambassador_network.view", "an officer viewed an ambassador's network", "ambassador_network",
           "the ambassador's account id", {"mentees": "how many mentorships it showed"},
           by=("GET /api/v1/ambassadors/{user_id}/network",)),
    # --- reads logged from their route's declaration (fieldapp/auth/declaration.py: read_logged) ---
    *[Action(f"{name}.view", records, name, object_id, body, _READ_OPTIONAL, by=by)
      for name, records, object_id, body, by in [
          ("household", "an officer viewed a household (address, GPS)", _HOUSEHOLD, {},
           ("GET /api/v1/households/{household_id}", "GET /console/households/{household_id}")),
          ("household_list", "an officer listed or searched households", "`list`", _LIST,
           ("GET /api/v1/households", "GET /console/households", "GET /console/households/selection")),
          ("household_plates", "an officer printed households' plates (heads' names, addresses)", "`list`", {},
           ("GET /api/v1/households/plates.pdf", "GET /console/households/plates.pdf")),
          ("support_record_list", "an officer read a page of the list of people supported", "`list`", _LIST,
           ("GET /api/v1/support-records", "GET /console/support-records")),
          ("team_members", "an officer listed a team's members", "the team's id", _LIST,
           ("GET /api/v1/teams/{team_id}/members",)),
          ("team_list", "an officer listed the teams of the area with their members (the console)", "`list`", _LIST,
           ("GET /console/teams", "POST /console/teams", "POST /console/teams/{team_id}/members")),
          ("user_list", "an officer listed the accounts of the area (names, phones: the console)", "`list`", _LIST,
           ("GET /console/accounts", "POST /console/accounts")),
          ("ambassador_list", "an officer listed Digital Ambassadors", "`list`", _LIST, ("GET /api/v1/ambassadors",)),
          ("ranking", "an officer read a ranking (of volunteers and ambassadors: their names and results)", "`list`",
           _LIST, ("GET /api/v1/rankings",)),
          ("mentorship_interactions", "an officer listed a mentorship's meetings (where they took place)",
           _MENTORSHIP, _LIST, ("GET /api/v1/mentorships/{mentorship_id}/interactions",)),
          # Declared reads that never write this entry: the worklist is for field roles only (whose reads
          # are not logged), and the two exports write their own (`activity.export`, `person.data_export`).
          ("worklist", "never written: only volunteers and leaders read their worklist", "`list`", {}, ()),
          ("sync_pull", "never written: only volunteers and leaders pull (their worklist, offline)", "`list`", {},
           ()),
          ("activity_log", "never written: the export records `activity.export`", "the log's unit", {}, ()),
          ("person_data", "never written: the export records `person.data_export`", _PERSON, {}, ()),
      ]],
]}

#: Write routes that record no entry, with why (every other POST, PUT, PATCH and DELETE must be the
#: source of an action above; tests/test_actions.py walks the route map).
WRITES_WITHOUT_ENTRY: dict[str, str] = {}


def actions_markdown() -> str:
    """``mobile_contract/actions.md``, generated."""
    lines = [
        "# The activity log's actions",
        "",
        "Generated from `fieldapp/audit/actions.py` by `fieldapp contract write`; a test fails when it drifts,",
        "when the code records an action this page does not list, and, for every entry the test suite writes,",
        "when its object type, its body's keys or the route that wrote it differ from this page.",
        "",
        "Every write appends an entry to the activity log in the same transaction (`audit-log.md`): `action`,",
        "`object_type`, `object_id` (always a string) and `body` (ids and values, never names, phones or",
        "addresses) are as below; `actor_id` and `actor_role` say who acted (`null` and `operator` for the",
        "command line, whose `request_id` is `cli-…`). An entry goes to the log of the commune the object",
        "belongs to; an account's entries (`user.*`, `auth.*`) to the log of the account's unit; a scan that",
        "verified nothing, officers' lists and exports without a `commune` filter to the log of the actor's",
        "own unit (a province's, or the national `VN` log, above a commune). A request that fails (any 4xx)",
        "records nothing. Officers' views of personal data (the `.view` actions) are recorded; volunteers'",
        "and team leaders' reads are not.",
        "",
        "`GET /activity?action=household` lists every `household.*` action; `action=household.assign` that one.",
        "",
        "| action | records | `object_type` | `object_id` | `body` | written by |",
        "|---|---|---|---|---|---|",
    ]
    for action in ACTIONS.values():
        body = [f"`{key}`: {meaning}" for key, meaning in action.body.items()]
        body += [f"`{key}` (sometimes): {meaning}" for key, meaning in action.optional.items()]
        types = ", ".join(f"`{t}`" for t in action.object_types)
        lines.append(f"| `{action.name}` | {action.records} | {types} | {action.object_id} | "
                     f"{'; '.join(body) or '`{}`'} | {'<br>'.join(f'`{source}`' for source in action.by)} |")
    if WRITES_WITHOUT_ENTRY:
        lines += ["", "Writes that record no entry:", ""]
        lines += [f"- `{route}`: {why}" for route, why in WRITES_WITHOUT_ENTRY.items()]
    return "\n".join(lines) + "\n"
