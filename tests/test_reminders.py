"""``training notify`` against a real SMTP server (aiosmtpd): learners quiet for N days get a
nudge, learners of a group about to end a reminder, trainers a weekly digest; active and
finished learners get nothing, a second run sends nothing new, and the unsubscribe link in
each message works without signing in and stops the next run's messages."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa
from freezegun import freeze_time
from werkzeug.serving import make_server

from training.extensions import db
from training.models import Group, GroupRole, Membership, Unsubscribe, User, utcnow
from training.services import reminders
from training.services.reminders import ONE_CLICK

from .factories import alpha_answers, beta_answers, make_user, read_lesson, take_quiz
from .helpers import Auth, csrf_from, get_csrf
from .mailserver import html_of, link_in, path_of, text_of


def scenario(ends_in_days: int | None = None):
    """A running group: a learner quiet for 12 days, one active yesterday, one who finished."""
    now = utcnow()
    trainer = make_user("trainer", email="trainer@example.org", name="Tess Trainer")
    quiet = make_user(email="quiet@example.org", name="Quinn Quiet")
    active = make_user(email="active@example.org", name="Ada Active")
    done = make_user(email="done@example.org", name="Dara Done")
    read_lesson(quiet, "alpha", "first-steps", now - timedelta(days=12))
    read_lesson(active, "alpha", "first-steps", now - timedelta(days=1))
    for lesson in (("alpha", "first-steps"), ("alpha", "second-steps"), ("beta", "only-lesson"), ("beta", "beta-two")):
        read_lesson(done, *lesson, now - timedelta(days=20))
    take_quiz(done, "alpha-quiz", alpha_answers(True), now - timedelta(days=20))
    take_quiz(done, "beta-quiz", beta_answers(True), now - timedelta(days=20))
    ends_on = (now + timedelta(days=ends_in_days)).date() if ends_in_days is not None else None
    group = Group(name="Accra cohort", starts_on=(now - timedelta(days=30)).date(), ends_on=ends_on)
    db.session.add(group)
    db.session.flush()
    db.session.add(Membership(group_id=group.id, user_id=trainer.id, role=GroupRole.TRAINER))
    db.session.add_all(Membership(group_id=group.id, user_id=u.id) for u in (quiet, active, done))
    db.session.commit()
    return group


def notify(runner, send_mail) -> str:
    result = runner.invoke(args=["notify"])
    assert result.exit_code == 0, result.output
    send_mail()
    return result.output


def test_a_quiet_learner_is_nudged_and_active_or_finished_learners_are_not(app, smtp, runner, send_mail):
    scenario()
    output = notify(runner, send_mail)
    assert "nudges 1, before the end 0, digests 1" in output
    [nudge] = smtp.inbox.to("quiet@example.org")
    assert nudge["Subject"].endswith("is waiting for you")
    assert "for 12 days" in text_of(nudge) and "Accra cohort" in text_of(nudge)
    assert link_in(nudge, "/unsubscribe/")
    assert smtp.inbox.to("active@example.org") == []
    assert smtp.inbox.to("done@example.org") == []


def test_the_trainer_digest_says_who_is_behind_and_who_completed(app, smtp, runner, send_mail):
    scenario()
    notify(runner, send_mail)
    [digest] = smtp.inbox.to("trainer@example.org")
    assert digest["Subject"] == "Your groups this week"
    text = text_of(digest)
    assert "Accra cohort" in text
    assert "Learners: 3. Completed: 1. Behind: 1." in text
    assert "Completed: Dara Done" in text and "Behind: Quinn Quiet" in text
    assert "Ada Active" not in text
    assert "Behind: Quinn Quiet" in html_of(digest)


def test_running_twice_sends_each_reminder_once(app, smtp, runner, send_mail):
    scenario(ends_in_days=2)
    notify(runner, send_mail)
    count = len(smtp.inbox.messages)
    assert count == 4  # a nudge, two before-the-end reminders, a digest
    assert "already sent or unsubscribed 4" in notify(runner, send_mail)
    assert len(smtp.inbox.messages) == count
    # A later run in the same week (never past Monday 00:00 UTC, when a new digest is due).
    now = utcnow()
    next_monday = (now + timedelta(days=7 - now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    with freeze_time(now + min(timedelta(minutes=30), (next_monday - now) / 2), tick=True):
        output = notify(runner, send_mail)
    assert "Queued: nudges 0, before the end 0, digests 0" in output
    assert len(smtp.inbox.messages) == count


def test_learners_who_have_not_finished_are_reminded_before_the_group_ends(app, smtp, runner, send_mail):
    group = scenario(ends_in_days=2)
    notify(runner, send_mail)
    ending = [m for m in smtp.inbox.to("active@example.org") if "ends soon" in m["Subject"]]
    assert len(ending) == 1
    assert ending[0]["Subject"] == "Your group Accra cohort ends soon"
    assert group.ends_on.isoformat() not in text_of(ending[0])  # a date written for people, not ISO
    assert "There is still time to finish it." in text_of(ending[0])
    assert len([m for m in smtp.inbox.to("quiet@example.org") if "ends soon" in m["Subject"]]) == 1
    assert smtp.inbox.to("done@example.org") == []


def test_the_unsubscribe_link_works_without_signing_in_and_stops_the_next_run(app, smtp, runner, send_mail, client):
    group = scenario()
    notify(runner, send_mail)
    path = path_of(link_in(smtp.inbox.to("quiet@example.org")[0], "/unsubscribe/"))
    page = client.get(path)
    assert page.status_code == 200
    assert "Stop the reminders about the course sent to quiet@example.org?" in page.get_data(as_text=True)
    assert client.post(path, data={}).status_code == 400  # no CSRF token: refused, nothing changes
    assert "Stop the reminders" in client.get(path).get_data(as_text=True)
    done = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert done.status_code == 200
    assert "quiet@example.org will receive no more reminders" in done.get_data(as_text=True)
    again = client.get(path)  # the link used again: the preference stands, nothing to press
    assert "will receive no more reminders" in again.get_data(as_text=True)

    digest_path = path_of(link_in(smtp.inbox.to("trainer@example.org")[0], "/unsubscribe/"))
    page = client.get(digest_path)
    client.post(digest_path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})

    db.session.get(Group, group.id).ends_on = (utcnow() + timedelta(days=8)).date()  # a day after next week
    db.session.commit()
    before = len(smtp.inbox.messages)
    with freeze_time(utcnow() + timedelta(days=7), tick=True):  # a new week: a new digest would be due
        notify(runner, send_mail)
    new = smtp.inbox.messages[before:]
    recipients = {m["To"].addresses[0].addr_spec for m in new}
    assert recipients == {"active@example.org"}  # only the one who did not unsubscribe
    assert len(new) == 2  # quiet for 8 days now, and the group ends tomorrow


def test_a_forged_or_damaged_unsubscribe_link_is_refused(app, client):
    assert client.get("/unsubscribe/not-a-token").status_code == 400
    assert client.post("/unsubscribe/WzEsImRpZ2VzdCJd.forged", data={}).status_code == 400


@contextmanager
def served(app):
    """The app behind a real HTTP server on loopback, in a thread, sharing the test's database."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.parametrize("app_overrides", [{"BASE_URL": "https://training.example.org"}])
