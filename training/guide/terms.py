"""The glossary and the references: every key term and source of the chosen units, once.

Terms and sources are compared and sorted ignoring case, accents, quotes, kinds of dash and
spacing, so the same term written two ways is listed once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..content.model import Lesson, Unit
from .labels import label


@dataclass(frozen=True, slots=True)
class Definition:
    text: str
    where: str
    """"Unit 1, lesson 1.2": where the definition comes from."""


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    term: str
    definitions: tuple[Definition, ...]
    anchor: str


@dataclass(frozen=True, slots=True)
class Reference:
    html: str
    units: tuple[int, ...]


def fold(text: str) -> str:
    """Case, accents, quotes, kinds of dash and spacing ignored: how terms are compared and sorted."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = re.sub(r"[\"'“”‘’«»*_]", "", plain)
    plain = re.sub(r"[\u2010-\u2015\u2212-]", "-", plain)  # hyphens and dashes alike
    return " ".join(plain.split()).strip(" .,:;")


def lesson_number(unit: Unit, lesson: Lesson) -> str:
    return f"{unit.order}.{unit.lessons.index(lesson) + 1}"


def glossary(units: Sequence[Unit]) -> tuple[GlossaryEntry, ...]:
    """Every key term of the units' lessons, sorted alphabetically (ignoring case, accents
    and quotes). A term defined in several lessons is listed once; identical definitions are
    merged, different ones are kept, each with the lesson it comes from."""
    entries: dict[str, tuple[str, list[Definition]]] = {}
    for unit in units:
        for lesson in unit.lessons:
            for key_term in lesson.key_terms:
                folded = fold(key_term.term)
                where = label("lesson", number=lesson_number(unit, lesson))
                term, definitions = entries.setdefault(folded, (key_term.term.strip(), []))
                same = next((d for d in definitions if fold(d.text) == fold(key_term.definition)), None)
                if same is None:
                    definitions.append(Definition(key_term.definition.strip(), where))
                elif where not in same.where.split(", "):
                    definitions[definitions.index(same)] = Definition(same.text, f"{same.where}, {where}")
    ordered = sorted(entries.items(), key=lambda item: (item[0], item[1][0]))
    found, anchors = [], set()
    for folded, (term, definitions) in ordered:
        anchor = base = "term-" + (re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "x")
        number = 1
        while anchor in anchors:  # "a-b" and "a b" fold apart but slug alike
            number += 1
            anchor = f"{base}-{number}"
        anchors.add(anchor)
        found.append(GlossaryEntry(term, tuple(definitions), anchor))
    return tuple(found)


def references(units: Sequence[Unit]) -> tuple[Reference, ...]:
    """Every source cited by the units' lessons, once, sorted, with the units that cite it."""
    found: dict[str, tuple[str, list[int]]] = {}
    for unit in units:
        for lesson in unit.lessons:
            for source in lesson.sources_html:
                key = fold(re.sub(r"<[^>]+>", "", source))
                html, cited_by = found.setdefault(key, (source, []))
                if unit.order not in cited_by:
                    cited_by.append(unit.order)
    return tuple(Reference(html, tuple(cited)) for _, (html, cited) in sorted(found.items()))
