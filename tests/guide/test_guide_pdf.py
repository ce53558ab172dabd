"""The PDFs read back with poppler: what a trainer or a learner gets on paper.

Built from the fixture course (two units), typeset once per session through the same cached
functions the web views and the command line use.
"""

from __future__ import annotations

import re

import pytest

from training.guide import guide_pdf, handout_pdf, participant_handouts_pdf, quiz_pdf

from .conftest import (
    answer_key_texts,
    needs_poppler,
    pdf_catalog_language,
    pdf_info,
    pdf_metadata,
    pdf_outline,
    pdf_page_text,
    pdf_pages,
    pdf_text,
    searchable,
    trainer_only_texts,
)

pytestmark = needs_poppler


def _write(folder, name: str, data: bytes):
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.fixture(scope="session")
def pdf_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("pdfs")


@pytest.fixture(scope="session")
def guide_file(catalogue, pdf_dir):
    return _write(pdf_dir, "guide.pdf", guide_pdf(catalogue))


@pytest.fixture(scope="session")
def learner_handouts(catalogue, pdf_dir):
    return [_write(pdf_dir, f"handout-{u.id}.pdf", handout_pdf(catalogue, u)) for u in catalogue.units]


@pytest.fixture(scope="session")
def question_sheets(catalogue, pdf_dir):
    return [_write(pdf_dir, f"sheet-{u.id}.pdf", quiz_pdf(catalogue, u, answer_key=False)) for u in catalogue.units]


@pytest.fixture(scope="session")
def answer_keys(catalogue, pdf_dir):
    return [_write(pdf_dir, f"key-{u.id}.pdf", quiz_pdf(catalogue, u, answer_key=True)) for u in catalogue.units]


@pytest.fixture(scope="session")
def participant_handouts(catalogue, pdf_dir):
    return [_write(pdf_dir, f"handouts-{u.id}.pdf", participant_handouts_pdf(catalogue, u)) for u in catalogue.units]


def test_guide_pdf_has_title_language_author_and_is_tagged(guide_file, catalogue):
    info = pdf_info(guide_file)
    assert info["Title"].startswith(catalogue.guide.title)
    assert info["Author"] == catalogue.guide.publisher
    assert info["Tagged"] == "yes"
    assert pdf_catalog_language(guide_file) == catalogue.guide.language
    assert re.search(r'pdfuaid:part(="1"|>1<)', pdf_metadata(guide_file))  # PDF/UA-1 claimed in the XMP metadata


def test_every_page_says_page_x_of_y_and_y_is_the_page_count(guide_file):
    pages = pdf_pages(guide_file)
    total = int(pdf_info(guide_file)["Pages"])
    assert len(pages) == total and total > 10
    for number, text in enumerate(pages[1:], start=2):  # the cover has no footer
        assert f"Page {number} of {total}" in text


def test_cover_names_the_course_edition_and_content_version(guide_file, catalogue):
    cover = pdf_pages(guide_file)[0]
    assert catalogue.guide.title in cover
    assert "15 January 2026" in cover and catalogue.version in cover


def toc_entries(pages: list[str]) -> dict[str, int]:
    """Title -> page number, read from the table of contents."""
    contents = next(p for p in pages if "Contents" in p)
    entries = {}
    for line in contents.splitlines():
        found = re.match(r"\s*(.+?)\s*(?:\. ?)+\s*\u2060?(\d+)\s*$", line)
        if found:
            entries[" ".join(found.group(1).split())] = int(found.group(2))
    return entries


def test_toc_gives_each_unit_the_page_where_it_starts(guide_file, catalogue):
    pages = pdf_pages(guide_file)
    entries = toc_entries(pages)
    for unit in catalogue.units:
        label = f"Unit {unit.order} {unit.title}"
        assert label in entries, f"{label!r} not in the contents: {entries}"
        number = entries[label]
        start = searchable(pages[number - 1], fold_case=False)
        opening = searchable(f"UNIT {unit.order} {unit.title}", fold_case=False)
        assert opening in start, f"unit {unit.order} does not start on page {number}"
        assert opening not in searchable(pages[number - 2], fold_case=False), "the unit starts before that page"
        assert (
            f"Unit {unit.order} · {unit.title}" in pages[number - 1].splitlines()[0]
            or f"Unit {unit.order} · {unit.title}" in pages[number].split("\n", 3)[0]
        )  # the running header


def test_toc_lists_front_pages_agenda_glossary_and_references_with_their_pages(guide_file):
    pages = pdf_pages(guide_file)
    entries = toc_entries(pages)
    for title in ("How to use this guide", "Preparation checklist", "Workshop agenda", "Glossary", "References"):
        assert title in entries
        assert title in pages[entries[title] - 1]


def test_each_unit_and_part_starts_on_a_new_page(guide_file, catalogue):
    pages = pdf_pages(guide_file)
    for unit in catalogue.units:
        opening = searchable(f"UNIT {unit.order} {unit.title}", fold_case=False)
        starts = [i for i, p in enumerate(pages) if opening in searchable(p, fold_case=False)]
        assert len(starts) == 1
        before = pages[starts[0]].split(f"UNIT {unit.order}")[0]
        assert len([line for line in before.splitlines() if line.strip()]) <= 1  # only the running header


