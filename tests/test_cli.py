"""The ``training`` command: exit codes, messages, and the same functions the views use."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from training.cli import cli
from training.extensions import db
from training.models import User

from .helpers import MINIMAL, make_config, reset_database
from .livesite import TRAINING, free_port

PRODUCTION_KEY = "Zq8-vN3xT0pLm4Rk_Ws7Yb2Hc9Fd6Gj1"  # 32 characters as a generator gives them


def test_content_check_passes_on_a_valid_course():
    result = CliRunner().invoke(cli, ["content", "check", "--content-dir", str(MINIMAL)])
    assert result.exit_code == 0
    assert "Content OK: 2 units, 4 lessons" in result.output


def test_content_check_prints_every_problem_with_its_location(tmp_path: Path):
    course = tmp_path / "course"
    shutil.copytree(MINIMAL, course)
    (course / "quizzes" / "beta.md").unlink()
    quiz = course / "quizzes" / "alpha.md"
    quiz.write_text(quiz.read_text().replace("pass_mark: 70", "pass_mark: 170"))
    result = CliRunner().invoke(cli, ["content", "check", "--content-dir", str(course)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.endswith("quizzes/alpha.md:5: 'pass_mark' must be a whole number from 0 to 100") for line in lines)
    assert any(line.endswith("modules/02-beta/unit.md:2: unit 'beta' has no quiz in quizzes/") for line in lines)
    assert "2 problem(s) found." in result.output


def test_server_refuses_to_start_on_invalid_content(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from training import create_app
    from training.course import CONTENT_INVALID_EXIT

    course = tmp_path / "course"
    shutil.copytree(MINIMAL, course)
    (course / "quizzes" / "beta.md").unlink()
    with pytest.raises(SystemExit) as refused:
        create_app(make_config(tmp_path, CONTENT_DIR=str(course)))
    assert refused.value.code == CONTENT_INVALID_EXIT != 0
    assert "unit 'beta' has no quiz" in capsys.readouterr().err


def _broken_course_env(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A course whose lesson has a YAML mistake, and the environment of a production server."""
    course = tmp_path / "course"
    shutil.copytree(MINIMAL, course)
    lesson = course / "modules" / "01-alpha" / "02-second-steps.md"
    lesson.write_text(lesson.read_text().replace("order: 2", "order: [2"))
    env = {
        **os.environ,
        "TRAINING_CONTENT_DIR": str(course),
        "TRAINING_DATABASE_URL": f"sqlite:///{tmp_path / 'broken.db'}",
        "TRAINING_SECRET_KEY": "serve-test-secret-key-long-enough-0123456789",
        "TRAINING_ENV_NAME": "production",
        "TRAINING_ALLOW_SQLITE": "1",
    }
    return lesson, env


