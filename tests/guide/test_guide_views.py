"""The guide through HTTP: who may open what, the planner form, and the HTML guide."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from training.extensions import db
from training.models import GuideBuild, GuidePdf, utcnow

from .conftest import (
    answer_key_texts,
    needs_poppler,
    pdf_text,
    searchable,
    text_chunks,
    trainer_only_texts,
)

GUIDE_ONLY_URLS = [
    "/guide",
    "/guide?units=alpha&days=1",
    "/guide.pdf",
    "/guide.pdf?units=beta",
    "/guide/guide.css",
    "/guide/page.css",
    "/guide/fonts/source-serif-4-latin-400-normal.woff2",
    "/guide/units/alpha/quiz.pdf",
    "/guide/units/alpha/quiz-answers.pdf",
    "/guide/units/alpha/handouts.pdf",
]


class Tree(HTMLParser):
    """Text nodes with the classes of every element around them."""

    VOID = {"br", "hr", "img", "input", "meta", "link", "col", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, set[str]]] = []
        self.texts: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append((tag, set((dict(attrs).get("class") or "").split())))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if data.strip():
            inside = any("trainer-only" in classes for _, classes in self.stack)
            self.texts.append((" ".join(data.split()), inside))


def texts_of(html: str) -> list[tuple[str, bool]]:
    tree = Tree()
    tree.feed(html)
    return tree.texts


def test_guide_urls_are_for_trainers_and_admins_only(client, login_as):
    login_as("learner")
    for url in GUIDE_ONLY_URLS:
        assert client.get(url).status_code == 403, url


def test_every_guide_route_is_covered_by_the_learner_check(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("guide.")}
    covered = {app.url_map.bind("localhost").match(url.split("?")[0])[0] for url in GUIDE_ONLY_URLS}
    assert endpoints - covered == {"guide.handout"}  # the learner handout is for learners too


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in [*GUIDE_ONLY_URLS, "/units/alpha/handout.pdf"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_staff_open_the_guide_with_the_planner_and_the_whole_course(client, login_as, role, catalogue):
    login_as(role)
    response = client.get("/guide")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="guide"' in page and "Plan a workshop" in page
    for unit in catalogue.units:
        assert f'id="unit-{unit.id}"' in page
        for lesson in unit.lessons:
            assert f'id="lesson-{unit.id}-{lesson.id}"' in page
    assert 'href="/guide/guide.css"' in page and "style=" not in page and "<style" not in page
    assert client.get("/guide/guide.css").mimetype == "text/css"


def test_every_trainer_only_block_sits_inside_trainer_only(client, login_as, catalogue):
    login_as("trainer")
    texts = texts_of(client.get("/guide").get_data(as_text=True))
    for secret in [*trainer_only_texts(catalogue), *answer_key_texts(catalogue)]:
        found = [inside for text, inside in texts if secret in text]
        assert found, f"{secret!r} is not in the guide"
        assert all(found), f"{secret!r} appears outside .trainer-only"


def test_no_trainer_only_text_reaches_a_learner_page(client, login_as, catalogue):
    login_as("learner")
    urls = ["/", "/dashboard"]
    for unit in catalogue.units:
        urls.append(f"/units/{unit.id}")
        urls.extend(f"/units/{unit.id}/{lesson.id}" for lesson in unit.lessons)
        if unit.quiz_id:
            urls.append(f"/quizzes/{unit.quiz_id}")
    secrets = trainer_only_texts(catalogue)
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.get_data(as_text=True)
        assert "trainer-only" not in html
        for secret in secrets:
            assert secret not in html, (url, secret)


def test_lesson_links_become_in_page_anchors_and_headings_move_down(client, login_as):
    login_as("trainer")
    html = client.get("/guide").get_data(as_text=True)
    page = html[html.index('<article class="guide"') :]
    assert 'href="/units/' not in page
    assert 'href="#lesson-alpha-second-steps"' in page and 'href="#lesson-beta-only-lesson"' in page
    assert '<h3 id="alpha-first-steps-moving-on">Moving on</h3>' in page  # the lesson's h2 under the lesson's h2


def test_the_glossary_is_sorted_and_lists_each_term_once(client, login_as, catalogue):
    login_as("trainer")
    page = client.get("/guide").get_data(as_text=True)
    glossary = page[page.index('id="glossary"') : page.index('id="references"')]
    terms = [
        text
        for text, _ in texts_of(glossary)
        if text in {t.term for le in catalogue.all_lessons() for t in le.key_terms}
    ]
    assert terms == sorted(set(terms), key=str.casefold)


def test_planning_two_units_in_a_short_day_says_by_how_much_it_is_over(client, login_as):
    login_as("trainer")
    page = client.get("/guide?units=alpha&units=beta&days=1&start=09:00&hours=3&break_minutes=15&lunch=60&session=90")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "does not fit: over by" in html and "What you could do" in html
    assert "Make the days" in html or "Add one more day" in html


def test_planning_one_unit_gives_an_agenda_and_a_guide_for_that_unit_only(client, login_as):
    login_as("trainer")
    html = client.get("/guide?units=alpha&days=1&start=08:30&hours=6&break_minutes=10&lunch=45&session=60").get_data(
        as_text=True
    )
    assert "Your workshop fits" in html
    assert 'id="unit-alpha"' in html and 'id="unit-beta"' not in html
    assert "08:30–08:40" in html  # the welcome step, with its clock time
    assert "Workshop edition" in html


def test_bad_planner_options_show_the_form_again_with_errors(client, login_as):
    login_as("trainer")
    page = client.get("/guide?units=nope&days=40&hours=30")
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Please check the form" in html and 'aria-invalid="true"' in html
    late = client.get("/guide?start=20:00&hours=6")
    assert late.status_code == 400 and "would end after midnight" in late.get_data(as_text=True)
    assert client.get("/guide?hours=6.5&days=2").status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("days=40", "Number of days"),
        ("days=0", "Number of days"),
        ("days=99999999999999999999", "Number of days"),
        ("hours=30", "Hours per day"),
        ("hours=6.25", "half hours"),
        ("hours=0.5", "Hours per day"),
        ("break_minutes=-5", "Break"),
        ("lunch=100000", "Lunch"),
        ("session=5", "Longest session"),
        ("start=25:00", "Start time"),
        ("start=20:00&hours=6", "after midnight"),
        ("units=nope", "Units"),
    ],
)
def test_bad_planner_values_get_a_clear_400_before_anything_is_typeset(client, login_as, query, message):
    login_as("trainer")
    response = client.get(f"/guide.pdf?{query}")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)
    assert _count(GuidePdf) == 0


@needs_poppler
def test_guide_pdf_download_is_built_once_then_served_from_the_shared_store(client, login_as):
    login_as("trainer")
    url = "/guide.pdf?units=alpha&days=1&start=09:00&hours=6&break_minutes=15&lunch=60&session=90"
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data.startswith(b"%PDF")
    db.session.rollback()
    stored = db.session.execute(sa.select(GuidePdf.kind, GuidePdf.size)).all()
    assert stored == [("guide", len(first.data))]
    second = client.get(url)
    assert second.data == first.data
    assert _count(GuidePdf) == 1
    assert _count(GuideBuild) == 0  # places given back


def _count(model: type) -> int:
    db.session.rollback()  # a fresh snapshot: see what the requests wrote
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _hold(scope: str, slot: int = 0, seconds: int = 60) -> None:
    """A place taken by a build still running elsewhere (another server, another tab)."""
    db.session.rollback()
    db.session.add(
        GuideBuild(scope=scope, slot=slot, token="elsewhere", expires_at=utcnow() + timedelta(seconds=seconds))
    )
    db.session.commit()


def test_a_second_build_by_the_same_person_waits_its_turn(app, client, login_as):
    user = login_as("trainer")
    _hold(f"user:{user.id}")
    response = client.get("/guide.pdf?days=3")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "already have a PDF being typeset" in response.get_data(as_text=True)


def test_builds_beyond_the_cluster_limit_get_503_and_nothing_is_typeset(app, client, login_as):
    login_as("trainer")
    for slot in range(app.config["GUIDE_BUILDS_IN_FLIGHT"]):
        _hold("all", slot)
    response = client.get("/guide.pdf?days=4")
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert _count(GuidePdf) == 0
    assert _count(GuideBuild) == 2  # the held places only


def test_a_place_left_by_a_crashed_server_expires(app, client, login_as):
    login_as("trainer")
    for slot in range(app.config["GUIDE_BUILDS_IN_FLIGHT"]):
        _hold("all", slot, seconds=-1)
    assert client.get("/units/alpha/handout.pdf").status_code == 200
    assert _count(GuideBuild) == 0


@needs_poppler
def test_learners_download_their_unit_handout_without_trainer_material(client, login_as, catalogue, tmp_path):
    login_as("learner")
    response = client.get("/units/alpha/handout.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "from-http.pdf"
    path.write_bytes(response.data)
    text = searchable(pdf_text(path))
    assert searchable("304 million people moved in 2024") in text and searchable("A move forward.") in text
    for secret in [*trainer_only_texts(catalogue), *answer_key_texts(catalogue)]:
        assert searchable(secret) not in text
    assert client.get("/units/nope/handout.pdf").status_code == 404


def test_unknown_units_in_guide_urls_are_404(client, login_as):
    login_as("trainer")
    for url in (
        "/guide/units/nope/quiz.pdf",
        "/guide/units/nope/quiz-answers.pdf",
        "/guide/units/nope/handouts.pdf",
        "/guide/fonts/nope.woff2",
        "/guide/nope.css",
    ):
        assert client.get(url).status_code == 404, url


def test_text_chunks_skip_short_fragments():
    assert text_chunks("<p>Short</p><p>Long enough text</p>") == ["Long enough text"]
