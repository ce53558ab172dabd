"""Certificates through the real HTTP interface: issued once on completion, the PDF read back
with pdftotext and its QR code decoded with zbarimg, the public verification page (valid,
revoked, unknown, rate-limited), and the Open Badges 3.0 credential checked with jwcrypto,
an implementation independent of the one that signs."""

from __future__ import annotations

import base64
import gzip
import json
import re
import shutil
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from jwcrypto import jwk, jws

from training import signing
from training.course import get_catalogue
from training.extensions import db
from training.models import AuditEvent, Certificate, User
from training.permissions import Actor
from training.services import certificates
from training.services.certificates import note_progress

from ..factories import alpha_answers, beta_answers, read_lesson, take_quiz
from ..helpers import get_csrf

pytestmark = pytest.mark.usefixtures("signing_key")


@pytest.fixture
def signing_key(app):
    return signing.create_key(app.config["ISSUER_KEYS_DIR"])


def _all_but_last_lesson(user: User) -> tuple[str, str]:
    """Pass every quiz and read every lesson but the last (recorded as older progress, without
    issuing); the last lesson, which the test marks read over HTTP."""
    from ..factories import at

    catalogue = get_catalogue()
    lessons = [(u.id, le.id) for u in catalogue.units for le in u.lessons]
    for unit_id, lesson_id in lessons[:-1]:
        read_lesson(user, unit_id, lesson_id, at(3, 1))
    assert take_quiz(user, "alpha-quiz", alpha_answers(True), at(3, 2)) == 1.0
    assert take_quiz(user, "beta-quiz", beta_answers(True), at(3, 2)) == 1.0
    return lessons[-1]


def _finish(client, user: User):
    unit_id, lesson_id = _all_but_last_lesson(user)
    token = get_csrf(client, f"/units/{unit_id}/{lesson_id}")
    return client.post(f"/units/{unit_id}/{lesson_id}/complete", data={"csrf_token": token})


def _certificates(user_id: int) -> list[Certificate]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Certificate).where(Certificate.user_id == user_id)))


def test_the_last_lesson_read_issues_a_certificate_and_leads_to_the_completion_page(client, login_as):
    user = login_as("learner", name="Amina Yusuf")
    client.get("/dashboard")
    assert _certificates(user.id) == []
    done = _finish(client, user)
    assert done.status_code == 303 and done.headers["Location"].endswith("/completed")
    page = client.get("/completed").get_data(as_text=True)
    assert "You have completed the course" in page
    assert "Download the certificate (PDF, A4)" in page
    [certificate] = _certificates(user.id)
    assert certificate.name == "Amina Yusuf" and certificate.mode == "online"
    assert len(certificate.code) == 20
    assert f"/verify/{certificate.code}" in page
    # Visiting again, or completing the lesson again, issues nothing more.
    client.get("/completed")
    token = get_csrf(client, "/dashboard")
    catalogue = get_catalogue()
    last = catalogue.units[-1]
    client.post(f"/units/{last.id}/{last.lessons[-1].id}/complete", data={"csrf_token": token})
    assert len(_certificates(user.id)) == 1


def test_the_completion_page_sends_an_incomplete_learner_to_their_progress(client, login_as):
    login_as("learner")
    response = client.get("/completed")
    assert response.status_code == 303 and response.headers["Location"].endswith("/dashboard")
    assert client.get("/certificate.pdf").status_code == 404


