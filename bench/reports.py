"""Reports at the scale of a national programme: 10,000, 50,000 and 100,000 learners, progress
on every lesson, five quiz attempts per learner with their answers (500,000 at 100,000),
handed to the driver as they are made (``COPY`` on PostgreSQL, ``executemany`` on SQLite),
then the report summaries rebuilt from them and the planner's statistics refreshed; every report page and CSV export
is timed through the real app (Flask test client, real database), signed in as an
administrator and as a trainer, and the growth from the smallest to the largest printed.

    .venv/bin/python bench/reports.py                       # SQLite, in a temporary folder
    .venv/bin/python bench/reports.py --learners 10000      # one size only
    .venv/bin/python bench/reports.py --postgres URL        # PostgreSQL too (tables replaced!)
    scripts/pg-cluster run sh -c '.venv/bin/python bench/reports.py --postgres "$TRAINING_TEST_DATABASE_URL"'

Prints the median time per page over ``--runs`` runs, and for each CSV export the time to
stream it, its size and the peak Python memory while streaming (flat: it does not grow with
the number of rows). Exits non-zero when a median is over the 1-second budget.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pyotp
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training import create_app  # noqa: E402
from training.content.model import QuestionType  # noqa: E402
from training.course import get_catalogue  # noqa: E402
from training.extensions import db  # noqa: E402
from training.models import (  # noqa: E402
    AttemptState,
    Base,
    Group,
    GroupRole,
    LessonProgress,
    Membership,
    QuestionResponse,
    QuizAttempt,
    Role,
    UnitCompletion,
    User,
)
from training.services import summaries  # noqa: E402
from training.services.credentials import hash_password  # noqa: E402

BUDGET_SECONDS = 1.0
PASSWORD = "bench password 2026"
COUNTRIES = [
    "KE",
    "NG",
    "GH",
    "SN",
    "ET",
    "UG",
    "TZ",
    "ZA",
    "MA",
    "EG",
    "TN",
    "JO",
    "LB",
    "PH",
    "BD",
    "NP",
    "LK",
    "ID",
    "MX",
    "GT",
    "CO",
    "EC",
    "PE",
    "UA",
    "MD",
]
ORGANISATIONS = [
    f"Ministry {n}"
    for n in (
        "of Interior",
        "of Labour",
        "of Foreign Affairs",
        "of Justice",
        "of Health",
        "of Education",
        "of Planning",
        "of Social Affairs",
    )
]
ORGANISATIONS += [f"Immigration Service {i}" for i in range(1, 23)]
BATCH = 50_000
GROUP_SIZE = 250


def bulk(model: type, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Rows handed straight to the driver: ``COPY ... FROM STDIN`` on PostgreSQL (psycopg 3),
    one ``executemany`` on SQLite; the number of rows. Each value goes through its column's
    own SQLAlchemy type (what an ORM insert would store), and the columns left out get their
    Python-side default, worked out once for all rows. Hand-written because an ORM or Core
    insert of millions of rows spends most of its time in SQLAlchemy, not in the database."""
    table = cast(sa.Table, model.__table__)
    connection = db.session.connection()
    dialect = connection.dialect
    defaults = {
        column.name: column.default.arg(None) if column.default.is_callable else column.default.arg  # type: ignore[attr-defined]
        for column in table.columns
        if column.name not in columns and not column.primary_key and column.default is not None
    }
    names = [*columns, *defaults]
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
    tail = [
        process(value) if process else value
        for process, value in zip(processors[len(columns) :], defaults.values(), strict=True)
    ]
    convert = [(i, process) for i, process in enumerate(processors[: len(columns)]) if process is not None]
    count = 0

    def values() -> Iterator[list[Any]]:
        nonlocal count
        for row in rows:
            out = [*row, *tail]
            for i, process in convert:
                out[i] = process(out[i])
            count += 1
            yield out

    quote = dialect.identifier_preparer.quote
    driver: Any = connection.connection.driver_connection
    target = f"{quote(table.name)} ({', '.join(quote(name) for name in names)})"
    if dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in values():
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(names))
        driver.executemany(f"INSERT INTO {target} VALUES ({marks})", values())  # nosec B608: names from the models
    return count


