"""A learner signs in, reads, marks lessons read, takes the quiz, and sees progress, in a
real browser; axe-core finds no serious or critical problem on any page on the way."""

from __future__ import annotations

import pytest

from ..helpers import assert_accessible, shot, sign_in_page

pytestmark = pytest.mark.browser


def test_sign_in_read_a_lesson_and_see_progress(page, site):
    email = site.create_user("reader@example.org", name="Reader One")
    page.goto("/login")
    assert_accessible(page)
    sign_in_page(page, email)
    assert_accessible(page)  # the course map
    page.get_by_role("link", name="Start the course").click()
    page.wait_for_url("**/units/alpha/first-steps")
    assert page.get_by_role("heading", level=1).inner_text() == "First steps"
    assert_accessible(page)
    page.get_by_role("button", name="Mark as read and continue").click()
    page.wait_for_url("**/units/alpha/second-steps")
    page.get_by_role("link", name="My progress").click()
    assert "16%" in page.locator(".stat-value").first.inner_text()
    assert_accessible(page)
    shot(page, "dashboard")


def test_take_fail_retake_and_pass_the_quiz(page, site):
    email = site.create_user("quizzer@example.org", name="Quiz Taker")
    sign_in_page(page, email)
    for lesson in ("first-steps", "second-steps"):
        page.goto(f"/units/alpha/{lesson}")
        page.get_by_role("button", name="Mark as read").click()
    page.wait_for_url("**/quizzes/alpha-quiz")
    with page.expect_navigation():  # the form's answer comes back to the same address
        page.get_by_role("button", name="Start the quiz").click()
    assert_accessible(page)
    page.get_by_role("group", name="Question 1").get_by_label("Beta").check()
    page.get_by_role("button", name="Review and submit").click()
    page.get_by_label("Submit with 5 questions not fully answered").check()
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url("**/attempts/1")
    assert "did not reach the pass mark" in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="Retake the quiz").click()
    answer_everything_right(page)
    page.get_by_role("button", name="Review and submit").click()
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url("**/attempts/2")
    assert "Your score: 100%" in page.content()
    assert "Unit 1 is complete" in page.content()
    assert_accessible(page)
    shot(page, "quiz-result")
    page.goto("/units/alpha")
    assert page.locator(".status-row .badge").inner_text() == "Complete"


def answer_everything_right(page) -> None:
    page.get_by_role("group", name="Question 1").get_by_label("Alpha").check()
    q2 = page.get_by_role("group", name="Question 2")
    q2.get_by_label("Alpha").check()
    q2.get_by_label("Beta").check()
    page.get_by_role("group", name="Question 3").get_by_label("True").check()
    page.get_by_label("Your answer").fill("stride")
    q5 = page.get_by_role("group", name="Question 5")
    for left, right in (("Alpha", "First"), ("Beta", "Second"), ("Gamma", "Third")):
        q5.get_by_label(left, exact=True).select_option(label=right)
    q6 = page.get_by_role("group", name="Question 6")
    for item, position in (("Alpha", "1"), ("Beta", "2"), ("Gamma", "3")):
        q6.get_by_label(item, exact=True).select_option(position)


def test_keyboard_alone_marks_a_lesson_read(page, site):
    email = site.create_user("keys@example.org")
    sign_in_page(page, email)
    page.goto("/units/alpha/first-steps")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Mark as read and continue":
            break
    else:
        pytest.fail("the 'mark as read' button cannot be reached with the Tab key")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")
    page.wait_for_url("**/units/alpha/second-steps")


def test_everything_works_without_javascript(chromium, site):
    context = chromium.new_context(base_url=site.url, java_script_enabled=False)
    page = context.new_page()
    email = site.create_user("nojs@example.org")
    sign_in_page(page, email)
    page.goto("/units/beta/only-lesson")
    page.get_by_role("button", name="Mark as read and continue").click()
    page.wait_for_url("**/units/beta/beta-two")
    page.goto("/quizzes/beta-quiz")
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_role("group", name="Question 1").get_by_label("The second letter").check()
    page.get_by_role("button", name="Save my answers").click()
    page.get_by_text("Your answers are saved").first.wait_for()  # the page the POST answered, loaded
    page.get_by_role("group", name="Question 2").get_by_label("True").check()
    page.get_by_role("button", name="Review and submit").click()
    page.get_by_text("Every question has an answer.").wait_for()
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url("**/quizzes/beta-quiz/attempts/1")
    assert "Your score: 100%" in page.content()
    context.close()


def test_no_csp_violations_or_script_errors(chromium, site):
    context = chromium.new_context(base_url=site.url)  # CSP enforced here
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    email = site.create_user("csp@example.org")
    sign_in_page(page, email)
    for path in ("/", "/units/alpha", "/units/alpha/first-steps", "/dashboard", "/quizzes/alpha-quiz"):
        page.goto(path)
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_role("group", name="Question 1").get_by_label("Alpha").check()  # triggers autosave
    page.wait_for_selector("text=Answers saved")
    assert problems == []
    context.close()


def test_a_lesson_page_sent_as_zstandard_frames_reads_and_works_in_the_browser(page, site):
    """The lesson page reaches Chromium as a stream of Zstandard frames (the page's texts
    compressed once, the person's name and form tokens each in a frame of its own): the
    browser shows all of it and the form's token, from its own frame, is accepted."""
    email = site.create_user("frames@example.org", name="Frame Reader")
    sign_in_page(page, email)
    answer = page.goto("/units/alpha/first-steps")
    assert answer.headers.get("content-encoding") == "zstd"
    assert page.get_by_role("heading", level=1).inner_text() == "First steps"
    assert "Frame Reader" in page.get_by_role("banner").inner_text()
    assert page.get_by_role("contentinfo").count() == 1  # in the last text, after the last value
    page.get_by_role("button", name="Mark as read and continue").click()
    page.wait_for_url("**/units/alpha/second-steps")
    page.goto("/units/alpha/first-steps")
    assert "You have read this lesson" in page.content()
