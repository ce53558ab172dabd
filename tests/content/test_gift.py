"""Moodle GIFT import and export: every real quiz survives the round trip, each GIFT construct
reads as Moodle reads it, and GIFT that cannot be mapped is refused with its line number."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from training.cli import cli
from training.content import build_catalogue
from training.content.frontmatter import split_front_matter
from training.content.gift import GiftError, escape, gift_to_quiz, quiz_to_gift, unescape
from training.content.languages import translation_name
from training.content.model import QuestionType
from training.content.quizfile import FALLBACK, RawQuestion, parse_quiz_body, parse_quiz_file

from ..helpers import MINIMAL, ROOT, cached_catalogue

GIFT = Path("sample.gift")
MINIMAL_LESSONS = {"alpha": frozenset({"first-steps", "second-steps"}), "beta": frozenset({"only-lesson", "beta-two"})}


def convert(gift: str, unit: str = "alpha", **kwargs):
    """GIFT -> (front matter, questions, notes) as our quiz parser reads the written file."""
    lessons = kwargs.pop("lessons", MINIMAL_LESSONS)
    result = gift_to_quiz(gift, unit, GIFT, lessons=lessons, **kwargs)
    meta, body, line = split_front_matter(result.text, Path("quiz.md"))
    raw, errors = parse_quiz_body(meta, body, line, Path("quiz.md"))
    assert errors == []
    return meta, raw.questions, [str(n) for n in result.notes]


def one(gift: str, **kwargs) -> RawQuestion:
    _meta, questions, _notes = convert(gift, **kwargs)
    assert len(questions) == 1
    return questions[0]


def problems(gift: str, unit: str = "alpha", **kwargs) -> list[str]:
    with pytest.raises(GiftError) as raised:
        gift_to_quiz(gift, unit, GIFT, lessons=kwargs.pop("lessons", MINIMAL_LESSONS), **kwargs)
    return [str(e) for e in raised.value.errors]


def text(lines: list[str]) -> str:
    return "\n".join(lines).strip()


def choices(question: RawQuestion) -> list[tuple[str, bool, str]]:
    return [(a.text, a.correct, text(a.feedback)) for a in question.answers]


def _shape(q: RawQuestion) -> tuple:
    """What a round trip must keep of a parsed question."""
    answers = [(a.text, a.correct, a.match, a.position, text(a.feedback)) for a in q.answers]
    return (q.id, q.type, q.lesson, q.points, text(q.prompt), answers, text(q.explanation))


# --- every real quiz round-trips ------------------------------------------------------------


def _original(course: Path):
    """The course's catalogue, built once per test session (conftest caches it per folder)."""
    return cached_catalogue(course)


def _reimport_course(source: Path, target: Path) -> list[str]:
    """Copy a course, replacing each quiz by its export re-imported; return the GIFT texts."""
    shutil.copytree(source / "modules", target / "modules")
    shutil.copytree(source / "trainer_guide", target / "trainer_guide")
    (target / "quizzes").mkdir()
    for translated in (p for p in (source / "quizzes").glob("*.md") if translation_name(p) is not None):
        shutil.copy(translated, target / "quizzes" / translated.name)  # translations travel as they are
    catalogue = _original(source)
    lessons = {u.id: frozenset(le.id for le in u.lessons) for u in catalogue.units}
    gifts = []
    for path in (p for p in sorted((source / "quizzes").glob("*.md")) if translation_name(p) is None):
        raw, errors = parse_quiz_file(path)
        assert errors == [] and raw is not None
        gift = quiz_to_gift(raw)
        gifts.append(gift)
        unit = str(raw.meta["unit"])
        result = gift_to_quiz(gift, unit, path.with_suffix(".gift"), lessons=lessons)
        assert result.notes == () and result.gaps == (), (result.notes, result.gaps)
        (target / "quizzes" / path.name).write_text(result.text, encoding="utf-8")
    return gifts


def _comparable(quiz):
    """A quiz without what a round trip may change: file, version hash and line numbers."""
    questions = tuple(dataclasses.replace(q, line=0) for q in quiz.questions)
    return dataclasses.replace(quiz, questions=questions, version="", path=Path())


@pytest.mark.parametrize("course", [ROOT, MINIMAL], ids=["real-course", "minimal-course"])
def test_every_quiz_exports_to_gift_and_imports_back_unchanged(course: Path, tmp_path: Path):
    """Same ids, types, options, correct answers, feedback, explanations, lessons, points and
    settings after quiz -> GIFT -> quiz, checked on the rendered catalogue."""
    gifts = _reimport_course(course, tmp_path)
    original, reimported = _original(course), build_catalogue(tmp_path)
    assert sorted(reimported.quizzes) == sorted(original.quizzes)
    for quiz_id, quiz in original.quizzes.items():
        assert _comparable(reimported.quiz(quiz_id)) == _comparable(quiz), quiz_id
    kinds = {q.type for quiz in original.quizzes.values() for q in quiz.questions}
    # Numeric questions make their round trip in test_numeric_questions_import_and_export_back.
    assert kinds | {QuestionType.NUMERIC} == set(QuestionType), "the course should exercise every question type"
    assert all(gift.count("::") >= 2 for gift in gifts)


