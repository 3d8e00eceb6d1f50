"""mobile_contract/ holds what the code generates; regenerate with `fieldapp contract write`."""
import pytest
import yaml

from fieldapp.cli.contract import CONTRACT_DIR, generated_files


@pytest.mark.parametrize("name", ["openapi.yaml", "errors.md", "evidence.md", "exports.md", "actions.md",
                                  "imports.md", "reports.md"])
def test_committed_contract_matches_the_code(app, name):
    with app.app_context():
        expected = generated_files()[name]
    committed = (CONTRACT_DIR / name).read_text(encoding="utf-8")
    assert committed == expected, f"mobile_contract/{name} drifted: run `fieldapp contract write`"


def test_every_operation_names_its_permission_and_personal_data_and_errors_use_the_envelope(app):
    with app.app_context():
        spec = yaml.safe_load(generated_files()["openapi.yaml"])
    public = {("/api/v1/healthz", "get"), ("/api/v1/livez", "get"), ("/api/v1/auth/token", "post"),
              ("/api/v1/public/results/{code}", "get")}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            # what it does with personal data (fieldapp/auth/declaration.py), public routes included
            assert operation.get("x-personal-data") in ("read", "write", "none"), (path, method)
            if (path, method) in public:
                continue
            assert operation.get("security") == [{"bearerAuth": []}], (path, method)
            assert operation.get("x-permission"), (path, method)
    assert set(spec["components"]["schemas"]["ErrorOut"]["required"]) == {
        "code", "status", "error_code", "message", "errors"}


def test_every_error_code_raised_in_the_code_is_in_the_catalogue():
    import re
    from pathlib import Path

    from fieldapp.errors import CATALOGUE

    source = "\n".join(p.read_text(encoding="utf-8") for p in (Path(__file__).parents[1] / "fieldapp").rglob("*.py"))
    raised = set(re.findall(r'AppError\(\s*"([a-z_.]+)"', source))
    assert raised and raised <= set(CATALOGUE)
