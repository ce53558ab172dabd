"""The figures (numbers and years) in a text, read the way its language writes them.

"1,500" in English, "1 500" in French and "1.500" in Spanish are the same figure, and so are
"3.6%" and "3,6 %". A translation must keep every figure of its source, so the checker reads
each text with its own language's decimal and group separators (from Babel's locale data,
in Latin and native digits) and compares values, not spellings.

Hand-written because no library finds numbers *inside* running text: Babel's
``parse_decimal`` reads one number that is already cut out. Where a run of digits and
separators is ambiguous the language decides: "1,500" is one thousand five hundred in
English and one and a half in French. Groups must be three digits after a first group of one
to three, so "in 2019 15 countries" stays two figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.numbers import get_decimal_symbol, get_group_symbol

SPACES = "\u0020\u00a0\u202f\u2009"
"""Space, no-break space, narrow no-break space (French), thin space: group separators everywhere."""
_SEPARATORS = SPACES + ".,'\u066b\u066c\u2019"
_RUN = re.compile(rf"(?<![\d\w])\d+(?:[{re.escape(_SEPARATORS)}]\d+)*")
_PERCENT = re.compile(rf"[{SPACES}]*%")

# Markdown that holds digits which are not figures: link targets, footnote labels, list
# numbers, attribute lists, code.
_NOT_TEXT = re.compile(
    r"\]\([^)]*\)"  # [text](target)
    r"|\[\^[^\]]*\]"  # footnote reference or definition label
    r"|<https?://[^>]*>|https?://\S+"  # bare links
    r"|\{[:#.][^}]*\}"  # attribute lists
    r"|`[^`]*`"  # inline code
    r"|^\s*\d+[.)](?=\s)",  # ordered-list numbers
    re.MULTILINE,
)


@dataclass(frozen=True, slots=True)
class Figure:
    value: Decimal
    text: str
    """As written, for messages."""


@dataclass(frozen=True, slots=True)
class Separators:
    decimal: frozenset[str]
    group: frozenset[str]


@cache
def separators(language: str) -> Separators:
    """The language's decimal and group symbols, in Latin digits and in its own numbering system."""
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse("en")
    decimal, group = set(), set(SPACES)
    for system in {"latn", locale.default_numbering_system, locale.other_numbering_systems.get("native", "latn")}:
        decimal.add(get_decimal_symbol(locale, numbering_system=system))
        group.add(get_group_symbol(locale, numbering_system=system))
    group -= decimal
    return Separators(frozenset(decimal), frozenset(group))


def figures(text: str, language: str) -> list[Figure]:
    """Every figure in ``text`` (Markdown), read with ``language``'s separators."""
    seps = separators(language)
    found: list[Figure] = []
    for run in _RUN.finditer(_NOT_TEXT.sub(" ", text)):
        found.extend(_read_run(run.group(0), seps))
    return found


def missing_figures(source: str, source_language: str, translation: str, language: str) -> list[Figure]:
    """The figures of ``source`` that ``translation`` does not contain, each once, in order."""
    present = {f.value for f in figures(translation, language)}
    text = _NOT_TEXT.sub(" ", translation)
    spellings = {run.group(0) for run in _RUN.finditer(text) if not _PERCENT.match(text, run.end())}
    target = separators(language)
    missing: dict[Decimal, Figure] = {}
    for figure in figures(source, source_language):
        if figure.value in present or _kept_as_reference(figure, spellings, target):
            continue
        missing.setdefault(figure.value, figure)
    return list(missing.values())


def _kept_as_reference(figure: Figure, spellings: set[str], target: Separators) -> bool:
    """A numbered reference such as "lesson 9.4" or "SDG target 10.7" is written the same in
    every language: the translation may keep the source's spelling when its own language cannot
    read that spelling as one (different) number and it is not a percentage. "1,500" kept in a
    French text is still refused (French reads it as one and a half), and so is "3.6 %"."""
    return figure.text in spellings and len(_read_run(figure.text, target)) > 1


def _read_run(run: str, seps: Separators) -> list[Figure]:
    """Split a run such as ``1,234.5`` or ``2019 15`` into the figures it holds."""
    pieces = re.split(f"([{re.escape(_SEPARATORS)}])", run)  # digits, separator, digits, ...
    found: list[Figure] = []
    index = 0
    while index < len(pieces):
        start, integer = index, pieces[index]
        index += 1
        if len(integer) <= 3:
            while index + 1 < len(pieces) and pieces[index] in seps.group and len(pieces[index + 1]) == 3:
                integer += pieces[index + 1]
                index += 2
        fraction = ""
        if index + 1 < len(pieces) and pieces[index] in seps.decimal:
            fraction = pieces[index + 1]
            index += 2
        found.append(Figure(_value(integer, fraction), "".join(pieces[start:index])))
        index += 1  # a separator that joined nothing
    return found


def _value(integer: str, fraction: str) -> Decimal:
    """Digits of any script (int() reads Arabic-Indic digits too) as one exact value."""
    value = Decimal(int(integer))
    if fraction:
        value += Decimal(int(fraction)) / (Decimal(10) ** len(fraction))
    return value.normalize()
