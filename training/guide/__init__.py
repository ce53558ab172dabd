"""The trainer's guide, handouts and paper quizzes: a second renderer over the catalogue.

The public API, used by the web views and the ``training guide`` commands (no Flask here):

* what to print: :func:`select_units`, :func:`default_options`, :func:`plan_workshop`
  (:mod:`.workshop`, :mod:`.plan`);
* the guide as HTML for the ``/guide`` page: :func:`build_guide` (:mod:`.guide_html`);
* the PDFs: :func:`guide_pdf`, :func:`handout_pdf`, :func:`participant_handouts_pdf`,
  :func:`quiz_pdf`, each typeset from the data of :mod:`.documents` by the one PDF layer
  :func:`render_pdf` (:mod:`.pdf`, Typst), and kept in a shared store with
  :func:`cached_pdf` (:mod:`.pdfs`); a :class:`Document` (from :func:`document`,
  :func:`guide_variant` or :func:`unit_variant`) carries a PDF's key, the plain values that
  describe it (for the guide worker to make it again) and its build;
* the fonts' reach: :func:`missing_glyphs` (:mod:`.fonts`).

Module by module: ``plan`` (the workshop planner, pure), ``views`` (units, lessons, quizzes
as the guide shows them), ``terms`` (glossary and references), ``html`` (rewrites of
catalogue HTML for a shared page), ``render`` (the Jinja environment of the HTML guide),
``tree`` (HTML to the typesetter's data), ``labels`` (every printed label, one place).

What is trainer-only: every trainer block of the content (facilitator notes, discussion
questions, activities, handouts), the unit's workshop material (materials, key messages,
session plan) and the answer key. In the guide HTML all of it sits inside an element with
the class ``trainer-only``; in the PDF guide it is drawn in boxes marked "Trainer only";
learner documents (the handout) are built from learner HTML only, which never contains it.
"""

from __future__ import annotations

from .documents import source_files
from .fonts import MissingGlyph, missing_glyphs
from .guide_html import build_guide
from .pdfs import (
    Busy,
    Document,
    PdfKey,
    PdfStore,
    cached_pdf,
    default_documents,
    document,
    guide_pdf,
    guide_variant,
    handout_pdf,
    participant_handouts_pdf,
    pdf_key,
    quiz_pdf,
    unit_variant,
)
from .plan import Agenda, PlanError, WorkshopOptions, plan_workshop
from .terms import glossary, references
from .views import describe_step, quiz_view
from .workshop import UnknownUnit, default_options, select_units

__all__ = [
    "Agenda",
    "Busy",
    "Document",
    "MissingGlyph",
    "PdfKey",
    "PdfStore",
    "PlanError",
    "UnknownUnit",
    "WorkshopOptions",
    "build_guide",
    "cached_pdf",
    "default_documents",
    "document",
    "default_options",
    "describe_step",
    "glossary",
    "guide_variant",
    "guide_pdf",
    "handout_pdf",
    "missing_glyphs",
    "participant_handouts_pdf",
    "pdf_key",
    "plan_workshop",
    "quiz_pdf",
    "quiz_view",
    "references",
    "select_units",
    "source_files",
    "unit_variant",
]