@pytest.mark.parametrize("mode", [[], ["--dev"]], ids=["production", "dev"])
def test_serve_on_invalid_content_prints_the_problems_and_exits_without_a_traceback(tmp_path: Path, mode: list[str]):
    """What `content check` prints, root cause first, from the real command in its own process;
    nothing listens."""
    lesson, env = _broken_course_env(tmp_path)
    course = lesson.parents[2]
    port = str(free_port())
    served = subprocess.run(
        [TRAINING, "serve", "--port", port, *mode], env=env, capture_output=True, text=True, timeout=120
    )
    checked = subprocess.run(
        [TRAINING, "content", "check", "--content-dir", str(course)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (served.returncode, checked.returncode) == (4, 1)
    problem = f"{lesson}:4: YAML: a list '[...]' or mapping '{{...}}' is not closed, or holds a ':' outside quotes"
    assert checked.stderr.splitlines() == [problem, "1 problem(s) found."]
    assert served.stderr.splitlines()[:2] == checked.stderr.splitlines()
    assert "Traceback" not in served.stderr + served.stdout


_BIN = Path(TRAINING).parent
_ENTRY_POINTS = {
    "training-command": [TRAINING, "users", "--help"],
    "training-db": [TRAINING, "db", "current"],
    "flask-command": [str(_BIN / "flask"), "--app", "training", "routes"],
    "flask-help": [str(_BIN / "flask"), "--app", "training", "--help"],
    "flask-run": [str(_BIN / "flask"), "--app", "training", "run", "--port", "{port}"],
    "gunicorn-factory": [
        str(_BIN / "gunicorn"),
        "--workers",
        "1",
        "--no-control-socket",
        "--bind",
        "127.0.0.1:{port}",
        "training:create_app()",
    ],
    "gunicorn-preload": [
        str(_BIN / "gunicorn"),
        "--preload",
        "--no-control-socket",
        "--bind",
        "127.0.0.1:{port}",
        "training:create_app()",
    ],
}


@pytest.mark.parametrize("entry", list(_ENTRY_POINTS))
def test_every_entry_point_on_invalid_content_prints_the_problems_and_exits_without_a_traceback(
    tmp_path: Path, entry: str
):
    """``flask --app training``, the ``training`` commands and gunicorn given the app factory
    print what ``content check`` prints and stop, with the exit status gunicorn takes as "the
    app failed to load" (so it does not start workers again and again)."""
    from training.course import CONTENT_INVALID_EXIT

    lesson, env = _broken_course_env(tmp_path)
    port = str(free_port())
    command = [part.replace("{port}", port) for part in _ENTRY_POINTS[entry]]
    ran = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    problem = f"{lesson.relative_to(tmp_path)}:4: YAML: a list '[...]' or mapping '{{...}}' is not closed"
    assert ran.returncode == CONTENT_INVALID_EXIT, ran.stderr
    assert problem in ran.stderr
    assert "1 problem(s) found." in ran.stderr
    assert "Traceback" not in ran.stderr + ran.stdout


def test_a_course_broken_after_a_command_kept_it_is_still_refused(tmp_path: Path):
    """A command keeps the course it built in the instance folder for the next one; after a
    lesson breaks, the next command does not take it: it prints the problem and stops."""
    from flask import Flask

    from training.content.snapshot import SUFFIX, inputs_digest
    from training.course import CONTENT_INVALID_EXIT

    lesson, env = _broken_course_env(tmp_path)
    broken = lesson.read_text()
    lesson.write_text(broken.replace("order: [2", "order: 2"))
    first = subprocess.run([TRAINING, "users", "--help"], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    kept = Path(Flask("training").instance_path) / "catalogue" / f"{inputs_digest(lesson.parents[2])}{SUFFIX}"
    assert kept.exists()

    lesson.write_text(broken)
    second = subprocess.run([TRAINING, "users", "--help"], env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == CONTENT_INVALID_EXIT
    assert "02-second-steps.md:4: YAML: a list '[...]' or mapping '{...}' is not closed" in second.stderr


def test_users_create_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            " Admin@Example.org ",
            "--name",
            "First Admin",
            "--role",
            "admin",
            "--country",
            "ke",
            "--password-stdin",
        ],
        input="a strong admin passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User))
    assert (user.email, user.role.value, user.country) == ("admin@example.org", "admin", "KE")


@pytest.mark.parametrize("stdin, message", [("\n", "password is empty"), ("short\n", "at least 8 characters")])
def test_users_create_refuses_a_missing_or_weak_password(app, runner, stdin: str, message: str):
    result = runner.invoke(args=["users", "create", "a@example.org", "--name", "A", "--password-stdin"], input=stdin)
    assert result.exit_code != 0 and message in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_users_create_without_password_input_fails(app, runner):
    result = runner.invoke(args=["users", "create", "a@example.org", "--name", "A"], input="")
    assert result.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_production_refuses_a_weak_or_missing_secret_key(tmp_path: Path):
    from training import create_app

    weak = [None, "dev", "short-key", "k" * 48, "ab" * 24, "changeme" * 5, "correct horse battery staple 0123456789"]
    for key in weak:
        with pytest.raises(RuntimeError, match="TRAINING_SECRET_KEY"):
            create_app(make_config(tmp_path, ENV_NAME="production", SECRET_KEY=key, ALLOW_SQLITE=True))
    for key in (secrets.token_urlsafe(32), secrets.token_hex(16)):  # what a generator gives passes
        create_app(make_config(tmp_path, ENV_NAME="production", SECRET_KEY=key, ALLOW_SQLITE=True))
    app = create_app(make_config(tmp_path, ENV_NAME="production", SECRET_KEY=PRODUCTION_KEY, ALLOW_SQLITE=True))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert not app.debug and not app.testing


def test_production_refuses_sqlite_unless_asked(tmp_path: Path):
    from training import create_app

    sqlite = f"sqlite:///{tmp_path / 'one.db'}"
    for database in (None, sqlite):
        with pytest.raises(RuntimeError, match="TRAINING_ALLOW_SQLITE=1"):
            create_app(make_config(tmp_path, ENV_NAME="production", SECRET_KEY=PRODUCTION_KEY, DATABASE_URL=database))
    app = create_app(
        make_config(tmp_path, ENV_NAME="production", SECRET_KEY=PRODUCTION_KEY, DATABASE_URL=sqlite, ALLOW_SQLITE=1)
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"] == sqlite


def test_production_sends_hsts_and_secure_host_only_cookies(tmp_path: Path):
    from training import create_app

    app = create_app(make_config(tmp_path, ENV_NAME="production", SECRET_KEY=PRODUCTION_KEY, ALLOW_SQLITE=True))
    reset_database(app)
    response = app.test_client().get("/login")
    with app.app_context():
        db.engine.dispose()  # close the pooled connection now, not at garbage collection
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Domain" not in cookie and "Path=/" in cookie
