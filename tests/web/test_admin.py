"""The admin and trainer pages through the real HTTP interface: a role-by-URL matrix (allowed
and denied), re-authentication before sensitive actions, trainer scope in every report and
export, stored XSS in every user field, CSV on screen = CSV export = command line, imports,
deactivation, attendance."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from training.course import get_catalogue
from training.extensions import db
from training.models import AuditEvent, Group, GroupRole, Membership, Role, UnitCompletion, User
from training.permissions import Actor
from training.progress import Status
from training.services import certificates, imports, lti
from training.services.audit import record_export

from ..factories import alpha_answers, build_cohort, make_user, take_quiz
from ..helpers import PASSWORD, Auth, csrf_from, get_csrf


@pytest.fixture
def cohort(app):
    return build_cohort()


def fresh() -> None:
    """End the test's own read snapshot, so it sees what the requests wrote."""
    db.session.rollback()


@pytest.fixture
def platform(app) -> int:
    """A registered LMS (LTI 1.3), for its pages in the matrix."""
    fields = lti.PlatformFields(
        "Ministry Moodle",
        "https://moodle.example.org",
        "client-1",
        "https://moodle.example.org/auth",
        "https://moodle.example.org/token",
        "https://moodle.example.org/jwks",
        ("1",),
    )
    return lti.register_platform(Actor.command_line(), fields).id


@pytest.fixture
def pending_token(cohort):
    """A previewed import belonging to the cohort's administrator."""
    actor = Actor(cohort.admin.id, Role.ADMIN)
    plan = imports.preview_import(actor, imports.ImportKind.USERS, b"email,name\nnew@example.org,New Person\n", "x.csv")
    return plan.token


# --- the role-by-URL matrix -------------------------------------------------------------------

