"""The quiz format's option ids and objectives, and the author lint's rules on small inputs.

The located messages of each rule are checked on fixture courses (tests/content/test_check.py);
here: what the parser reads, that ids keep saved answers when a quiz is edited, and the edges
of the lint's thresholds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from training.content import build_catalogue, check
from training.content.frontmatter import split_front_matter
from training.content.languages import translation_name
from training.content.lint import BUNCH_MIN_QUESTIONS, lint_quiz, visible
from training.content.model import QuestionType
from training.content.quizfile import RawQuestion, option_id_problem, parse_quiz_body, parse_quiz_file
from training.content.validate import QuizSpec
from training.quiz import Paper, answers_to_form, grade, parse_answers

from ..conftest import MINIMAL, ROOT

FRONT = "---\nid: q\nunit: alpha\ntitle: T\npass_mark: 70\n---\n"


def parse(body: str) -> tuple[list[RawQuestion], list[str]]:
    meta, rest, line = split_front_matter(FRONT + body, Path("q.md"))
    raw, errors = parse_quiz_body(meta, rest, line, Path("q.md"))
    return raw.questions, [str(e) for e in errors]


def test_ids_end_the_option_line_and_are_not_part_of_the_text():
    questions, errors = parse("""
## pairs
type: matching
lesson: first-steps
objective: 2, 3

Match.

