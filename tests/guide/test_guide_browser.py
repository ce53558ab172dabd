"""A trainer plans a workshop on /guide in a real browser (Debian's Chromium), downloads the
planned guide, and axe-core finds no serious or critical problem on the page."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pyotp
import pytest
import sqlalchemy as sa

from training.models import User

from ..browser.conftest import CHROMIUM, CHROMIUM_ARGS, assert_accessible, shot, site  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def in_browser(site, scenario: Callable) -> None:  # noqa: F811
    """Run a scenario in its own Chromium, on its own thread: the browser tests' session-wide
    Playwright may already own this thread's event loop."""
    failures: list[BaseException] = []

    def run() -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(
                    base_url=site.url, bypass_csp=True, viewport={"width": 1280, "height": 900}
                )
                try:
                    scenario(context.new_page())
                finally:
                    browser.close()
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def make_trainer(site, email: str) -> pyotp.TOTP:  # noqa: F811
    site.create_user(email, role="trainer", name="Tess Trainer")
    secret = pyotp.random_base32()
    engine = sa.create_engine(site.env["TRAINING_DATABASE_URL"])
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(User).where(User.email == email).values(totp_secret=secret))
    finally:
        engine.dispose()
    return pyotp.TOTP(secret)


def sign_in_trainer(page, email: str, totp: pyotp.TOTP) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/login/verify")
    page.get_by_label("Authentication code").fill(totp.now())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_trainer_plans_a_workshop_and_downloads_its_guide(site):  # noqa: F811
    totp = make_trainer(site, "tess@example.org")
    in_browser(site, lambda page: plan_and_download(page, totp))


def plan_and_download(page, totp: pyotp.TOTP) -> None:
    sign_in_trainer(page, "tess@example.org", totp)
    page.get_by_role("link", name="Trainer's guide", exact=True).click()
    page.wait_for_url("**/guide")
    assert page.get_by_role("heading", level=1, name="Trainer's guide").is_visible()
    assert_accessible(page)
    shot(page, "guide-page")

    page.get_by_label("1. Alpha unit").check()
    page.get_by_label("Number of days").fill("1")
    page.get_by_label("Start time").fill("08:30")
    page.get_by_label("Hours per day").fill("2")
    page.get_by_role("button", name="Plan the workshop").click()
    page.wait_for_url("**/guide?**")
    result = page.locator("#plan-result")
    assert "does not fit: over by" in result.inner_text()
    assert_accessible(page)
    page.locator(".planner").screenshot(path=str(shot(page, "guide-planner-over").with_name("guide-planner-form.png")))

    page.get_by_label("Hours per day").fill("6")
    page.get_by_role("button", name="Plan the workshop").click()
    assert "Your workshop fits" in page.locator("#plan-result").inner_text()
    assert page.locator("#unit-alpha").count() == 1 and page.locator("#unit-beta").count() == 0
    shot(page, "guide-planned")

    with page.expect_response(lambda r: "/guide.pdf?" in r.url) as response_info:
        page.get_by_role("button", name="Download the planned guide (PDF)").click()
    response = response_info.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert "trainers-guide-units-1-" in response.headers["content-disposition"]
