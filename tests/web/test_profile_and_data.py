"""A learner keeps their own profile (name, organisation, country, language, time zone) and
downloads everything the platform holds about them; an administrator erases an account: the
person's data is gone, their anonymous results still count, the summaries stay true."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from training.course import get_catalogue
from training.extensions import db
from training.models import (
    AuditEvent,
    Certificate,
    EvaluationAnswer,
    EvaluationResponse,
    LearnerUnit,
    MailMessage,
    QuestionTally,
    QuizAttempt,
    RecoveryCode,
    User,
)
from training.permissions import Actor, Role
from training.services import accounts, certificates, links, summaries

from ..factories import alpha_answers, build_cohort, make_user, take_quiz
from ..helpers import PASSWORD, Auth, csrf_from, get_csrf


def fresh(user_id: int) -> User:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(User, user_id)


def save_profile(client, **fields: str):
    data = {"name": "Amina Diallo", "organisation": "", "country": "", "language": "en", "time_zone": "", **fields}
    return client.post("/account/profile", data={**data, "csrf_token": get_csrf(client, "/account/profile")})


def test_the_account_page_links_to_the_profile_and_the_download(client, login_as):
    login_as("learner")
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/account/profile"' in page and 'href="/account/data.json"' in page


def test_a_learner_edits_their_profile(client, login_as):
    user = login_as("learner", name="Amina", organisation="Old ministry")
    form = client.get("/account/profile").get_data(as_text=True)
    assert 'value="Amina"' in form and 'value="Old ministry"' in form and "Africa/Nairobi" in form
    response = save_profile(
        client,
        name="  Amina   Diallo ",
        organisation="Ministry of the Interior",
        country="KE",
        language="fr",
        time_zone="Africa/Nairobi",
    )
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    saved = fresh(user.id)
    assert (saved.name, saved.organisation, saved.country, saved.language, saved.time_zone) == (
        "Amina Diallo",
        "Ministry of the Interior",
        "KE",
        "fr",
        "Africa/Nairobi",
    )
    page = client.get("/account").get_data(as_text=True)  # now in French, with the zone
    assert '<html lang="fr"' in page and "Africa/Nairobi" in page and "Kenya" in page
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.update"))
    assert event.actor_id == user.id and set(event.detail["fields"]) == {
        "name",
        "organisation",
        "country",
        "language",
        "time_zone",
    }


def test_bad_profile_input_is_refused_with_a_message_and_nothing_saved(client, login_as):
    user = login_as("learner", name="Amina", organisation="Ministry")
    cases = [
        ({"time_zone": "Mars/Olympus_Mons"}, "Not a valid choice"),
        ({"time_zone": "EST5EDT"}, "Not a valid choice"),  # an alias without a region is not offered
        ({"name": ""}, "Enter a name."),
        ({"name": "x" * 121}, "120"),
        ({"name": "Amina\u001bDiallo"}, "a control character"),
        ({"organisation": "y" * 161}, "160"),
        ({"country": "XX"}, "Not a valid choice"),
        ({"language": "tlh"}, "Not a valid choice"),
    ]
    for fields, message in cases:
        response = save_profile(client, **{"organisation": "Kept?", **fields})
        assert response.status_code == 400, fields
        assert message in response.get_data(as_text=True), fields
        kept = fresh(user.id)
        assert (kept.name, kept.organisation, kept.time_zone) == ("Amina", "Ministry", None), fields


def test_dates_are_shown_in_the_learners_time_zone(app, client, login_as):
    user = login_as("learner")
    take_quiz(user, "alpha-quiz", alpha_answers(False), datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    page = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    assert "Mar 1, 2026, 11:30:00\u202fPM UTC" in page
    assert save_profile(client, name=user.name, time_zone="Pacific/Auckland").status_code == 303
    page = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    assert "Mar 2, 2026, 12:30:00\u202fPM Pacific/Auckland" in page  # UTC+13 in March (daylight time)
    assert "Mar 1, 2026" not in page


def test_a_learner_downloads_everything_held_about_them(app, client, login_as):
    user = login_as("learner", name="Amina Diallo", organisation="Ministry")
    other = make_user("learner", name="Somebody Else")
    take_quiz(user, "alpha-quiz", alpha_answers(True), datetime(2026, 3, 1, 10, tzinfo=UTC))
    take_quiz(other, "alpha-quiz", alpha_answers(False), datetime(2026, 3, 1, 10, tzinfo=UTC))
    response = client.get("/account/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="personal-data-{user.id}-')
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == user.email and data["account"]["name"] == "Amina Diallo"
    assert "password_hash" not in data["account"] and "totp_secret" not in data["account"]
    assert PASSWORD not in response.get_data(as_text=True)
    [attempt] = data["quiz_attempts"]
    assert attempt["quiz_id"] == "alpha-quiz" and attempt["score"] == 1.0 and attempt["state"] == "submitted"
    assert {answer["question_id"] for answer in attempt["answers"]} >= {"pick-one", "word"}
    assert any(answer["simple_answer"] == "stride" for answer in attempt["answers"])
    assert {row["lesson_id"] for row in data["lessons"]} == set()  # read nothing yet
    assert "Somebody Else" not in response.get_data(as_text=True)
    # the download itself is on record, and shows in the next download
    again = json.loads(client.get("/account/data.json").get_data(as_text=True))
    assert [e["action"] for e in again["audit"]][-1] == "report.export"


def submit_evaluation(user: User) -> None:
    response = EvaluationResponse(
        user_id=user.id, evaluation_id="course", occasion="course", language="en", content_version="1"
    )
    db.session.add(response)
    db.session.flush()
    db.session.add_all(
        [
            EvaluationAnswer(response_id=response.id, question_id="useful", rating=5),
            EvaluationAnswer(response_id=response.id, question_id="comment", text="I am Ana from Ministry A"),
        ]
    )
    db.session.commit()


def summary_rows() -> tuple[list, list]:
    db.session.rollback()
    units = db.session.execute(
        sa.select(
            LearnerUnit.user_id, LearnerUnit.unit_id, LearnerUnit.attempts, LearnerUnit.best, LearnerUnit.read
        ).order_by(LearnerUnit.user_id, LearnerUnit.unit_id)
    ).all()
    tallies = db.session.execute(
        sa.select(
            QuestionTally.quiz_id, QuestionTally.question_id, QuestionTally.answer, sa.func.sum(QuestionTally.responses)
        )
        .group_by(QuestionTally.quiz_id, QuestionTally.question_id, QuestionTally.answer)
        .order_by(QuestionTally.quiz_id, QuestionTally.question_id, QuestionTally.answer)
    ).all()
    return units, tallies


def erase(client, user_id: int, typed: str):
    path = f"/admin/users/{user_id}/erase"
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, data={"confirm": typed, "csrf_token": csrf_from(page.get_data(as_text=True))})


def test_an_administrator_erases_an_account_and_the_statistics_still_count_it(app, client):
    cohort = build_cohort()
    ana = cohort.ana
    certificates.issue_if_complete(get_catalogue(), ana.id)
    submit_evaluation(ana)
    by_admin = Actor(cohort.admin.id, Role.ADMIN, "127.0.0.1")
    accounts.update_account(by_admin, ana.id, "Ana Amani", "Ministry A", "KE", time_zone="Africa/Nairobi")
    links.change_email_for(by_admin, ana.id, "ana.new@example.org")  # her earlier address is in the log
    assert "ana@example.org" in audit_text() and "ana.new@example.org" in audit_text()
    before = summary_rows()
    Auth(client).login(cohort.admin.email)
    questions_before = question_report(client)
    # the confirmation step: the wrong address (or none) erases nothing
    refused = erase(client, ana.id, "bo@example.org")
    assert refused.status_code == 400 and "not this account" in refused.get_data(as_text=True)
    assert fresh(ana.id).email == "ana.new@example.org"
    done = erase(client, ana.id, " ANA.new@example.org ")
    assert done.status_code == 303 and done.headers["Location"] == f"/admin/users/{ana.id}"

    erased = fresh(ana.id)
    assert erased.email == f"erased-{ana.id}@erased.invalid" and erased.name == "Erased account"
    assert (erased.organisation, erased.country, erased.active, erased.totp_secret) == ("", "", False, None)
    assert rows_of(Certificate, ana.id) == 0 and rows_of(RecoveryCode, ana.id) == 0
    texts = db.session.scalars(
        sa.select(EvaluationAnswer.text).join(EvaluationResponse).where(EvaluationResponse.user_id == ana.id)
    ).all()
    ratings = db.session.scalars(
        sa.select(EvaluationAnswer.rating).join(EvaluationResponse).where(EvaluationResponse.user_id == ana.id)
    ).all()
    assert set(texts) == {None} and 5 in ratings
    # the attempts are still there, anonymous, and every summary is as it was
    assert rows_of(QuizAttempt, ana.id) == 3
    assert summary_rows() == before
    summaries.rebuild(get_catalogue())
    assert summary_rows() == before
    assert question_report(client) == questions_before

    # no trace of the person's address or name anywhere in the audit log; the erasure is on it
    text = audit_text()
    assert "ana@example.org" not in text and "ana.new@example.org" not in text and "Ana" not in text
    assert f"erased-{ana.id}@erased.invalid (#{ana.id})" in text  # her entries are kept, anonymous
    assert not db.session.scalars(
        sa.select(MailMessage.id).where(MailMessage.to_address.in_(["ana@example.org", "ana.new@example.org"]))
    ).all()
    log = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    [erasure] = [e for e in log if e.action == "account.erase"]
    assert erasure.actor_id == cohort.admin.id and erasure.target == f"erased-{ana.id}@erased.invalid (#{ana.id})"
    # the person cannot sign in, the account cannot be reopened, and nothing mails them
    assert Auth(app.test_client()).login("ana@example.org").status_code != 302
    page = client.get(f"/admin/users/{ana.id}").get_data(as_text=True)
    assert f"/admin/users/{ana.id}/reactivate" not in page and f"/admin/users/{ana.id}/erase" not in page
    again = client.post(f"/admin/users/{ana.id}/reactivate", data={"csrf_token": csrf_from(page)})
    assert again.status_code == 400 and "erased" in again.get_data(as_text=True)


def rows_of(model, user_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.user_id == user_id))


def audit_text() -> str:
    db.session.rollback()
    return json.dumps([[e.target, e.detail] for e in db.session.scalars(sa.select(AuditEvent))])


def question_report(client) -> str:
    """The question statistics as an administrator downloads them."""
    response = client.get("/admin/reports/questions.csv")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_nobody_erases_their_own_account(client, login_as):
    admin = login_as("admin")
    response = erase(client, admin.id, admin.email)
    assert response.status_code == 400 and "your own account" in response.get_data(as_text=True)
    assert fresh(admin.id).email == admin.email
