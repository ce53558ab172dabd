"""The documents stay true: every test docs/security.md names exists, every rule id the code
cites is defined there, and nothing in the repository points at a file outside it."""

from __future__ import annotations

import ast
import re
import subprocess

import pytest

from .helpers import ROOT

SECURITY = ROOT / "docs" / "security.md"
RULE_ROW = re.compile(r"^\| ([A-Z]+-\d+) \|(.*)\|\s*$", re.MULTILINE)
TEST_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)?::(\w+)`")
CITATION = re.compile(r"docs/security\.md ([A-Z]+-\d+)")


def rules() -> dict[str, str]:
    """Rule id -> its "proved by" cell."""
    return {rule: row.rsplit("|", 1)[-1] for rule, row in RULE_ROW.findall(SECURITY.read_text())}


def names_of_tests(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_rule_names_the_tests_that_prove_it_and_they_exist():
    found = rules()
    assert len(found) >= 40, "the rule table no longer parses"
    missing = []
    for rule, proof in found.items():
        references = TEST_REFERENCE.findall(proof)
        if not references:
            assert "`make lint`" in proof, f"{rule} names no test"
            continue
        current = ""
        for path, name in references:
            current = path or current
            assert current, f"{rule}: '::{name}' without a file before it"
            if name not in names_of_tests(current):
                missing.append(f"{rule}: {current}::{name}")
    assert missing == []


def test_every_rule_the_code_cites_is_defined():
    defined = set(rules())
    cited = {}
    for path in [*ROOT.glob("training/**/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("docs/*.md")]:
        for rule in CITATION.findall(path.read_text(encoding="utf-8")):
            cited.setdefault(rule, path.relative_to(ROOT).as_posix())
    assert cited, "no citations found: the pattern no longer matches"
    assert {rule: path for rule, path in cited.items() if rule not in defined} == {}


@pytest.mark.parametrize(
    "pattern",
    [
        "SECURITY" + r"\.md",  # the rules are docs/security.md
        r"\.\./" + "shared",
        "/work/" + "shared",
        "DESIGN" + r"\.md",
        "STYLE" + r"\.md",
        "CONTENT" + r"\.md",
    ],
)
def test_nothing_points_outside_the_repository(pattern: str):
    tracked = subprocess.run(
        ["git", "grep", "-nIE", pattern, "--", ".", ":!tests/test_docs.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tracked.returncode in (0, 1), tracked.stderr  # 1: nothing found
    assert tracked.stdout == ""
