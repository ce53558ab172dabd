"""Invitations instead of temporary passwords, and an administrator's change of address,
through the real admin forms and a real SMTP server: the message arrives, its link works
once, expires, dies when a newer one is sent; temporary passwords remain for people without
email, as a CSV file."""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import timedelta

import sqlalchemy as sa
from freezegun import freeze_time

from training.extensions import db
from training.models import AuditEvent, User, utcnow

from ..factories import make_user
from ..helpers import Auth, csrf_from, get_csrf
from ..mailserver import html_of, link_in, path_of, text_of

CHOSEN = "my own long passphrase"


def fresh_user(email: str) -> User:
    db.session.rollback()  # a fresh read: the requests wrote through their own sessions
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def create(client, email: str, delivery: str = "invite", language: str = ""):
    data = {"email": email, "name": "Kofi Mensah", "role": "learner", "delivery": delivery, "language": language}
    return client.post("/admin/users/new", data={**data, "csrf_token": get_csrf(client, "/admin/users/new")})


def invitation_path(smtp, send_mail, email: str, count: int = 1) -> str:
    send_mail()
    messages = smtp.inbox.to(email)
    assert len(messages) == count
    return path_of(link_in(messages[-1], "/invitation/"))


def accept(client, path: str, password: str = CHOSEN):
    page = client.get(path)
    if page.status_code != 200:
        return page
    data = {"password": password, "confirm": password, "csrf_token": csrf_from(page.get_data(as_text=True))}
    return client.post(path, data=data)


def upload(client, csv_text: str) -> str:
    response = client.post(
        "/admin/import",
        data={"csrf_token": get_csrf(client, "/admin/import"), "file": (io.BytesIO(csv_text.encode()), "cohort.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    return response.headers["Location"]


def test_an_invited_person_chooses_their_password_through_the_link_once(app, login_as, client, smtp, send_mail):
    login_as("admin")
    response = create(client, "kofi@example.org", language="fr")
    assert response.status_code == 303  # no password on screen: the account's page
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "invitation was sent to kofi@example.org" in page and "Send the invitation again" in page
    listed = client.get("/admin/users?status=invited").get_data(as_text=True)
    assert "kofi@example.org" in listed and "(invitation not accepted yet)" in listed
    user = fresh_user("kofi@example.org")
    assert user.invited_at is not None and not user.must_change_password

    send_mail()
    [message] = smtp.inbox.to("kofi@example.org")
    assert message["Content-Language"] == "fr" and 'lang="fr"' in html_of(message)
    assert "Kofi Mensah" in text_of(message) and "/invitation/" in html_of(message)
    path = path_of(link_in(message, "/invitation/"))

    visitor = app.test_client()
    assert "kofi@example.org" in visitor.get(path).get_data(as_text=True)
    accepted = accept(visitor, path)
    assert accepted.status_code == 303 and accepted.headers["Location"] == "/"  # signed in at once
    assert visitor.get("/dashboard").status_code == 200
    again = app.test_client().get(path)
    assert again.status_code == 400 and "This link does not work" in again.get_data(as_text=True)
    assert Auth(app.test_client()).login("kofi@example.org", CHOSEN).status_code == 302
    user = fresh_user("kofi@example.org")
    assert user.invited_at is None and user.email_verified_at is not None
    assert "kofi@example.org" not in client.get("/admin/users?status=invited").get_data(as_text=True)
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "account.create" in actions and "account.invitation_accepted" in actions


def test_a_resent_invitation_replaces_the_first_and_an_old_one_expires(app, login_as, client, smtp, send_mail):
    login_as("admin")
    create(client, "late@example.org")
    first = invitation_path(smtp, send_mail, "late@example.org")
    user = fresh_user("late@example.org")
    url = f"/admin/users/{user.id}/invitation"
    resent = client.post(url, data={"csrf_token": get_csrf(client, url)})
    assert resent.status_code == 303
    second = invitation_path(smtp, send_mail, "late@example.org", count=2)
    assert app.test_client().get(first).status_code == 400
    with freeze_time(utcnow() + app.config["INVITATION_LIFETIME"] + timedelta(minutes=1)):
        assert app.test_client().get(second).status_code == 400
    assert accept(app.test_client(), second).status_code == 303
    refused = client.post(url, data={"csrf_token": get_csrf(client, url)})
    assert refused.status_code == 400 and "already chosen a password" in refused.get_data(as_text=True)


def test_a_csv_import_invites_every_new_account_and_handles_no_password(login_as, client, smtp, send_mail):
    login_as("admin")
    preview_url = upload(client, "email,name\nana@example.org,Ana\nbo@example.org,Bo\n")
    preview = client.get(preview_url).get_data(as_text=True)
    assert (
        "Send an invitation by email" in preview
        and 'checked id="delivery-0" name="delivery" type="radio" value="invite"' in preview
    )
    done = client.post(preview_url, data={"csrf_token": csrf_from(preview), "delivery": "invite"})
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "Invitations sent" in page
    assert "Temporary password" not in page and not re.search(r"<code[^>]*>[a-z0-9-]{19}</code>", page)
    send_mail()
    for address in ("ana@example.org", "bo@example.org"):
        [message] = smtp.inbox.to(address)
        assert "/invitation/" in link_in(message, "/invitation/")
    listed = client.get("/admin/users?status=invited").get_data(as_text=True)
    assert "ana@example.org" in listed and "bo@example.org" in listed


def test_temporary_passwords_come_as_a_downloadable_csv_where_email_is_not(login_as, client, smtp, send_mail):
    login_as("admin")
    preview_url = upload(client, "email,name\nfar@example.org,Far Away\n")
    preview = client.get(preview_url).get_data(as_text=True)
    done = client.post(preview_url, data={"csrf_token": csrf_from(preview), "delivery": "password"})
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "Temporary passwords" in page
    href = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)" download="temporary-passwords.csv"', page)
    assert href is not None
    rows = list(csv.reader(io.StringIO(base64.b64decode(href.group(1)).decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Email", "Temporary password"]
    [(name, email, password)] = rows[1:]
    assert (name, email) == ("Far Away", "far@example.org") and password in page
    send_mail()
    assert smtp.inbox.to("far@example.org") == []  # no email for them
    assert Auth(client.application.test_client()).login("far@example.org", password).status_code == 302


def test_an_administrator_changes_an_address_the_old_one_is_told(app, login_as, client, smtp, send_mail):
    login_as("admin")
    person = make_user(email="old@example.org", name="Awa Ba", language="es")
    url = f"/admin/users/{person.id}/email"
    page = client.get(url).get_data(as_text=True)
    assert 'value="old@example.org"' in page
    bad = client.post(url, data={"email": "not an address", "csrf_token": csrf_from(page)})
    assert bad.status_code == 400 and fresh_user("old@example.org") is not None
    make_user(email="taken@example.org")
    taken = client.post(url, data={"email": "taken@example.org", "csrf_token": get_csrf(client, url)})
    assert taken.status_code == 400 and "Another account uses this address" in taken.get_data(as_text=True)
    moved = client.post(url, data={"email": " New@Example.org ", "csrf_token": get_csrf(client, url)})
    assert moved.status_code == 303
    assert fresh_user("new@example.org").id == person.id and fresh_user("old@example.org") is None
    send_mail()
    [told] = smtp.inbox.to("old@example.org")
    assert told["Content-Language"] == "es" and "new@example.org" in text_of(told)
    assert smtp.inbox.to("new@example.org") == []
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.email_change"))
    assert event is not None and "new@example.org" in event.target and "old@example.org" in str(event.detail)
    assert Auth(app.test_client()).login("new@example.org").status_code == 302
