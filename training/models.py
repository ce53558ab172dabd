"""Typed SQLAlchemy 2 models. Content is referred to by stable string ids, never by
foreign keys, and each record carries the content version it was made against.

Unit and course status are *derived* (see :mod:`training.progress`), not stored.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry, relationship
from sqlalchemy.types import TypeDecorator

from .permissions import GroupRole, Role

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The one clock for stored timestamps: timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """``DateTime(timezone=True)`` that always hands back aware UTC values.

    SQLite stores no zone and returns naive datetimes; this normalises them in one place.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use training.models.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def later_of(a: sa.ColumnElement, b: sa.ColumnElement) -> sa.ColumnElement:
    """SQL: the later of two moments, ignoring NULLs (SQLite's max() and PostgreSQL's
    greatest() disagree about NULLs, so spell it out)."""
    return as_moment(sa.case((a.is_(None), b), (b.is_(None), a), (a >= b, a), else_=b))


def as_moment(expression: sa.ColumnElement) -> sa.ColumnElement:
    """SQL: read an expression back as a stored moment (aware UTC datetime)."""
    return sa.type_coerce(expression, UTCDateTime())


def no_moment() -> sa.ColumnElement:
    return sa.cast(sa.null(), UTCDateTime())


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), dict[str, Any]: sa.JSON(), list[Any]: sa.JSON()},
    )


