"""Every word of the interface goes through the message catalogue.

A pseudo-language, built here from ``messages.pot`` and offered only in these tests, turns
every message into ``⟦Sígn ín⟧``: marked and accented, placeholders and HTML kept. Each page a
learner, a trainer and an administrator can open is then read as a person (or a screen reader)
would read it, and any word left outside the markers fails the test with the page and the
words: a string written straight into a template or view, a message the catalogue misses.

Text that rightly comes from elsewhere is set aside first: the course itself (content files:
titles, lessons, questions), what people typed (names, e-mail addresses, organisations,
groups), and what Babel writes from the locale data (dates, country and language names).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from training.course import get_catalogue
from training.extensions import db
from training.fields import time_zones
from training.i18n import TRANSLATIONS_DIR
from training.models import Certificate, Group, User
from training.services import certificates
from training.services.audit import AuditAction

from ..factories import build_cohort
from ..helpers import Auth, get_csrf

PSEUDO = "en-001"  # a locale Babel knows and no course ships: the slot for the pseudo-catalogue
OPEN, CLOSE = "⟦", "⟧"
KEEP = re.compile(r"%\([a-z_]+\)[sd]|%%|<[^>]*>|&[a-z#0-9]+;")
ACCENTS = str.maketrans("aeiouAEIOU", "áéíóúÁÉÍÓÚ")


def pseudo(message: str) -> str:
    """Accent the words, keep placeholders, tags and entities, and mark both ends."""
    parts, last = [], 0
    for kept in KEEP.finditer(message):
        parts.append(message[last : kept.start()].translate(ACCENTS))
        parts.append(kept.group(0))
        last = kept.end()
    parts.append(message[last:].translate(ACCENTS))
    return OPEN + "".join(parts) + CLOSE


def test_pseudo_keeps_what_the_code_fills_in():
    assert pseudo('New? <a href="%(url)s">Sign in</a>.') == '⟦Néw? <a href="%(url)s">Sígn ín</a>.⟧'
    assert pseudo("%(num)d%% done") == "⟦%(num)d%% dóné⟧"


@pytest.fixture(scope="module")
def pseudo_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with (TRANSLATIONS_DIR / "messages.pot").open("rb") as source:
        template = read_po(source)
    catalogue = Catalog(locale=Locale.parse(PSEUDO, sep="-"), domain="messages")
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            catalogue.add(message.id, tuple(pseudo(form) for form in message.id), flags=message.flags)
        else:
            catalogue.add(message.id, pseudo(message.id), flags=message.flags)
    folder = tmp_path_factory.mktemp("pseudo")
    target = folder / str(catalogue.locale) / "LC_MESSAGES" / "messages.mo"
    target.parent.mkdir(parents=True)
    with target.open("wb") as out:
        write_mo(out, catalogue)
    return folder


@pytest.fixture
def app_overrides(pseudo_catalogue: Path) -> dict:
    return {
        "LANGUAGES": ("en", "fr", "es", PSEUDO),
        "BABEL_TRANSLATION_DIRECTORIES": f"{TRANSLATIONS_DIR};{pseudo_catalogue}",
    }


class VisibleText(HTMLParser):
    """The page's text as it is read: text nodes and the attributes people see or hear,
    without scripts, styles and the course's own content (``.prose`` blocks, the guide)."""

    SKIP = {"script", "style", "title", "code"}  # code: keys, recovery codes, identifiers
    SPOKEN = ("aria-label", "title", "alt", "placeholder")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.attributes: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    @property
    def hidden(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        skip = tag in self.SKIP or "prose" in classes or "guide-frame" in classes
        if not self.hidden and not skip:
            self.attributes.extend(found[name] or "" for name in self.SPOKEN if found.get(name))
            if tag == "input" and found.get("type") in ("submit", "button"):
                self.attributes.append(found.get("value") or "")
        if tag not in self.VOID:
            self.stack.append((tag, skip))
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def untranslated(text: str, known: list[str]) -> str:
    """What is left of ``text`` once marked messages, known data and non-words are removed."""
    previous = None
    while previous != text:  # innermost first: messages nest when one fills another
        previous, text = text, re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", text)
    for item in known:
        text = text.replace(item, " ")
    return " ".join(word for word in text.split() if re.search(r"[^\W\d_]", word))


def known_strings(users: list[User], groups: list[Group]) -> list[str]:
    """Text that does not come from the interface: the course, people's data, locale data."""
    catalogue = get_catalogue()
    course = catalogue.course
    items = {catalogue.guide.title, course.name, course.short_mark, course.footer, course.summary, course.audience}
    items.add(course.contact)
    for unit in catalogue.units:
        items.update([unit.title, unit.summary, *unit.objectives])
        for lesson in unit.lessons:
            items.update([lesson.title, *lesson.objectives])
            items.update(term.term for term in lesson.key_terms)
            items.update(term.definition for term in lesson.key_terms)
            items.update(h.title for h in lesson.toc)
        if unit.quiz_id:
            quiz = catalogue.quiz(unit.quiz_id)
            items.add(quiz.title)
            for question in quiz.questions:
                html = [question.prompt_html, question.explanation_html]
                html.extend(option.feedback_html for option in question.options)
                items.update(fragment for text in html for fragment in re.split(r"<[^>]+>", text))
                items.update(option.text for option in question.options)
                items.update(getattr(option, "match", None) or "" for option in question.options)
    if catalogue.evaluation is not None:
        evaluation = catalogue.evaluation
        items.update([evaluation.title, evaluation.intro])
        items.update(text for q in evaluation.questions for text in (q.prompt, q.low, q.high))
    # A certificate's verification address is shown as itself.
    items.update(f"http://localhost/verify/{code}" for code in db.session.scalars(sa.select(Certificate.code)))
    for user in users:
        items.update([user.name, user.email, user.organisation])
    items.update(group.name for group in groups)
    locale = Locale.parse(PSEUDO, sep="-")
    items.update(locale.months["format"]["abbreviated"].values())
    items.update(locale.day_periods["format"]["abbreviated"].values())
    items.update(locale.territories.values())
    items.update(Locale.parse(code).get_display_name(code).title() for code in ("en", "fr", "es"))
    items.update(["UTC", PSEUDO, "CSV", "PDF"])
    # Time zones are chosen by their IANA names (as the operating system knows them).
    items.update(time_zones())
    # The audit log's action names are identifiers, shown as such (in <code> in its table).
    items.update(action.value for action in AuditAction)
    # So are the names of exports in its targets (a person's data downloaded on this tour).
    items.add("personal-data")
    return sorted((item.strip() for item in items if item and item.strip()), key=len, reverse=True)


REPORTS = ("units", "completion", "organisations", "countries", "questions")


def pages(app, cohort) -> list[str]:
    """Every page (GET) of the platform with real arguments from the cohort."""
    values = {
        "unit_id": "alpha",
        "lesson_id": "first-steps",
        "quiz_id": "alpha-quiz",
        "attempt_no": 1,
        "group_id": cohort.north.id,
        "user_id": cohort.ana.id,
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint.startswith("api."):
            continue
        if "name" in rule.arguments:
            names = getattr(rule._converters["name"], "items", REPORTS)
            urls.extend(rule.build({**values, "name": name}, append_unknown=False)[1] for name in names)
        elif rule.arguments <= values.keys():
            urls.append(rule.build(values, append_unknown=False)[1])
    return sorted(set(urls)) + ["/no-such-page"]


def check_pages(client, urls: list[str], known: list[str]) -> dict[str, str]:
    problems = {}
    for url in urls:
        response = client.get(url)
        if response.mimetype != "text/html" or response.status_code in (301, 302, 303):
            continue
        html = response.get_data(as_text=True)
        assert f'<html lang="{PSEUDO}"' in html, url
        reader = VisibleText()
        reader.feed(html)
        left = [untranslated(" ".join(reader.parts), known), *(untranslated(a, known) for a in reader.attributes)]
        left = [words for words in left if words]
        if left:
            problems[url] = " | ".join(left)
    return problems


@pytest.fixture
def cohort(app):
    return build_cohort()


@pytest.mark.parametrize("who", ["ana", "trainer_north", "admin"])
def test_every_page_speaks_only_through_the_catalogue(app, client, cohort, who: str):
    person = getattr(cohort, who)
    certificates.issue_if_complete(get_catalogue(), cohort.ana.id)  # ana completed the course
    client.set_cookie("lang", PSEUDO)
    assert Auth(client).login(person.email).status_code == 302
    known = known_strings(
        [*cohort.learners, cohort.admin, cohort.trainer_north, cohort.trainer_south], [cohort.north, cohort.south]
    )
    urls = pages(app, cohort)
    assert len(urls) > 30
    assert check_pages(client, urls, known) == {}


def test_signed_out_pages_and_form_errors_speak_only_through_the_catalogue(app, client, cohort):
    client.set_cookie("lang", PSEUDO)
    known = known_strings([cohort.ana], [])
    assert check_pages(client, ["/", "/login", "/register"], known) == {}
    problems = {}
    for url, data in (
        ("/login", {"email": "ana@example.org", "password": "wrong password"}),
        ("/login", {"email": "", "password": ""}),
        ("/register", {"name": "", "email": "not an address", "password": "short", "confirm": "other"}),
        ("/register", {"name": "Ana", "email": "ana@example.org", "password": "password", "confirm": "password"}),
    ):
        page = client.post(url, data={**data, "csrf_token": get_csrf(client, url)}).get_data(as_text=True)
        reader = VisibleText()
        reader.feed(page)
        left = untranslated(" ".join([*reader.parts, *reader.attributes]), known)
        if left:
            problems[f"{url} {sorted(data.items())}"] = left
    assert problems == {}
