"""Reports at the scale of a national programme: 10,000, 50,000 and 100,000 learners, progress
on every lesson, five quiz attempts per learner with their answers (500,000 at 100,000),
bulk-inserted, then the report summaries rebuilt from them; every report page and CSV export
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
BATCH = 20_000
GROUP_SIZE = 250


def seed(learners: int, attempts: int, seed_value: int = 7) -> dict[str, str]:
    """Fill an empty database quickly with bulk inserts; returns the staff logins. Learners
    are in groups of 250 (a group page grows with its group, not with the population)."""
    groups = max(1, learners // GROUP_SIZE)
    rng = random.Random(seed_value)
    catalogue = get_catalogue()
    now = datetime.now(UTC)
    password_hash = hash_password(PASSWORD)
    admin_secret, trainer_secret = pyotp.random_base32(), pyotp.random_base32()
    started = time.perf_counter()

    def bulk(model: type, rows: list[dict]) -> None:
        for i in range(0, len(rows), BATCH):
            db.session.execute(sa.insert(model), rows[i : i + BATCH])

    staff = [
        {
            "id": 1,
            "email": "admin@bench.example",
            "name": "Bench Admin",
            "organisation": "Secretariat",
            "country": "CH",
            "role": Role.ADMIN,
            "password_hash": password_hash,
            "totp_secret": admin_secret,
            "created_at": now - timedelta(days=400),
        },
        {
            "id": 2,
            "email": "trainer@bench.example",
            "name": "Bench Trainer",
            "organisation": "Secretariat",
            "country": "CH",
            "role": Role.TRAINER,
            "password_hash": password_hash,
            "totp_secret": trainer_secret,
            "created_at": now - timedelta(days=400),
        },
    ]
    common = {"active": True, "must_change_password": False, "session_version": 1, "totp_last_step": None}
    users = [{**common, **s} for s in staff]
    for i in range(learners):
        users.append(
            {
                **common,
                "id": 3 + i,
                "email": f"learner{i}@bench.example",
                "name": f"Learner {i:05d}",
                "organisation": rng.choice(ORGANISATIONS),
                "country": rng.choice(COUNTRIES),
                "role": Role.LEARNER,
                "password_hash": password_hash,
                "totp_secret": None,
                "created_at": now - timedelta(days=rng.uniform(30, 365)),
            }
        )
    bulk(User, users)
    bulk(
        Group,
        [
            {
                "id": g + 1,
                "name": f"Cohort {g + 1:02d}",
                "description": "",
                "starts_on": None,
                "created_at": now - timedelta(days=200),
            }
            for g in range(groups)
        ],
    )
    memberships = [{"group_id": 1, "user_id": 2, "role": GroupRole.TRAINER}]
    memberships += [{"group_id": i % groups + 1, "user_id": 3 + i, "role": GroupRole.LEARNER} for i in range(learners)]
    bulk(Membership, memberships)

    lessons = [(u.id, le) for u in catalogue.units for le in u.lessons]
    progress_rows = []
    reach_of = [min(1.0, rng.random() * 1.4) for _ in range(learners)]
    for i in range(learners):
        uid, start = 3 + i, users[2 + i]["created_at"]
        reach = reach_of[i]
        for index, (unit_id, lesson) in enumerate(lessons):
            opened = start + timedelta(days=index * rng.uniform(0.2, 1.5))
            opened = min(opened, now)
            read = reach > index / len(lessons)
            progress_rows.append(
                {
                    "user_id": uid,
                    "unit_id": unit_id,
                    "lesson_id": lesson.id,
                    "first_opened_at": opened,
                    "last_opened_at": opened,
                    "completed_at": opened + timedelta(minutes=lesson.duration) if read else None,
                    "content_version": lesson.version,
                }
            )
    bulk(LessonProgress, progress_rows)
    del progress_rows

    # Attempts follow reading: a learner takes the quiz of each unit they read through,
    # failing the first try now and then, until the 50,000 attempts are used up.
    lessons_up_to = list(itertools.accumulate(len(u.lessons) for u in catalogue.units))
    units_read: dict[int, int] = {}
    for i in range(learners):
        read_lessons = sum(1 for index in range(len(lessons)) if reach_of[i] > index / len(lessons))
        units_read[3 + i] = sum(1 for total in lessons_up_to if total <= read_lessons)
    attempt_rows, response_rows = [], []
    order = list(units_read)
    rng.shuffle(order)
    for uid in order:
        if len(attempt_rows) >= attempts:
            break
        moment = users[uid - 1]["created_at"]
        for unit in catalogue.units[: units_read[uid]]:
            quiz = catalogue.quiz_for_unit(unit.id)
            if quiz is None:
                continue
            for number in (1, 2, 3):
                if len(attempt_rows) >= attempts:
                    break
                passed = number > 1 or rng.random() < 0.7
                moment = min(now, moment + timedelta(days=rng.uniform(0.5, 4)))
                credits = []
                for position, question in enumerate(quiz.questions):
                    right = rng.random() < (0.9 if passed else 0.4)
                    credits.append(1.0 if right else 0.0)
                    response_rows.append(
                        {
                            "attempt_id": len(attempt_rows) + 1,
                            "question_id": question.id,
                            "position": position,
                            "answer": {},
                            "simple_answer": _answer_text(question, right, rng),
                            "correct": credits[-1],
                        }
                    )
                score = sum(credits) / len(credits)
                attempt_rows.append(
                    {
                        "id": len(attempt_rows) + 1,
                        "user_id": uid,
                        "quiz_id": quiz.id,
                        "unit_id": quiz.unit_id,
                        "attempt_no": number,
                        "state": AttemptState.SUBMITTED,
                        "score": score,
                        "passed": score >= quiz.pass_mark / 100,
                        "pass_mark": quiz.pass_mark / 100,
                        "content_version": quiz.version,
                        "seed": 0,
                        "draft": {},
                        "draft_seq": 0,
                        "started_at": moment - timedelta(minutes=12),
                        "submitted_at": moment,
                    }
                )
                if score >= quiz.pass_mark / 100:
                    break
    bulk(QuizAttempt, attempt_rows)
    bulk(QuestionResponse, response_rows)
    marks = [
        {
            "user_id": 3 + i,
            "unit_id": catalogue.units[0].id,
            "group_id": 1,
            "marked_by_id": 2,
            "completed_at": now - timedelta(days=rng.uniform(1, 90)),
        }
        for i in range(0, learners, 40)
    ]
    bulk(UnitCompletion, marks)
    db.session.commit()
    print(
        f"seeded {learners} learners, {len(lessons) * learners} lesson rows, {len(attempt_rows)} attempts, "
        f"{len(response_rows)} answers in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    units, tallies, summed = summaries.rebuild(catalogue)
    print(
        f"summaries rebuilt from the records ({units} learner-unit rows, {summed} learner rows, "
        f"{tallies} answer tallies) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    return {"admin@bench.example": admin_secret, "trainer@bench.example": trainer_secret}


def _answer_text(question, right: bool, rng: random.Random) -> str:
    options = question.options
    if question.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE, QuestionType.SHORT):
        pool = [o.text for o in options if o.correct == right and o.text != "*"] or [o.text for o in options]
        return rng.choice(pool)
    if question.type == QuestionType.MULTIPLE:
        chosen = [o.text for o in options if o.correct] if right else rng.sample([o.text for o in options], 2)
        return "; ".join(chosen)
    return "; ".join(o.text for o in options) if right else "; ".join(reversed([o.text for o in options]))


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