# (method, url template, who may, the answer when allowed): "admin" = administrators only,
# "staff" = trainers (their own objects) and administrators, "other" = an object of another
# trainer's group (trainers get 404). POSTs carry a valid form token and nothing else, so an
# allowed form answers 400 (the form again, with its errors) and an action without fields
# does its work (303, or 200 for a page that shows a result once); these are the answers the
# pages give today, so a route broken for everyone (a 500, or a 400 where a page was due)
# fails the matrix.
ROUTES = [
    ("GET", "/admin/", "staff", 200),
    ("GET", "/admin/groups", "staff", 200),
    ("GET", "/admin/groups/{north}", "staff", 200),
    ("GET", "/admin/groups/{south}", "other", 200),
    ("GET", "/admin/groups/{north}/attendance", "staff", 200),
    ("GET", "/admin/groups/{south}/attendance", "other", 200),
    ("GET", "/admin/groups/{north}/matrix.csv", "staff", 200),
    ("GET", "/admin/groups/{south}/matrix.csv", "other", 200),
    ("GET", "/admin/learners/{ana}", "staff", 200),
    ("GET", "/admin/learners/{chen}", "other", 200),
    ("GET", "/admin/learners/{eli}", "other", 200),
    ("GET", "/admin/reports", "staff", 200),
    ("GET", "/admin/reports?group={south}", "other", 200),
    ("GET", "/admin/reports/units", "staff", 200),
    ("GET", "/admin/reports/completion", "staff", 200),
    ("GET", "/admin/reports/organisations", "staff", 200),
    ("GET", "/admin/reports/countries", "staff", 200),
    ("GET", "/admin/reports/questions", "staff", 200),
    ("GET", "/admin/reports/print", "staff", 200),
    ("GET", "/admin/reports/overview.csv", "staff", 200),
    ("GET", "/admin/reports/timeline.csv", "staff", 200),
    ("GET", "/admin/reports/units.csv", "staff", 200),
    ("GET", "/admin/reports/organisations.csv", "staff", 200),
    ("GET", "/admin/reports/countries.csv", "staff", 200),
    ("GET", "/admin/reports/questions.csv", "staff", 200),
    ("GET", "/admin/reports/completion.csv", "staff", 200),
    ("GET", "/admin/certificates", "staff", 200),
    ("GET", "/admin/certificates.csv", "staff", 200),
    ("GET", "/admin/certificates/by-organisation.csv", "staff", 200),
    ("GET", "/admin/certificates/{certificate}", "admin", 200),
    ("GET", "/admin/evaluation", "staff", 200),
    ("GET", "/admin/evaluation.csv", "staff", 200),
    ("GET", "/admin/users", "admin", 200),
    ("GET", "/admin/users/new", "admin", 200),
    ("GET", "/admin/users/{bo}", "admin", 200),
    ("GET", "/admin/users/{bo}/role", "admin", 200),
    ("GET", "/admin/users/{bo}/deactivate", "admin", 200),
    ("GET", "/admin/users/{bo}/reactivate", "admin", 200),
    ("GET", "/admin/users/{bo}/password", "admin", 200),
    ("GET", "/admin/users/{bo}/invitation", "admin", 200),
    ("GET", "/admin/users/{bo}/email", "admin", 200),
    ("GET", "/admin/users/{bo}/erase", "admin", 200),
    ("GET", "/admin/users/{bo}/data.json", "admin", 200),
    ("GET", "/admin/groups/new", "admin", 200),
    ("GET", "/admin/groups/{north}/edit", "admin", 200),
    ("GET", "/admin/groups/{north}/import", "admin", 200),
    ("GET", "/admin/import", "admin", 200),
    ("GET", "/admin/import/template.csv", "admin", 200),
    ("GET", "/admin/import/{token}", "admin", 200),
    ("GET", "/admin/audit", "admin", 200),
    ("GET", "/admin/lti", "admin", 200),
    ("GET", "/admin/lti/new", "admin", 200),
    ("GET", "/admin/lti/{platform}/deactivate", "admin", 200),
    ("GET", "/admin/lti/{platform}/reactivate", "admin", 200),
    ("POST", "/admin/groups/{north}/attendance", "staff", 400),  # no unit, date or learner chosen
    ("POST", "/admin/groups/{south}/attendance", "other", 400),
    ("POST", "/admin/groups/{north}/completions/undo", "staff", 400),  # no unit or learner named
    ("POST", "/admin/learners/{ana}/attempts", "staff", 400),  # no quiz or reason: the form again
    ("POST", "/admin/learners/{chen}/attempts", "other", 400),
    ("POST", "/admin/users/new", "admin", 400),  # no email or name
    ("POST", "/admin/users/{bo}", "admin", 303),  # fields not sent keep their values: saved as they were
    ("POST", "/admin/users/{bo}/role", "admin", 400),  # no role chosen
    ("POST", "/admin/users/{bo}/password", "admin", 200),  # the temporary password, shown once
    ("POST", "/admin/users/{bo}/invitation", "admin", 400),  # Bo has chosen a password already
    ("POST", "/admin/users/{bo}/email", "admin", 400),  # no address
    ("POST", "/admin/users/{bo}/erase", "admin", 400),  # the address not typed: nothing erased
    ("POST", "/admin/users/{bo}/deactivate", "admin", 303),
    ("POST", "/admin/users/{bo}/reactivate", "admin", 303),
    ("POST", "/admin/groups/new", "admin", 400),  # no name
    ("POST", "/admin/groups/{north}/edit", "admin", 303),  # saved as it was
    ("POST", "/admin/groups/{north}/members", "admin", 303),  # back to the group, the problem flashed
    ("POST", "/admin/groups/{north}/members/{bo}/remove", "admin", 303),
    ("POST", "/admin/groups/{north}/import", "admin", 400),  # no file
    ("POST", "/admin/import", "admin", 400),  # no file
    ("POST", "/admin/import/{token}", "admin", 200),  # confirmed: who was invited
    ("POST", "/admin/lti/new", "admin", 400),  # no fields
    ("POST", "/admin/lti/registration-link", "admin", 200),  # the one-time link, shown once
    ("POST", "/admin/lti/{platform}/deactivate", "admin", 303),
    ("POST", "/admin/lti/{platform}/reactivate", "admin", 303),
    ("POST", "/admin/certificates/{certificate}", "admin", 400),  # neither revoked nor re-issued: no reason, no name
]


def expected(role: str, who_may: str, allowed: int) -> str:
    """The answer a role should get: a redirect to sign in, 403, 404, or the page's own answer."""
    if role == "anonymous":
        return "302 to sign in"
    if role == "learner" or (role == "trainer" and who_may == "admin"):
        return "403"
    if role == "trainer" and who_may == "other":
        return "404"
    return str(allowed)


def outcome(response) -> str:
    if response.status_code == 302 and response.headers["Location"].startswith("/login"):
        return "302 to sign in"
    return str(response.status_code)


def test_the_matrix_covers_every_admin_route(app):
    covered = {re.sub(r"\{\w+\}", "X", url.split("?")[0]) for _, url, _, _ in ROUTES}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            if "<any(" in rule.rule:
                continue  # the report names are listed one by one above
            assert re.sub(r"<[^>]+>", "X", rule.rule) in covered, rule.rule


@pytest.mark.parametrize("role", ["anonymous", "learner", "trainer", "admin"])
def test_role_by_url_matrix(app, client, auth, cohort, pending_token, platform, role):
    ids = {
        "north": cohort.north.id,
        "south": cohort.south.id,
        "ana": cohort.ana.id,
        "bo": cohort.bo.id,
        "chen": cohort.chen.id,
        "eli": cohort.eli.id,
        "token": pending_token,
        "platform": platform,
        "certificate": certificates.issue_if_complete(get_catalogue(), cohort.ana.id).id,
    }
    if role == "learner":
        auth.login(cohort.ana.email)
    elif role == "trainer":
        auth.login(cohort.trainer_north.email)
    elif role == "admin":
        auth.login(cohort.admin.email)
    token = get_csrf(client, "/login") if role == "anonymous" else csrf_from(client.get("/").get_data(as_text=True))
    wrong = []
    for method, template, who_may, allowed in ROUTES:
        url = template.format(**ids)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        if outcome(response) != expected(role, who_may, allowed):
            wrong.append(f"{method} {url}: {outcome(response)}, expected {expected(role, who_may, allowed)}")
    assert not wrong, "\n".join(wrong)


