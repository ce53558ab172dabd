"""The front door in a real browser against gunicorn: a visitor who is not signed in sees what
the fixture course is, in its own name, mark and colours, and finds the ways in, at 1280 and
390 px (no axe-core violation of any impact, no sideways scroll), by keyboard and without
JavaScript."""

from __future__ import annotations

import pytest

from ..helpers import check_at_both_widths

pytestmark = pytest.mark.browser


def colour(page, selector: str, prop: str) -> str:
    return page.eval_on_selector(selector, f"(e) => getComputedStyle(e).{prop}")


def test_the_home_page_shows_the_course_in_its_own_name_mark_and_colours(page):
    page.goto("/")
    assert page.locator("h1").inner_text() == "Fixture Course"
    assert page.locator(".brand-mark").inner_text() == "FX"
    assert "A small course the tests run on." in page.locator(".site-footer").inner_text()
    assert colour(page, ".site-header", "backgroundColor") == "rgb(13, 59, 16)"  # dark: #0d3b10
    assert colour(page, ".button-primary", "backgroundColor") == "rgb(28, 94, 32)"  # main: #1c5e20
    assert colour(page, ".eyebrow", "color") == "rgb(142, 58, 89)"  # accent: #8e3a59
    facts = page.locator(".course-facts").inner_text()
    assert "Testers and the people who keep the platform running." in facts
    assert "About 1.5 hours of study" in facts and "certificate of completion" in facts
    assert page.get_by_role("link", name="help@fixture.example").get_attribute("href") == "mailto:help@fixture.example"
    check_at_both_widths(page, "home")


def test_a_visitor_reaches_sign_in_with_the_keyboard_alone(page):
    page.goto("/")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Sign in" and page.evaluate(
            "document.activeElement.classList.contains('button')"
        ):
            break
    else:
        raise AssertionError("Tab never reached the Sign in button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/login")
    assert "help@fixture.example" in page.locator("main").inner_text()


def test_the_home_page_works_without_javascript(chromium, site):
    context = chromium.new_context(base_url=site.url, java_script_enabled=False, viewport={"width": 390, "height": 900})
    try:
        page = context.new_page()
        page.goto("/")
        assert page.locator("h1").inner_text() == "Fixture Course"
        assert colour(page, ".site-header", "backgroundColor") == "rgb(13, 59, 16)"  # the colours need no script
        page.locator(".hero-status").get_by_role("link", name="Create account").click()
        page.wait_for_url("**/register")
        assert page.get_by_label("Email address").is_visible()
    finally:
        context.close()
