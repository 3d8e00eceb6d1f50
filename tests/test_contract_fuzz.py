"""Fuzzing the contract (schemathesis): generated requests for every operation of the OpenAPI
document, valid and invalid, signed in as a commune officer and as a volunteer, with every check
schemathesis has: no 5xx; every answer documented (status, content type, body schema, headers); what
the document forbids is refused; what it allows is accepted.

"Accepted" (``positive_data_acceptance``, configured in ``schemathesis.toml``) allows a 422 only for
a rule of the plans that no schema can state, and :func:`refused_for_a_rule` checks that it was one:
a schema-valid request never gets the error code of a malformed request (``request.invalid``, or a
400). So the document and the server agree on the shape of every request.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from fieldapp.models import Role
from tests.factories import DEFAULT_PASSWORD, make_household, make_user

#: Operations the fuzzer leaves alone, and why.
SKIP = {("DELETE", "/api/v1/auth/token"): "revoking the token would sign the fuzzer out"}
EXAMPLES = 15
#: The codes of a request whose shape is wrong: never the answer to one the document allows.
SHAPE_ERRORS = {"request.invalid", "request.bad_request", "request.malformed_json", "request.nested_too_deep"}

pytestmark = pytest.mark.slow


def refused_for_a_rule(ctx, response, case):
    """A schema-valid request refused with a 4xx names the rule that refused it: never a shape error."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code < 400:
        return None
    try:
        error_code = response.json().get("error_code")
    except ValueError:
        error_code = None
    assert response.status_code != 400 and error_code not in SHAPE_ERRORS, (
        f"a request the document allows was refused as malformed: {response.status_code} {error_code} "
        f"{response.text[:300]}")
    return None


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)  # config: schemathesis.toml
    return [result.ok() for result in schema.get_all_operations()]


def _takes_input(operation) -> bool:
    definition = operation.definition.raw
    return bool(definition.get("parameters") or operation.path_parameters or definition.get("requestBody"))


@pytest.mark.parametrize("role", [Role.commune_officer, Role.volunteer])
def test_every_operation_answers_as_documented(app, client, role):
    user = make_user(role=role)
    make_household()
    token = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": DEFAULT_PASSWORD})
    # identity: the in-process client does not undo a gzip body (GET /sync/pull compresses when asked;
    # tests/test_sync_pull.py checks that), so schemathesis would read the compressed bytes as JSON.
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}", "Accept-Encoding": "identity"}
    failures, untestable, tried = [], [], 0
    for operation in _operations(app):
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode.is_negative and not _takes_input(operation):
                continue  # nothing to make invalid

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case):
                case.call_and_validate(headers=headers, additional_checks=[refused_for_a_rule])

            tried += 1
            try:
                run()
            except Unsatisfiable:
                if mode.is_positive:
                    raise
                # Nothing of it can be made invalid (a free-text path segment): invalid data cannot exist.
                untestable.append(f"{operation.method.upper()} {operation.path}")
            except BaseException as failure:  # noqa: B036  (collect every operation's failure, report them all)
                if isinstance(failure, KeyboardInterrupt):
                    raise
                failures.append(f"{mode.value} {operation.method.upper()} {operation.path}: {str(failure)[:1500]}")
    print(f"\nfuzzed {tried} operation × mode pairs as {role.value}, {EXAMPLES} examples each: "
          f"{len(failures)} failing; no invalid data for {untestable}")
    assert tried > 50
    assert not failures, "\n\n".join(failures)