class AttemptState(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


def _enum(enum: type[StrEnum], name: str) -> sa.Enum:
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


ERASED_DOMAIN = "erased.invalid"
"""The domain of an erased account's address: ``.invalid`` is reserved (RFC 2606), so no mail
can ever go there."""


class User(Base):
    """A person who signs in: a learner, a trainer or an administrator."""

    __tablename__ = "user"
    __table_args__ = (
        # The reports' filter menus: the learners' organisations and countries, read from
        # these indexes alone. Partial, so a report that reads every learner still scans the
        # table instead of looking each row up through an index on role.
        sa.Index(
            "ix_user_learner_organisation",
            "organisation",
            sqlite_where=sa.text("role = 'learner'"),
            postgresql_where=sa.text("role = 'learner'"),
        ),
        sa.Index(
            "ix_user_learner_country",
            "country",
            sqlite_where=sa.text("role = 'learner'"),
            postgresql_where=sa.text("role = 'learner'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    """Normalised (see :func:`training.fields.normalise_email`) before every lookup and write."""
    name: Mapped[str] = mapped_column(sa.String(120))
    organisation: Mapped[str] = mapped_column(sa.String(160), default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="")
    """ISO 3166-1 alpha-2 code, or empty."""
    language: Mapped[str | None] = mapped_column(sa.String(16))
    """The interface language the person chose (``fr``), or None: their browser's then."""
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))
    """The IANA time zone the person reads dates and times in (``Africa/Nairobi``), or None: UTC."""
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.LEARNER)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    session_version: Mapped[int] = mapped_column(default=1)
    """Bumped on logout, password change and deactivation: every older session stops working."""
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    """The last TOTP time step accepted, so a code cannot be replayed."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    email_verified_at: Mapped[datetime | None]
    """When the person last showed they read mail at this address (by following a link sent
    there), or when an administrator gave it; None: not shown yet."""
    invited_at: Mapped[datetime | None]
    """When the latest "choose your password" invitation was sent; None once the person
    accepted it (or was never invited). Until then the account has no usable password."""

    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # Flask-Login protocol; the id carries the session version, so revoking is a counter bump.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def mfa_enabled(self) -> bool:
        return self.totp_secret is not None

    @property
    def erased(self) -> bool:
        """Anonymised by an administrator (:mod:`training.services.erasure`); never reopened."""
        return self.email.endswith("@" + ERASED_DOMAIN)


class RecoveryCode(Base):
    """One single-use two-factor recovery code, stored hashed."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class LoginThrottle(Base):
    """Failed sign-ins and second steps counted per key: one account from one client, one
    client, one account's second step (see ``training.services.credentials``). Kept in the
    database so every server sees the same counts; ``window_started_at`` is the latest
    count, and the counts start again after a quiet window."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class AccountToken(Base):
    """A single-use link sent by email (reset a password, accept an invitation, confirm an
    address). Only a hash of the token is kept; ``binding`` ties it to the account as it was
    when the link was made (its address and password), so any change to those kills it."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    binding: Mapped[str] = mapped_column(sa.String(64))
    new_email: Mapped[str | None] = mapped_column(sa.String(254))
    """For a change of address: the address being confirmed."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class MailMessage(Base):
    """One email in the outbox: written in the transaction of the action that causes it, then
    sent (and retried with growing delays) by ``training mail send-pending`` or a background
    try after the request. The bodies are blanked once sent: their links are secrets."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        sa.Index(
            "ix_mail_outbox_due",
            "next_attempt_at",
            sqlite_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
            postgresql_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    """Which message (``password_reset``, ``invitation``...): its templates in templates/mail."""
    to_address: Mapped[str] = mapped_column(sa.String(254))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(sa.String(16))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(sa.String(1000))
    """A reminder's unsubscribe link, sent as its ``List-Unsubscribe`` header (RFC 8058);
    None for account messages, which cannot be turned off."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    """A sender is working on it until then; after that (the sender died) anyone may retry."""
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    """Given up: a permanent refusal, or every attempt used."""
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")


class Reminder(Base):
    """A reminder sent by ``training notify``: its ``key`` names the person, the kind and the
    occasion (a spell without activity, a group's end, a week), so a second run of the command
    finds it here and sends nothing new (:mod:`training.services.reminders`)."""

    __tablename__ = "reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Unsubscribe(Base):
    """A person who asked, through the link in a message, to receive no more of one kind of
    reminder (``reminder``: learners' nudges; ``digest``: trainers' weekly summary)."""

    __tablename__ = "unsubscribe"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateLimit(Base):
    """Requests counted per key (``reset:client:<address>``...) in a fixed window, in the
    database so that every worker and server shares the count."""

    __tablename__ = "rate_limit"

    key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    window_started_at: Mapped[datetime]
    hits: Mapped[int] = mapped_column(default=0)


class Group(Base):
    """A workshop or cohort: trainers follow the learners in their groups."""

    __tablename__ = "group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    """The last day of the group: learners who have not finished are reminded before it."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="group", cascade="all, delete-orphan", passive_deletes=True
    )


class Membership(Base):
    """A person in a group, as a learner or as one of its trainers."""

    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("group.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[GroupRole] = mapped_column(_enum(GroupRole, "group_role"), default=GroupRole.LEARNER)

    group: Mapped[Group] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class LessonProgress(Base):
    """One learner x one lesson: when it was first and last opened, and when read (set once)."""

    __tablename__ = "lesson_progress"
    __table_args__ = (sa.UniqueConstraint("user_id", "unit_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    unit_id: Mapped[str] = mapped_column(sa.String(64))
    lesson_id: Mapped[str] = mapped_column(sa.String(64))
    first_opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    content_version: Mapped[str] = mapped_column(sa.String(32), default="")
    """The lesson's version when it was marked read."""


class ProgressRequest(Base):
    """One "mark as read" request that carried an idempotency key, applied once.

    A device that lost its connection sends its queued requests again, possibly more than
    once (a retry after a lost answer, a sync from two tabs); the unique key makes every
    resend after the first a no-op, decided by the database under any concurrency.
    """

    __tablename__ = "progress_request"
    __table_args__ = (sa.UniqueConstraint("user_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(sa.String(64))
    unit_id: Mapped[str] = mapped_column(sa.String(64))
    lesson_id: Mapped[str] = mapped_column(sa.String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuizAttempt(Base):
    """One try at a quiz, with the pass mark and content version as they were at the time."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "quiz_id", "attempt_no"),
        sa.Index(
            "uq_quiz_attempt_one_open",
            "user_id",
            "quiz_id",
            unique=True,
            sqlite_where=sa.text("state = 'in_progress'"),
            postgresql_where=sa.text("state = 'in_progress'"),
        ),
        sa.Index("ix_quiz_attempt_quiz_id_state", "quiz_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    quiz_id: Mapped[str] = mapped_column(sa.String(64))
    unit_id: Mapped[str] = mapped_column(sa.String(64))
    attempt_no: Mapped[int]
    state: Mapped[AttemptState] = mapped_column(_enum(AttemptState, "attempt_state"), default=AttemptState.IN_PROGRESS)
    score: Mapped[float | None]
    """0..1, set when submitted."""
    passed: Mapped[bool | None]
    pass_mark: Mapped[float]
    """0..1, copied from the quiz when the attempt started."""
    content_version: Mapped[str] = mapped_column(sa.String(32))
    seed: Mapped[int] = mapped_column(default=0)
    """Orders the options for this attempt when the quiz shuffles."""
    secret: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    """Makes this attempt's form values opaque: each is an HMAC of it and the option's id."""
    questions: Mapped[list[Any] | None]
    """The question ids this attempt drew from the quiz's pool; NULL: every question."""
    reveal: Mapped[str] = mapped_column(
        sa.String(24), default="after-last-attempt", server_default="after-last-attempt"
    )
    """When the result shows the right answers (the quiz's setting when the attempt started)."""
    deadline_at: Mapped[datetime | None]
    """The quiz's time limit as a moment: after it the attempt is submitted as it stands."""
    draft: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Answers saved as the learner goes, so a lost connection or a long pause loses nothing."""
    draft_seq: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]

    responses: Mapped[list[QuestionResponse]] = relationship(
        back_populates="attempt",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="QuestionResponse.position",
    )


class QuestionResponse(Base):
    """The answer to one question in one submitted attempt, and the credit it earned."""

    __tablename__ = "question_response"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_attempt.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[int] = mapped_column(default=0)
    answer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    simple_answer: Mapped[str] = mapped_column(sa.Text, default="")
    """The answer as text, for reports and exports."""
    correct: Mapped[float] = mapped_column(default=0.0)
    """Credit from 0 to 1."""
    review: Mapped[dict[str, Any] | None]
    """What the result page shows, fixed when graded: marks, feedback keys, options missed and
    the key as it was (NULL for attempts graded before it was kept)."""

    attempt: Mapped[QuizAttempt] = relationship(back_populates="responses")


class AttemptGrant(Base):
    """Extra attempts at a quiz given to one learner by a trainer or an administrator, with the
    reason. A learner's limit is the quiz's attempts plus the extra of every grant."""

    __tablename__ = "attempt_grant"
    __table_args__ = (
        sa.CheckConstraint("extra BETWEEN 1 AND 10", name="extra"),
        sa.Index("ix_attempt_grant_user_quiz", "user_id", "quiz_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    quiz_id: Mapped[str] = mapped_column(sa.String(64))
    extra: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(500))
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class UnitCompletion(Base):
    """A unit marked complete by a trainer for a learner who attended the workshop session."""

    __tablename__ = "unit_completion"
    __table_args__ = (sa.UniqueConstraint("user_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    unit_id: Mapped[str] = mapped_column(sa.String(64))
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("group.id", ondelete="SET NULL"))
    marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)


class LearnerUnit(Base):
    """Summary: one learner's records for one unit, aggregated (lessons opened and read,
    attempts, best score, trainer's mark, moments). Written in the same transaction as the
    records it sums up (:mod:`training.services.summaries`), rebuilt from them by
    ``training report rebuild``; the reports read it instead of the record tables. Quiz
    attempts count in the unit of their quiz in the course (``''`` for a quiz no longer in it);
    lesson rows count only for lessons in the course."""

    __tablename__ = "learner_unit"
    __table_args__ = (
        # Quiz takers, passes and best scores per unit, read from the index alone.
        sa.Index("ix_learner_unit_quiz", "unit_id", "attempts", "passed", "best", "user_id"),
    )

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    opened: Mapped[int] = mapped_column(default=0)
    read: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    """submitted attempts"""
    passed: Mapped[int] = mapped_column(default=0)
    open: Mapped[int] = mapped_column(default=0)
    """attempts in progress"""
    best: Mapped[float | None]
    submitted_at: Mapped[datetime | None]
    marked_at: Mapped[datetime | None]
    activity: Mapped[datetime | None]


class LearnerSummary(Base):
    """Summary: one learner's course status worked out from their ``learner_unit`` rows by the
    progress rules (:mod:`training.reports.facts`): units complete and started (one ``'0'`` or
    ``'1'`` per unit of the course, in order), items done, status, completion moment and last
    activity. Kept in the same transaction as ``learner_unit`` and rebuilt with it; a learner
    with no records has no row (nothing started)."""

    __tablename__ = "learner_summary"
    __table_args__ = (sa.Index("ix_learner_summary_status", "status", "user_id"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    units_complete: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    """items done: lessons read and quizzes passed, a marked unit counting whole"""
    complete_units: Mapped[str] = mapped_column(sa.Text, default="")
    started_units: Mapped[str] = mapped_column(sa.Text, default="")
    completed_at: Mapped[datetime | None]
    activity: Mapped[datetime | None]


class QuestionTally(Base):
    """Summary: how many submitted answers to a question were given with this text (``''``
    for answers with full credit), and how many of them had full credit. Kept with the
    answers by :mod:`training.services.summaries`; two first answers with the same text at
    once may make two rows, so readers add rows up."""

    __tablename__ = "question_tally"
    __table_args__ = (sa.Index("ix_question_tally_question", "quiz_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[str] = mapped_column(sa.String(64))
    question_id: Mapped[str] = mapped_column(sa.String(64))
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    responses: Mapped[int] = mapped_column(default=0)
    correct: Mapped[int] = mapped_column(default=0)


class Attendance(Base):
    """A learner present at a group's in-person session on a unit."""

    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("group_id", "user_id", "unit_id", "session_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("group.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    unit_id: Mapped[str] = mapped_column(sa.String(64))
    session_date: Mapped[date]
    marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """An administrative action. Append-only: nothing deletes rows, and the one update is the
    erasure of a person (:mod:`training.services.erasure`), which replaces their addresses
    in the entries about them by the anonymous one."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(64))
    target: Mapped[str] = mapped_column(sa.String(300), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip: Mapped[str] = mapped_column(sa.String(64), default="")


class PendingImport(Base):
    """An uploaded CSV waiting for the administrator to confirm its preview."""

    __tablename__ = "pending_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20), default="users")
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("group.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    content: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuidePdf(Base):
    """A typeset PDF (guide, handout, paper quiz), shared by every app server.

    Keyed by a digest of everything that shapes it (kind, options, content version,
    language, templates); ``used_at`` orders the least recently used out when the table is
    full (see :mod:`training.services.guide_pdfs`).
    """

    __tablename__ = "guide_pdf"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    content_version: Mapped[str] = mapped_column(sa.String(40))
    language: Mapped[str] = mapped_column(sa.String(12))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class GuideBuild(Base):
    """A place taken by a PDF being typeset now: the limits on builds in flight.

    ``scope`` is ``all`` (the cluster), ``user:<id>`` (one person) or ``pdf:<key>`` (one
    document); each scope has a fixed number of ``slot`` values, so the primary key makes
    taking a place atomic on SQLite and PostgreSQL alike. A place left by a crashed server
    expires at ``expires_at``.
    """

    __tablename__ = "guide_build"

    scope: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    slot: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32), index=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class GuideJob(Base):
    """A PDF asked for and not stored yet, for the guide worker (``training guide work``):
    one row per document cluster-wide (the key is the PDF's), carrying in ``parts`` the
    plain values that describe the document so the worker can typeset it again.

    ``status``: ``waiting``, ``building`` (since ``started_at``), ``done`` or ``failed``
    (``error`` says why, after ``tries`` attempts).
    """

    __tablename__ = "guide_job"
    __table_args__ = (sa.Index("ix_guide_job_status_created_at", "status", "created_at"),)

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    language: Mapped[str] = mapped_column(sa.String(12))
    parts: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(12), default="waiting")
    tries: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    REJECTED = "rejected"
    """The other system refused the message as invalid: kept for the operator, never resent."""


class OutboxMessage(Base):
    """A message for another system (an xAPI statement, a grade for an LMS), written in the
    same transaction as the change it reports and sent later by ``training outbox send``,
    never inside the learner's request. ``dedupe_key`` keeps one-time events single."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.UniqueConstraint("channel", "dedupe_key"),
        sa.Index("ix_outbox_message_due", "channel", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(20))
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[OutboxState] = mapped_column(_enum(OutboxState, "outbox_state"), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str] = mapped_column(sa.String(32), default="")
    claimed_until: Mapped[datetime | None]
    """A sender (``claimed_by``) is working on the message; the others leave it alone until then."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.Text, default="")


class LtiPlatform(Base):
    """A learning platform (Moodle, Canvas, Open edX...) registered to launch this tool with
    LTI 1.3: its issuer, the client id it gave the tool, its endpoints and its key set."""

    __tablename__ = "lti_platform"
    __table_args__ = (sa.UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    issuer: Mapped[str] = mapped_column(sa.String(255))
    client_id: Mapped[str] = mapped_column(sa.String(255))
    auth_login_url: Mapped[str] = mapped_column(sa.String(500))
    """The platform's OpenID Connect authorization endpoint."""
    auth_token_url: Mapped[str] = mapped_column(sa.String(500))
    key_set_url: Mapped[str] = mapped_column(sa.String(500))
    token_audience: Mapped[str] = mapped_column(sa.String(500), default="")
    """The audience the token endpoint expects in the tool's assertion (default: its URL)."""
    active: Mapped[bool] = mapped_column(default=True)
    key_set: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """The platform's public keys as last fetched, shared by every server."""
    key_set_fetched_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deployments: Mapped[list[LtiDeployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", passive_deletes=True, order_by="LtiDeployment.id"
    )


class LtiDeployment(Base):
    """A deployment of the tool on a platform; launches from any other deployment are refused."""

    __tablename__ = "lti_deployment"
    __table_args__ = (sa.UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(sa.String(255))

    platform: Mapped[LtiPlatform] = relationship(back_populates="deployments")


class LtiLogin(Base):
    """A login a platform started: the ``state`` and ``nonce`` the tool issued, usable once
    until ``expires_at`` by whichever server receives the launch."""

    __tablename__ = "lti_login"

    state: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64))
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_platform.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LtiAccount(Base):
    """A person on a platform, known by the platform's stable user id (``sub``), linked to
    their account here. Never matched by name or email."""

    __tablename__ = "lti_account"
    __table_args__ = (sa.UniqueConstraint("platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_platform.id", ondelete="CASCADE"))
    sub: Mapped[str] = mapped_column(sa.String(255))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiContext(Base):
    """A course on a platform, and the group that holds its people here."""

    __tablename__ = "lti_context"
    __table_args__ = (sa.UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_platform.id", ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(sa.String(255))
    title: Mapped[str] = mapped_column(sa.String(120), default="")
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("group.id", ondelete="SET NULL"))
    memberships_url: Mapped[str] = mapped_column(sa.String(500), default="")
    """Names and Role Provisioning Services: where the course's roster is read."""


class LtiResourceLink(Base):
    """A link placed in a platform's course (the whole course, or one unit) and where its
    grades go (Assignment and Grade Services)."""

    __tablename__ = "lti_resource_link"
    __table_args__ = (sa.UniqueConstraint("platform_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_platform.id", ondelete="CASCADE"))
    context_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lti_context.id", ondelete="CASCADE"), index=True)
    resource_link_id: Mapped[str] = mapped_column(sa.String(255))
    deployment_id: Mapped[str] = mapped_column(sa.String(255))
    unit_id: Mapped[str] = mapped_column(sa.String(64), default="")
    """The unit the link opens; empty for the whole course."""
    lineitems_url: Mapped[str] = mapped_column(sa.String(500), default="")
    lineitem_url: Mapped[str] = mapped_column(sa.String(500), default="")
    scopes: Mapped[str] = mapped_column(sa.String(1000), default="")


class LtiLineItem(Base):
    """A gradebook column the tool created on a course link, for one unit or the course."""

    __tablename__ = "lti_line_item"
    __table_args__ = (sa.UniqueConstraint("link_id", "resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_resource_link.id", ondelete="CASCADE"))
    resource_id: Mapped[str] = mapped_column(sa.String(64))
    url: Mapped[str] = mapped_column(sa.String(500))


class LtiRegistrationLink(Base):
    """A one-time link an administrator gives an LMS for dynamic registration (LTI Dynamic
    Registration): only its hash is kept; it works once, until ``expires_at``."""

    __tablename__ = "lti_registration_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    platform_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lti_platform.id", ondelete="SET NULL"))


class LtiToolKey(Base):
    """The tool's own signing key (RSA), in the database so every server signs with it.
    Retired keys stay published in the key set until platforms no longer need them."""

    __tablename__ = "lti_tool_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    private_pem: Mapped[str] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SiteSetting(Base):
    """A fact every app server of the site must agree on, kept where they all see it (the
    fingerprint of the secret key that signs sessions: see :mod:`training.probes`)."""

    __tablename__ = "site_setting"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(255))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Certificate(Base):
    """A certificate of completion: what it says, frozen when it was issued.

    Issued once, when the learner's course first becomes complete (see
    :mod:`training.services.certificates`); a later change to the course or to the learner's
    name never changes it. Revoking keeps the row (the verification page answers "revoked");
    re-issuing after a name correction revokes it and issues a new one that ``replaces`` it.
    At most one certificate per learner is not revoked: a partial unique index, so two
    completions at the same moment issue one.
    """

    __tablename__ = "certificate"
    __table_args__ = (
        sa.Index(
            "uq_certificate_one_valid",
            "user_id",
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    """100 random bits in base 32: printed on the certificate, the key of its verification page."""
    status_index: Mapped[int] = mapped_column(unique=True)
    """The certificate's bit in the published revocation list (a random free position)."""
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    course_id: Mapped[str] = mapped_column(sa.String(120))
    course_title: Mapped[str] = mapped_column(sa.String(300))
    language: Mapped[str] = mapped_column(sa.String(16))
    study_minutes: Mapped[int]
    mode: Mapped[str] = mapped_column(sa.String(20))
    """How the course was completed: ``online``, ``workshop`` or ``blended``."""
    units: Mapped[list[Any]] = mapped_column(default=list)
    """Per unit, as it was: ``{"id", "title", "mode", "minutes"}``."""
    issuer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """The issuer as it was: ``{"name", "url", "signatory_name", "signatory_title", "logo"}``."""
    content_version: Mapped[str] = mapped_column(sa.String(40))
    completed_at: Mapped[datetime]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id", ondelete="SET NULL"))


class CertificatePdf(Base):
    """A certificate as typeset, kept the first time it is downloaded on each paper size,
    so the same document is served ever after."""

    __tablename__ = "certificate_pdf"

    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id", ondelete="CASCADE"), primary_key=True)
    paper: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvaluationResponse(Base):
    """One learner's answers to the course evaluation on one occasion: the end of the course
    (``group_id`` None) or a workshop (``group_id`` its group). Once per learner and occasion."""

    __tablename__ = "evaluation_response"
    __table_args__ = (sa.UniqueConstraint("user_id", "evaluation_id", "occasion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    evaluation_id: Mapped[str] = mapped_column(sa.String(64))
    occasion: Mapped[str] = mapped_column(sa.String(40))
    """``course``, or ``group:<id>`` for a workshop (the unique key, as group_id may be unset)."""
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("group.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(sa.String(16))
    content_version: Mapped[str] = mapped_column(sa.String(32))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class EvaluationAnswer(Base):
    """The answer to one question of one evaluation response: a rating or a text."""

    __tablename__ = "evaluation_answer"
    __table_args__ = (sa.UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation_response.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(sa.String(64))
    rating: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(sa.Text)
