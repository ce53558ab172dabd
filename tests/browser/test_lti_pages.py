"""The LTI pages in Chromium against the real server, launched by the independent test
platform: the Deep Linking page and its return page, the refusal page and the registration
page pass axe-core (every impact) at 1280 and 390 px without sideways scrolling, and work
with the keyboard and without JavaScript."""

from __future__ import annotations

import re

import pytest
import requests

from ..helpers import axe_violations, shot
from ..interop.lti_platform import INSTRUCTOR, NextLaunch, Person, RunningPlatform, login_query
from ..livesite import live_site
from .test_admin_pages import sign_in

pytestmark = pytest.mark.browser
WIDTHS = (1280, 390)
ALL_IMPACTS = ("minor", "moderate", "serious", "critical")


@pytest.fixture(scope="module")
def lti_site(tmp_path_factory):
    with RunningPlatform() as platform, live_site(tmp_path_factory.mktemp("lti-site"), workers=2) as site:
        platform.tool_redirect_uris = [f"{site.url}/lti/launch"]
        site.command(
            "lti", "register", "--name", "Ministry Moodle", "--issuer", platform.issuer,
            "--client-id", platform.client_id, "--auth-login-url", f"{platform.url}/auth",
            "--auth-token-url", f"{platform.url}/token", "--key-set-url", f"{platform.url}/jwks",
            "--deployment", platform.deployment_id,
        )  # fmt: skip
        platform.tool_jwks = requests.get(f"{site.url}/lti/jwks", timeout=10).json()
        yield site, platform


def check(page, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert axe_violations(page, ALL_IMPACTS) == [], (name, width)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (name, width)
        shot(page, f"{name}-{width}")


@pytest.mark.parametrize("javascript", [True, False])
def test_an_instructor_places_a_unit_with_the_keyboard(chromium, lti_site, javascript):
    site, platform = lti_site
    teacher = Person("teacher-7", "Teresa Okafor", [INSTRUCTOR])
    platform.next_launch = NextLaunch(teacher, "LtiDeepLinkingRequest", f"{site.url}/lti/launch")
    context = chromium.new_context(base_url=site.url, bypass_csp=javascript, java_script_enabled=javascript)
    page = context.new_page()
    try:
        page.goto(f"/lti/login?{login_query(platform, f'{site.url}/lti/launch')}")
        page.get_by_role("button", name="Continue").click()  # the platform's form, posting to the tool
        page.wait_for_url("**/lti/deep-link")
        if javascript:
            check(page, "lti-deep-link")
        page.keyboard.press("Tab")
        for _ in range(40):  # to the first unit's checkbox, with the keyboard alone
            if page.evaluate("document.activeElement.value") == "alpha":
                break
            page.keyboard.press("Tab")
        page.keyboard.press("Space")
        page.get_by_role("button", name="Add to my course").focus()
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Ready to add to your course").wait_for()
        if javascript:
            check(page, "lti-deep-link-return")
        before = len(platform.deep_link_responses)
        page.get_by_role("button", name="Return to Ministry Moodle").click()
        page.get_by_text("Content placed in the course.").wait_for()
        items = platform.deep_link_responses[before]["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
        assert [item["url"] for item in items] == [f"{site.url}/units/alpha"]
    finally:
        context.close()


def test_an_empty_choice_is_explained(chromium, lti_site):
    site, platform = lti_site
    platform.next_launch = NextLaunch(
        Person("teacher-8", "T", [INSTRUCTOR]), "LtiDeepLinkingRequest", f"{site.url}/lti/launch"
    )
    context = chromium.new_context(base_url=site.url, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"/lti/login?{login_query(platform, f'{site.url}/lti/launch')}")
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url("**/lti/deep-link")
        page.get_by_role("button", name="Add to my course").click()
        page.get_by_text("Choose at least one.").first.wait_for()
        check(page, "lti-deep-link-error")
    finally:
        context.close()


def test_a_refused_launch_says_what_to_do(chromium, lti_site):
    site, platform = lti_site
    context = chromium.new_context(base_url=site.url, bypass_csp=True)
    page = context.new_page()
    try:
        response = page.goto("/lti/login?iss=https%3A%2F%2Funknown.example.org&login_hint=x&target_link_uri=x")
        assert response.status == 400
        page.get_by_role("heading", name="The course could not open").wait_for()
        check(page, "lti-refused")
    finally:
        context.close()


def test_the_registration_pages(chromium, lti_site):
    site, _platform = lti_site
    out = site.command("demo").stdout
    password = re.search(r"password: (\S+)", out).group(1)
    admin, secret = re.search(r"admin\s+(\S+@demo\.example)\s.*two-step secret: (\w+)", out).groups()
    context = chromium.new_context(base_url=site.url, bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, admin, password, secret)
        page.goto("/admin/lti")
        page.get_by_role("heading", name="LMS connections (LTI 1.3)").wait_for()
        assert "Ministry Moodle" in page.content()
        check(page, "admin-lti")
        page.get_by_role("button", name="Make a registration link").click()
        page.get_by_role("heading", name="Registration link").wait_for()
        assert "/lti/register/" in page.content()
        check(page, "admin-lti-link")
        page.goto("/admin/lti/new")
        page.get_by_role("heading", name="Register a learning platform").wait_for()
        check(page, "admin-lti-new")
        page.get_by_role("button", name="Register the platform").click()
        page.get_by_text("Please check the form").wait_for()
        check(page, "admin-lti-new-errors")
        page.goto("/admin/lti")
        page.get_by_role("link", name="Turn off (Ministry Moodle)").click()
        page.get_by_role("heading", name="Turn the platform off").wait_for()
        check(page, "admin-lti-off")
        page.get_by_role("button", name="Turn off").click()
        page.get_by_text("Ministry Moodle is turned off").wait_for()
        check(page, "admin-lti-list-off")
        page.get_by_role("link", name="Turn on (Ministry Moodle)").click()
        page.get_by_role("button", name="Turn on").click()
        page.get_by_text("Ministry Moodle can launch the course again").wait_for()
    finally:
        context.close()
