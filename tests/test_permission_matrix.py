"""The authorization matrix: every route × method × role, declared, and checked.

A ratchet (issue 7): the test walks Flask's whole route map and fails if a route is missing from the
table, so no route lands without its row. ``A`` means the request passes authorization (any answer
but 401, 403 or 404: a 2xx, or a 422 for the deliberately empty body); 401 anonymous, 403 a role
without the verb, 404 an object outside the caller's area.
"""
import re

import pytest

from tests.factories import DEFAULT_PASSWORD
from tests.route_world import route_path, world  # noqa: F401  (the fixture)
from tests.test_api_headers import assert_api_headers

A = "allowed"
LOGIN = "redirect to the sign-in page"
ROLES = ["anonymous", "volunteer", "team_leader", "commune_officer", "province_officer", "admin", "other_officer"]


def row(anonymous=401, volunteer=A, team_leader=A, commune_officer=A, province_officer=A, admin=A,
        other_officer=A):
    return dict(zip(ROLES, [anonymous, volunteer, team_leader, commune_officer, province_officer, admin,
                            other_officer], strict=True))


PUBLIC = row(anonymous=A)
SIGNED_IN = row()
#: Reads of one object of Hùng Châu (assigned to the volunteer, in the leader's village).
SCOPED = row(other_officer=404)
OFFICERS = row(volunteer=403, team_leader=403)
OFFICERS_SCOPED = row(volunteer=403, team_leader=403, other_officer=404)
FIELD_ONLY = row(commune_officer=403, province_officer=403, admin=403, other_officer=403)
LEADERS_AND_OFFICERS = row(volunteer=403)
#: The commune officer's verbs also belong to province officers and admins.
COMMUNE_WRITE = row(volunteer=403, team_leader=403)
#: Console pages: a session for leaders and officers (each sees their own area), none for volunteers.
CONSOLE = row(anonymous=LOGIN, volunteer=LOGIN)
#: Console pages of one object of Hùng Châu (the leader's village, team or log): not found elsewhere.
CONSOLE_SCOPED = row(anonymous=LOGIN, volunteer=LOGIN, other_officer=404)
#: Console pages of an officer's verb (the API's: user.create, household.import, evidence.review, …).
CONSOLE_OFFICERS = row(anonymous=LOGIN, volunteer=LOGIN, team_leader=403)
CONSOLE_OFFICERS_SCOPED = row(anonymous=LOGIN, volunteer=LOGIN, team_leader=403, other_officer=404)

