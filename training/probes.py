"""Whether this app server may serve: alive, ready, and signing with the site's secret key.

* ``/healthz`` (liveness) answers from the process alone, never the database: a probe that
  restarts servers whose health check fails must not restart all of them during a database
  blip, which a restart would not cure.
* ``/readyz`` (readiness) checks what serving needs: the database answers, its schema is not
  behind this code (no upgrade pending), the course is loaded, and this server's secret key is
  the one the other servers use. A load balancer sends traffic only to
  ready servers; a rolling deploy waits for it.
* The secret key signs sessions, so every server of a site must share it, or a learner signed in
  by one server is a stranger to the next. ``training serve`` records a fingerprint of its key
  in the database (an HMAC: it does not reveal the key) and refuses to start when another
  server recorded a different one. A key being rotated is accepted while the recorded one is
  among ``SECRET_KEY_FALLBACKS``; ``training secret-key adopt`` records a new key on purpose.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy.exc import DBAPIError

from .course import get_catalogue
from .database import migration_state, rollback_quietly
from .extensions import db
from .queries.site import schema_revisions, site_setting
from .services.site import claim_site_setting, replace_site_setting

log = logging.getLogger(__name__)

SECRET_KEY_SETTING = "secret_key_fingerprint"  # noqa: S105 - the name of a setting


class NotServing(RuntimeError):
    """This server must not start; the message says why and what to do."""


def fingerprint(key: str | bytes) -> str:
    raw = key.encode() if isinstance(key, str) else key
    return hmac.new(raw, b"training: which secret key signs sessions", hashlib.sha256).hexdigest()[:32]


def _known(config: Mapping[str, Any]) -> set[str]:
    """The fingerprints of this server's key and of the keys it still accepts."""
    return {fingerprint(config["SECRET_KEY"])} | {fingerprint(k) for k in config.get("SECRET_KEY_FALLBACKS") or ()}


def secret_key_state(config: Mapping[str, Any]) -> str:
    """``ok``, ``differs`` (another server signs with another key) or ``unrecorded``."""
    stored = site_setting(SECRET_KEY_SETTING)
    if stored is None:
        return "unrecorded"
    return "ok" if stored in _known(config) else "differs"


def check_before_serving(app: Flask) -> None:
    """Record this server's key fingerprint, or refuse to serve with a key another server does
    not share. If the database cannot be reached or is not migrated yet, say so and go on:
    ``/readyz`` keeps the server out of rotation until it can."""
    with app.app_context():
        mine = fingerprint(app.config["SECRET_KEY"])
        try:
            if migration_state(schema_revisions()) == "pending":
                log.warning("the database schema is behind this code: run `training db upgrade`")
                return
            stored = claim_site_setting(SECRET_KEY_SETTING, mine)
            if stored != mine and stored in _known(app.config):
                replace_site_setting(SECRET_KEY_SETTING, mine)  # rotating: the old key is a fallback
            elif stored != mine:
                raise NotServing(
                    "TRAINING_SECRET_KEY differs from the key the other app servers of this database "
                    "sign sessions with. Every server must use the same key: copy it from another "
                    "server's configuration. If you are replacing the key on every server on purpose, "
                    "run `training secret-key adopt` once with the new key (this signs everyone out)."
                )
        except DBAPIError as exc:
            rollback_quietly()
            log.warning("could not compare the secret key with the other servers': %s", type(exc.orig).__name__)
        finally:
            db.session.remove()
            db.engine.dispose()  # the master process holds no connection its workers would inherit


def adopt_secret_key(app: Flask) -> None:
    """Make this server's key the one every server must use (after replacing it everywhere)."""
    replace_site_setting(SECRET_KEY_SETTING, fingerprint(app.config["SECRET_KEY"]))


def readiness(config: Mapping[str, Any]) -> dict[str, str]:
    """Each check's outcome: ``ok`` or a short word for what is wrong (nothing that would
    help an attacker: no versions, no addresses)."""
    checks = {"content": "ok" if get_catalogue() is not None else "missing"}
    try:
        revisions = schema_revisions()
    except DBAPIError:
        rollback_quietly()
        return {**checks, "database": "unreachable"}
    checks["database"] = "ok"
    checks["migrations"] = migration_state(revisions)
    if checks["migrations"] != "pending":
        checks["secret_key"] = "ok" if secret_key_state(config) != "differs" else "differs"
    return checks


def is_ready(checks: Mapping[str, str]) -> bool:
    """A schema ahead of this code is fine: during a rolling deploy the migrations run first
    (each one compatible with the code before it), then the servers are replaced one by one."""
    return all(outcome == "ok" or (name == "migrations" and outcome == "ahead") for name, outcome in checks.items())
