"""Which language answers, and how it is written: ``?lang=``, the account's preference, the
browser's Accept-Language, the course default; ``<html lang dir>``; dates, numbers,
percentages and country names for the reader; CSV import and reports by language."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
import sqlalchemy as sa

from training.extensions import db
from training.models import User

from ..factories import build_cohort, make_user
from ..helpers import Auth, get_csrf


def html_lang(response) -> tuple[str, str]:
    found = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', response.get_data(as_text=True))
    assert found, "no <html lang dir>"
    return found.group(1), found.group(2)


def stored_language(email: str) -> str | None:
    db.session.rollback()  # see what the requests committed
    return db.session.scalar(sa.select(User.language).where(User.email == email))


def test_the_browser_language_answers_and_unknown_ones_fall_back(client):
    assert html_lang(client.get("/login")) == ("en", "ltr")
    french = client.get("/login", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert html_lang(french) == ("fr", "ltr")
    assert "Se connecter" in french.get_data(as_text=True)
    assert html_lang(client.get("/login", headers={"Accept-Language": "de-DE,es;q=0.8"})) == ("es", "ltr")
    for header in ("de", "xx-YY;q=oops", "*", ";;;,", "en-US," * 200):
        response = client.get("/login", headers={"Accept-Language": header})
        assert response.status_code == 200 and html_lang(response) == ("en", "ltr"), header


def test_lang_parameter_switches_and_is_remembered_for_the_visitor(client):
    response = client.get("/login?lang=es")
    assert html_lang(response) == ("es", "ltr") and "Iniciar sesión" in response.get_data(as_text=True)
    assert "lang=es" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    assert "Accept-Language" in response.headers["Vary"]
    assert html_lang(client.get("/register", headers={"Accept-Language": "fr"})) == ("es", "ltr")
    for bad in ("xx", "../../etc", "", "fr" * 100, "ar"):  # ar: neither the interface nor this course
        response = client.get(f"/register?lang={bad}", headers={"Accept-Language": "fr"})
        assert response.status_code == 200 and html_lang(response) == ("es", "ltr"), bad
    # A NUL character is refused in any request, and the remembered language stays.
    assert client.get("/register?lang=%00").status_code == 400
    assert html_lang(client.get("/register", headers={"Accept-Language": "fr"})) == ("es", "ltr")


def test_a_bad_cookie_is_ignored(client):
    client.set_cookie("lang", "klingon")
    assert html_lang(client.get("/login", headers={"Accept-Language": "fr"})) == ("fr", "ltr")


def test_the_language_switch_keeps_the_page_and_its_query(client, login_as):
    login_as("learner")
    page = client.get("/units/alpha?tab=1&lang=fr").get_data(as_text=True)
    switch = re.search(r'<nav class="language-switch" aria-label="Langue">(.*?)</nav>', page, re.S).group(1)
    links = dict(re.findall(r'<a href="([^"]+)" lang="(\w+)"', switch))
    assert {unescape(href): lang for href, lang in links.items()} == {
        "/units/alpha?tab=1&lang=en": "en",
        "/units/alpha?tab=1&lang=fr": "fr",
        "/units/alpha?tab=1&lang=es": "es",
    }
    assert re.search(r'lang="fr" hreflang="fr" aria-current="true">Français<', switch)


def test_a_signed_in_choice_is_kept_on_the_account_and_wins_over_the_browser(app, client, auth):
    user = make_user("learner")
    auth.login(user.email)
    client.get("/dashboard?lang=fr")
    assert stored_language(user.email) == "fr"
    other_browser = app.test_client()
    Auth(other_browser).login(user.email)
    page = other_browser.get("/dashboard", headers={"Accept-Language": "es"})
    assert html_lang(page) == ("fr", "ltr") and "Ma progression" in page.get_data(as_text=True)


@pytest.mark.parametrize("app_overrides", [{"REGISTRATION": "open"}])
def test_registration_sets_the_language_and_the_account_page_changes_it(client):
    token = get_csrf(client, "/register?lang=es")
    registered = client.post(
        "/register",
        data={
            "csrf_token": token,
            "name": "Lucía Pérez",
            "email": "lucia@example.org",
            "country": "CI",
            "language": "es",
            "password": "una frase bastante larga",
            "confirm": "una frase bastante larga",
        },
        follow_redirects=True,
    )
    assert html_lang(registered) == ("es", "ltr") and "¡Bienvenido!" in registered.get_data(as_text=True)
    assert stored_language("lucia@example.org") == "es"
    account = client.get("/account").get_data(as_text=True)
    assert "Côte d’Ivoire" in account and '<option lang="es" selected value="es">Español</option>' in account
    saved = client.post(
        "/account", data={"csrf_token": get_csrf(client, "/account"), "language": "fr"}, follow_redirects=True
    )
    assert html_lang(saved) == ("fr", "ltr") and "Votre langue est enregistrée." in saved.get_data(as_text=True)
    assert stored_language("lucia@example.org") == "fr"
    refused = client.post("/account", data={"csrf_token": get_csrf(client, "/account"), "language": "de"})
    assert refused.status_code == 400 and stored_language("lucia@example.org") == "fr"


def test_country_names_are_in_the_readers_language_and_sorted_for_it(client):
    for lang, before, after in (
        ("en", "Côte d’Ivoire", "Czechia"),
        ("fr", "Côte d’Ivoire", "Croatie"),
        ("es", "Côte d’Ivoire", "Croacia"),
        ("fr", "Équateur", "Espagne"),
        ("es", "Emiratos Árabes Unidos", "Eritrea"),
    ):
        page = client.get(f"/register?lang={lang}").get_data(as_text=True)
        names = [unescape(n) for n in re.findall(r'<option value="[A-Z]{2}">([^<]+)</option>', page)]
        assert len(names) > 240
        assert names.index(before) < names.index(after), (lang, before, after)


@pytest.fixture
def cohort(app):
    return build_cohort()


def test_dates_and_percentages_are_written_for_the_language(client, cohort):
    Auth(client).login(cohort.ana.email)
    english = client.get("/quizzes/alpha-quiz/attempts/2?lang=en").get_data(as_text=True)
    french = client.get("/quizzes/alpha-quiz/attempts/2?lang=fr").get_data(as_text=True)
    spanish = client.get("/quizzes/alpha-quiz/attempts/2?lang=es").get_data(as_text=True)
    assert "Your score: 100%" in english
    assert "Votre score : 100\u00a0%" in french
    assert "Su puntuación: 100\u00a0%" in spanish
    start = client.get("/quizzes/alpha-quiz?lang=fr").get_data(as_text=True)
    assert "14 janv. 2026" in start  # the first attempt, 14 January 2026
    assert "14 ene 2026" in client.get("/quizzes/alpha-quiz?lang=es").get_data(as_text=True)


def test_right_to_left_languages_get_dir_rtl(app, client):
    app.config["LANGUAGES"] = ("en", "ar")
    response = client.get("/login?lang=ar")
    assert html_lang(response) == ("ar", "rtl")
    assert "Sign in" in response.get_data(as_text=True)  # no Arabic catalogue: the English messages


def test_error_pages_speak_the_language(app, client):
    page = client.get("/no-such-page?lang=es")
    assert page.status_code == 404 and "Página no encontrada" in page.get_data(as_text=True)
    api = app.test_client().get("/api/progress", headers={"Accept-Language": "fr"})
    assert api.status_code == 401 and api.get_json()["error"] == "Veuillez vous connecter"


def test_import_reads_an_optional_language_column_and_checks_it(client, cohort):
    Auth(client).login(cohort.admin.email)
    data = (
        "email,name,language\n"
        "new1@example.org,New One,fr\n"
        "new2@example.org,New Two,Español\n"
        "new3@example.org,New Three,\n"
        "ana@example.org,Ana,es\n"
    )
    upload = client.post(
        "/admin/import",
        data={"csrf_token": get_csrf(client, "/admin/import"), "file": (io.BytesIO(data.encode()), "people.csv")},
        content_type="multipart/form-data",
    )
    preview = client.get(upload.headers["Location"]).get_data(as_text=True)
    assert "changes language" in preview
    done = client.post(upload.headers["Location"], data={"csrf_token": csrf_from_page(preview)})
    assert done.status_code == 200
    assert [stored_language(f"new{n}@example.org") for n in (1, 2, 3)] == ["fr", "es", None]
    assert stored_language("ana@example.org") == "es"
    bad = "email,name,language\nnew4@example.org,New Four,Deutsch\n"
    rejected = client.post(
        "/admin/import",
        data={"csrf_token": get_csrf(client, "/admin/import"), "file": (io.BytesIO(bad.encode()), "bad.csv")},
        content_type="multipart/form-data",
    )
    assert rejected.status_code == 400
    assert "Row 2: language: &#39;Deutsch&#39; is not one of en, fr, es." in rejected.get_data(as_text=True)
    assert stored_language("new4@example.org") is None


def csrf_from_page(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_reports_and_exports_have_the_language_as_column_and_filter(client, cohort):
    for person, language in ((cohort.ana, "fr"), (cohort.bo, "es"), (cohort.chen, "fr")):
        db.session.get(User, person.id).language = language
    db.session.commit()
    Auth(client).login(cohort.admin.email)
    french = client.get("/admin/reports/completion?language=fr&lang=en").get_data(as_text=True)
    # By address: a two-letter name could turn up inside the page's random form token.
    assert "2 learners." in french and "ana@example.org" in french and "chen@example.org" in french
    assert "bo@example.org" not in french
    assert "Language: Français" in french  # the filter, in words
    unset = client.get("/admin/reports/completion?language=none").get_data(as_text=True)
    assert "2 learners." in unset and "Dina" in unset and "Eli" in unset
    export = client.get("/admin/reports/completion.csv?language=es").get_data(as_text=True)
    rows = [line.split(",") for line in export.lstrip("\ufeff").strip().splitlines()]
    assert rows[0][-1] == "language" and [(r[0], r[-1]) for r in rows[1:]] == [("Bo", "es")]
    by_language = client.get("/admin/reports/languages.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert by_language[0].startswith("language,language code,")
    assert {line.split(",")[1]: line.split(",")[2] for line in by_language[1:]} == {"fr": "2", "es": "1", "": "2"}
    page = client.get("/admin/reports/languages?lang=es").get_data(as_text=True)
    assert "Por idioma" in page and "Français" in page and "(ningún idioma elegido)" in page
    accounts = client.get("/admin/users?language=es&lang=en").get_data(as_text=True)
    assert "1 account matches." in accounts and "bo@example.org" in accounts


@pytest.mark.parametrize(
    "headers, query",
    [
        ({}, ""),
        ({"Accept-Language": "fr-CA,fr;q=0.9"}, ""),
        ({"Accept-Language": "de-DE,es;q=0.8"}, ""),
        ({"Cookie": "lang=es"}, ""),
        ({"Cookie": "lang=es"}, "lang=fr"),
        ({}, "lang=xx"),
    ],
)
def test_the_language_a_page_is_written_in_is_flask_babels_choice(app, headers, query):
    """``current_language`` works the interface language out without Flask-Babel's look-ups;
    it is the one Flask-Babel chooses, before and after Flask-Babel has chosen, and the one
    ``force_locale`` imposes."""
    from flask_babel import force_locale, get_locale

    from training.i18n import current_language, take_requested_language

    with app.test_request_context(f"/login?{query}", headers=headers):
        take_requested_language()
        ours = current_language()
        chosen = str(get_locale()).replace("_", "-")
        assert ours == chosen and current_language() == chosen
        other = "es" if chosen != "es" else "fr"
        with force_locale(other):
            assert current_language() == other
        assert current_language() == chosen
