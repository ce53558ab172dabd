"""The quiz as a learner meets it in Chromium: the review before submitting (a tick needed
to leave questions unanswered, the last attempt announced, a double click grading once),
axe and no sideways scroll on the quiz, review and result pages at 1280 and 390 px, focus
never under the action bar, and saving that tells the truth when the session has ended."""

from __future__ import annotations

import shutil
import time

import pytest

from ..helpers import MINIMAL, check_at_both_widths, shot, sign_in_page
from ..livesite import live_site, rows

pytestmark = pytest.mark.browser
IDLE_SECONDS = 10  # the expiry site's idle limit: long enough to sign in and start a quiz


def start_alpha(page) -> None:
    page.goto("/quizzes/alpha-quiz")
    page.get_by_role("button", name="Start the quiz").or_(page.get_by_role("button", name="Retake the quiz")).click()
    page.get_by_role("button", name="Review and submit").wait_for()


def submitted_attempts(site, email: str) -> list:
    return rows(
        site,
        'SELECT attempt_no, state FROM quiz_attempt qa JOIN "user" u ON u.id = qa.user_id WHERE u.email = :e '
        "ORDER BY attempt_no",
        e=email,
    )


def test_unanswered_questions_need_a_tick_and_the_last_attempt_is_announced(page, site):
    email = site.create_user("reviewer@example.org")
    sign_in_page(page, email)
    start_alpha(page)
    check_at_both_widths(page, "quiz-take")
    page.get_by_role("group", name="Question 1").get_by_label("Beta").check()
    page.get_by_role("button", name="Review and submit").click()
    page.wait_for_url("**/quizzes/alpha-quiz/review")
    assert page.locator(".review-unanswered").count() == 5 and page.locator(".review-answered").count() == 1
    check_at_both_widths(page, "quiz-review")
    page.get_by_role("button", name="Submit for grading").click()  # no tick: refused, nothing graded
    page.get_by_role("alert").filter(has_text="Some questions have no answer").wait_for()
    assert submitted_attempts(site, email)[0].state == "in_progress"
    page.get_by_role("link", name="Question 2").click()  # back to the question, to answer it
    page.wait_for_url("**/quizzes/alpha-quiz#q-2")
    assert page.get_by_role("group", name="Question 1").get_by_label("Beta").is_checked()  # kept
    page.get_by_role("button", name="Review and submit").click()
    page.get_by_label("Submit with 5 questions not fully answered").check()
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url("**/attempts/1")
    check_at_both_widths(page, "quiz-result")
    # Attempt 2 of 3, then the third is announced as the last everywhere.
    start_alpha(page)
    assert "last attempt" not in page.content()
    page.get_by_role("button", name="Review and submit").click()
    page.get_by_label("Submit with 6 questions not fully answered").check()
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url("**/attempts/2")
    page.goto("/quizzes/alpha-quiz")
    assert page.get_by_text("You have one attempt left: the next one is your last.").is_visible()
    start_alpha(page)
    assert page.get_by_text("This is your last attempt at this quiz.").is_visible()
    page.get_by_role("button", name="Review and submit").click()
    assert page.get_by_text("This is your last attempt at this quiz: once submitted").is_visible()
    shot(page, "quiz-review-last")
    # A double click on the final submit grades once.
    page.get_by_label("Submit with 6 questions not fully answered").check()
    page.get_by_role("button", name="Submit my last attempt for grading").dblclick()
    page.wait_for_url("**/attempts/3")
    assert [(a.attempt_no, a.state) for a in submitted_attempts(site, email)] == [
        (1, "submitted"),
        (2, "submitted"),
        (3, "submitted"),
    ]
    page.goto("/quizzes/alpha-quiz")
    assert "You have used every attempt this quiz allows." in page.content()
    check_at_both_widths(page, "quiz-start-no-attempts")