def test_export_writes_gift_that_moodle_reads(tmp_path: Path):
    raw, _ = parse_quiz_file(MINIMAL / "quizzes" / "alpha.md")
    gift = quiz_to_gift(raw)
    assert "$CATEGORY: $course$/top/Alpha quiz" in gift
    assert "// ---\n// id: alpha-quiz\n// unit: alpha\n// title: Alpha quiz\n" in gift
    assert (
        "// [id:pick-one] [tag:lesson:first-steps] [tag:objective:1]\n::pick-one::[markdown]Which comes first?{\n"
    ) in gift
    # Each option's id on a comment line under it: Moodle skips the line, our import reads it.
    assert "\t=Alpha#Right\\: alpha is first.\n\t// id: alpha\n\t~Beta#No\\: beta is second.\n\t// id: beta\n" in gift
    assert "\t####The alphabet starts with alpha.\n}" in gift
    # Multiple choice: equal shares that Moodle adds up to our partial-credit rule.
    assert "\t~%50%Alpha#Yes.\n\t// id: alpha\n\t~%50%Beta#Yes.\n\t// id: beta\n\t~%-50%Apple#No, a fruit.\n" in gift
    # True/false: the right answer, then the feedback for a wrong answer, then for a right one.
    assert "\tTRUE\n\t#It is a long step.\n\t// id: false\n\t#Correct.\n\t// id: true\n" in gift
    # Short answer: accepted, known wrong (0%) and Moodle's '*' for any other answer.
    assert "\t=stride#Correct.\n\t=Schritt#Accepted.\n\t=%0%step#" in gift
    assert '\t=%0%*#The word is "stride".\n' in gift
    # Matching: the pairs, with their feedback on comment lines Moodle skips.
    assert "\t=Alpha -> First\n\t// feedback: Alpha is first.\n\t// id: alpha\n" in gift
    assert "[id:sequence] [tag:lesson:alpha/second-steps] [tag:objective:1] [tag:objective:3]" in gift
    # No blank line inside a question: Moodle would end the question there.
    for block in gift.split("\n\n"):
        assert block.count("{") <= 1


def test_export_of_ordering_is_a_matching_with_positions():
    raw, _ = parse_quiz_file(MINIMAL / "quizzes" / "alpha.md")
    gift = quiz_to_gift(raw)
    ordering = next(q for q in raw.questions if q.type == QuestionType.ORDERING)
    block = next(b for b in gift.split("\n\n") if f"::{ordering.id}::" in b)
    assert "[tag:type:ordering]" in block.splitlines()[0]
    for position, item in enumerate(ordering.answers, start=1):
        assert f"\t={escape(item.text)} -> {position}\n" in block


def test_weights_for_three_correct_options_match_moodles_grade_list():
    quiz = _quiz("""
## three
type: multiple
lesson: first-steps

Pick three.

- [x] a {#alef}
  > yes
- [x] b {#bet}
  > yes
- [x] c {#gimel}
  > yes
- [ ] d {#dalet}
  > no

Explanation: Three of four.
""")
    gift = quiz_to_gift(quiz)
    assert "~%33.33333%a#yes" in gift and "~%-33.33333%d#no" in gift
    question = one(gift)
    assert [(a.id, a.correct) for a in question.answers] == [
        ("alef", True),
        ("bet", True),
        ("gimel", True),
        ("dalet", False),
    ]


FRONT = "id: alpha-quiz\nunit: alpha\ntitle: T\npass_mark: 70\n"


def _quiz(body: str, front: str = FRONT):
    text = f"---\n{front}---\n{body}"
    meta, rest, line = split_front_matter(text, Path("q.md"))
    raw, errors = parse_quiz_body(meta, rest, line, Path("q.md"))
    assert errors == []
    return raw


TRICKY = r"""
## tricky-single
type: single
lesson: first-steps
points: 2

Braces {like this}, a tilde ~, equals = and a hash # sign; a colon: and a back\slash.
A URL: https://example.org/a//b and `\n` in code.

- [x] %50% of {all} = 1:2 {#half-of-all}
  > Right ~ *really* #1.
- [ ] [html] is not a format here {#html-marker}
  > Wrong: \\ two backslashes.
  > A second feedback line.

Explanation: First line: {x}.

Second paragraph ####, with ->.

## tricky-short
type: short
lesson: beta/only-lesson

Type a*b or 100%.

- [x] a*b
  > The star is literal: a -> b.
- [x] %100 sure
  > A leading percent sign.
- [ ] c
  > No.
- [ ] *
  > Expected a*b.

Explanation: Stars and arrows -> fine.

## tricky-order
type: ordering
lesson: second-steps

Order = these {three}.

1. first: one {#one}
   > #1
2. second ~ two {#two}
   > #2
3. third \ three {#three}
   > #3

Explanation: In order.
"""


def test_special_characters_survive_the_round_trip():
    raw = _quiz(TRICKY)
    gift = quiz_to_gift(raw)
    assert "[id:tricky-single] [tag:lesson:first-steps] [tag:points:2]" in gift
    assert (
        r"Braces \{like this\}, a tilde \~, equals \= and a hash \# sign; a colon\: and a "
        r"back\\slash."
    ) in gift
    assert r"\t=%50% of \{all\} \= 1\:2#Right \~ *really* \#1." in gift.replace("\t", r"\t")
    assert r"~[markdown][html] is not a format here" in gift
    assert r"=a\\*b#The star is literal\: a -\\> b." in gift
    assert r"=%100%%100 sure#" in gift
    meta, questions, notes = convert(gift)
    assert notes == []
    assert [q.id for q in questions] == ["tricky-single", "tricky-short", "tricky-order"]
    for got, want in zip(questions, raw.questions, strict=True):
        assert (got.type, got.lesson, got.points) == (want.type, want.lesson, want.points)
        assert text(got.prompt) == text(want.prompt)
        assert text(got.explanation) == text(want.explanation)
        assert [(a.text, a.correct, a.position, a.id) for a in got.answers] == [
            (a.text, a.correct, a.position, a.id) for a in want.answers
        ]
    short = questions[1]
    assert text(short.answers[0].feedback) == r"The star is literal: a -\> b."  # renders as "->"
    assert text(questions[0].answers[1].feedback) == ("Wrong: \\\\ two backslashes.\nA second feedback line.")


