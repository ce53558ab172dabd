"""Sign-in state and response hardening, applied to every request.

* Flask-Login with the user's ``session_version`` inside the session id: logout, password
  change and deactivation bump the version, so a copied cookie stops working at once.
* Idle and absolute session limits, checked on the server from timestamps in the signed
  session; "recent sign-in" for sensitive actions.
* Security headers on every response; ``Cache-Control: no-store`` on every response to a
  signed-in person.
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from typing import Any, cast

from flask import Flask, Request, Response, current_app, flash, has_request_context, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import login_user, logout_user
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer, want_bytes

from . import Headers
from .context import the_app, the_g, the_request, the_session
from .extensions import csrf, login_manager
from .i18n import gettext, lazy_gettext, vary
from .models import User
from .queries.accounts import SignedIn, signed_in

AUTH_AT, SEEN_AT = "auth_at", "seen_at"
EXPIRED_USER = "expired_user"  # whose session just ended, so their unsent answers can be kept
PENDING_ANSWERS = "pending_answers"
SEEN_RESOLUTION = 60  # seconds: the idle clock is refreshed at most once a minute

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the session version and timeouts do this job
    login_manager.user_loader(load_user)
    csrf.init_app(app)
    app.session_interface = SessionInterface()
    app.before_request(enforce_session_limits)
    app.after_request(harden_response)


class KeptSigner(TimestampSigner):
    """itsdangerous's signer with its derived keys worked out once per secret key: itsdangerous
    derives the key again (an HMAC) for every signature it makes or checks. Same keys, same
    signatures."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes | None, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        name = None if secret_key is None else want_bytes(secret_key)
        derived = self._derived.get(name)
        if derived is None:
            derived = self._derived[name] = super().derive_key(secret_key)
        return derived


class KeptSerializer(URLSafeTimedSerializer):
    """itsdangerous's URL-safe timed serializer, its signer made once per salt instead of for
    every value it signs or checks. A signer holds only its settings and derived keys, so one
    serves every request."""

    default_signer = KeptSigner

    def make_signer(self, salt: str | bytes | None = None) -> TimestampSigner:
        kept: dict[str | bytes | None, TimestampSigner] = self.__dict__.setdefault("_signers", {})
        signer = kept.get(salt)
        if signer is None:
            signer = kept[salt] = cast(TimestampSigner, super().make_signer(salt))
        return signer


