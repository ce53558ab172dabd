"""Rate limits of the mail and registration forms against the real server (gunicorn, two
workers): the counts live in the database, so every worker sees the same ones, even when
requests arrive at the same moment."""

from __future__ import annotations

import pytest

from ..livesite import Browser, live_site, race, rows

pytestmark = pytest.mark.server

PER_CLIENT, PER_ADDRESS, REGISTRATIONS = 8, 3, 3


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    env = {
        "TRAINING_RESET_REQUESTS_PER_CLIENT": str(PER_CLIENT),
        "TRAINING_RESET_REQUESTS_PER_ADDRESS": str(PER_ADDRESS),
        "TRAINING_REGISTRATIONS_PER_CLIENT": str(REGISTRATIONS),
    }
    with live_site(tmp_path_factory.mktemp("site"), workers=2, extra_env=env) as site:
        yield site


def ask_reset(site, email: str) -> int:
    browser = Browser(site)  # a new connection each time: the two workers take turns
    token = browser.token("/password/forgot")
    return browser.post("/password/forgot", {"email": email, "csrf_token": token}).status_code


def queued_to(site, email: str) -> int:
    return rows(site, "SELECT count(*) FROM mail_outbox WHERE to_address = :email", email=email)[0][0]


def test_reset_limits_hold_across_workers_even_at_the_same_moment(site):
    site.create_user("limited@example.org")
    statuses = race(2 * PER_CLIENT, lambda _i: ask_reset(site, "limited@example.org"))
    assert sorted(statuses) == [200] * PER_CLIENT + [429] * PER_CLIENT  # per client: no more, no fewer
    assert queued_to(site, "limited@example.org") == PER_ADDRESS  # per address: the rest got no message


def test_registrations_are_limited_per_client_across_workers(site):
    def register(i: int) -> int:
        browser = Browser(site)
        token = browser.token("/register")
        data = {"name": "Crowd", "email": f"crowd{i}@example.org", "password": "a long enough passphrase"}
        return browser.post("/register", {**data, "confirm": data["password"], "csrf_token": token}).status_code

    statuses = [register(i) for i in range(REGISTRATIONS + 2)]
    assert statuses == [200] * REGISTRATIONS + [429, 429]  # "check your email", then refused
    assert rows(site, "SELECT count(*) FROM \"user\" WHERE email LIKE 'crowd%'")[0][0] == REGISTRATIONS