def test_a_short_answer_with_an_arrow_cannot_be_exported():
    raw = _quiz("""
## arrow
type: short
lesson: first-steps

Which?

- [x] a -> b
  > Yes.
- [ ] *
  > No.

Explanation: Arrow.
""")
    with pytest.raises(GiftError) as raised:
        quiz_to_gift(raw)
    assert [str(e) for e in raised.value.errors] == [
        "q.md:14: short answer 'a -> b' contains '->', which Moodle would read as a matching "
        "question; reword the answer"
    ]


# --- escaping -------------------------------------------------------------------------------


def test_escape_and_unescape_follow_moodle():
    assert escape("a~b=c#d{e}f:g\\h\ni") == r"a\~b\=c\#d\{e\}f\:g\\h\ni"
    assert unescape(r"a\~b\=c\#d\{e\}f\:g\\h\ni") == "a~b=c#d{e}f:g\\h\ni"
    assert unescape(r"\\n is a backslash and n; \x stays; \\: is a backslash and a colon") == (
        "\\n is a backslash and n; \\x stays; \\: is a backslash and a colon"
    )


def _moodle_unescape(text: str) -> str:
    """Moodle's escapedchar_pre then escapedchar_post, str_replace by str_replace."""
    escaped = ["\\:", "\\#", "\\=", "\\{", "\\}", "\\~", "\\n"]
    placeholders = ["&&058;", "&&035;", "&&061;", "&&123;", "&&125;", "&&126;", "&&010"]
    text = text.replace("\\\\", "&&092;")
    for old, new in zip(escaped, placeholders, strict=True):
        text = text.replace(old, new)
    text = text.replace("&&092;", "\\")
    for old, new in zip(placeholders, [":", "#", "=", "{", "}", "~", "\n"], strict=True):
        text = text.replace(old, new)
    return text


@given(st.text(alphabet="\\:#={}~nab ", max_size=30))
def test_unescape_reads_any_text_as_moodle_does(gift_text: str):
    assert unescape(gift_text) == _moodle_unescape(gift_text)


@given(
    st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\r"), max_size=60)
    | st.text(alphabet="\\:#={}~n%[]-> \n", max_size=30)
)
def test_escaping_round_trips_any_text_on_one_line(plain: str):
    escaped = escape(plain)
    assert "\n" not in escaped
    assert unescape(escaped) == plain
    assert _moodle_unescape(escaped) == plain or "&&" in plain


_LINE = st.text(alphabet="ab~=#{}:\\%[]>-_* ", max_size=20).map(lambda s: ("x" + s).rstrip())


@settings(max_examples=60, deadline=None)
@given(
    prompt=st.lists(_LINE, min_size=1, max_size=3),
    option=_LINE,
    feedback=st.lists(_LINE, min_size=1, max_size=3),
    explanation=st.lists(_LINE, min_size=1, max_size=3),
)
def test_any_text_in_a_question_round_trips(prompt, option, feedback, explanation):
    body = "\n".join(
        [
            "## q",
            "type: single",
            "lesson: first-steps",
            "",
            *prompt,
            "",
            f"- [x] {option} {{#given}}",
            *(f"  > {line}" for line in feedback),
            "- [ ] other {#other}",
            "  > no",
            "",
            f"Explanation: {explanation[0]}",
            *explanation[1:],
            "",
        ]
    )
    question = one(quiz_to_gift(_quiz("\n" + body)))
    assert text(question.prompt) == "\n".join(prompt)
    assert choices(question)[0] == (option, True, "\n".join(feedback))
    assert text(question.explanation) == "\n".join(explanation)


# --- reading hand-written GIFT --------------------------------------------------------------


def test_single_choice_with_title_feedback_and_general_feedback():
    question = one("""
// lesson: first-steps
::grant::Who's buried in Grant's tomb?{
  ~Grant#No.
  =no one#Right\\: nobody.
  ~Jefferson#No, he is elsewhere.
  ####They are entombed, not buried.
}""")
    assert (question.id, question.type) == ("grant", QuestionType.SINGLE)
    assert question.lesson == "first-steps"
    assert text(question.prompt) == "Who's buried in Grant's tomb?"
    assert choices(question) == [
        ("Grant", False, "No."),
        ("no one", True, "Right: nobody."),
        ("Jefferson", False, "No, he is elsewhere."),
    ]
    assert text(question.explanation) == "They are entombed, not buried."


def test_answers_on_one_line_and_missing_word_format():
    question = one(
        "// lesson: first-steps\n::blank::Grant is {~buried#No. =entombed#Yes. "
        "~living#No.####Entombed.} in Grant's tomb."
    )
    assert text(question.prompt) == r"Grant is \_\_\_\_\_ in Grant's tomb."
    assert [a.text for a in question.answers] == ["buried", "entombed", "living"]


