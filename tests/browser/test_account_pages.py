"""A learner's own account pages in a real browser against gunicorn: editing the profile, and
setting up two-step sign-in with the QR code read back by an independent decoder (zbarimg)
from a screenshot of the page. At 1280 and 390 px: no axe-core violation of any impact, no
sideways scroll; the profile also works without JavaScript."""

from __future__ import annotations

import subprocess
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest

from ..helpers import check_at_both_widths, sign_in_page

pytestmark = pytest.mark.browser


def test_a_learner_edits_their_profile(chromium, site):
    site.create_user("profile@example.org", name="Profile Person")
    context = chromium.new_context(base_url=site.url, bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in_page(page, "profile@example.org")
        page.goto("/account")
        page.get_by_role("link", name="Edit your profile").click()
        page.wait_for_url("**/account/profile")
        check_at_both_widths(page, "profile")
        page.get_by_label("Full name").fill("")
        page.get_by_role("button", name="Save your profile").click()
        assert "Enter a name." in page.locator("main").text_content()  # the form again, with the reason
        check_at_both_widths(page, "profile-error")
        page.get_by_label("Full name").fill("Profile Person-Diallo")
        page.get_by_label("Organisation or ministry").fill("Ministry of Labour")
        page.get_by_label("Country").select_option("SN")
        page.get_by_label("Time zone").select_option("Africa/Dakar")
        reminders = page.get_by_label("Email me reminders")
        assert reminders.is_checked() and page.get_by_label("Email me a weekly digest of my groups").count() == 0
        reminders.focus()
        page.keyboard.press("Space")  # by keyboard
        page.get_by_role("button", name="Save your profile").click()
        page.wait_for_url("**/account")
        facts = page.locator("main").text_content()
        assert "Profile Person-Diallo" in facts and "Ministry of Labour" in facts
        assert "Senegal" in facts and "Africa/Dakar" in facts
        check_at_both_widths(page, "account-after-profile")
        page.goto("/account/profile")
        assert not page.get_by_label("Email me reminders").is_checked()  # kept
    finally:
        context.close()
    without_js = chromium.new_context(base_url=site.url, java_script_enabled=False)
    try:
        page = without_js.new_page()
        sign_in_page(page, "profile@example.org")
        page.goto("/account/profile")
        page.get_by_label("Organisation or ministry").fill("Ministry of the Interior")
        page.get_by_role("button", name="Save your profile").click()
        page.wait_for_url("**/account")
        assert "Ministry of the Interior" in page.locator("main").text_content()
    finally:
        without_js.close()


def test_two_step_set_up_shows_a_qr_code_a_phone_can_read(chromium, site, tmp_path):
    site.create_user("qr@example.org", name="QR Person")
    context = chromium.new_context(base_url=site.url, bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in_page(page, "qr@example.org")
        page.goto("/account/two-step")
        check_at_both_widths(page, "two-step-set-up")
        key = page.locator("code.secret").text_content().strip()
        link = page.locator('a[href^="otpauth:"]')
        assert link.count() == 1
        href = link.get_attribute("href")

        for width in (1280, 390):  # what the camera sees, at both widths
            page.set_viewport_size({"width": width, "height": 900})
            image = tmp_path / f"qr-{width}.png"
            page.locator("img.qr").screenshot(path=str(image))
            decoded = subprocess.run(
                ["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True
            ).stdout.strip()
            assert decoded == href
        uri = urlsplit(decoded)
        query = parse_qs(uri.query)
        assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
        assert unquote(uri.path).endswith(":qr@example.org")
        assert query["secret"] == [key] and query["issuer"][0] in unquote(uri.path)

        code = page.get_by_label("Code from your authenticator app")
        assert code.get_attribute("inputmode") == "numeric"
        assert code.get_attribute("autocomplete") == "one-time-code"
        page.set_viewport_size({"width": 1280, "height": 900})
        code.fill(pyotp.TOTP(key).now())
        with page.expect_navigation():  # the recovery codes come in the form's answer
            page.get_by_role("button", name="Turn on two-step sign-in").click()
        assert "recovery" in page.locator("main").text_content().lower()
    finally:
        context.close()
    under_csp = chromium.new_context(base_url=site.url)  # the site's own Content-Security-Policy
    try:
        page = under_csp.new_page()
        site.create_user("qr2@example.org", name="QR Two")
        sign_in_page(page, "qr2@example.org")
        page.goto("/account/two-step")
        assert page.locator("img.qr").evaluate("img => img.complete && img.naturalWidth") > 100
    finally:
        under_csp.close()
