"""Reading PDFs back with poppler (``pdftotext``, ``pdfinfo``, ``pdftohtml``)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from ..helpers import MINIMAL, cached_catalogue


@pytest.fixture(scope="session")
def poppler() -> None:
    """The PDF tests read PDFs back; without poppler they fail loudly rather than skip."""
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.fail("poppler-utils is not installed: run `make system-deps`")


needs_poppler = pytest.mark.usefixtures("poppler")


def pdf_pages(path: Path) -> list[str]:
    """The text of each page, laid out as printed."""
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pdf_page_text(path: Path, number: int) -> str:
    """One page's words in reading order (columns one after the other)."""
    return subprocess.run(
        ["pdftotext", "-f", str(number), "-l", str(number), str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def pdf_text(path: Path) -> str:
    """All the words of a PDF, whitespace collapsed (soft hyphens and line breaks undone)."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return " ".join(out.replace("-\n", "").split())


def pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines()) if v}


def pdf_metadata(path: Path) -> str:
    """The XMP metadata packet."""
    return subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, check=True, text=True).stdout


def pdf_outline(path: Path) -> list[tuple[int, str, int]]:
    """The bookmarks as (level, title, page)."""
    xml = subprocess.run(
        ["pdftohtml", "-xml", "-stdout", "-i", "-q", str(path)], capture_output=True, check=True, text=True
    ).stdout
    outline = xml[xml.find("<outline>") :]
    found, level = [], 0
    for token in re.finditer(r'<outline>|</outline>|<item page="(\d+)">(.*?)</item>', outline):
        if token.group(0) == "<outline>":
            level += 1
        elif token.group(0) == "</outline>":
            level -= 1
        else:
            found.append((level, token.group(2), int(token.group(1))))
    return found


def pdf_catalog_language(path: Path) -> str | None:
    """The /Lang of the document catalog (inside a compressed object stream)."""
    data = path.read_bytes()
    for chunk in [data, *(_inflate(m.group(1)) for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S))]:
        found = re.search(rb"/Type\s*/Catalog.*?/Lang\s*\((.*?)\)", chunk, re.S)
        if found:
            return found.group(1).decode()
    return None


def _inflate(raw: bytes) -> bytes:
    try:
        return zlib.decompress(raw)
    except zlib.error:
        return b""


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="session")
def catalogue():
    return cached_catalogue(str(MINIMAL.resolve()))


def searchable(text: str, fold_case: bool = True) -> str:
    """Text compared ignoring spaces, line breaks, hyphens (and case, unless told): a word split
    across two lines of a justified PDF still matches, and cannot hide from an absence check."""
    squashed = re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", text)
    return squashed.casefold() if fold_case else squashed


def text_chunks(html: str, minimum: int = 10) -> list[str]:
    """The text nodes of an HTML fragment that are long enough to be telling."""
    from html.parser import HTMLParser

    chunks: list[str] = []

    class Collect(HTMLParser):
        def handle_data(self, data: str) -> None:
            if len(data.strip()) >= minimum:
                chunks.append(" ".join(data.split()))

    Collect().feed(html)
    return chunks


def trainer_only_texts(catalogue) -> list[str]:
    """What only trainers may read: every trainer block, the key messages and the materials."""
    texts: list[str] = []
    for unit in catalogue.units:
        for block in [*unit.blocks, *(b for lesson in unit.lessons for b in lesson.blocks)]:
            texts.extend(text_chunks(block.html))
        texts.extend(unit.key_messages)
        texts.extend(m for m in unit.materials if len(m) >= 10)
    return texts


def answer_key_texts(catalogue) -> list[str]:
    """The answer key: every option's feedback and every explanation."""
    texts: list[str] = []
    for quiz in catalogue.quizzes.values():
        for question in quiz.questions:
            texts.extend(text_chunks(question.explanation_html))
            for option in question.options:
                texts.extend(text_chunks(option.feedback_html))
    return texts