def test_multiple_choice_with_percentage_weights():
    _meta, [question], notes = convert("""
// lesson: first-steps
::greek::Which are Greek letters?{
  ~%50%Alpha#Yes.
  ~%50%Beta#Yes.
  ~%-100%Apple#No, a fruit.
  ####Alpha and beta.
}""")
    assert question.type == QuestionType.MULTIPLE
    assert [(a.text, a.correct) for a in question.answers] == [("Alpha", True), ("Beta", True), ("Apple", False)]
    assert notes == [
        "sample.gift:3: note: option ids made from the option texts: alpha, beta, apple (saved answers point "
        "at them: keep them once learners answer)",
        "sample.gift:4: note: scored here as 50% for each correct option chosen and "
        "-50% for each wrong one, never below 0",
    ]


def test_one_weighted_correct_option_without_equals_is_still_multiple_choice():
    question = one("// lesson: first-steps\n::m::Pick.{~%100%a#y ~%-100%b#n ####E.}")
    assert question.type == QuestionType.MULTIPLE
    assert [a.correct for a in question.answers] == [True, False]


@pytest.mark.parametrize(("answer", "correct"), [("T", "True"), ("TRUE", "True"), ("F", "False"), ("FALSE", "False")])
def test_true_false_feedback_is_for_a_wrong_answer_then_a_right_one(answer: str, correct: str):
    question = one(f"// lesson: second-steps\n::tf::The sky is green.{{{answer}#wrong answer#right answer####E.}}")
    assert question.type == QuestionType.TRUE_FALSE
    wrong = "False" if correct == "True" else "True"
    assert sorted(choices(question)) == sorted([(correct, True, "right answer"), (wrong, False, "wrong answer")])
    assert [a.text for a in question.answers] == ["True", "False"]


def test_short_answer_with_accepted_wrong_and_fallback_answers():
    question = one("""
// lesson: second-steps
::word::Which word means a long step?{
  =stride#Correct.
  =%100%Schritt#Accepted.
  =%0%step#Close.
  =%0%*#The word is "stride".
  ####A stride is a long step.
}""")
    assert question.type == QuestionType.SHORT
    assert choices(question) == [
        ("stride", True, "Correct."),
        ("Schritt", True, "Accepted."),
        ("step", False, "Close."),
        (FALLBACK, False, 'The word is "stride".'),
    ]


def test_short_answer_without_fallback_gets_one_that_names_the_answer():
    _meta, [question], notes = convert("// lesson: second-steps\n::two::Two plus two?{=four#Yes. =4#Yes.####Four.}")
    assert choices(question)[-1] == (FALLBACK, False, "The expected answer is “four”.")
    assert notes == [
        "sample.gift:2: note: no =%0%* answer: any other answer gets the feedback 'The expected answer is “four”.'"
    ]


def test_short_answer_asterisk_is_escaped_and_wildcards_are_refused():
    question = one("// lesson: second-steps\n::star::Type it.{=a\\\\*b#Yes. =%0%*#No.####Star.}")
    assert question.answers[0].text == "a*b"
    assert problems("// lesson: second-steps\n::star::Type it.{=mixed*#Yes.####Star.}") == [
        "sample.gift:2: the wildcard '*' in 'mixed*' is not supported; list each accepted answer "
        "(write \\\\* for an asterisk)"
    ]


def test_matching_with_feedback_lines_and_without():
    _meta, [question], notes = convert("""
// lesson: first-steps
::pairs::Match each letter with its position.{
  =Alpha -> First
  // feedback: Alpha comes first.
  // feedback: Always.
  =Beta -> Second
  =Gamma -> Third
  // feedback: Gamma is third.
  ####The Greek alphabet.
}""")
    assert question.type == QuestionType.MATCHING
    assert [(a.text, a.match, text(a.feedback)) for a in question.answers] == [
        ("Alpha", "First", "Alpha comes first.\nAlways."),
        ("Beta", "Second", "Beta → Second."),
        ("Gamma", "Third", "Gamma is third."),
    ]
    assert notes == [
        "sample.gift:3: note: option ids made from the option texts: alpha, beta, gamma (saved answers point "
        "at them: keep them once learners answer)",
        "sample.gift:4: note: 1 pair(s) without a '// feedback:' line get feedback that states the right answer",
    ]


@pytest.mark.parametrize(
    "marker", ["// [tag:type:ordering] [tag:lesson:first-steps]", "// type: ordering\n// lesson: first-steps"]
)
def test_ordering_is_a_marked_matching_of_items_to_positions(marker: str):
    question = one(f"""{marker}
::order::Put them in order.{{
  =Second -> 2
  // feedback: Two.
  =First -> 1
  =Third -> 3
  ####One, two, three.
}}""")
    assert question.type == QuestionType.ORDERING
    assert [(a.text, a.position, text(a.feedback)) for a in question.answers] == [
        ("First", 1, "Position 1."),
        ("Second", 2, "Two."),
        ("Third", 3, "Position 3."),
    ]


def test_ordering_needs_each_position_once():
    assert problems("// [tag:type:ordering] [tag:lesson:first-steps]\n::o::Order.{=a -> 1 =b -> 3 =c -> 3####E.}") == [
        "sample.gift:2: an ordering question matches each item with its position: =item -> 1, "
        "=item -> 2, ... (each number once)"
    ]


