"""Serving benchmark: the real server under load, beside baselines measured in the same run.

    .venv/bin/python bench/serving.py [--runs 3] [--duration 10] [--connections 32]
                                      [--workers N] [--threads T] [--database-url URL]

It creates a database with learners, signs them in (session cookies made with the app's own
key), starts `training serve` (gunicorn, production settings) and drives it with wrk from
Debian (`apt-get install wrk`) on the same machine: the lesson page of a signed-in learner,
the course map, the dashboard, quiz submissions and, when there is one, the admin report page
at 10,000 learners. With the same gunicorn settings it then serves the same lesson bytes from
a minimal Flask app and from a bare WSGI callable, and (on SQLite) answers it from
`bench/floor.py`, the platform's guarantees without a framework. Each scenario runs --runs
times; the medians and the ratios to the baselines are printed, with errors, p50 and p99
latency, each worker's resident memory, the CPU time the server spent per request (steadier
than req/s when the machine is shared) and the time to load the whole course. See
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from itsdangerous import URLSafeTimedSerializer  # noqa: E402

BIN = Path(sys.executable).parent
LESSON = "/units/concepts/who-is-a-migrant"
QUIZ_ID = "concepts-quiz"
REPORT_LEARNERS = 10_000
SUBMISSIONS_PREPARED_PER_SECOND = 1_000
"""Open attempts seeded per second of a quiz run: twice the target rate (a server that runs out
is told by a warning)."""


@dataclass
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    server_cpu_ms: float = 0.0
    """CPU time the server's processes spent per request during the run (user and system,
    workers replaced meanwhile included): steadier than req/s on a shared machine."""


# --- the load generator -----------------------------------------------------------------

WRK_LUA = r"""
local lines = {}
local index = 0
ok, bad = 0, 0  -- globals: done() reads them from each thread
local method, path, encoding = "%(method)s", "%(path)s", "%(encoding)s"

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local n = 0
  for line in io.lines("%(data)s") do
    if n %% %(threads)d == id then table.insert(lines, line) end
    n = n + 1
  end
  if #lines == 0 then  -- fewer lines than threads: share them
    for line in io.lines("%(data)s") do table.insert(lines, line) end
  end
end

