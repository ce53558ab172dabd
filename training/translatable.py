"""Translation for code that must not import Flask (the pure rules, charts, CSV reading).

``N_("Not started")`` marks a message for the catalogue and returns it unchanged: the code
that shows it translates it (``gettext(label)``; ``_(label)`` in a template). ``gettext``,
``ngettext`` and ``locale`` here answer in the language of the request being served once
:mod:`training.i18n` has installed itself; before that (plain scripts, unit tests) they
return the English message and the ``en`` locale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

NO_LANGUAGE = "none"
"""In filters: the people who chose no language (their browser's applies)."""


def N_(message: str) -> str:
    return message


@dataclass(slots=True)
class _Hooks:
    gettext: Callable[[str], str] = N_
    ngettext: Callable[[str, str, int], str] = lambda singular, plural, n: singular if n == 1 else plural
    locale: Callable[[], str] = lambda: "en"


_hooks = _Hooks()


def install(gettext: Callable[[str], str], ngettext: Callable[[str, str, int], str], locale: Callable[[], str]) -> None:
    """Called once by :func:`training.i18n.init_app`."""
    _hooks.gettext, _hooks.ngettext, _hooks.locale = gettext, ngettext, locale


def gettext(message: str, /, **values: object) -> str:
    text = _hooks.gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, /, **values: object) -> str:
    return _hooks.ngettext(singular, plural, n) % {"num": n, **values}


def locale() -> str:
    """The Babel locale to format numbers for (``fr``, ``en_001``)."""
    return _hooks.locale()
