"""Figures must survive translation: the same value however each language writes it.

Babel's own number formatting is the independent side: whatever it writes for a value in
English, French, Spanish or Arabic (Latin or Arabic-Indic digits) must read back as that value.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal, format_percent
from hypothesis import given
from hypothesis import strategies as st

from training.content.figures import figures, missing_figures


def values(text: str, language: str) -> list[Decimal]:
    return [f.value for f in figures(text, language)]


@pytest.mark.parametrize(
    ("english", "translation", "language"),
    [
        ("1,500 people", "1 500 personnes", "fr"),
        ("1,500 people", "1\u202f500 personnes", "fr"),
        ("1,500 people", "1\u00a0500 personnes", "fr"),
        ("1,500 people", "1.500 personas", "es"),
        ("1,500 people", "1 500 personas", "es"),
        ("3.6% of them", "3,6 % d'entre elles", "fr"),
        ("3.6% of them", "el 3,6 % de ellas", "es"),
        ("281 million in 2020", "281 millions en 2020", "fr"),
        ("USD 656 billion in 2023", "656 milliards USD en 2023", "fr"),
        ("12,345,678.5", "12.345.678,5", "es"),
        ("304 million in 2024", "٣٠٤ ملايين في عام ٢٠٢٤", "ar"),
        ("1,234.5", "1٬234٫5", "ar"),
    ],
)
def test_the_same_figure_written_the_way_each_language_writes_it(english: str, translation: str, language: str):
    assert missing_figures(english, "en", translation, language) == []


@pytest.mark.parametrize(
    ("english", "translation", "language", "missing"),
    [
        ("1,500 people", "1,500 personnes", "fr", ["1,500"]),  # French reads that as one and a half
        ("3.6% of them", "3.6 % d'entre elles", "fr", ["3.6"]),
        ("1,500 people", "1,500 personas", "es", ["1,500"]),
        ("1,500 people", "15 000 personnes", "fr", ["1,500"]),
        ("in 1951 and 1967", "en 1951", "fr", ["1967"]),
        ("12 months", "douze mois", "fr", ["12"]),
        # the figure is kept as the source writes it: "milliards", not a new scale
        ("USD 656 billion", "656 000 millions USD", "fr", ["656"]),
    ],
)
def test_a_lost_or_misread_figure_is_missing(english: str, translation: str, language: str, missing: list[str]):
    assert [f.text for f in missing_figures(english, "en", translation, language)] == missing


def test_groups_are_three_digits_so_neighbouring_figures_stay_apart():
    assert values("in 2019 15 countries", "fr") == [Decimal(2019), Decimal(15)]
    assert values("between 1990, 2000 and 2020", "en") == [Decimal(1990), Decimal(2000), Decimal(2020)]
    assert values("1,5", "en") == [Decimal(1), Decimal(5)]


def test_markdown_numbers_that_are_not_figures_are_ignored():
    text = "1. See [the lesson](../02-trends/01-how-many.md)[^3] and `v2` {#s-4} <https://example.org/2024>"
    assert values(text, "en") == []


@given(
    st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(["en", "fr", "es", "ar"]),
)
def test_any_value_babel_writes_reads_back(value: Decimal, language: str):
    written = format_decimal(value, locale=language, decimal_quantization=False)
    assert value.normalize() in values(f"Some {written} people", language), written


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_arabic_indic_digits_read_back(value: Decimal):
    written = format_decimal(value, locale="ar", numbering_system="arab", decimal_quantization=False)
    assert value.normalize() in values(written, "ar"), written


@given(st.integers(min_value=0, max_value=1000), st.sampled_from(["en", "fr", "es"]))
def test_percentages_read_back(tenths: int, language: str):
    written = format_percent(Decimal(tenths) / 1000, "#,##0.0%", locale=language)
    assert (Decimal(tenths) / 10).normalize() in values(written, language), written


@pytest.mark.parametrize(
    ("english", "translation", "language"),
    [
        ("see lesson 9.4", "voir la leçon 9.4", "fr"),
        ("SDG target 10.7", "cible 10.7 des objectifs de développement durable", "fr"),
        ("SDG target 10.7", "la meta 10.7 de los Objetivos de Desarrollo Sostenible", "es"),
    ],
)
def test_a_numbered_reference_may_keep_its_spelling(english: str, translation: str, language: str):
    assert missing_figures(english, "en", translation, language) == []