def seed(learners: int, attempts: int, seed_value: int = 7) -> dict[str, str]:
    """Fill an empty database quickly, the rows made as they are written (memory stays flat);
    returns the staff logins. Learners are in groups of 250 (a group page grows with its
    group, not with the population)."""
    groups = max(1, learners // GROUP_SIZE)
    rng = random.Random(seed_value)
    catalogue = get_catalogue()
    now = datetime.now(UTC)
    password_hash = hash_password(PASSWORD)
    admin_secret, trainer_secret = pyotp.random_base32(), pyotp.random_base32()
    started = time.perf_counter()

    user_columns = [
        "id",
        "email",
        "name",
        "organisation",
        "country",
        "role",
        "password_hash",
        "totp_secret",
        "created_at",
        "email_verified_at",
        "active",
        "must_change_password",
        "session_version",
    ]
    staff_since = now - timedelta(days=400)
    created = [now - timedelta(days=rng.uniform(30, 365)) for _ in range(learners)]
    users: list[tuple[Any, ...]] = [
        (1, "admin@bench.example", "Bench Admin", "Secretariat", "CH", Role.ADMIN),
        (2, "trainer@bench.example", "Bench Trainer", "Secretariat", "CH", Role.TRAINER),
    ]
    users = [
        (*u, password_hash, s, staff_since, staff_since, True, False, 1)
        for u, s in zip(users, (admin_secret, trainer_secret), strict=True)
    ]
    users += [
        (
            3 + i,
            f"learner{i}@bench.example",
            f"Learner {i:05d}",
            rng.choice(ORGANISATIONS),
            rng.choice(COUNTRIES),
            Role.LEARNER,
            password_hash,
            None,
            created[i],
            created[i],
            True,
            False,
            1,
        )
        for i in range(learners)
    ]
    bulk(User, user_columns, users)
    cohorts = [(g + 1, f"Cohort {g + 1:02d}", "", now - timedelta(days=200)) for g in range(groups)]
    bulk(Group, ["id", "name", "description", "created_at"], cohorts)
    memberships = [(1, 2, GroupRole.TRAINER)] + [(i % groups + 1, 3 + i, GroupRole.LEARNER) for i in range(learners)]
    bulk(Membership, ["group_id", "user_id", "role"], memberships)

    lessons = [(u.id, le.id, timedelta(minutes=le.duration), le.version) for u in catalogue.units for le in u.lessons]
    reach_of = [min(1.0, rng.random() * 1.4) for _ in range(learners)]
    day = timedelta(days=1)

    def progress() -> Iterator[tuple[Any, ...]]:
        for i in range(learners):
            uid, start, reach = 3 + i, created[i], reach_of[i]
            for index, (unit_id, lesson_id, duration, version) in enumerate(lessons):
                opened = min(start + day * (index * rng.uniform(0.2, 1.5)), now)
                read = reach > index / len(lessons)
                yield (uid, unit_id, lesson_id, opened, opened, opened + duration if read else None, version)

    lesson_rows = bulk(
        LessonProgress,
        ["user_id", "unit_id", "lesson_id", "first_opened_at", "last_opened_at", "completed_at", "content_version"],
        progress(),
    )

    # Attempts follow reading: a learner takes the quiz of each unit they read through,
    # failing the first try now and then, until the attempts are used up. Attempts are
    # written before their answers, a slice at a time.
    lessons_up_to = list(itertools.accumulate(len(u.lessons) for u in catalogue.units))
    units_read: dict[int, int] = {}
    for i in range(learners):
        read_lessons = sum(1 for index in range(len(lessons)) if reach_of[i] > index / len(lessons))
        units_read[3 + i] = sum(1 for total in lessons_up_to if total <= read_lessons)
    quizzes = {u.id: catalogue.quiz_for_unit(u.id) for u in catalogue.units}
    answer_pools = {
        (q.id, right): _answer_pool(q, right)
        for quiz in quizzes.values()
        if quiz
        for q in quiz.questions
        for right in (True, False)
    }
    attempt_columns = [
        "id",
        "user_id",
        "quiz_id",
        "unit_id",
        "attempt_no",
        "state",
        "score",
        "passed",
        "pass_mark",
        "content_version",
        "seed",
        "draft",
        "draft_seq",
        "started_at",
        "submitted_at",
    ]
    response_columns = ["attempt_id", "question_id", "position", "answer", "simple_answer", "correct"]
    attempt_rows: list[tuple[Any, ...]] = []
    response_rows: list[tuple[Any, ...]] = []
    attempt_count = response_count = 0
    order = list(units_read)
    rng.shuffle(order)
    for uid in order:
        if attempt_count >= attempts:
            break
        moment = created[uid - 3]
        for unit in catalogue.units[: units_read[uid]]:
            quiz = quizzes[unit.id]
            if quiz is None:
                continue
            for number in (1, 2, 3):
                if attempt_count >= attempts:
                    break
                attempt_count += 1
                passed = number > 1 or rng.random() < 0.7
                moment = min(now, moment + timedelta(days=rng.uniform(0.5, 4)))
                credits = 0.0
                for position, question in enumerate(quiz.questions):
                    right = rng.random() < (0.9 if passed else 0.4)
                    credits += right
                    pool = answer_pools[(question.id, right)]
                    text = pool(rng) if callable(pool) else rng.choice(pool)
                    response_rows.append((attempt_count, question.id, position, {}, text, float(right)))
                score = credits / len(quiz.questions)
                mark = quiz.pass_mark / 100
                attempt_rows.append(
                    (
                        attempt_count,
                        uid,
                        quiz.id,
                        quiz.unit_id,
                        number,
                        AttemptState.SUBMITTED,
                        score,
                        score >= mark,
                        mark,
                        quiz.version,
                        0,
                        {},
                        0,
                        moment - timedelta(minutes=12),
                        moment,
                    )
                )
                if score >= mark:
                    break
        if len(response_rows) >= BATCH:
            bulk(QuizAttempt, attempt_columns, attempt_rows)
            response_count += bulk(QuestionResponse, response_columns, response_rows)
            attempt_rows, response_rows = [], []
    bulk(QuizAttempt, attempt_columns, attempt_rows)
    response_count += bulk(QuestionResponse, response_columns, response_rows)
    marks = [
        (3 + i, catalogue.units[0].id, 1, 2, now - timedelta(days=rng.uniform(1, 90))) for i in range(0, learners, 40)
    ]
    bulk(UnitCompletion, ["user_id", "unit_id", "group_id", "marked_by_id", "completed_at"], marks)
    db.session.commit()
    print(
        f"seeded {learners} learners, {lesson_rows} lesson rows, {attempt_count} attempts, "
        f"{response_count} answers in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    units, tallies, summed = summaries.rebuild(catalogue)
    print(
        f"summaries rebuilt from the records ({units} learner-unit rows, {summed} learner rows, "
        f"{tallies} answer tallies) and the planner's statistics refreshed "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return {"admin@bench.example": admin_secret, "trainer@bench.example": trainer_secret}


def _answer_pool(question, right: bool) -> list[str] | Callable[[random.Random], str]:
    """The answer texts a right or wrong answer to this question picks from, or how to make one."""
    options = question.options
    if question.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE, QuestionType.SHORT):
        return [o.text for o in options if o.correct == right and o.text != "*"] or [o.text for o in options]
    if question.type == QuestionType.MULTIPLE:
        if right:
            return ["; ".join(o.text for o in options if o.correct)]
        texts = [o.text for o in options]
        return lambda rng: "; ".join(rng.sample(texts, 2))
    return ["; ".join(o.text for o in options) if right else "; ".join(reversed([o.text for o in options]))]


def sign_in(client, email: str, secret: str) -> None:
    import re

    def token(path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)

    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token("/login")})
    code = pyotp.TOTP(secret).now()
    response = client.post("/login/verify", data={"code": code, "csrf_token": token("/login/verify")})
    assert response.status_code == 302, response.status_code