COVERED = """() => {
  const bar = document.querySelector('.quiz-actions');
  const el = document.activeElement;
  if (!bar || !el || bar.contains(el) || getComputedStyle(bar).position !== 'sticky') return null;
  const a = el.getBoundingClientRect(), b = bar.getBoundingClientRect();
  const overlap = a.bottom > b.top && a.top < b.bottom && a.right > b.left && a.left < b.right;
  return overlap ? (el.name || el.id || el.textContent.trim()).slice(0, 60) : null;
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_the_action_bar_never_covers_the_focused_control(page, site, width):
    email = site.create_user(f"focus{width}@example.org")
    sign_in_page(page, email)
    page.set_viewport_size({"width": width, "height": 700})
    start_alpha(page)
    page.evaluate("window.scrollTo(0, 0)")
    covered, stops = [], 0
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        stops += 1
        hidden = page.evaluate(COVERED)
        if hidden:
            covered.append(hidden)
        if page.evaluate("document.activeElement.value === 'review'"):
            break
    assert stops > 15, "the Tab key did not reach the quiz's controls"
    assert covered == []


def wait_until_signed_out(since: float) -> None:
    """Let the expiring site's session end (it started before ``since``)."""
    time.sleep(max(0, IDLE_SECONDS + 1 - (time.monotonic() - since)))


@pytest.fixture(scope="module")
def expiring_site(tmp_path_factory):
    """A site whose sessions end after IDLE_SECONDS without activity."""
    extra = {"TRAINING_SESSION_IDLE_TIMEOUT": str(IDLE_SECONDS)}
    with live_site(tmp_path_factory.mktemp("expiring-site"), workers=1, extra_env=extra) as site:
        yield site


def test_with_javascript_an_ended_session_is_said_and_the_answers_are_saved_after_signing_in(chromium, expiring_site):
    site = expiring_site
    email = site.create_user("expired-js@example.org")
    context = chromium.new_context(base_url=site.url, viewport={"width": 390, "height": 800})
    try:
        page = context.new_page()
        sign_in_page(page, email)
        start_alpha(page)
        signed_in_at = time.monotonic()
        page.get_by_role("group", name="Question 1").get_by_label("Gamma").check()
        page.get_by_text("Answers saved at").wait_for()  # a save that happened is reported
        wait_until_signed_out(signed_in_at)
        page.get_by_label("Your answer").fill("stride")
        page.get_by_label("Your answer").blur()  # a change: the background save goes out, and is refused
        status = page.locator(".autosave-status")
        status.filter(has_text="Not saved: you are signed out").wait_for()
        assert "Answers saved" not in status.inner_text()
        # "Save my answers" now would be refused: the page says so instead of losing anything.
        page.get_by_role("button", name="Save my answers").click()
        assert "Not saved: you are signed out" in status.inner_text()
        assert page.get_by_label("Your answer").input_value() == "stride"
        kept = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('quiz-draft:'))")
        assert len(kept) == 1
        # Sign in again in another tab, come back: the kept answers are saved.
        other = context.new_page()
        sign_in_page(other, email)
        page.bring_to_front()
        page.evaluate("window.dispatchEvent(new Event('focus'))")
        status.filter(has_text="Answers saved at").wait_for()
        other.goto("/quizzes/alpha-quiz")
        assert other.get_by_label("Your answer").input_value() == "stride"
        assert other.get_by_role("group", name="Question 1").get_by_label("Gamma").is_checked()
        assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('quiz-draft:'))") == []
    finally:
        context.close()


def test_with_javascript_a_reload_after_signing_in_brings_back_the_kept_answers(chromium, expiring_site):
    site = expiring_site
    email = site.create_user("expired-reload@example.org")
    context = chromium.new_context(base_url=site.url)
    try:
        page = context.new_page()
        sign_in_page(page, email)
        start_alpha(page)
        signed_in_at = time.monotonic()
        wait_until_signed_out(signed_in_at)
        page.get_by_label("Your answer").fill("kept-in-browser")
        page.get_by_label("Your answer").blur()
        page.locator(".autosave-status").filter(has_text="Not saved: you are signed out").wait_for()
        sign_in_page(page, email)  # this tab goes to sign in, then back to the quiz
        page.goto("/quizzes/alpha-quiz")
        page.locator(".autosave-status").filter(has_text="Answers saved at").wait_for()
        assert page.get_by_label("Your answer").input_value() == "kept-in-browser"
        page.reload()
        assert page.get_by_label("Your answer").input_value() == "kept-in-browser"  # from the server now
    finally:
        context.close()


