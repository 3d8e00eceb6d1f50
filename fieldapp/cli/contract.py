"""``fieldapp contract write|check``: the generated parts of mobile_contract/."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

CONTRACT_DIR = Path(__file__).resolve().parents[2] / "mobile_contract"


def generated_files() -> dict[str, str]:
    """File name → content of every generated contract file."""
    from fieldapp.errors import catalogue_markdown
    from fieldapp.models.evidence import evidence_markdown

    api = current_app.extensions["fieldapp_api"]
    return {"openapi.yaml": api.spec.to_yaml({"allow_unicode": True, "sort_keys": True}),
            "errors.md": catalogue_markdown(), "evidence.md": evidence_markdown()}


@click.group("contract")
def group():
    """The mobile contract documents generated from the code."""


@group.command("write")
@with_appcontext
def contract_write():
    """Regenerate mobile_contract/openapi.yaml, errors.md and evidence.md."""
    for name, content in generated_files().items():
        (CONTRACT_DIR / name).write_text(content, encoding="utf-8")
        click.echo(f"wrote mobile_contract/{name}")
