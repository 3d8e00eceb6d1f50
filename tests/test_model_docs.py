"""Every mapped column has a ``#:`` doc comment (Sphinx autodoc style) on the line right above it, as
the README says of ``fieldapp/models/``: what the column holds, and where its rule comes from when the
plans set one.

The columns are those SQLAlchemy maps (every mapper of the registry, so a new model or column is
checked without being listed here); each is found in its class's source with ``ast``, or, for one
attached to the class from outside (``LearningSession.checkin_count``), at its module-level assignment.
"""
from __future__ import annotations

import ast
import inspect
import sys
from functools import cache
from pathlib import Path

import fieldapp.models  # noqa: F401  (every model in the registry)
from fieldapp.extensions import db


@cache
def _source(path: str) -> tuple[list[str], ast.Module]:
    text = Path(path).read_text(encoding="utf-8")
    return text.splitlines(), ast.parse(text)


def _assigned_names(node: ast.stmt) -> list[ast.expr]:
    if isinstance(node, ast.AnnAssign):
        return [node.target]
    if isinstance(node, ast.Assign):
        return list(node.targets)
    return []


def _definition(cls: type, key: str) -> tuple[str, int] | None:
    """(file, line number) of the assignment that maps ``cls.key``: in the class body, else
    ``Cls.key = ...`` at the top level of any models module."""
    path = inspect.getsourcefile(cls)
    _, tree = _source(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__:
            for statement in node.body:
                if any(isinstance(t, ast.Name) and t.id == key for t in _assigned_names(statement)):
                    return path, statement.lineno
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("fieldapp.models"):
            continue
        path = getattr(module, "__file__", None)
        if not path:
            continue
        _, tree = _source(path)
        for statement in tree.body:
            for target in _assigned_names(statement):
                if (isinstance(target, ast.Attribute) and target.attr == key
                        and isinstance(target.value, ast.Name) and target.value.id == cls.__name__):
                    return path, statement.lineno
    return None


def _doc_comment(path: str, lineno: int) -> str:
    """The ``#:`` lines right above line ``lineno`` (1-based), joined; empty if there are none."""
    lines, _ = _source(path)
    comment = []
    index = lineno - 2
    while index >= 0 and lines[index].strip().startswith("#:"):
        comment.insert(0, lines[index].strip()[2:].strip())
        index -= 1
    return " ".join(comment).strip()


def _mapped_columns():
    for mapper in db.Model.registry.mappers:
        for prop in mapper.column_attrs:
            yield mapper.class_, prop.key


def test_the_models_map_columns_at_all():
    """The walk below sees the models (an empty registry would make it pass on nothing)."""
    classes = {cls.__name__ for cls, _ in _mapped_columns()}
    assert {"User", "Household", "CheckIn", "ActivityEntry", "LearningSession"} <= classes
    assert sum(1 for _ in _mapped_columns()) > 200


def test_every_mapped_column_has_a_doc_comment_right_above_it():
    missing = []
    for cls, key in _mapped_columns():
        found = _definition(cls, key)
        if found is None:
            missing.append(f"{cls.__module__}.{cls.__name__}.{key}: definition not found")
            continue
        path, lineno = found
        if not _doc_comment(path, lineno):
            missing.append(f"{Path(path).name}:{lineno} {cls.__name__}.{key}")
    assert missing == [], "columns without a #: comment right above them:\n" + "\n".join(missing)
