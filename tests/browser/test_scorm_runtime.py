"""The exported SCORM package played in Chromium with scorm-again (npm) as the LMS runtime.

The package and scorm-again are served from a throwaway HTTP server on loopback: a small LMS
page creates scorm-again's ``Scorm12API`` as ``window.API`` and opens the unit's SCO in a
frame, as an LMS does. The learner reads two lessons and passes the quiz; the runtime's own
data model must then hold ``lesson_status`` and ``score.raw``.
"""

from __future__ import annotations

import functools
import io
import random
import shutil
import threading
import zipfile
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from training.content.model import QuestionType, Quiz
from training.content.questions.numeric import read_number
from training.interop import scorm
from training.quiz import grade

from ..helpers import FIXTURES, MINIMAL, ROOT, TRANSLATED, axe_violations, cached_catalogue

pytestmark = pytest.mark.browser

RULES = FIXTURES / "content" / "quiz_rules"
RUNTIME = ROOT / "node_modules" / "scorm-again" / "dist" / "scorm12.min.js"
LMS_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>LMS</title>
<script src="/runtime/scorm12.min.js"></script>
<script>
  window.API = new Scorm12API({logLevel: 5, autocommit: false});
  window.lmsCalls = [];
  window.API.on("LMSSetValue.cmi.*", function (element, value) { window.lmsCalls.push([element, value]); });
  var saved = sessionStorage.getItem("cmi");
  if (saved) { window.API.loadFromJSON(JSON.parse(saved)); }
  window.API.on("LMSCommit", function () {
    sessionStorage.setItem("cmi", JSON.stringify(window.API.renderCommitCMI(true)));
  });
</script></head>
<body><iframe id="sco" title="Course" style="width:100%;height:90vh;border:0" src="/pkg/{href}">
</iframe></body></html>"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def lms(tmp_path_factory) -> Iterator[str]:
    """Serve the minimal course's package, scorm-again and an LMS page for each unit."""
    assert RUNTIME.exists(), "run `npm ci`: scorm-again is the SCORM runtime of these tests"
    root = tmp_path_factory.mktemp("lms")
    package = scorm.build_package(cached_catalogue(MINIMAL))
    zipfile.ZipFile(io.BytesIO(package.data)).extractall(root / "pkg")
    (root / "runtime").mkdir()
    shutil.copy(RUNTIME, root / "runtime")
    for unit in package.units:
        (root / f"{unit}.html").write_text(LMS_PAGE.replace("{href}", f"units/{unit}/index.html"))
    course = cached_catalogue(ROOT)
    real = scorm.build_package(course)
    zipfile.ZipFile(io.BytesIO(real.data)).extractall(root / "course")
    rules = scorm.build_package(cached_catalogue(RULES))  # a numeric question, a pool, a time limit
    zipfile.ZipFile(io.BytesIO(rules.data)).extractall(root / "rules")
    (root / "rules-alpha.html").write_text(LMS_PAGE.replace("/pkg/{href}", "/rules/units/alpha/index.html"))
    french = scorm.build_package(cached_catalogue(TRANSLATED), language="fr")
    zipfile.ZipFile(io.BytesIO(french.data)).extractall(root / "translated-fr")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def fill_correct(frame, quiz: Quiz) -> None:
    for q in quiz.questions:
        name = f"q-{q.id}"
        if q.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE, QuestionType.MULTIPLE):
            for option in q.options:
                if option.correct:
                    frame.locator(f'input[name="{name}"][value="{option.id}"]').check()
        elif q.type == QuestionType.SHORT:
            frame.locator(f"#{name}").fill(next(o.text for o in q.options if o.correct))
        elif q.type == QuestionType.NUMERIC:
            spec = next(o.text for o in q.options if o.correct)
            frame.locator(f"#{name}").fill(spec.split("±")[0].split("..")[0].strip())
        elif q.type == QuestionType.MATCHING:
            for option in q.options:
                frame.locator(f"#{name}-{option.id}").select_option(option.match_id)
        elif q.type == QuestionType.ORDERING:
            for position, option in enumerate(q.options, start=1):
                frame.locator(f"#{name}-{option.id}").select_option(str(position))