def test_bookmarks_cover_parts_units_and_lessons(guide_file, catalogue):
    outline = pdf_outline(guide_file)
    titles = {(level, title) for level, title, _ in outline}
    for unit in catalogue.units:
        assert (1, f"Unit {unit.order} {unit.title}") in titles
        for number, lesson in enumerate(unit.lessons, start=1):
            assert (2, f"{unit.order}.{number} {lesson.title}") in titles
    assert (1, "Glossary") in titles and (1, "References") in titles


def test_each_handout_prints_alone_on_its_page(guide_file, catalogue):
    pages = pdf_pages(guide_file)
    for marker, unit_title in (("ALPHA-HANDOUT-TEXT", "Alpha unit"), ("BETA-HANDOUT-TEXT", "Beta unit")):
        [page] = [p for p in pages if marker in p]
        assert "Handout for participants" in page
        for other in ("Facilitator notes", "Quiz and answer key", "Discussion questions", "Activity"):
            assert other not in page


def test_the_guide_holds_the_answer_key_and_every_trainer_block(guide_file, catalogue):
    text = searchable(pdf_text(guide_file))
    for expected in [*answer_key_texts(catalogue), *trainer_only_texts(catalogue)]:
        assert searchable(expected) in text, expected


def test_the_guide_lists_glossary_terms_and_references(guide_file, catalogue):
    pages = pdf_pages(guide_file)
    number = next(i for i, p in enumerate(pages, start=1) if "alphabetical order" in p)
    glossary = searchable(pdf_page_text(guide_file, number))
    for lesson in catalogue.all_lessons():
        for term in lesson.key_terms:
            assert searchable(term.term) in glossary and searchable(term.definition) in glossary
    assert searchable("Fixture Report 2024") in searchable(pdf_text(guide_file))


def test_learner_handouts_have_the_lessons_and_key_terms_but_nothing_for_trainers(learner_handouts, catalogue):
    forbidden = [*trainer_only_texts(catalogue), *answer_key_texts(catalogue)]
    for unit, path in zip(catalogue.units, learner_handouts, strict=True):
        text = searchable(pdf_text(path))
        for lesson in unit.lessons:
            assert searchable(lesson.title) in text
            for term in lesson.key_terms:
                assert searchable(term.definition) in text
        for secret in forbidden:
            assert searchable(secret) not in text, secret
        assert pdf_info(path)["Tagged"] == "yes"


def test_question_sheets_have_the_questions_but_no_answers(question_sheets, catalogue):
    forbidden = [*trainer_only_texts(catalogue), *answer_key_texts(catalogue), "Answer:", "✓"]
    for unit, path in zip(catalogue.units, question_sheets, strict=True):
        text = searchable(pdf_text(path))
        assert searchable("Name") in text
        for question in catalogue.quiz_for_unit(unit.id).questions:
            prompt = re.sub(r"<[^>]+>", "", question.prompt_html)
            assert searchable(prompt) in text
        for secret in forbidden:
            assert searchable(secret) not in text, secret


def test_answer_keys_are_separate_and_match_the_sheet_letters(answer_keys, question_sheets, catalogue):
    for unit, key, sheet in zip(catalogue.units, answer_keys, question_sheets, strict=True):
        key_text = searchable(pdf_text(key))
        for question in catalogue.quiz_for_unit(unit.id).questions:
            assert searchable(re.sub(r"<[^>]+>", "", question.explanation_html)) in key_text
        assert searchable("Do not hand this page out") in key_text
    alpha_sheet = pdf_text(question_sheets[0])
    alpha_key = pdf_text(answer_keys[0])
    letter = re.search(r"([A-C]) Alpha", alpha_sheet.split("Which comes first?")[1]).group(1)
    assert re.search(rf"Answer: {letter} \(Alpha\)", alpha_key)


def test_participant_handouts_print_one_handout_per_page(participant_handouts, catalogue):
    for unit, path in zip(catalogue.units, participant_handouts, strict=True):
        handouts = [b for b in unit.blocks if b.kind.value == "handout"]
        assert int(pdf_info(path)["Pages"]) == len(handouts)
        assert "Facilitator" not in pdf_text(path)


def test_trainer_only_parts_are_marked_in_the_guide_and_absent_from_learner_handouts(
    guide_file, learner_handouts, catalogue
):
    pages = pdf_pages(guide_file)
    for unit in catalogue.units:
        start = next(i for i, p in enumerate(pages) if f"UNIT {unit.order}" in p and unit.title in p)
        opening = "\n".join(pages[start : start + 2])
        lines = opening.splitlines()
        for heading in ("Duration and materials", "Session plan", "Key messages"):
            at = next(i for i, line in enumerate(lines) if line.strip() == heading)
            assert any("TRAINER ONLY" in line for line in lines[at - 2 : at + 3]), heading  # marked beside it
    marked = sum(p.count("TRAINER ONLY") for p in pages)
    trainer_parts = sum(3 + len(u.blocks) + (1 if u.quiz_id else 0) for u in catalogue.units)
    assert marked >= trainer_parts
    for path in learner_handouts:
        assert "TRAINER ONLY" not in pdf_text(path).upper()
