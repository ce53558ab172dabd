"""Translations: parallel files that share every id with their source.

The fixture course ``translated`` is the minimal course in French (every file), Spanish (a
lesson and a quiz) and Arabic (two lessons). Each folder under
``fixtures/content/broken_translations/`` is one mistake a translator can make, laid over it,
with exactly what ``content check`` must report in expected.txt.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from training.content import build_catalogue, check
from training.content.languages import direction, source_path, translation_name, translation_path
from training.content.model import Catalogue
from training.quiz import grade

from ..conftest import FIXTURES, TRANSLATED
from .test_check import broken_course, report

BROKEN = FIXTURES / "content" / "broken_translations"
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def course() -> Catalogue:
    return build_catalogue(TRANSLATED)


def test_the_translated_fixture_course_is_valid():
    assert check(TRANSLATED) == []


@pytest.mark.parametrize("case", CASES)
def test_checker_reports_each_translation_mistake_with_its_location(case: str, tmp_path: Path):
    course = broken_course(case, tmp_path, BROKEN, TRANSLATED)
    expected = (BROKEN / case / "expected.txt").read_text().splitlines()
    assert report(check(course), course) == expected


def test_every_mistake_the_checker_promises_has_a_broken_course():
    promised = {
        "missing_id",
        "missing_question",
        "extra_option",
        "changed_answer_key",
        "question_type_changed",
        "lost_figure",
        "figure_in_wrong_format",
        "untranslated_paragraph",
        "unknown_language_suffix",
        "source_language_suffix",
        "orphan_translation",
        "link_to_other_language",
        "changed_block_id",
        "missing_block",
        "activity_steps_changed",
        "session_plan_changed",
        "pass_mark_changed",
        "heading_missing",
        "objectives_count",
        "stamp_missing",
        "guide_page_renamed",
        "unknown_declared_language",
        "changed_quiz_id",
        "bad_stamp",
        "questions_reordered",
        "extra_question",
        "quiz_lesson_changed",
        "untranslated_summary",
        "lost_figure_in_quiz",
        "guide_settings_in_translation",
        "extra_heading",
        "key_terms_count",
        "changed_option_id",
        "options_reordered",
        "objective_changed",
        "unknown_field_in_lesson",
        "unknown_field_in_quiz",
        "unknown_field_in_guide",
    }
    assert promised <= set(CASES)


# --- the file-naming rule ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("unit.fr.md", ("unit", "fr", "md")),
        ("01-why-words-matter.es.md", ("01-why-words-matter", "es", "md")),
        ("guide.ar.yaml", ("guide", "ar", "yaml")),
        ("how-to-use.pt-br.md", ("how-to-use", "pt-br", "md")),
        ("unit.md", None),
        ("guide.yaml", None),
        ("print.fr.css", None),
        (".hidden.md", None),
    ],
)
def test_a_dot_inside_a_content_file_name_marks_its_language(name: str, expected):
    found = translation_name(Path(name))
    assert (found and (found.stem, found.language, found.extension)) == expected


def test_translation_and_source_paths_mirror_each_other():
    source = Path("modules/01-concepts/01-why-words-matter.md")
    assert translation_path(source, "fr") == Path("modules/01-concepts/01-why-words-matter.fr.md")
    assert source_path(translation_path(source, "fr")) == source
    assert translation_path(Path("trainer_guide/guide.yaml"), "es") == Path("trainer_guide/guide.es.yaml")


def test_arabic_is_written_right_to_left():
    assert direction("ar") == "rtl"
    assert direction("fr") == direction("es") == direction("en") == "ltr"


# --- one catalogue, several languages ------------------------------------------------------


def test_each_language_is_the_same_course(course: Catalogue):
    """Ids, order, durations, versions, pass marks: the source's in every language."""
    for language in ("fr", "es", "ar"):
        view = course.in_language(language)
        assert view.language == language
        assert [u.id for u in view.units] == [u.id for u in course.units]
        for unit, source in zip(view.units, course.units, strict=True):
            assert (unit.order, unit.duration, unit.version, unit.quiz_id) == (
                source.order,
                source.duration,
                source.version,
                source.quiz_id,
            )
            assert [(le.id, le.order, le.duration, le.version) for le in unit.lessons] == [
                (le.id, le.order, le.duration, le.version) for le in source.lessons
            ]
            assert [(s.kind, s.minutes, s.ref) for s in unit.session_plan] == [
                (s.kind, s.minutes, s.ref) for s in source.session_plan
            ]
            assert [(b.kind, b.id, b.minutes) for b in unit.blocks] == [
                (b.kind, b.id, b.minutes) for b in source.blocks
            ]
        for quiz_id, quiz in view.quizzes.items():
            source_quiz = course.quiz(quiz_id)
            assert (quiz.pass_mark, quiz.attempts, quiz.shuffle, quiz.duration, quiz.version) == (
                source_quiz.pass_mark,
                source_quiz.attempts,
                source_quiz.shuffle,
                source_quiz.duration,
                source_quiz.version,
            )


