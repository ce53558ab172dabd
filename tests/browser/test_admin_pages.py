"""The administration and trainer pages in a real browser, with the demo cohort: axe-core finds
no serious or critical problem, the Content-Security-Policy blocks nothing (no inline style or
script), and the main flows work with the keyboard-reachable controls and without JavaScript."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from ..helpers import assert_accessible, check_at_both_widths, shot

pytestmark = pytest.mark.browser

ADMIN_PAGES = [
    "/admin/",
    "/admin/users",
    "/admin/users/new",
    "/admin/users/1/email",
    "/admin/users/1/invitation",
    "/admin/groups",
    "/admin/groups/1",
    "/admin/groups/1/attendance",
    "/admin/groups/new",
    "/admin/import",
    "/admin/reports",
    "/admin/reports/units",
    "/admin/reports/completion",
    "/admin/reports/organisations",
    "/admin/reports/countries",
    "/admin/reports/questions",
    "/admin/reports/print",
    "/admin/audit",
]
TRAINER_PAGES = [
    "/admin/",
    "/admin/groups/1",
    "/admin/groups/1/attendance",
    "/admin/reports",
    "/admin/reports/completion",
]


@pytest.fixture(scope="module")
def demo(site):
    """``training demo`` against the live site's database: its password and two-step secrets."""
    out = site.command("demo").stdout
    secrets = dict(re.findall(r"(\S+@demo\.example)\s.*two-step secret: (\w+)", out))
    return re.search(r"password: (\S+)", out).group(1), secrets


_steps: dict[str, int] = {}


def sign_in(page, email: str, password: str, secret: str) -> None:
    """Through the real forms, second step included; each sign-in uses a code not used before."""
    step = max(int(time.time() // 30), _steps.get(email, 0) + 1)
    _steps[email] = step
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).at(step * 30))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(lambda url: "/login" not in url)


def learner_links(page) -> list[str]:
    page.goto("/admin/groups/1")
    return [a.get_attribute("href") for a in page.locator('a[href^="/admin/learners/"]').all()]


@pytest.mark.parametrize("who, pages", [("admin", ADMIN_PAGES), ("trainer1", TRAINER_PAGES)])
def test_admin_pages_are_accessible(page, demo, who, pages):
    password, secrets = demo
    email = f"{who}@demo.example"
    sign_in(page, email, password, secrets[email])
    for path in [*pages, learner_links(page)[0]]:
        response = page.goto(path)
        assert response.status == 200, path
        assert_accessible(page)
    shot(page, f"admin-{who}-learner")


def test_no_csp_violations_or_script_errors_on_admin_pages(chromium, site, demo):
    password, secrets = demo
    context = chromium.new_context(base_url=site.url)  # CSP enforced
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"{page.url}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
    sign_in(page, "admin@demo.example", password, secrets["admin@demo.example"])
    for path in [*ADMIN_PAGES, learner_links(page)[0]]:
        page.goto(path)
    problems = [p for p in problems if "favicon" not in p]
    assert problems == []
    context.close()


def test_trainer_records_attendance_without_javascript(chromium, site, demo):
    password, secrets = demo
    context = chromium.new_context(base_url=site.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "trainer1@demo.example", password, secrets["trainer1@demo.example"])
    page.goto("/admin/groups/1")
    page.get_by_role("link", name="Record attendance").click()
    page.get_by_label("Unit", exact=True).select_option(index=2)
    page.get_by_role("group", name="Learners present").get_by_role("checkbox").first.check()
    page.get_by_label("Mark the unit complete for the learners present").check()
    page.get_by_role("button", name="Record attendance").click()
    page.wait_for_url("**/admin/groups/1")
    assert "Attendance recorded for 1 learner." in page.content()
    shot(page, "admin-group-matrix")
    context.close()


def test_erasing_an_account_asks_for_its_address_first(page, demo):
    """The confirmation step at both widths; a wrong address erases nothing and says so."""
    password, secrets = demo
    sign_in(page, "admin@demo.example", password, secrets["admin@demo.example"])
    learner_id = learner_links(page)[0].split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    page.goto(f"/admin/users/{learner_id}")
    page.get_by_role("link", name="Erase the account and its personal data").click()
    page.wait_for_url(f"**/admin/users/{learner_id}/erase")
    check_at_both_widths(page, "admin-erase")
    page.get_by_label("Type the person's email address to confirm").fill("someone-else@demo.example")
    page.get_by_role("button", name="Erase the account").click()
    assert "The address you typed is not this account's." in page.locator("main").text_content()
    check_at_both_widths(page, "admin-erase-refused")
    page.goto(f"/admin/users/{learner_id}")
    assert "Erased account" not in page.locator("main").text_content()
