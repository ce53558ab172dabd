"""Extra quiz attempts: a trainer (for a learner in one of their groups) or an administrator
gives a learner more attempts at a quiz, with a reason, on the audit trail.

The learner's limit becomes the quiz's attempts plus every grant's extra; attempt numbers stay
unique per learner and quiz (:mod:`training.services.attempts`), so the new limit holds
however many starts race."""

from __future__ import annotations

from ..content.model import Quiz
from ..database import transactional
from ..extensions import db
from ..models import AttemptGrant, utcnow
from ..permissions import Actor
from ..queries.groups import learner_for
from .audit import AuditAction, account_label, audit

MAX_EXTRA = 10  # per grant; the table refuses more
MAX_REASON = 500


class GrantRefused(ValueError):
    """The grant does not make sense: an unlimited quiz, no reason, or a number out of range."""


@transactional
def grant_attempts(actor: Actor, user_id: int, quiz: Quiz, extra: int, reason: str) -> AttemptGrant:
    """Give ``extra`` more attempts at ``quiz``. A learner outside the actor's reach is
    NotFound (as for a missing id); a bad request is GrantRefused, and nothing is written."""
    learner = learner_for(actor, user_id)
    reason = reason.strip()
    if not quiz.attempts:
        raise GrantRefused("unlimited")
    if not reason or len(reason) > MAX_REASON:
        raise GrantRefused("reason")
    if not 1 <= extra <= MAX_EXTRA:
        raise GrantRefused("extra")
    grant = AttemptGrant(
        user_id=learner.id,
        quiz_id=quiz.id,
        extra=extra,
        reason=reason,
        granted_by_id=actor.user_id,
        granted_at=utcnow(),
    )
    db.session.add(grant)
    audit(actor, AuditAction.QUIZ_ATTEMPTS_GRANT, account_label(learner), quiz=quiz.id, extra=extra, reason=reason)
    return grant