MATRIX = {
    ("GET", "/api/v1/healthz"): PUBLIC,
    ("GET", "/api/v1/livez"): PUBLIC,
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("POST", "/api/v1/auth/token"): PUBLIC,
    # Public results: aggregates only, small counts suppressed, for anyone (a token changes nothing).
    ("GET", "/api/v1/public/results/<code>"): PUBLIC,
    ("DELETE", "/api/v1/auth/token"): SIGNED_IN,
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("GET", "/api/v1/me/worklist"): FIELD_ONLY,
    ("GET", "/api/v1/units"): SIGNED_IN,
    ("GET", "/api/v1/units/<code>"): SIGNED_IN,
    # The plans' denominators: officers of the unit's area (the world's province officer holds Nghệ An).
    ("GET", "/api/v1/units/<code>/population"): OFFICERS_SCOPED,
    ("PUT", "/api/v1/units/<code>/population/<int(max=2147483647):year>"): OFFICERS_SCOPED,
    # Indicators: aggregates of the caller's own area (or a subject in it); targets set by its officers.
    ("GET", "/api/v1/indicators"): SIGNED_IN,
    ("GET", "/api/v1/indicators/catalogue"): SIGNED_IN,
    ("GET", "/api/v1/units/<code>/targets"): SCOPED,
    ("PUT", "/api/v1/units/<code>/targets/<int(max=2147483647):year>"): OFFICERS_SCOPED,
    # Rankings of the caller's own area (every role; each shown the items they may read); a province's
    # scheme set by its officers (a commune's officers lack the verb: no commune ranks itself).
    ("GET", "/api/v1/rankings"): SIGNED_IN,
    ("PUT", "/api/v1/units/<code>/rankings/<level>"): row(volunteer=403, team_leader=403, commune_officer=403,
                                                          other_officer=403),
    # The quarterly report: officers of the commune's area (the world's province officer holds Nghệ An). The
    # commune's own officers submit (the province's and an admin are refused by the rule); the province's approve
    # or return (nothing was submitted in the world: 409, past authorization), the commune's are refused.
    ("GET", "/api/v1/reports/quarterly"): OFFICERS_SCOPED,
    ("GET", "/api/v1/reports/quarterly/status"): OFFICERS_SCOPED,
    ("POST", "/api/v1/reports/quarterly/submit"): row(volunteer=403, team_leader=403, province_officer=403, admin=403,
                                                      other_officer=404),
    ("POST", "/api/v1/reports/quarterly/approve"): row(volunteer=403, team_leader=403, commune_officer=403,
                                                       other_officer=404),
    ("POST", "/api/v1/reports/quarterly/return"): row(volunteer=403, team_leader=403, commune_officer=403,
                                                      other_officer=404),
    # A sheet of figures: each row's unit is checked against the area (another area's: a bad row, 422).
    ("POST", "/api/v1/units/population/import"): OFFICERS,
    ("POST", "/api/v1/users"): COMMUNE_WRITE,
    # The volunteer's account: officers of the area disable it (and enable it again); elsewhere not found.
    ("POST", "/api/v1/users/<int(max=2147483647):user_id>/disable"): OFFICERS_SCOPED,
    ("POST", "/api/v1/users/<int(max=2147483647):user_id>/enable"): OFFICERS_SCOPED,
    ("GET", "/api/v1/communes/<code>/villages"): SCOPED,
    ("POST", "/api/v1/communes/<code>/villages"): row(volunteer=403, team_leader=403, other_officer=404),
    ("GET", "/api/v1/households"): SIGNED_IN,
    ("POST", "/api/v1/households"): LEADERS_AND_OFFICERS,
    ("GET", "/api/v1/households/<public_id:household_id>"): SCOPED,
    ("PATCH", "/api/v1/households/<public_id:household_id>"): row(volunteer=403, other_officer=404),
    ("GET", "/api/v1/households/<public_id:household_id>/members"): SCOPED,
    ("POST", "/api/v1/households/<public_id:household_id>/members"): SCOPED,
    ("GET", "/api/v1/households/<public_id:household_id>/qr"): SCOPED,
    ("POST", "/api/v1/households/import"): COMMUNE_WRITE,
    ("POST", "/api/v1/platform-confirmations/import"): COMMUNE_WRITE,
    ("GET", "/api/v1/households/plates.pdf"): SCOPED,
    ("GET", "/api/v1/persons"): SIGNED_IN,
    ("GET", "/api/v1/persons/<public_id:person_id>"): SCOPED,
    ("PATCH", "/api/v1/persons/<public_id:person_id>"): SCOPED,
    ("GET", "/api/v1/persons/<public_id:person_id>/qr"): SCOPED,
    ("POST", "/api/v1/persons/<public_id:person_id>/skills"): SCOPED,
    ("GET", "/api/v1/persons/<public_id:person_id>/data-export"): OFFICERS_SCOPED,
    ("POST", "/api/v1/persons/<public_id:person_id>/erase"): OFFICERS_SCOPED,
    ("GET", "/api/v1/teams"): SIGNED_IN,
    ("POST", "/api/v1/teams"): COMMUNE_WRITE,
    ("GET", "/api/v1/teams/<int(max=2147483647):team_id>"): row(team_leader=A, other_officer=404),
    ("GET", "/api/v1/teams/<int(max=2147483647):team_id>/members"): row(other_officer=404),
    ("POST", "/api/v1/teams/<int(max=2147483647):team_id>/members"): row(volunteer=403, other_officer=404),
    ("POST", "/api/v1/assignments"): LEADERS_AND_OFFICERS,
    ("GET", "/api/v1/sessions"): SIGNED_IN,
    ("POST", "/api/v1/sessions"): LEADERS_AND_OFFICERS,
    ("GET", "/api/v1/sessions/<public_id:session_id>"): SCOPED,
    ("GET", "/api/v1/sessions/<public_id:session_id>/qr"): SCOPED,
    ("POST", "/api/v1/sessions/<public_id:session_id>/attendees"): SCOPED,
    ("GET", "/api/v1/qr-keys"): SIGNED_IN,
    ("POST", "/api/v1/checkins"): FIELD_ONLY,
    ("POST", "/api/v1/visits"): FIELD_ONLY,
    ("POST", "/api/v1/sync/push"): FIELD_ONLY,
    ("GET", "/api/v1/sync/pull"): FIELD_ONLY,
    ("GET", "/api/v1/visits"): SIGNED_IN,
    ("GET", "/api/v1/reviews"): OFFICERS,
    # (an empty body is a 422 for everyone allowed: the scope of what is named is tested in test_api_reviews)
    ("POST", "/api/v1/reviews"): OFFICERS,
    # The volunteer's own visit: their leader and the officers of the area read it too.
    ("GET", "/api/v1/visits/<public_id:visit_id>"): SCOPED,
    ("GET", "/api/v1/support-records"): SIGNED_IN,
    ("GET", "/api/v1/ambassadors"): SIGNED_IN,
    ("GET", "/api/v1/ambassadors/summary"): SIGNED_IN,
    ("PUT", "/api/v1/ambassadors/<int(max=2147483647):user_id>"): row(volunteer=403, other_officer=404),
    ("GET", "/api/v1/ambassadors/<int(max=2147483647):user_id>/network"): SCOPED,
    ("GET", "/api/v1/mentorships"): SIGNED_IN,
    ("POST", "/api/v1/mentorships"): SCOPED,
    ("GET", "/api/v1/mentorships/<public_id:mentorship_id>"): SCOPED,
    ("PATCH", "/api/v1/mentorships/<public_id:mentorship_id>"): SCOPED,
    ("GET", "/api/v1/mentorships/<public_id:mentorship_id>/interactions"): SCOPED,
    # Only the mentor records a meeting: their leader is refused by the rule, officers lack the verb.
    ("POST", "/api/v1/mentorships/<public_id:mentorship_id>/interactions"): row(
        team_leader=403, commune_officer=403, province_officer=403, admin=403, other_officer=403),
    ("POST", "/api/v1/mentorships/<public_id:mentorship_id>/promote"): OFFICERS_SCOPED,
    # Organisations of Hùng Châu: officers of the area; the volunteer as its focal person, who reads it and
    # records its members' skills; the leader (not its focal person) finds nothing.
    ("GET", "/api/v1/organisations"): SIGNED_IN,
    ("POST", "/api/v1/organisations"): COMMUNE_WRITE,
    ("GET", "/api/v1/organisations/<int(max=2147483647):organisation_id>"): row(team_leader=404, other_officer=404),
    ("PATCH", "/api/v1/organisations/<int(max=2147483647):organisation_id>"): OFFICERS_SCOPED,
    ("GET", "/api/v1/organisations/<int(max=2147483647):organisation_id>/members"): row(team_leader=404,
                                                                                       other_officer=404),
    ("POST", "/api/v1/organisations/<int(max=2147483647):organisation_id>/members"): OFFICERS_SCOPED,
    ("DELETE", "/api/v1/organisations/<int(max=2147483647):organisation_id>/members/<public_id:person_id>"):
        OFFICERS_SCOPED,
    ("POST", "/api/v1/organisations/<int(max=2147483647):organisation_id>/members/<public_id:person_id>/skills"):
        row(team_leader=404, other_officer=404),
    ("GET", "/api/v1/activity"): OFFICERS_SCOPED,
    ("GET", "/api/v1/activity/head"): OFFICERS_SCOPED,
    ("GET", "/api/v1/activity/export"): OFFICERS_SCOPED,
    ("GET", "/api/v1/activity/proofs/inclusion"): OFFICERS_SCOPED,
    ("GET", "/api/v1/activity/proofs/consistency"): OFFICERS_SCOPED,
    # The projector page: a capability URL (k=), no sign-in; without the key it is not found.
    ("GET", "/display/sessions/<session_id>"): row(*[404] * 7),
    ("GET", "/display/sessions/<session_id>/code.json"): row(*[404] * 7),
    ("GET", "/static/<path:filename>"): row(*[404] * 7),
    # The commune console (cookie session; every form with its CSRF token).
    ("GET", "/console/login"): PUBLIC,
    # Each role sends its own phone and password; volunteers are sent to the phone app.
    ("POST", "/console/login"): row(anonymous=A, volunteer=403),
    # Signing out (with the form's token) ends whatever session there was and leads to the sign-in page.
    ("POST", "/console/logout"): row(*[LOGIN] * 7),
    ("GET", "/console/"): CONSOLE,
    ("GET", "/console/support-records"): CONSOLE,
    # Each page reads through the API's selectors and writes through its services, naming the API's verb
    # (a form sent empty answers the page again with its field errors: allowed).
    ("GET", "/console/households"): CONSOLE,
    ("GET", "/console/households/<public_id:household_id>"): CONSOLE_SCOPED,
    ("GET", "/console/households/selection"): CONSOLE,
    ("GET", "/console/households/plates.pdf"): CONSOLE,
    ("POST", "/console/households/assign"): CONSOLE,
    ("GET", "/console/teams"): CONSOLE,
    ("POST", "/console/teams"): CONSOLE_OFFICERS,
    ("POST", "/console/teams/<int(max=2147483647):team_id>/members"): CONSOLE_SCOPED,
    ("GET", "/console/accounts"): CONSOLE_OFFICERS,
    ("POST", "/console/accounts"): CONSOLE_OFFICERS,
    ("POST", "/console/accounts/<int(max=2147483647):user_id>/disable"): CONSOLE_OFFICERS_SCOPED,
    ("POST", "/console/accounts/<int(max=2147483647):user_id>/enable"): CONSOLE_OFFICERS_SCOPED,
    ("GET", "/console/import"): CONSOLE_OFFICERS,
    ("POST", "/console/import"): CONSOLE_OFFICERS,
    # Without a kept list's token the page answers its field error (422): allowed, as an empty form is.
    ("POST", "/console/import/confirm"): CONSOLE_OFFICERS,
    ("GET", "/console/reviews"): CONSOLE_OFFICERS,
    ("POST", "/console/reviews"): CONSOLE_OFFICERS,
    # Each officer's own log (the other commune's officer verifies theirs); an entry of Hùng Châu's log.
    ("GET", "/console/activity"): CONSOLE_OFFICERS,
    ("GET", "/console/activity/<int(max=2147483647):entry_id>"): CONSOLE_OFFICERS_SCOPED,
    ("POST", "/console/activity/verify"): CONSOLE_OFFICERS,
    ("GET", "/console/reports"): CONSOLE,
    ("GET", "/console/support-records/export"): CONSOLE,
    # The quarterly report: each officer's own commune (a province's officer starts from the communes' list);
    # who submits and who decides is the lifecycle's rule, said on the page (a refused step: back to it).
    ("GET", "/console/reports/quarterly"): CONSOLE_OFFICERS,
    ("GET", "/console/reports/quarterly/status"): CONSOLE_OFFICERS,
    ("GET", "/console/reports/quarterly/download"): CONSOLE_OFFICERS,
    ("POST", "/console/reports/quarterly/submit"): CONSOLE_OFFICERS,
    ("POST", "/console/reports/quarterly/approve"): CONSOLE_OFFICERS,
    ("POST", "/console/reports/quarterly/return"): CONSOLE_OFFICERS,
}


