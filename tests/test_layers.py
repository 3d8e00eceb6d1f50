"""The layers only point down, and nothing imports the API but the app factory: import-linter's
contracts in setup.cfg ([importlinter]), drawn in docs/architecture.md. A lazy import (inside a
function) counts like any other: it cannot hide a circle."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_the_import_contracts_are_kept():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--config", str(ROOT / "setup.cfg"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_no_module_of_fieldapp_imports_itself_in_a_circle():
    """Every import circle, not only those across layers (two services, a package and its modules)."""
    import grimp

    graph = grimp.build_graph("fieldapp", cache_dir=None)
    circles = [(module, imported) for module in graph.modules
               for imported in graph.find_modules_directly_imported_by(module)
               if graph.chain_exists(importer=imported, imported=module)]
    assert circles == []