def open_quiz(page, lms_page: str, title: str):
    """The LMS page's SCO, on its quiz (through the unit's contents)."""
    page.goto(lms_page)
    frame = page.frame_locator("#sco")
    frame.get_by_role("link", name=title).click()
    frame.get_by_role("heading", name=title).wait_for()
    return frame


def cmi(page, element: str) -> str:
    return page.evaluate(f"window.API.cmi.{element}")


def test_reading_two_lessons_and_passing_the_quiz_is_recorded_by_the_runtime(chromium, lms):
    quiz = cached_catalogue(MINIMAL).quiz("alpha-quiz")
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{lms}/alpha.html")
        frame = page.frame_locator("#sco")
        frame.get_by_role("heading", name="First steps").wait_for()
        assert cmi(page, "core.lesson_status") == "incomplete", "a started SCO is incomplete"

        frame.get_by_role("button", name="Mark as read and continue").click()
        frame.get_by_role("heading", name="Second steps").wait_for()
        frame.get_by_role("button", name="Mark as read and go to the quiz").click()
        frame.get_by_role("heading", name="Alpha quiz").wait_for()
        assert cmi(page, "core.lesson_location") == "quiz"

        fill_correct(frame, quiz)
        frame.get_by_role("button", name="Submit my answers").click()
        frame.get_by_text("Your score: 100%.").wait_for()
        assert cmi(page, "core.lesson_status") == "passed"
        assert cmi(page, "core.score.raw") == "100"
        assert (cmi(page, "core.score.min"), cmi(page, "core.score.max")) == ("0", "100")
        assert '"read":["first-steps","second-steps"]' in cmi(page, "suspend_data")

        page.evaluate("document.getElementById('sco').src = 'about:blank'")  # the learner leaves the SCO
        page.wait_for_function("window.API.isTerminated()")
        calls = dict(page.evaluate("window.lmsCalls"))
        assert calls["cmi.core.exit"] == "", "a finished unit is not suspended"
        assert calls["cmi.core.session_time"].count(":") == 2
    finally:
        context.close()


def test_a_failed_quiz_then_a_pass_is_reported_as_failed_then_passed(chromium, lms):
    quiz = cached_catalogue(MINIMAL).quiz("beta-quiz")
    context = chromium.new_context()
    page = context.new_page()
    try:
        frame = open_quiz(page, f"{lms}/beta.html", "Beta quiz")
        frame.get_by_role("button", name="Submit my answers").click()  # nothing answered
        frame.get_by_text("Your score: 0%.").wait_for()
        assert cmi(page, "core.lesson_status") == "failed"
        assert cmi(page, "core.score.raw") == "0"

        frame.get_by_role("button", name="Try the quiz again").click()
        fill_correct(frame, quiz)
        frame.get_by_role("button", name="Submit my answers").click()
        frame.get_by_text("Your score: 100%.").wait_for()
        assert cmi(page, "core.lesson_status") == "incomplete", "passed, but the lessons are not read yet"
        frame.get_by_text("Read every lesson too: 2 still to read.").wait_for()

        for title in ("The beta lesson", "Beta two"):
            frame.get_by_role("link", name=title).click()
            frame.get_by_role("button", name="Mark as read").click()
        assert cmi(page, "core.lesson_status") == "passed"
    finally:
        context.close()


def test_the_learner_resumes_where_they_stopped(chromium, lms):
    context = chromium.new_context()
    page = context.new_page()
    try:
        page.goto(f"{lms}/alpha.html")
        frame = page.frame_locator("#sco")
        frame.get_by_role("button", name="Mark as read and continue").click()
        frame.get_by_role("heading", name="Second steps").wait_for()
        page.reload()  # the LMS page keeps the committed data model, as an LMS does between sessions
        frame = page.frame_locator("#sco")
        frame.get_by_role("heading", name="Second steps").wait_for()
        assert frame.locator('[data-read-mark="first-steps"]').inner_text() == "Read"
        assert frame.locator('[data-read-mark="second-steps"]').inner_text() == "Not read yet"
        assert cmi(page, "core.lesson_location") == "lesson-second-steps"
        assert '"read":["first-steps"]' in cmi(page, "suspend_data")
    finally:
        context.close()


