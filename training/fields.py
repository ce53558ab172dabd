"""What makes a valid email, password, name, organisation, country or group name.

One set of rules wherever a value comes from: registration, the command line, an admin form
or a CSV import. Plain functions, no Flask and no database; each ``*_problem`` function
returns a message for the person (or None), so forms, services and imports say the same thing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from zoneinfo import available_timezones

import dns.resolver
import pycountry
from email_validator import EmailNotValidError, EmailUndeliverableError, caching_resolver, validate_email

from .translatable import gettext

MAX_EMAIL_LENGTH = 254
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
MAX_NAME = 120
MAX_ORGANISATION = 160
MAX_GROUP_NAME = 120
MAX_GROUP_DESCRIPTION = 2000
GROUP_LIST_SEPARATOR = ";"
"""Separates group names in one CSV cell, so a group name cannot contain it."""


def normalise_email(raw: str | None) -> str:
    """The one form of an address used for lookups and uniqueness: NFKC, trimmed, the domain
    as ``email-validator`` normalises it (lower case, internationalised names in Unicode),
    then casefolded. An address that is not valid is only trimmed and casefolded (so a
    lookup of it finds nothing rather than failing)."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if 0 < len(text) <= MAX_EMAIL_LENGTH:
        try:
            text = validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            pass
    return unicodedata.normalize("NFKC", text.casefold())


@cache
def _resolver() -> dns.resolver.Resolver:
    """One DNS resolver with a cache, so an import of many addresses asks once per domain."""
    return caching_resolver(timeout=5)


def email_problem(raw: str | None, deliverable: bool = False) -> str | None:
    """Why an address cannot be used, or None: checked by ``email-validator`` (the syntax of
    RFC 5321/5322 and internationalised addresses, and with ``deliverable`` a DNS look-up of
    the domain's mail servers). The length is checked before anything else."""
    email = unicodedata.normalize("NFKC", raw or "").strip()
    if not email:
        return gettext("Enter an email address.")
    if len(email) > MAX_EMAIL_LENGTH:
        return gettext("An email address has at most %(max)s characters.", max=MAX_EMAIL_LENGTH)
    try:
        if deliverable:
            validate_email(email, check_deliverability=True, dns_resolver=_resolver())
        else:
            validate_email(email, check_deliverability=False)
    except EmailUndeliverableError:
        return gettext("The domain of this address does not receive email. Check it for typing mistakes.")
    except EmailNotValidError:
        return gettext("Enter a valid email address, like name@ministry.gov.")
    return None


def allowed_domains(setting: str | Iterable[str] | None) -> tuple[str, ...]:
    """The ``ALLOWED_EMAIL_DOMAINS`` setting as a tuple of domains (a list, or one string with
    commas or spaces between them), lower case, without leading dots or "@"."""
    items = setting.replace(",", " ").split() if isinstance(setting, str) else list(setting or ())
    return tuple(d for d in (normalise_email(f"x@{str(item).strip().lstrip('@.')}")[2:] for item in items) if d)


def domain_allowed(email: str, domains: Sequence[str]) -> bool:
    """Whether an address is at one of ``domains`` or a subdomain of one (``gov.xx`` allows
    ``interior.gov.xx`` but not ``notgov.xx``); any address when the list is empty."""
    if not domains:
        return True
    domain = normalise_email(email).rpartition("@")[2]
    return any(domain == allowed or domain.endswith("." + allowed) for allowed in domains)


