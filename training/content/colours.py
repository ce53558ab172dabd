"""The interface's colours from ``course.yaml``, checked for contrast before any page shows them.

Three roles, each optional (the platform's own colours stand in):

- ``main``: links, buttons, the borders of notes; also tinted lightly as the background of
  table headings and messages;
- ``dark``: the page header behind white text, and link hover;
- ``accent``: small labels above headings and the edge of examples.

Each is text or sits behind white text somewhere, so each must reach the WCAG 2.1 AA ratio for
normal text (4.5:1) against the page background, the white of cards, and the light tint of
``main`` it sits on in headings and messages. Colours are parsed and compared by
``coloraide`` (any CSS colour syntax; contrast as WCAG 2.1 defines it).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from coloraide import Color

ROLES = ("main", "dark", "accent")
DEFAULTS = {"main": "#0b4f8a", "dark": "#083a66", "accent": "#b84a12"}
PAGE_BACKGROUND = "#f4f6f9"
"""``--canvas`` in ``site.css``: the page behind every card."""
CARD_BACKGROUND = "#ffffff"
AA_NORMAL_TEXT = 4.5
TINT = 0.9
"""How much white goes into the light tint of ``main``."""


def parse(value: str) -> str | None:
    """The colour as ``#rrggbb``, or None if it is not a CSS colour (transparency refused)."""
    if not Color.match(value.strip(), fullmatch=True):
        return None
    colour = Color(value.strip())
    if colour.alpha() < 1:
        return None
    return str(colour.convert("srgb").fit().to_string(hex=True))


@lru_cache(maxsize=64)
def tint(main: str) -> str:
    return str(Color(main).mix(CARD_BACKGROUND, TINT, space="srgb").to_string(hex=True))


def palette(colours: Mapping[str, str]) -> dict[str, str]:
    """Every role's colour (the course's or the platform's), plus the tint of ``main``."""
    chosen = {role: colours.get(role) or DEFAULTS[role] for role in ROLES}
    return {**chosen, "tint": tint(chosen["main"])}


def contrast_problem(role: str, value: str, colours: Mapping[str, str]) -> str | None:
    """Why ``value`` cannot serve as ``role``: the lowest contrast it reaches and against what."""
    backgrounds = {
        f"the page background {PAGE_BACKGROUND}": PAGE_BACKGROUND,
        f"the card background {CARD_BACKGROUND}": CARD_BACKGROUND,
    }
    if role in ("main", "dark"):
        light = tint(colours.get("main") or DEFAULTS["main"])
        backgrounds[f"the light tint {light} of 'main'"] = light
    where, ratio = min(
        ((name, Color(value).contrast(bg, method="wcag21")) for name, bg in backgrounds.items()),
        key=lambda pair: pair[1],
    )
    if ratio >= AA_NORMAL_TEXT:
        return None
    return (
        f"colours: {role!r} {value} has a contrast of {ratio:.1f}:1 against {where}; "
        f"text needs at least {AA_NORMAL_TEXT}:1 (WCAG AA): choose a darker colour"
    )
