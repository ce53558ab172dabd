"""The lesson page, the course map and the dashboard are rendered once for everyone who sees
them alike (``training/web/frames.py``): each learner still gets exactly the bytes and headers
a full render gives them, with their own name, progress, form token and idempotency key, and
nobody else's."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from flask import render_template

from training.extensions import db
from training.models import LessonProgress, User, utcnow
from training.web import frames, learn

from ..factories import alpha_answers, at, beta_answers, make_user, read_lesson, take_quiz
from ..helpers import Auth, csrf_from

LESSON = "/units/alpha/first-steps"
FORM_VALUES = re.compile(r'name="(csrf_token|idempotency_key)" value="([^"]*)"')


def _without_form_values(page: str) -> str:
    return FORM_VALUES.sub(r'name="\1" value=""', page)


def _headers(response, *left_out: str) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in ("X-Request-ID", "Date", *left_out)}


def test_a_shared_lesson_page_is_byte_for_byte_a_full_render(client, login_as, monkeypatch):
    login_as("learner", name='Ana <b>"Bo" & Co\'s</b>')
    client.get(LESSON)  # the first view after sign-in writes the reading and settles the session
    with monkeypatch.context() as patch:
        patch.setattr(learn, "render_shared", _full_render)
        full = client.get(LESSON)
    frames._frames.clear()
    first, again = client.get(LESSON), client.get(LESSON)  # a frame made, then a frame reused
    assert full.status_code == first.status_code == again.status_code == 200
    for shared in (first, again):
        assert _without_form_values(shared.get_data(as_text=True)) == _without_form_values(full.get_data(as_text=True))
        # The tag of a shared page names its frame and the person's values in it; a page
        # rendered in full is named by its bytes: both change whenever the page does.
        assert _headers(shared, "ETag") == _headers(full, "ETag")
    assert first.headers["ETag"] == again.headers["ETag"]  # the frame made anew (another worker) gives the same tag
    page = again.get_data(as_text=True)
    assert "Ana &lt;b&gt;&#34;Bo&#34; &amp; Co&#39;s&lt;/b&gt;" in page
    assert frames.NAME not in page and frames.TOKEN not in page and frames.KEY not in page
    keys = [value for field, value in FORM_VALUES.findall(page) if field == "idempotency_key"]
    assert (
        keys
        and all(keys)
        and keys != [v for f, v in FORM_VALUES.findall(first.get_data(as_text=True)) if f == "idempotency_key"]
    )


def test_each_learner_gets_their_own_name_and_a_token_that_works(app, login_as):
    pages = {}
    for name in ("Learner Amina", "Learner Bruno"):
        client = app.test_client()
        user = make_user(role="learner", name=name)
        assert Auth(client).login(user.email).status_code == 302
        page = client.get(LESSON).get_data(as_text=True)
        pages[name] = page
        token = csrf_from(page)
        done = client.post(f"{LESSON}/complete", data={"csrf_token": token})
        assert done.status_code == 303  # the token filled into the shared page is this session's
    assert "Learner Amina" in pages["Learner Amina"] and "Learner Bruno" not in pages["Learner Amina"]
    assert "Learner Bruno" in pages["Learner Bruno"] and "Learner Amina" not in pages["Learner Bruno"]
    assert csrf_from(pages["Learner Amina"]) != csrf_from(pages["Learner Bruno"])


def test_read_state_and_flashed_messages_are_not_shared(client, login_as):
    login_as("learner")
    assert "You have read this lesson" not in client.get(LESSON).get_data(as_text=True)
    token = csrf_from(client.get(LESSON).get_data(as_text=True))
    client.post(f"{LESSON}/complete", data={"csrf_token": token})
    assert "You have read this lesson" in client.get(LESSON).get_data(as_text=True)
    client.post("/units/alpha/second-steps/complete", data={"csrf_token": token})  # flashes "read every lesson"
    flashed = client.get("/units/alpha/second-steps").get_data(as_text=True)
    assert "You have read every lesson" in flashed
    assert "You have read every lesson" not in client.get("/units/alpha/second-steps").get_data(as_text=True)


def _full_render(key, template, mine=None, **context):
    return frames.SharedPage(render_template(template, mine=mine, **context).encode(), None)


def _learners_at_every_stage(app):
    """Signed-in clients of learners who have done nothing, read a lesson, failed a quiz,
    passed a unit, and finished the course; names and organisations holding HTML."""
    clients = {}
    for stage in ("new", "reading", "failed", "unit done", "course done"):
        user = make_user(role="learner", name=f'<b>"{stage}"</b> & Co\'s', organisation=f"<i>{stage}</i> & Org")
        moment = at(3, 2)
        if stage != "new":
            read_lesson(user, "alpha", "first-steps", moment)
        if stage in ("failed", "unit done", "course done"):
            take_quiz(user, "alpha-quiz", alpha_answers(right=False), moment)
        if stage in ("unit done", "course done"):
            read_lesson(user, "alpha", "second-steps", moment)
            take_quiz(user, "alpha-quiz", alpha_answers(right=True), moment)
        if stage == "course done":
            read_lesson(user, "beta", "only-lesson", at(3, 5))
            read_lesson(user, "beta", "beta-two", at(3, 5))
            take_quiz(user, "beta-quiz", beta_answers(right=True), at(3, 5))
        client = app.test_client()
        assert Auth(client).login(user.email).status_code == 302
        client.get("/")  # the first page after sign-in settles the session
        clients[stage] = client
    return clients


def test_shared_course_maps_and_dashboards_are_byte_for_byte_full_renders(app, monkeypatch):
    """One learner's visit makes the shared page; every other learner, whatever their
    progress, gets from it exactly what a full render of their page gives, in two languages."""
    clients = _learners_at_every_stage(app)
    for path in ("/", "/dashboard", "/?lang=fr", "/dashboard?lang=fr"):
        with monkeypatch.context() as patch:
            patch.setattr(learn, "shared_page", lambda *args, **kwargs: _full_render(*args, **kwargs).body)
            for client in clients.values():
                client.get(path)  # ?lang= sets its cookie on the first visit only
            full = {stage: client.get(path) for stage, client in clients.items()}
        frames._frames.clear()
        shared = {stage: client.get(path) for stage, client in reversed(clients.items())}  # the last made it
        pages = set()
        for stage, answer in shared.items():
            assert answer.status_code == full[stage].status_code == 200, (path, stage)
            page = answer.get_data(as_text=True)
            assert _without_form_values(page) == _without_form_values(full[stage].get_data(as_text=True)), (path, stage)
            assert _headers(answer) == _headers(full[stage]), (path, stage)
            assert f"&lt;b&gt;&#34;{stage}&#34;&lt;/b&gt; &amp; Co&#39;s" in page
            assert frames.NAME not in page and "piece" not in page
            pages.add(_without_form_values(page))
        assert len(pages) == len(clients), path  # each learner's own progress, not the first one's
        if "dashboard" in path:
            assert "&lt;i&gt;reading&lt;/i&gt; &amp; Org" in shared["reading"].get_data(as_text=True)
    french = clients["reading"].get("/?lang=fr").get_data(as_text=True)
    assert 'lang="fr"' in french and "Plan du cours" in french


def test_the_course_map_shows_each_learner_their_own_progress(app):
    clients = _learners_at_every_stage(app)
    frames._frames.clear()
    pages = {stage: client.get("/").get_data(as_text=True) for stage, client in clients.items()}
    assert "Start the course" in pages["new"] and "read</span>" not in pages["new"]
    assert "Continue where you left off" in pages["reading"] and pages["reading"].count('class="done">read<') == 1
    assert "1 attempt" in pages["failed"]
    assert "passed</span>" in pages["unit done"] and "You have completed the course." not in pages["unit done"]
    assert "You have completed the course." in pages["course done"]
    dashboard = clients["course done"].get("/dashboard").get_data(as_text=True)
    assert "You have completed the course" in dashboard and "Your course was complete on" in dashboard


def test_a_flashed_message_on_the_course_map_is_shown_once_and_never_shared(app, client, login_as):
    clients = _learners_at_every_stage(app)
    login_as("learner")
    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post("/units/alpha/first-steps/complete", data={"csrf_token": token})
    client.post("/units/alpha/second-steps/complete", data={"csrf_token": token})  # flashes "read every lesson"
    flashed = client.get("/").get_data(as_text=True)
    assert "You have read every lesson" in flashed
    assert "You have read every lesson" not in client.get("/").get_data(as_text=True)
    for other in clients.values():
        assert "You have read every lesson" not in other.get("/").get_data(as_text=True)


def test_staff_and_learners_never_share_a_course_map_or_dashboard(app):
    """The menu differs by role: a learner's shared page is never a trainer's, either way round."""
    frames._frames.clear()
    pages = {}
    for role in ("learner", "trainer", "learner"):
        client = app.test_client()
        assert Auth(client).login(make_user(role=role).email).status_code == 302
        pages[role] = [client.get(path).get_data(as_text=True) for path in ("/", "/dashboard")]
    assert all("Trainer&#39;s guide" in page or "Trainer's guide" in page for page in pages["trainer"])
    assert not any("Trainer&#39;s guide" in page or "Trainer's guide" in page for page in pages["learner"])


def test_the_lesson_page_checks_the_person_in_the_database_on_every_request(app, client, login_as):
    learner = login_as("learner")
    assert client.get(LESSON).status_code == 200
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == learner.id).values(active=False))
        db.session.commit()
    assert client.get(LESSON).status_code == 302  # deactivated: signed out at once
    client.get("/")
    login_as("learner", email="second@example.org")
    assert client.get(LESSON).status_code == 200
    with app.app_context():
        db.session.execute(
            sa.update(User).where(User.email == "second@example.org").values(session_version=User.session_version + 1)
        )
        db.session.commit()
    assert client.get(LESSON).status_code == 302  # signed out elsewhere: this cookie is dead


def test_the_lesson_page_shows_progress_read_in_the_same_statement(app, client, login_as):
    learner = login_as("learner")
    client.get(LESSON)
    with app.app_context():  # another device marks it read
        db.session.execute(
            sa.update(LessonProgress)
            .where(LessonProgress.user_id == learner.id, LessonProgress.lesson_id == "first-steps")
            .values(completed_at=utcnow())
        )
        db.session.commit()
    assert "You have read this lesson" in client.get(LESSON).get_data(as_text=True)
    assert "You have read this lesson" not in client.get("/units/alpha/second-steps").get_data(as_text=True)


def test_a_lesson_view_reads_the_database_once_and_opens_no_transaction(app, client, login_as):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's trace callback shows every statement the driver runs; PostgreSQL has none to hook")
    login_as("learner")
    client.get(LESSON)  # the first view writes the reading
    statements: list[str] = []
    with app.app_context():
        db.engine.dispose()
        sa.event.listen(
            db.engine, "connect", lambda connection, _record: connection.set_trace_callback(statements.append)
        )
    assert client.get(LESSON).status_code == 200
    sql = [s for s in statements if not s.startswith("PRAGMA")]
    assert len(sql) == 1 and sql[0].lstrip().upper().startswith("SELECT"), sql
    assert "FROM user LEFT OUTER JOIN lesson_progress" in " ".join(sql[0].split()), sql


def test_the_form_token_is_signed_once_per_session_and_still_checked(app, client, login_as):
    login_as("learner")
    client.get(LESSON)
    first = csrf_from(client.get(LESSON).get_data(as_text=True))
    time.sleep(1.1)  # a fresh signature would carry a later time stamp
    assert csrf_from(client.get(LESSON).get_data(as_text=True)) == first  # signed once for this session
    forged = first[:-2] + ("AA" if not first.endswith("AA") else "BB")
    assert client.post(f"{LESSON}/complete", data={"csrf_token": forged}).status_code == 400
    assert client.post(f"{LESSON}/complete", data={"csrf_token": first}).status_code == 303
    other = app.test_client()  # another session: its own token; this one's is refused there
    assert Auth(other).login(make_user(role="learner").email).status_code == 302
    theirs = csrf_from(other.get(LESSON).get_data(as_text=True))
    assert theirs != first
    assert other.post(f"{LESSON}/complete", data={"csrf_token": first}).status_code == 400


def test_a_shared_lesson_pages_tag_changes_with_the_name_on_it(app, client, login_as):
    """The tag of a shared page is worked out from its frame and the person's values in it,
    not from its bytes: a copy saved before the learner's name changed is not "not modified"."""
    learner = login_as("learner", name="Amina Diallo")
    client.get(LESSON)
    before = client.get(LESSON)
    assert client.get(LESSON, headers={"If-None-Match": before.headers["ETag"]}).status_code == 304
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == learner.id).values(name="Amina Diallo-Sy"))
        db.session.commit()
    after = client.get(LESSON, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and "Amina Diallo-Sy" in after.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]
