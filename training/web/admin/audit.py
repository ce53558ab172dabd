"""The audit log (administrators only): every administrative action, newest first, read-only.
There is no route that changes or deletes an audit row."""

from __future__ import annotations

from flask import render_template, request

from ...queries.audit import list_audit
from ...services.audit import AuditAction
from ..access import ADMIN, access
from ..params import page_number
from .blueprint import bp


@bp.route("/audit")
@access(ADMIN)
def audit():
    action = request.args.get("action", "")
    if action not in {a.value for a in AuditAction}:
        action = ""
    page = list_audit(action=action, page=page_number())
    return render_template("admin/audit.html", page=page, action=action, actions=list(AuditAction), describe=describe)


def describe(detail: dict) -> str:
    """An audit event's details in words: ``rows: 12; filters: country=KE``."""

    def value(v: object) -> str:
        if isinstance(v, dict):
            return ", ".join(f"{k}={value(x)}" for k, x in v.items()) or "none"
        if isinstance(v, (list, tuple)):
            return ", ".join(value(x) for x in v)
        return str(v)

    return "; ".join(f"{key}: {value(v)}" for key, v in detail.items())