def test_comments_categories_ids_points_and_moodles_own_export_style():
    meta, questions, notes = convert("""// question: 0  name: Switch category to $course$/top/Unit A
$CATEGORY: $course$/top/Unit A//B quiz

// question: 12  name: Refugee definition
// [id:refugee-definition] [tag:easy] [tag:lesson:beta/only-lesson] [tag:points:3]
::Refugee definition::[markdown]Which treaty?{
\t=1951 Convention#Correct.
\t~Geneva Conventions#No.
// a comment between answers is skipped
\t####See the lesson. Links keep their slashes: https\\://example.org//x
}
""")
    assert meta["title"] == "Unit A/B quiz"
    assert (meta["id"], meta["unit"], meta["pass_mark"], meta["attempts"], meta["shuffle"]) == (
        "alpha-quiz",
        "alpha",
        70,
        3,
        True,
    )
    [question] = questions
    assert (question.id, question.lesson, question.points) == ("refugee-definition", "beta/only-lesson", 3)
    assert text(question.explanation) == ("See the lesson. Links keep their slashes: https://example.org//x")
    assert notes == [
        "sample.gift:6: note: option ids made from the option texts: 1951-convention, geneva-conventions (saved "
        "answers point at them: keep them once learners answer)"
    ]


def test_quiz_settings_come_from_the_yaml_comments_at_the_top():
    meta, _questions, notes = convert("""// ---
// id: alpha-quiz
// unit: beta
// title: "Alpha: the quiz"
// pass_mark: 80
// attempts: 0
// shuffle: false
// duration: 20
// intro: Read the lessons first.
// ---

// lesson: first-steps
// objective: 1
::q::Q?{=a#y ~b#n####E.}""")
    assert dict(meta) == {
        "id": "alpha-quiz",
        "unit": "alpha",
        "title": "Alpha: the quiz",
        "pass_mark": 80,
        "attempts": 0,
        "shuffle": False,
        "duration": 20,
    }
    assert notes[0] == "sample.gift:3: note: the file's quiz was for unit 'beta'; it goes to 'alpha' as --unit says"
    assert notes[1].startswith("sample.gift:14: note: option ids made from the option texts: option-")
    result = gift_to_quiz(
        "// ---\n// intro: Read the lessons first.\n// ---\n\n// lesson: first-steps\n::q::Q?{=a#y ~b#n####E.}",
        "alpha",
        GIFT,
    )
    assert "---\n\nRead the lessons first.\n\n## q\n" in result.text


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        ("[markdown]", "Which are **Greek** letters?"),
        ("[moodle]", "Which are **Greek** letters?"),
        ("", "Which are **Greek** letters?"),
        ("[plain]", r"Which are \*\*Greek\*\* letters?"),
    ],
)
def test_text_formats_become_markdown(marker: str, expected: str):
    question = one(f"// lesson: first-steps\n::f::{marker}Which are **Greek** letters?{{=a#y ~b#n####E.}}")
    assert text(question.prompt) == expected


def test_html_becomes_markdown():
    question = one("""// lesson: first-steps
::h::[html]<p>Which are <b>Greek</b> letters? See <a href="https\\://example.org">this</a>.</p>
<ul><li>one</li><li><em>two</em></li></ul>{
  =a#<p>Yes &amp; more.</p>
  ~b#No.
  ####<p>First.</p><p>Second<br>line.</p>
}""")
    assert text(question.prompt) == ("Which are **Greek** letters? See [this](https://example.org).\n\n- one\n- *two*")
    assert text(question.answers[0].feedback) == "Yes & more."
    assert text(question.explanation) == "First.\n\nSecond\nline."


def test_windows_files_and_comments_inside_a_question():
    gift = (
        "\ufeff// lesson: first-steps\r\n::q::First line\r\n// a comment inside the prompt\r\n"
        "second line {\r\n  =[markdown]*yes*#y\r\n  ~[plain]*no*#n\r\n  ####E.\r\n}\r\n"
    )
    question = one(gift)
    assert text(question.prompt) == "First line\nsecond line"
    assert choices(question) == [("*yes*", True, "y"), (r"\*no\*", False, "n")]


def test_images_cannot_be_imported():
    gift = "// lesson: first-steps\n::img::[html]<p>See <img src='x.png'></p>{=a#y ~b#n####E.}"
    assert problems(gift) == ["sample.gift:2: images (<img>) cannot be imported; describe the picture in words"]


def test_a_title_that_is_not_an_id_becomes_one():
    _meta, [question], notes = convert("// lesson: first-steps\n::Grant's Tomb (1)::Who?{=a#y ~b#n####E.}")
    assert question.id == "grant-s-tomb-1"
    assert notes[1:] == [
        "sample.gift:2: note: the title \"Grant's Tomb (1)\" is not an id; the question's id is 'grant-s-tomb-1'"
    ]


def test_option_ids_come_from_the_id_line_under_each_answer():
    _meta, questions, notes = convert("""// lesson: first-steps
::single::Which comes first?{
  ~Beta#No.
  // id: beta
  =Alpha#Yes.
  // id: alpha
  ####Alpha.
}

// lesson: second-steps
::tf::A stride is short.{FALSE
  #It is long.
  // id: says-true
  #Right.
  // id: says-false
  ####Long.
}

// [tag:type:ordering] [tag:lesson:first-steps]
::order::Put them in order.{
  =Second -> 2
  // feedback: Two.
  // id: second-item
  =First -> 1
  // feedback: One.
  // id: first-item
  =Third -> 3
  // feedback: Three.
  // id: third-item
  ####One, two, three.
}""")
    assert notes == []
    single, true_false, ordering = questions
    assert [(a.text, a.id) for a in single.answers] == [("Beta", "beta"), ("Alpha", "alpha")]
    assert [(a.text, a.correct, a.id) for a in true_false.answers] == [
        ("True", False, "says-true"),
        ("False", True, "says-false"),
    ]
    assert [(a.text, a.id) for a in ordering.answers] == [
        ("First", "first-item"),
        ("Second", "second-item"),
        ("Third", "third-item"),
    ]


