"""Who may open which page: every view declares a rule with ``@access(...)``, and one
``before_request`` hook enforces it. A view without a rule is refused (deny by default), and
``tests/web/test_access.py`` fails when a route has no rule.

Object-level rules (a learner sees only their own records, a trainer only their groups) are
functions here too, called by the views that load those objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from ..extensions import login_manager
from ..models import Role
from ..security import EXPIRED_USER, PENDING_ANSWERS, recently_authenticated

F = TypeVar("F", bound=Callable)
MAX_KEPT_ANSWERS = 2500  # characters: stays well inside a cookie


@dataclass(frozen=True, slots=True)
class Rule:
    roles: frozenset[Role] | None
    """None: anyone, signed in or not."""
    fresh: bool = False
    """The password must have been entered recently (role changes, imports, exports)."""

    def recent(self) -> Rule:
        return replace(self, fresh=True)


PUBLIC = Rule(None)
SIGNED_IN = Rule(frozenset(Role))
STAFF = Rule(frozenset({Role.TRAINER, Role.ADMIN}))
ADMIN = Rule(frozenset({Role.ADMIN}))

# Pages a signed-in person may reach while an account step is pending.
ACCOUNT_STEPS = frozenset(
    {
        "auth.logout",
        "auth.change_password",
        "auth.mfa_setup",
        "auth.mfa_recovery_codes",
        "static",
    }
)


def access(rule: Rule) -> Callable[[F], F]:
    """Declare who may open a view."""

    def decorate(view: F) -> F:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view

    return decorate


def rule_for(endpoint: str) -> Rule | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def init_app(app: Flask) -> None:
    app.before_request(check_access)


def check_access():  # noqa: ANN201 - None or a redirect response
    if request.endpoint is None:
        return None  # no such route: the 404 handler answers
    rule = rule_for(request.endpoint)
    if rule is None:
        abort(403)
    if rule.roles is None:
        return None
    if not current_user.is_authenticated:
        if request.blueprint == "api":
            abort(401)
        if request.endpoint == "quiz.submit":
            keep_unsent_answers()
        return login_manager.unauthorized()
    if request.endpoint not in ACCOUNT_STEPS:
        if current_user.must_change_password:
            return redirect(url_for("auth.change_password"))
        if current_user.role.value in current_app.config["MFA_REQUIRED_ROLES"] and not current_user.mfa_enabled:
            return redirect(url_for("auth.mfa_setup"))
    if current_user.role not in rule.roles:
        abort(403)
    if rule.fresh and not recently_authenticated():
        return redirect(url_for("auth.reauthenticate", next=request.full_path.rstrip("?")))
    return None


def keep_unsent_answers() -> None:
    """A quiz posted after the session ended keeps its answers in the (new, signed) session,
    so they are restored once the learner signs in again instead of being lost."""
    form = {k: v for k, v in request.form.lists() if k.startswith("q-")}
    size = sum(len(k) + sum(len(x) for x in v) for k, v in form.items())
    owner = session.get(EXPIRED_USER)
    if form and owner and size <= MAX_KEPT_ANSWERS:
        session[PENDING_ANSWERS] = {"quiz": request.view_args.get("quiz_id"), "form": form, "owner": owner}


def is_staff(user: object) -> bool:
    return getattr(user, "role", None) in STAFF.roles
