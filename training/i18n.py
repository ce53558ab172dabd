"""Which language answers, and everything shown in it: the one place that decides.

The language a person reads in, in order:

1. ``?lang=xx`` on this request (any page): it answers in that language, remembers it for
   the browser in a cookie, and saves it as a signed-in person's preference;
2. the signed-in person's preference (``User.language``, set at registration and on the
   account page);
3. the language this browser chose before (the cookie);
4. the browser's ``Accept-Language``;
5. the course default (``DEFAULT_LANGUAGE``).

A person may choose an interface language (``LANGUAGES``, each with a message catalogue) or
a language the course itself is written in (its source and the translations it declares):
a course may ship a translation the interface has no catalogue for. A value that names
neither is ignored at every step, so a bad ``?lang=``, cookie or header falls through to the
next one and never fails.

Two languages follow from the choice. The course is read in it (:func:`course_language`;
``training.course.get_course()`` gives the catalogue in it). The interface (messages, dates,
numbers, ``<html lang dir>``) answers in it when it is an interface language, and otherwise
in the browser's best interface language, else the default (:func:`current_language`): the
page is then, say, English with the course's Arabic text marked ``lang="ar" dir="rtl"``.

Messages come from the catalogues in ``training/translations`` (``make messages`` updates
them; see docs/translating.md); dates, numbers, percentages and country names are formatted
for the language by Babel. Code that renders outside a request (the command line, the
trainer's guide) uses :func:`translations_for` and :func:`language_for_cli`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pycountry
import pytz
from babel import Locale, UnknownLocaleError
from babel.core import default_locale
from babel.dates import format_skeleton
from babel.support import NullTranslations, Translations
from flask import Flask, Request, current_app, g, has_app_context, has_request_context, request
from flask_babel import (
    Babel,
    force_locale,
    get_babel,
    get_locale,
    get_timezone,
    get_translations,
    lazy_gettext,
    refresh,
)
from flask_babel import format_date as babel_format_date
from flask_babel import format_datetime as babel_format_datetime
from flask_babel import format_decimal as babel_format_decimal
from flask_babel import format_percent as babel_format_percent
from flask_login import current_user
from pyuca import Collator
from werkzeug import Response

from . import translatable
from .context import the_app, the_g, the_person, the_request
from .translatable import N_, NO_LANGUAGE

__all__ = [
    "NO_LANGUAGE",
    "N_",
    "gettext",
    "lazy_gettext",
    "ngettext",
    "force_locale",
    "current_language",
    "translations_for",
    "language_for_cli",
]

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
LANGUAGE_PARAM = "lang"
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600

babel = Babel()


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        default_locale=app.config["DEFAULT_LANGUAGE"],
        default_translation_directories=str(TRANSLATIONS_DIR),
        locale_selector=select_language,
        timezone_selector=select_time_zone,
    )
    translatable.install(_translate, _translate_plural, lambda: str(get_locale() or "en"))
    # Flask-Babel's own callables, with the catalogue looked up once per request and locale:
    # a course map asks for some 240 messages.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=_translate,
        ngettext=_translate_plural,
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.before_request(take_requested_language)
    app.after_request(remember_language)
    env = app.jinja_env
    env.globals.update(
        current_language=current_language,
        course_language=course_language,
        text_direction=text_direction,
        language_choices=language_choices,
        switch_url=switch_url,
        time_zone_name=time_zone_name,
    )
    env.filters.update(
        date=format_moment,
        month=format_month,
        minutes=format_minutes,
        number=format_number,
        pct=format_percent,
        country=country_name,
        language_name=language_name,
        role=role_name,
    )


_MEMO = "training_translations"


def _translations() -> NullTranslations:
    """Flask-Babel's ``get_translations()``, remembered beside the locale it was found for.
    Flask-Babel finds it again for every message (several context look-ups each time); the
    locale object changes under ``force_locale`` and ``refresh()``, and then it is found again."""
    if has_app_context():
        state = the_g().get("_flask_babel")
        memo = getattr(state, _MEMO, None)
        if memo is not None and memo[0] is getattr(state, "babel_locale", None):
            return memo[1]
    translations = get_translations()
    if has_app_context():
        state = the_g().get("_flask_babel")
        locale = getattr(state, "babel_locale", None)
        if locale is not None:
            setattr(state, _MEMO, (locale, translations))
    return translations


def gettext(string: str, **variables: object) -> str:
    """Flask-Babel's ``gettext`` (the message in this request's language, ``%(name)s``
    filled in), with the catalogue found once per request (:func:`_translations`)."""
    message = _translations().ugettext(string)
    return message % variables if variables else message


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    """Flask-Babel's ``ngettext``: the form for ``num`` (``%(num)d`` filled in)."""
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def _translate(message: str) -> str:
    return _translations().ugettext(message)