SHA1 = hashlib.sha1
"""The HMAC digest of session cookies and form tokens, as Flask and Flask-WTF sign them. They
pass SHA-1 wrapped in a function of their own (``itsdangerous.signer._lazy_sha1``), which
sends :mod:`hmac` down its pure-Python path (2.3 µs an HMAC); OpenSSL's own SHA-1 gives the
same signatures (1.7 µs)."""


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, its serializer built once per set of keys instead of
    on every request (Flask builds one to open the session and one to save it), its signers
    and derived keys kept (:class:`KeptSerializer`); the keys, salt and signing are Flask's
    own, so cookies are the same.

    A cookie whose signature was checked is remembered with its contents, so the same cookie
    sent again (a reader's browser sends it with every page) is not checked and decoded
    again: the signature of a given text under given keys cannot change. Its age is still
    checked on every request, as itsdangerous checks it, and each request gets its own copy
    of the contents (only contents made of plain values are remembered)."""

    digest_method = staticmethod(SHA1)
    _built: tuple[tuple[object, ...], URLSafeTimedSerializer | None, dict[str, tuple[int, dict]]] | None = None

    def _serializer(self, app: Flask) -> tuple[URLSafeTimedSerializer | None, dict[str, tuple[int, dict]]]:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        built = self._built
        if built is None or built[0] != keys:
            built = self._built = (keys, self._build_serializer(app), {})
        return built[1], built[2]

    def _build_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's own serializer (``get_signing_serializer``), as a :class:`KeptSerializer`."""
        made = super().get_signing_serializer(app)
        if made is None:
            return None
        return KeptSerializer(
            made.secret_keys,
            salt=made.salt,
            serializer=made.serializer,
            signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
        )

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        return self._serializer(app)[0]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer, opened = self._serializer(app)
        if serializer is None:
            return None
        text = request.cookies.get(self.get_cookie_name(app))
        if not text:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = opened.get(text)
        if known is not None and 0 <= int(time.time()) - known[0] <= max_age:
            return self.session_class(known[1])
        try:
            data, signed = serializer.loads(text, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(type(value) in PLAIN for value in data.values()):
            if len(opened) >= MAX_OPENED_SESSIONS:
                opened.clear()
            opened[text] = (int(signed.timestamp()), data)
        return self.session_class(data)


PLAIN = frozenset({str, int, float, bool, type(None)})
"""Values a copy of the session's dictionary cannot share with the remembered one."""
MAX_OPENED_SESSIONS = 10_000


CSRF_FIELD = "csrf_token"
CSRF_SALT = "wtf-csrf-token"
"""Flask-WTF's salt for form tokens (``generate_csrf``, ``validate_csrf``)."""
MAX_SIGNED_TOKENS = 10_000
_signed_tokens: dict[tuple[object, str], str] = {}
_token_signers: dict[object, KeptSerializer] = {}


def csrf_token() -> str:
    """Flask-WTF's ``generate_csrf``, signed once per session token instead of on every page.

    The form token is the session's raw token signed with the secret key; Flask-WTF signs it
    again on every request (the signature carries a time stamp, which only a time limit
    reads). With no time limit (``WTF_CSRF_TIME_LIMIT = None``, config.py) the first
    signature stays valid as long as the session, so it is kept, keyed by the secret and the
    raw token, and checked by Flask-WTF exactly as before. With a time limit, every call signs.

    A token not signed yet in this process is signed as ``generate_csrf`` signs it (its
    serializer, salt and SHA-1), by a serializer kept per secret (:class:`KeptSerializer`):
    ``generate_csrf`` builds one, and derives its key, for every token.
    """
    app, state = the_app(), the_g()
    config = app.config
    raw = the_session().get(CSRF_FIELD)
    secret: str | bytes | None = config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    if (
        config["WTF_CSRF_TIME_LIMIT"] is not None
        or config["WTF_CSRF_FIELD_NAME"] != CSRF_FIELD
        or not isinstance(raw, str)
        or CSRF_FIELD in state
        or not secret
    ):
        return generate_csrf()
    key = (secret, raw)
    token = _signed_tokens.get(key)
    if token is None:
        signer = _token_signers.get(secret)
        if signer is None:
            signer = _token_signers[secret] = KeptSerializer(
                secret, salt=CSRF_SALT, signer_kwargs={"digest_method": SHA1}
            )
        token = str(signer.dumps(raw))
        if len(_signed_tokens) >= MAX_SIGNED_TOKENS:
            _signed_tokens.clear()
        _signed_tokens[key] = token
    setattr(state, CSRF_FIELD, token)  # where generate_csrf keeps it for the rest of the request
    return token


def load_user(session_id: str) -> SignedIn | None:
    """Flask-Login's loader: the id is ``<user id>.<session version>``, so a session issued
    before the version moved on (sign-out, password change, deactivation) finds nobody."""
    user_id, _, version = session_id.partition(".")
    if not user_id.isdigit():
        return None
    # Read from the database on every request: never trusted from the cookie.
    user = signed_in(int(user_id), _lesson_shown())
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


READ_WITH_PERSON = "learn.lesson"
"""The page whose progress row is read in the same statement as the signed-in person: the
most requested page, which needs nothing else from the database (docs/performance.md)."""


def _lesson_shown() -> tuple[str, str] | None:
    if not has_request_context():  # the loader is also called outside requests (commands, tests)
        return None
    current = the_request()
    args = current.view_args
    if current.endpoint != READ_WITH_PERSON or not args:
        return None
    return args["unit_id"], args["lesson_id"]


def start_session(user: User) -> None:
    """Begin a fresh session for someone who just proved who they are.

    Nothing from before sign-in carries over (session fixation), except quiz answers this
    same person posted after their previous session had ended.
    """
    pending = session.get(PENDING_ANSWERS)
    session.clear()
    if pending and pending.get("owner") == user.id:
        session[PENDING_ANSWERS] = pending
    login_user(user)
    now = int(time.time())
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    session.permanent = True


def enforce_session_limits() -> None:
    state = the_session()
    if "_user_id" not in state or the_request().endpoint == "static":
        return
    now = int(time.time())
    config = the_app().config
    idle: timedelta = config["SESSION_IDLE_TIMEOUT"]
    absolute: timedelta = config["SESSION_ABSOLUTE_TIMEOUT"]
    auth_at, seen_at = state.get(AUTH_AT, 0), state.get(SEEN_AT, 0)
    if now - auth_at > absolute.total_seconds() or now - seen_at > idle.total_seconds():
        user_id = state["_user_id"].partition(".")[0]
        logout_user()
        state.clear()
        state[EXPIRED_USER] = int(user_id) if user_id.isdigit() else None
        flash(gettext("Your session ended after a period without activity. Please sign in again."), "info")
        return
    if now - seen_at >= SEEN_RESOLUTION:
        state[SEEN_AT] = now


def recently_authenticated() -> bool:
    """Whether the person signed in (or re-entered their password) within REAUTH_WINDOW."""
    window: timedelta = current_app.config["REAUTH_WINDOW"]
    return time.time() - session.get(AUTH_AT, 0) <= window.total_seconds()


def mark_reauthenticated() -> None:
    session[AUTH_AT] = int(time.time())


CACHEABLE_ENDPOINTS = frozenset({"static", "course_image"})
"""Fingerprinted files, the same for everyone: cached for a year even for a signed-in reader."""


HARDENING = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def harden_response(response: Response) -> Response:
    headers = response.headers
    production = the_app().config["ENV_NAME"] == "production"
    wanted = HARDENING + (HSTS,) if production else HARDENING
    if isinstance(headers, Headers):
        headers.add_absent(wanted)
    else:  # a response made by other code: what ``setdefault`` for each does
        for name, value in wanted:
            headers.setdefault(name, value)
    if "_user_id" in the_session() and the_request().endpoint not in CACHEABLE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
        vary(response, "Cookie")  # most pages list it already, with the language
    return response