def test_a_translated_view_shows_the_translation(course: Catalogue):
    fr = course.in_language("fr")
    unit = fr.unit("alpha")
    assert (unit.title, unit.language) == ("Unité alpha", "fr")
    lesson = fr.lesson("alpha", "first-steps")
    assert lesson.title == "Premiers pas"
    assert "1 500 ont répondu" in lesson.html
    assert lesson.key_terms[0].term == "Pas"
    # the source's sources where the translation gives none
    assert fr.lesson("alpha", "second-steps").sources_html == course.lesson("alpha", "second-steps").sources_html
    # titles in the session plan come from the French lessons and activity
    assert [s.title for s in unit.session_plan] == ["Accueil", "Premiers pas", "Deuxièmes pas", "Tri de cartes", "Quiz"]
    assert fr.guide.title == "Cours d'essai"
    assert [p.title for p in fr.guide.pages] == ["Comment utiliser ce guide", "Liste de préparation"]
    assert "Réserver une salle" in fr.guide.pages[1].html


def test_trainer_only_blocks_stay_out_of_translated_lessons(course: Catalogue):
    lesson = course.in_language("fr").lesson("alpha", "first-steps")
    assert "NOTE-FORMATEUR-PREMIERE-LECON" not in lesson.html
    assert "NOTE-FORMATEUR-PREMIERE-LECON" in lesson.guide_html
    handout = next(b for b in course.in_language("fr").unit("alpha").blocks if b.id == "alpha-terms")
    assert handout.title == "Termes alpha"
    assert "TEXTE-DOCUMENT-ALPHA" in handout.html


def test_links_in_a_translation_lead_to_the_same_pages(course: Catalogue):
    for language in ("fr", "es", "ar"):
        html = course.in_language(language).lesson("alpha", "first-steps").html
        assert 'href="/units/alpha/second-steps"' in html


def test_missing_translations_fall_back_to_the_source_item_by_item(course: Catalogue):
    es = course.in_language("es")
    assert es.lesson("alpha", "first-steps").language == "es"
    second = es.lesson("alpha", "second-steps")
    assert second is course.lesson("alpha", "second-steps")
    assert second.language == "en"  # the page shows the English text with a notice
    assert es.unit("beta") is course.unit("beta")
    assert es.unit("alpha").language == "en"  # no unit.es.md: the unit's own text is English...
    assert es.unit("alpha").lessons[0].language == "es"  # ...and its first lesson Spanish
    assert es.quiz("alpha-quiz").language == "es"
    assert es.quiz("beta-quiz") is course.quiz("beta-quiz")
    assert es.guide.language == "en"
    assert [p.language for p in es.guide.pages] == ["en", "en"]
    before, after = es.neighbours("alpha", "first-steps")
    assert before is None and after is second


def test_a_language_the_course_does_not_declare_gets_the_source(course: Catalogue):
    assert course.in_language("de") is course
    assert course.in_language("en") is course
    assert course.languages == ("en", "fr", "es", "ar")
    assert course.in_language("fr").in_language("es") is course.in_language("es")


def test_views_have_their_own_version_for_caches_and_share_the_source_versions(course: Catalogue):
    assert course.in_language("fr").version == f"{course.version}-fr"
    assert (
        course.in_language("fr").lesson("alpha", "first-steps").version == course.lesson("alpha", "first-steps").version
    )


def test_arabic_lessons_are_rendered_with_heading_ids_in_arabic(course: Catalogue):
    lesson = course.in_language("ar").lesson("alpha", "first-steps")
    assert lesson.language == "ar"
    assert lesson.toc[0].title == "المضي قدمًا"
    assert lesson.toc[0].id == "المضي-قدما"
    assert f'id="{lesson.toc[0].id}"' in lesson.html


# --- one answer key ------------------------------------------------------------------------

ANSWERS = {
    "pick-one": {"choice": "alpha"},
    "pick-many": {"choices": ["alpha", "beta"]},
    "is-true": {"choice": "true"},
    "word": {"text": "stride"},
    "pairs": {"pairs": {}},
    "sequence": {"positions": {}},
}


