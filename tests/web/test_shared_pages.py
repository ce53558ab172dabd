"""The lesson page is rendered once for everyone who sees it alike (``training/web/frames.py``):
each learner still gets exactly the bytes and headers a full render gives them, with their
own name, form token and idempotency key, and nobody else's."""

from __future__ import annotations

import re

from flask import render_template

from training.web import frames, learn

from ..factories import make_user
from ..helpers import Auth, csrf_from

LESSON = "/units/alpha/first-steps"
FORM_VALUES = re.compile(r'name="(csrf_token|idempotency_key)" value="([^"]*)"')


def _without_form_values(page: str) -> str:
    return FORM_VALUES.sub(r'name="\1" value=""', page)


def _headers(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in ("X-Request-ID", "Date")}


def test_a_shared_lesson_page_is_byte_for_byte_a_full_render(client, login_as, monkeypatch):
    login_as("learner", name='Ana <b>"Bo" & Co\'s</b>')
    client.get(LESSON)  # the first view after sign-in writes the reading and settles the session
    with monkeypatch.context() as patch:
        patch.setattr(learn, "shared_page", lambda key, template, **context: render_template(template, **context))
        full = client.get(LESSON)
    frames._frames.clear()
    first, again = client.get(LESSON), client.get(LESSON)  # a frame made, then a frame reused
    assert full.status_code == first.status_code == again.status_code == 200
    for shared in (first, again):
        assert _without_form_values(shared.get_data(as_text=True)) == _without_form_values(full.get_data(as_text=True))
        assert _headers(shared) == _headers(full)
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
