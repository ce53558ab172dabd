"""Certificates as plain rules: the verification code, how a course was completed, the hours
of study, and what a certificate says when it is issued (:func:`facts`).

No Flask and no database: :mod:`training.services.certificates` stores what these functions
return, so a certificate says what was true the day it was issued, whatever changes later.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from .content.model import Catalogue
from .progress import CourseProgress, Status
from .translatable import N_

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base 32: no I, L, O or U, so a code read aloud or typed from paper survives."""
CODE_LENGTH = 20
"""20 characters of 5 bits: 100 random bits, far beyond guessing (at a million tries a second,
finding one of a million certificates would take about 40 million years)."""
_READ_AS = {"O": "0", "I": "1", "L": "1"}
STATUS_LIST_SIZE = 131072
"""Positions in the published revocation list: 16 KB of bits, the smallest list the W3C
Bitstring Status List allows, so that one certificate's position says nothing about who holds it."""


class Mode(StrEnum):
    """How a unit, or the whole course, was completed."""

    ONLINE = "online"
    WORKSHOP = "workshop"
    BLENDED = "blended"

    @property
    def label(self) -> str:
        """In English; shown translated (``_(mode.label)``)."""
        return {
            "online": N_("Online: every lesson read and the unit quizzes passed"),
            "workshop": N_("In a workshop, confirmed by the trainer"),
            "blended": N_("Online and in a workshop"),
        }[self.value]

    @property
    def short(self) -> str:
        return {"online": N_("Online"), "workshop": N_("Workshop"), "blended": N_("Online and workshop")}[self.value]


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """``ABCDE-FGHJK-MNPQR-STVWX``: four groups of five, easy to read out and type."""
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


def normalise_code(text: str) -> str | None:
    """The code as stored, from what a person typed or a QR code carried (case, spaces and
    hyphens ignored, O read as 0, I and L as 1), or None if it cannot be a code."""
    if len(text) > 64:
        return None
    cleaned = "".join(_READ_AS.get(c, c) for c in text.upper() if c not in " -")
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned


def new_status_index() -> int:
    return secrets.randbelow(STATUS_LIST_SIZE)


def unit_mode(completed_by_trainer: bool) -> Mode:
    return Mode.WORKSHOP if completed_by_trainer else Mode.ONLINE


def course_mode(progress: CourseProgress) -> Mode:
    modes = {unit_mode(u.completed_by_trainer) for u in progress.units}
    return modes.pop() if len(modes) == 1 else Mode.BLENDED


def study_minutes(catalogue: Catalogue) -> int:
    """The course's hours of study, as the content gives them: the units' durations."""
    return sum(unit.duration for unit in catalogue.units)


def hours(minutes: int) -> float:
    """Hours to the nearest half hour, as a certificate prints them."""
    return round(minutes / 30) / 2


@dataclass(frozen=True, slots=True)
class Facts:
    """What a certificate says, fixed the moment it is issued."""

    name: str
    course_id: str
    course_title: str
    language: str
    study_minutes: int
    mode: Mode
    units: tuple[dict[str, Any], ...]
    issuer: dict[str, str]
    content_version: str
    completed_at: datetime


def facts(catalogue: Catalogue, progress: CourseProgress, name: str, now: datetime) -> Facts:
    """The certificate of a complete course: ``catalogue`` is the course in the language the
    certificate is issued in."""
    if progress.status != Status.COMPLETE:
        raise ValueError("the course is not complete")
    course = catalogue.course
    units = tuple(
        {
            "id": unit.id,
            "order": unit.order,
            "title": unit.title,
            "minutes": unit.duration,
            "mode": unit_mode(up.completed_by_trainer).value,
        }
        for unit, up in zip(catalogue.units, progress.units, strict=True)
    )
    issuer = {
        "name": course.issuer_name,
        "url": course.issuer_url,
        "signatory_name": course.signatory_name,
        "signatory_title": course.signatory_title,
        "logo": course.logo.name if course.logo else "",
    }
    return Facts(
        name=name,
        course_id=course.id,
        course_title=course.name,
        language=catalogue.language,
        study_minutes=study_minutes(catalogue),
        mode=course_mode(progress),
        units=units,
        issuer=issuer,
        content_version=catalogue.version,
        completed_at=progress.completed_at or now,
    )
