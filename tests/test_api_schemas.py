"""A request names an object in one way, wherever it does it (a path, a body, a query): the field
types of fieldapp/api/schemas.py, read back from the document the clients build on."""
import pytest
import yaml

from fieldapp.cli.contract import generated_files
from fieldapp.ids import PUBLIC_ID_PATTERN
from tests.factories import make_user

COMMUNE_PATTERN = r"^\d{5}$"
#: Named ``…_id`` but not an object of ours a request points at: the phone's idempotency key, a citizen
#: id (CCCD, 12 digits), and the activity log's filter on an entry's object id (any kind of id, as logged).
NOT_OBJECT_IDS = {"client_id", "citizen_id", "object_id"}


def _request_fields(spec):
    """(where, name, schema) of every field a request can send: the properties of the request
    bodies' schemas (``…In``, ``…Patch``) and every query parameter."""
    for name, schema in spec["components"]["schemas"].items():
        if name.endswith(("In", "Patch")):
            for prop, field in schema.get("properties", {}).items():
                yield name, prop, field
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "query":
                    yield f"{method.upper()} {path}", parameter["name"], parameter["schema"]


@pytest.fixture(scope="module")
def spec(shared_app):
    with shared_app.app_context():
        return yaml.safe_load(generated_files()["openapi.yaml"])


def test_every_id_a_request_names_is_read_alike(spec):
    ids, public_ids, communes = [], [], []
    for where, name, field in _request_fields(spec):
        if field.get("type") == "array" and name in ("ids", "household_ids"):
            public_ids.append((where, name, field["items"]))
        elif name.endswith("_id") and name not in NOT_OBJECT_IDS:
            (ids if field.get("type") == "integer" else public_ids).append((where, name, field))
        elif name in ("commune", "commune_code"):
            communes.append((where, name, field))
    assert len(ids) > 20 and len(public_ids) > 5 and len(communes) > 5  # the walk found them
    assert [(w, n) for w, n, f in ids if (f.get("minimum"), f.get("maximum")) != (1, 2**31 - 1)] == []
    assert [(w, n) for w, n, f in public_ids if f.get("pattern") != PUBLIC_ID_PATTERN] == []
    assert [(w, n) for w, n, f in communes if f.get("pattern") != COMMUNE_PATTERN] == []


@pytest.mark.parametrize("query", ["village_id=0", "volunteer_id=-3", "team_id=0"])
def test_an_id_no_object_can_have_is_refused_as_invalid(client, login, query):
    from fieldapp.models import Role

    response = client.get(f"/api/v1/support-records?{query}", headers=login(make_user(role=Role.commune_officer)))
    assert response.status_code == 422 and response.get_json()["error_code"] == "request.invalid"
    assert list(response.get_json()["errors"]) == [query.split("=")[0]]
