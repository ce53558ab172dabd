"""Reading offline in a real browser: Debian's Chromium, the real server on 127.0.0.1 (a
service worker needs a real HTTP origin), and the network switched off with Playwright's
``context.set_offline``. What the server counted is read back from its database."""

from __future__ import annotations

import re
import shutil

import pytest
import sqlalchemy as sa

from ..helpers import CHROMIUM, CHROMIUM_ARGS, MINIMAL, axe_violations, shot
from ..helpers import sign_in_page as login
from ..livesite import free_port, live_site

pytestmark = pytest.mark.browser

ALPHA_LESSONS = {"/units/alpha/first-steps": "First steps", "/units/alpha/second-steps": "Second steps"}
EVERY_IMPACT = ("minor", "moderate", "serious", "critical")


@pytest.fixture
def context(chromium, site):
    context = chromium.new_context(base_url=site.url, bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield context
    context.close()


def rows(site, query: str, **params) -> list:
    engine = sa.create_engine(site.env["TRAINING_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(query), params))
    finally:
        engine.dispose()


def user_id(site, email: str) -> int:
    return rows(site, 'SELECT id FROM "user" WHERE email = :e', e=email)[0][0]


def lessons_read(site, email: str) -> list:
    """(lesson, read at) of each lesson the server counted as read for this learner."""
    query = (
        "SELECT lesson_id, completed_at FROM lesson_progress"
        " WHERE completed_at IS NOT NULL AND user_id = :u ORDER BY lesson_id"
    )
    return rows(site, query, u=user_id(site, email))


def lessons_opened(site, email: str) -> int:
    return rows(site, "SELECT count(*) FROM lesson_progress WHERE user_id = :u", u=user_id(site, email))[0][0]


def progress_requests(site, email: str) -> list:
    query = "SELECT idempotency_key, lesson_id FROM progress_request WHERE user_id = :u ORDER BY lesson_id"
    return rows(site, query, u=user_id(site, email))


def controlled(page) -> None:
    """Wait until the service worker is active and controls the page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # Polled on a timer: animation frames (the default) are not always delivered to a page of
    # a persistent profile, where the check then never ran again.
    page.wait_for_function(
        """async () => {
            const registration = await navigator.serviceWorker.getRegistration();
            return navigator.serviceWorker.controller !== null
                && !!registration && !registration.installing && !registration.waiting;
        }""",
        polling=100,
    )


def update_worker(page) -> None:
    """Wait until the service worker the server serves now is the one in control.

    The server's worker changes with the content (its offline pages do), and the browser
    installs the new one by itself after the next page. ``registration.update()`` resolving
    says nothing about where that stands: the new version may still be installing, installed
    and not yet active, or already in control. Waiting for "nothing installing" therefore
    passed too early, and the test went offline in the middle of the swap: the new version's
    offline pages failed to download (it was thrown away), or the page was left with the old
    version while the new one waited to take over, and the offline navigation hung. So wait
    for the new version's own cache (named after the worker's text) and for it to control
    the page, with nothing left installing or waiting.
    """
    shell = page.evaluate(
        r"""async () => {
            const text = await (await fetch("/sw.js", { cache: "no-store" })).text();
            const version = /var SHELL = "training-shell-" \+ "([^"]+)"/.exec(text)[1];
            const registration = await navigator.serviceWorker.getRegistration();
            await registration.update();
            return "training-shell-" + version;
        }"""
    )
    page.wait_for_function(
        """async (shell) => {
            const registration = await navigator.serviceWorker.getRegistration();
            const names = await caches.keys();
            return registration.active && registration.active.state === "activated"
                && !registration.installing && !registration.waiting
                && navigator.serviceWorker.controller === registration.active
                && names.includes(shell) && !names.some((n) => n.startsWith("training-shell-") && n !== shell);
        }""",
        arg=shell,
    )


def save_unit(page, unit: str = "alpha") -> str:
    """Save a unit from its page; returns the size the page showed before saving."""
    page.goto(f"/units/{unit}")
    controlled(page)
    page.get_by_role("button", name="Save this unit for offline use").click()
    size = page.locator(".offline-save [data-part=size]")
    size.filter(has_text="on this device").wait_for()
    size = size.inner_text()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("text=Saved on this device on")
    return size


def status_text(page) -> str:
    region = page.locator("#offline-status")
    page.wait_for_function("document.getElementById('offline-status') !== null")
    return region.inner_text() if region.is_visible() else ""


def wait_status(page, text: str) -> None:
    page.wait_for_function(
        "t => { const s = document.getElementById('offline-status');"
        " return s && !s.hidden && s.innerText.includes(t); }",
        arg=text,
    )


def test_save_read_offline_mark_two_read_and_count_them_once(context, site):
    email = site.create_user("bus@example.org", name="Bus Rider")
    page = context.new_page()
    login(page, email)
    size = save_unit(page)
    assert re.search(r"about \d+ kB on this device", size), size
    # saving is not reading: no lesson was counted as opened by the save
    assert lessons_opened(site, email) == 0

    context.set_offline(True)
    for path, title in ALPHA_LESSONS.items():
        page.goto(path)
        assert page.get_by_role("heading", level=1).inner_text() == title
        wait_status(page, "You are offline")
    page.goto("/units/alpha")
    assert page.get_by_role("heading", level=1).inner_text() == "Alpha unit"
    page.goto("/")  # the course map was saved with it
    assert page.get_by_role("link", name=re.compile("Alpha unit")).count() >= 1

    page.goto("/units/alpha/first-steps")
    page.get_by_role("button", name="Mark as read and continue").click()
    page.wait_for_url("**/units/alpha/second-steps")
    wait_status(page, "1 lesson you marked as read on this device is waiting to be sent")
    page.get_by_role("button", name=re.compile("Mark as read")).click()
    page.wait_for_url("**/units/alpha")
    wait_status(page, "2 lessons you marked as read on this device are waiting to be sent")
    shot(page, "offline-queued")
    assert lessons_read(site, email) == []

    context.set_offline(False)  # the page notices the connection is back and sends the queue
    wait_status(page, "2 lessons you marked as read while offline have now been counted")
    counted = lessons_read(site, email)
    assert [r[0] for r in counted] == ["first-steps", "second-steps"]
    keys = progress_requests(site, email)
    assert len(keys) == 2

    # A forced resend of the same two requests (as after an answer lost on the way back):
    # put them back in the device's queue and let the next page send them again.
    page.evaluate(
        """async ([account, keys]) => {
            for (const [key, lesson] of keys) {
                await TrainingOffline.enqueue(account, {key, unit: "alpha", lesson, queued_at: Date.now()});
            }
        }""",
        [page.get_attribute('meta[name="offline-account"]', "content"), [list(k) for k in keys]],
    )
    page.goto("/dashboard")
    wait_status(page, "2 lessons you marked as read while offline have now been counted")
    assert progress_requests(site, email) == keys
    assert lessons_read(site, email) == counted  # same rows, same times: the resend changed nothing
    assert (
        page.evaluate(
            "async (a) => (await TrainingOffline.queued(a)).length",
            page.get_attribute('meta[name="offline-account"]', "content"),
        )
        == 0
    )
    assert "33%" in page.locator(".stat-value").first.inner_text()  # 2 of 4 lessons and 2 quizzes


def test_sign_out_then_another_learner_reaches_nothing_of_the_first(context, site):
    first = site.create_user("first@example.org", name="First Learner")
    second = site.create_user("second@example.org", name="Second Learner")
    page = context.new_page()
    login(page, first)
    save_unit(page)
    first_account = page.get_attribute('meta[name="offline-account"]', "content")
    context.set_offline(True)
    page.goto("/units/alpha/first-steps")
    page.get_by_role("button", name="Mark as read and continue").click()
    page.wait_for_url("**/units/alpha/second-steps")
    wait_status(page, "1 lesson you marked as read")

    # Signing out without a connection: the device forgets at once, and says that the
    # session itself ends only with a connection.
    page.get_by_role("button", name="Sign out").click()
    wait_status(page, "Your saved units and unsent lessons were removed from this device")
    names = page.evaluate("caches.keys()")
    assert not [n for n in names if first_account in n], names

    context.set_offline(False)
    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    login(page, second)
    controlled(page)
    second_account = page.get_attribute('meta[name="offline-account"]', "content")
    assert second_account != first_account
    context.set_offline(True)
    for path in [*ALPHA_LESSONS, "/units/alpha"]:
        page.goto(path)
        assert page.get_by_role("heading", level=1).inner_text() == "You are offline"
        assert "First Learner" not in page.content()
    assert page.locator("[data-offline-list] li").count() == 0
    assert status_text(page).find("waiting to be sent") == -1
    assert page.evaluate("async (a) => (await TrainingOffline.queued(a)).length", first_account) == 0
    context.set_offline(False)
    page.goto("/")
    # the first learner's queued "mark as read" was never sent, in either session
    assert lessons_read(site, first) == [] and lessons_read(site, second) == []


def test_online_sign_out_clears_and_a_new_account_drops_pages_left_behind(context, site):
    first = site.create_user("left@example.org", name="Left Behind")
    second = site.create_user("next@example.org", name="Next Person")
    page = context.new_page()
    login(page, first)
    save_unit(page)
    first_account = page.get_attribute('meta[name="offline-account"]', "content")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    assert not [n for n in page.evaluate("caches.keys()") if first_account in n]

    # A session that ended without signing out (the phone was handed on): the next account
    # to sign in drops the pages left behind before it can see them.
    login(page, first)
    save_unit(page)
    context.clear_cookies()
    login(page, second)
    page.wait_for_function(
        "a => caches.keys().then(ns => !ns.some(n => n.includes(a) && !n.startsWith('training-queue')))",
        arg=first_account,
    )
    context.set_offline(True)
    page.goto("/units/alpha/first-steps")
    assert page.get_by_role("heading", level=1).inner_text() == "You are offline"
    assert "Left Behind" not in page.content()


@pytest.fixture
def own_content(tmp_path):
    """A copy of the test course that a test may edit, served on a port kept across restarts."""
    content = tmp_path / "content"
    shutil.copytree(MINIMAL, content)
    return content


def test_a_content_update_refreshes_the_saved_copy_and_says_so(chromium, tmp_path, own_content):
    port = free_port()
    context = chromium.new_context(base_url=f"http://127.0.0.1:{port}", bypass_csp=True)
    try:
        with live_site(tmp_path / "before", content=own_content, port=port) as site:
            email = site.create_user("update@example.org", name="Update Reader")
            page = context.new_page()
            login(page, email)
            save_unit(page)
        lesson = own_content / "modules" / "01-alpha" / "01-first-steps.md"
        lesson.write_text(lesson.read_text().replace("## Moving on", "A sentence added by the update.\n\n## Moving on"))
        with live_site(tmp_path / "after", content=own_content, port=port) as site:
            site.create_user("update@example.org", name="Update Reader")
            context.clear_cookies()
            login(page, email)
            wait_status(page, "“Alpha unit” has changed since you saved it: the copy on this device has been updated.")
            shot(page, "offline-refreshed")
            # The page that saved the unit may still be reading responses the old worker is
            # serving; a fresh page leaves the old worker with nothing to finish, so the new
            # one can take over.
            page.close()
            page = context.new_page()
            page.goto("/")
            update_worker(page)  # the new server's service worker (its offline page changed) is in place
            context.set_offline(True)
            page.goto("/units/alpha/first-steps", wait_until="commit")
            page.get_by_text("A sentence added by the update.").wait_for()
            context.set_offline(False)
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_offline_pages_and_notices_are_accessible(chromium, site, width):
    context = chromium.new_context(base_url=site.url, bypass_csp=True, viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        email = site.create_user(f"axe{width}@example.org")
        login(page, email)
        save_unit(page)

        def check(name: str) -> None:
            assert axe_violations(page, EVERY_IMPACT) == [], name
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
                f"{name}: sideways scroll"
            )
            shot(page, f"offline-{name}-{width}")

        check("unit-saved")
        page.goto("/saved")
        page.wait_for_selector("[data-offline-list] li")
        check("saved-list")
        context.set_offline(True)
        page.goto("/units/beta")  # not saved
        assert page.get_by_role("heading", level=1).inner_text() == "You are offline"
        page.wait_for_selector("[data-offline-list] li")
        check("offline-page")
        page.goto("/units/alpha/first-steps")
        page.get_by_role("button", name="Mark as read and continue").click()
        page.wait_for_url("**/second-steps")
        wait_status(page, "waiting to be sent")
        check("notice-queued")
        context.set_offline(False)
        wait_status(page, "1 lesson you marked as read while offline has now been counted")
        check("notice-sent")
    finally:
        context.close()


def test_chromium_finds_the_app_installable(chromium, site, tmp_path):
    """Chromium's own check (the one behind its "Install" menu item and Lighthouse's audit),
    in a normal profile: an incognito-like context is never installable."""
    context = chromium.browser_type.launch_persistent_context(
        tmp_path / "profile",
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        base_url=site.url,
        # the page's CSP forbids eval, which Playwright's polling wait_for_function uses
        bypass_csp=True,
    )
    try:
        page = context.new_page()
        login(page, site.create_user("install@example.org"))
        controlled(page)
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == []
        assert manifest["url"].endswith("/manifest.webmanifest")
    finally:
        context.close()


def test_quiz_answers_typed_while_offline_are_restored(context, site):
    page = context.new_page()
    login(page, site.create_user("quizbus@example.org"))
    controlled(page)
    page.goto("/quizzes/alpha-quiz")
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_role("group", name="Question 1").get_by_label("Beta").check()
    page.wait_for_selector("text=Answers saved")
    context.set_offline(True)
    page.get_by_role("group", name="Question 1").get_by_label("Alpha").check()
    page.get_by_label("Your answer").fill("stride")
    page.get_by_label("Your answer").dispatch_event("change")
    page.wait_for_selector("text=You seem to be offline")
    context.set_offline(False)
    page.reload()
    # Back online, the kept answers are either saved by the quiz script before the reload or
    # restored from the device after it: either way the learner finds what they typed.
    page.wait_for_function("document.querySelector('input[type=text]')?.value === 'stride'")
    assert page.get_by_role("group", name="Question 1").get_by_label("Alpha").is_checked()
    assert page.get_by_label("Your answer").input_value() == "stride"


def test_without_javascript_nothing_offline_shows_and_reading_works(chromium, site):
    context = chromium.new_context(base_url=site.url, java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, site.create_user("plain@example.org"))
        page.goto("/units/alpha")
        assert not page.get_by_role("button", name="Save this unit for offline use").is_visible()
        assert page.get_by_role("link", name="Download the unit's lessons as a PDF").is_visible()
        page.goto("/")
        assert not page.get_by_role("button", name="Save the whole course for offline use").is_visible()
        page.goto("/units/alpha/first-steps")
        page.get_by_role("button", name="Mark as read and continue").click()
        page.wait_for_url("**/units/alpha/second-steps")
        page.goto("/saved")
        assert "Saving units on this device needs JavaScript" in page.content()
    finally:
        context.close()