def test_every_reminder_offers_one_click_unsubscribe_to_the_mail_program(app, smtp, runner, send_mail):
    """RFC 8058: the headers name the https link; a mail program posts the one-click body to
    it with no cookie and no form token, and that alone unsubscribes."""
    scenario(ends_in_days=2)
    notify(runner, send_mail)
    received = [*smtp.inbox.to("quiet@example.org"), *smtp.inbox.to("trainer@example.org")]
    assert len(received) == 3  # a nudge, a reminder before the end, a digest
    for message in received:
        link = link_in(message, "/unsubscribe/")
        assert link.startswith("https://training.example.org/unsubscribe/")
        assert message["List-Unsubscribe"] == f"<{link}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    nudge_path = path_of(link_in(smtp.inbox.to("quiet@example.org")[0], "/unsubscribe/"))
    digest_path = path_of(link_in(smtp.inbox.to("trainer@example.org")[0], "/unsubscribe/"))

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with served(app) as base:
        other = requests.post(base + nudge_path, data="List-Unsubscribe=Yes&other=1", headers=form, timeout=10)
        assert other.status_code == 400  # any other body needs the page's CSRF token
        assert not is_unsubscribed_fresh("quiet@example.org", "reminder")
        forged = requests.post(base + "/unsubscribe/WzEsInJlbWluZGVyIl0.forged", data=ONE_CLICK, timeout=10)
        assert forged.status_code == 400
        done = requests.post(base + nudge_path, data="List-Unsubscribe=One-Click", headers=form, timeout=10)
        assert done.status_code == 200 and "will receive no more reminders" in done.text
        assert requests.post(base + digest_path, data=ONE_CLICK, timeout=10).status_code == 200
        again = requests.post(base + nudge_path, data=ONE_CLICK, timeout=10)
        assert again.status_code == 200  # used again: the preference stands
    assert is_unsubscribed_fresh("quiet@example.org", "reminder")
    assert is_unsubscribed_fresh("trainer@example.org", "digest")
    assert not is_unsubscribed_fresh("active@example.org", "reminder")


