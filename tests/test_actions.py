"""mobile_contract/actions.md (from fieldapp/audit/actions.py) names every action the code records
and every write that records one. tests/conftest.py checks each entry the suite writes against it."""
import ast
from pathlib import Path

from fieldapp.audit.actions import ACTIONS, WRITES_WITHOUT_ENTRY
from tests.actions_check import route_of

SOURCE = Path(__file__).parents[1] / "fieldapp"


def _constants(expression, unreadable: list) -> list[str]:
    """The strings ``"a"`` or ``"a" if c else "b"`` can be."""
    if isinstance(expression, ast.IfExp):
        return _constants(expression.body, unreadable) + _constants(expression.orelse, unreadable)
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return [expression.value]
    unreadable.append(ast.unparse(expression))
    return []


def _actions_named_in_the_code() -> set[str]:
    """The actions the code can record, read from its syntax: every ``action="…"`` argument (or
    ``"…" if … else "…"``), and for a function that records ``f"{param}.suffix"``, every literal
    ``param=`` its callers give. Any other way of naming an action fails the test: write it so."""
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in SOURCE.rglob("*.py")]
    named, built, unreadable = set(), {}, []
    for tree in trees:
        for function in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
                for keyword in call.keywords:
                    value = keyword.value
                    if keyword.arg != "action" or not isinstance(value, ast.JoinedStr):
                        continue
                    parts = value.values
                    if (len(parts) == 2 and isinstance(parts[0], ast.FormattedValue)
                            and isinstance(parts[0].value, ast.Name) and isinstance(parts[1], ast.Constant)):
                        built[function.name] = (parts[0].value.id, parts[1].value)
                    else:
                        unreadable.append(ast.unparse(value))
    for tree in trees:
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
            # A route's declaration ``reads("household")`` names the read it logs: ``household.view``.
            if name == "reads" and call.args and isinstance(call.args[0], ast.Constant):
                named.add(f"{call.args[0].value}.view")
            for keyword in call.keywords:
                if keyword.arg == "action" and isinstance(keyword.value, (ast.Constant, ast.IfExp)):
                    named |= set(_constants(keyword.value, unreadable))
                if name in built and keyword.arg == built[name][0]:
                    if isinstance(keyword.value, ast.Constant):
                        named.add(keyword.value.value + built[name][1])
                    elif ast.unparse(keyword.value) == "declared.logged_as":
                        pass  # the declarations' own logging: their reads("…") are read above
                    else:
                        unreadable.append(f"{name}({keyword.arg}={ast.unparse(keyword.value)})")
    assert not unreadable, f"actions built in a way this test cannot read: {unreadable}"
    return named


def test_every_action_the_code_records_is_documented_and_no_other():
    named = _actions_named_in_the_code()
    assert {"visit.create", "auth.token_issue", "person.view", "checkin.create"} <= named  # the reading works
    assert named - set(ACTIONS) == set(), "actions the code records that actions.md does not list"
    assert set(ACTIONS) - named == set(), "actions actions.md lists that the code no longer records"


def test_every_write_route_records_a_documented_action(app):
    routes = {f"{method} {route_of(rule.rule)}" for rule in app.url_map.iter_rules()
              for method in rule.methods - {"GET", "HEAD", "OPTIONS"}}
    readers = {f"GET {route_of(rule.rule)}" for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    writers = {source for action in ACTIONS.values() for source in action.by}
    assert routes - writers - set(WRITES_WITHOUT_ENTRY) == set(), "writes whose log entry actions.md does not name"
    commands = {f"fieldapp {group.name} {command}" for group in app.cli.commands.values()
                for command in getattr(group, "commands", {})}
    assert writers - routes - readers - commands == set(), "documented writers that do not exist"


def test_each_entry_is_checked_against_the_table(app):
    """The conftest check itself: an undocumented action, a wrong object type, a missing or extra
    body key, and a writer not listed are each reported."""
    import json

    from tests.actions_check import entry_problems

    def activity_values(*, action, object_type, body, **_):  # the row's fields the check reads
        return {"action": action, "object_type": object_type, "body": json.dumps(body)}

    with app.test_request_context("/api/v1/visits", method="POST"):
        from flask import request

        request.url_rule = next(r for r in app.url_map.iter_rules() if r.rule == "/api/v1/visits")
        good = dict(action="visit.create", object_type="visit", object_id="V1", log_unit="17395", caller=None,
                    body={"household_id": "H1", "outcome": "supported", "proof": "gps", "verdict": "verified",
                          "evidence_status": "counted", "flags": [], "support_records": 1})
        assert entry_problems(activity_values(**good)) == []
        for change, expected in [({"action": "visit.remove"}, "not a documented action"),
                                 ({"object_type": "household"}, "object_type"),
                                 ({"body": {"household_id": "H1"}}, "missing"),
                                 ({"body": {**good["body"], "name": "Lê Văn A"}}, "undocumented ['name']"),
                                 ({"action": "team.create", "object_type": "team",
                                   "body": {"kind": "x", "leader_id": 1, "village_id": None}}, "written by POST")]:
            problems = entry_problems(activity_values(**{**good, **change}))
            assert problems and expected in problems[0], (change, problems)
