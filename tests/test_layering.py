"""The rules stay plain: content/, progress, quiz and the guide planner import no Flask,
no database and nothing from the web layer (checked by parsing their imports)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "training"
PURE = [
    *sorted((PACKAGE / "content").glob("*.py")),
    PACKAGE / "progress.py",
    PACKAGE / "quiz.py",
    PACKAGE / "guide" / "plan.py",
]
FORBIDDEN = (
    "flask",
    "flask_login",
    "flask_wtf",
    "flask_sqlalchemy",
    "sqlalchemy",
    "werkzeug",
    "training.web",
    "training.extensions",
    "training.models",
    "training.services",
    "training.database",
)


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                package = path.parent.relative_to(PACKAGE.parent).as_posix().replace("/", ".").split(".")
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, module]) if module else ".".join(base)
            names.add(module)
    return names


@pytest.mark.parametrize("path", PURE, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_rules_import_no_framework(path: Path):
    bad = {name for name in imports(path) if name.startswith(FORBIDDEN)}
    assert bad == set()
