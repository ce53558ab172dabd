"""The course in the learner's language, over HTTP, with the fixture course that is complete in
French, half translated into Spanish and has two lessons in Arabic (``TRANSLATED``).

Each language is a view of one course: progress, attempts, grading and reports are the same
whichever language a learner reads in; where a translation is missing the English text
stands in, says so in the learner's language and carries ``lang="en"``.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from training import reports
from training.course import get_catalogue
from training.extensions import db
from training.models import LessonProgress, QuestionResponse, QuizAttempt, User
from training.quiz import Paper, answers_to_form, grade, parse_answers
from training.web.learn import lesson_parts

from ..factories import make_user
from ..helpers import TRANSLATED, Auth, correct_answers, correct_form, csrf_from, get_csrf, page_form

LANGUAGES = ("en", "fr", "es", "ar")


@pytest.fixture
def app_overrides() -> dict:
    return {"CONTENT_DIR": str(TRANSLATED)}


def text_of(response) -> str:
    """The page as a reader sees it: tags removed, entities decoded, spaces collapsed."""
    html = response.get_data(as_text=True)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def html_lang(html: str) -> tuple[str, str]:
    found = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', html)
    assert found, "no <html lang dir>"
    return found.group(1), found.group(2)


def mark_read(client, unit_id: str, lesson_id: str) -> None:
    token = get_csrf(client, f"/units/{unit_id}/{lesson_id}")
    response = client.post(f"/units/{unit_id}/{lesson_id}/complete", data={"csrf_token": token})
    assert response.status_code == 303


def start(client, quiz_id: str = "alpha-quiz") -> str:
    token = get_csrf(client, f"/quizzes/{quiz_id}")
    assert client.post(f"/quizzes/{quiz_id}/start", data={"csrf_token": token}).status_code == 303
    return client.get(f"/quizzes/{quiz_id}").get_data(as_text=True)


def send(client, page: str, answers: dict, action: str = "submit", quiz_id: str = "alpha-quiz"):
    attempt = re.search(r'name="attempt" value="(\d+)"', page).group(1)
    seq = re.search(r'name="seq" value="(\d+)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "attempt": attempt, "seq": seq, "action": action, **answers}
    if action == "submit":
        data["confirm"] = "unanswered"  # as a learner confirms on the review page
    return client.post(f"/quizzes/{quiz_id}", data=data)


def quiz_in(language: str):
    return get_catalogue().in_language(language).quiz("alpha-quiz")


# --- one course whatever the language ---------------------------------------------------------


def test_a_learner_who_starts_in_english_and_finishes_in_spanish_has_one_record_of_each(app, client, login_as):
    user = login_as("learner")
    first = client.get("/units/alpha/first-steps?lang=en")
    assert "The first lesson says that 304 million people moved in 2024" in text_of(first)
    mark_read(client, "alpha", "first-steps")
    english_quiz = start(client)
    assert "Which comes first?" in english_quiz
    first_answers = {"pick-one": {"choice": "alpha"}, "word": {"text": "stride"}}
    saved = send(client, english_quiz, page_form(english_quiz, quiz_in("en"), first_answers), action="save")
    assert saved.status_code == 200

    second = client.get("/units/alpha/second-steps?lang=es")  # no Spanish text: English, with a notice
    assert "Esta lección todavía no está traducida al español. Se muestra en inglés." in text_of(second)
    mark_read(client, "alpha", "second-steps")
    spanish_quiz = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    assert html_lang(spanish_quiz) == ("es", "ltr") and "¿Cuál va primero?" in spanish_quiz
    assert "Intento 1" in spanish_quiz  # the attempt started in English, answers kept
    kept = page_form(spanish_quiz, quiz_in("es"), first_answers)["q-pick-one"][0]
    assert re.search(rf'value="{kept}"\s+checked', spanish_quiz) and 'value="stride"' in spanish_quiz
    submitted = send(client, spanish_quiz, correct_form(spanish_quiz, quiz_in("es")))
    result = client.get(submitted.headers["Location"])
    assert "Su puntuación: 100 %" in text_of(result)

    db.session.rollback()  # see what the requests committed
    lessons = db.session.execute(
        sa.select(LessonProgress.unit_id, LessonProgress.lesson_id, LessonProgress.content_version).where(
            LessonProgress.user_id == user.id
        )
    ).all()
    source = get_catalogue()
    assert sorted(lessons) == [
        ("alpha", "first-steps", source.lesson("alpha", "first-steps").version),
        ("alpha", "second-steps", source.lesson("alpha", "second-steps").version),
    ]
    attempts = db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id)).all()
    assert [(a.quiz_id, a.attempt_no, a.passed, a.content_version) for a in attempts] == [
        ("alpha-quiz", 1, True, source.quiz("alpha-quiz").version)
    ]
    responses = db.session.scalar(
        sa.select(sa.func.count()).select_from(QuestionResponse).where(QuestionResponse.attempt_id == attempts[0].id)
    )
    assert responses == 6

    progress = client.get("/api/progress?lang=fr").get_json()
    alpha = progress["units"][0]
    assert alpha["title"] == "Unité alpha" and alpha["status"] == "complete"
    assert alpha["quiz"] == {"id": "alpha-quiz", "attempts": 1, "best_score": 100, "passed": True}

    # Reports count one learner, one attempt, whichever language the report is read in.
    for language in LANGUAGES:
        view = source.in_language(language)
        (alpha_row, beta_row) = reports.unit_rows(view, reports.Scope())
        assert (alpha_row.learners, alpha_row.started, alpha_row.completed) == (1, 1, 1), language
        assert (alpha_row.quiz_takers, alpha_row.quiz_passed, beta_row.started) == (1, 1, 0), language
        overview = reports.overview(view, reports.Scope()).overview
        assert (overview.registered, overview.started, overview.completed) == (1, 1, 0), language
        questions = [q for q in reports.question_rows(view, reports.Scope()) if q.quiz_id == "alpha-quiz"]
        assert [q.responses for q in questions] == [1] * 6, language
    admin = app.test_client()
    Auth(admin).login(make_user("admin").email)
    units_report = text_of(admin.get("/admin/reports/units?lang=fr"))
    assert re.search(r"1\. Unité alpha 1 1 100 % 1 100 % 100 %", units_report), units_report


def test_grading_is_the_same_in_every_language(app):
    """The same answers earn the same credit on every question, read in any language; a short
    answer written in another language of the course counts as it does there."""
    source = get_catalogue()
    forms = [
        answers_to_form(quiz_in("en"), correct_answers(quiz_in("en")), Paper.printed(0)),
        {"q-pick-one": ["beta"], "q-pick-many": ["alpha", "apple"], "q-is-true": ["false"], "q-word": ["paso"]},
        {"q-pick-many": ["beta"], "q-word": ["Enjambée"], "q-sequence-alpha": ["2"], "q-sequence-beta": ["1"]},
        {"q-word": ["zancada"]},
        {"q-word": ["Schritt"]},
        {"q-word": ["step"]},
        {},
    ]
    for form in forms:
        credits = {}
        for language in LANGUAGES:
            quiz = source.in_language(language).quiz("alpha-quiz")
            result = grade(quiz, parse_answers(quiz, form, Paper.printed(0)))  # values: the option ids
            credits[language] = (result.score, result.passed, [r.graded.credit for r in result.questions])
        assert len(set(map(repr, credits.values()))) == 1, (form, credits)


def test_grading_over_http_is_the_same_in_every_language(app):
    """Four learners send the same answers from the quiz page in four languages."""
    answers = {"pick-one": {"choice": "alpha"}, "pick-many": {"choices": ["alpha"]}, "is-true": {"choice": "true"}}
    answers["word"] = {"text": "zancada"}
    scores = {}
    for language in LANGUAGES:
        user = make_user("learner", language=language)
        client = app.test_client()
        Auth(client).login(user.email)
        page = start(client)
        assert html_lang(page)[0] == ("en" if language == "ar" else language)
        form = page_form(page, quiz_in(language), answers)
        result = client.get(send(client, page, form).headers["Location"]).get_data(as_text=True)
        db.session.rollback()
        attempt = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id))
        shown = re.search(r'<h2 id="score-title">[^<]*?(\d+)', result).group(1)
        scores[language] = (attempt.score, attempt.passed, shown)
    assert len(set(scores.values())) == 1, scores
    assert scores["en"][2] == "58"  # 3.5 of 6 questions: 58%, below the pass mark of 70%


# --- a French learner reads everything in French -------------------------------------------------


def test_a_french_learner_reads_the_lesson_quiz_and_result_in_french(client, login_as):
    login_as("learner", language="fr")
    course_map = client.get("/")
    assert html_lang(course_map.get_data(as_text=True)) == ("fr", "ltr")
    words = text_of(course_map)
    assert "Unité alpha" in words and "Premiers pas" in words and "Deuxièmes pas" in words
    assert "(en anglais)" not in words and ' lang="' not in after_header(course_map)

    lesson = client.get("/units/alpha/first-steps")
    html, words = lesson.get_data(as_text=True), text_of(lesson)
    assert '<h1 id="lesson-title">Premiers pas</h1>' in html  # the page's language: no lang of its own
    assert "La première leçon indique que 304 millions de personnes se sont déplacées en 2024" in words
    assert "Faire le premier pas." in words and "Un mouvement vers l'avant." in words
    assert "The first lesson" not in words and "traduite" not in words
    assert ' lang="' not in after_header(lesson)

    page = start(client)
    words = " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "Quiz alpha" in words and "Laquelle vient en premier ?" in words
    assert all(option in words for option in ("Bêta", "Pomme", "Vrai", "Faux", "Première", "Troisième"))
    assert "Apple" not in words and "Which comes first" not in words
    assert "Exact" not in words  # feedback stays on the server until the attempt is graded
    french = quiz_in("fr")
    chosen = {**correct_answers(french), "pick-one": {"choice": "beta"}}
    answers = page_form(page, french, chosen)
    result = client.get(send(client, page, answers).headers["Location"])
    words = text_of(result)
    assert "Votre score : 83 %" in words
    assert "Question 1 Incorrect Laquelle vient en premier ? Votre réponse : Bêta" in words
    # Under the default reveal setting, keys and explanations wait until no attempt is left.
    assert "Les bonnes réponses et les explications s'affichent une fois" in words
    assert "L'alphabet grec commence par alpha." not in words
    assert "Revoir la leçon : Premiers pas" in words
    assert "No: beta is second" not in words and "Explanation:" not in words

    dashboard = text_of(client.get("/dashboard"))
    assert "1. Unité alpha" in dashboard and "2. Unité bêta" in dashboard


# --- where a translation is missing ---------------------------------------------------------------


def test_a_notice_says_where_the_spanish_translation_is_missing(client, login_as):
    login_as("learner", language="es")
    translated = client.get("/units/alpha/first-steps")
    assert "Primeros pasos" in text_of(translated) and "translation-notice" not in translated.get_data(as_text=True)

    missing = client.get("/units/alpha/second-steps").get_data(as_text=True)
    assert html_lang(missing) == ("es", "ltr")
    notice = re.search(r'<p class="notice translation-notice" lang="es">\s*(.*?)\s*</p>', missing, re.S)
    assert notice and notice.group(1) == "Esta lección todavía no está traducida al español. Se muestra en inglés."
    assert missing.index("translation-notice") < missing.index('class="lesson-text"')  # read before the text
    assert '<h1 id="lesson-title" lang="en" dir="ltr">Second steps</h1>' in missing
    assert '<div class="lesson-text" lang="en" dir="ltr"><p>The second lesson.' in missing
    assert '<ul class="objectives" lang="en" dir="ltr"><li>Take the second step.</li></ul>' in missing
    assert '<dl lang="en" dir="ltr">' in missing
    assert '<h2 id="key-terms-title">Términos clave</h2>' in missing  # the interface stays Spanish
    assert re.search(r'<span class="pager-title">Primeros pasos</span>', missing)

    unit = client.get("/units/alpha").get_data(as_text=True)
    assert "La presentación de esta unidad todavía no está traducida al español. Se muestra en inglés." in unit
    assert '<h1 lang="en" dir="ltr">Alpha unit</h1>' in unit
    assert re.search(
        r'<a href="/units/alpha/second-steps"><span lang="en" dir="ltr">Second steps</span>\s*'
        r'<span class="untranslated-tag">\(en inglés\)</span></a>',
        unit,
    )
    assert '<a href="/units/alpha/first-steps">Primeros pasos</a>' in unit
    assert "Cuestionario: Cuestionario alfa" in text_of_html(unit)

    beta_quiz = client.get("/quizzes/beta-quiz").get_data(as_text=True)
    assert "Este cuestionario todavía no está traducido al español. Se muestra en inglés." in beta_quiz
    alpha_quiz = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    assert "translation-notice" not in alpha_quiz and "Cuestionario alfa" in alpha_quiz

    course_map = text_of_html(client.get("/").get_data(as_text=True))
    assert "Beta two (en inglés)" in course_map and "Primeros pasos (en" not in course_map


def test_no_notice_in_the_source_language(client, login_as):
    login_as("learner", language="en")
    for url in ("/", "/units/alpha", "/units/alpha/second-steps", "/quizzes/beta-quiz", "/dashboard"):
        html = client.get(url).get_data(as_text=True)
        assert "translation-notice" not in html and "untranslated-tag" not in html, url
        assert ' lang="' not in html.split("</header>", 1)[1], url  # only the language switch is marked


def after_header(response) -> str:
    """The page after the site's header (which holds the language switch, each link marked
    with its language)."""
    return response.get_data(as_text=True).split("</header>", 1)[1]


def text_of_html(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- a language only the course speaks ----------------------------------------------------------------


def test_a_course_language_without_an_interface_is_read_right_to_left_in_an_english_page(app, client, login_as):
    user = login_as("learner")
    page = client.get("/units/alpha/first-steps?lang=ar")
    html = page.get_data(as_text=True)
    assert html_lang(html) == ("en", "ltr")  # the interface has no Arabic: its words are English
    assert '<h1 id="lesson-title" lang="ar" dir="rtl">الخطوات الأولى</h1>' in html
    assert '<div class="lesson-text" lang="ar" dir="rtl"><p>يذكر الدرس الأول أن 304 ملايين' in html
    assert '<ul class="objectives" lang="ar" dir="rtl">' in html and '<dl lang="ar" dir="rtl">' in html
    assert "Mark as read and continue" in html and "translation-notice" not in html
    assert re.search(r'<a href="[^"]*lang=ar" lang="ar" hreflang="ar" aria-current="true">العربية</a>', html)
    assert "lang=ar" in page.headers["Set-Cookie"]
    db.session.rollback()
    assert db.session.scalar(sa.select(User.language).where(User.id == user.id)) == "ar"

    kept = client.get("/units/alpha/second-steps").get_data(as_text=True)  # remembered
    assert '<h1 id="lesson-title" lang="ar" dir="rtl">الخطوات الثانية</h1>' in kept
    untranslated = client.get("/units/beta/only-lesson").get_data(as_text=True)
    assert "This lesson is not translated into Arabic yet. It is shown in English." in untranslated
    assert '<h1 id="lesson-title">The beta lesson</h1>' in untranslated  # English in an English page
    account = client.get("/account").get_data(as_text=True)
    assert '<option lang="ar" selected value="ar">العربية</option>' in account

    french_browser = client.get("/units/beta/only-lesson", headers={"Accept-Language": "fr-FR,ar;q=0.5"})
    html = french_browser.get_data(as_text=True)
    assert html_lang(html) == ("fr", "ltr")  # the interface in the browser's best interface language
    assert "Cette leçon n’est pas encore traduite en arabe. Elle s’affiche en anglais." in html
    assert '<h1 id="lesson-title" lang="en" dir="ltr">The beta lesson</h1>' in html


def test_a_visitor_reaches_the_arabic_course_from_the_browser_or_the_switch(client):
    login = client.get("/login", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert html_lang(login) == ("en", "ltr")
    assert re.search(r'lang="ar" hreflang="ar" aria-current="true">العربية</a>', login)
    assert 'lang="fr" hreflang="fr">Français</a>' in login


# --- the lesson page's cached parts ----------------------------------------------------------------


def test_lesson_parts_are_cached_once_per_language(app, client, login_as):
    login_as("learner")
    lesson_parts.cache_clear()
    pages = {}
    for language, header in (("en", "en"), ("fr", "fr"), ("es", "es"), ("ar", "en"), ("ar", "fr")):
        response = client.get(f"/units/alpha/first-steps?lang={language}", headers={"Accept-Language": header})
        pages[(language, header)] = response.get_data(as_text=True)
    assert lesson_parts.cache_info().currsize == 5  # Arabic text with English and with French labels
    hits = lesson_parts.cache_info().hits
    for (language, header), first in pages.items():
        again = client.get(f"/units/alpha/first-steps?lang={language}", headers={"Accept-Language": header})
        assert body(again.get_data(as_text=True)) == body(first)
    assert lesson_parts.cache_info().hits == hits + 5 and lesson_parts.cache_info().currsize == 5
    assert "The first lesson says" in pages[("en", "en")] and "Key terms" in pages[("en", "en")]
    assert "La première leçon indique" in pages[("fr", "fr")] and "Termes clés" in pages[("fr", "fr")]
    assert "La primera lección indica" in pages[("es", "es")] and "Términos clave" in pages[("es", "es")]
    assert "يذكر الدرس الأول" in pages[("ar", "en")] and "Key terms" in pages[("ar", "en")]
    assert "يذكر الدرس الأول" in pages[("ar", "fr")] and "Termes clés" in pages[("ar", "fr")]


def body(html: str) -> str:
    """The lesson page without what changes on every request (the form token, the read mark's
    idempotency key)."""
    return re.sub(r'name="(?:csrf_token|idempotency_key)" value="[^"]+"', "", html)
