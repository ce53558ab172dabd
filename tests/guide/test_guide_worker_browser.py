"""The page that waits for a PDF the guide worker has not typeset yet, in a real browser:
no axe-core violation of any impact and no sideways scroll at 1280 and 390 px; without
JavaScript it reloads itself, and "Check again" opens the PDF once ``training guide work``
has stored it."""

from __future__ import annotations

import pytest

from ..helpers import check_at_both_widths
from ..livesite import live_site
from .test_guide_browser import in_browser, make_trainer, sign_in_trainer

pytestmark = pytest.mark.browser

VARIANT = "/guide.pdf?units=alpha&days=1&hours=4.5"


@pytest.fixture(scope="module")
def worker_site(tmp_path_factory):
    env = {"TRAINING_GUIDE_WORKER": "true", "TRAINING_GUIDE_WAIT_REFRESH": "2"}
    with live_site(tmp_path_factory.mktemp("worker-site"), workers=1, extra_env=env) as site:
        yield site


def test_the_waiting_page_is_accessible_and_offers_the_pdf_when_ready_without_javascript(worker_site):
    totp = make_trainer(worker_site, "tess@example.org")

    def scenario(page) -> None:
        sign_in_trainer(page, "tess@example.org", totp)
        response = page.goto(VARIANT + "&refresh=off")  # still while axe-core reads it
        assert response.status == 202
        assert page.get_by_role("heading", level=1, name="Your PDF is being prepared").is_visible()
        assert "waiting its turn" in page.get_by_role("status").inner_text()
        check_at_both_widths(page, "guide-pdf-waiting")

        no_script = page.context.browser.new_context(
            base_url=worker_site.url, java_script_enabled=False, viewport={"width": 390, "height": 900}
        )
        no_script.add_cookies(page.context.cookies())  # the same person, signed in
        page = no_script.new_page()
        assert page.goto(VARIANT).status == 202
        with page.expect_response(lambda r: r.url.endswith(VARIANT), timeout=10_000) as reloaded:
            pass  # the page reloads itself
        assert reloaded.value.status == 202
        page.get_by_role("link", name="Stop checking automatically").click()
        page.wait_for_url("**refresh=off")
        worker_site.command("guide", "work", "--once")
        with page.expect_response(lambda r: "/guide.pdf?" in r.url) as answer:
            page.get_by_role("link", name="Check again").click()
        assert answer.value.status == 200 and answer.value.headers["content-type"] == "application/pdf"
        assert page.request.get(answer.value.url).body().startswith(b"%PDF")  # the bytes, not the viewer

    in_browser(worker_site, scenario)