def test_learners_get_403_everywhere_under_admin_even_for_missing_objects(client, auth, cohort):
    auth.login(cohort.ana.email)
    for url in ("/admin/", "/admin/groups/99999", "/admin/learners/99999", "/admin/reports/completion.csv"):
        assert client.get(url).status_code == 403


# --- re-authentication ---------------------------------------------------------------------------


def age_sign_in(client, minutes: int = 20) -> None:
    with client.session_transaction() as session:
        session["auth_at"] = int(time.time()) - minutes * 60


@pytest.mark.parametrize(
    "url",
    [
        "/admin/users/{bo}/role",
        "/admin/users/{bo}/deactivate",
        "/admin/users/{bo}/erase",
        "/admin/users/{bo}/password",
        "/admin/users/new",
        "/admin/import",
        "/admin/groups/{north}/import",
        "/admin/reports/completion.csv",
        "/admin/groups/{north}/matrix.csv",
    ],
)
def test_sensitive_pages_ask_for_the_password_again(client, auth, cohort, url):
    url = url.format(bo=cohort.bo.id, north=cohort.north.id)
    auth.login(cohort.admin.email)
    assert client.get(url).status_code == 200
    age_sign_in(client)
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/confirm?next=")
    confirm = response.headers["Location"]
    token = get_csrf(client, confirm)
    back = client.post(confirm, data={"password": "wrong password", "csrf_token": token})
    assert back.status_code == 401
    back = client.post(confirm, data={"password": PASSWORD, "csrf_token": token})
    assert back.status_code == 302 and back.headers["Location"] == url
    assert client.get(url).status_code == 200


def test_a_stale_post_changes_nothing_and_returns_to_the_form_after_reauthentication(client, auth, cohort):
    auth.login(cohort.admin.email)
    url = f"/admin/users/{cohort.bo.id}/role"
    token = get_csrf(client, url)
    age_sign_in(client)
    response = client.post(url, data={"role": "trainer", "csrf_token": token})
    assert response.status_code == 302 and "/account/confirm" in response.headers["Location"]
    fresh()
    assert db.session.get(User, cohort.bo.id).role == Role.LEARNER


def test_a_trainer_export_of_personal_data_needs_a_fresh_password_too(client, auth, cohort):
    auth.login(cohort.trainer_north.email)
    age_sign_in(client)
    assert "/account/confirm" in client.get("/admin/reports/completion.csv").headers["Location"]
    assert client.get("/admin/reports/units.csv").status_code == 200  # no names in it


# --- trainer scope ---------------------------------------------------------------------------------

REPORT_URLS = [
    "/admin/",
    "/admin/groups",
    "/admin/reports",
    "/admin/reports/units",
    "/admin/reports/completion",
    "/admin/reports/organisations",
    "/admin/reports/countries",
    "/admin/reports/questions",
    "/admin/reports/print",
    "/admin/reports/overview.csv",
    "/admin/reports/timeline.csv",
    "/admin/reports/units.csv",
    "/admin/reports/organisations.csv",
    "/admin/reports/countries.csv",
    "/admin/reports/questions.csv",
    "/admin/reports/completion.csv",
    "/admin/groups/{north}",
    "/admin/groups/{north}/matrix.csv",
    "/admin/groups/{north}/attendance",
    "/admin/learners/{ana}",
]


def test_no_row_from_another_trainers_group_in_any_report_or_export(client, auth, cohort):
    auth.login(cohort.trainer_north.email)
    foreign = ["Chen", "Dina", "Eli", "chen@example.org", "dina@example.org", "eli@example.org", "South"]
    for url in REPORT_URLS:
        body = client.get(url.format(north=cohort.north.id, ana=cohort.ana.id)).get_data(as_text=True)
        leaked = [word for word in foreign if word in body]
        assert not leaked, f"{url} shows {leaked}"
    export = client.get("/admin/reports/completion.csv").get_data(as_text=True)
    assert {row[1] for row in list(csv.reader(io.StringIO(export.lstrip("\ufeff"))))[1:]} == {
        "ana@example.org",
        "bo@example.org",
    }
    overview = list(
        csv.reader(io.StringIO(client.get("/admin/reports/overview.csv").get_data(as_text=True).lstrip("\ufeff")))
    )
    assert overview[1][0] == "2"


# --- stored XSS ------------------------------------------------------------------------------------

PAYLOADS = {
    "name": "<script>alert('name')</script>",
    "organisation": "<img src=x onerror=alert('org')>",
    "email": "x'onmouseover=alert`1`&{x}@example.org",  # the worst a valid address may hold
    "group": "<b onmouseover=alert('group')>G</b>",
    "description": "</textarea><script>alert('desc')</script>",
    "answer": "<iframe src=javascript:alert('answer')>",
}