function request()
  index = index + 1
  local line = lines[((index - 1) %% #lines) + 1]
  local cookie, body = line:match("([^\t]*)\t?(.*)")
  local headers = {["Cookie"] = cookie}
  if encoding ~= "" then headers["Accept-Encoding"] = encoding end
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", path, headers, body)
  end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  if status == %(expected)d then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local total_ok, total_bad = 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_bad = total_bad + thread:get("bad")
  end
  io.write(string.format("STATUS ok=%%d bad=%%d\n", total_ok, total_bad))
end
"""
THREADS_PREAMBLE = "threads = {}\n"


def wrk(
    url: str,
    path: str,
    data: Path,
    duration: int,
    connections: int,
    method: str = "GET",
    expected: int = 200,
    threads: int = 2,
    encoding: str = "",
) -> Result:
    script = data.with_suffix(".lua")
    script.write_text(
        THREADS_PREAMBLE
        + WRK_LUA
        % {
            "method": method,
            "path": path,
            "data": data,
            "threads": threads,
            "expected": expected,
            "encoding": encoding,
        }
    )
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    status = re.search(r"STATUS ok=(\d+) bad=(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(status.group(2)) + (sum(int(x) for x in socket_errors.groups()) if socket_errors else 0)
    return Result(rps, _percentile(out, "50%"), _percentile(out, "99%"), errors, total)


def _percentile(out: str, label: str) -> float:
    value, unit = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


# --- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, command: list[str], env: dict, log: Path, cwd: Path = ROOT):
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [part.replace("{port}", str(self.port)) for part in command]
        self.log = log
        with log.open("w") as handle:
            self.process = subprocess.Popen(
                command, env=env, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    time.sleep(1.0)  # let every worker finish booting
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(log.read_text()) from None
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def cpu_seconds(self) -> float:
        """CPU time (user and system) of the server's master, its live workers and the workers
        it has already replaced (the kernel adds a reaped child's time to its parent's)."""

        def times(pid: str) -> list[int]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return [int(value) for value in fields[11:15]]  # utime stime cutime cstime

        ticks = sum(times(str(self.process.pid)))
        workers = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        for pid in workers.split():
            try:
                ticks += sum(times(pid))
            except FileNotFoundError:  # replaced while we looked: counted in the master's
                pass
        return ticks / os.sysconf("SC_CLK_TCK")

    def worker_rss_mb(self) -> list[float]:
        pids = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout.split()
        sizes = []
        for pid in pids:
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
        return sizes

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def gunicorn_command(target: str, workers: int, threads: int) -> list[str]:
    """The same settings `training serve` uses (see training/server.py), worker class and
    recycling included: a worker replaced every few thousand requests starts with empty
    caches, and the baselines must pay for that too."""
    from training.server import MAX_REQUESTS, MAX_REQUESTS_JITTER, worker_class

    return [
        str(BIN / "gunicorn"),
        "--bind",
        "127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        worker_class(threads),
        "--keep-alive",
        "5",
        "--timeout",
        "60",
        "--graceful-timeout",
        "20",
        "--max-requests",
        str(MAX_REQUESTS),
        "--max-requests-jitter",
        str(MAX_REQUESTS_JITTER),
        "--preload",
        target,
    ]


# --- data ---------------------------------------------------------------------------------


class Seeder:
    """Writes benchmark data straight into the database, while the server may be running."""

    def __init__(self, env: dict):
        os.environ.update(env)
        from training import create_app

        self.app = create_app()
        self.password = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(secrets.token_hex(8))
        self.cookies = CookieJar(self.app)

    def _users(self, conn, prefix: str, count: int, role: str = "learner", **extra) -> list[int]:
        from training.models import User

        now = datetime.now(UTC)
        conn.execute(
            User.__table__.insert(),
            [
                {
                    "email": f"{prefix}{i}@example.org",
                    "name": f"Bench {prefix} {i}",
                    "organisation": "Bench Ministry",
                    "country": "KE",
                    "role": role,
                    "password_hash": self.password,
                    "active": True,
                    "must_change_password": False,
                    "session_version": 1,
                    "created_at": now,
                    "email_verified_at": now,  # confirmed addresses, as registration requires
                    **extra,
                }
                for i in range(count)
            ],
        )
        return [
            row.id
            for row in conn.execute(
                sa.text('SELECT id FROM "user" WHERE email LIKE :p ORDER BY id'), {"p": f"{prefix}%"}
            )
        ]

    def readers(self, count: int) -> dict:
        """Learners who have read the first lessons (the report population), and an admin."""
        from training.course import get_catalogue
        from training.extensions import db
        from training.models import LessonProgress

        now = datetime.now(UTC)
        with self.app.app_context(), db.engine.begin() as conn:
            ids = self._users(conn, "reader", count)
            admin = self._users(conn, "admin", 1, role="admin", totp_secret="JBSWY3DPEHPK3PXP")[0]
            conn.execute(
                LessonProgress.__table__.insert(),
                [
                    {
                        "user_id": uid,
                        "unit_id": le.unit_id,
                        "lesson_id": le.id,
                        "first_opened_at": now,
                        "last_opened_at": now,
                        "completed_at": now,
                        "content_version": le.version,
                    }
                    for uid in ids
                    for le in get_catalogue().all_lessons()[:6]
                ],
            )
        return {"readers": ids, "admin": admin}

    def submitters(self, count: int) -> list[tuple[int, int, str]]:
        """Learners, each with an open attempt at the quiz, ready to submit it: (learner,
        attempt, the form's answers as the quiz page would name them, encoded). Each attempt
        has a secret of its own, so its form values are its own, as for a learner."""
        from training.course import get_catalogue
        from training.extensions import db
        from training.models import AttemptState, QuizAttempt
        from training.queries.attempts import paper_of
        from training.quiz import answers_to_form

        with self.app.app_context():
            quiz = get_catalogue().quiz(QUIZ_ID)
            with db.engine.begin() as conn:
                ids = self._users(conn, "submitter", count)
                now = datetime.now(UTC)
                conn.execute(
                    QuizAttempt.__table__.insert(),
                    [
                        {
                            "user_id": uid,
                            "quiz_id": quiz.id,
                            "unit_id": quiz.unit_id,
                            "attempt_no": 1,
                            "state": AttemptState.IN_PROGRESS,
                            "pass_mark": quiz.pass_mark / 100,
                            "content_version": quiz.version,
                            "seed": 1,
                            "secret": f"bench-{uid}",
                            "draft": {},
                            "draft_seq": 0,
                            "started_at": now,
                        }
                        for uid in ids
                    ],
                )
                attempts = dict(
                    conn.execute(
                        sa.text("SELECT user_id, id FROM quiz_attempt WHERE quiz_id = :q"), {"q": quiz.id}
                    ).all()
                )
            answers = _correct_answers(quiz)
            submitters = []
            for uid in ids:
                paper = paper_of(QuizAttempt(id=attempts[uid], seed=1, secret=f"bench-{uid}", questions=None))
                form = urlencode(answers_to_form(quiz, answers, paper), doseq=True)
                submitters.append((uid, attempts[uid], form))
            return submitters


class CookieJar:
    """Session cookies and form tokens made with the app's own key: signed-in learners
    without running the (deliberately slow) password check thousands of times."""

    def __init__(self, app):
        self.serializer = app.session_interface.get_signing_serializer(app)
        self.csrf = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        self.name = app.config["SESSION_COOKIE_NAME"]
        self.raw_tokens: dict[int, str] = {}

    def session(self, user_id: int) -> str:
        return self.session_with_token(user_id)[0]

    def session_with_token(self, user_id: int) -> tuple[str, str]:
        """A fresh session cookie (its idle clock starts now) and a form token for it. Each
        learner keeps one session token, as a browser keeps its session between pages."""
        now = int(time.time())
        raw = self.raw_tokens.setdefault(user_id, secrets.token_hex(20))
        value = self.serializer.dumps(
            {
                "_user_id": f"{user_id}.1",
                "_fresh": True,
                "_permanent": True,
                "auth_at": now,
                "seen_at": now,
                "csrf_token": raw,
            }
        )
        return f"{self.name}={value}", str(self.csrf.dumps(raw))


def _correct_answers(quiz) -> dict[str, dict]:
    """Every answer right, as an attempt stores it: each question type's own key answer."""
    from training.content.questions import QUESTION_TYPES

    rng = random.Random(0)  # a right answer draws nothing; the argument is the types' interface
    return {q.id: QUESTION_TYPES[q.type].demo_answer(q, True, rng) for q in quiz.questions}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


# --- the run ------------------------------------------------------------------------------


BROWSER_ENCODING = "gzip, deflate, br, zstd"
"""What Chromium and Firefox send; wrk sends no Accept-Encoding unless told to."""
ENCODINGS = {"identity": "", "browser": BROWSER_ENCODING}
PLATFORM, MAIN, FLASK, WSGI = "platform", "compared", "minimal Flask app", "bare WSGI callable"
FLOOR = "floor, no framework"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    parser.add_argument("--only", default="", help="comma-separated words: run only matching scenarios")
    parser.add_argument(
        "--compare",
        type=Path,
        default=None,
        help="another checkout of the platform (e.g. `git worktree add --detach /tmp/base main`), "
        "served beside this one on the same database and measured in the same runs",
    )
    parser.add_argument(
        "--encodings",
        default="identity,browser",
        help="identity (no Accept-Encoding, as wrk sends) and/or browser (" + BROWSER_ENCODING + ")",
    )
    args = parser.parse_args()

    from training.server import DEFAULT_THREADS, default_workers

    workers, threads = args.workers or default_workers(), args.threads or DEFAULT_THREADS
    work = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    env = {
        **os.environ,
        "TRAINING_ENV_NAME": "production",
        "TRAINING_SECRET_KEY": secrets.token_urlsafe(48),
        "TRAINING_DATABASE_URL": args.database_url or f"sqlite:///{work / 'bench.db'}",
        "TRAINING_ALLOW_SQLITE": "1",  # one machine: the servers share the file
        "TRAINING_CONTENT_DIR": str(ROOT),
        "TRAINING_GUIDE_CACHE_DIR": str(work / "guide-cache"),
    }
    subprocess.run([str(BIN / "training"), "db", "upgrade"], env=env, check=True, capture_output=True)
    print(f"Seeding {REPORT_LEARNERS:,} learners with progress...")
    seeder = Seeder(env)
    data = seeder.readers(REPORT_LEARNERS)
    mark_lesson_opened(env["TRAINING_DATABASE_URL"])

    servers: dict[str, Server] = {}
    try:
        servers[PLATFORM] = serve_platform(ROOT, env, work / "app.log", workers, threads)
        if args.compare:
            tree = args.compare.resolve()
            compare_env = {**env, "PYTHONPATH": str(tree), "TRAINING_CONTENT_DIR": str(tree)}
            servers[MAIN] = serve_platform(tree, compare_env, work / "compared.log", workers, threads)
        body = fetch_lesson(servers[PLATFORM], seeder, data["readers"][0])
        (work / "lesson.html").write_bytes(body)
        baseline_env = {**env, "BENCH_BODY": str(work / "lesson.html")}
        baselines = [(FLASK, "bench.baselines:flask_app"), (WSGI, "bench.baselines:wsgi_app")]
        if env["TRAINING_DATABASE_URL"].startswith("sqlite:"):
            baselines.append((FLOOR, "bench.floor:app"))  # the guarantees' own cost, without a framework
        for name, target in baselines:
            servers[name] = Server(gunicorn_command(target, workers, threads), baseline_env, work / f"{name}.log")
        results = measure(servers, data, seeder, args, work)
        if chosen(args, "quiz submissions"):
            submitting = {name: servers[name] for name in (PLATFORM, MAIN) if name in servers}
            for name, runs in submit_quizzes(submitting, seeder, args).items():
                results[("quiz submissions", "identity", name)] = runs
        loads = {"worker RSS MB": servers[PLATFORM].worker_rss_mb()}
    finally:
        for server in servers.values():
            server.stop()
    acknowledged = sum(
        r.requests - r.errors for key, runs in results.items() if key[0] == "quiz submissions" for r in runs
    )
    integrity = check_submissions(env["TRAINING_DATABASE_URL"], acknowledged)
    loads["content load s"] = content_load_seconds()
    report(results, loads, integrity, workers, threads, args)


def serve_platform(tree: Path, env: dict, log: Path, workers: int, threads: int) -> Server:
    """`training serve` from a checkout (its own code and course, this interpreter)."""
    command = [sys.executable, "-c", "from training.cli import cli; cli()", "serve", "--host", "127.0.0.1"]
    command += ["--port", "{port}", "--workers", str(workers), "--threads", str(threads)]
    return Server(command, env, log, cwd=tree)


def fetch_lesson(app: Server, seeder: Seeder, reader: int) -> bytes:
    import requests

    return requests.get(app.url + LESSON, headers={"Cookie": seeder.cookies.session(reader)}, timeout=30).content


def chosen(args: argparse.Namespace, name: str) -> bool:
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    return not wanted or any(w in name for w in wanted)


Key = tuple[str, str, str]
"""(scenario, encoding, server)"""


def measure(servers: dict[str, Server], data: dict, seeder: Seeder, args: argparse.Namespace, work: Path) -> dict:
    """Every scenario on every server, interleaved run by run, so that the load the machine's
    other users put on it falls on all of them alike. Session cookies are made afresh before
    each run: a cookie whose idle clock is over a minute old makes the server re-sign and
    re-send the session on every response, which a real reader's browser would not cause."""
    import requests

    app = servers[PLATFORM]
    readers = data["readers"][:2000]
    scenarios: list[tuple[str, str, list[int], list[str]]] = [
        ("lesson page", LESSON, readers, [name for name in servers]),
        ("course map", "/", readers, [PLATFORM, MAIN]),
        ("dashboard", "/dashboard", readers, [PLATFORM, MAIN]),
    ]
    report_path = "/admin/reports"
    admin_cookie = seeder.cookies.session(data["admin"])
    answer = requests.get(app.url + report_path, headers={"Cookie": admin_cookie}, timeout=60, allow_redirects=False)
    if answer.status_code == 200:
        scenarios.append(
            (f"report page ({REPORT_LEARNERS:,} learners)", report_path, [data["admin"]], [PLATFORM, MAIN])
        )
    encodings = [e.strip() for e in args.encodings.split(",") if e.strip()]
    results: dict[Key, list[Result]] = {}
    for _run in range(args.runs):
        mark_lesson_opened(str(servers[PLATFORM].env["TRAINING_DATABASE_URL"]))
        for name, path, people, targets in scenarios:
            if not chosen(args, name):
                continue
            for encoding in encodings:
                for target in targets:
                    if target not in servers:
                        continue
                    lines = write_lines(work / "people.txt", [seeder.cookies.session(uid) for uid in people])
                    # A report is an administrator's occasional request: one at a time, for its latency.
                    connections, threads = (1, 1) if path.startswith("/admin") else (args.connections, 2)
                    before = servers[target].cpu_seconds()
                    result = wrk(
                        servers[target].url,
                        path,
                        lines,
                        args.duration,
                        connections,
                        threads=threads,
                        encoding=ENCODINGS[encoding],
                    )
                    result.server_cpu_ms = (servers[target].cpu_seconds() - before) / max(result.requests, 1) * 1000
                    results.setdefault((name, encoding, target), []).append(result)
    return results


def submit_quizzes(apps: dict[str, Server], seeder: Seeder, args: argparse.Namespace) -> dict[str, list[Result]]:
    """Each request submits a different learner's open attempt, once: nothing is re-sent.
    With a compared checkout, its runs alternate with the platform's, on attempts of its own,
    first one then the other going first: a run inherits what the one before it wrote (on
    SQLite, a write-ahead log to fold back), which would otherwise always fall on one side."""
    per_run = SUBMISSIONS_PREPARED_PER_SECOND * args.duration
    needed = per_run * args.runs * len(apps)
    print(f"Seeding {needed:,} learners with an open quiz attempt each...")
    prepared = iter(seeder.submitters(needed))
    runs: dict[str, list[Result]] = {name: [] for name in apps}
    for run in range(args.runs):
        for name, app in list(apps.items())[:: 1 if run % 2 == 0 else -1]:
            lines = []
            for _ in range(per_run):
                uid, attempt, answers = next(prepared)
                cookie, token = seeder.cookies.session_with_token(uid)
                lines.append(f"{cookie}\tcsrf_token={quote(token)}&attempt={attempt}&seq=1&action=submit&{answers}")
            before = app.cpu_seconds()
            result = wrk(
                app.url,
                f"/quizzes/{QUIZ_ID}",
                write_lines(app.log.parent / f"submit-{name}-{run}.txt", lines),
                args.duration,
                args.connections,
                "POST",
                303,
            )
            result.server_cpu_ms = (app.cpu_seconds() - before) / max(result.requests, 1) * 1000
            if result.requests > per_run:
                print(f"warning: {result.requests} submissions but only {per_run} open attempts were prepared")
            runs[name].append(result)
    return runs


def mark_lesson_opened(url: str) -> None:
    """The learners have this lesson open already: the benchmark measures reading, not the
    first-visit write (which happens once per learner and lesson every few minutes)."""
    unit_id, lesson_id = LESSON.split("/")[2:4]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO lesson_progress (user_id, unit_id, lesson_id, first_opened_at, last_opened_at, "
                "content_version) SELECT id, :u, :l, :now, :now, '' FROM \"user\" WHERE role = 'learner' "
                "AND id NOT IN (SELECT user_id FROM lesson_progress WHERE unit_id = :unit AND lesson_id = :lesson)"
            ),
            # The same values named twice: PostgreSQL types a parameter once, and these are
            # text in the select list but varchar in the comparison.
            {
                "u": unit_id,
                "l": lesson_id,
                "unit": unit_id,
                "lesson": lesson_id,
                "now": datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" "),
            },
        )
        # Reading within five minutes of the last view writes nothing; later runs would
        # otherwise measure a write per view: keep the learners' last view recent.
        conn.execute(
            sa.text("UPDATE lesson_progress SET last_opened_at = :now WHERE unit_id = :u AND lesson_id = :l"),
            {"u": unit_id, "l": lesson_id, "now": datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")},
        )
    engine.dispose()


def check_submissions(url: str, acknowledged: int) -> dict:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        submitted = conn.execute(sa.text("SELECT count(*) FROM quiz_attempt WHERE state = 'submitted'")).scalar()
        responses = conn.execute(sa.text("SELECT count(*) FROM question_response")).scalar()
        doubled = conn.execute(
            sa.text(
                "SELECT count(*) FROM (SELECT attempt_id, question_id FROM "
                "question_response GROUP BY attempt_id, question_id HAVING count(*) > 1) d"
            )
        ).scalar()
    engine.dispose()
    per_attempt = responses / submitted if submitted else 0
    return {
        "acknowledged": acknowledged,
        "submitted": submitted,
        "responses": responses,
        "doubled": doubled,
        "responses_per_attempt": round(per_attempt, 3),
        "lost": max(0, acknowledged - submitted),
    }


def content_load_seconds() -> dict[str, list[float]]:
    """Seconds to load the whole course in a new process, imports included: built from its
    files, and taken from the snapshot a first build kept (what every start does while the
    course and code are unchanged). Three runs each."""
    timed = "import sys, time; t = time.perf_counter(); {load}; print(time.perf_counter() - t)"
    built = "from training.content import build_catalogue; build_catalogue(sys.argv[1])"
    kept = "from training.content.snapshot import load_or_build; load_or_build(sys.argv[1], sys.argv[2], 'bench')"

    def run(load: str, *args: str) -> float:
        code = timed.format(load=load)
        ran = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT)
        return float(ran.stdout)

    with tempfile.TemporaryDirectory() as folder:
        run(kept, str(ROOT), folder)
        return {
            "built": [run(built, str(ROOT)) for _ in range(3)],
            "kept": [run(kept, str(ROOT), folder) for _ in range(3)],
        }


def report(
    results: dict[Key, list[Result]], loads: dict, integrity: dict, workers: int, threads: int, args: argparse.Namespace
) -> None:
    def median(key: Key, field: str) -> float:
        return statistics.median(getattr(r, field) for r in results[key])

    load = os.getloadavg()
    print(
        f"\n{workers} gunicorn workers x {threads} threads (all servers), wrk with {args.connections} connections, "
        f"{args.duration} s per run, median of {args.runs} interleaved runs, on {os.cpu_count()} cores; "
        f"load average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n"
    )
    columns = (
        f"{'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'vs Flask':>8} {'vs WSGI':>7} {'vs compared':>11}"
        f" {'CPU ms/req':>10}"
    )
    print(f"{'scenario':34} {'encoding':9} {'server':19} {columns}")
    for key in results:
        name, encoding, server = key
        rps = median(key, "requests_per_second")
        ratios = []
        for other in (FLASK, WSGI, MAIN):
            base = ("lesson page", encoding, other) if other != MAIN else (name, encoding, MAIN)
            ratios.append(f"{rps / median(base, 'requests_per_second'):.2f}" if base in results else "-")
        errors = sum(r.errors for r in results[key])
        print(
            f"{name:34} {encoding:9} {server:19} {rps:8.0f} {median(key, 'p50_ms'):7.1f} {median(key, 'p99_ms'):7.1f} "
            f"{errors:6d} {ratios[0]:>8} {ratios[1]:>7} {ratios[2]:>11} {median(key, 'server_cpu_ms'):10.3f}"
        )
    rss = loads["worker RSS MB"] or [0.0]
    content = {how: statistics.median(seconds) for how, seconds in loads["content load s"].items()}
    if integrity["acknowledged"]:
        print(
            f"\nquiz submissions: {integrity['acknowledged']} acknowledged (303) during the runs; "
            f"{integrity['submitted']} attempts stored as submitted (the difference: requests still in flight "
            f"when wrk stopped, completed afterwards); {integrity['responses']} answers stored "
            f"({integrity['responses_per_attempt']} per attempt); {integrity['doubled']} doubled"
        )
    print(f"worker resident memory: {', '.join(f'{m:.0f} MB' for m in rss)} (max {max(rss):.0f} MB)")
    print(
        f"whole-course content load (imports included, median of 3): {content['built']:.2f} s built, "
        f"{content['kept']:.2f} s from its snapshot"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"serving-{stamp}.json").write_text(
        json.dumps(
            {
                "workers": workers,
                "threads": threads,
                "connections": args.connections,
                "duration": args.duration,
                "load_average": load,
                "compared": str(args.compare) if args.compare else None,
                "results": [
                    {"scenario": k[0], "encoding": k[1], "server": k[2], "runs": [asdict(r) for r in v]}
                    for k, v in results.items()
                ],
                "loads": loads,
                "integrity": integrity,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
