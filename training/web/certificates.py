"""Blueprint "certificates": the completion page, the learner's certificate (PDF) and badge,
the public verification page, the issuer's public keys and the revocation list.

Public pages (no sign-in): ``/verify/<code>`` and the badge of a code, ``/.well-known/jwks.json``
and ``/credentials/status/1``. Looking up a code is rate-limited per address (the counters are
in the database, so every server counts together); an unknown code answers 404 with no hint
of who holds which code, so codes cannot be used to list people. See docs/certificates.md.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from .. import badge, signing
from ..certificates import course_mode, format_code, normalise_code
from ..course import get_catalogue
from ..guide import PdfKey, cached_pdf
from ..guide.certificate import CertificateData, certificate_pdf
from ..guide.pdf import Paper
from ..i18n import N_, force_locale, gettext
from ..models import Certificate, utcnow
from ..progress import Status, course_progress
from ..queries.certificates import certificate_by_code, own_certificate, revoked_positions
from ..queries.learning import load_records
from ..services import certificates
from .access import PUBLIC, SIGNED_IN, access
from .auth import client_ip
from .errors import render_error

bp = Blueprint("certificates", __name__)

PAPERS = {"a4": Paper.A4, "letter": Paper.LETTER}
NO_KEY = N_(
    "Badges cannot be signed yet: the platform's signing key has not been created. Please tell an administrator."
)


def verify_url(code: str) -> str:
    """The certificate's public address: under ``PUBLIC_URL`` when set, else this site's."""
    base = current_app.config.get("PUBLIC_URL") or request.url_root
    return f"{base.rstrip('/')}{url_for('certificates.verify', code=code)}"


def base_url() -> str:
    return (current_app.config.get("PUBLIC_URL") or request.url_root).rstrip("/")


def _issued(c: Certificate) -> badge.Issued:
    return badge.Issued(
        code=c.code,
        name=c.name,
        course_id=c.course_id,
        course_title=c.course_title,
        language=c.language,
        study_minutes=c.study_minutes,
        mode=c.mode,
        units=c.units,
        issuer=c.issuer,
        completed_at=c.completed_at,
        issued_at=c.issued_at,
        status_index=c.status_index,
    )


def _locale(language: str):
    return force_locale(language.replace("-", "_"))


# --- the learner's own -------------------------------------------------------------------


@bp.route("/completed")
@access(SIGNED_IN)
def completed():
    catalogue = get_catalogue()
    progress = course_progress(catalogue, load_records(current_user.id))
    if progress.status != Status.COMPLETE:
        return redirect(url_for("learn.dashboard"), code=303)
    certificate = own_certificate(current_user.id) or certificates.issue_if_complete(catalogue, current_user.id)
    return render_template(
        "certificates/completed.html",
        progress=progress,
        mode=course_mode(progress),
        certificate=certificate,
        code=format_code(certificate.code) if certificate else "",
        verify_url=verify_url(certificate.code) if certificate else "",
        evaluation=catalogue.evaluation is not None,
    )


def _own_or_404() -> Certificate:
    certificate = own_certificate(current_user.id)
    if certificate is None:
        abort(404)
    return certificate


@bp.route("/certificate.pdf")
@access(SIGNED_IN)
def pdf():
    certificate = _own_or_404()
    paper = PAPERS.get(request.args.get("paper", "a4"))
    if paper is None:
        return render_error(400, gettext("Choose the paper size a4 or letter."))
    catalogue = get_catalogue()
    logo = catalogue.course.logo if certificate.issuer.get("logo") else None
    data = CertificateData(
        code=certificate.code,
        name=certificate.name,
        course_title=certificate.course_title,
        language=certificate.language,
        study_minutes=certificate.study_minutes,
        mode=certificate.mode,
        units=certificate.units,
        issuer=certificate.issuer,
        completed_at=certificate.completed_at,
        verify_url=verify_url(certificate.code),
        logo=logo,
    )
    key = PdfKey(
        f"certificate-{certificate.id}-{paper.value}", "certificate", certificate.content_version, certificate.language
    )
    with _locale(certificate.language):
        body = cached_pdf(
            certificates.CertificateStore(certificate.id, paper.value),
            key,
            lambda: certificate_pdf(data, paper),
            user=str(current_user.id),
        )
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="certificate-{format_code(certificate.code)}.pdf"'
    response.headers["Cache-Control"] = "private, max-age=0"
    return response


# --- public: verification, badge, keys, revocation list ---------------------------------------


def _looked_up(code: str) -> Certificate | None | Response:
    """The certificate of a code, after counting the look-up; a 429 page past the limit."""
    until = certificates.note_lookup(client_ip())
    if until is not None:
        body, status = render_error(429, gettext("Too many look-ups from your address. Try again in a few minutes."))
        seconds = max(1, int((until.replace(tzinfo=until.tzinfo or UTC) - utcnow()).total_seconds()))
        body.headers["Retry-After"] = str(seconds)
        body.status_code = status
        return body
    normal = normalise_code(code)
    return certificate_by_code(normal) if normal else None


@bp.route("/verify", methods=["GET"])
@access(PUBLIC)
def verify_form():
    """A code typed by hand: a GET form that leads to the code's page."""
    code = request.args.get("code", "")
    if code:
        normal = normalise_code(code)
        if normal:
            return redirect(url_for("certificates.verify", code=format_code(normal)), code=303)
        return render_template("certificates/verify.html", certificate=None, asked=code, invalid=True), 400
    return render_template("certificates/verify.html", certificate=None, asked="", invalid=False)