NUMBERS = [
    *("75", "65", "85", "64.999999", "85.0000000001", "86", "64", "-75", "75%", "7 5", "1 822", "1,822", "1.822"),
    *("0,75", "0.5", "1.5", ".75", "1.", "1,5", "1.234,5", "1,234.5", "1.234.567", "85,0", "6_5", "7'5"),
    *("\u2212" + "75", "\u00a075\u202f", "\u0667\u0665", "\u06f7\u06f5", "\u0967\u096b", "\U0001d7d5\U0001d7d3"),
    *("", " ", "abc", "1e2", "--3", "7,5,0", "75 cm", "0x4b", "inf", "nan", "9" * 41, "7" * 40, "75%%"),
]
"""Typed numbers for the numeric question (right 65..85, a known mistake 0.5..1.5): edges,
grouping and decimal marks, other scripts' digits, and what is not a number."""


def random_answers(quiz: Quiz, rng: random.Random) -> dict:
    answers = {}
    for q in quiz.questions:
        ids = [o.id for o in q.options]
        if q.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
            answers[q.id] = {"choice": rng.choice([None, *ids])}
        elif q.type == QuestionType.MULTIPLE:
            answers[q.id] = {"choices": sorted(rng.sample(ids, rng.randint(0, len(ids))))}
        elif q.type == QuestionType.SHORT:
            texts = [o.text for o in q.options if o.text != "*"] + list(q.also_accepted)
            pick = rng.choice([*texts, "", "something else"])
            variants = [pick, pick.upper(), f"  {pick}. ", pick.replace("e", "é")]
            answers[q.id] = {"text": rng.choice(variants)}
        elif q.type == QuestionType.NUMERIC:
            answers[q.id] = {"text": rng.choice(NUMBERS)}
        elif q.type == QuestionType.MATCHING:
            rights = [o.match_id for o in q.options] + [o.id for o in q.options]  # as the form, or as stored
            answers[q.id] = {"pairs": {o.id: rng.choice(rights) for o in q.options if rng.random() < 0.8}}
        elif q.type == QuestionType.ORDERING:
            positions = list(range(1, len(ids) + 1))
            rng.shuffle(positions)
            answers[q.id] = {"positions": {i: p for i, p in zip(ids, positions, strict=True) if rng.random() < 0.9}}
    return answers


def test_the_package_scores_every_quiz_of_the_course_exactly_as_the_platform(chromium, lms):
    """300 random answer sets per quiz, scored by the package's script and by training.quiz:
    every quiz of the course, and a French package whose short answers are also accepted in
    the course's other languages."""
    course = cached_catalogue(ROOT)
    french = cached_catalogue(TRANSLATED).in_language("fr")
    packages = [("course", course, unit) for unit in course.units]
    packages += [("translated-fr", french, unit) for unit in french.units]
    rules = cached_catalogue(RULES)
    packages += [("rules", rules, unit) for unit in rules.units]
    rng = random.Random(19)
    context = chromium.new_context()
    page = context.new_page()
    try:
        for folder, catalogue, unit in packages:
            quiz = catalogue.quiz_for_unit(unit.id)
            page.goto(f"{lms}/{folder}/units/{unit.id}/index.html")
            cases = [random_answers(quiz, rng) for _ in range(300)]
            scored = page.evaluate(
                """cases => { const key = JSON.parse(document.getElementById('sco-key').textContent);
                   return cases.map(a => { const r = window.trainingSco.grade(key, a);
                                           return [r.score, r.percent, r.passed]; }); }""",
                cases,
            )
            for answers, (score, percent, passed) in zip(cases, scored, strict=True):
                expected = grade(quiz, answers)
                assert (round(score, 6), percent, passed) == (expected.score, expected.percent, expected.passed), (
                    unit.id,
                    answers,
                )
    finally:
        context.close()


