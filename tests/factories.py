"""Factories: accounts with sensible defaults (CTFd's gen_* style), and a small, fully known
cohort on the minimal fixture course for the report and admin tests. Records go through the
real write path (services) with explicit moments; cleanup belongs to fixtures.

The cohort. Unit ``alpha`` (lessons first-steps, second-steps; quiz alpha-quiz, pass mark 70)
and unit ``beta`` (lessons only-lesson, beta-two; quiz beta-quiz, pass mark 50): six items.

    ana   KE  Ministry A  group North  all read, alpha quiz failed then passed, beta passed  -> complete
    bo    KE  Ministry B  group North  alpha read and passed; beta lesson opened, not read     -> in progress, 50%
    chen  NG  Ministry A  group South  nothing                                                  -> not started
    dina  NG  Ministry B  group South  alpha marked complete by a trainer; beta read + passed  -> complete
    eli   GH  (none)      no group     beta quiz taken and failed, no lesson                    -> in progress, 0%
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pyotp

from training.course import get_catalogue
from training.extensions import db
from training.models import Group, GroupRole, Membership, UnitCompletion, User
from training.services import attempts, learning
from training.services.accounts import create_user

from .helpers import PASSWORD

_counter = itertools.count(1)
TOTP_SECRETS: dict[str, str] = {}


def make_user(
    role: str = "learner",
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
    mfa: bool | None = None,
    **fields: Any,
) -> User:
    """A user; staff get two-step sign-in set up (the platform requires it for them)."""
    number = next(_counter)
    user = create_user(
        email or f"{role}{number}@example.org", name or f"{role.title()} {number}", password, role, **fields
    )
    if mfa if mfa is not None else role in ("trainer", "admin"):
        secret = pyotp.random_base32()
        user = db.session.get(User, user.id)
        user.totp_secret = secret
        db.session.commit()
        TOTP_SECRETS[user.email] = secret
    return user


def totp_code_for(email: str) -> str:
    """A code the server has not seen yet: the step after the last one it accepted."""
    user = db.session.scalar(db.select(User).where(User.email == email))
    db.session.refresh(user)
    totp = pyotp.TOTP(TOTP_SECRETS[email])
    step = int(time.time() // totp.interval)
    if user.totp_last_step is not None and user.totp_last_step >= step - 1:
        step = user.totp_last_step + 1
    return totp.at(step * totp.interval)


# --- the cohort ---------------------------------------------------------------------------------

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def alpha_answers(right: bool) -> dict:
    """Every alpha question right, or a typical failing set (a wrong option for pick-one:
    "Beta"; "step" for the short answer)."""
    quiz = get_catalogue().quiz("alpha-quiz")
    q = {question.id: question for question in quiz.questions}
    option = {qid: {o.text: o.id for o in question.options} for qid, question in q.items()}
    pairs = {o.id: o.id for o in q["pairs"].options}  # each item with its own pair
    positions = {o.id: i for i, o in enumerate(q["sequence"].options, start=1)}
    if right:
        return {
            "pick-one": {"choice": option["pick-one"]["Alpha"]},
            "pick-many": {"choices": sorted([option["pick-many"]["Alpha"], option["pick-many"]["Beta"]])},
            "is-true": {"choice": option["is-true"]["True"]},
            "word": {"text": "stride"},
            "pairs": {"pairs": pairs},
            "sequence": {"positions": positions},
        }
    return {
        "pick-one": {"choice": option["pick-one"]["Beta"]},
        "pick-many": {"choices": [option["pick-many"]["Apple"]]},
        "is-true": {"choice": option["is-true"]["False"]},
        "word": {"text": "step"},
        "pairs": {"pairs": pairs},
        "sequence": {"positions": positions},
    }


def beta_answers(right: bool) -> dict:
    quiz = get_catalogue().quiz("beta-quiz")
    option = {question.id: {o.text: o.id for o in question.options} for question in quiz.questions}
    if right:
        return {
            "beta-one": {"choice": option["beta-one"]["The second letter"]},
            "beta-two": {"choice": option["beta-two"]["True"]},
        }
    return {
        "beta-one": {"choice": option["beta-one"]["The first letter"]},
        "beta-two": {"choice": option["beta-two"]["False"]},
    }


def read_lesson(user: User, unit_id: str, lesson_id: str, moment: datetime) -> None:
    lesson = get_catalogue().lesson(unit_id, lesson_id)
    learning.record_lesson_opened(user.id, unit_id, lesson_id, now=moment)
    learning.record_lesson_read(user.id, unit_id, lesson_id, lesson.version, now=moment)


def take_quiz(user: User, quiz_id: str, answers: dict, moment: datetime) -> float:
    quiz = get_catalogue().quiz(quiz_id)
    attempt = attempts.start_attempt(user.id, quiz, now=moment)
    result = attempts.submit_attempt(user.id, attempt.id, quiz, answers, now=moment).result
    return result.score


@dataclass
class Cohort:
    admin: User
    trainer_north: User
    trainer_south: User
    north: Group
    south: Group
    ana: User
    bo: User
    chen: User
    dina: User
    eli: User
    scores: dict[str, list[float]]
    """learner name -> every submitted score, per quiz: "ana/alpha-quiz" -> [...]"""

    @property
    def learners(self) -> list[User]:
        return [self.ana, self.bo, self.chen, self.dina, self.eli]


def _learner(name: str, country: str, organisation: str, registered: datetime) -> User:
    user = make_user(
        "learner", email=f"{name}@example.org", name=name.title(), country=country, organisation=organisation
    )
    user = db.session.get(User, user.id)
    user.created_at = registered
    db.session.commit()
    return user


def _group(name: str, trainer: User, learners: list[User]) -> Group:
    group = Group(name=name, description="", starts_on=date(2026, 1, 5))
    db.session.add(group)
    db.session.flush()
    db.session.add(Membership(group_id=group.id, user_id=trainer.id, role=GroupRole.TRAINER))
    db.session.add_all(Membership(group_id=group.id, user_id=u.id, role=GroupRole.LEARNER) for u in learners)
    db.session.commit()
    return group


def build_cohort() -> Cohort:
    admin = make_user("admin", email="admin@example.org", name="Admin")
    trainer_north = make_user("trainer", email="north@example.org", name="Trainer North")
    trainer_south = make_user("trainer", email="south@example.org", name="Trainer South")
    ana = _learner("ana", "KE", "Ministry A", at(1, 10))
    bo = _learner("bo", "KE", "Ministry B", at(2, 1))
    chen = _learner("chen", "NG", "Ministry A", at(2, 15))
    dina = _learner("dina", "NG", "Ministry B", at(3, 1))
    eli = _learner("eli", "GH", "", at(3, 5))
    north = _group("North", trainer_north, [ana, bo])
    south = _group("South", trainer_south, [chen, dina])
    scores: dict[str, list[float]] = {}

    def quiz(user: User, quiz_id: str, answers: dict, moment: datetime) -> None:
        scores.setdefault(f"{user.name.lower()}/{quiz_id}", []).append(take_quiz(user, quiz_id, answers, moment))

    # ana: everything, alpha quiz on the second try; her last moment is 20 March.
    read_lesson(ana, "alpha", "first-steps", at(1, 12))
    read_lesson(ana, "alpha", "second-steps", at(1, 13))
    quiz(ana, "alpha-quiz", alpha_answers(False), at(1, 14))
    quiz(ana, "alpha-quiz", alpha_answers(True), at(1, 15))
    read_lesson(ana, "beta", "only-lesson", at(3, 18))
    read_lesson(ana, "beta", "beta-two", at(3, 19))
    quiz(ana, "beta-quiz", beta_answers(True), at(3, 20))
    # bo: alpha complete; beta's first lesson opened on 25 March, never read.
    read_lesson(bo, "alpha", "first-steps", at(2, 3))
    read_lesson(bo, "alpha", "second-steps", at(2, 4))
    quiz(bo, "alpha-quiz", alpha_answers(True), at(2, 5))
    learning.record_lesson_opened(bo.id, "beta", "only-lesson", now=at(3, 25))
    # dina: alpha marked complete by the South trainer on 10 March; beta done by 12 March.
    db.session.add(
        UnitCompletion(
            user_id=dina.id, unit_id="alpha", group_id=south.id, marked_by_id=trainer_south.id, completed_at=at(3, 10)
        )
    )
    db.session.commit()
    read_lesson(dina, "beta", "only-lesson", at(3, 11))
    read_lesson(dina, "beta", "beta-two", at(3, 11, 11))
    quiz(dina, "beta-quiz", beta_answers(True), at(3, 12))
    # eli: tried the beta quiz on 6 March without reading anything.
    quiz(eli, "beta-quiz", beta_answers(False), at(3, 6))
    # Staff activity never counts in reports.
    read_lesson(trainer_north, "alpha", "first-steps", at(3, 1))
    return Cohort(admin, trainer_north, trainer_south, north, south, ana, bo, chen, dina, eli, scores)