def test_every_route_has_its_row(app):
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"routes without a row in the permission matrix: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


def _console_outcome(app, world, method, rule, role):
    """One role in a browser of its own: signed in through the console's form, then the request,
    with the CSRF token of its session on a form."""
    browser = app.test_client()

    def token():
        page = browser.get("/console/login", follow_redirects=True).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    user = world["users"].get(role)
    credentials = {"phone": user.phone, "password": DEFAULT_PASSWORD} if user else {}
    if user:
        browser.post("/console/login", data={**credentials, "csrf_token": token()})
    kwargs = {"data": {**(credentials if rule == "/console/login" else {}), "csrf_token": token()}} \
        if method == "POST" else {}
    response = browser.open(route_path(rule, world["params"]), method=method, **kwargs)
    assert response.status_code < 500, f"{method} {rule} as {role}: {response.status_code}"
    if response.status_code == 302 and response.headers["Location"].startswith("/console/login"):
        return LOGIN
    return A if response.status_code not in (401, 403, 404) else response.status_code


@pytest.mark.parametrize("method, rule", sorted(MATRIX))
def test_route_answers_each_role_as_declared(app, client, world, method, rule):
    path = route_path(rule, world["params"])
    outcomes = {}
    if rule.startswith("/console/"):
        outcomes = {role: _console_outcome(app, world, method, rule, role) for role in ROLES}
        assert outcomes == MATRIX[(method, rule)]
        return
    for role in ROLES:
        headers = {}
        if role != "anonymous":
            user = world["users"][role]
            token = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": DEFAULT_PASSWORD})
            headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
        kwargs = {"headers": headers, "query_string": world["query"].get(rule, {})}
        if method in ("POST", "PATCH", "PUT"):
            kwargs["json"] = world["bodies"].get(rule, {})
        response = client.open(path, method=method, **kwargs)
        status = response.status_code
        outcomes[role] = A if status not in (401, 403, 404) else status
        assert status < 500, f"{method} {rule} as {role}: {status}"
        if rule.startswith("/api/v1/"):  # every answer of the API, success or error (issue 12, item 12)
            assert_api_headers(rule, response)
        response.close()  # a streamed export keeps its request context until it is closed
    assert outcomes == MATRIX[(method, rule)]