def test_without_javascript_an_ended_session_keeps_the_answers(chromium, expiring_site):
    site = expiring_site
    email = site.create_user("expired-nojs@example.org")
    context = chromium.new_context(base_url=site.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in_page(page, email)
        start_alpha(page)
        signed_in_at = time.monotonic()
        page.get_by_role("group", name="Question 1").get_by_label("Gamma").check()
        page.get_by_label("Your answer").fill("stride")
        wait_until_signed_out(signed_in_at)
        page.get_by_role("button", name="Save my answers").click()
        page.wait_for_url("**/login**")
        assert "Your answers are saved" not in page.content()
        sign_in_page(page, email)
        page.goto("/quizzes/alpha-quiz")
        assert "Your answers were kept while you signed in again" in page.content()
        assert page.get_by_label("Your answer").input_value() == "stride"
        assert page.get_by_role("group", name="Question 1").get_by_label("Gamma").is_checked()
    finally:
        context.close()


LONG_ANSWER = (
    "Third, after alpha and beta, in the order of the oldest Greek inscriptions read so far, which "
    "is also the order in which learners recite the alphabet"
)
WRITTEN_OUT = """id => {
  const line = document.getElementById(id), box = line.getBoundingClientRect(), root = document.documentElement;
  return {text: line.textContent.trim(), live: line.getAttribute('aria-live'),
          inside: line.scrollWidth <= line.clientWidth, left: box.left, right: box.right,
          viewport: root.clientWidth, sideways: root.scrollWidth > root.clientWidth};
}"""


@pytest.fixture(scope="module")
def long_answer_site(tmp_path_factory):
    """The fixture course with one matching answer far longer than a phone's drop-down."""
    folder = tmp_path_factory.mktemp("long-answer-course") / "course"
    shutil.copytree(MINIMAL, folder)
    quiz = folder / "quizzes" / "alpha.md"
    text = quiz.read_text()
    assert "- Gamma -> Third {#gamma}" in text
    quiz.write_text(text.replace("- Gamma -> Third {#gamma}", f"- Gamma -> {LONG_ANSWER} {{#gamma}}"))
    with live_site(tmp_path_factory.mktemp("long-answer-site"), workers=1, content=folder) as site:
        yield site


def assert_written_out(page, line_id: str) -> None:
    shown = page.evaluate(WRITTEN_OUT, line_id)
    assert shown["text"] == f"Your choice: {LONG_ANSWER}"
    assert shown["live"] == "polite"
    assert shown["inside"], "the chosen answer wraps inside its line"
    assert 0 <= shown["left"] and shown["right"] <= shown["viewport"], shown
    assert not shown["sideways"], "the page does not scroll sideways"


@pytest.mark.parametrize("javascript", [True, False])
def test_a_long_matching_answer_is_written_out_in_full_on_a_phone(chromium, long_answer_site, javascript):
    """With the script, the answer is written out as soon as it is chosen; with or without it,
    the page the server renders after a save (and on the next visit) writes it out."""
    site = long_answer_site
    email = site.create_user(f"long-answer-{javascript}@example.org".lower())
    context = chromium.new_context(
        base_url=site.url, bypass_csp=True, java_script_enabled=javascript, viewport={"width": 390, "height": 800}
    )
    try:
        page = context.new_page()
        sign_in_page(page, email)
        start_alpha(page)
        select = page.get_by_role("group", name="Match each letter").get_by_role("combobox", name="Gamma")
        line_id = select.get_attribute("data-chosen")
        assert page.evaluate(WRITTEN_OUT, line_id)["text"] == ""  # nothing chosen yet
        select.select_option(label=LONG_ANSWER)
        if javascript:
            page.locator(f"#{line_id}").get_by_text(LONG_ANSWER, exact=True).wait_for()  # written out at once
            assert_written_out(page, line_id)
            check_at_both_widths(page, "quiz-matching-long")
            page.set_viewport_size({"width": 390, "height": 800})
            select.select_option(label="Choose…")
            assert page.evaluate(WRITTEN_OUT, line_id)["text"] == ""
            select.select_option(label=LONG_ANSWER)
        page.get_by_role("button", name="Save my answers").click()
        page.get_by_text("Your answers are saved.").wait_for()
        assert_written_out(page, line_id)  # from the server, after the save
        page.goto("/quizzes/alpha-quiz")  # and on the learner's next visit
        assert_written_out(page, line_id)
    finally:
        context.close()
