"""The course itself in French, Spanish and Arabic, in a real browser, with the fixture course
that is complete in French, half translated into Spanish and has two lessons in Arabic.

Every page at 1280 and 390 px wide: no axe-core violation of any impact, no sideways scroll, a
screenshot of each (in the temporary folder's ``training-screenshots``).
"""

from __future__ import annotations

import pytest

from ..helpers import TRANSLATED, WIDTHS, check_at_both_widths
from ..livesite import live_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with live_site(tmp_path_factory.mktemp("course-languages-site"), content=TRANSLATED) as site:
        yield site


def sign_in(page, email: str, label: str, password_label: str, button: str) -> None:
    page.goto("/login")
    page.get_by_label(label).fill(email)
    page.get_by_label(password_label).fill("correct horse battery")
    page.get_by_role("button", name=button).click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_a_french_learner_takes_the_whole_path_in_french(browser_in, site):
    email = site.create_user("awa@example.org", name="Awa Ndiaye")
    page = browser_in("fr-FR")
    sign_in(page, email, "Adresse électronique", "Mot de passe", "Se connecter")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", level=3, name="Unité 1 : Unité alpha").is_visible()
    check_at_both_widths(page, "course-fr-map")

    page.get_by_role("link", name="Commencer le cours").click()
    page.wait_for_url("**/units/alpha/first-steps")
    assert page.get_by_role("heading", level=1).inner_text() == "Premiers pas"
    assert "304 millions de personnes" in page.locator(".lesson-text").inner_text()
    assert page.locator(".translation-notice").count() == 0
    check_at_both_widths(page, "course-fr-lesson")
    page.get_by_role("button", name="Marquer comme lue et continuer").click()
    page.wait_for_url("**/units/alpha/second-steps")
    assert page.get_by_role("heading", level=1).inner_text() == "Deuxièmes pas"
    page.get_by_role("button", name="Marquer comme lue et passer au quiz").click()
    page.wait_for_url("**/quizzes/alpha-quiz")
    flash = page.locator(".flashes").inner_text().replace("\u00a0", " ")
    assert "Vous avez lu toutes les leçons de « Unité alpha »." in flash

    page.get_by_role("button", name="Commencer le quiz").click()
    page.get_by_role("group", name="Question 1").wait_for()  # the quiz page, once it has loaded
    assert page.get_by_role("heading", level=1).inner_text() == "Quiz alpha"
    check_at_both_widths(page, "course-fr-quiz")
    first = page.get_by_role("group", name="Question 1")
    first.get_by_label("Alpha").check()
    many = page.get_by_role("group", name="Question 2")
    many.get_by_label("Alpha").check()
    many.get_by_label("Bêta").check()
    page.get_by_role("group", name="Question 3").get_by_label("Vrai").check()
    page.get_by_label("Votre réponse (un mot ou une courte expression)").fill("enjambée")
    for item, answer in (("Alpha", "Première"), ("Bêta", "Deuxième"), ("Gamma", "Troisième")):
        page.get_by_role("group", name="Question 5").get_by_label(item, exact=True).select_option(label=answer)
    for item, position in (("Alpha", "1"), ("Bêta", "2"), ("Gamma", "3")):
        page.get_by_role("group", name="Question 6").get_by_label(item, exact=True).select_option(position)
    page.get_by_role("button", name="Relire et envoyer").click()
    page.wait_for_url("**/review")
    page.get_by_role("button", name="Envoyer pour notation").click()
    page.wait_for_url("**/attempts/1")
    assert page.get_by_role("heading", level=2, name="Votre score : 100\u00a0%").is_visible()
    feedback = page.locator(".questions").inner_text().replace("\u00a0", " ")
    assert "Votre réponse : Alpha" in feedback and "Revoir la leçon" in feedback
    assert "Right: alpha is first" not in feedback and "Your answer" not in feedback
    check_at_both_widths(page, "course-fr-result")