class _ActiveMarkup(HTMLParser):
    """Collects what a browser would run or load: script/iframe elements, on* handlers,
    javascript: URLs. The site's own scripts (fingerprinted files under /static/) are expected."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        own_script = tag == "script" and re.fullmatch(
            r"/static/[a-z-]+\.[0-9a-f]{10}\.js", dict(attrs).get("src") or ""
        )
        if tag in ("script", "iframe", "object", "embed") and not own_script:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")


def active_markup(html: str) -> list[str]:
    parser = _ActiveMarkup()
    parser.feed(html)
    return parser.found


def test_stored_xss_payloads_in_every_user_field_are_escaped_on_every_admin_page(app, client, auth, cohort):

    evil = make_user(
        "learner", email=PAYLOADS["email"], name=PAYLOADS["name"], organisation=PAYLOADS["organisation"], country="KE"
    )
    group = Group(name=PAYLOADS["group"], description=PAYLOADS["description"])
    db.session.add(group)
    db.session.flush()
    db.session.add(Membership(group_id=group.id, user_id=evil.id, role=GroupRole.LEARNER))
    db.session.add(Membership(group_id=cohort.north.id, user_id=evil.id, role=GroupRole.LEARNER))
    db.session.add(UnitCompletion(user_id=evil.id, unit_id="alpha", group_id=group.id, marked_by_id=cohort.admin.id))
    db.session.commit()
    quiz = get_catalogue().quiz("alpha-quiz")
    word = {"word": {"text": PAYLOADS["answer"]}}
    take_quiz(evil, quiz.id, word, cohort.ana.created_at)
    record_export(Actor(evil.id, Role.LEARNER, "<script>ip</script>"), PAYLOADS["name"], {})
    auth.login(cohort.admin.email)
    upload = client.post(
        "/admin/import",
        data={
            "csrf_token": get_csrf(client, "/admin/import"),
            "file": (
                io.BytesIO(
                    f"email,name,organisation\nnew@example.org,{PAYLOADS['name']},{PAYLOADS['organisation']}\n"
                    f"bad,{PAYLOADS['group']},\n".encode()
                ),
                "<script>file</script>.csv",
            ),
        },
        content_type="multipart/form-data",
    )
    pages = {"import preview (errors)": upload.get_data(as_text=True)}
    urls = [
        "/admin/",
        "/admin/users",
        f"/admin/users/{evil.id}",
        f"/admin/users/{evil.id}/role",
        f"/admin/users/{evil.id}/deactivate",
        f"/admin/users/{evil.id}/password",
        f"/admin/users/{evil.id}/invitation",
        f"/admin/users/{evil.id}/email",
        "/admin/groups",
        f"/admin/groups/{group.id}",
        f"/admin/groups/{group.id}/edit",
        f"/admin/groups/{group.id}/attendance",
        f"/admin/groups/{cohort.north.id}",
        f"/admin/learners/{evil.id}",
        "/admin/reports",
        "/admin/reports/completion",
        "/admin/reports/organisations",
        "/admin/reports/questions",
        "/admin/reports/print",
        f"/admin/reports?group={group.id}",
        "/admin/audit",
        f"/admin/users?q={PAYLOADS['name']}",
        f"/admin/groups/{group.id}/import",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.get_data(as_text=True)
    auth.logout()
    auth.login(cohort.trainer_north.email)
    for url in (f"/admin/groups/{cohort.north.id}", f"/admin/learners/{evil.id}", "/admin/reports/completion"):
        pages[f"trainer {url}"] = client.get(url).get_data(as_text=True)
    for where, html in pages.items():
        for field, payload in PAYLOADS.items():
            assert payload not in html, f"{field} unescaped on {where}"
        assert active_markup(html) == [], f"markup that runs on {where}"
    escaped_name = "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;"
    assert escaped_name in pages["/admin/users"] and escaped_name in pages["/admin/reports/completion"]
    assert "&lt;iframe" in pages[f"/admin/learners/{evil.id}"]


def test_audit_log_shows_injected_line_breaks_escaped_as_one_entry(client, auth, cohort):
    record_export(Actor(cohort.admin.id, Role.ADMIN), "x\r\nFAKE ENTRY<script>", {})
    auth.login(cohort.admin.email)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "x\\r\\nFAKE ENTRY&lt;script&gt;" in page


# --- CSV: headers, and the same numbers everywhere --------------------------------------------------


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_csv_downloads_are_attachments_not_cached_and_audited(client, auth, cohort):
    auth.login(cohort.admin.email)
    response = client.get("/admin/reports/completion.csv")
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="completion-\d{4}-\d\d-\d\d\.csv"', disposition)
    assert "no-store" in response.headers["Cache-Control"]
    assert read_csv(response)[0] == [
        "name",
        "email",
        "organisation",
        "country",
        "groups",
        "units complete",
        "course status",
        "course percent",
        "completed at",
        "last activity",
        "language",
    ]
    fresh()
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "report.export")).all()
    assert [(e.target, e.actor_id) for e in events] == [("completion", cohort.admin.id)]


def screen_rows(html: str) -> dict[str, tuple[str, str, str]]:
    """Per learner on the 'by learner' page (name, organisation, country, language, groups, ...): units
    complete, status, percent."""
    found = {}
    for row in re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", html, re.S):
        email = re.search(r'class="cell-sub">([^<]+)<', row).group(1)
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        found[unescape(email)] = (cells[4].split(" / ")[0], cells[5], cells[6].rstrip("%"))
    return found


def test_completion_on_screen_equals_csv_export_equals_command_line(app, client, auth, cohort, tmp_path):
    auth.login(cohort.admin.email)
    html = client.get("/admin/reports/completion").get_data(as_text=True)
    export = read_csv(client.get("/admin/reports/completion.csv"))
    header, rows = export[0], export[1:]
    assert header[:2] == ["name", "email"] and len(rows) == 5
    labels = {"complete": "Complete", "in_progress": "In progress", "not_started": "Not started"}
    from_csv = {r[1]: (r[5], labels[r[6]], r[7]) for r in rows}
    assert screen_rows(html) == from_csv
    runner = app.test_cli_runner()
    out = tmp_path / "completion.csv"
    result = runner.invoke(args=["report", "completion", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(out.read_text(encoding="utf-8").lstrip("\ufeff"), newline=""))) == export
    result = runner.invoke(args=["report", "completion", "--format", "json"])
    data = json.loads(result.stdout)
    assert {
        r["email"]: (str(r["units_complete"]), labels[r["course_status"]], str(r["course_percent"]))
        for r in data["learners"]
    } == from_csv
    ana = next(r for r in data["learners"] if r["email"] == "ana@example.org")
    assert ana["completed_at"] == "2026-03-20T10:00:00Z" and ana["groups"] == "North"


def test_completion_export_equals_the_row_by_row_export_for_every_kind_of_learner(app, client, auth, cohort):
    """completion.csv is made by a faster path (moments and groups written by the database,
    cells guarded in batches): byte for byte what the row-by-row path of the command line
    makes (:func:`reports.learner_rows`, :func:`reports.completion_record`, ``csv_lines``),
    for texts a spreadsheet could take for formulas, moments with fractions of a second,
    several groups, trainer marks, every status, sort, filter and scope."""
    from training import reports
    from training.csvio import csv_lines
    from training.services import learning, summaries

    extra = Group(name='Alpha team, "A"', description="")
    formula = Group(name="+Team =1", description="")
    db.session.add_all([extra, formula])
    db.session.commit()
    names = [
        "=SUM(A1)",
        "  +33 1 23",
        "'quoted",
        "@handle",
        "\u2003=hidden",
        'Zoë "Z" O\'Neil, Jr.',
        "-minus",
        "\tTab",
        'Ana "Quote',
        "Line\nbreak",
        "Carriage\rreturn",
        "Both\r\nends,",
        "Émile",
        "9 lives",
        "+plus",
        "\u00a0@nbsp",
        "\u3000-ideographic",
        "\u2028=separator",
        'Ünal, "Ü"',
        '"quoted first',
        ",comma first",
        "Ω",
    ]
    moment = datetime(2026, 3, 1, 9, 30, 59, 999_999, tzinfo=UTC)
    for i in range(60):
        user = db.session.get(User, make_user("learner", email=f"many{i}@example.org").id)
        user.country = ("KE", "NG", "=1")[i % 3]  # written before the checks, or imported
        user.name = names[i % len(names)] + f" {i:02d}" if i < 44 else f"Learner {59 - i:02d}"
        user.organisation = ("Ministry A", "-Ministry", "", "Ministère", 'Office, "North"\r\n', "Ökonomie")[i % 6]
        user.language = (None, "fr", "es")[i % 3]
        groups = [cohort.north.id, extra.id] if i % 4 == 0 else [extra.id] if i % 4 == 1 else []
        groups += [formula.id] if i % 8 in (1, 2) else []
        db.session.add_all(Membership(group_id=g, user_id=user.id, role=GroupRole.LEARNER) for g in groups)
        db.session.commit()
        if i % 3 == 0:
            learning.record_lesson_opened(user.id, "alpha", "first-steps", now=moment)
        if i % 5 == 0:
            for lesson in ("first-steps", "second-steps"):
                learning.record_lesson_opened(user.id, "alpha", lesson, now=moment)
                learning.record_lesson_read(
                    user.id, "alpha", lesson, get_catalogue().lesson("alpha", lesson).version, now=moment
                )
            take_quiz(user, "alpha-quiz", alpha_answers(i % 10 == 0), moment)
        if i % 7 == 0:
            for unit in ("alpha", "beta"):
                db.session.add(
                    UnitCompletion(user_id=user.id, unit_id=unit, marked_by_id=cohort.admin.id, completed_at=moment)
                )
            db.session.commit()
    summaries.rebuild(get_catalogue())  # the marks were written straight to their table
    queries = [
        ("", {}, reports.Filters()),
        ("?sort=organisation&status=in_progress", {"sort": "organisation", "status": Status.IN_PROGRESS}, None),
        ("?sort=registered&status=complete", {"sort": "registered", "status": Status.COMPLETE}, None),
        ("?sort=country&q=many", {"sort": "country", "search": "many"}, None),
        ("?country=NG&status=not_started", {"status": Status.NOT_STARTED}, reports.Filters(country="NG")),
        (f"?group={extra.id}", {}, reports.Filters(group_id=extra.id)),
    ]
    exports = {}
    for who, scope in ((cohort.admin, reports.Scope()), (cohort.trainer_north, reports.Scope(cohort.trainer_north.id))):
        auth.login(who.email)
        for url, options, filters in queries:
            if scope.trainer_id is not None and filters and filters.group_id:
                continue  # not the trainer's group: 404
            body = client.get("/admin/reports/completion.csv" + url).get_data(as_text=True)
            fresh()
            rows = reports.learner_rows(get_catalogue(), scope, filters or reports.Filters(), **options)
            expected = "".join(csv_lines(reports.COMPLETION_COLUMNS, (reports.completion_record(r) for r in rows)))
            assert body == expected, (who.email, url)
            assert body.count("\r\n") > 2, (who.email, url)  # learners in every case
            exports[who.email, url] = body
        auth.logout()
    everyone = exports[cohort.admin.email, ""]
    for cell in (
        "'=SUM(A1) 00,",
        '"Ana ""Quote 08",',
        '"Line\nbreak 09",',
        '"Both\r\nends, 11",',
        "'+plus 14,",
        "'\u00a0@nbsp 15,",
        "'\u3000-ideographic 16,",
        "'\u2028=separator 17,",
        '"""quoted first 19",',
        '",comma first 20",',
        '"Office, ""North""\r\n"',
        "Émile 12,",
        "9 lives 13,",
        ",'+Team =1,",
        ',"\'+Team =1; Alpha team, ""A""",',
        "'  +33 1 23 01,",
        "'\u2003=hidden 04,",
        "'-Ministry,",
        ",'=1,",
        ",2026-03-01T09:30:59Z,",
    ):
        assert cell in everyone


