"""A learner finishes the course in a real browser and lands on the completion page; a
stranger checks the certificate on the public verification page. Both pages, and the code
form's error, at 1280 and 390 px: no axe-core violation of any impact, no sideways scroll,
usable by keyboard alone and without JavaScript."""

from __future__ import annotations

import re

import pytest

from ..helpers import sign_in_page
from ..livesite import live_site
from .test_languages_browser import check_at_both_widths
from .test_learner_journey import answer_everything_right

pytestmark = pytest.mark.browser

BETA_LESSONS = ("only-lesson", "beta-two")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("certificate-site")
    with live_site(folder, workers=1, extra_env={"TRAINING_ISSUER_KEYS_DIR": str(folder / "keys")}) as site:
        site.command("keys", "create")
        yield site


def finish_the_course(page) -> None:
    for lesson in ("first-steps", "second-steps"):
        page.goto(f"/units/alpha/{lesson}")
        page.get_by_role("button", name="Mark as read").click()
    page.wait_for_url("**/quizzes/alpha-quiz")
    page.get_by_role("button", name="Start the quiz").click()
    answer_everything_right(page)
    page.get_by_role("button", name="Review and submit").click()
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url("**/attempts/1")
    for lesson in BETA_LESSONS:
        page.goto(f"/units/beta/{lesson}")
        page.get_by_role("button", name="Mark as read").click()
    page.wait_for_url("**/quizzes/beta-quiz")
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_role("group", name="Question 1").get_by_label("The second letter").check()
    page.get_by_role("group", name="Question 2").get_by_label("True").check()
    page.get_by_role("button", name="Review and submit").click()
    page.get_by_role("button", name="Submit for grading").click()


def test_finishing_the_course_leads_to_the_completion_page_and_a_stranger_verifies_it(chromium, site):
    email = site.create_user("finisher@example.org", name="Zoë <i>Ağaoğlu</i>-Mwangi Wolfeschlegelsteinhausen")
    context = chromium.new_context(
        base_url=site.url, bypass_csp=True, viewport={"width": 1280, "height": 900}, java_script_enabled=True
    )
    page = context.new_page()
    sign_in_page(page, email)
    finish_the_course(page)
    page.wait_for_url("**/completed")
    assert page.get_by_role("heading", level=1).inner_text() == "You have completed the course"
    assert page.get_by_role("link", name="Download the certificate (PDF, A4)").is_visible()
    check_at_both_widths(page, "completion")
    verify = page.locator("a[href*='/verify/']").first.get_attribute("href")
    assert verify and re.search(r"/verify/[0-9A-Z]{20}$", verify)

    # The evaluation, from the completion page: sent empty, then answered by keyboard alone.
    page.get_by_role("link", name="Tell us what you thought of the course").click()
    page.wait_for_url("**/evaluation")
    check_at_both_widths(page, "evaluation")
    page.get_by_role("button", name="Send my answers").click()
    assert "Answer at least one question" in page.locator(".error-summary").inner_text()
    check_at_both_widths(page, "evaluation-error")
    page.get_by_role("radio", name="4").first.focus()
    page.keyboard.press("Space")
    page.get_by_label("What one change would make the course better?").focus()
    page.keyboard.type("More <em>examples</em>")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="You have answered this evaluation").is_visible()
    context.close()

    # A stranger, without JavaScript, follows the address and types the code by keyboard.
    stranger = chromium.new_context(
        base_url=site.url, bypass_csp=True, viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = stranger.new_page()
    page.goto(verify)
    assert page.get_by_role("heading", level=2).first.inner_text().startswith("Valid")
    assert "Zoë <i>Ağaoğlu</i>-Mwangi" in page.locator("main").inner_text()
    stranger.close()
    checker = chromium.new_context(base_url=site.url, bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = checker.new_page()
    page.goto(verify)
    check_at_both_widths(page, "verify-valid")
    code = verify.rsplit("/", 1)[1]
    page.goto("/verify")
    page.get_by_label("Verification code").focus()
    page.keyboard.type(code.lower())
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/verify/{code[:5]}-*")
    assert page.get_by_role("heading", level=2).first.inner_text().startswith("Valid")
    page.goto("/verify?code=not-a-code")
    assert "This is not a verification code" in page.content()
    check_at_both_widths(page, "verify-invalid")
    page.goto("/verify/ABCDE-FGHJK-MNPQR-STVWX")
    assert page.get_by_role("heading", level=2).first.inner_text().startswith("Unknown")
    check_at_both_widths(page, "verify-unknown")
    checker.close()