def test_a_spanish_quiz_in_spanish(browser_in, site):
    email = site.create_user("rosa@example.org", name="Rosa Quispe")
    page = browser_in("es-PE")
    sign_in(page, email, "Dirección de correo electrónico", "Contraseña", "Iniciar sesión")
    page.goto("/quizzes/alpha-quiz")
    assert page.get_by_role("heading", level=1).inner_text() == "Cuestionario alfa"
    page.get_by_role("button", name="Empezar el cuestionario").click()
    page.get_by_role("group", name="Pregunta 2").wait_for()  # the quiz page, once it has loaded
    question = page.get_by_role("group", name="Pregunta 2")
    assert "¿Cuáles son letras griegas?" in question.inner_text() and "Manzana" in question.inner_text()
    check_at_both_widths(page, "course-es-quiz")
    page.get_by_role("group", name="Pregunta 1").get_by_label("Beta").check()
    page.get_by_label("Su respuesta (una palabra o una frase corta)").fill("zancada")
    page.get_by_role("button", name="Revisar y enviar").click()
    page.wait_for_url("**/review")
    page.locator("input[name=confirm]").check()  # questions left unanswered, on purpose
    page.locator("form.final-submit button[type=submit]").click()
    page.wait_for_url("**/attempts/1")
    feedback = page.locator(".questions").inner_text()
    assert "Su respuesta: Beta" in feedback.replace("\u00a0", " ") and "Your answer" not in feedback
    check_at_both_widths(page, "course-es-result")
    page.goto("/quizzes/beta-quiz")  # not translated into Spanish yet
    notice = page.locator(".translation-notice")
    assert notice.inner_text() == "Este cuestionario todavía no está traducido al español. Se muestra en inglés."
    assert page.get_by_role("heading", level=1).get_attribute("lang") == "en"
    check_at_both_widths(page, "course-es-untranslated-quiz")


def test_arabic_lessons_read_right_to_left(browser_in, site):
    email = site.create_user("layla@example.org", name="Layla Haddad")
    page = browser_in("en-GB")
    sign_in(page, email, "Email address", "Password", "Sign in")
    page.goto("/units/alpha/first-steps?lang=ar")
    assert page.locator("html").get_attribute("lang") == "en"  # English interface, Arabic course
    title, text = page.get_by_role("heading", level=1), page.locator(".lesson-text")
    assert title.inner_text() == "الخطوات الأولى" and title.get_attribute("dir") == "rtl"
    for element in (title, text, page.locator(".objectives"), page.locator(".key-terms dl")):
        assert element.evaluate("e => getComputedStyle(e).direction") == "rtl"
    check_at_both_widths(page, "course-ar-lesson")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        # Right to left: a line of Arabic starts at the right edge of its column...
        column = text.bounding_box()
        first_line = text.locator("p").first.evaluate(
            "p => { const r = document.createRange(); r.setStart(p.firstChild, 0); r.setEnd(p.firstChild, 1);"
            " const b = r.getBoundingClientRect(); return {left: b.left, right: b.right}; }"
        )
        assert column["x"] + column["width"] - first_line["right"] < 2, (width, column, first_line)
        heading = title.bounding_box()  # the title ends where its text column ends
        assert abs(heading["x"] + heading["width"] - column["x"] - column["width"]) < 2, (width, heading, column)
        # ...and list bullets hang on the right.
        objectives = page.locator(".objectives")
        padding = objectives.evaluate("e => [getComputedStyle(e).paddingRight, getComputedStyle(e).paddingLeft]")
        assert padding[0] != "0px" and padding[1] == "0px", padding
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Mark as read and continue").click()
    page.wait_for_url("**/units/alpha/second-steps")
    assert page.get_by_role("heading", level=1).get_attribute("dir") == "rtl"
    page.goto("/units/alpha")  # the unit's own text has no Arabic: English, said in the interface's words
    assert "This unit’s overview is not translated into Arabic yet." in page.locator(".translation-notice").inner_text()
    check_at_both_widths(page, "course-ar-unit")
    page.goto("/")
    check_at_both_widths(page, "course-ar-map")
