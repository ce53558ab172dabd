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
from training.interop import scorm
from training.quiz import grade

from ..helpers import MINIMAL, ROOT, TRANSLATED, axe_violations, cached_catalogue

pytestmark = pytest.mark.browser

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
        elif q.type == QuestionType.MATCHING:
            for option in q.options:
                frame.locator(f"#{name}-{option.id}").select_option(option.match_id)
        elif q.type == QuestionType.ORDERING:
            for position, option in enumerate(q.options, start=1):
                frame.locator(f"#{name}-{option.id}").select_option(str(position))


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
        page.goto(f"{lms}/beta.html")
        frame = page.frame_locator("#sco")
        frame.get_by_role("link", name="Beta quiz").click()
        frame.get_by_role("heading", name="Beta quiz").wait_for()
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


@pytest.mark.parametrize("width", [1280, 390])
def test_the_unit_page_is_accessible_and_fits_a_phone(chromium, lms, width):
    context = chromium.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{lms}/course/units/labour/index.html")
        page.get_by_text("No learning management system was found").wait_for()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.tagName") == "A", "the contents come first for keyboard users"
        for step in ("", "#quiz"):
            if step:
                page.goto(f"{lms}/course/units/labour/index.html{step}")
            violations = axe_violations(page, impacts=("minor", "moderate", "serious", "critical"))
            assert violations == [], violations
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()