PAGES = [
    "/admin/reports",
    "/admin/reports/units",
    "/admin/reports/completion",
    "/admin/reports/organisations",
    "/admin/reports/countries",
    "/admin/reports/questions",
    "/admin/reports/print",
    "/admin/reports?country=KE",
    "/admin/reports/completion?q=learner 01&sort=organisation&status=complete",
    "/admin/reports/completion?page=150",
    "/admin/groups/1",
    "/admin/learners/103",
]
EXPORTS = [
    "/admin/reports/overview.csv",
    "/admin/reports/timeline.csv",
    "/admin/reports/units.csv",
    "/admin/reports/completion.csv",
    "/admin/reports/organisations.csv",
    "/admin/reports/countries.csv",
    "/admin/reports/questions.csv",
]
TRAINER_PAGES = [
    "/admin/",
    "/admin/groups/1",
    "/admin/reports",
    "/admin/reports/units",
    "/admin/reports/completion",
    "/admin/reports/questions",
]
TRAINER_EXPORTS = ["/admin/reports/completion.csv", "/admin/groups/1/matrix.csv"]


def time_get(client, url: str, runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of a GET, read to the last byte. The request runs in
    this process, so its CPU time is what it would take on an otherwise idle machine; the
    wall-clock time also counts waiting for a busy CPU."""
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        body = response.get_data()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        assert response.status_code == 200, (url, response.status_code, body[:300])
    return statistics.median(walls), statistics.median(cpus)


def _cpu(seconds: float, label: str) -> str:
    """CPU time of this process: all of the work with SQLite; with PostgreSQL the database's
    share runs in the server's process and is not in it."""
    return f"{seconds * 1000:7.0f} ms cpu" if label == "SQLite" else " " * 14


def stream_export(client, url: str) -> tuple[float, int, int]:
    """Seconds to stream it, bytes, and the peak of Python allocations while streaming."""
    tracemalloc.start()
    start = time.perf_counter()
    response = client.get(url, buffered=False)
    assert response.status_code == 200, (url, response.status_code)
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, size, peak


def run(
    database_url: str, label: str, learners: int, attempts: int, runs: int, medians: dict[tuple[str, str, str], float]
) -> list[str]:
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
            "DATABASE_URL": database_url,
            "CONTENT_DIR": str(ROOT),
            "REAUTH_WINDOW": timedelta(hours=2),
        }
    )
    failures = []
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        secrets = seed(learners, attempts)
        db.session.remove()
    for who, pages, exports in (("admin", PAGES, EXPORTS), ("trainer", TRAINER_PAGES, TRAINER_EXPORTS)):
        client = app.test_client()
        email = f"{who}@bench.example"
        sign_in(client, email, secrets[email])
        print(
            f"\n{label}, signed in as {who}: median of {runs} runs, wall-clock and CPU "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )
        for url in pages:
            client.get(url)  # warm-up (templates compiled, caches filled)
            wall, cpu = time_get(client, url, runs)
            medians[(label, who, url)] = wall
            flag = "" if wall < BUDGET_SECONDS else "  over 1 s"
            print(f"  {wall * 1000:7.0f} ms {_cpu(cpu, label)}  {url}{flag}")
            if flag:
                failures.append(f"{label} {who} {url}")
        for url in exports:
            wall, cpu = time_get(client, url, runs)
            medians[(label, who, url)] = wall
            _, size, peak = stream_export(client, url)
            flag = "" if wall < BUDGET_SECONDS else "  over 1 s"
            print(
                f"  {wall * 1000:7.0f} ms {_cpu(cpu, label)}  {url}  ({size / 1024:.0f} KB; peak Python "
                f"memory while streaming {peak / 1024:.0f} KB){flag}"
            )
            if flag:
                failures.append(f"{label} {who} {url}")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--attempts-per-learner", type=float, default=5.0, help="500,000 attempts at 100,000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--postgres", metavar="URL", help="also run against this PostgreSQL database (its tables are replaced)"
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    failures: list[str] = []
    by_size: dict[int, dict[tuple[str, str, str], float]] = {}
    for learners in args.learners:
        attempts = int(learners * args.attempts_per_learner)
        medians = by_size[learners] = {}
        print(f"\n=== {learners:,} learners, up to {attempts:,} attempts ===")
        with tempfile.TemporaryDirectory() as folder:
            if not args.skip_sqlite:
                failures += run(f"sqlite:///{folder}/bench.db", "SQLite", learners, attempts, args.runs, medians)
            if args.postgres:
                failures += run(args.postgres, "PostgreSQL", learners, attempts, args.runs, medians)
    if len(by_size) > 1:
        sizes = sorted(by_size)
        print("\nGrowth: median ms at " + ", ".join(f"{n:,}" for n in sizes) + " learners, and last / first")
        for key in by_size[sizes[0]]:
            figures = [by_size[n].get(key) for n in sizes]
            if None in figures:
                continue
            shown = " ".join(f"{f * 1000:7.0f}" for f in figures if f is not None)
            ratio = figures[-1] / figures[0] if figures[0] else float("nan")
            print(f"  {shown}  x{ratio:4.1f}  {key[0]} {key[1]} {key[2]}")
    if failures:
        print("\nOver the 1-second budget: " + ", ".join(failures))
        return 1
    print(f"\nEvery page and export answered within {BUDGET_SECONDS:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
