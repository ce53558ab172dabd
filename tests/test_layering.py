"""The map in docs/architecture.md, enforced: each layer imports only what the arrows allow
(checked by parsing every module's imports, not by running it), and views never touch the
database session."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "training"

FRAMEWORK = ("flask", "flask_login", "flask_wtf", "flask_sqlalchemy", "flask_migrate", "flask_compress", "werkzeug")
FORMS = ("wtforms",)
DATABASE = ("sqlalchemy",)
APP = (
    "training.web",
    "training.cli",
    "training.server",
    "training.course",
    "training.security",
    "training.config",
    "training.context",
    "training.extensions",
    "training.database",
    "training.models",
    "training.services",
    "training.queries",
    "training.reports",
)


def modules(*patterns: str) -> list[Path]:
    return sorted({path for pattern in patterns for path in PACKAGE.glob(pattern)})


@dataclass(frozen=True)
class Layer:
    name: str
    files: list[Path]
    forbidden: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


PURE = [
    "content/*.py",
    "content/questions/*.py",
    "progress.py",
    "quiz.py",
    "quiz_review.py",
    "fields.py",
    "permissions.py",
    "charts.py",
    "csvio.py",
    "translatable.py",
    "interop/__init__.py",
    "interop/events.py",
    "interop/grades.py",
    "interop/lti.py",
    "interop/scorm.py",
    "interop/xapi.py",
    "certificates.py",
    "badge.py",
    "signing.py",
    "evaluation.py",
    "offline.py",
]
LAYERS = [
    Layer("content: the pipeline stands alone", modules("content/*.py", "content/questions/*.py"), ("training.",)),
    Layer(
        "rules: plain functions, no framework, no database",
        modules(*PURE, "guide/plan.py"),
        (
            *FRAMEWORK,
            *FORMS,
            *DATABASE,
            *APP,
            "training.i18n",  # Flask's: the rules translate through training.translatable
            "training.guide.html",
            "training.guide.pdf",
            "training.guide.cache",
        ),
    ),
    Layer(
        "models: tables and the role vocabulary only",
        modules("models.py"),
        (*FRAMEWORK, *FORMS, *[m for m in APP if m != "training.models"], "training.progress", "training.quiz"),
    ),
    Layer(
        "queries: reads, no request, no writes",
        modules("queries/*.py"),
        (
            *FRAMEWORK,
            *FORMS,
            "training.services",
            "training.reports",
            "training.web",
            "training.cli",
            "training.i18n",
        ),
    ),
    Layer(
        "reports: aggregate reads; never the write path",
        modules("reports/*.py"),
        (*FRAMEWORK, *FORMS, "training.services", "training.web", "training.cli", "training.course", "training.i18n"),
    ),
    Layer(
        "services: the write path; no request, no pages, no reports",
        modules("services/*.py"),
        (*FRAMEWORK[1:], *FORMS, "training.web", "training.reports", "training.cli", "training.course"),
    ),
    Layer(
        "interop sender: delivers the outbox through services and queries, outside any request",
        modules("interop/sender.py"),
        (*FRAMEWORK[1:], *FORMS, "training.web", "training.reports", "training.cli", "training.i18n"),
    ),
    Layer(
        "guide: a renderer over the catalogue",
        modules("guide/*.py"),
        ("training.web", "training.services", "training.reports", "training.cli"),
    ),
    Layer(
        "web: views call services, queries and reports; the session is not theirs",
        modules("web/*.py", "web/**/*.py"),
        ("training.cli", "training.server", "sqlalchemy.orm", "sqlalchemy.sql", "sqlalchemy.engine"),
    ),
    Layer("cli: commands call the same functions as the views", modules("cli/*.py"), ("training.web",)),
]


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")


def imports_of(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module (and imported name) a module's source imports, relative imports made
    absolute: ``from ..services import accounts`` in ``training.reports.x`` gives
    ``training.services`` and ``training.services.accounts``."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, target]) if target else ".".join(base)
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
    return names


def imports(path: Path) -> set[str]:
    return imports_of(path.read_text(), module_name(path), path.name == "__init__.py")


def violations(module: str, names: set[str], forbidden: tuple[str, ...]) -> set[str]:
    """The imported names that a layer may not use (its own package aside)."""
    own = ".".join(module.split(".")[:2])
    return {
        name
        for name in names
        if any(name == f.rstrip(".") or name.startswith(f if f.endswith(".") else f + ".") for f in forbidden)
        and name != own
        and not name.startswith(own + ".")
    }


@pytest.mark.parametrize("layer", LAYERS, ids=str)
def test_each_layer_imports_only_what_the_map_allows(layer: Layer):
    assert layer.files, f"{layer}: no files (a module moved; update the map)"
    wrong = {
        path.relative_to(PACKAGE).as_posix(): bad
        for path in layer.files
        if (bad := violations(module_name(path), imports(path), layer.forbidden))
    }
    assert wrong == {}


def test_the_map_covers_every_module():
    covered = {path for layer in LAYERS for path in layer.files}
    glue = {
        PACKAGE / name
        for name in (
            "__init__.py",
            "config.py",
            "context.py",
            "extensions.py",
            "database.py",
            "course.py",
            "i18n.py",
            "security.py",
            "server.py",
            "backup.py",
            "logs.py",
            "metrics.py",
            "proxies.py",
            "probes.py",
            "mailer.py",
            "data/__init__.py",
        )
    }
    everything = set(PACKAGE.rglob("*.py"))
    assert everything - covered - glue == set()


def test_views_never_touch_the_database_session():
    """No module under web/ imports ``db`` or reaches for ``<anything>.session`` of it:
    views call a service (writes) or a read function."""
    offenders = []
    for path in modules("web/*.py", "web/**/*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and any(alias.name == "db" for alias in node.names):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} imports db")
            if isinstance(node, ast.Attribute) and node.attr == "session" and isinstance(node.value, ast.Name):
                if node.value.id == "db":
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} uses db.session")
    assert offenders == []


def test_services_and_reads_never_read_the_request():
    """Domain code takes its arguments explicitly (an Actor, ids, values): the command line
    and the web call the same functions."""
    request_bound = {"flask.request", "flask.session", "flask.g", "flask_login.current_user", "training.context"}
    offenders = {
        path.relative_to(PACKAGE).as_posix(): found
        for path in modules("services/*.py", "queries/*.py", "reports/*.py", "guide/*.py", "interop/*.py")
        if (found := imports(path) & request_bound)
    }
    assert offenders == {}


def test_the_checker_catches_what_the_map_forbids():
    reports = next(layer for layer in LAYERS if layer.name.startswith("reports"))
    names = imports_of(
        "from ..services import accounts\nfrom .scope import Scope\nimport flask\n", "training.reports.probe"
    )
    assert violations("training.reports.probe", names, reports.forbidden) == {
        "training.services",
        "training.services.accounts",
        "flask",
    }
    content = LAYERS[0]
    assert violations("training.content.probe", {"training.content.model", "training.models"}, content.forbidden) == {
        "training.models"
    }
