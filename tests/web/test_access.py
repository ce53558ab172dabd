"""Access policy: every route declares who may open it, and the declaration holds.

A route added without ``@access(...)`` fails ``test_every_route_declares_an_access_rule``.
The role x URL matrix here covers the learning pages; the guide and admin tests have their own.
"""

from __future__ import annotations

import re

import pytest

from training.web.access import PUBLIC

from ..factories import make_user
from ..helpers import Auth, csrf_from, get_csrf, post_routes


def test_every_route_declares_an_access_rule(app):
    missing = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], "access_rule", None) is None
    ]
    assert missing == []


def test_public_routes_are_only_the_expected_ones(app):
    public = {
        rule.endpoint for rule in app.url_map.iter_rules() if app.view_functions[rule.endpoint].access_rule is PUBLIC
    }
    assert public == {
        "static",
        "course_image",  # the same for every reader, fingerprinted: cached like static files
        "theme",  # the course's colours, fingerprinted like static files
        "auth.login",
        "auth.login_verify",
        "auth.logout",
        "auth.register",
        "account.forgot_password",
        "account.reset_password",
        "account.accept_invitation",
        "account.verify_email",
        "account.confirm_email",
        "account.unsubscribe",  # the link in a reminder: a signed token names the person
        "api.healthz",
        "lti.login",
        "lti.launch",
        "lti.jwks",
        "lti.register",
        "api.readyz",
        # Anyone checks a certificate or its badge, without an account (rate-limited).
        "certificates.verify_form",
        "certificates.verify",
        "certificates.badge_file",
        "certificates.jwks",
        "certificates.status_list",
        # The installable app: what a phone needs before anyone signs in (no account data).
        "offline.manifest",
        "offline.icon",
        "offline.service_worker",
        "offline.offline_page",
    }


# (method, path, the answer for every signed-in role): a POST carries a valid form token.
LEARNING_ROUTES = [
    ("GET", "/", 200),
    ("GET", "/dashboard", 200),
    ("GET", "/units/alpha", 200),
    ("GET", "/units/alpha/first-steps", 200),
    ("GET", "/quizzes/alpha-quiz", 200),
    ("GET", "/api/progress", 200),
    ("GET", "/account/password", 200),
    ("GET", "/account/profile", 200),
    ("GET", "/account/data.json", 200),
    ("POST", "/account/profile", 400),  # no name: the form again, nothing saved
    ("POST", "/units/alpha/first-steps/complete", 303),  # read: on to the next lesson
    ("POST", "/quizzes/alpha-quiz/start", 303),  # started: on to the quiz page
    ("GET", "/quizzes/alpha-quiz/review", 200),  # the review of the attempt just started
    ("POST", "/quizzes/alpha-quiz/submit", 400),  # no attempt named: a bad form, for everyone
    ("GET", "/quizzes/alpha-quiz/attempts/1", 404),  # nothing submitted yet: not found, for everyone
    ("GET", "/saved", 200),
    ("GET", "/offline/units.json", 200),
    ("GET", "/offline/sync", 200),
]


@pytest.mark.parametrize("role", [None, "learner", "trainer", "admin"])
def test_role_by_url_matrix(app, role: str | None):
    """The learning pages answer every signed-in role alike, and send a signed-out visitor to
    sign in (the JSON API answers 401); ``/`` shows a signed-out visitor the home page. The
    guide and admin pages have matrices of their own."""
    client = app.test_client()
    if role:
        Auth(client).login(make_user(role).email)
    token = csrf_from(client.get("/login" if role is None else "/").get_data(as_text=True))
    wrong = []
    for method, path, status in LEARNING_ROUTES:
        response = client.get(path) if method == "GET" else client.post(path, data={"csrf_token": token})
        if role is None and path == "/":
            want, got = "200 home", f"{response.status_code} {'home' if b'course-facts' in response.data else 'map'}"
        elif role is None:
            want = "401" if path.startswith("/api/") else "302 /login"
            got = str(response.status_code)
            if response.status_code == 302:
                got += " " + response.headers["Location"].split("?")[0]
        else:
            want, got = str(status), str(response.status_code)
        if got != want:
            wrong.append(f"{method} {path}: {got}, expected {want}")
    assert wrong == []


def test_get_requests_change_nothing(app, login_as, client):
    """Safe methods are side-effect free: marking read and starting a quiz need POST."""
    login_as("learner")
    assert client.get("/units/alpha/first-steps/complete").status_code == 405
    assert client.get("/quizzes/alpha-quiz/start").status_code == 405
    assert client.get("/logout").status_code == 405


def test_post_without_token_is_refused_everywhere(app, client, login_as):
    """Every form on every route, URL arguments included: CSRFProtect checks before any view."""
    login_as("admin")
    routes = post_routes(app)
    assert "/units/alpha/first-steps/complete" in routes and "/quizzes/alpha-quiz/start" in routes
    for path in [*routes, "/logout"]:
        assert client.post(path, data={}).status_code == 400, path


def test_security_headers_on_pages_errors_and_static_files(client, login_as):
    login_as("learner")
    for path in ("/", "/no-such-page", "/static/site.css", "/api/progress", "/login"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/api/progress").headers["Cache-Control"] == "no-store"
    static = client.get("/static/site.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_csrf_token_never_appears_in_a_url(client, login_as):
    login_as("learner")
    # A signed token is "<raw token>.<timestamp>.<signature>": the timestamp may tick between
    # two pages, so compare the part that identifies the session's token.
    raw = get_csrf(client, "/units/alpha/first-steps").split(".")[0]
    for path in ("/", "/units/alpha", "/units/alpha/first-steps", "/quizzes/alpha-quiz", "/dashboard"):
        page = client.get(path).get_data(as_text=True)
        assert f'name="csrf_token" value="{raw}.' in page  # the page carries the token, in a hidden field
        urls = re.findall(r'(?:href|action|src)="([^"]*)"', page)
        assert urls and not [url for url in urls if "csrf" in url or raw in url], path
