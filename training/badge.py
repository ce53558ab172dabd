"""Open Badges 3.0 credentials as plain data: what a certificate says, in the W3C Verifiable
Credentials data model (2.0) as 1EdTech's Open Badges 3.0 specifies it, and the revocation
list that tells verifiers which credentials are revoked.

No Flask and no database: the view hands in the certificate's stored facts and the site's
address; :mod:`training.signing` signs the result as a VC-JWT (Open Badges 3.0, section 8.2:
the JWT payload is the credential, with ``iss``, ``jti``, ``nbf`` and ``sub`` repeating its
issuer, id, start of validity and subject).

Revocation is published as a W3C Bitstring Status List (one bit per certificate, at a random
position, in a list of 131,072 bits), itself a signed credential: a verifier learns whether
one credential is revoked without the list naming anyone.
"""

from __future__ import annotations

import base64
import gzip
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .certificates import STATUS_LIST_SIZE, Mode, hours
from .translatable import gettext

CONTEXTS = ("https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json")
STATUS_LIST_PATH = "/credentials/status/1"


@dataclass(frozen=True, slots=True)
class Issued:
    """The stored facts of one certificate that its badge repeats."""

    code: str
    name: str
    course_id: str
    course_title: str
    language: str
    study_minutes: int
    mode: str
    units: Sequence[Mapping[str, Any]]
    issuer: Mapping[str, str]
    completed_at: datetime
    issued_at: datetime
    status_index: int


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def credential(issued: Issued, base_url: str, verify_url: str) -> dict[str, Any]:
    """The OpenBadgeCredential of one certificate (texts in the certificate's language,
    translated by the caller's language context)."""
    base = base_url.rstrip("/")
    issuer = _profile(issued.issuer, base)
    unit_lines = [
        gettext(
            "Unit %(order)s: %(title)s (%(how)s)",
            order=u["order"],
            title=u["title"],
            how=gettext(Mode(u["mode"]).short),
        )
        for u in issued.units
    ]
    hours_text = f"{hours(issued.study_minutes):g}"
    criteria = " ".join(
        [
            gettext(
                "Complete all %(count)s units of the course (%(hours)s hours of study): read every lesson and "
                "pass each unit's quiz online, or take part in the unit's workshop session, confirmed by the trainer.",
                count=len(issued.units),
                hours=hours_text,
            ),
            *unit_lines,
        ]
    )
    return {
        "@context": list(CONTEXTS),
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": issued.course_title,
        "description": gettext("Certificate of completion of the course “%(course)s”.", course=issued.course_title),
        "issuer": issuer,
        "validFrom": iso(issued.issued_at),
        "credentialSubject": {
            "id": subject_id(verify_url),
            "type": ["AchievementSubject"],
            "activityEndDate": iso(issued.completed_at),
            "identifier": [
                {"type": "IdentityObject", "identityHash": issued.name, "identityType": "name", "hashed": False}
            ],
            "narrative": gettext(Mode(issued.mode).label),
            "achievement": {
                "id": f"{base}/achievements/{issued.course_id}",
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": issued.course_title,
                "description": gettext(
                    "The course “%(course)s”: %(count)s units, %(hours)s hours of study.",
                    course=issued.course_title,
                    count=len(issued.units),
                    hours=hours_text,
                ),
                "criteria": {"narrative": criteria},
                "tag": [u["title"] for u in issued.units],
                "inLanguage": issued.language,
                "creator": issuer,
            },
        },
        "credentialStatus": {
            "id": f"{base}{STATUS_LIST_PATH}#{issued.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(issued.status_index),
            "statusListCredential": f"{base}{STATUS_LIST_PATH}",
        },
    }


def _profile(issuer: Mapping[str, str], base: str) -> dict[str, Any]:
    profile: dict[str, Any] = {"id": f"{base}/", "type": ["Profile"], "name": issuer["name"]}
    if issuer.get("url"):
        profile["url"] = issuer["url"]
    return profile


def subject_id(verify_url: str) -> str:
    """A stable identifier of the holder, made from the certificate (never the email)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, verify_url)}"


def jwt_claims(document: Mapping[str, Any]) -> dict[str, Any]:
    """The VC-JWT payload: the credential with the registered claims that repeat it."""
    valid_from = datetime.fromisoformat(document["validFrom"].replace("Z", "+00:00"))
    issuer = document["issuer"]
    return {
        **document,
        "iss": issuer["id"] if isinstance(issuer, Mapping) else issuer,
        "jti": document["id"],
        "nbf": int(valid_from.timestamp()),
        "sub": document["credentialSubject"]["id"],
    }


def encoded_list(revoked: Iterable[int], size: int = STATUS_LIST_SIZE) -> str:
    """The bitstring (index 0 the first byte's most significant bit), GZIP-compressed and
    written as a multibase base64url string, as the Bitstring Status List asks."""
    bits = bytearray(size // 8)
    for index in revoked:
        if 0 <= index < size:
            bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def status_list_credential(
    revoked: Iterable[int], base_url: str, issuer: Mapping[str, str], now: datetime
) -> dict[str, Any]:
    base = base_url.rstrip("/")
    url = f"{base}{STATUS_LIST_PATH}"
    return {
        "@context": [CONTEXTS[0]],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": _profile(issuer, base),
        "validFrom": iso(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(revoked),
        },
    }
