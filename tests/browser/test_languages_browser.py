"""The course in French and Spanish, and a right-to-left page, in a real browser: every page
at 1280 and 390 px wide with no axe-core violation of any impact and no sideways scroll; the
language switch works with the keyboard alone."""

from __future__ import annotations

import json

import pytest

from ..helpers import check_at_both_widths
from ..livesite import live_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    # Arabic is offered here only to show a right-to-left page; it has no catalogue, so its
    # messages are the English ones.
    languages = json.dumps(["en", "fr", "es", "ar"])
    with live_site(tmp_path_factory.mktemp("languages-site"), extra_env={"TRAINING_LANGUAGES": languages}) as site:
        yield site


def test_a_french_learner_signs_in_reads_and_sees_progress(browser_in, site):
    email = site.create_user("amadou@example.org", name="Amadou Diallo")
    page = browser_in("fr-FR")  # the browser asks for French: Accept-Language fr-FR
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "fr"
    check_at_both_widths(page, "fr-login")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill("correct horse battery")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.get_by_role("heading", level=2, name="Unités").is_visible()
    check_at_both_widths(page, "fr-course-map")
    page.get_by_role("link", name="Commencer le cours").click()
    page.wait_for_url("**/units/alpha/first-steps")
    assert "Leçon 1 sur 2" in page.locator(".eyebrow").text_content()
    check_at_both_widths(page, "fr-lesson")
    page.get_by_role("button", name="Marquer comme lue et continuer").click()
    page.wait_for_url("**/units/alpha/second-steps")
    page.get_by_role("link", name="Ma progression").click()
    assert (
        page.locator(".stat-value").first.inner_text() == "16\u00a0%"
    )  # 1 item of 6 done (rounded down), written the French way
    check_at_both_widths(page, "fr-dashboard")


def test_a_spanish_quiz_page(browser_in, site):
    email = site.create_user("lucia@example.org", name="Lucía Pérez")
    page = browser_in("es-ES")
    page.goto("/login")
    page.get_by_label("Dirección de correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill("correct horse battery")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/quizzes/alpha-quiz")
    check_at_both_widths(page, "es-quiz-start")
    page.get_by_role("button", name="Empezar el cuestionario").click()
    page.get_by_role("group", name="Pregunta 1").wait_for()  # the quiz page, once it has loaded
    assert page.get_by_role("button", name="Revisar y enviar").is_visible()
    check_at_both_widths(page, "es-quiz")
    page.get_by_role("group", name="Pregunta 1").get_by_label("Alpha").check()
    page.wait_for_selector("text=Respuestas guardadas a las")  # the autosave message, translated
    page.get_by_role("button", name="Revisar y enviar").click()
    page.wait_for_url("**/review")
    check_at_both_widths(page, "es-quiz-review")
    page.locator("input[name=confirm]").check()  # questions left unanswered, on purpose
    page.locator("form.final-submit button[type=submit]").click()
    page.wait_for_url("**/attempts/1")
    assert "Su puntuación:" in page.content()
    check_at_both_widths(page, "es-quiz-result")


def test_the_language_switch_by_keyboard(browser_in, site):
    page = browser_in("en-GB")
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "en"
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('lang')") == "es":
            break
    else:
        pytest.fail("the language switch cannot be reached with the Tab key")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.wait_for_url("**/login?lang=es")  # the next page, not the one still shown while it loads
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == "Iniciar sesión"
    current = page.locator('.language-switch a[aria-current="true"]')
    assert current.inner_text() == "Español"
    page.goto("/register")  # remembered for the visitor
    assert page.locator("html").get_attribute("lang") == "es"


def test_a_right_to_left_page_is_mirrored(browser_in, site):
    email = site.create_user("rtl@example.org", name="Layla")
    page = browser_in("en-GB")
    page.goto("/login?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    check_at_both_widths(page, "rtl-login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    check_at_both_widths(page, "rtl-course-map")
    brand = page.locator(".brand").bounding_box()
    nav = page.locator(".site-nav").bounding_box()
    assert brand["x"] > nav["x"]  # the brand starts the line on the right
    page.goto("/units/alpha/first-steps")
    check_at_both_widths(page, "rtl-lesson")
    card = page.locator(".lesson-footer").bounding_box()
    button = page.get_by_role("button", name="Mark as read and continue").bounding_box()
    assert button["x"] + button["width"] > card["x"] + card["width"] - 60  # starts at the right edge