def test_a_certificate_is_frozen_when_issued(app, client, login_as):
    user = login_as("learner", name="Before Correction")
    _finish(client, user)
    db.session.get(User, user.id).name = "After Change"
    db.session.commit()
    [certificate] = _certificates(user.id)
    page = app.test_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Before Correction" in page and "After Change" not in page


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def _qr_codes(data: bytes, tmp_path: Path) -> list[str]:
    """Every QR code on the PDF's page, decoded by zbarimg (Debian's zbar-tools)."""
    pdf = tmp_path / "qr.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    done = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")], capture_output=True, text=True, check=False
    )
    return done.stdout.split()


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools: run make system-deps")
def test_the_certificate_pdf_prints_name_course_code_and_a_qr_code_of_the_verification_address(
    client, login_as, tmp_path
):
    user = login_as("learner", name="Nguyễn Thị Lan")
    _finish(client, user)
    [certificate] = _certificates(user.id)
    response = client.get("/certificate.pdf?paper=a4")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data, tmp_path)
    code = f"{certificate.code[:5]}-{certificate.code[5:10]}-{certificate.code[10:15]}-{certificate.code[15:]}"
    assert "Nguyễn Thị Lan" in text
    assert certificate.course_title in " ".join(text.split())
    assert code in text
    [decoded] = _qr_codes(response.data, tmp_path)
    assert decoded == f"http://localhost/verify/{certificate.code}"
    assert "Valid" in client.get(decoded.removeprefix("http://localhost")).get_data(as_text=True)
    # Stored: the same bytes the next time, whatever changes in between.
    assert client.get("/certificate.pdf?paper=a4").data == response.data
    letter = client.get("/certificate.pdf?paper=letter")
    assert letter.status_code == 200 and letter.data != response.data
    info = subprocess.run(["pdfinfo", "-"], input=letter.data, capture_output=True, check=True).stdout.decode()
    assert "792 x 612 pts" in info  # US Letter, landscape
    assert client.get("/certificate.pdf?paper=tabloid").status_code == 400


def test_names_with_markup_and_very_long_names_print_as_written(client, login_as, tmp_path):
    name = "<b>Bold</b> #emph[x] " + "Wolfeschlegelsteinhausenbergerdorff " * 3
    user = login_as("learner", name=name.strip()[:120])
    _finish(client, user)
    [certificate] = _certificates(user.id)
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page and "<b>Bold</b>" not in page
    text = " ".join(_pdf_text(client.get("/certificate.pdf").data, tmp_path).split())
    assert "<b>Bold</b> #emph[x]" in text
    info = subprocess.run(["pdfinfo", "-"], input=client.get("/certificate.pdf").data, capture_output=True, check=True)
    assert re.search(rb"^Pages:\s+1$", info.stdout, re.M)  # the long name is made to fit the one page


def test_verification_page_answers_valid_revoked_and_unknown(app, client, login_as):
    user = login_as("learner", name="Omar Haddad")
    _finish(client, user)
    [certificate] = _certificates(user.id)
    client.post("/logout", data={"csrf_token": get_csrf(client, "/dashboard")})
    anonymous = app.test_client()
    valid = anonymous.get(f"/verify/{certificate.code.lower()}")
    assert valid.status_code == 200
    body = valid.get_data(as_text=True)
    assert "Valid" in body and "Omar Haddad" in body and certificate.course_title in body
    assert user.email not in body
    unknown = anonymous.get("/verify/ABCDE-FGHJK-MNPQR-STVWX")
    assert unknown.status_code == 404 and "Unknown" in unknown.get_data(as_text=True)
    admin = _admin()
    certificates.revoke(Actor.of(admin, "127.0.0.1"), certificate.id, "Issued by mistake")
    revoked = anonymous.get(f"/verify/{certificate.code}")
    assert revoked.status_code == 200 and "Revoked" in revoked.get_data(as_text=True)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certificate.revoke")) is not None


def _admin() -> User:
    from ..factories import make_user

    return make_user(role="admin")


@pytest.mark.parametrize("app_overrides", [{"VERIFY_MAX_LOOKUPS": 3, "VERIFY_WINDOW": timedelta(minutes=10)}])
def test_looking_up_codes_is_rate_limited_per_address(client):
    for _ in range(3):
        assert client.get("/verify/ABCDE-FGHJK-MNPQR-STVWX").status_code == 404
    limited = client.get("/verify/ABCDE-FGHJK-MNPQR-STVWX")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def _public_key_set(client) -> jwk.JWKSet:
    keys = client.get("/.well-known/jwks.json").get_json()
    assert all("d" not in k for k in keys["keys"])  # never a private part
    return jwk.JWKSet.from_json(json.dumps(keys))


