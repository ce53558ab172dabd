"""The PDFs the platform makes, each typeset once per version and kept in a shared store.

``*_pdf`` functions typeset a document (about 3 s for the whole 300-page guide, a tenth of
a second for a handout or a paper quiz); ``cached_pdf`` serves one from a :class:`PdfStore`
(the database table of :mod:`training.services.guide_pdfs`, shared by every app server) and
typesets it only when it is not there yet, within the limits on builds in flight:

* one build per document at a time across all servers: a request for a document that
  another server is typesetting waits for it instead of typesetting it again;
* at most a few builds at once in the whole cluster, and per person; beyond that the
  caller gets :class:`Busy` (the web answers 503 or 429 with ``Retry-After``).

A document's key holds everything that shapes it: its kind and options, the content
version, the language, the paper size, and a digest of the templates and of this package's
code, so a changed template or a new release never serves an old PDF.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cache, partial
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from ..content.model import Catalogue, Unit
from .documents import guide_document, handout_document, participant_handouts_document, quiz_document
from .plan import WorkshopOptions, plan_workshop
from .render import TEMPLATES_DIR
from .workshop import default_options, select_units

TYPST_TEMPLATES = TEMPLATES_DIR / "typst"


class Busy(Exception):
    """Too many PDFs are being typeset right now (``scope``: "user" or "all")."""

    def __init__(self, scope: str, retry_after: int = 5):
        super().__init__(scope)
        self.scope = scope
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class PdfKey:
    digest: str
    kind: str
    content_version: str
    language: str


class PdfStore(Protocol):
    """Where built PDFs are kept and who may typeset one."""

    def get(self, key: PdfKey) -> bytes | None: ...

    def put(self, key: PdfKey, data: bytes) -> None: ...

    def building(self, key: PdfKey, user: str | None) -> AbstractContextManager[bool]:
        """Take a place to typeset ``key``: ``True`` if this caller should typeset it,
        ``False`` if another caller is typesetting it already. Raises :class:`Busy` when the
        limits are reached. The place is given back when the block ends."""
        ...


@cache
def code_version() -> str:
    """A digest of every template, font list and module that shapes a PDF."""
    digest = hashlib.sha256(metadata.version("typst").encode())
    code = Path(__file__).resolve().parent
    for path in sorted([*TYPST_TEMPLATES.glob("*.typ"), *code.glob("*.py")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def pdf_key(catalogue: Catalogue, kind: str, language: str | None = None, **parts: object) -> PdfKey:
    language = language or catalogue.language
    text = json.dumps(
        {
            "kind": kind,
            "content": catalogue.version,
            "images": sorted(catalogue.images),  # fingerprinted names: they change with the bytes
            "code": code_version(),
            "language": language,
            **parts,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return PdfKey(hashlib.sha256(text.encode()).hexdigest()[:40], kind, catalogue.version, language)


def cached_pdf(
    store: PdfStore,
    key: PdfKey,
    build: Callable[[], bytes],
    *,
    user: str | None = None,
    wait: float = 30.0,
    poll: float = 0.2,
) -> bytes:
    """The stored PDF for ``key``, typeset with ``build`` first if nobody has yet."""
    deadline = time.monotonic() + wait
    while True:
        data = store.get(key)
        if data is not None:
            return data
        with store.building(key, user) as mine:
            if mine:
                data = store.get(key)  # finished by another server just now
                if data is None:
                    data = build()
                    store.put(key, data)
                return data
        if time.monotonic() > deadline:  # another server's build is taking too long
            raise Busy("same", retry_after=5)
        time.sleep(poll)


# --- the documents -----------------------------------------------------------------------


def _typeset(template: str, data: Mapping[str, object], language: str) -> bytes:
    from .pdf import render_pdf  # the typesetter loads only when a PDF is made

    return render_pdf(template, data, language=language)


def guide_pdf(
    catalogue: Catalogue, units: Sequence[Unit] | None = None, options: WorkshopOptions | None = None
) -> bytes:
    """The trainer's guide for the chosen units (all by default) and workshop options."""
    chosen = tuple(units) if units is not None else catalogue.units
    agenda = plan_workshop(chosen, options or default_options(catalogue))
    return _typeset("guide", guide_document(catalogue, chosen, agenda), catalogue.language)


def handout_pdf(catalogue: Catalogue, unit: Unit) -> bytes:
    """A unit's lessons for learners, with key terms and sources: no trainer material."""
    return _typeset("handout", handout_document(catalogue, unit), catalogue.language)


def participant_handouts_pdf(catalogue: Catalogue, unit: Unit) -> bytes:
    return _typeset("handouts", participant_handouts_document(catalogue, unit), catalogue.language)


def quiz_pdf(catalogue: Catalogue, unit: Unit, *, answer_key: bool) -> bytes:
    return _typeset("quiz", quiz_document(catalogue, unit, answer_key=answer_key), catalogue.language)


@dataclass(frozen=True)
class Document:
    """A PDF to make: its key, the plain values that describe it (``kind`` and the other
    parts of its key, JSON-serialisable, so another process can make it again with
    :func:`document`), and the function that typesets it."""

    key: PdfKey
    parts: Mapping[str, object]
    build: Callable[[], bytes]


UNIT_DOCUMENTS: Mapping[str, Callable[[Catalogue, Unit], bytes]] = {
    "handout": handout_pdf,
    "participant-handouts": participant_handouts_pdf,
    "quiz-sheet": partial(quiz_pdf, answer_key=False),
    "quiz-key": partial(quiz_pdf, answer_key=True),
}


def document(catalogue: Catalogue, kind: str, **parts: Any) -> Document:
    """The document of ``kind`` described by ``parts``: ``units`` (ids) and ``options``
    (:meth:`WorkshopOptions.key`) for the guide, ``unit`` (an id) for the others. Raises
    KeyError for an unknown kind or unit, PlanError for options that make no day."""
    build: Callable[[], bytes]
    if kind == "guide":
        units = select_units(catalogue, parts["units"])
        build = partial(guide_pdf, catalogue, units, WorkshopOptions(**parts["options"]))
    else:
        build = partial(UNIT_DOCUMENTS[kind], catalogue, catalogue.unit(parts["unit"]))
    return Document(pdf_key(catalogue, kind, **parts), {"kind": kind, **parts}, build)


def guide_variant(catalogue: Catalogue, units: Sequence[Unit], options: WorkshopOptions) -> Document:
    return document(catalogue, "guide", units=[u.id for u in units], options=options.key())


def unit_variant(catalogue: Catalogue, kind: str, unit: Unit) -> Document:
    return document(catalogue, kind, unit=unit.id)


def default_documents(catalogue: Catalogue) -> Iterator[Document]:
    """Every document a deploy should have ready: the whole guide with the course's
    workshop defaults, and each unit's handouts and paper quizzes."""
    yield guide_variant(catalogue, catalogue.units, default_options(catalogue))
    for unit in catalogue.units:
        yield unit_variant(catalogue, "handout", unit)
        yield unit_variant(catalogue, "participant-handouts", unit)
        if catalogue.quiz_for_unit(unit.id) is not None:
            yield unit_variant(catalogue, "quiz-sheet", unit)
            yield unit_variant(catalogue, "quiz-key", unit)