- Refugee -> 1951 Convention {#refugee}
  > Yes.
- Stateless person -> 1954 Convention {#stateless}
  > Yes.
- Migrant worker -> 1990 Convention {#migrant-worker}
  > Yes.

Explanation: E.
""")
    assert errors == []
    [question] = questions
    assert question.objective == (2, 3)
    assert [(a.text, a.match, a.id) for a in question.answers] == [
        ("Refugee", "1951 Convention", "refugee"),
        ("Stateless person", "1954 Convention", "stateless"),
        ("Migrant worker", "1990 Convention", "migrant-worker"),
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("short-term", None),
        ("right-to-return", None),
        ("first-edition", None),
        ("a", "is a letter or a position"),
        ("3", "is a letter or a position"),
        ("option-3", "is a letter or a position"),
        ("second", "is a letter or a position"),
        ("correct", "tells whether the option is right"),
        ("the-wrong-one", "tells whether the option is right"),
        ("Short_Term", "must use lowercase letters, digits and hyphens"),
    ],
)
def test_option_ids_are_words_that_name_the_option(value: str, problem: str | None):
    found = option_id_problem(value)
    assert (found is None) if problem is None else (problem in found)


def _course_with(tmp_path: Path, old: str, new: str) -> Path:
    course = tmp_path / "course"
    shutil.copytree(MINIMAL, course)
    quiz = course / "quizzes" / "alpha.md"
    text = quiz.read_text()
    assert old in text
    quiz.write_text(text.replace(old, new))
    return course


@pytest.mark.parametrize(
    "edit",
    [
        # an option inserted above the chosen one
        ("- [x] Alpha {#alpha}", "- [ ] Omega {#omega}\n  > No: omega is last.\n- [x] Alpha {#alpha}"),
        # the options reordered
        (
            "- [x] Alpha {#alpha}\n  > Right: alpha is first.\n- [ ] Beta {#beta}\n  > No: beta is second.",
            "- [ ] Beta {#beta}\n  > No: beta is second.\n- [x] Alpha {#alpha}\n  > Right: alpha is first.",
        ),
        # another option removed
        ("- [ ] Beta {#beta}\n  > No: beta is second.\n", ""),
        # matching pairs reordered, a right side reworded, ordering items moved
        (
            "- Alpha -> First {#alpha}\n  > Alpha is first.\n- Beta -> Second {#beta}",
            "- Beta -> Second place {#beta}\n  > Beta is second.\n- Alpha -> First {#alpha}",
        ),
        (
            "1. Alpha {#alpha}\n   > First.\n2. Beta {#beta}",
            "1. Alpha {#alpha}\n   > First.\n2. Beta, the second {#beta}",
        ),
    ],
    ids=["inserted", "reordered", "removed", "pairs-edited", "item-reworded"],
)
def test_editing_a_quiz_keeps_what_saved_answers_point_at(tmp_path: Path, edit: tuple[str, str]):
    """Saved answers (as the quiz page stores them) grade the same after the quiz is edited."""
    original = build_catalogue(MINIMAL).quiz("alpha-quiz")
    paper = Paper(seed=7, secret="an attempt's secret")  # opaque values, as a learner's form has
    v = paper.token
    form = {
        "q-pick-one": [v("pick-one", "alpha")],
        "q-pick-many": [v("pick-many", "alpha"), v("pick-many", "beta")],
        **{f"q-pairs-{v('pairs', o.id)}": [v("pairs", o.match_id)] for o in original.question("pairs").options},
        **{
            f"q-sequence-{v('sequence', o.id)}": [str(n)]
            for n, o in enumerate(original.question("sequence").options, start=1)
        },
    }
    saved = parse_answers(original, form, paper)
    edited = build_catalogue(_course_with(tmp_path, *edit)).quiz("alpha-quiz")
    for qid in ("pick-one", "pick-many", "pairs", "sequence"):
        before, after = grade(original, saved).questions, grade(edited, saved).questions
        old = next(r for r in before if r.question.id == qid)
        new = next(r for r in after if r.question.id == qid)
        assert new.graded.credit == old.graded.credit == 1.0, qid
        assert set(new.graded.marks) == set(old.graded.marks), qid  # the same verdicts and feedback
    # ... and the quiz page shows the same choices ticked again
    refilled = parse_answers(edited, answers_to_form(edited, saved, paper), paper)
    assert refilled == saved


def test_visible_text_drops_markdown_marks():
    assert visible("The *1951* [Convention](https://example.org) `text`") == "The 1951 Convention text"


def _quiz(questions: str) -> QuizSpec:
    meta, rest, line = split_front_matter(FRONT + questions, Path("q.md"))
    raw, errors = parse_quiz_body(meta, rest, line, Path("q.md"))
    assert errors == []
    return QuizSpec("q", "alpha", "T", 70, 0, False, 15, raw)


def _single(qid: str, key: int, options: int = 3) -> str:
    names = ["north", "east", "south", "west"][:options]
    lines = [f"\n## {qid}\ntype: single\nlesson: first-steps\nobjective: 1\n\nWhere is {qid}?\n"]
    for number, name in enumerate(names, start=1):
        lines.append(f"- [{'x' if number == key else ' '}] Towards the {name} {{#{name}}}\n  > Feedback.")
    return "\n".join(lines) + "\n\nExplanation: E.\n"


def _true_false(qid: str, value: bool) -> str:
    return (
        f"\n## {qid}\ntype: true-false\nlesson: first-steps\nobjective: 1\n\nStatement {qid}.\n\n"
        f"- [{'x' if value else ' '}] True {{#true}}\n  > F.\n- [{' ' if value else 'x'}] False {{#false}}\n  > F.\n\n"
        "Explanation: E.\n"
    )


def test_two_keys_on_one_position_are_not_yet_a_bunch():
    assert BUNCH_MIN_QUESTIONS == 3
    assert lint_quiz(_quiz(_single("one", 1) + _single("two", 1))) == []
    spread = _single("one", 1) + _single("two", 1) + _single("three", 2) + _single("four", 3)
    assert lint_quiz(_quiz(spread)) == []  # two of four is half, not more than half


@pytest.mark.parametrize(
    ("values", "flagged"),
    [
        ((True, False), False),
        ((True, True), True),
        ((True, True, False), False),
        ((False, False, False), True),
        ((True, True, False, False), False),
        ((True, True, True, False), True),
    ],
)
def test_truth_values_are_lopsided_above_two_thirds(values: tuple[bool, ...], flagged: bool):
    quiz = _quiz("".join(_true_false(f"s{i}", v) for i, v in enumerate(values)))
    assert bool(lint_quiz(quiz)) is flagged


def test_options_that_differ_by_more_than_a_negation_pass():
    quiz = _quiz("""
## q
type: single
lesson: first-steps
objective: 1

Which?

- [x] It is binding on States {#binding}
  > F.
- [ ] It is not signed by States {#unsigned}
  > F.
- [ ] It binds no one at all {#binds-no-one}
  > F.

Explanation: E.
""")
    assert lint_quiz(quiz) == []


def test_shipped_quizzes_pass_every_quiz_rule_and_test_every_objective():
    """The course's own quizzes: option ids, objectives, and every author-lint rule."""
    errors = check(ROOT)
    quiz_problems = [
        str(e) for e in errors if e.path.parent.name == "quizzes" or "is tested by no question" in e.message
    ]
    assert quiz_problems == []
    kinds = set()
    for path in (p for p in sorted((ROOT / "quizzes").glob("*.md")) if translation_name(p) is None):
        raw, parse_errors = parse_quiz_file(path)
        assert raw is not None and parse_errors == []
        assert 8 <= len(raw.questions) <= 12, path.name
        kinds |= {q.type for q in raw.questions}
    assert kinds == set(QuestionType) - {QuestionType.NUMERIC}  # no figure in the course calls for one
