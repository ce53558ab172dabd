"""A certificate of completion as a PDF: the stored facts of one certificate, drawn by the
``certificate`` Typst template through the one PDF layer (:func:`training.guide.pdf.render_pdf`),
in the certificate's language, on A4 or US Letter.

The QR code is an SVG made by segno, carrying the certificate's verification address. The
issuer's logo is read from the course folder and handed to the template as data (the
typesetter reads no file outside its templates). Names, titles and every other text reach
Typst as JSON strings, never as markup, so a name such as ``<b>`` or ``#emph[x]`` prints as
written.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import segno

from ..certificates import Mode, format_code, hours
from ..translatable import gettext
from .labels import label
from .pdf import Paper, render_pdf
from .render import format_edition


@dataclass(frozen=True, slots=True)
class CertificateData:
    """What the certificate prints: the stored facts, its address and the issuer's logo."""

    code: str
    name: str
    course_title: str
    language: str
    study_minutes: int
    mode: str
    units: Sequence[Mapping[str, Any]]
    issuer: Mapping[str, str]
    completed_at: datetime
    verify_url: str
    logo: Path | None = None


def qr_svg(url: str) -> str:
    """The address as a QR code in SVG (error correction M: survives a crease or a stain)."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", scale=4, border=4, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def _logo(path: Path | None) -> dict[str, object] | None:
    if path is None or not path.is_file():
        return None
    data = path.read_bytes()
    kind = path.suffix.lower().lstrip(".").replace("jpeg", "jpg")
    if kind == "svg":
        return {"format": "svg", "svg": data.decode("utf-8", "replace")}
    return {"format": kind, "bytes": list(data)}


def certificate_document(c: CertificateData) -> dict[str, object]:
    """The template's data, labels in the current language (the caller sets it to the
    certificate's)."""
    day = format_edition(c.completed_at.date().isoformat(), c.language)
    units = [
        {
            "label": label("unit_line", order=u["order"], title=u["title"]),
            "mode": gettext(Mode(u["mode"]).short),
        }
        for u in c.units
    ]
    return {
        "title": label("certificate_title", name=c.name),
        "author": c.issuer.get("name", ""),
        "name": c.name,
        "course": c.course_title,
        "completed": label("completed_on", date=day),
        "facts": [
            label("study_hours", hours=f"{hours(c.study_minutes):g}"),
            label("units_completed", count=len(c.units)),
        ],
        "mode": gettext(Mode(c.mode).label),
        "units": units,
        "issuer": {
            "name": c.issuer.get("name", ""),
            "url": c.issuer.get("url", ""),
            "signatory_name": c.issuer.get("signatory_name", ""),
            "signatory_title": c.issuer.get("signatory_title", ""),
        },
        "code": format_code(c.code),
        "verify_url": c.verify_url,
        "qr": qr_svg(c.verify_url),
        "qr_alt": label("qr_alt", url=c.verify_url),
        "logo": _logo(c.logo),
        "logo_alt": label("logo_alt", issuer=c.issuer.get("name", "")),
    }


def certificate_pdf(c: CertificateData, paper: Paper) -> bytes:
    return render_pdf("certificate", certificate_document(c), language=c.language, paper=paper)