def test_the_package_reads_typed_numbers_as_the_platform_does(chromium, lms):
    context = chromium.new_context()
    page = context.new_page()
    try:
        page.goto(f"{lms}/rules/units/alpha/index.html")
        rng = random.Random(13)
        alphabet = "0123456789" * 3 + ",.,. -\u2212%_'\u00a0\u202f\u0665\u06f7\u096bxe+"
        typed = [*NUMBERS, *("".join(rng.choices(alphabet, k=rng.randint(1, 14))) for _ in range(3000))]
        read = page.evaluate("texts => texts.map(t => window.trainingSco.readNumber(t))", typed)
        assert read == [read_number(text) for text in typed]
        assert sum(value is not None for value in read) > 1000, "most random texts should be numbers"
        assert read[NUMBERS.index("1.234,5")] == 1234.5 and read[NUMBERS.index("\u0667\u0665")] == 75
    finally:
        context.close()


@pytest.mark.parametrize(
    "typed, verdict, feedback",
    [
        ("75", "Correct", "Right: a stride is about three quarters of a metre."),
        ("85,0", "Correct", "Right: a stride is about three quarters of a metre."),
        ("0,75", "Not correct", "That is the length in metres; the question asks for centimetres."),
        ("86", "Not correct", "A stride is about 75 centimetres (from 65 to 85 counts)."),
    ],
)
def test_a_numeric_answer_is_scored_and_reported_in_the_runtime(chromium, lms, typed, verdict, feedback):
    """The rules course's alpha quiz, every other question right: the numeric answer decides
    the score the runtime records (6 of 7 questions is 85%, above the pass mark of 70)."""
    quiz = cached_catalogue(RULES).quiz("alpha-quiz")
    context = chromium.new_context()
    page = context.new_page()
    try:
        frame = open_quiz(page, f"{lms}/rules-alpha.html", "Alpha quiz")
        # Before grading, the right answer's feedback is marked up as every other answer's.
        shapes = frame.locator('[data-feedback="stride-length"] [data-option]').evaluate_all(
            "els => els.map(e => [...e.attributes].map(a => a.name + '=' + (a.name === 'data-option' ? '' : a.value)))"
        )
        assert len(shapes) == 3 and all(shape == shapes[0] for shape in shapes), shapes
        fill_correct(frame, quiz)
        frame.get_by_label("Your answer (a number)").fill(typed)
        frame.get_by_role("button", name="Submit my answers").click()
        percent = "100" if verdict == "Correct" else "85"
        frame.get_by_text(f"Your score: {percent}%.").wait_for()
        assert cmi(page, "core.score.raw") == percent
        box = frame.locator('[data-feedback="stride-length"]')
        assert box.locator("[data-verdict]").inner_text() == verdict
        assert [t.strip() for t in box.locator("[data-option]:visible").all_inner_texts()] == [feedback]
        key = page.evaluate("document.getElementById('sco').contentDocument.getElementById('sco-key').textContent")
        assert '"ranges":[{"id":' in key  # the key sits only where the package warns it does
        # As for a short answer: the question's form holds no accepted value (its feedback,
        # hidden until graded, is in the page like every type's).
        asked = frame.locator('[data-question="stride-length"] fieldset').inner_html()
        assert not any(n in asked for n in ("65", "75", "85", "0.5", "1.5")), asked
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_unit_page_is_accessible_and_fits_a_phone(chromium, lms, width):
    context = chromium.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{lms}/course/units/labour/index.html")
        page.get_by_text("No learning management system was found").wait_for()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.tagName") == "A", "the contents come first for keyboard users"
        # The course's unit and its quiz, and a quiz with every question type (numeric too).
        for step in ("", "course/units/labour/index.html#quiz", "rules/units/alpha/index.html#quiz"):
            if step:
                page.goto(f"{lms}/{step}")
            violations = axe_violations(page, impacts=("minor", "moderate", "serious", "critical"))
            assert violations == [], violations
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()
