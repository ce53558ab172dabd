"""The installable app and offline reading, over HTTP: the manifest, icons and service
worker, the offline and saved-units pages, the sizes shown before saving, queued "mark as
read" requests counted once by their idempotency keys, conditional lesson pages and
pre-compressed static files."""

from __future__ import annotations

import gzip
import io
import json
import re

import brotli
import pytest
import sqlalchemy as sa
from PIL import Image

from training.content.model import initials
from training.course import EXTENSION_KEY
from training.extensions import db
from training.models import LessonProgress, ProgressRequest
from training.offline import account_key, unit_version

from ..factories import make_user
from ..helpers import CSRF_PATTERN

KEY = "k" * 22


def sync_token(client) -> str:
    return client.get("/offline/sync").get_json()["csrf_token"]


def send(client, actions, token: str | None = None):
    headers = {"X-CSRFToken": token or sync_token(client)}
    return client.post(
        "/offline/sync", data=json.dumps({"actions": actions}), headers=headers, content_type="application/json"
    )


def read_rows(user_id: int) -> list:
    db.session.rollback()  # a fresh look, not the test's earlier snapshot
    return db.session.execute(
        sa.select(LessonProgress.lesson_id, LessonProgress.completed_at, LessonProgress.last_opened_at)
        .where(LessonProgress.user_id == user_id)
        .order_by(LessonProgress.lesson_id)
    ).all()


def test_manifest_names_the_course_and_its_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["name"] == "Fixture Course"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#1c5e20"  # the fixture course's main colour (course.yaml)
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200 and png.mimetype == "image/png"
        width, _ = icon["sizes"].split("x")
        assert Image.open(io.BytesIO(png.data)).size == (int(width), int(width))
    maskable = Image.open(io.BytesIO(client.get("/icons/512.png?maskable=1").data)).convert("RGB")
    assert maskable.getpixel((2, 2)) == (28, 94, 32)  # filled with the course's main colour
    assert client.get("/icons/100.png").status_code == 404


def test_course_mark_is_the_initials_of_the_titles_last_main_words():
    assert initials("Overview of International Migration") == "IM"
    assert initials("Fixture Course") == "FC"