def test_unit_and_country_reports_match_their_csv(client, auth, cohort):
    auth.login(cohort.admin.email)
    html = client.get("/admin/reports/units").get_data(as_text=True)
    units = read_csv(client.get("/admin/reports/units.csv"))
    assert units[1][:6] == ["Alpha unit", "alpha", "5", "3", "3", "60"]
    assert '<td class="num">3</td><td class="num">3</td><td class="num">60%</td>' in html
    countries = read_csv(client.get("/admin/reports/countries.csv"))
    assert countries[0] == ["country", "country code", "registered", "started", "completed", "completion rate percent"]
    assert ["Kenya", "KE", "2", "2", "1", "50"] in countries


def test_report_charts_have_text_alternatives_and_tables(client, auth, cohort):
    auth.login(cohort.admin.email)
    for url in ("/admin/reports", "/admin/reports/units", "/admin/reports/countries", "/admin/reports/print"):
        html = client.get(url).get_data(as_text=True)
        assert '<svg class="chart"' in html and 'role="img"' in html
        assert re.search(r"<title id=\"[\w-]+-title\">[^<]+</title>\s*<desc id=\"[\w-]+-desc\">[^<]+</desc>", html)
        assert "<table" in html and "style=" not in html


def test_filters_in_the_url_apply_to_screen_and_csv(client, auth, cohort):
    auth.login(cohort.admin.email)
    page = client.get("/admin/reports/completion?country=NG").get_data(as_text=True)
    assert "Chen" in page and "Ana" not in page
    rows = read_csv(client.get("/admin/reports/completion.csv?country=NG&status=complete"))
    assert [r[0] for r in rows[1:]] == ["Dina"]
    assert client.get("/admin/reports?group=99999").status_code == 404


