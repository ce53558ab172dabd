"""Demo data for trying the reports: about 200 learners from 15 countries and 30 organisations,
6 workshop groups with 3 trainers, an administrator, and six months of lesson reading and
quiz attempts against the real catalogue (answers graded by :func:`training.quiz.grade`, so
attempts look exactly like real ones). Only ``training demo`` calls this; nothing runs it
implicitly.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pyotp
import sqlalchemy as sa

from ..content.model import Catalogue, Question, Quiz
from ..database import transactional
from ..extensions import db
from ..models import (
    AttemptState,
    Attendance,
    AuditEvent,
    Group,
    GroupRole,
    LessonProgress,
    Membership,
    QuestionResponse,
    QuizAttempt,
    Role,
    UnitCompletion,
    User,
    utcnow,
)
from ..quiz import QUESTION_TYPES, Answer, Paper, draw_questions, grade
from .credentials import hash_password
from .summaries import rebuild_on

DOMAIN = "demo.example"
DAYS = 182

COUNTRIES = {
    "KE": ("Kenya", ["Ministry of Interior and National Administration", "Department of Immigration Services"]),
    "NG": ("Nigeria", ["Nigeria Immigration Service", "National Commission for Refugees, Migrants and IDPs"]),
    "GH": ("Ghana", ["Ghana Immigration Service", "Ministry of Foreign Affairs"]),
    "SN": ("Senegal", ["Ministère de l'Intérieur", "Direction des Sénégalais de l'Extérieur"]),
    "ET": ("Ethiopia", ["Ministry of Labour and Skills", "Immigration and Citizenship Service"]),
    "MA": ("Morocco", ["Ministère des Affaires Étrangères", "Ministère de l'Intérieur"]),
    "JO": ("Jordan", ["Ministry of Labour", "Ministry of Interior"]),
    "PH": ("Philippines", ["Department of Migrant Workers", "Bureau of Immigration"]),
    "BD": ("Bangladesh", ["Ministry of Expatriates' Welfare", "Bureau of Manpower, Employment and Training"]),
    "NP": ("Nepal", ["Department of Foreign Employment", "Ministry of Home Affairs"]),
    "MX": ("Mexico", ["Instituto Nacional de Migración", "Secretaría de Relaciones Exteriores"]),
    "GT": ("Guatemala", ["Instituto Guatemalteco de Migración", "Ministerio de Trabajo"]),
    "CO": ("Colombia", ["Migración Colombia", "Cancillería de Colombia"]),
    "UA": ("Ukraine", ["State Migration Service", "Ministry of Social Policy"]),
    "MD": ("Moldova", ["Bureau for Migration and Asylum", "Ministry of Labour and Social Protection"]),
}
FIRST = [
    "Amina",
    "Kwame",
    "Fatou",
    "Tesfaye",
    "Youssef",
    "Lina",
    "Maria",
    "José",
    "Nadia",
    "Oleksandr",
    "Ana",
    "Rahim",
    "Sita",
    "Juan",
    "Grace",
    "Ibrahim",
    "Mercy",
    "Chinedu",
    "Aisha",
    "Mohammed",
    "Elena",
    "Luis",
    "Priya",
    "Tomás",
    "Abena",
    "Samuel",
    "Leila",
    "Carlos",
    "Nguyen",
    "Olga",
    "Hassan",
    "Ruth",
    "Diego",
    "Mariam",
    "Paolo",
    "Zainab",
    "Emmanuel",
    "Sofía",
    "Yaw",
    "Anjali",
]
LAST = [
    "Diallo",
    "Mensah",
    "Okafor",
    "Bekele",
    "El Amrani",
    "Haddad",
    "Santos",
    "Pérez",
    "Rahman",
    "Kovalenko",
    "Popescu",
    "Sharma",
    "Gómez",
    "Otieno",
    "Abubakar",
    "Mwangi",
    "Ndiaye",
    "Tadesse",
    "Benali",
    "Reyes",
    "Castillo",
    "Thapa",
    "Hossain",
    "Boateng",
    "Adeyemi",
    "Shevchenko",
    "Ciobanu",
    "Morales",
    "Quispe",
    "Nyambura",
]
GROUPS = [
    ("Nairobi regional workshop", "KE", 150),
    ("Accra induction cohort", "GH", 130),
    ("Amman labour migration seminar", "JO", 100),
    ("Manila pre-departure trainers", "PH", 80),
    ("Mexico City border management course", "MX", 55),
    ("Chişinău online cohort", "MD", 30),
]


@dataclass(frozen=True, slots=True)
class DemoLogin:
    role: str
    email: str
    name: str
    totp_secret: str | None


@dataclass(frozen=True, slots=True)
class DemoResult:
    password: str
    logins: tuple[DemoLogin, ...]
    learners: int
    groups: int
    attempts: int


class DemoExists(RuntimeError):
    """Demo accounts are already in this database."""


@transactional
def create_demo_data(catalogue: Catalogue, password: str, seed: int = 2026, now: datetime | None = None) -> DemoResult:
    """Fill the database with the demo cohort. Refuses when demo accounts already exist."""
    if db.session.scalar(sa.select(User.id).where(User.email.like(f"%@{DOMAIN}")).limit(1)) is not None:
        raise DemoExists(DOMAIN)
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    now = now or utcnow()
    start = now - timedelta(days=DAYS)
    password_hash = hash_password(password)

    logins: list[DemoLogin] = []

    def staff(role: Role, email: str, name: str, organisation: str, country: str) -> User:
        secret = pyotp.random_base32()
        user = User(
            email=email,
            name=name,
            organisation=organisation,
            country=country,
            role=role,
            password_hash=password_hash,
            totp_secret=secret,
            created_at=start - timedelta(days=30),
            email_verified_at=start - timedelta(days=30),
        )
        db.session.add(user)
        logins.append(DemoLogin(role.value, email, name, secret))
        return user

    staff(Role.ADMIN, f"admin@{DOMAIN}", "Demo Administrator", "Training Secretariat", "CH")
    trainers = [
        staff(Role.TRAINER, f"trainer{i}@{DOMAIN}", name, "Training Secretariat", country)
        for i, (name, country) in enumerate(
            [("Helena Marsh", "GB"), ("Kofi Asante", "GH"), ("Lucía Fernández", "ES")], start=1
        )
    ]

    learners: list[User] = []
    codes = list(COUNTRIES)
    for i in range(200):
        code = codes[i % len(codes)] if i < 150 else rng.choice(codes)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        user = User(
            email=f"{first}.{last}.{i}@{DOMAIN}".lower()
            .replace(" ", "")
            .replace("é", "e")
            .replace("á", "a")
            .replace("í", "i")
            .replace("ó", "o"),
            name=f"{first} {last}",
            organisation=rng.choice(COUNTRIES[code][1]),
            country=code,
            role=Role.LEARNER,
            password_hash=password_hash,
            created_at=start + timedelta(days=rng.uniform(0, DAYS - 10), hours=rng.uniform(7, 18)),
        )
        user.email_verified_at = user.created_at  # demo accounts need no confirming
        learners.append(user)
    db.session.add_all(learners)
    db.session.flush()
    logins.append(DemoLogin(Role.LEARNER.value, learners[0].email, learners[0].name, None))

    groups = []
    by_country: dict[str, list[User]] = {}
    for user in learners:
        by_country.setdefault(user.country, []).append(user)
    pool = [u for u in learners]
    rng.shuffle(pool)
    for index, (name, country, days_ago) in enumerate(GROUPS):
        group = Group(
            name=name, description=f"Demo group: a {name.lower()}.", starts_on=(now - timedelta(days=days_ago)).date()
        )
        db.session.add(group)
        db.session.flush()
        groups.append(group)
        db.session.add(Membership(group_id=group.id, user_id=trainers[index % 3].id, role=GroupRole.TRAINER))
        members = by_country.get(country, [])[:8] + pool[index * 22 : (index + 1) * 22]
        for user in {u.id: u for u in members}.values():
            db.session.add(Membership(group_id=group.id, user_id=user.id, role=GroupRole.LEARNER))
    db.session.flush()

    attempts = 0
    for user in learners:
        attempts += _learn(catalogue, user, rng, now)

    # Two workshops met in person: attendance on their first unit, marked complete by the trainer.
    first_unit = catalogue.units[0]
    for group in groups[:2]:
        day = group.starts_on or now.date()
        member_ids = db.session.scalars(
            sa.select(Membership.user_id).where(Membership.group_id == group.id, Membership.role == GroupRole.LEARNER)
        ).all()
        trainer_id = db.session.scalar(
            sa.select(Membership.user_id).where(Membership.group_id == group.id, Membership.role == GroupRole.TRAINER)
        )
        present = [uid for uid in member_ids if rng.random() < 0.8]
        for uid in present:
            db.session.add(
                Attendance(
                    group_id=group.id,
                    user_id=uid,
                    unit_id=first_unit.id,
                    session_date=day,
                    marked_by_id=trainer_id,
                    recorded_at=_at(day, 17),
                )
            )
            exists = db.session.scalar(
                sa.select(UnitCompletion.id).where(
                    UnitCompletion.user_id == uid, UnitCompletion.unit_id == first_unit.id
                )
            )
            if exists is None:
                db.session.add(
                    UnitCompletion(
                        user_id=uid,
                        unit_id=first_unit.id,
                        group_id=group.id,
                        marked_by_id=trainer_id,
                        completed_at=_at(day, 12),
                    )
                )
        db.session.add(
            AuditEvent(
                actor_id=trainer_id,
                action="trainer.unit_complete",
                target=f"{group.name} (#{group.id})",
                at=_at(day, 17),
                detail={"unit": first_unit.id, "learners": len(present), "demo": True},
            )
        )
    db.session.flush()
    rebuild_on(db.session.connection(), catalogue)  # the demo's records, summed up for the reports
    return DemoResult(password, tuple(logins), len(learners), len(groups), attempts)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _learn(catalogue: Catalogue, user: User, rng: random.Random, now: datetime) -> int:
    """One learner's path: units in order at their own pace, quizzes until passed (or they
    give up), stopping somewhere or finishing the course."""
    if rng.random() < 0.1:
        return 0  # registered, never started
    moment = user.created_at + timedelta(hours=rng.uniform(1, 72))
    pace = rng.uniform(0.3, 3.0)  # days per lesson
    skill = rng.uniform(0.45, 0.95)
    stop_after = len(catalogue.units) if rng.random() < 0.4 else rng.randrange(0, len(catalogue.units))
    attempts = 0
    for index, unit in enumerate(catalogue.units):
        if index > stop_after or moment > now:
            break
        reads = rng.randrange(0, len(unit.lessons) + 1) if index == stop_after else len(unit.lessons)
        for position, lesson in enumerate(unit.lessons):
            if moment > now:
                return attempts
            read = position < reads
            db.session.add(
                LessonProgress(
                    user_id=user.id,
                    unit_id=unit.id,
                    lesson_id=lesson.id,
                    first_opened_at=moment,
                    last_opened_at=moment,
                    completed_at=moment + timedelta(minutes=lesson.duration) if read else None,
                    content_version=lesson.version if read else "",
                )
            )
            moment += timedelta(days=rng.expovariate(1 / pace), minutes=lesson.duration)
            if not read:
                return attempts
        quiz = catalogue.quiz_for_unit(unit.id)
        if quiz is None:
            continue
        for attempt_no in range(1, (quiz.attempts or 3) + 1):
            if moment > now:
                return attempts
            passed = _attempt(quiz, user.id, attempt_no, moment, skill + 0.1 * (attempt_no - 1), rng)
            attempts += 1
            moment += timedelta(hours=rng.uniform(0.5, 48))
            if passed:
                break
        else:
            return attempts  # failed every attempt: stuck here
    return attempts


def _attempt(quiz: Quiz, user_id: int, attempt_no: int, moment: datetime, skill: float, rng: random.Random) -> bool:
    drawn = draw_questions(quiz, rng)
    paper = Paper(rng.randrange(2**31), secrets.token_hex(16), drawn)
    answers = {q.id: _answer(q, rng.random() < skill, rng) for q in paper.questions(quiz)}
    result = grade(quiz, answers, pass_mark=quiz.pass_mark / 100, paper=paper)
    attempt = QuizAttempt(
        user_id=user_id,
        quiz_id=quiz.id,
        unit_id=quiz.unit_id,
        attempt_no=attempt_no,
        state=AttemptState.SUBMITTED,
        score=result.score,
        passed=result.passed,
        pass_mark=quiz.pass_mark / 100,
        content_version=quiz.version,
        seed=paper.seed,
        secret=paper.secret,
        questions=list(drawn) if drawn is not None else None,
        reveal=quiz.reveal,
        draft=answers,
        draft_seq=1,
        started_at=moment,
        submitted_at=moment + timedelta(minutes=rng.uniform(6, quiz.duration + 10)),
    )
    db.session.add(attempt)
    db.session.flush()
    db.session.add_all(
        QuestionResponse(
            attempt_id=attempt.id,
            question_id=r.question.id,
            position=index,
            answer=r.answer,
            simple_answer=r.graded.simple_answer[:2000],
            correct=r.graded.credit,
            review=r.graded.stored(),
        )
        for index, r in enumerate(result.questions)
    )
    return result.passed


def _answer(question: Question, right: bool, rng: random.Random) -> Answer:
    """A plausible answer: the key when ``right``, otherwise a typical mistake (each question
    type knows its own)."""
    return QUESTION_TYPES[question.type].demo_answer(question, right, rng)
