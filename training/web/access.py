"""Who may open which page: every view declares a rule with ``@access(...)``, and one
``before_request`` hook enforces it. A view without a rule is refused (deny by default), and
``tests/web/test_access.py`` fails when a route has no rule.

These are page-level rules (which roles open a URL). Object-level rules (a learner reaches
only their own records, a trainer only their own groups and the learners in them) live with
the reads that load those objects: :mod:`training.queries.attempts` finds only the learner's
own attempts, and :mod:`training.queries.groups` answers ``NotFound`` for anything outside a
trainer's groups, which the views turn into the same 404 as a missing id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from flask import Flask, abort, make_response, redirect, request, session, url_for
from werkzeug.wrappers import Response

from ..context import the_app, the_person, the_request
from ..extensions import login_manager
from ..permissions import Role
from ..security import recently_authenticated

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class Rule:
    roles: frozenset[Role] | None
    """None: anyone, signed in or not."""
    fresh: bool = False
    """The password must have been entered recently (role changes, imports, exports)."""
    on_signed_out: Callable[[], None] | None = None
    """Called when someone whose session has ended reaches the page, before they are sent to
    sign in (the quiz keeps the answers they were posting)."""
    signed_out_page: Callable[[], str] | None = None
    """What a signed-out visitor sees instead of being sent to sign in (the home page at ``/``)."""

    def recent(self) -> Rule:
        return replace(self, fresh=True)

    def when_signed_out(self, hook: Callable[[], None]) -> Rule:
        return replace(self, on_signed_out=hook)

    def signed_out_sees(self, page: Callable[[], str]) -> Rule:
        return replace(self, signed_out_page=page)


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
        "account.verify_pending",
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
    view = the_app().view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def init_app(app: Flask) -> None:
    app.before_request(check_access)


def check_access() -> Response | None:
    """The before-request hook: None to let the view run, or the answer instead of it."""
    current = the_request()
    endpoint = current.endpoint
    if endpoint is None:
        return None  # no such route: the 404 handler answers
    rule = rule_for(endpoint)
    if rule is None:
        abort(403)
    if rule.roles is None:
        return None
    person = the_person()
    if not person.is_authenticated:
        if current.blueprint == "api":
            abort(401)
        if rule.signed_out_page is not None:
            return make_response(rule.signed_out_page())
        if rule.on_signed_out is not None:
            rule.on_signed_out()
        return login_manager.unauthorized()
    if endpoint not in ACCOUNT_STEPS:
        if person.must_change_password:
            return redirect(url_for("auth.change_password"))
        config = the_app().config
        if (
            person.role.value in config["MFA_REQUIRED_ROLES"]
            and not person.mfa_enabled
            and session.get("auth_via") != "lti"  # the LMS signed the person in (docs/interop.md)
        ):
            return redirect(url_for("auth.mfa_setup"))
        if (
            config["REGISTRATION"] == "verified"
            and person.email_verified_at is None
            and session.get("auth_via") != "lti"  # the LMS vouches for them; their address is made up
        ):
            return redirect(url_for("account.verify_pending"))
    if person.role not in rule.roles:
        abort(403)
    if rule.fresh and not recently_authenticated():
        return redirect(url_for("auth.reauthenticate", next=request.full_path.rstrip("?")))
    return None


def is_staff(user: object) -> bool:
    return STAFF.roles is not None and getattr(user, "role", None) in STAFF.roles
