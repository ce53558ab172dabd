"""The course names itself: every page shows the name, mark, footer and colours of the course
in ``TRAINING_CONTENT_DIR`` (here the fixture course's ``course.yaml``), the two-step issuer is
the course's, and visitors who are not signed in get a home page and a contact address."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from training.cli import cli

from ..factories import make_user
from ..helpers import Auth, start_quiz, submit_quiz, wrong_form

CONTACT = '<a href="mailto:help@fixture.example">help@fixture.example</a>'


def test_every_page_shows_the_course_s_name_mark_and_footer(client, login_as):
    login_as("learner")
    for path in ("/", "/units/alpha", "/dashboard", "/no-such-page"):
        page = client.get(path).get_data(as_text=True)
        assert '<span class="brand-mark" aria-hidden="true">FX</span>' in page, path
        assert "Fixture Course" in page and "A small course the tests run on." in page, path
        assert ">IM<" not in page and "migration" not in page.lower(), path


def test_the_course_s_colours_are_served_as_a_fingerprinted_stylesheet(client):
    page = client.get("/login").get_data(as_text=True)
    href = re.search(r'<link rel="stylesheet" href="(/theme\.[0-9a-f]{10}\.css)">', page)
    assert href, page[:800]
    response = client.get(href[1])
    assert response.status_code == 200 and response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    assert "--brand:#1c5e20" in css and "--brand-dark:#0d3b10" in css and "--accent:#8e3a59" in css
    assert "immutable" in response.headers["Cache-Control"] and "max-age=31536000" in response.headers["Cache-Control"]
    assert client.get("/theme.0123456789.css").status_code == 404  # an old set of colours


def test_signed_out_visitors_get_a_home_page_that_says_what_the_course_is(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<h1 id="course-title">Fixture Course</h1>' in page
    assert "Two units that exercise every part of the platform." in page  # what it is
    assert "Testers and the people who keep the platform running." in page  # who it is for
    # Units of 45 and 35 minutes (lessons and quiz): 80 minutes, about one and a half hours.
    assert "About 1.5 hours of study: 2 units, 4 lessons and a quiz" in page
    assert "A certificate of completion" in page
    assert 'href="/login"' in page and 'href="/register"' in page
    assert CONTACT in page


def test_the_home_page_does_not_offer_registration_when_accounts_are_by_invitation(app, client):
    app.config["REGISTRATION"] = "invitation"
    page = client.get("/").get_data(as_text=True)
    assert 'href="/register"' not in page and "Accounts are by invitation" in page


def test_the_contact_address_shows_on_sign_in_and_error_pages(client, login_as):
    assert CONTACT in client.get("/login").get_data(as_text=True)
    assert CONTACT in client.get("/no-such-page").get_data(as_text=True)
    login_as("learner")
    missing = client.get("/units/no-such-unit")
    assert missing.status_code == 404 and CONTACT in missing.get_data(as_text=True)


def test_the_contact_address_shows_once_every_quiz_attempt_is_used(client, login_as):
    login_as("learner")
    assert CONTACT not in client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    for _ in range(3):
        submit_quiz(client, (page := start_quiz(client)), wrong_form(page))
    page = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    assert "You have used every attempt" in page and 'href="mailto:help@fixture.example"' in page


def test_the_two_step_issuer_is_the_course_s(app, client):
    trainer = make_user(role="trainer", mfa=False)
    Auth(client).login(trainer.email)
    page = client.get("/account/two-step").get_data(as_text=True)
    uri = re.search(r"otpauth://totp/[^<\"]+", page)[0].replace("&amp;", "&")
    assert parse_qs(urlsplit(uri).query)["issuer"] == ["Fixture Publisher"]
    assert urlsplit(uri).path.startswith("/Fixture%20Publisher:")


def test_the_command_line_help_names_no_course(app):
    result = app.test_cli_runner().invoke(cli, ["--help"])
    assert result.exit_code == 0 and "Migration" not in result.output and "TRAINING_CONTENT_DIR" in result.output