def test_options_keep_their_ids_and_the_source_answer_key_in_every_language(course: Catalogue):
    source = course.quiz("alpha-quiz")
    for language in ("fr", "es"):
        quiz = course.in_language(language).quiz("alpha-quiz")
        for q, src in zip(quiz.questions, source.questions, strict=True):
            assert q.id == src.id and q.type == src.type and q.lesson_ref == src.lesson_ref
            if q.type != "short":
                assert [(o.id, o.correct, o.match_id) for o in q.options] == [
                    (o.id, o.correct, o.match_id) for o in src.options
                ]
    assert [o.text for o in course.in_language("fr").quiz("alpha-quiz").question("is-true").options] == ["Vrai", "Faux"]


def _matching_and_ordering_answers(quiz) -> dict:
    pairs = quiz.question("pairs")
    sequence = quiz.question("sequence")
    return {
        **ANSWERS,
        "pairs": {"pairs": {o.id: o.match_id for o in pairs.options}},
        "sequence": {"positions": {o.id: n for n, o in enumerate(reversed(sequence.options), start=1)}},
    }


def test_the_same_answers_score_the_same_in_every_language(course: Catalogue):
    answers = _matching_and_ordering_answers(course.quiz("alpha-quiz"))
    scores = {
        language: grade(course.in_language(language).quiz("alpha-quiz"), answers).score
        for language in ("en", "fr", "es", "ar")
    }
    assert len(set(scores.values())) == 1
    assert 0 < scores["en"] < 1  # the ordering answer is wrong, the rest right


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("answer", ["stride", "Schritt", "enjambée", "Enjambee", "zancada"])
def test_a_short_answer_accepted_in_any_language_is_accepted_in_all(course: Catalogue, language: str, answer: str):
    quiz = course.in_language(language).quiz("alpha-quiz")
    result = grade(quiz, {"word": {"text": answer}})
    assert result.questions[3].correct


def _feedback(result) -> str:
    """The feedback the review shows for a graded question: that of the answer given."""
    return " ".join(result.question.find(m.feedback).feedback_html for m in result.graded.marks if m.feedback)


def test_feedback_comes_in_the_learner_language(course: Catalogue):
    fr = course.in_language("fr").quiz("alpha-quiz")
    graded = grade(fr, {"word": {"text": "stride"}, "pick-one": {"choice": "beta"}})
    assert "Exact" in _feedback(graded.questions[3])
    assert "bêta est la deuxième" in _feedback(graded.questions[0])
    wrong = grade(fr, {"word": {"text": "pas"}})
    assert not wrong.questions[3].correct
    assert "une enjambée est un grand pas" in _feedback(wrong.questions[3])
    other = grade(fr, {"word": {"text": "step"}})  # a known-wrong answer of another language
    assert not other.questions[3].correct


@pytest.mark.parametrize("case", sorted(p.name for p in (FIXTURES / "content" / "broken").iterdir()))
def test_a_broken_source_with_translations_is_reported_not_crashed_on(case: str, tmp_path: Path):
    course = broken_course(case, tmp_path, FIXTURES / "content" / "broken", TRANSLATED)
    errors = report(check(course), course)
    expected = (FIXTURES / "content" / "broken" / case / "expected.txt").read_text().splitlines()
    assert {line.split(":", 2)[2] for line in expected} <= {line.split(":", 2)[2] for line in errors}


def test_translations_of_a_broken_source_wait_for_the_source_to_be_fixed(tmp_path: Path):
    course = tmp_path / "course"
    shutil.copytree(TRANSLATED, course)
    unit = course / "modules" / "02-beta" / "unit.md"
    text = unit.read_text()
    unit.write_text(text[: text.index("workshop:")] + "workshop: none\n" + text[text.index("---", 5) :])
    assert report(check(course), course) == [
        "modules/02-beta/unit.md:8: 'workshop' is required: materials, key_messages and session_plan for the guide"
    ]


def test_the_guide_and_handouts_build_from_a_language_view(course: Catalogue):
    """The guide builder takes the catalogue: handing it ``in_language("fr")`` prints French."""
    import json

    from training import guide
    from training.guide.documents import participant_handouts_document, quiz_document

    fr = course.in_language("fr")
    whole = guide.build_guide(fr)
    for text in ("Unité alpha", "Premiers pas", "Tri de cartes", "Termes alpha", "Laquelle vient en premier"):
        assert text in whole
    assert "Alpha unit" not in whole
    handouts = json.dumps(participant_handouts_document(fr, fr.unit("alpha")), ensure_ascii=False)
    assert "TEXTE-DOCUMENT-ALPHA" in handouts and "ALPHA-HANDOUT-TEXT" not in handouts
    sheet = json.dumps(quiz_document(fr, fr.unit("beta"), answer_key=True), ensure_ascii=False)
    assert "La vingt-quatrième lettre" in sheet
    # Spanish has no unit files yet: the English unit text, with its Spanish first lesson
    es = guide.build_guide(course.in_language("es"))
    assert "Alpha unit" in es and "Primeros pasos" in es