def test_option_ids_made_from_texts_stay_unique_and_never_positional():
    _meta, [question], notes = convert("// lesson: first-steps\n::q::Pick.{=Same text#y ~Same text!#n ~b#n####E.}")
    assert [a.id for a in question.answers][:2] == ["same-text", "same-text-2"]
    assert question.answers[2].id.startswith("option-")  # "b" would be a letter id
    assert notes == [
        f"sample.gift:2: note: option ids made from the option texts: same-text, same-text-2, "
        f"{question.answers[2].id} (saved answers point at them: keep them once learners answer)"
    ]


def test_option_ids_that_are_letters_or_repeated_are_refused_at_their_line():
    assert problems("// lesson: first-steps\n::q::Pick.{\n=Alpha#y\n// id: a\n~Beta#n\n// id: beta\n####E.}") == [
        "sample.gift:3: option id 'a' is a letter or a position; use words that name the option"
    ]
    assert problems("// lesson: first-steps\n::q::Pick.{\n=Alpha#y\n// id: greek\n~Beta#n\n// id: greek\n####E.}") == [
        "sample.gift:5: duplicate option id 'greek' in question 'q' (first at line 3)"
    ]


def test_objectives_come_from_tags_or_a_comment():
    _meta, questions, _notes = convert("""// [tag:lesson:first-steps] [tag:objective:2] [tag:objective:3]
::one::Q?{=yes#y ~no#n####E.}

// lesson: first-steps
// objective: 1
::two::Q2?{=yes#y ~no#n####E.}""")
    assert [q.objective for q in questions] == [(2, 3), (1,)]
    assert problems("// [tag:lesson:first-steps] [tag:objective:two]\n::q::Q?{=yes#y ~no#n####E.}") == [
        "sample.gift:1: the objective tag needs the number of a unit objective: [tag:objective:2]"
    ]


# --- errors name the line -------------------------------------------------------------------


def test_gift_that_cannot_be_mapped_is_refused_with_every_line():
    gift = """// lesson: first-steps
::open::Unclosed {=a#y ~b#n

// lesson: first-steps
::two::One {=a#y ~b#n####E.}
::three::Two {=a#y ~b#n####E.}
"""
    assert problems(gift) == [
        "sample.gift:2: '{' without a closing '}' (write \\{ for a brace in the text)",
        "sample.gift:6: a second '{' or '}' in one question: separate questions with a blank "
        "line, and write \\{ \\} for braces in the text",
    ]


def test_numerical_questions_import_as_numeric_and_essay_and_description_are_skipped():
    gift = """// lesson: first-steps
// objective: 1
::born::When was Grant born?{#1822:5####E.}

::range::A number from 1 to 5? {#1..5}

::essay::How are you?{}

::intro::This text has no answers, so Moodle makes it a description.

// lesson: first-steps
// objective: 1
::kept::Q?{=a#y ~b#n####E.}
"""
    result = gift_to_quiz(gift, "alpha", GIFT, lessons=MINIMAL_LESSONS)
    headings = [line[3:] for line in result.text.splitlines() if line.startswith("## ")]
    assert result.questions == 3 and headings == ["born", "range", "kept"]
    assert "## born\ntype: numeric\nlesson: first-steps\nobjective: 1\n" in result.text
    assert "- [x] 1822 ± 5\n" in result.text and "- [x] 1..5\n" in result.text
    # The range question names no lesson, objective or explanation: the quiz is a draft.
    assert result.draft and all(":5: draft: question 'range'" in str(g) for g in result.gaps)
    skipped = [str(n) for n in result.notes if "skipped" in str(n)]
    assert skipped == [
        "sample.gift:7: note: skipped: an essay question ({}); the platform marks quizzes automatically",
        "sample.gift:9: note: skipped: text without '{answers}' is a Moodle description, which a "
        "quiz here cannot hold; put that text into the question that needs it",
    ]


def test_questions_without_titles_get_stable_ids_from_their_text():
    gift = "What is the capital of France? {=Paris ~Lyon}\n\nWhat is the capital of France? {=Paris ~Nice}\n"
    first = gift_to_quiz(gift, "alpha", GIFT)
    again = gift_to_quiz(gift, "alpha", GIFT)
    ids = [line[3:] for line in first.text.splitlines() if line.startswith("## ")]
    assert ids == [line[3:] for line in again.text.splitlines() if line.startswith("## ")]
    assert len(set(ids)) == 2
    assert all(i.startswith("what-is-the-capital-of-france-") for i in ids)
    titled = gift_to_quiz("::Q 1::A?{=a ~b}\n\n::Q 1::B?{=a ~b}\n", "alpha", GIFT)
    assert [line for line in titled.text.splitlines() if line.startswith("## ")][0] == "## q-1"