def test_account_messages_carry_no_unsubscribe_header(app, client, smtp, send_mail):
    make_user(email="forgetful@example.org")
    client.post(
        "/password/forgot", data={"email": "forgetful@example.org", "csrf_token": get_csrf(client, "/password/forgot")}
    )
    send_mail()
    [message] = smtp.inbox.to("forgetful@example.org")
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None


def test_a_learner_who_unsubscribed_subscribes_again_from_the_profile(app, smtp, runner, send_mail, client):
    group = scenario()
    notify(runner, send_mail)
    path = path_of(link_in(smtp.inbox.to("quiet@example.org")[0], "/unsubscribe/"))
    client.post(path, data={"csrf_token": csrf_from(client.get(path).get_data(as_text=True))})
    assert is_unsubscribed_fresh("quiet@example.org", "reminder")

    Auth(client).login("quiet@example.org")
    page = client.get("/account/profile").get_data(as_text=True)
    assert "Email me reminders" in page and "weekly digest" not in page  # learners get no digest
    assert ticked(page, "reminders") is False
    fields = {"name": "Quinn Quiet", "language": "en", "time_zone": "", "organisation": "", "country": ""}
    refused = client.post("/account/profile", data={**fields, "reminders": "y"})
    assert refused.status_code == 400 and is_unsubscribed_fresh("quiet@example.org", "reminder")  # no CSRF token
    saved = client.post(
        "/account/profile", data={**fields, "reminders": "y", "csrf_token": get_csrf(client, "/account/profile")}
    )
    assert saved.status_code == 303
    assert not is_unsubscribed_fresh("quiet@example.org", "reminder")
    assert ticked(client.get("/account/profile").get_data(as_text=True), "reminders") is True

    db.session.get(Group, group.id).ends_on = (utcnow() + timedelta(days=8)).date()
    db.session.commit()
    before = len(smtp.inbox.messages)
    with freeze_time(utcnow() + timedelta(days=7), tick=True):  # the group ends tomorrow: a reminder is due
        notify(runner, send_mail)
    [reminder] = [m for m in smtp.inbox.messages[before:] if m["To"].addresses[0].addr_spec == "quiet@example.org"]
    assert reminder["Subject"].endswith("ends soon")

    unticked = client.post("/account/profile", data={**fields, "csrf_token": get_csrf(client, "/account/profile")})
    assert unticked.status_code == 303 and is_unsubscribed_fresh("quiet@example.org", "reminder")


def test_a_trainer_turns_the_weekly_digest_back_on_from_the_profile(app, client):
    trainer = make_user("trainer", email="coach@example.org", name="Coach")
    reminders.unsubscribe(trainer.id, "digest")
    Auth(client).login("coach@example.org")
    page = client.get("/account/profile").get_data(as_text=True)
    assert "Email me a weekly digest of my groups" in page
    fields = {"name": "Coach", "language": "en", "time_zone": "", "reminders": "y", "digest": "y"}
    saved = client.post("/account/profile", data={**fields, "csrf_token": get_csrf(client, "/account/profile")})
    assert saved.status_code == 303 and not is_unsubscribed_fresh("coach@example.org", "digest")


def ticked(page: str, field: str) -> bool:
    [box] = re.findall(rf'<input[^>]*\bid="{field}"[^>]*>', page)
    return " checked" in box


def is_unsubscribed_fresh(email: str, kind: str) -> bool:
    db.session.rollback()  # what the requests committed
    user = db.session.scalar(sa.select(User).where(User.email == email))
    return db.session.get(Unsubscribe, (user.id, kind)) is not None
