"""Browser tests: Debian's Chromium driven by Playwright against the real server.

The browser is never downloaded: Playwright launches /usr/bin/chromium (``make test``
installs the Debian package). axe-core comes from npm (``node_modules/axe-core``).
"""

from __future__ import annotations

import pytest

from ..helpers import CHROMIUM, CHROMIUM_ARGS, assert_accessible, shot  # noqa: F401 - the guide tests import these
from ..livesite import live_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:  # Playwright gives each launch a fresh profile
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with live_site(tmp_path_factory.mktemp("browser-site"), workers=2) as site:
        yield site


@pytest.fixture
def page(chromium, site):
    """A fresh browser context (cookies, storage) per test; CSP is bypassed only so that
    axe-core can be injected."""
    context = chromium.new_context(base_url=site.url, bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def browser_in(chromium, site):
    """``browser_in("fr-FR")``: a fresh page whose browser asks for that language
    (``Accept-Language``), in its own context, closed after the test."""
    contexts = []

    def open_page(locale: str):
        context = chromium.new_context(
            base_url=site.url, bypass_csp=True, locale=locale, viewport={"width": 1280, "height": 900}
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