def test_what_the_platform_needs_and_the_file_lacks_makes_a_draft():
    gift = """::no-lesson::Q?{=a#y ~b#n####E.}

// lesson: first-steps
// objective: 1
::no-feedback::Q?{
  =a
  ~b#n
  ####E.
}

// lesson: first-steps
// objective: 1
::tf::Q?{T####E.}

// lesson: first-steps
::no-explanation::Q?{=a#y ~b#n}
"""
    result = gift_to_quiz(gift, "alpha", GIFT, lessons=MINIMAL_LESSONS)
    assert result.draft and result.questions == 4
    assert "\ndraft: true\n" in result.text.split("\n---\n")[0] + "\n"
    assert [str(g) for g in result.gaps] == [
        "sample.gift:1: draft: question 'no-lesson' names no lesson: write 'lesson: LESSON-ID' under its heading",
        "sample.gift:1: draft: question 'no-lesson' names no unit objective: write 'objective: N' under its heading",
        "sample.gift:6: draft: answer 'a' has no feedback (#feedback after it); every answer here "
        "explains itself to the learner",
        "sample.gift:13: draft: answer 'False' has no feedback (write {TRUE#feedback for a wrong "
        "answer#feedback for a right answer}); every answer here explains itself to the learner",
        "sample.gift:13: draft: answer 'True' has no feedback (write {TRUE#feedback for a wrong "
        "answer#feedback for a right answer}); every answer here explains itself to the learner",
        "sample.gift:16: draft: question 'no-explanation' has no general feedback (####... in GIFT): "
        "write its 'Explanation:'",
        "sample.gift:16: draft: question 'no-explanation' names no unit objective: write 'objective: N' "
        "under its heading",
    ]
    # a lesson the file names but the course lacks is a mistake, not a gap
    assert problems("// lesson: nowhere\n::q::Q?{=a#y ~b#n####E.}") == [
        "sample.gift:1: lesson 'nowhere' not found in unit 'alpha'"
    ]


def test_scoring_our_types_cannot_express_is_imported_with_a_note():
    gift = """// lesson: first-steps
::partial-single::Q?{=a#y ~%50%b#half ~c#n####E.}

// lesson: first-steps
::unequal::Q?{~%70%a#y ~%30%b#y ~%-100%c#n####E.}

// lesson: first-steps
::partial-short::Q?{=a#y =%50%b#half####E.}

// lesson: first-steps
::pairs::Q?{=a -> 1 =b -> 2 =c -> 3 = -> distractor####E.}
"""
    _meta, questions, notes = convert(gift)
    by_id = {q.id: q for q in questions}
    assert [a.correct for a in by_id["partial-single"].answers] == [True, False, False]
    assert [a.correct for a in by_id["unequal"].answers] == [True, True, False]
    assert [(a.text, a.correct) for a in by_id["partial-short"].answers][:2] == [("a", True), ("b", True)]
    assert [(a.text, a.match) for a in by_id["pairs"].answers] == [("a", "1"), ("b", "2"), ("c", "3")]
    assert (
        "sample.gift:2: note: partial credit (50%) is dropped: a single-choice question here scores 1 "
        "for the '=' answer and 0 for any other"
    ) in notes
    assert any(n.startswith("sample.gift:5: note: correct options weigh 70%, 30%") for n in notes)
    assert any(n.startswith("sample.gift:8: note: partial credit (50%) for 'b'") for n in notes)
    assert (
        "sample.gift:11: note: skipped: the extra right side 'distractor' ('= -> ...'); every right "
        "side here belongs to one left side"
    ) in notes
    assert problems("// lesson: first-steps\n::p::Q?{=a -> 1#f =b -> 2 =c -> 3####E.}")[0].startswith(
        "sample.gift:2: Moodle has no '#feedback' for matching pairs"
    )


def test_a_literal_asterisk_answer_is_not_taken_for_the_fallback():
    _meta, questions, notes = convert(
        "// lesson: first-steps\n::star::Which sign?{=\\*#no =times#yes =%0%*#other####E.}"
    )
    answers = [(a.text, a.correct) for a in questions[0].answers]
    assert answers == [("times", True), (FALLBACK, False)]
    assert any("sample.gift:2: note: skipped: the answer '*' itself" in n for n in notes)


def test_our_own_quiz_rules_report_at_gift_lines():
    gift = """// lesson: first-steps
::pairs::Match.{
  =a -> 1
  // feedback: f
  =b -> 2
  // feedback: f
  ####E.
}
"""
    assert problems(gift) == ["sample.gift:2: a matching question needs at least three pairs"]


def test_text_our_quiz_format_would_misread_is_refused():
    gift = "// lesson: first-steps\n::m::Match these\\n- a list item{=a -> b =c -> d =e -> f####E.}"
    assert problems(gift) == [
        "sample.gift:2: question 'm' has a line that our quiz format would read as markup (an "
        "answer, a '## ' heading or 'Explanation:'); reword that line"
    ]


def test_bad_settings_unknown_tags_and_clashing_quiz_ids():
    gift = """// ---
// pass_mark: 170
// shuffle: [
// ---

// lesson: first-steps
::q::Q?{=a#y ~b#n####E.}"""
    [error] = problems(gift)
    assert error.startswith("sample.gift:3: YAML:")
    assert problems(gift.replace("// shuffle: [\n", "")) == ["sample.gift:2: quiz setting pass_mark: 170 is not valid"]
    assert problems(
        "// ---\n// id: beta-quiz\n// ---\n\n// lesson: first-steps\n::q::Q?{=a#y ~b#n####E.}",
        quizzes={"beta-quiz": "beta"},
    ) == ["sample.gift:2: quiz id 'beta-quiz' belongs to unit 'beta''s quiz; change 'id' in the file's settings"]
    assert problems("// [tag:lesson:first-steps] [tag:type:short]\n::q::Q?{=a#y ~b#n####E.}") == [
        "sample.gift:1: the tag says type 'short' but the answers make a single question"
    ]
    assert problems("// [tag:lesson:first-steps] [tag:points:0]\n::q::Q?{=a#y ~b#n####E.}") == [
        "sample.gift:1: points must be a whole number above 0"
    ]
    assert problems("\n\n// lesson: first-steps\n::q::Q\ue000?{=a#y ~b#n####E.}") == [
        "sample.gift:4: the line holds a private-use character (U+E000-U+E0FF), which cannot be imported"
    ]
    assert problems("// only a comment\n") == ["sample.gift:1: the file holds no questions"]


