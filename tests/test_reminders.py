"""``training notify`` against a real SMTP server (aiosmtpd): learners quiet for N days get a
nudge, learners of a group about to end a reminder, trainers a weekly digest; active and
finished learners get nothing, a second run sends nothing new, and the unsubscribe link in
each message works without signing in and stops the next run's messages."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time

from training.extensions import db
from training.models import Group, GroupRole, Membership, utcnow

from .factories import alpha_answers, beta_answers, make_user, read_lesson, take_quiz
from .helpers import csrf_from
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
