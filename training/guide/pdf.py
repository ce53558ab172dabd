"""Data -> PDF with Typst: the only module that imports the typesetter.

:func:`render_pdf` takes the name of a template in ``trainer_guide/templates/typst``, the
document's data (plain JSON-able values: text, numbers, lists, and content as the trees of
:mod:`training.guide.tree`), its language and its paper size, and returns the PDF. The
template reads the data from ``sys.inputs`` and draws it; no text of the course is ever
parsed as Typst markup, so content cannot change the typesetting.

Every PDF is PDF/UA-1: tagged (headings, paragraphs, lists, tables with header cells, links),
with the title, language and author in its metadata, and bookmarks from the headings. Typst
reads only files under the templates folder and the font folders of
:mod:`training.guide.fonts`, never the system's other fonts, so a PDF looks the same on every
server.

Each document is typeset in a child process (:mod:`training.guide.typeset_process`) with a
limit on its memory and its time: the whole guide needs about 600 MB at its peak, which a
long-lived server worker would otherwise keep (Typst keeps what it computed for the next
build), and a runaway build ends with an error instead of taking the server down. Starting
the child costs about 0.05 s: it imports only Typst, and searches a folder holding only the
fonts the documents use (:func:`training.guide.fonts.font_folder`).

Any document can use it: the guide, handouts and paper quizzes, and later a certificate
(``render_pdf("certificate", {...}, language="fr", paper=Paper.LETTER)``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

from . import fonts
from .labels import labels
from .render import TEMPLATES_DIR
from .typeset_process import MISSING_GLYPH

CHILD = Path(__file__).with_name("typeset_process.py")
TYPST_DIR = TEMPLATES_DIR / "typst"
MEMORY_LIMIT_MB = 3072
"""The child's address-space limit: five times what the whole guide needs resident (the
typesetter's threads reserve address space they never touch)."""
TIME_LIMIT_S = 120


class Paper(StrEnum):
    A4 = "a4"
    LETTER = "us-letter"


class TypesetError(RuntimeError):
    """The template could not be typeset (a template bug or a limit reached, never content)."""


def render_pdf(
    template: str,
    data: Mapping[str, object],
    *,
    language: str,
    paper: Paper = Paper.A4,
) -> bytes:
    """Typeset ``data`` with the template ``typst/<template>.typ``. The template also gets
    ``lang`` (for hyphenation and the PDF's language), ``paper``, the labels in the current
    language (see :mod:`training.guide.labels`) and the font lists."""
    path = TYPST_DIR / f"{template}.typ"
    if not path.is_file() or path.parent != TYPST_DIR:
        raise KeyError(template)
    document = {**data, "lang": language, "paper": str(paper), "labels": labels(), "fonts": fonts.families()}
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    # Escaped surrogate pairs in YAML ("\ud83c\udf0d") arrive as two halves: join them, and
    # replace a lone half, which no PDF can hold.
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    status, output = _run(path, text)
    if status == MISSING_GLYPH:
        # A character no font has: printed as the replacement sign instead of an empty box,
        # which PDF/UA forbids (``training guide build`` names its file and line).
        status, output = _run(path, fonts.replace_missing(text))
    if status != 0:
        raise TypesetError(f"{template}: {output.decode(errors='replace').strip()[-2000:]}")
    return output


def _run(template: Path, text: str) -> tuple[int, bytes]:
    """Typeset in a child process: (exit status, the PDF or the error)."""
    command = [
        sys.executable,
        str(CHILD),
        str(template),
        str(TYPST_DIR),
        fonts.font_folder(),
        str(MEMORY_LIMIT_MB),
    ]
    try:
        done = subprocess.run(  # noqa: S603 - this interpreter and the package's own script
            command,
            input=text.encode(),
            capture_output=True,
            timeout=TIME_LIMIT_S,
            check=False,
            env={**os.environ, "MALLOC_ARENA_MAX": "2"},  # few malloc arenas: little address space
        )
    except subprocess.TimeoutExpired:
        return 1, f"not typeset within {TIME_LIMIT_S} s".encode()
    return done.returncode, done.stdout if done.returncode == 0 else done.stderr
