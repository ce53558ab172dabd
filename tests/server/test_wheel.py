"""The package as an operator installs it: a wheel built from this checkout, installed in a
fresh virtual environment outside it, migrates a new database and serves the course and the
trainer's guide from another folder. Proves that the migrations and the guide's templates
travel inside the wheel (a checkout has them at its root, an installed copy does not).

It migrates a SQLite file and, where there is one, a fresh PostgreSQL database, so it runs
once, in the PostgreSQL pass."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from contextlib import nullcontext
from pathlib import Path

import pyotp
import pytest
import requests
import sqlalchemy as sa

from ..helpers import CSRF_PATTERN, MINIMAL, PASSWORD, POSTGRES_URL, ROOT, empty_database
from ..livesite import serve

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not POSTGRES_URL, reason="migrates both databases, so it runs once, in the PostgreSQL pass"),
]

NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv*",
    "node_modules",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    "instance",
    "tests",
    "bench",
)


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{args[:3]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The ``training`` program of a fresh virtual environment with only the wheel installed."""
    folder = tmp_path_factory.mktemp("wheel")
    # built from a copy: a build folder left in the checkout could carry files no longer there
    source = folder / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(folder / "dist"), str(source)])
    (wheel,) = (folder / "dist").glob("training-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "training/migrations/env.py" in names and "training/guide/templates/typst/guide.typ" in names
    venv = folder / "venv"
    run([sys.executable, "-m", "venv", str(venv)])  # without the system's or this checkout's packages
    run([str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)])  # the project's usual index and cache
    return venv / "bin" / "training"


def sign_in_with_second_factor(url: str, database_url: str, email: str) -> requests.Session:
    secret = pyotp.random_base32()
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:  # the second factor a trainer has set up
        conn.execute(sa.text('UPDATE "user" SET totp_secret = :s WHERE email = :e'), {"s": secret, "e": email})
    engine.dispose()
    browser = requests.Session()
    browser.trust_env = False
    token = CSRF_PATTERN.search(browser.get(url + "/login", timeout=30).text).group(1)
    data = {"email": email, "password": PASSWORD, "csrf_token": token}
    step = browser.post(url + "/login", data=data, allow_redirects=False, timeout=30)
    assert step.headers["Location"].endswith("/login/verify")
    token = CSRF_PATTERN.search(browser.get(url + "/login/verify", timeout=30).text).group(1)
    data = {"code": pyotp.TOTP(secret).now(), "csrf_token": token}
    assert browser.post(url + "/login/verify", data=data, allow_redirects=False, timeout=30).status_code == 302
    return browser


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_wheel_installed_elsewhere_migrates_and_serves_the_course(installed, database, tmp_path):
    elsewhere = tmp_path / "elsewhere"  # neither the checkout nor the virtual environment
    elsewhere.mkdir()
    new = nullcontext(f"sqlite:///{tmp_path / 'data' / 'training.db'}")
    with empty_database(tmp_path) if database == "postgresql" else new as database_url:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TRAINING_", "VIRTUAL_ENV", "PYTHON"))  # nothing of this checkout's setup
        }
        env |= {
            "TRAINING_ENV_NAME": "production",
            "TRAINING_DATABASE_URL": database_url,
            "TRAINING_ALLOW_SQLITE": "1",
            "TRAINING_CONTENT_DIR": str(MINIMAL),  # the course is data, copied beside the code
            "TRAINING_SECRET_KEY": "wheel-secret-key-" + os.urandom(16).hex(),
            "TRAINING_SESSION_COOKIE_SECURE": "false",  # plain HTTP on loopback, no proxy
            "TRAINING_SESSION_COOKIE_NAME": "session",
            "TRAINING_ARGON2_TIME_COST": "1",
            "TRAINING_ARGON2_MEMORY_COST": "1024",
            "TRAINING_ARGON2_PARALLELISM": "1",
        }
        run([str(installed), "db", "upgrade"], env=env, cwd=elsewhere)
        for email, role in (("learner@example.org", "learner"), ("trainer@example.org", "trainer")):
            command = [str(installed), "users", "create", email, "--name", "Wheel Tester", "--role", role]
            run([*command, "--password-stdin"], env=env, cwd=elsewhere, input=PASSWORD)
        with serve(tmp_path / "server.log", env, workers=1, threads=2, program=str(installed), cwd=elsewhere) as site:
            learner = requests.Session()
            learner.trust_env = False
            token = CSRF_PATTERN.search(learner.get(site.url + "/login", timeout=30).text).group(1)
            data = {"email": "learner@example.org", "password": PASSWORD, "csrf_token": token}
            assert learner.post(site.url + "/login", data=data, allow_redirects=False, timeout=30).status_code == 302
            lesson = learner.get(site.url + "/units/alpha/first-steps", timeout=30)
            assert lesson.status_code == 200 and "First steps" in lesson.text, lesson.text[:500]
            trainer = sign_in_with_second_factor(site.url, database_url, "trainer@example.org")
            guide = trainer.get(site.url + "/guide", timeout=60)
            assert guide.status_code == 200 and "Alpha" in guide.text  # the guide's HTML templates
            pdf = trainer.get(site.url + "/guide.pdf", timeout=120)  # the Typst templates
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-"), pdf.text[:500]
            text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout
            assert b"Alpha" in text
