"""The real twelve-unit course, typeset once from cold: the guide a trainer would print.

It checks what only the full course shows, such as a table of contents that runs over
several pages, on the 300-page guide (typeset in about 3 s).
"""

from __future__ import annotations

import re
import time

from training.content import build_catalogue
from training.guide import guide_pdf

from ..helpers import ROOT
from .conftest import needs_poppler, pdf_info, pdf_outline, pdf_pages, searchable
from .test_guide_pdf import toc_entries

pytestmark = needs_poppler


def test_whole_course_guide_from_cold(tmp_path, record_property):
    catalogue = build_catalogue(ROOT)
    began = time.monotonic()
    path = tmp_path / "guide.pdf"
    path.write_bytes(guide_pdf(catalogue))
    record_property("cold_build_seconds", round(time.monotonic() - began, 1))

    info = pdf_info(path)
    pages = pdf_pages(path)
    total = int(info["Pages"])
    record_property("pages", total)
    assert len(pages) == total > 200
    assert info["Tagged"] == "yes" and info["Author"] == catalogue.guide.publisher
    assert f"Page {total} of {total}" in pages[-1]

    entries = {" ".join(k.split()): v for k, v in toc_entries_all(pages).items()}
    outline = {(level, title): page for level, title, page in pdf_outline(path)}
    for unit in catalogue.units:
        label = f"Unit {unit.order} {unit.title}"
        number = next((v for k, v in entries.items() if k.startswith(label[:60])), None)
        assert number is not None, f"{label!r} missing from the contents"
        opening = searchable(f"UNIT {unit.order} {unit.title}", fold_case=False)
        assert opening in searchable(pages[number - 1], fold_case=False)
        assert outline[(1, f"Unit {unit.order} {unit.title}")] == number
        for lesson_number, lesson in enumerate(unit.lessons, start=1):  # lessons: contents and bookmarks agree
            title = f"{unit.order}.{lesson_number} {lesson.title}"
            assert outline[(2, title)] == next(v for k, v in entries.items() if k.startswith(title[:50]))


def toc_entries_all(pages: list[str]) -> dict[str, int]:
    """The contents run over several pages; long titles wrap onto a second line."""
    contents = [p for p in pages[:8] if p.splitlines() and p.splitlines()[0].strip().startswith("Contents")]
    merged: dict[str, int] = {}
    for page in contents:
        joined, buffer = [], ""
        for line in page.splitlines()[1:]:  # below the running header
            if not line.strip():
                continue
            buffer = f"{buffer} {line.strip()}" if buffer else line.strip()
            if re.search(r"\.\s*\u2060\d+$", buffer.rstrip()):  # a leader, then the page number
                joined.append(buffer)
                buffer = ""
        merged.update(toc_entries(["Contents\n" + "\n".join(joined)]))
    return merged