# --- accounts, imports, groups through the web -------------------------------------------------------


def test_deactivating_an_account_signs_its_copied_session_out(app, client, auth, cohort):
    learner_client = app.test_client()

    Auth(learner_client).login(cohort.bo.email)
    assert learner_client.get("/dashboard").status_code == 200
    auth.login(cohort.admin.email)
    url = f"/admin/users/{cohort.bo.id}/deactivate"
    response = client.post(url, data={"csrf_token": get_csrf(client, url)})
    assert response.status_code == 303
    again = learner_client.get("/dashboard")
    assert again.status_code == 302 and "/login" in again.headers["Location"]


def test_password_reset_shows_a_temporary_password_once(client, auth, cohort):
    auth.login(cohort.admin.email)
    url = f"/admin/users/{cohort.bo.id}/password"
    page = client.post(url, data={"csrf_token": get_csrf(client, url)}).get_data(as_text=True)
    password = re.search(r'<code class="secret">([a-z0-9-]+)</code>', page).group(1)
    fresh()
    assert db.session.get(User, cohort.bo.id).must_change_password
    assert password not in client.get(f"/admin/users/{cohort.bo.id}").get_data(as_text=True)
    assert password not in str(db.session.scalars(sa.select(AuditEvent.detail)).all())


def test_role_change_through_the_form(client, auth, cohort):
    auth.login(cohort.admin.email)
    url = f"/admin/users/{cohort.bo.id}/role"
    page = client.get(url).get_data(as_text=True)
    assert '<option selected value="learner">' in page
    response = client.post(url, data={"role": "trainer", "csrf_token": csrf_from(page)})
    assert response.status_code == 303
    fresh()
    assert db.session.get(User, cohort.bo.id).role == Role.TRAINER
    own = f"/admin/users/{cohort.admin.id}/role"
    refused = client.post(own, data={"role": "learner", "csrf_token": csrf_from(page)})
    assert refused.status_code == 400 and "your own role" in refused.get_data(as_text=True)


