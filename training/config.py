"""Settings: class defaults, then ``TRAINING_*`` environment variables, then overrides.

``TRAINING_DATABASE_URL``, ``TRAINING_SECRET_KEY`` and ``TRAINING_CONTENT_DIR`` are the
documented ones; any other setting below can be given the same way (``TRAINING_<NAME>``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def shipped(in_package: str, in_checkout: str) -> Path:
    """A folder of files the code needs at run time (the migrations, the guide's templates):
    where an installed wheel carries it, inside the package (``setup.py`` copies it there),
    or else where a checkout keeps it."""
    packaged = PACKAGE_DIR / in_package
    return packaged if packaged.is_dir() else PROJECT_ROOT / in_checkout


WEAK_SECRET_KEYS = {"dev", "development", "secret", "changeme", "change-me", "test", "testing"}
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_DISTINCT = 10  # a random hex key of 32+ characters has all 16 digits


class Config:
    ENV_NAME = "development"
    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None  # default: SQLite file in the instance folder
    CONTENT_DIR: str = str(PROJECT_ROOT)
    CATALOGUE_DIR: str | None = None  # the course as last built (content.snapshot); default: instance/catalogue

    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SQLITE_BUSY_TIMEOUT = 15  # seconds a writer waits for the write lock

    # Sessions: a signed cookie carrying the user's session version (server-side revocation),
    # idle and absolute limits checked on every request.
    SESSION_COOKIE_NAME = "session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SESSION_REFRESH_EACH_REQUEST = False  # re-sent only when it changes (the idle clock, once a minute)
    REAUTH_WINDOW = timedelta(minutes=15)  # "fresh" login needed for sensitive actions
    REMEMBER_COOKIE_DURATION = timedelta(0)

    # A quiz page may stay open for hours: answers autosave and the form token never expires
    # on its own (the session limits still apply).
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_ENABLED = True

    # Throttling, shared by all workers through the database (training.services.credentials):
    # past a limit, the client waits LOGIN_FIRST_PAUSE, then twice as long each time, at most
    # LOGIN_LOCKOUT; counts are forgotten after LOGIN_FAILURE_WINDOW without a new one.
    LOGIN_MAX_FAILURES = 5  # wrong passwords for one account from one client; wrong second-step codes
    LOGIN_MAX_FAILURES_PER_IP = 30  # failures of any kind from one client
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    LOGIN_FIRST_PAUSE = timedelta(minutes=1)
    LOGIN_LOCKOUT = timedelta(minutes=15)
    IMPORTS_PER_ACCOUNT = 30  # CSV files checked by one administrator within RATE_LIMIT_WINDOW
    AUTOSAVES_PER_ACCOUNT = 3600  # background quiz saves by one person within RATE_LIMIT_WINDOW (one a second)

    # argon2id parameters (argon2-cffi defaults: t=3, m=64 MiB, p=4).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    MFA_REQUIRED_ROLES = ("admin", "trainer")
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024  # uploads (CSV import) included
    IMPORT_MAX_ROWS = 5000
    # Typeset PDFs are kept in the database (see training.services.guide_pdfs).
    GUIDE_CACHE_MB = 500  # PDFs kept (about 100 whole guides), the least recently used dropped first
    GUIDE_BUILDS_IN_FLIGHT = 2  # PDFs typeset at once across all app servers
    GUIDE_BUILDS_PER_USER = 1  # PDFs one person may have typeset at once
    GUIDE_BUILD_TIMEOUT = 120  # seconds after which a place held by a crashed server is freed
    # Typeset missing PDFs in a separate process, `training guide work`, instead of inside the
    # request (training.services.guide_jobs). Off by default: one machine needs no extra
    # process, and the shared limits above already bound the builds in requests.
    GUIDE_WORKER = False
    GUIDE_JOBS_PER_USER = 3  # PDFs one person may have waiting for the worker
    GUIDE_JOB_TRIES = 3  # attempts before a job is marked failed
    GUIDE_WAIT_REFRESH = 5  # seconds between reloads of the page that waits for a PDF
    SEND_FILE_MAX_AGE_DEFAULT = timedelta(days=365)  # static files have fingerprinted URLs
    # Languages the interface answers in (each needs a catalogue in training/translations),
    # and the one used when neither the person nor their browser names one of them.
    LANGUAGES: tuple[str, ...] = ("en", "fr", "es")
    DEFAULT_LANGUAGE = "en"
    FAULT_INJECTION = False  # tests only: see training.database.fault_point
    # Certificates and badges (see docs/certificates.md). The issuer's signing keys live in
    # this folder, outside the database (`training keys create`); default: instance/keys.
    ISSUER_KEYS_DIR: str | None = None
    PUBLIC_URL: str | None = None  # e.g. https://training.example.org; default: the address asked for
    VERIFY_MAX_LOOKUPS = 30  # certificate look-ups per address within the window
    VERIFY_WINDOW = timedelta(minutes=10)

    # xAPI statements to a learning record store: off unless XAPI_ENDPOINT is set. Activity
    # ids start with XAPI_ACTIVITY_BASE (the site's stable address); learners are identified
    # by their account here ("account") or, if chosen, by email address ("email").
    XAPI_ENDPOINT: str | None = None  # e.g. https://lrs.example.org/xAPI/
    XAPI_USERNAME: str | None = None
    XAPI_PASSWORD: str | None = None
    XAPI_ACTIVITY_BASE: str | None = None
    XAPI_IDENTIFY_BY = "account"
    OUTBOX_BATCH = 50  # messages per request to another system
    OUTBOX_TIMEOUT = 10  # seconds to wait for another system's answer

    # Operations (docs/deploying.md). Proxies: how many set X-Forwarded-For in front of the
    # app, and the addresses they connect from (anyone else's forwarded headers are ignored).
    TRUSTED_PROXIES = 0
    FORWARDED_ALLOW_IPS = "127.0.0.1,::1"
    # Logs: one JSON object per line on stderr under `training serve` ("text" for people);
    # audit events are written whatever the level.
    LOG_LEVEL = "INFO"
    LOG_FORMAT = "json"
    ACCESS_LOG = False  # a line per request (nginx usually keeps the access log)
    # Database connections per worker process (PostgreSQL): DB_POOL_SIZE defaults to the
    # worker's threads; see docs/deploying.md for the budget across servers.
    DB_POOL_SIZE: int | None = None
    DB_MAX_OVERFLOW = 0
    DB_POOL_TIMEOUT = 10  # seconds a request waits for a connection before a 503
    DB_PING_AFTER_IDLE = 30  # seconds idle after which a pooled connection is tested before use
    DB_PREPARED_STATEMENTS = True  # False behind PgBouncer in transaction mode

    # Outgoing email (docs/mail.md). Without MAIL_SERVER, messages are written to the console
    # (standard error) and count as sent: enough for `make run`, never for production.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25  # 587 with MAIL_USE_TLS (STARTTLS); 465 means TLS from the first byte
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER = "Migration training <training@localhost>"
    MAIL_TIMEOUT = 10  # seconds for each connection and command
    MAIL_MAX_ATTEMPTS = 10  # then the message is marked failed (and logged as an error)
    MAIL_SEND_AFTER_REQUEST = True  # a short background try right after the response
    BASE_URL: str | None = None  # how people reach the platform: links in emails start with it
    # Who may create an account: "open" (anyone), "verified" (anyone, once they follow a link
    # sent to their address) or "invitation" (only administrators create accounts).
    # "open" tells whoever tries whether an address already has an account; "verified" does not.
    REGISTRATION = "verified"
    ALLOWED_EMAIL_DOMAINS: tuple[str, ...] = ()  # e.g. ("gov.xx",): subdomains included
    EMAIL_CHECK_DELIVERABILITY = False  # ask DNS whether an address's domain receives mail
    PASSWORD_RESET_LIFETIME = timedelta(hours=1)
    ANSWER_SECONDS = 0.25  # reset and registration requests are answered after this long, whoever asks
    INVITATION_LIFETIME = timedelta(days=7)
    EMAIL_LINK_LIFETIME = timedelta(hours=24)  # confirming an address
    # Requests that send mail or create accounts, counted in the database for every worker.
    RATE_LIMIT_WINDOW = timedelta(hours=1)
    RESET_REQUESTS_PER_ADDRESS = 3
    RESET_REQUESTS_PER_CLIENT = 20
    REGISTRATIONS_PER_CLIENT = 10
    LINK_ATTEMPTS_PER_CLIENT = 30  # posts to reset, invitation and confirmation links
    # `training notify` (docs/mail.md): learners quiet for this many days get a nudge (and
    # count as behind in their trainers' weekly digest); reminders before a group's end date.
    REMINDER_INACTIVE_DAYS = 7
    REMINDER_BEFORE_END_DAYS = 3


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"


class TestConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    MAIL_SEND_AFTER_REQUEST = False  # tests send the outbox when they choose to
    BASE_URL = "http://localhost"  # the test client's address
    ANSWER_SECONDS = 0.0  # the timing test sets the real value
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1


CONFIGS = {"development": Config, "production": ProductionConfig, "testing": TestConfig}


def load_config(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Fill ``app.config``: the class for ``ENV_NAME``, the environment, then ``overrides``."""
    overrides = dict(overrides or {})

    env_name = overrides.get("ENV_NAME") or os.environ.get("TRAINING_ENV_NAME", "development")
    app.config.from_object(CONFIGS.get(env_name, Config))
    app.config.from_prefixed_env("TRAINING")
    app.config.update(overrides)
    for limit in ("SESSION_IDLE_TIMEOUT", "SESSION_ABSOLUTE_TIMEOUT"):  # from the environment: seconds
        if isinstance(app.config[limit], int | float):
            app.config[limit] = timedelta(seconds=app.config[limit])

    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'training.db'}"
    production = app.config["ENV_NAME"] == "production"
    if production and app.config["DATABASE_URL"].startswith("sqlite") and not app.config.get("ALLOW_SQLITE"):
        raise RuntimeError(
            "Production needs TRAINING_DATABASE_URL (PostgreSQL) so that every app server shares one database; "
            "for a single-server install on SQLite, set TRAINING_ALLOW_SQLITE=1"
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["SECRET_KEY"] = _secret_key(app)
    if not app.config.get("CATALOGUE_DIR"):
        app.config["CATALOGUE_DIR"] = str(Path(app.instance_path) / "catalogue")
    if not app.config.get("ISSUER_KEYS_DIR"):
        app.config["ISSUER_KEYS_DIR"] = str(Path(app.instance_path) / "keys")
    _check_xapi(app.config)
    _check_mail(app)


def _check_xapi(config: Mapping[str, Any]) -> None:
    if not config.get("XAPI_ENDPOINT"):
        return
    if not config.get("XAPI_ACTIVITY_BASE"):
        raise RuntimeError(
            "TRAINING_XAPI_ACTIVITY_BASE must be set with TRAINING_XAPI_ENDPOINT: the stable address "
            "(e.g. https://training.example.org) that every xAPI activity id starts with"
        )
    if config.get("XAPI_IDENTIFY_BY") not in ("account", "email"):
        raise RuntimeError("TRAINING_XAPI_IDENTIFY_BY must be 'account' or 'email'")


REGISTRATION_MODES = ("open", "verified", "invitation")


def _check_mail(app: Flask) -> None:
    """Refuse settings that would send wrong links or let anyone in by mistake."""
    config = app.config
    if config["REGISTRATION"] not in REGISTRATION_MODES:
        raise RuntimeError(f"TRAINING_REGISTRATION must be one of {', '.join(REGISTRATION_MODES)}")
    if config["ENV_NAME"] == "production" and config.get("MAIL_SERVER") and not config.get("BASE_URL"):
        raise RuntimeError(
            "TRAINING_BASE_URL must be set when TRAINING_MAIL_SERVER is: links in emails start with it "
            "(e.g. https://training.example.org); they are never built from the request's Host header"
        )


def _weak_secret_key(key: str) -> bool:
    """Too short, a known weak value (or one repeated), few distinct characters ("k" * 48,
    "abab..."), or spaces: not what a random generator gives."""
    lowered = key.lower()
    repeated = any(lowered == word * (len(lowered) // len(word)) for word in WEAK_SECRET_KEYS)
    return (
        len(key) < MIN_SECRET_KEY_LENGTH
        or repeated
        or len(set(key)) < MIN_SECRET_KEY_DISTINCT
        or any(ch.isspace() for ch in key)
    )


def _secret_key(app: Flask) -> str:
    key = app.config.get("SECRET_KEY")
    if app.config["ENV_NAME"] == "production":
        if app.config.get("FAULT_INJECTION"):
            raise RuntimeError("FAULT_INJECTION is for tests and is refused in production")
        if not key or _weak_secret_key(str(key)):
            raise RuntimeError(
                "TRAINING_SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters, without spaces, in production, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return str(key)
    if key:
        return str(key)
    # Local use: a key generated once into the instance folder, never committed.
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