def test_service_worker_is_served_from_the_root_and_always_revalidated(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "no-cache" in response.headers["Cache-Control"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]  # the site's CSP, unchanged
    body = response.get_data(as_text=True)
    precache = json.loads(re.search(r"var PRECACHE = (\[.*?\]);", body).group(1))
    pages = json.loads(re.search(r"var OFFLINE_PAGES = (\{.*?\});", body).group(1))
    assert pages == {"en": "/offline?lang=en", "fr": "/offline?lang=fr", "es": "/offline?lang=es"}
    assert sorted(precache[:3]) == sorted(pages.values())
    for url in precache[3:]:
        assert re.fullmatch(r"/static/[a-z-]+\.[0-9a-f]{10}\.(css|js)", url)
        assert client.get(url).status_code == 200
    assert re.search(r'importScripts\("/static/offline-store\.[0-9a-f]{10}\.js"\)', body)


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "You are offline"), ("fr", "Vous êtes hors ligne"), ("es", "Está sin conexión")]
)
def test_the_offline_page_the_device_keeps_speaks_each_language(client, language, heading):
    """The service worker keeps one offline page per language, fetched signed out: each is
    in its language, whatever the browser asks for."""
    page = client.get(f"/offline?lang={language}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'<html lang="{language}"' in page and f"<h1>{heading}</h1>" in page


def test_offline_page_is_public_and_the_saved_list_needs_sign_in(client, login_as):
    offline = client.get("/offline")
    assert offline.status_code == 200
    assert "You are offline" in offline.get_data(as_text=True)
    assert 'name="offline-account"' not in offline.get_data(as_text=True)
    assert client.get("/saved").status_code == 302
    login_as("learner")
    page = client.get("/saved")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Saving units on this device needs JavaScript" in page.get_data(as_text=True)


def test_signed_in_pages_name_the_account_and_content_version(app, client, login_as):
    user = login_as("learner")
    page = client.get("/units/alpha").get_data(as_text=True)
    assert f'<meta name="offline-account" content="{account_key(app.config["SECRET_KEY"], user.id)}">' in page
    assert 'data-offline-save="alpha" hidden' in page  # shown only by the script
    assert "The quiz needs a connection" in page


def test_account_keys_differ_per_account_and_stay_the_same_across_sessions():
    assert account_key("secret", 1) == account_key("secret", 1)
    assert account_key("secret", 1) != account_key("secret", 2)
    assert account_key("secret", 1) != account_key("other", 1)


def test_units_json_lists_what_saving_stores_and_its_size(app, client, login_as):
    user = login_as("learner")
    info = client.get("/offline/units.json").get_json()
    assert info["account"] == account_key(app.config["SECRET_KEY"], user.id)
    alpha = info["units"][0]
    assert alpha["id"] == "alpha" and alpha["page"] == "/units/alpha" and alpha["quiz"] is True
    assert [lesson["url"] for lesson in alpha["lessons"]] == ["/units/alpha/first-steps", "/units/alpha/second-steps"]
    assert alpha["handout"] == "/units/alpha/handout.pdf"
    # the size shown is the size of the lesson pages as this learner gets them
    for lesson in alpha["lessons"]:
        page = client.get(lesson["url"], headers={"Offline-Save": "1"})
        assert abs(len(page.data) - lesson["bytes"]) < 200, lesson
    unit_page = len(client.get("/units/alpha").data)
    # (within a few bytes: the language links on a page name the page they were rendered for)
    assert abs(alpha["bytes"] - unit_page - sum(lesson["bytes"] for lesson in alpha["lessons"])) < 100
    assert info["shared_bytes"] > 10_000
    assert alpha["version"] == unit_version(app.extensions[EXTENSION_KEY].unit("alpha"))


def test_saving_a_lesson_does_not_count_it_as_opened_and_names_the_account(app, client, login_as):
    user = login_as("learner")
    saved = client.get("/units/alpha/first-steps", headers={"Offline-Save": "1"})
    assert saved.status_code == 200
    assert saved.headers["Offline-Account"] == account_key(app.config["SECRET_KEY"], user.id)
    assert saved.headers["Cache-Control"] == "no-store"
    assert read_rows(user.id) == []
    read = client.get("/units/alpha/first-steps")
    assert "Offline-Account" not in read.headers
    assert len(read_rows(user.id)) == 1


def test_queued_reads_count_once_however_often_they_are_sent(client, login_as):
    user = login_as("learner")
    actions = [
        {"key": KEY, "unit": "alpha", "lesson": "first-steps"},
        {"key": "second-key-0123456789", "unit": "alpha", "lesson": "second-steps"},
    ]
    first = send(client, actions)
    assert first.status_code == 200
    assert [r["status"] for r in first.get_json()["results"]] == ["recorded", "recorded"]
    counted = read_rows(user.id)
    assert [r.lesson_id for r in counted if r.completed_at] == ["first-steps", "second-steps"]
    for _ in range(2):  # a retry, and the same batch doubled
        again = send(client, actions + actions)
        assert {r["status"] for r in again.get_json()["results"]} == {"duplicate"}
    assert read_rows(user.id) == counted  # not even "last opened" moved
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressRequest)) == 2


def test_idempotency_keys_belong_to_one_learner(client, login_as):
    first = login_as("learner")
    send(client, [{"key": KEY, "unit": "alpha", "lesson": "first-steps"}])
    client.post("/logout", data={"csrf_token": CSRF_PATTERN.search(client.get("/").get_data(as_text=True)).group(1)})
    second = login_as("learner", email="second@example.org")
    answer = send(client, [{"key": KEY, "unit": "alpha", "lesson": "first-steps"}])
    assert answer.get_json()["results"][0]["status"] == "recorded"
    assert len(read_rows(first.id)) == 1 and len(read_rows(second.id)) == 1


def test_the_schema_refuses_a_second_row_with_the_same_key(app):
    user = make_user()
    db.session.add(ProgressRequest(user_id=user.id, idempotency_key=KEY, unit_id="alpha", lesson_id="first-steps"))
    db.session.commit()
    db.session.add(ProgressRequest(user_id=user.id, idempotency_key=KEY, unit_id="beta", lesson_id="only-lesson"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"actions": []}, 400),
        ({"actions": "x"}, 400),
        ({"nothing": 1}, 400),
        ({"actions": [{"key": KEY, "unit": "alpha", "lesson": "first-steps"}] * 201}, 400),
    ],
)
def test_a_malformed_sync_gets_a_clear_400_and_changes_nothing(client, login_as, payload, status):
    user = login_as("learner")
    response = client.post(
        "/offline/sync",
        data=json.dumps(payload),
        content_type="application/json",
        headers={"X-CSRFToken": sync_token(client)},
    )
    assert response.status_code == status
    assert "actions" in response.get_json()["error"]
    assert read_rows(user.id) == []


