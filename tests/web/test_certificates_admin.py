"""Certificates in the administration: the filtered list and its CSVs, a trainer's view of
their own groups, revoking and re-issuing (both audited), over real HTTP."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from training.course import get_catalogue
from training.extensions import db
from training.models import AuditEvent, Certificate, User
from training.services import certificates

from ..factories import build_cohort
from ..helpers import csrf_from


@pytest.fixture
def cohort(app):
    cohort = build_cohort()
    for learner in (cohort.ana, cohort.dina):  # the two who completed the course
        assert certificates.issue_if_complete(get_catalogue(), learner.id) is not None
    for learner in (cohort.bo, cohort.chen, cohort.eli):
        assert certificates.issue_if_complete(get_catalogue(), learner.id) is None
    return cohort


def _read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _certificate(user: User) -> Certificate:
    db.session.rollback()
    return db.session.scalars(
        sa.select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.id.desc())
    ).first()


def test_how_the_course_was_completed_is_recorded(cohort):
    assert _certificate(cohort.ana).mode == "online"
    assert _certificate(cohort.dina).mode == "blended"  # alpha in a workshop, beta online
    units = {u["id"]: u["mode"] for u in _certificate(cohort.dina).units}
    assert units == {"alpha": "workshop", "beta": "online"}


def test_administrators_list_filter_and_export_certificates(client, auth, cohort):
    auth.login(cohort.admin.email)
    page = client.get("/admin/certificates").get_data(as_text=True)
    assert "ana" in page and "dina" in page and "2 certificates." in page
    only_ng = client.get("/admin/certificates?country=NG").get_data(as_text=True)
    assert "dina@example.org" in only_ng and "ana@example.org" not in only_ng
    rows = _read_csv(client.get("/admin/certificates.csv"))
    assert rows[0][:3] == ["code", "name", "email"]
    assert sorted(r[2] for r in rows[1:]) == ["ana@example.org", "dina@example.org"]
    segments = _read_csv(client.get("/admin/certificates/by-organisation.csv"))
    assert sorted(segments[1:]) == [["Ministry A", "KE", "1", "0"], ["Ministry B", "NG", "1", "0"]]
    db.session.rollback()  # see what the requests wrote
    exports = db.session.scalars(sa.select(AuditEvent.target).where(AuditEvent.action == "report.export")).all()
    assert sorted(exports) == ["certificates", "certificates-by-organisation"]


def test_a_trainer_sees_only_the_certificates_of_their_groups(client, auth, cohort):
    auth.login(cohort.trainer_north.email)
    page = client.get("/admin/certificates").get_data(as_text=True)
    assert "ana@example.org" in page and "dina@example.org" not in page
    rows = _read_csv(client.get("/admin/certificates.csv"))
    assert [r[2] for r in rows[1:]] == ["ana@example.org"]
    assert client.get(f"/admin/certificates/{_certificate(cohort.ana).id}").status_code == 403


def test_revoking_needs_a_reason_and_is_audited(app, client, auth, cohort):
    auth.login(cohort.admin.email)
    certificate = _certificate(cohort.ana)
    url = f"/admin/certificates/{certificate.id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    empty = client.post(url, data={"csrf_token": token, "revoke-reason": " ", "revoke-submit": "1"})
    assert empty.status_code == 400 and "Give the reason" in empty.get_data(as_text=True)
    assert _certificate(cohort.ana).revoked_at is None
    done = client.post(
        url, data={"csrf_token": token, "revoke-reason": "Attended under another name", "revoke-submit": "1"}
    )
    assert done.status_code == 303
    assert _certificate(cohort.ana).revoked_reason == "Attended under another name"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certificate.revoke"))
    assert event is not None and event.actor_id == cohort.admin.id
    public = app.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Revoked" in public and "Attended under another name" not in public


def test_reissuing_after_a_name_correction_revokes_the_old_and_issues_a_new_one(app, client, auth, cohort):
    auth.login(cohort.admin.email)
    old = _certificate(cohort.dina)
    url = f"/admin/certificates/{old.id}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    done = client.post(url, data={"csrf_token": token, "reissue-name": "Dina Al-Masri", "reissue-submit": "1"})
    assert done.status_code == 303
    new = _certificate(cohort.dina)
    assert new.id != old.id and new.name == "Dina Al-Masri" and new.replaces_id == old.id
    assert new.mode == old.mode and new.completed_at == old.completed_at
    assert db.session.get(Certificate, old.id).revoked_at is not None
    assert db.session.get(User, cohort.dina.id).name == "Dina Al-Masri"
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certificate.reissue")) is not None
    anonymous = app.test_client()
    assert "Revoked" in anonymous.get(f"/verify/{old.code}").get_data(as_text=True)
    fresh = anonymous.get(f"/verify/{new.code}").get_data(as_text=True)
    assert "Valid" in fresh and "Dina Al-Masri" in fresh