# --- the commands ---------------------------------------------------------------------------

EXPORT, IMPORT = ["quiz", "export-gift"], ["quiz", "import-gift"]


def test_export_command_prints_gift_or_writes_a_file(runner, tmp_path: Path):
    result = runner.invoke(args=["quiz", "export-gift", "alpha-quiz"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("// Alpha quiz\n")
    assert "::pick-one::[markdown]Which comes first?{" in result.stdout
    out = tmp_path / "alpha.gift.txt"
    result = runner.invoke(args=["quiz", "export-gift", "alpha-quiz", "--out", str(out)])
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("// Alpha quiz\n")
    assert "Wrote alpha-quiz" in result.stderr
    result = runner.invoke(args=["quiz", "export-gift", "nope"])
    assert result.exit_code == 2
    assert "no quiz 'nope' (quizzes: alpha-quiz, beta-quiz)" in result.stderr


def test_import_command_writes_a_quiz_the_checker_accepts(runner, tmp_path: Path):
    course = tmp_path / "course"
    shutil.copytree(MINIMAL, course)
    gift = tmp_path / "alpha.gift.txt"
    runner.invoke(args=["quiz", "export-gift", "alpha-quiz", "--out", str(gift)])
    target = course / "quizzes" / "alpha.md"
    target.unlink()
    result = runner.invoke(args=[*IMPORT, str(gift), "--unit", "alpha", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert "Wrote quiz alpha-quiz" in result.stderr
    check = CliRunner().invoke(cli, ["content", "check", "--content-dir", str(course)])
    assert check.exit_code == 0, check.output
    assert _comparable(build_catalogue(course).quiz("alpha-quiz")) == _comparable(
        build_catalogue(MINIMAL).quiz("alpha-quiz")
    )


def test_import_command_reports_problems_and_writes_nothing(runner, tmp_path: Path):
    folder = tmp_path / "work"
    folder.mkdir()
    gift = folder / "bad.gift"
    gift.write_text("// lesson: first-steps\n::q::Q?{=a#y ~b#n####E.}\n\n::n::Born?{=a -> 1}\n", encoding="utf-8")
    target = folder / "alpha.md"
    target.write_text("untouched", encoding="utf-8")
    result = runner.invoke(args=[*IMPORT, str(gift), "--unit", "alpha", "--out", str(target)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "1 problem(s); nothing written."
    assert result.stderr.splitlines()[0].endswith("bad.gift:4: a matching question needs at least three pairs")
    assert target.read_text(encoding="utf-8") == "untouched"
    assert sorted(p.name for p in folder.iterdir()) == ["alpha.md", "bad.gift"]
    gift.write_bytes(b"::q::caf\xe9{=a}")
    result = runner.invoke(args=[*IMPORT, str(gift), "--unit", "alpha", "--out", str(target)])
    assert result.exit_code == 1
    assert "bad.gift:1: the file is not UTF-8 text; save it as UTF-8" in result.stderr
    result = runner.invoke(args=[*IMPORT, str(gift), "--unit", "gamma", "--out", str(target)])
    assert result.exit_code == 2
    assert "no unit 'gamma' (units: alpha, beta)" in result.stderr


@pytest.mark.parametrize("app_overrides", [{"CONTENT_DIR": str(ROOT)}])
def test_the_real_quizzes_go_out_and_back_through_the_commands(runner, tmp_path: Path):
    """Each shipped quiz, exported and imported by the commands, reads back as the same quiz."""
    course = tmp_path / "course"
    (course / "quizzes").mkdir(parents=True)
    for path in (p for p in sorted((ROOT / "quizzes").glob("*.md")) if translation_name(p) is None):
        raw, _ = parse_quiz_file(path)
        gift = tmp_path / f"{path.stem}.gift.txt"
        exported = runner.invoke(args=[*EXPORT, str(raw.meta["id"]), "--out", str(gift)])
        assert exported.exit_code == 0, exported.output
        imported = runner.invoke(
            args=[*IMPORT, str(gift), "--unit", str(raw.meta["unit"]), "--out", str(course / "quizzes" / path.name)]
        )
        assert imported.exit_code == 0, imported.output
        assert "note:" not in imported.stderr
        back, errors = parse_quiz_file(course / "quizzes" / path.name)
        assert errors == []
        assert dict(back.meta) == dict(raw.meta)
        assert [_shape(q) for q in back.questions] == [_shape(q) for q in raw.questions]


def test_export_writes_the_alt_text_of_images_in_their_place(tmp_path: Path):
    """GIFT carries no files: an image in a prompt or an option leaves its alt text, never a
    picture Moodle could not find."""
    from ..conftest import FIXTURES
    from .test_check import broken_course

    course = broken_course("rendering", tmp_path, cases=FIXTURES / "content")
    raw, _ = parse_quiz_file(course / "quizzes" / "alpha.md")
    gift = quiz_to_gift(raw)
    assert "![" not in gift and "images/" not in gift
    assert "A harbour with three boats at dawn" in gift
    assert "\t=A bar chart of arrivals by region, Alpha's bar the tallest Alpha#Right\\: alpha is first." in gift
