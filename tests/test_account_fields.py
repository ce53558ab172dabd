"""One set of rules for a person's details, wherever they come from: self-registration, the
command line, the administrator's form and a CSV import refuse the same values and store the
same cleaned ones (docs/security.md OUT-6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask

from training.extensions import db
from training.models import Role, User
from training.permissions import Actor
from training.services import imports

from .factories import make_user
from .helpers import Auth, get_csrf


@dataclass
class Outcome:
    stored: User | None
    said: str


def _stored(email: str) -> User | None:
    db.session.rollback()  # see what the request or command committed
    return db.session.scalar(sa.select(User).where(User.email == email))


def by_registration(app: Flask, email: str, name: str, organisation: str, country: str) -> Outcome:
    client = app.test_client()
    data = {"email": email, "name": name, "organisation": organisation, "country": country}
    data |= {"password": "a long enough passphrase", "confirm": "a long enough passphrase"}
    response = client.post("/register", data={**data, "csrf_token": get_csrf(client, "/register")})
    return Outcome(_stored(email), response.get_data(as_text=True))


def by_command_line(app: Flask, email: str, name: str, organisation: str, country: str) -> Outcome:
    args = ["users", "create", email, "--name", name, "--organisation", organisation, "--country", country]
    result = app.test_cli_runner().invoke(args=[*args, "--password-stdin"], input="a long enough passphrase\n")
    return Outcome(_stored(email), result.output)


def by_admin_form(app: Flask, email: str, name: str, organisation: str, country: str) -> Outcome:
    client = app.test_client()
    Auth(client).login(make_user("admin").email)
    data = {"email": email, "name": name, "organisation": organisation, "country": country, "role": "learner"}
    response = client.post("/admin/users/new", data={**data, "csrf_token": get_csrf(client, "/admin/users/new")})
    return Outcome(_stored(email), response.get_data(as_text=True))


def by_csv_import(app: Flask, email: str, name: str, organisation: str, country: str) -> Outcome:
    admin = make_user("admin")
    quoted = ",".join('"' + value.replace('"', '""') + '"' for value in (email, name, organisation, country))
    data = f"email,name,organisation,country\n{quoted}\n".encode()
    try:
        imports.import_file(Actor(admin.id, Role.ADMIN), imports.ImportKind.USERS, data, "people.csv")
    except imports.ImportRejected as rejected:
        return Outcome(_stored(email), " ".join(p.message for p in rejected.plan.errors))
    return Outcome(_stored(email), "")


FORMS = {"registration", "admin form"}
"""Sources whose country is a list of ISO codes; the others also take an English name."""
SOURCES: dict[str, Callable[..., Outcome]] = {
    "registration": by_registration,
    "command line": by_command_line,
    "admin form": by_admin_form,
    "CSV import": by_csv_import,
}


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    "name, organisation",
    [
        ("Evil\x00Name", ""),
        ("Evil\r\nFAKE LOG LINE", ""),
        ("Evil\nName", ""),
        ("Amina\u202eanilorac", ""),  # a right-to-left override: shows as "Aminacarolina"
        ("Amina\u2066Diallo\u2069", ""),  # a direction isolate
        ("Amina\tDiallo", ""),
        ("Amina Diallo", "o" * 500),
        ("Amina Diallo", "Ministry\r\nof Labour"),
    ],
    ids=["NUL", "CRLF", "LF", "RLO", "isolate", "tab", "500-char organisation", "organisation CRLF"],
)
def test_every_source_refuses_the_same_bad_details(app, source: str, name: str, organisation: str):
    outcome = SOURCES[source](app, "amina@example.org", name, organisation, "")
    assert outcome.stored is None, f"{source} stored {outcome.stored.name!r} / {outcome.stored.organisation!r}"
    said = (
        "contains a line break",
        "has more than 160 characters",
        "a control character (such as NUL)",  # the check every request passes first
        "not a CSV text file",  # a NUL byte in an upload
    )
    assert any(words in outcome.said for words in said), outcome.said[-600:]


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_stores_the_same_clean_details(app, source: str):
    """Spaces are tidied, a country name becomes its ISO code, and the invisible joiner
    Persian names need is kept."""
    name = "  Mehrdad   Rahimi\u200cpour "
    country = "KE" if source in FORMS else "Kenya"
    outcome = SOURCES[source](app, "mehrdad@example.org", name, " Ministry  of Labour ", country)
    assert outcome.stored is not None, outcome.said[-600:]
    stored = outcome.stored
    assert (stored.name, stored.organisation, stored.country) == (
        "Mehrdad Rahimi\u200cpour",
        "Ministry of Labour",
        "KE",
    )


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_refuses_an_unknown_country(app, source: str):
    outcome = SOURCES[source](app, "amina@example.org", "Amina Diallo", "", "Atlantis")
    assert outcome.stored is None
    expected = "Not a valid choice" if source in FORMS else "ISO 3166"
    assert expected in outcome.said, outcome.said[-600:]


def test_the_command_line_says_which_country_code_it_recorded(app):
    outcome = by_command_line(app, "wanjiru@example.org", "Wanjiru Kamau", "", "Kenya")
    assert outcome.stored is not None and outcome.stored.country == "KE"
    assert "Country: “Kenya” is recorded as KE (Kenya)." in outcome.said