def _translate_plural(singular: str, plural: str, n: int) -> str:
    return _translations().ungettext(singular, plural, n)


# --- choosing -----------------------------------------------------------------------------


def offered() -> tuple[str, ...]:
    """The languages the interface answers in (``LANGUAGES``), the default first among equals."""
    return tuple(the_app().config["LANGUAGES"])


def readable() -> tuple[str, ...]:
    """Every language a person may choose: the interface's, then the other languages the
    course is written in (read with the interface in another language)."""
    from .course import get_catalogue

    offered_now, written = offered(), get_catalogue().languages
    known = _readable.get((offered_now, written))
    if known is None:  # asked several times per request: worked out once per app's settings
        known = _readable[(offered_now, written)] = tuple(dict.fromkeys((*offered_now, *written)))
    return known


_readable: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[str, ...]] = {}


def _match(value: str | None, languages: tuple[str, ...]) -> str | None:
    """``value`` if it names one of ``languages`` (``fr``, ``FR``, ``fr-CA`` → ``fr``), else None."""
    if not value:
        return None
    value = value.strip().replace("_", "-").lower()[:35]
    if value in languages:
        return value
    primary = value.split("-", 1)[0]
    return primary if primary in languages else None


def offered_language(value: str | None) -> str | None:
    """``value`` if it names an interface language, else None."""
    return _match(value, offered()) if value else None


def readable_language(value: str | None) -> str | None:
    """``value`` if it names a language a person may choose (:func:`readable`), else None."""
    return _match(value, readable()) if value else None  # most values looked at are absent


def select_language() -> Locale:
    """Flask-Babel's locale selector: the interface language of this request (see the module's
    docstring), as Babel's locale (``pt_BR`` for ``pt-BR``), parsed once: Flask-Babel takes a
    locale as it is, where it would parse a name on every request."""
    return _locale(interface_language(choose_language()))


def interface_language(chosen: str) -> str:
    """The language the interface answers in for a person who chose ``chosen``: that one when
    the interface speaks it, else the browser's best interface language, else the default."""
    if chosen in offered():
        return chosen
    best = request.accept_languages.best_match(offered()) if has_request_context() else None
    return best or current_app.config["DEFAULT_LANGUAGE"]


def course_language() -> str:
    """The language the course is read in on this request: the person's choice, which may be
    a language only the course speaks (``training.course.get_course()`` reads this). Outside a
    request, the terminal's language."""
    return choose_language()


def choose_language() -> str:
    if not has_request_context():
        return language_for_cli()
    state = the_g()
    requested = state.get("requested_language")
    if requested:
        return str(requested)
    # Asked for every piece of course text on a page (some 70 on the course map): remembered
    # for the request and the person it was worked out for (signing in changes it).
    person = the_person(state)
    preference = getattr(person, "language", None)
    environ = the_request().environ
    remembered = environ.get(_CHOSEN)
    if remembered is not None and remembered[0] is person and remembered[1] == preference:
        return str(remembered[2])
    chosen = _chosen_by(person)
    environ[_CHOSEN] = (person, preference, chosen)
    return chosen


