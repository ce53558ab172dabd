"""Browser tests: Debian's Chromium driven by Playwright against the real server.

The browser is never downloaded: Playwright launches /usr/bin/chromium (``make test``
installs the Debian package). axe-core comes from npm (``node_modules/axe-core``).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from ..conftest import ROOT
from ..livesite import live_site

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]

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


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:  # noqa: ANN001
    """Run axe-core on the current page; return the violations of the given impacts."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def assert_accessible(page) -> None:  # noqa: ANN001
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def login(page, email: str, password: str = "correct horse battery") -> None:  # noqa: ANN001
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def shot(page, name: str) -> Path:  # noqa: ANN001
    """Screenshots land in the test's temporary folder, for a person to look at."""
    folder = Path(tempfile.gettempdir()) / "training-screenshots"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
