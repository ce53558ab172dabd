"""Certificates at ``/admin/certificates``: the list with filters (group, organisation, country,
period issued, status), the count per organisation and country, CSV exports, and for
administrators one certificate's page, where it is revoked or re-issued with a corrected name.

Trainers see the certificates of the learners of their own groups (the report scope); revoking
and re-issuing are for administrators. Both are in the audit log.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from ...certificates import format_code
from ...i18n import gettext
from ...queries.certificates import certificate_for, certificate_history
from ...reports import certificates as report
from ...services import certificates
from ...services.audit import record_export
from ..access import ADMIN, STAFF, access
from ..params import carried_args, page_number
from .blueprint import bp
from .common import PER_PAGE, actor, csv_response, or_404
from .forms import CertificateFilterForm, ReissueForm, RevokeForm
from .reports import _context


def _period() -> tuple[CertificateFilterForm, report.Period]:
    form = CertificateFilterForm(request.args)
    if not form.validate():
        return form, report.Period()
    return form, report.Period(form.issued_from.data, form.issued_to.data, form.status.data or "")


@bp.route("/certificates")
@access(STAFF)
def certificates_list():
    context = _context()
    period_form, period = _period()
    page = report.certificate_page(context.scope, context.filters, period, page_number(), PER_PAGE)
    args = carried_args(context.form, period_form)  # never ?endpoint= or ?_external= (OUT-9)
    return render_template(
        "admin/certificates.html",
        form=context.form,
        period_form=period_form,
        rows=page.items,
        total=page.total,
        page=page.page,
        pages=page.pages,
        segments=report.certificates_by_segment(context.scope, context.filters, period),
        args=args,
    )


@bp.route("/certificates.csv")
@access(STAFF.recent())
def certificates_csv():
    """One row per certificate, naming the holder: a recent password, and on record."""
    context = _context()
    _, period = _period()
    record_export(actor(), "certificates", {k: v for k, v in request.args.items() if v})
    rows = report.certificate_rows(context.scope, context.filters, period)
    return csv_response("certificates", report.CERTIFICATE_COLUMNS, (report.certificate_record(r) for r in rows))


@bp.route("/certificates/by-organisation.csv")
@access(STAFF)
def certificates_segments_csv():
    context = _context()
    _, period = _period()
    record_export(actor(), "certificates-by-organisation", {k: v for k, v in request.args.items() if v})
    rows = report.certificates_by_segment(context.scope, context.filters, period)
    return csv_response("certificates-by-organisation", report.SEGMENT_COLUMNS, map(report.segment_record, rows))


@bp.route("/certificates/<int:certificate_id>", methods=["GET", "POST"])
@access(ADMIN)
def certificate(certificate_id: int):
    found = or_404(lambda: certificate_for(actor(), certificate_id))
    revoke_form, reissue_form = RevokeForm(prefix="revoke"), ReissueForm(prefix="reissue")
    status = 200
    try:
        if request.form.get("revoke-submit") and revoke_form.validate_on_submit():
            certificates.revoke(actor(), found.id, revoke_form.reason.data)
            flash(gettext("The certificate %(code)s is revoked.", code=format_code(found.code)), "success")
            return redirect(url_for("admin.certificate", certificate_id=found.id), code=303)
        if request.form.get("reissue-submit") and reissue_form.validate_on_submit():
            new = certificates.reissue(actor(), found.id, reissue_form.name.data)
            flash(gettext("A new certificate %(code)s is issued.", code=format_code(new.code)), "success")
            return redirect(url_for("admin.certificate", certificate_id=new.id), code=303)
    except certificates.CertificateError as exc:
        flash(str(exc), "error")
        status = 400
    if request.method == "POST" and status == 200:
        status = 400  # a form with errors: shown beside its fields
    if not reissue_form.name.data:
        reissue_form.name.data = found.name
    return (
        render_template(
            "admin/certificate.html",
            certificate=found,
            code=format_code(found.code),
            history=certificate_history(found.user_id),
            revoke_form=revoke_form,
            reissue_form=reissue_form,
        ),
        status,
    )