def test_extra_posted_fields_are_ignored(client, auth, cohort):
    auth.login(cohort.admin.email)
    url = f"/admin/users/{cohort.bo.id}"
    response = client.post(
        url,
        data={
            "csrf_token": get_csrf(client, url),
            "name": "Bo B",
            "country": "KE",
            "role": "admin",
            "email": "x@example.org",
            "active": "0",
        },
    )
    assert response.status_code == 303
    fresh()
    bo = db.session.get(User, cohort.bo.id)
    assert (bo.name, bo.role, bo.email, bo.active) == ("Bo B", Role.LEARNER, "bo@example.org", True)


def test_import_in_two_steps_through_the_web(client, auth, cohort):
    auth.login(cohort.admin.email)
    data = "email,name,organisation,country,groups\nnew1@example.org,New One,Ministry,KE,North\nbo@example.org,Bo,,,\n"
    upload = client.post(
        "/admin/import",
        data={"csrf_token": get_csrf(client, "/admin/import"), "file": (io.BytesIO(data.encode()), "cohort.csv")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 303
    preview_url = upload.headers["Location"]
    preview = client.get(preview_url).get_data(as_text=True)
    assert "new1@example.org" in preview and "new accounts: 1; to update: 0; unchanged: 1." in preview
    assert db.session.scalar(sa.select(User).where(User.email == "new1@example.org")) is None
    done = client.post(preview_url, data={"csrf_token": csrf_from(preview), "delivery": "password"})
    assert done.status_code == 200 and "Temporary passwords" in done.get_data(as_text=True)
    fresh()
    user = db.session.scalar(sa.select(User).where(User.email == "new1@example.org"))
    assert user.must_change_password and user.role == Role.LEARNER
    assert client.get(preview_url).status_code == 404  # used up
    assert "import.users" in db.session.scalars(sa.select(AuditEvent.action)).all()


def test_a_bad_import_shows_row_errors_and_imports_nothing(client, auth, cohort):
    auth.login(cohort.admin.email)
    data = "email,name\nok@example.org,Ok\nnot-an-email,Broken\n"
    response = client.post(
        "/admin/import",
        data={"csrf_token": get_csrf(client, "/admin/import"), "file": (io.BytesIO(data.encode()), "bad.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Row 3: email:" in page and "nothing was imported" in page
    fresh()
    assert db.session.scalar(sa.select(User).where(User.email == "ok@example.org")) is None


def oversized_upload(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    return client.post(
        "/admin/import",
        data={"csrf_token": "x", "file": (io.BytesIO(b"email,name\n" + b"x" * 5000), "big.csv")},
        content_type="multipart/form-data",
    )


def test_an_oversized_upload_is_refused_before_anything_reads_it(client, app):
    assert oversized_upload(client, app).status_code == 413


def test_an_oversized_upload_by_a_signed_in_admin_gets_the_413_page(client, app, auth, cohort):
    auth.login(cohort.admin.email)
    assert oversized_upload(client, app).status_code == 413


def test_group_member_import_through_the_web(client, auth, cohort):
    auth.login(cohort.admin.email)
    url = f"/admin/groups/{cohort.north.id}/import"
    upload = client.post(
        url,
        data={"csrf_token": get_csrf(client, url), "file": (io.BytesIO(b"email\nchen@example.org\n"), "members.csv")},
        content_type="multipart/form-data",
    )
    preview = client.get(upload.headers["Location"]).get_data(as_text=True)
    done = client.post(upload.headers["Location"], data={"csrf_token": csrf_from(preview)})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/admin/groups/{cohort.north.id}")
    fresh()
    assert (
        db.session.scalar(
            sa.select(Membership.id).where(Membership.group_id == cohort.north.id, Membership.user_id == cohort.chen.id)
        )
        is not None
    )


def test_trainer_records_attendance_and_marks_a_unit_complete(client, auth, cohort):
    auth.login(cohort.trainer_north.email)
    url = f"/admin/groups/{cohort.north.id}/attendance"
    page = client.get(url).get_data(as_text=True)
    assert "Ana" in page and "Chen" not in page
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "unit": "beta",
            "session_date": "2026-03-26",
            "present": [str(cohort.bo.id)],
            "mark_complete": "y",
        },
    )
    assert response.status_code == 303
    fresh()
    mark = db.session.scalar(sa.select(UnitCompletion).where(UnitCompletion.user_id == cohort.bo.id))
    assert (mark.unit_id, mark.marked_by_id, mark.group_id) == ("beta", cohort.trainer_north.id, cohort.north.id)
    matrix = client.get(f"/admin/groups/{cohort.north.id}").get_data(as_text=True)
    assert 'title="Marked complete by a trainer">T</abbr>' in matrix
    detail = client.get(f"/admin/learners/{cohort.bo.id}").get_data(as_text=True)
    assert "Trainer North" in detail and "marked by a trainer" in detail
    outsider = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "unit": "beta",
            "session_date": "2026-03-26",
            "present": [str(cohort.chen.id)],
        },
    )
    assert outsider.status_code == 400  # not one of the choices: Chen is not in this group


def test_learner_detail_shows_every_attempt_and_answer(client, auth, cohort):
    auth.login(cohort.trainer_north.email)
    page = client.get(f"/admin/learners/{cohort.ana.id}").get_data(as_text=True)
    assert page.count("Attempt 1:") == 2 and "Attempt 2:" in page
    assert "Beta" in page and "not correct" in page


def test_trainer_home_lists_only_their_groups(client, auth, cohort):
    auth.login(cohort.trainer_south.email)
    page = client.get("/admin/").get_data(as_text=True)
    assert "South" in page and "North" not in page


# --- command line ------------------------------------------------------------------------------------


def test_cli_import_prints_row_errors_and_exits_non_zero(runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("email,name\nok@example.org,Ok\nbroken,No\n", encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(bad)])
    assert result.exit_code == 1
    assert "Row 3: email:" in result.stderr and "nothing was imported" in result.stderr
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    good = tmp_path / "good.csv"
    good.write_text("\ufeffemail,name,country\nok@example.org,Ok,Kenya\n", encoding="utf-8")
    result = runner.invoke(args=["users", "import", "--temporary-passwords", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.stdout and "ok@example.org\t" in result.stdout
    again = runner.invoke(args=["users", "import", str(good)])
    assert "0 created, 0 updated, 1 unchanged" in again.stdout


def test_demo_fills_the_database_once_and_prints_logins(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.example" in result.stdout and "two-step secret:" in result.stdout
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.role == Role.LEARNER)) == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Group)) == 6
    assert runner.invoke(args=["demo"]).exit_code == 1
    unconfirmed = sa.select(sa.func.count()).select_from(User).where(User.email_verified_at.is_(None))
    assert db.session.scalar(unconfirmed) == 0  # demo accounts open the course at once, whatever the policy


def test_a_shared_learner_shows_a_trainer_nothing_of_the_other_group(client, auth, cohort):
    db.session.add(Membership(group_id=cohort.north.id, user_id=cohort.dina.id, role=GroupRole.LEARNER))
    db.session.commit()
    auth.login(cohort.trainer_north.email)
    page = client.get(f"/admin/learners/{cohort.dina.id}").get_data(as_text=True)
    assert "Dina" in page and "another group" in page and "marked by a trainer" in page
    assert "South" not in page
    export = read_csv(client.get("/admin/reports/completion.csv"))
    assert {row[1]: row[4] for row in export[1:]}["dina@example.org"] == "North"
    assert "South" not in client.get("/admin/reports/completion").get_data(as_text=True)
    assert f"/admin/groups/{cohort.south.id}/completions/undo" not in page


def test_audit_log_times_are_in_the_viewing_administrators_time_zone(client, auth, cohort):
    record_export(Actor(cohort.admin.id, Role.ADMIN), "zoned export", {})
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.target == "zoned export"))
    event.at = datetime(2026, 12, 1, 10, 5, 0, tzinfo=UTC)
    db.session.get(User, cohort.admin.id).time_zone = "Africa/Nairobi"  # UTC+3, no summer time
    db.session.commit()
    auth.login(cohort.admin.email)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert ">When (Africa/Nairobi)</th>" in page
    assert '<time datetime="2026-12-01T10:05:00Z">Dec 1, 2026, 1:05:00\u202fPM</time>' in page

    fresh()
    db.session.get(User, cohort.admin.id).time_zone = None
    db.session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert ">When (UTC)</th>" in page and ">Dec 1, 2026, 10:05:00\u202fAM</time>" in page