def domain_problem(email: str, domains: Sequence[str]) -> str | None:
    """The message for an address outside the allowed domains, or None."""
    if domain_allowed(email, domains):
        return None
    return gettext("Use your address at %(domains)s.", domains=", ".join(domains))


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("training.data").joinpath("common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None. No composition rules; length and a list of
    common passwords, as NIST SP 800-63B and OWASP ASVS advise."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return gettext(
            "Use at least %(min)s characters; a short sentence is easy to remember.", min=MIN_PASSWORD_LENGTH
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        return gettext("Use at most %(max)s characters.", max=MAX_PASSWORD_LENGTH)
    if password.casefold() in _common_passwords():
        return gettext("This password is too common and easy to guess. Choose another.")
    return None


def clean_text(text: str | None) -> str:
    """Runs of spaces become one space; the ends are trimmed. (Line breaks and tabs are
    refused before this, by :func:`text_problem`.)"""
    return " ".join((text or "").split())


BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Characters that reorder the text around them (U+202E turns "gpj.exe" into "exe.jpg")."""
JOINERS = frozenset("\u200c\u200d")
"""Zero-width non-joiner and joiner: invisible, but part of how Persian, Hindi and other
scripts write names, so they are the only format characters a name may hold."""
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Control (NUL, line breaks, tab, escape), format, surrogate, line and paragraph separator."""


def unusable_character(text: str, multiline: bool = False) -> str | None:
    """The first character a person's text may not hold, or None: control characters (NUL,
    escape, and line breaks and tabs unless ``multiline``), direction overrides and other
    invisible format characters (zero-width joiners aside). PostgreSQL cannot store NUL, and
    the rest forge log lines or disguise what a name says."""
    for ch in text:
        if multiline and ch in "\r\n\t":
            continue
        category = unicodedata.category(ch)
        if ch in BIDI_CONTROLS or (category in _REFUSED_CATEGORIES and ch not in JOINERS):
            return ch
    return None


def text_problem(value: str, limit: int, required: bool = False, multiline: bool = False) -> str | None:
    """What is wrong with a text field as typed: "control" (see :func:`unusable_character`),
    "required" or "long" (after :func:`clean_text`, for one-line fields); None when nothing
    is. :func:`field_problem` and :func:`column_problem` say it in the reader's language."""
    if unusable_character(value, multiline):
        return "control"
    cleaned = value.strip() if multiline else clean_text(value)
    if required and not cleaned:
        return "required"
    if len(cleaned) > limit:
        return "long"
    return None


def field_problem(problem: str, field: str, limit: int) -> str:
    """A form field's problem as a sentence: "The name is required." (``field`` translated)."""
    messages = {
        "required": gettext("%(field)s is required.", field=field),
        "long": gettext("%(field)s has more than %(limit)s characters.", field=field, limit=limit),
        "control": gettext(
            "%(field)s contains a line break, a control character or an invisible character that changes the "
            "direction of text; remove it.",
            field=field,
        ),
    }
    return messages[problem]


def column_problem(problem: str, column: str, limit: int) -> str:
    """A CSV cell's problem after its column's name: "name: is required."."""
    messages = {
        "required": gettext("%(column)s: is required.", column=column),
        "long": gettext("%(column)s: has more than %(limit)s characters.", column=column, limit=limit),
        "control": gettext(
            "%(column)s: contains a line break, a control character or an invisible character that changes "
            "the direction of text.",
            column=column,
        ),
    }
    return messages[problem]


def country_code(raw: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 code from a code or an English name; "" for blank; None when
    unknown."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        return str(pycountry.countries.lookup(raw).alpha_2)
    except LookupError:
        return None


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    """"name", "organisation" or "country"."""
    problem: str
    """"required", "long" or "control" (:func:`text_problem`); "unknown" for a country."""
    limit: int = 0


@dataclass(frozen=True, slots=True)
class Profile:
    """A person's own details, cleaned: what registration, admin forms and imports store."""

    name: str
    organisation: str
    country: str
    problems: tuple[FieldProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def check_profile(name: str | None, organisation: str | None, country: str | None) -> Profile:
    """Clean a name, organisation and country, and say what is wrong with each; the caller
    words the problems for its reader (a form's sentence, or a CSV column's)."""
    clean_name, clean_organisation = clean_text(name), clean_text(organisation)
    problems = []
    for field, value, limit, required in (
        ("name", name or "", MAX_NAME, True),
        ("organisation", organisation or "", MAX_ORGANISATION, False),
    ):
        problem = text_problem(value, limit, required)
        if problem:
            problems.append(FieldProblem(field, problem, limit))
    code = country_code(country)
    if code is None:
        problems.append(FieldProblem("country", "unknown"))
    return Profile(clean_name, clean_organisation, code or "", tuple(problems))


@cache
def time_zones() -> tuple[str, ...]:
    """Every IANA time zone name the system's time zone database knows (``Europe/Paris``),
    sorted, without the old aliases that have no region (``EST5EDT``)."""
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


def time_zone_problem(value: str | None) -> str | None:
    """Why a time zone cannot be used, as a sentence, or None ("" is fine: UTC)."""
    if not value or value in time_zones():
        return None
    return gettext("Choose a time zone from the list.")


def group_name_problem(name: str) -> str | None:
    """Why a group name (as typed) cannot be used, as a sentence, or None."""
    problem = text_problem(name, MAX_GROUP_NAME, required=True)
    if problem:
        return field_problem(problem, gettext("The name"), MAX_GROUP_NAME)
    if GROUP_LIST_SEPARATOR in name:
        return gettext("A group name cannot contain “%(separator)s”.", separator=GROUP_LIST_SEPARATOR)
    return None


# --- numbers and dates ------------------------------------------------------------------------

MAX_ID = 2**31 - 1
"""The largest id, count or sequence number the database's integer columns hold."""
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
"""The dates the platform accepts anywhere (report filters, group start, attendance): far
enough either way for any real workshop, and no report ever spans centuries."""


def whole_number(raw: str | None, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """A number typed in ASCII digits within ``minimum..maximum``, or None. ``str.isdigit``
    is not enough: it accepts "²" and other digits ``int`` refuses, and any length."""
    if not raw or len(raw) > len(str(maximum)) or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


def date_problem(value: date, earliest: date = EARLIEST_DATE, latest: date = LATEST_DATE) -> str | None:
    """Why a date is out of the range the platform accepts, as a sentence, or None."""
    if value < earliest:
        return gettext("Enter a date from %(date)s on.", date=earliest.isoformat())
    if value > latest:
        return gettext("Enter a date no later than %(date)s.", date=latest.isoformat())
    return None