@bp.route("/verify/<code>")
@access(PUBLIC)
def verify(code: str):
    found = _looked_up(code)
    if isinstance(found, Response):
        return found
    if found is None:
        return render_template("certificates/verify.html", certificate=None, asked=code[:64], invalid=False), 404
    response = Response(
        render_template(
            "certificates/verify.html",
            certificate=found,
            code=format_code(found.code),
            asked=code,
            invalid=False,
        )
    )
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _signed(document: dict) -> str | None:
    """The document as a VC-JWT signed with the newest key; None without a key."""
    try:
        key = signing.current_key(current_app.config["ISSUER_KEYS_DIR"])
    except signing.NoSigningKey:
        return None
    kid = f"{base_url()}{url_for('certificates.jwks')}#{key.kid}"
    return signing.sign_jwt(badge.jwt_claims(document), key, kid)


@bp.route("/verify/<code>/badge.<any(json, jwt):kind>")
@access(PUBLIC)
def badge_file(code: str, kind: str):
    """The Open Badges 3.0 credential: ``badge.jwt`` signed (VC-JWT, Open Badges 3.0 section
    8.2), for a wallet or a verifier; ``badge.json`` the same credential, readable."""
    found = _looked_up(code)
    if isinstance(found, Response):
        return found
    if found is None:
        abort(404)
    with _locale(found.language):
        document = badge.credential(_issued(found), base_url(), verify_url(found.code))
    if kind == "json":
        response = Response(json.dumps(document, ensure_ascii=False, indent=2), mimetype="application/json")
    else:
        jwt = _signed(document)
        if jwt is None:
            return render_error(503, gettext(NO_KEY))
        response = Response(jwt, mimetype="application/vc+jwt")
    response.headers["Content-Disposition"] = f'attachment; filename="badge-{format_code(found.code)}.{kind}"'
    return response


@bp.route("/.well-known/jwks.json")
@access(PUBLIC)
def jwks():
    response = jsonify(signing.jwks(current_app.config["ISSUER_KEYS_DIR"]))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route(badge.STATUS_LIST_PATH)
@access(PUBLIC)
def status_list():
    """The revocation list as a signed Bitstring Status List credential (VC-JWT)."""
    course = get_catalogue().course
    issuer = {"name": course.issuer_name, "url": course.issuer_url}
    jwt = _signed(badge.status_list_credential(revoked_positions(), base_url(), issuer, datetime.now(UTC)))
    if jwt is None:
        return render_error(503, gettext(NO_KEY))
    response = Response(jwt, mimetype="application/vc+jwt")
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