def test_bad_actions_are_reported_one_by_one(client, login_as):
    user = login_as("learner")
    answer = send(
        client,
        [
            {"key": "short", "unit": "alpha", "lesson": "first-steps"},
            {"key": KEY, "unit": "alpha", "lesson": "no-such-lesson"},
            "not an object",
            {"key": "good-key-0123456789", "unit": "alpha", "lesson": "first-steps"},
        ],
    )
    assert [r["status"] for r in answer.get_json()["results"]] == ["invalid", "unknown_lesson", "invalid", "recorded"]
    assert [r.lesson_id for r in read_rows(user.id)] == ["first-steps"]


def test_sync_needs_a_form_token_and_a_signed_in_learner(client, login_as):
    assert client.get("/offline/sync").status_code == 302
    user = login_as("learner")
    refused = client.post("/offline/sync", json={"actions": [{"key": KEY, "unit": "alpha", "lesson": "first-steps"}]})
    assert refused.status_code == 400
    assert read_rows(user.id) == []


def test_mark_as_read_form_carries_a_key_and_a_double_post_counts_once(client, login_as):
    user = login_as("learner")
    page = client.get("/units/alpha/first-steps").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    token = CSRF_PATTERN.search(page).group(1)
    form = {"csrf_token": token, "idempotency_key": key}
    assert client.post("/units/alpha/first-steps/complete", data=form).status_code == 303
    once = read_rows(user.id)
    assert client.post("/units/alpha/first-steps/complete", data=form).status_code == 303
    assert read_rows(user.id) == once
    bad = client.post("/units/alpha/first-steps/complete", data={"csrf_token": token, "idempotency_key": "x"})
    assert bad.status_code == 400 and "reload the lesson" in bad.get_data(as_text=True)


def test_lesson_pages_answer_304_to_a_copy_from_the_same_session(client, login_as):
    login_as("learner")
    first = client.get("/units/alpha/first-steps")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get("/units/alpha/first-steps", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Cache-Control"] == "no-store"
    # marking the lesson read changes the page (its badge), so the tag no longer matches
    token = CSRF_PATTERN.search(first.get_data(as_text=True)).group(1)
    client.post("/units/alpha/first-steps/complete", data={"csrf_token": token})
    changed = client.get("/units/alpha/first-steps", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_copy_from_another_session_is_sent_in_full(client, login_as):
    login_as("learner")
    etag = client.get("/units/alpha/first-steps").headers["ETag"]
    client.post("/logout", data={"csrf_token": CSRF_PATTERN.search(client.get("/").get_data(as_text=True)).group(1)})
    login_as("learner", email="again@example.org")
    assert client.get("/units/alpha/first-steps", headers={"If-None-Match": etag}).status_code == 200


@pytest.mark.parametrize(("encoding", "decode"), [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_static_files_are_sent_precompressed_when_accepted(client, encoding, decode):
    href = re.search(r'href="(/static/site\.[0-9a-f]{10}\.css)"', client.get("/login").get_data(as_text=True)).group(1)
    plain = client.get(href)
    packed = client.get(href, headers={"Accept-Encoding": f"{encoding}, identity"})
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert decode(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 3
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert "Content-Encoding" not in plain.headers
    cached = client.get(href, headers={"Accept-Encoding": encoding, "If-None-Match": packed.headers["ETag"]})
    assert cached.status_code == 304


def test_brotli_is_preferred_and_scripts_are_compressed_too(client):
    sw = client.get("/sw.js").get_data(as_text=True)
    script = re.search(r'importScripts\("([^"]+)"\)', sw).group(1)
    packed = client.get(script, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "br"


def test_a_learner_saves_in_their_language(client, login_as):
    """What a device saves is in the learner's language: the plan says which, and the pages
    carry the save controls' texts in it (the script shows them as they are)."""
    login_as("learner")
    assert client.get("/offline/units.json").get_json()["lang"] == "en"
    page = client.get("/units/alpha?lang=fr").get_data(as_text=True)  # kept as the learner's preference
    assert '<html lang="fr"' in page
    assert "Enregistrer cette unité pour la lire hors ligne" in page
    assert 'data-size="L’enregistrement occupe environ {size} sur cet appareil."' in page
    assert client.get("/offline/units.json").get_json()["lang"] == "fr"
    saved = client.get("/units/alpha/first-steps", headers={"Offline-Save": "1"}).get_data(as_text=True)
    assert '<html lang="fr"' in saved
