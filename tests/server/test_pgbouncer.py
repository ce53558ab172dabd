"""The app behind PgBouncer in transaction pooling mode (Debian's ``pgbouncer``), in front of
the test PostgreSQL: consecutive transactions of one app connection run on whichever server
connection is free, so nothing may outlive a transaction on the server (no prepared
statement, no session setting). With ``TRAINING_DB_PREPARED_STATEMENTS=false`` psycopg
prepares nothing and every page works; with psycopg's default, statements it prepared on one
server connection are missing on the next."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from ..helpers import MINIMAL, POSTGRES_URL, ROOT, correct_form, empty_database
from ..livesite import TRAINING, Browser, form_fields, free_port, race, rows, serve, started, stop, wait_for

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
CONFIG = ROOT / "deploy" / "pgbouncer" / "pgbouncer.ini"

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not POSTGRES_URL, reason="PgBouncer pools PostgreSQL connections (PostgreSQL pass only)"),
    pytest.mark.skipif(not Path(PGBOUNCER).exists(), reason="Debian's pgbouncer is not installed (make system-deps)"),
]


def bouncer_config(database_url: str, port: int, folder: Path) -> str:
    """The deploy file with its EDIT values replaced for this test, and two server connections
    per database and user (fewer than the app opens, so they are shared)."""
    url = sa.engine.make_url(database_url)
    text = CONFIG.read_text()
    replacements = [
        (r"\ntraining = host=\S+ port=\d+ dbname=training", f"\n* = host={url.host} port={url.port}"),
        (r"listen_addr = \S+", "listen_addr = 127.0.0.1"),
        (r"listen_port = \d+", f"listen_port = {port}"),
        (r"unix_socket_dir = \S+", "unix_socket_dir ="),
        (r"auth_type = \S+", "auth_type = trust"),  # the test cluster trusts loopback
        (r"auth_file = \S+", f"auth_file = {folder}/users.txt"),
        (r"default_pool_size = \d+", "default_pool_size = 2"),
        (r"pool_mode = transaction", "pool_mode = transaction"),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text)
        assert count == 1, f"the deploy file no longer has {pattern!r}"
    return text


@contextmanager
def pgbouncer(database_url: str) -> Iterator[str]:
    """PgBouncer from deploy/pgbouncer/ on a loopback port; yields the database URL through it."""
    url = sa.engine.make_url(database_url)
    folder = Path(tempfile.mkdtemp(prefix="training-pgbouncer-"))  # readable by PgBouncer's own account
    port = free_port()
    (folder / "users.txt").write_text(f'"{url.username}" ""\n')
    (folder / "pgbouncer.ini").write_text(bouncer_config(database_url, port, folder))
    command = [PGBOUNCER, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        shutil.chown(folder, "postgres")
        command = ["runuser", "-u", "postgres", "--", *command]
    log = (folder / "out.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        through = url.set(port=port)
        engine = sa.create_engine(through)

        def answering() -> bool:
            if process.poll() is not None:
                raise RuntimeError((folder / "out.log").read_text())
            try:
                with engine.connect() as conn:
                    return conn.scalar(sa.text("SELECT 1")) == 1
            except sa.exc.OperationalError:
                return False

        wait_for(answering, "PgBouncer to answer", timeout=20)
        engine.dispose()
        yield through.render_as_string(hide_password=False)
    finally:
        stop(process)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def app_behind_pgbouncer(tmp_path: Path, prepared: bool):
    with empty_database(tmp_path) as database_url, pgbouncer(database_url) as bounced:
        env = {
            **os.environ,
            "TRAINING_DATABASE_URL": bounced,
            "TRAINING_DB_PREPARED_STATEMENTS": "true" if prepared else "false",
            "TRAINING_CONTENT_DIR": str(MINIMAL),
            "TRAINING_SECRET_KEY": "pgbouncer-secret-key-long-enough-0123456789",
            "TRAINING_ENV_NAME": "testing",
            "TRAINING_MFA_REQUIRED_ROLES": "[]",  # this test is about connections, not second factors
        }
        env.pop("TRAINING_TEST_DATABASE_URL", None)
        # migrations through PgBouncer too: each runs in one transaction
        subprocess.run([TRAINING, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
        with serve(tmp_path / "server.log", env, workers=2, threads=4) as site:
            yield site


LEARNERS = 4


def drive(site) -> list[int]:
    """Learners at once (so the app holds several connections to PgBouncer, more than its two
    server connections) sign in, mark lessons read, submit a quiz; then an administrator
    opens the reports, several times over (psycopg prepares a statement the sixth time a
    connection runs it)."""
    emails = site.create_users([f"pooled{n}@example.org" for n in range(LEARNERS)])
    admin_email = site.create_user("boss@example.org", "admin")

    def learn(index: int) -> list[int]:
        learner = Browser(site)
        statuses = [learner.login(emails[index]).status_code]
        for _ in range(3):
            for lesson in ("first-steps", "second-steps"):
                token = learner.token(f"/units/alpha/{lesson}")
                statuses.append(learner.post(f"/units/alpha/{lesson}/complete", {"csrf_token": token}).status_code)
                statuses.append(learner.get("/dashboard").status_code)
        page = started(learner)
        data = {**form_fields(page), "action": "submit", **correct_form(page)}
        statuses.append(learner.post("/quizzes/alpha-quiz", data).status_code)
        return statuses

    statuses = [status for statuses in race(LEARNERS, learn) for status in statuses]
    admin = Browser(site)
    statuses.append(admin.login(admin_email).status_code)
    for _ in range(6):
        statuses.append(admin.get("/admin/reports/completion").status_code)
    return statuses


def test_the_app_works_behind_pgbouncer_in_transaction_mode(tmp_path):
    with app_behind_pgbouncer(tmp_path, prepared=False) as site:
        statuses = drive(site)
        assert set(statuses) <= {200, 302, 303}, statuses
        admin = Browser(site)
        admin.login("boss@example.org")
        export = admin.get("/admin/reports/completion.csv")
        assert export.status_code == 200
        assert all(f"pooled{n}@example.org" in export.text for n in range(LEARNERS))
        read = rows(
            site,
            'SELECT u.email, p.lesson_id FROM lesson_progress p JOIN "user" u ON u.id = p.user_id '
            "WHERE p.completed_at IS NOT NULL",
        )
        assert len(read) == 2 * LEARNERS
        attempts = rows(site, "SELECT state FROM quiz_attempt")
        assert [a.state for a in attempts] == ["submitted"] * LEARNERS
        assert "prepared statement" not in site.log()


def test_prepared_statements_break_behind_pgbouncer_in_transaction_mode(tmp_path):
    """The control: why the setting exists (PgBouncer 1.18 does not keep track of prepared
    statements, so psycopg's collide or go missing on a shared server connection)."""
    with app_behind_pgbouncer(tmp_path, prepared=True) as site:
        try:
            statuses = drive(site)
        except AssertionError:
            # A page broke before the end: the signed-in person's statement runs outside a
            # transaction on every request, so PgBouncer moves it between server connections
            # soon enough to break a learner's quiz page (an error page, without its form).
            statuses = [500]
        assert any(status >= 500 for status in statuses), statuses
        assert "prepared statement" in site.log()
