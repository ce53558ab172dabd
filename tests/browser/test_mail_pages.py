"""The pages people reach from an email, in a real browser against gunicorn and a real SMTP
server: asking for a reset link and choosing a new password, accepting an invitation. At
1280 and 390 px: no axe-core violation of any impact, no sideways scroll; done with the
keyboard alone, and again without JavaScript."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ..helpers import check_at_both_widths
from ..livesite import live_site
from ..mailserver import link_in, path_of, smtp_server

pytestmark = pytest.mark.browser

CHOSEN = "a passphrase of my own"


@pytest.fixture(scope="module")
def mail_site(tmp_path_factory):
    with smtp_server() as smtp, live_site(tmp_path_factory.mktemp("mail-site"), extra_env=smtp.env) as site:
        yield site, smtp


def mailed_path(site, smtp, address: str, path: str) -> str:
    site.command("mail", "send-pending")
    return path_of(link_in(smtp.inbox.wait_for(address)[-1], path))


def focused_name(page) -> str:
    return page.evaluate("document.activeElement.name || document.activeElement.textContent.trim()")


def tab_to(page, name: str, limit: int = 30) -> None:
    """Move the focus with the Tab key alone until it reaches the control named ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_name(page) == name:
            return
    raise AssertionError(f"Tab never reached {name!r} on {page.url}")


def choose_password_by_keyboard(page) -> None:
    tab_to(page, "password")
    page.keyboard.type(CHOSEN)
    tab_to(page, "confirm")
    page.keyboard.type(CHOSEN)
    page.keyboard.press("Enter")


def test_a_forgotten_password_is_reset_with_the_keyboard_alone(chromium, mail_site):
    site, smtp = mail_site
    site.create_user("reset@example.org", name="Reset Person")
    context = chromium.new_context(base_url=site.url, bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto("/login")
        page.get_by_role("link", name="Forgot your password?").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/password/forgot")
        check_at_both_widths(page, "password-forgot")
        tab_to(page, "email")
        page.keyboard.type("reset@example.org")
        with page.expect_navigation():  # the form's answer, after its fixed delay
            page.keyboard.press("Enter")
        assert "reset@example.org" in page.locator("main").text_content()
        check_at_both_widths(page, "password-forgot-sent")

        page.goto(mailed_path(site, smtp, "reset@example.org", "/password/reset/"))
        check_at_both_widths(page, "password-reset")
        choose_password_by_keyboard(page)
        page.wait_for_url("**/login")
        check_at_both_widths(page, "password-reset-done")
    finally:
        context.close()
    with_js_off = chromium.new_context(base_url=site.url, java_script_enabled=False)
    try:
        page = with_js_off.new_page()
        page.goto("/login")
        page.get_by_label("Email address").fill("reset@example.org")
        page.get_by_label("Password").fill(CHOSEN)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)
    finally:
        with_js_off.close()


def test_an_invitation_is_accepted_without_javascript_and_with_the_keyboard(chromium, mail_site, tmp_path):
    site, smtp = mail_site
    roster = tmp_path / "cohort.csv"
    roster.write_text("email,name\nnew.one@example.org,New One\nnew.two@example.org,New Two\n", encoding="utf-8")
    assert "Invitations queued for 2" in site.command("users", "import", str(roster)).stdout

    with_js_off = chromium.new_context(base_url=site.url, java_script_enabled=False)
    try:
        page = with_js_off.new_page()
        page.goto(mailed_path(site, smtp, "new.one@example.org", "/invitation/"))
        assert "new.one@example.org" in page.locator("main").text_content()
        page.get_by_label("New password", exact=True).fill(CHOSEN)
        page.get_by_label("Repeat the new password").fill(CHOSEN)
        page.get_by_role("button", name="Save my password").click()
        page.wait_for_url(lambda url: "/invitation/" not in url)
        assert page.get_by_role("heading", level=2, name="Units").is_visible()  # signed in, on the course
    finally:
        with_js_off.close()

    context = chromium.new_context(base_url=site.url, bypass_csp=True, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        path = mailed_path(site, smtp, "new.two@example.org", "/invitation/")
        page.goto(path)
        check_at_both_widths(page, "invitation")
        choose_password_by_keyboard(page)
        page.wait_for_url(lambda url: "/invitation/" not in url)
        page.goto(path)  # used: the page that offers a new link
        check_at_both_widths(page, "link-invalid")
        assert "This link does not work" in page.locator("h1").text_content()
    finally:
        context.close()


def test_the_unsubscribe_page_works_without_signing_in_by_keyboard_and_without_javascript(chromium, mail_site):
    import sqlalchemy as sa

    site, smtp = mail_site
    site.create_users(["quiet.one@example.org", "quiet.two@example.org"], name="Quiet Learner")
    engine = sa.create_engine(site.env["TRAINING_DATABASE_URL"])
    try:
        with engine.begin() as conn:  # a running group; its learners registered ten days ago, never active
            conn.execute(
                sa.text("UPDATE \"user\" SET created_at = :t WHERE email LIKE 'quiet.%'"),
                {"t": datetime.now(UTC) - timedelta(days=10)},
            )
            conn.execute(
                sa.text("INSERT INTO \"group\" (name, description, created_at) VALUES ('Quiet', '', :t)"),
                {"t": datetime.now(UTC)},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO membership (group_id, user_id, role) SELECT g.id, u.id, 'learner' "
                    "FROM \"group\" g, \"user\" u WHERE g.name = 'Quiet' AND u.email LIKE 'quiet.%'"
                )
            )
    finally:
        engine.dispose()
    site.command("notify")

    context = chromium.new_context(base_url=site.url, bypass_csp=True, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(mailed_path(site, smtp, "quiet.one@example.org", "/unsubscribe/"))
        check_at_both_widths(page, "unsubscribe")
        tab_to(page, "Send me no more of these")
        page.keyboard.press("Enter")
        page.get_by_role("status").wait_for()
        check_at_both_widths(page, "unsubscribed")
        assert "will receive no more reminders" in page.locator("main").text_content()
    finally:
        context.close()

    with_js_off = chromium.new_context(base_url=site.url, java_script_enabled=False)
    try:
        page = with_js_off.new_page()
        page.goto(mailed_path(site, smtp, "quiet.two@example.org", "/unsubscribe/"))
        page.get_by_role("button", name="Send me no more of these").click()
        assert "will receive no more reminders" in page.get_by_role("status").text_content()
    finally:
        with_js_off.close()
    assert "Queued: nudges 0," in site.command("notify").stderr  # both unsubscribed: nothing more
