"""The operator's command starts without building the app (issue 19): ``fieldapp --help`` and
``fieldapp audit verify`` load neither Flask nor SQLAlchemy nor the models, a command that needs
the app builds it when it runs, and one that works on the database alone builds it without the API
(fieldapp/cli/appcontext.py). bench/startup.py measures the times."""
import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from fieldapp.cli.main import EXTENSION_GROUPS, main
from tests.servers import ROOT

FIELDAPP = Path(sys.executable).with_name("fieldapp")
#: What must never load for these commands: the web framework, the database layer and the models'
#: spatial types, the API and its document, the file formats, and the test tools.
HEAVY = ("flask", "werkzeug", "sqlalchemy", "alembic", "flask_migrate", "flask_sqlalchemy", "flask_smorest",
         "apispec", "marshmallow", "geoalchemy2", "shapely", "numpy", "openpyxl", "qrcode", "fpdf", "PIL",
         "schemathesis", "hypothesis", "tqdm", "fieldapp.api", "fieldapp.models", "fieldapp.extensions")

_LOADED = """
import json, sys
sys.argv = ["fieldapp", *sys.argv[1:]]
from fieldapp.cli.main import main
try:
    main()
except SystemExit as stop:
    code = stop.code
heavy = %r
print(json.dumps({"exit": code, "loaded": sorted(m for m in sys.modules
                                                if any(m == h or m.startswith(h + ".") for h in heavy))}))
"""


def _env(tmp_path) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
            "KEYS_DIR": str(tmp_path / "keys")}


def _loaded(tmp_path, *args: str) -> dict:
    """Run ``fieldapp ARGS`` in a new interpreter: its exit code and the heavy modules it loaded."""
    result = subprocess.run([sys.executable, "-c", _LOADED % (HEAVY,), *args], capture_output=True, text=True,
                            cwd=ROOT, env=_env(tmp_path), timeout=120)
    return json.loads(result.stdout.splitlines()[-1])


def test_fieldapp_help_loads_no_framework_and_builds_no_app(tmp_path):
    assert _loaded(tmp_path, "--help") == {"exit": 0, "loaded": []}
    assert _loaded(tmp_path, "users", "create", "--help")["exit"] == 0
    assert not (tmp_path / "cli.sqlite").exists()  # no app, so no database opened


def test_audit_verify_needs_neither_the_app_nor_a_database(db, tmp_path):
    from tests.audit_helpers import export_bytes, fill_log, pinned_keys

    fill_log("17395", 150)
    export = tmp_path / "nhat-ky.jsonl"
    export.write_bytes(b"".join(export_bytes("17395")))
    key = base64.b64encode(next(iter(pinned_keys().values()))).decode()
    assert _loaded(tmp_path, "audit", "verify", str(export), "--key", key) == {"exit": 0, "loaded": []}
    result = subprocess.run([str(FIELDAPP), "audit", "verify", str(export), "--key", key], capture_output=True,
                            text=True, env={**_env(tmp_path), "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
                            timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("OK: log 17395: 150 entries"), result.stderr


def test_a_command_that_needs_the_app_builds_it_when_it_runs(tmp_path):
    result = subprocess.run([str(FIELDAPP), "dbrole", "grant", "fieldapp_app"], capture_output=True, text=True,
                            env=_env(tmp_path), timeout=120)
    assert result.returncode == 1 and "roles and privileges exist on PostgreSQL only" in result.stderr
    result = subprocess.run([str(FIELDAPP), "db", "current"], capture_output=True, text=True, env=_env(tmp_path),
                            timeout=120)  # Flask-Migrate's group, loaded when named, with Flask's app context
    assert result.returncode == 0, result.stderr


def test_fieldapp_lists_every_command_the_app_registers(app):
    """Flask's command group listed the app's commands (and the plugins'); this one lists them all
    without building the app."""
    listed = set(main.list_commands(click.Context(main)))
    assert set(app.cli.list_commands(click.Context(app.cli))) | {"limiter"} <= listed
    for name in EXTENSION_GROUPS:
        shown = main.get_command(click.Context(main), name)
        assert shown.get_short_help_str() == shown.loaded().get_short_help_str(), name


def test_an_extensions_group_runs_as_its_own(tmp_path):
    result = CliRunner().invoke(main, ["db", "--help"], env=_env(tmp_path))
    assert result.exit_code == 0 and "upgrade" in result.output and "downgrade" in result.output


_COMMANDS = """
import json, sys
import click
from fieldapp.cli.main import main
codes = []
for args in json.loads(sys.argv[1]):
    try:
        main.main(args, prog_name="fieldapp", standalone_mode=False)
        codes.append(0)
    except click.ClickException as error:
        codes.append(error.message)
print(json.dumps({"codes": codes, "api": sorted(m for m in sys.modules if m.startswith(("fieldapp.api", "flask_smorest",
                                                                                       "fieldapp.console")))}))
"""


@pytest.mark.real_commits  # another process works on the database: what it commits stays, in a commune of its own
def test_the_database_commands_run_on_the_app_without_its_api(app, own_commune, tmp_path):
    """Each command in a new app without its HTTP interfaces, as ``fieldapp`` builds it for them."""
    from fieldapp.extensions import db
    from fieldapp.models import User

    phone = "0912777001"
    commands = [["units", "import"],
                ["users", "create", "--phone", phone, "--name", "Đinh Văn Tú", "--role", "volunteer",
                 "--unit", own_commune.code, "--password-stdin"],
                ["users", "disable", "--phone", phone], ["users", "enable", "--phone", phone],
                ["keys", "list"], ["db", "current"]]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "KEYS_DIR": app.config["KEYS_DIR"], "DATABASE_ROLE": app.config.get("DATABASE_ROLE") or "",
           "PASSWORD_HASH_PROFILE": "CHEAPEST"}
    result = subprocess.run([sys.executable, "-c", _COMMANDS, json.dumps(commands)], input="mat-khau-dai\n",
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    ran = json.loads(result.stdout.splitlines()[-1])
    assert ran == {"codes": [0] * len(commands), "api": []}, (ran, result.stderr[-2000:])
    assert "created user" in result.stdout and "enabled user" in result.stdout
    with app.app_context():
        user = db.session.query(User).filter_by(phone="+84912777001").one()
        assert user.unit_code == own_commune.code and user.is_active