_CHOSEN = "training.chosen_language"


def _chosen_by(person: Any) -> str:
    if person.is_authenticated:
        preferred = readable_language(person.language)
        if preferred:
            return preferred
    return language_without_account()


def language_without_account() -> str:
    """The language from the request alone (``?lang=``, cookie, browser, default), without
    looking up the signed-in person: for answers that must not touch the database."""
    requested = the_g().get("requested_language")
    if requested:
        return str(requested)
    # Asked dozens of times per page (every piece of course text checks its language); the
    # query, cookie and headers it reads cannot change during a request, so once is enough.
    # Kept in the request's environ, not in ``g``, which may outlive one request.
    current = the_request()
    environ = current.environ
    found = environ.get(_FROM_REQUEST)
    if found is None:
        found = environ[_FROM_REQUEST] = _language_from_request(current)
    return str(found)


_FROM_REQUEST = "training.language_from_request"


def _language_from_request(current: Request) -> str:
    # The environ is looked at first: most requests have no query and many no
    # Accept-Language, and parsing an absent one still costs.
    environ = current.environ
    requested = readable_language(current.args.get(LANGUAGE_PARAM)) if environ.get("QUERY_STRING") else None
    if requested:
        return requested
    remembered = readable_language(current.cookies.get(LANGUAGE_COOKIE))
    if remembered:
        return remembered
    best = current.accept_languages.best_match(readable()) if environ.get("HTTP_ACCEPT_LANGUAGE") else None
    return best or the_app().config["DEFAULT_LANGUAGE"]


def take_requested_language() -> None:
    """``?lang=`` on any page: answer in it; a signed-in person keeps it as their preference."""
    current = the_request()
    if not current.environ.get("QUERY_STRING"):
        return
    requested = readable_language(current.args.get(LANGUAGE_PARAM))
    if requested is None:
        return
    g.requested_language = requested
    if current_user.is_authenticated and current_user.language != requested:
        from .services import accounts

        accounts.set_language(current_user.id, requested)


def choose(language: str | None) -> None:
    """Answer the rest of this request in ``language`` and remember it for the browser."""
    language = readable_language(language)
    if language:
        g.requested_language = language
        refresh()


