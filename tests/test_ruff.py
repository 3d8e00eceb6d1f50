"""Ruff finds nothing in any Python file of the project: the rules and the line length of
``[tool.ruff]`` in pyproject.toml (pycodestyle errors and warnings, pyflakes, import order, bugbear;
120 characters). Ruff is the one beside the interpreter (the venv's, from the ``dev`` extras).

Landed migrations are exempt from the rules they were written before (long lines, import order,
trailing whitespace), because they are never edited; the exemption names them one by one and only
them, so it cannot grow into a place where new code goes unchecked.
"""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]
RUFF = Path(sys.executable).parent / "ruff"


def _ruff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    assert RUFF.exists(), f"{RUFF} is missing: install the dev extras (pip install -e '.[dev]')"
    return subprocess.run([str(RUFF), *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120)


def test_ruff_finds_nothing_in_the_project():
    result = _ruff("check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rules_are_on_at_120_characters():
    """The check above can fail: the project's configuration refuses a line of 121 characters and
    imports out of order in a module of fieldapp, and lets a line of 120 through."""
    def line_of(length: int) -> str:
        return "x = '" + "a" * (length - 6) + "'\n"  # x = '…': 6 characters around the a's

    at_limit, over = line_of(120), line_of(121)
    assert len(at_limit) == 121 and len(over) == 122  # with the newline
    unsorted = "import sys\nimport os\n\nprint(os, sys)\n"

    def found(source: str) -> str:
        return _ruff("check", "--no-cache", "--output-format", "concise", "--stdin-filename",
                     "fieldapp/_ruff_probe.py", "-", stdin=source).stdout

    assert "E501" not in found(at_limit)
    assert "E501" in found(over)
    assert "I001" in found(unsorted)


def test_only_landed_migrations_are_exempt():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    exempt = config["tool"]["ruff"]["lint"].get("per-file-ignores", {})
    landed = {line.split()[1] for line in (ROOT / "migrations" / "landed.sha256").read_text().splitlines()
              if line.strip()}
    # Tests may only be spared F811 (a fixture imported from a shared module, taken by name).
    assert exempt.pop("tests/**", ["F811"]) == ["F811"]
    assert all(path.startswith("migrations/versions/") for path in exempt), sorted(exempt)
    assert {path.removeprefix("migrations/versions/") for path in exempt} <= landed
    assert "extend-exclude" not in config["tool"]["ruff"] and "exclude" not in config["tool"]["ruff"]