def _verified(token: str, key_set: jwk.JWKSet) -> dict:
    signed = jws.JWS()
    signed.deserialize(token)
    header = signed.jose_header
    kid = header["kid"].rsplit("#", 1)[1]
    signed.verify(key_set.get_key(kid), alg="EdDSA")
    return json.loads(signed.payload)


def test_the_badge_is_an_open_badges_3_credential_signed_with_the_published_key(client, login_as):
    user = login_as("learner", name="Sofía Ramírez")
    _finish(client, user)
    [certificate] = _certificates(user.id)
    token = client.get(f"/verify/{certificate.code}/badge.jwt").get_data(as_text=True)
    claims = _verified(token, _public_key_set(client))
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert claims["@context"][1].startswith("https://purl.imsglobal.org/spec/ob/v3p0/context")
    subject = claims["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"][0]["identityHash"] == "Sofía Ramírez"
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["criteria"]["narrative"]
    assert len(achievement["tag"]) == len(get_catalogue().units)
    assert claims["iss"] == claims["issuer"]["id"] and claims["jti"] == claims["id"]
    assert claims["id"] == f"http://localhost/verify/{certificate.code}"
    readable = client.get(f"/verify/{certificate.code}/badge.json").get_json()
    assert readable["credentialSubject"] == subject


def test_a_tampered_badge_fails_verification(client, login_as):
    user = login_as("learner", name="Real Name")
    _finish(client, user)
    [certificate] = _certificates(user.id)
    token = client.get(f"/verify/{certificate.code}/badge.jwt").get_data(as_text=True)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    key_set = _public_key_set(client)
    with pytest.raises(jws.InvalidJWSSignature):
        _verified(f"{header}.{forged}.{signature}", key_set)
    # A key of the same kind that the platform never published does not verify either.
    stranger = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    signed = jws.JWS()
    signed.deserialize(token)
    with pytest.raises(jws.InvalidJWSSignature):
        signed.verify(stranger, alg="EdDSA")


def _status_bit(client, key_set: jwk.JWKSet, index: int) -> int:
    claims = _verified(client.get("/credentials/status/1").get_data(as_text=True), key_set)
    encoded = claims["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    return (bits[index // 8] >> (7 - index % 8)) & 1


def test_after_revocation_the_badge_status_list_says_revoked(client, login_as):
    user = login_as("learner")
    _finish(client, user)
    [certificate] = _certificates(user.id)
    key_set = _public_key_set(client)
    claims = _verified(client.get(f"/verify/{certificate.code}/badge.jwt").get_data(as_text=True), key_set)
    status = claims["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    index = int(status["statusListIndex"])
    assert _status_bit(client, key_set, index) == 0
    certificates.revoke(Actor.of(_admin(), "127.0.0.1"), certificate.id, "Name spelled wrongly")
    assert _status_bit(client, key_set, index) == 1


def test_without_a_signing_key_the_badge_answers_503_and_the_key_set_is_empty(app, client, login_as, signing_key):
    signing_key.path.unlink()
    user = login_as("learner")
    _finish(client, user)
    [certificate] = _certificates(user.id)
    assert client.get(f"/verify/{certificate.code}/badge.jwt").status_code == 503
    assert client.get("/.well-known/jwks.json").get_json() == {"keys": []}


def test_two_simultaneous_completions_issue_one_certificate(app, login_as, client):
    user = login_as("learner")
    _all_but_last_lesson(user)
    catalogue = get_catalogue()
    last = catalogue.units[-1]
    lesson = last.lessons[-1]
    from training.services import learning

    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def complete() -> None:
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(
                    learning.record_lesson_read(user.id, last.id, lesson.id, lesson.version, catalogue=catalogue)
                )
            except Exception as exc:  # reported below
                outcomes.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(map(str, outcomes)) == ["False", "True"], outcomes
    assert len(_certificates(user.id)) == 1


def test_note_progress_issues_nothing_for_an_incomplete_course(app, login_as):
    user = login_as("learner")
    assert note_progress(get_catalogue(), user.id) is None
    assert _certificates(user.id) == []
