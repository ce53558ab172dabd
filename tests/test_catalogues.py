"""The message catalogues are complete and current.

* ``messages.pot`` holds exactly the messages the code and templates use (``make messages``
  regenerates it after a change);
* every shipped language translates every message, none fuzzy, with the same placeholders;
* the compiled ``.mo`` files are at least as new as their ``.po`` sources.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from training.config import Config
from training.i18n import TRANSLATIONS_DIR

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = [code for code in Config.LANGUAGES if code != "en"]  # English is the source language


def catalogue(path: Path, locale: str | None = None):
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def ids(messages) -> set:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in messages if m.id}


def test_the_template_lists_exactly_the_messages_in_use(tmp_path: Path):
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        ["make", "--no-print-directory", "-s", "messages-template", f"POT={fresh}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    current, committed = ids(catalogue(fresh)), ids(catalogue(TRANSLATIONS_DIR / "messages.pot"))
    assert len(current) > 600
    assert sorted(map(str, current - committed)) == [], "new messages: run `make messages` and translate them"
    assert sorted(map(str, committed - current)) == [], "messages no longer used: run `make messages`"


@pytest.mark.parametrize("language", SHIPPED)
def test_every_message_is_translated_and_none_is_fuzzy(language: str):
    template = ids(catalogue(TRANSLATIONS_DIR / "messages.pot"))
    po = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    translated = catalogue(po, language)
    assert ids(translated) == template, "run `make messages`"
    untranslated = [m.id for m in translated if m.id and not (all(m.string) if m.pluralizable else m.string)]
    fuzzy = [m.id for m in translated if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []
    assert not translated.fuzzy  # the catalogue itself is not marked fuzzy
    problems = [(m.id, [str(e) for e in errors]) for m, errors in translated.check()]
    assert problems == []  # placeholders as in the English message, plural forms all there


@pytest.mark.parametrize("language", SHIPPED)
def test_the_compiled_catalogue_is_current(language: str):
    folder = TRANSLATIONS_DIR / language / "LC_MESSAGES"
    mo = folder / "messages.mo"
    assert mo.exists(), "run `make install` (it compiles the catalogues)"
    assert mo.stat().st_mtime >= (folder / "messages.po").stat().st_mtime, "run `make messages`"