def remember_language(response: Response) -> Response:
    current = the_request()
    requested = the_g().get("requested_language")
    if requested and current.cookies.get(LANGUAGE_COOKIE) != requested:
        config = the_app().config
        response.set_cookie(
            LANGUAGE_COOKIE,
            requested,
            max_age=LANGUAGE_COOKIE_MAX_AGE,
            secure=config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    if current.endpoint != "static":
        vary(response, "Accept-Language", "Cookie")
    return response


def vary(response: Response, *names: str) -> None:
    """``response.vary.update(names)``, written directly in the usual case (no header yet, or
    a plain list of names) instead of parsing the header into a set and writing it back."""
    headers = response.headers
    present = headers.get("Vary", "") if "Vary" in headers else ""
    if '"' in present:
        response.vary.update(names)
        return
    listed = [name.strip() for name in present.split(",") if name.strip()]
    known = {name.lower() for name in listed}
    added = [name for name in names if name.lower() not in known]
    if added:
        headers["Vary"] = ", ".join([*listed, *added])


def import_language(raw: str) -> str | None:
    """A language from an import file: a code (``fr``) or the language's name in English or in
    itself ("French", "Français"); "" for blank; None when it names no language a person may
    choose."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    code = readable_language(raw)
    if code:
        return code
    wanted = raw.casefold()
    for code in readable():
        names = {language_name(code), _locale(code).get_display_name("en") or ""}
        if wanted in {name.casefold() for name in names}:
            return code
    return None


def current_language() -> str:
    """The language of what is being rendered now (``fr``), in a request or under ``force_locale``."""
    if has_request_context():
        # Flask-Babel's choice (or the one ``force_locale`` imposes), else the one it would
        # make (:func:`select_language`), without its several look-ups on the way.
        locale = getattr(the_g().get("_flask_babel"), "babel_locale", None) or select_language()
    else:
        locale = get_locale()
    if locale is None:
        return str(the_app().config["DEFAULT_LANGUAGE"])
    name = _names.get(locale)
    if name is None:  # Babel works the name out again on every ``str()``
        name = _names[locale] = str(locale).replace("_", "-")
    return name


_names: dict[Locale, str] = {}


def language_for_cli() -> str:
    """The command line speaks the language of the terminal (``LANGUAGE``, ``LC_ALL``,
    ``LC_MESSAGES``, ``LANG``) when it is offered, else the course default."""
    return offered_language(default_locale("LC_MESSAGES")) or current_app.config["DEFAULT_LANGUAGE"]


@contextmanager
def cli_language() -> Iterator[str]:
    """Run command-line output in the terminal's language."""
    language = language_for_cli()
    with force_locale(language.replace("-", "_")):
        yield language


# --- describing ---------------------------------------------------------------------------


@cache
def _locale(code: str) -> Locale:
    try:
        return Locale.parse(code, sep="-") if "-" in code else Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


def text_direction(code: str | None = None) -> str:
    """``rtl`` for right-to-left languages (Arabic, Hebrew, ...), else ``ltr``."""
    return _locale(code or current_language()).text_direction


def language_name(code: str | None) -> str:
    """A language's name in that language, as a person looking for it expects: "Français"."""
    if not code:
        return ""
    name = _locale(code).get_display_name(_locale(code)) or code
    return name[:1].upper() + name[1:]


ROLE_NAMES = {"learner": N_("Learner"), "trainer": N_("Trainer"), "admin": N_("Administrator")}


def role_name(role: object) -> str:
    """A role (account or group membership) as the reader calls it: "Formateur"."""
    value = str(getattr(role, "value", role))
    return gettext(ROLE_NAMES[value]) if value in ROLE_NAMES else value


def language_choices() -> list[tuple[str, str]]:
    """(code, own name) for every language a person may choose, for selects and the language
    switch: the interface's, then those only the course is written in."""
    return [(code, language_name(code)) for code in readable()]


def language_name_for_reader(code: str) -> str:
    """A language's name in the interface language, as it reads inside a sentence: "English",
    "anglais", "inglés"."""
    return _locale(code).get_display_name(_locale(current_language())) or code


def switch_url(code: str) -> str:
    """This page's address in another language: the same path and query, ``lang`` replaced."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != LANGUAGE_PARAM]
    args.append((LANGUAGE_PARAM, code))
    return f"{request.path}?{urlencode(args)}"


# --- formatting ---------------------------------------------------------------------------


def select_time_zone() -> str | None:
    """The signed-in person's time zone (their profile), else None: UTC. Flask-Babel's
    ``format_date``/``format_datetime`` turn a stored UTC moment into it."""
    if has_request_context() and current_user and current_user.is_authenticated and current_user.time_zone:
        try:  # Flask-Babel converts with pytz; a name its database lacks reads in UTC
            return str(pytz.timezone(current_user.time_zone))
        except pytz.UnknownTimeZoneError:
            return None
    return None


def format_moment(moment: date | datetime | None, with_time: bool = False, with_zone: bool = True) -> str:
    """A date (or date and time, with its time zone unless ``with_zone`` is false: a table
    names it once in its heading) written the way the language writes it, in the reader's
    time zone (:func:`select_time_zone`)."""
    if moment is None:
        return "—"
    if with_time and isinstance(moment, datetime):
        written = babel_format_datetime(moment, "medium")
        return f"{written} {time_zone_name()}" if with_zone else written
    return babel_format_date(moment, "medium")


def time_zone_name() -> str:
    """The name of the reader's time zone (``Africa/Nairobi``, ``UTC``)."""
    return str(get_timezone())


def format_month(moment: date | None) -> str:
    """A month and year: "Nov 2026", "nov. 2026", "nov 2026"."""
    if moment is None:
        return "—"
    return format_skeleton("yMMM", moment, locale=get_locale())


def format_minutes(minutes: int | None) -> str:
    """A duration: "45 min", "1 h 30 min" (the abbreviations are the catalogue's)."""
    hours, rest = divmod(int(minutes or 0), 60)
    if hours and rest:
        return gettext("%(hours)d h %(minutes)d min", hours=hours, minutes=rest)
    if hours:
        return gettext("%(hours)d h", hours=hours)
    return gettext("%(minutes)d min", minutes=rest)


def format_number(value: float | int | None) -> str:
    """1,234 · 1 234 · 1.234: grouping and decimal signs of the language."""
    return "—" if value is None else babel_format_decimal(value)


def format_percent(value: float | int | None) -> str:
    """A whole percent (``42``) written for the language: 42% · 42 % · 42 %."""
    return "—" if value is None else babel_format_percent(value / 100)


# --- countries ----------------------------------------------------------------------------

# ISO 3166-1 is the list of codes (pycountry); the names come from CLDR through Babel, in the
# reader's language. Sorting uses the Unicode Collation Algorithm (pyuca's default table, the
# root collation CLDR tailors per language): "Côte d'Ivoire" sorts with the Cs, before
# "Czechia", where code-point order put every accented letter after "z". The tailorings of
# English, French and Spanish change nothing in a list of country names (Spanish "ñ" only
# sorts apart in the traditional tailoring, and no name starts with it), so the root table
# is right for the languages offered, without the ICU C library that full tailoring needs.


@cache
def collator() -> Collator:
    """The collation table, read on first use: 0.35 s, which every ``training`` command paid
    at import whether it sorted anything or not (a server reads it before its workers fork,
    :func:`training.server.prepare_to_fork`)."""
    return Collator()


def collation_key(text: str) -> tuple[int, ...]:
    return collator().sort_key(text)


def sorted_for_reading(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(value, label) pairs in the order a reader expects, by label."""
    return sorted(items, key=lambda item: collation_key(item[1]))


def country_name(code: str | None, language: str | None = None) -> str:
    """The country's name in the reader's language, or "" for no or an unknown code."""
    if not code:
        return ""
    return _country_names(language or current_language()).get(code.upper(), "")


@cache
def _country_names(language: str) -> dict[str, str]:
    territories = _locale(language).territories
    names = {}
    for country in pycountry.countries:
        names[country.alpha_2] = str(territories.get(country.alpha_2) or getattr(country, "common_name", country.name))
    return names


@cache
def _country_choices(language: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted_for_reading(_country_names(language).items()))


def country_choices(language: str | None = None) -> tuple[tuple[str, str], ...]:
    """Every ISO 3166-1 country as (alpha-2 code, name), sorted for the reader's language."""
    return _country_choices(language or current_language())


# --- outside a request ------------------------------------------------------------------------


@cache
def _catalogue(directories: tuple[str, ...], language: str) -> NullTranslations:
    merged: NullTranslations = NullTranslations()
    for directory in directories:
        found = Translations.load(directory, [language], domain="messages")
        if isinstance(merged, Translations):
            merged.merge(found)  # type: ignore[arg-type]
        else:
            merged = found
    return merged


def translations_for(language: str) -> NullTranslations:
    """The message catalogue of a language, for a Jinja environment that renders outside a
    request (``env.install_gettext_translations(translations_for("fr"), newstyle=True)``)."""
    directories = tuple(get_babel().translation_directories) if has_app_context() else (str(TRANSLATIONS_DIR),)
    return _catalogue(directories, language)
