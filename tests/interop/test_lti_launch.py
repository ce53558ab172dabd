"""LTI 1.3 end to end: the independent test platform (``lti_platform``, jwcrypto, real HTTP on
loopback) launches the tool; an instructor places units with Deep Linking, a learner launches,
reads, passes the quiz, and the score arrives in the platform's gradebook; the roster fills a
group. Forged, replayed, expired and misaddressed launches are refused and sign nobody in."""

from __future__ import annotations

import re
import time

import pytest
import requests
import sqlalchemy as sa
from jwcrypto import jwk

from training.extensions import db
from training.interop.sender import send_due
from training.models import (
    Group,
    GroupRole,
    LtiAccount,
    LtiContext,
    LtiPlatform,
    Membership,
    OutboxMessage,
    OutboxState,
    Role,
    User,
)
from training.permissions import Actor
from training.services import lti as service

from ..helpers import TRANSLATED, correct_form, get_csrf, mark_read, start_quiz, submit_quiz
from .lti_platform import ADMIN, INSTRUCTOR, LEARNER, LTI, NextLaunch, Person, RunningPlatform, form_fields, login_query

TOOL = "http://localhost"
TEACHER = Person("teacher-7", "Teresa Okafor", [INSTRUCTOR], email="teresa@lms.example.org")
AMINA = Person("student-42", "Amina Diallo", [LEARNER], email="amina@lms.example.org")


@pytest.fixture
def platform(app, client):
    with RunningPlatform() as platform:
        platform.tool_redirect_uris = [f"{TOOL}/lti/launch"]
        service.register_platform(
            Actor.command_line(),
            service.PlatformFields(
                name="Ministry Moodle",
                issuer=platform.issuer,
                client_id=platform.client_id,
                auth_login_url=f"{platform.url}/auth",
                auth_token_url=f"{platform.url}/token",
                key_set_url=f"{platform.url}/jwks",
                deployment_ids=(platform.deployment_id,),
            ),
        )
        platform.tool_jwks = client.get("/lti/jwks").get_json()  # as an LMS fetches the tool's key set
        yield platform


def begin(client, platform, launch: NextLaunch) -> tuple[str, dict]:
    """The platform starts a login; the tool sends the browser to the platform's auth
    endpoint, which answers with its self-posting form. Returns the form's action and fields."""
    platform.next_launch = launch
    started = client.get(f"/lti/login?{login_query(platform, launch.target_link_uri)}")
    assert started.status_code == 302, started.get_data(as_text=True)
    page = requests.get(started.headers["Location"], timeout=10)
    assert page.status_code == 200, page.text
    return form_fields(page.text)


def launch(client, platform, launch: NextLaunch):
    action, fields = begin(client, platform, launch)
    return client.post(action, data=fields)


def signed_in_as(client) -> str | None:
    response = client.get("/api/progress")
    if response.status_code != 200:
        return None
    with client.session_transaction() as session:
        return session.get("_user_id")


def read_and_pass_alpha(client) -> None:
    for lesson in ("first-steps", "second-steps"):
        assert mark_read(client, "alpha", lesson).status_code == 303
    page = start_quiz(client)
    assert submit_quiz(client, page, correct_form(page)).status_code == 303


def test_deep_linking_a_learners_launch_a_quiz_and_the_score_in_the_gradebook(app, platform):
    teacher = app.test_client()
    response = launch(teacher, platform, NextLaunch(TEACHER, "LtiDeepLinkingRequest", f"{TOOL}/lti/launch"))
    assert response.status_code == 303 and response.headers["Location"].endswith("/lti/deep-link")
    page = teacher.get("/lti/deep-link")
    assert page.status_code == 200, "an instructor is a trainer here, signed in by the LMS (no local two-step set-up)"
    token = get_csrf(teacher, "/lti/deep-link")
    chosen = teacher.post("/lti/deep-link", data={"csrf_token": token, "items": ["alpha", "course"]})
    assert chosen.status_code == 200
    assert f"form-action 'self' {platform.url}" in chosen.headers["Content-Security-Policy"]
    action, fields = form_fields(chosen.get_data(as_text=True))
    placed = requests.post(f"{platform.url}{action}", data=fields, timeout=10)
    assert placed.status_code == 200, placed.text  # the platform checked the tool's signature
    items = platform.deep_link_responses[-1]["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert [(i["url"], i["lineItem"]["resourceId"]) for i in items] == [
        (f"{TOOL}/units/alpha", "alpha"),
        (f"{TOOL}/", "course"),
    ]
    assert (
        platform.deep_link_responses[-1]["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-platform-data"
    )

    learner = app.test_client()
    unit_link = NextLaunch(AMINA, target_link_uri=items[0]["url"], resource_link_id="link-alpha")
    unit_link.lineitem = items[0]["_lineitem"]
    landed = launch(learner, platform, unit_link)
    assert landed.status_code == 303 and landed.headers["Location"] == "/units/alpha"
    course_link = NextLaunch(AMINA, target_link_uri=items[1]["url"], resource_link_id="link-course")
    course_link.lineitem = items[1]["_lineitem"]
    assert launch(learner, platform, course_link).headers["Location"] == "/"

    read_and_pass_alpha(learner)
    assert platform.scores == [], "grades go out from the outbox, never inside the learner's request"
    outcome = send_due()
    assert outcome.failed == 0 and outcome.rejected == 0, outcome
    by_item = {}
    for score in platform.scores:
        by_item.setdefault(score["lineitem"]["resourceId"], []).append(score)
    alpha = by_item["alpha"][-1]
    assert (alpha["userId"], alpha["scoreGiven"], alpha["scoreMaximum"]) == ("student-42", 100, 100)
    assert (alpha["activityProgress"], alpha["gradingProgress"]) == ("Completed", "FullyGraded")
    course = by_item["course"][-1]
    assert course["scoreGiven"] == 50 and course["activityProgress"] == "InProgress", "one unit of two is complete"
    assert not platform.refused


def test_an_instructors_launch_fills_the_group_from_the_course_roster(app, client, platform):
    platform.roster = [
        TEACHER,
        AMINA,
        Person("student-43", "Bilal Haddad", [LEARNER]),
        Person("student-44", "Chen Wei", [LEARNER]),
    ]
    response = launch(client, platform, NextLaunch(TEACHER, target_link_uri=f"{TOOL}/"))
    assert response.status_code == 303
    assert send_due().sent >= 1
    context = db.session.scalar(sa.select(LtiContext))
    members = db.session.execute(
        sa.select(User.name, Membership.role).join(Membership).where(Membership.group_id == context.group_id)
    ).all()
    assert sorted(members) == [
        ("Amina Diallo", GroupRole.LEARNER),
        ("Bilal Haddad", GroupRole.LEARNER),
        ("Chen Wei", GroupRole.LEARNER),
        ("Teresa Okafor", GroupRole.TRAINER),
    ]
    assert db.session.get(Group, context.group_id).name.startswith("Migration 101")
    # Amina launches later: she is the account the roster made, found by the LMS's user id.
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    launch(app.test_client(), platform, NextLaunch(AMINA, target_link_uri=f"{TOOL}/"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_accounts_are_linked_by_the_lms_user_id_never_by_name_or_email(app, platform):
    launch(app.test_client(), platform, NextLaunch(AMINA, target_link_uri=f"{TOOL}/"))
    namesake = Person("student-99", AMINA.name, [LEARNER], email=AMINA.email)
    launch(app.test_client(), platform, NextLaunch(namesake, target_link_uri=f"{TOOL}/"))
    links = db.session.execute(sa.select(LtiAccount.sub, LtiAccount.user_id)).all()
    assert len({user for _, user in links}) == 2
    emails = db.session.scalars(sa.select(User.email)).all()
    assert AMINA.email not in emails, "the LMS's email address is not an identity here"


def test_roles_map_to_learner_and_trainer_and_never_to_administrator(app, platform):
    boss = Person("admin-1", "Platform Admin", [ADMIN, INSTRUCTOR])
    launch(app.test_client(), platform, NextLaunch(boss, target_link_uri=f"{TOOL}/"))
    launch(app.test_client(), platform, NextLaunch(AMINA, target_link_uri=f"{TOOL}/"))
    roles = dict(db.session.execute(sa.select(User.name, User.role)).all())
    assert roles == {"Platform Admin": Role.TRAINER, "Amina Diallo": Role.LEARNER}
    learner = app.test_client()
    launch(learner, platform, NextLaunch(AMINA, target_link_uri=f"{TOOL}/"))
    assert learner.get("/admin/groups").status_code == 403, "the server checks the role on every page"


@pytest.mark.parametrize("app_overrides", [{"CONTENT_DIR": str(TRANSLATED)}])
def test_a_french_trainer_places_the_units_under_their_french_titles(app, platform):
    """The choices on the page and the links and gradebook columns placed in the LMS name the
    units as the course's French translation does, for a trainer reading in French."""
    teacher = app.test_client()
    teacher.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    launch(teacher, platform, NextLaunch(TEACHER, "LtiDeepLinkingRequest", f"{TOOL}/lti/launch"))
    page = teacher.get("/lti/deep-link").get_data(as_text=True)
    assert "Unité alpha" in page and "Alpha unit" not in page
    token = get_csrf(teacher, "/lti/deep-link")
    chosen = teacher.post("/lti/deep-link", data={"csrf_token": token, "items": ["alpha", "course"]})
    action, fields = form_fields(chosen.get_data(as_text=True))
    assert requests.post(f"{platform.url}{action}", data=fields, timeout=10).status_code == 200
    items = platform.deep_link_responses[-1]["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert [(i["title"], i["lineItem"]["label"]) for i in items] == [
        ("Unité alpha", "Unité alpha"),
        ("Cours d'essai", "Cours d'essai"),
    ]


@pytest.mark.parametrize("app_overrides", [{"CONTENT_DIR": str(TRANSLATED)}])
def test_titles_the_trainers_language_lacks_are_marked_with_their_own(app, platform):
    """A Spanish page whose units stand in English (not translated yet): each such title is
    marked as English inside the Spanish label, so a screen reader reads it as English."""
    teacher = app.test_client()
    teacher.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    launch(teacher, platform, NextLaunch(TEACHER, "LtiDeepLinkingRequest", f"{TOOL}/lti/launch"))
    page = teacher.get("/lti/deep-link").get_data(as_text=True)
    assert '<html lang="es"' in page
    labels = [" ".join(label.split()) for label in re.findall(r"<span>(.*?)</span></label>", page, re.S)]
    assert labels == [
        'El curso completo: <span lang="en" dir="ltr">Fixture Course</span>',
        'Unidad 1: <span lang="en" dir="ltr">Alpha unit</span>',
        'Unidad 2: <span lang="en" dir="ltr">Beta unit</span>',
    ]


def test_a_learner_cannot_deep_link(app, client, platform):
    response = launch(client, platform, NextLaunch(AMINA, "LtiDeepLinkingRequest", f"{TOOL}/lti/launch"))
    assert response.status_code == 403
    assert client.get("/lti/deep-link").status_code in (302, 403, 404)


def test_a_replayed_launch_is_refused(app, client, platform):
    action, fields = begin(client, platform, NextLaunch(AMINA, target_link_uri=f"{TOOL}/"))
    assert client.post(action, data=fields).status_code == 303
    thief = app.test_client()
    thief.set_cookie("lti1p3_state", fields["state"], domain="localhost", path="/lti/launch")
    again = thief.post(action, data=fields)
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    assert signed_in_as(thief) is None


def test_an_old_token_under_a_new_login_is_refused_by_its_nonce(app, client, platform):
    _, first = begin(client, platform, NextLaunch(AMINA, target_link_uri=f"{TOOL}/"))
    action, second = begin(client, platform, NextLaunch(AMINA, target_link_uri=f"{TOOL}/"))
    response = client.post(action, data={"state": second["state"], "id_token": first["id_token"]})
    assert response.status_code == 400 and "nonce" in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_a_launch_from_another_browser_is_refused_by_its_state(app, client, platform):
    action, fields = begin(client, platform, NextLaunch(AMINA, target_link_uri=f"{TOOL}/"))
    other = app.test_client()  # never went through /lti/login: no state cookie
    response = other.post(action, data=fields)
    assert response.status_code == 400 and "did not start in this browser" in response.get_data(as_text=True)
    assert signed_in_as(other) is None
    assert client.post(action, data=fields).status_code == 303, "the login is still usable by its own browser"


@pytest.mark.parametrize(
    ("launch_options", "reason"),
    [
        ({"sign_with": "impostor"}, "signature does not verify"),
        ({"overrides": {"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}}, "expired"),
        ({"overrides": {"aud": "some-other-tool"}}, "not meant for this tool"),
        ({"overrides": {f"{LTI}/deployment_id": "unregistered"}}, "deployment id is not registered"),
        ({"overrides": {"iss": "https://evil.example.org"}}, "issuer"),
        ({"overrides": {f"{LTI}/target_link_uri": "https://evil.example.org/"}}, "another site"),
    ],
)
def test_forged_expired_and_misaddressed_launches_are_refused(app, client, platform, launch_options, reason):
    options = dict(launch_options)
    if options.get("sign_with") == "impostor":
        options["sign_with"] = jwk.JWK.generate(kty="RSA", size=2048, kid=platform.key.kid)
    response = launch(client, platform, NextLaunch(AMINA, target_link_uri=f"{TOOL}/", **options))
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    assert signed_in_as(client) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0, "nothing is created"


def test_logins_from_unknown_platforms_or_to_other_sites_are_refused(app, client, platform):
    bad_issuer = login_query(platform, f"{TOOL}/").replace("iss=http", "iss=https%3A%2F%2Fevil.example.org%2Fx")
    assert client.get(f"/lti/login?{bad_issuer}").status_code == 400
    elsewhere = login_query(platform, "https://evil.example.org/")
    assert client.get(f"/lti/login?{elsewhere}").status_code == 400


def test_the_key_set_publishes_public_keys_only(client):
    keys = client.get("/lti/jwks").get_json()["keys"]
    assert keys and all(k["kty"] == "RSA" and "d" not in k and "p" not in k for k in keys)


def test_a_platform_that_takes_one_link_gets_a_single_choice(app, client, platform):
    settings = {
        "deep_link_return_url": f"{platform.url}/deep_link_return",
        "accept_types": ["ltiResourceLink"],
        "accept_multiple": False,
    }
    overrides = {"https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": settings}
    launch(client, platform, NextLaunch(TEACHER, "LtiDeepLinkingRequest", f"{TOOL}/lti/launch", overrides=overrides))
    page = client.get("/lti/deep-link").get_data(as_text=True)
    assert 'type="radio"' in page and 'type="checkbox"' not in page
    token = get_csrf(client, "/lti/deep-link")
    assert client.post("/lti/deep-link", data={"csrf_token": token, "items": ["alpha", "beta"]}).status_code == 400
    chosen = client.post("/lti/deep-link", data={"csrf_token": token, "item": "beta"})
    action, fields = form_fields(chosen.get_data(as_text=True))
    assert requests.post(f"{platform.url}{action}", data=fields, timeout=10).status_code == 200
    (item,) = platform.deep_link_responses[-1]["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["url"] == f"{TOOL}/units/beta"
    assert "https://purl.imsglobal.org/spec/lti-dl/claim/data" not in platform.deep_link_responses[-1]
    assert client.get("/lti/deep-link").status_code == 404, "a selection is used once"


def test_a_platform_turned_off_refuses_launches_and_signs_its_people_out(app, platform):
    learner = app.test_client()
    link = NextLaunch(AMINA, target_link_uri=f"{TOOL}/units/alpha", resource_link_id="link-alpha")
    link.lineitem = f"{platform.url}/lineitems/alpha"
    assert launch(learner, platform, link).status_code == 303
    assert signed_in_as(learner) is not None
    assert mark_read(learner, "alpha", "first-steps").status_code == 303  # a score for the gradebook is queued
    platform.roster = [TEACHER, AMINA]
    assert launch(app.test_client(), platform, NextLaunch(TEACHER, target_link_uri=f"{TOOL}/")).status_code == 303
    started_action, started = begin(app.test_client(), platform, NextLaunch(AMINA, target_link_uri=f"{TOOL}/"))
    registered = db.session.scalar(sa.select(LtiPlatform))

    service.set_platform_active(Actor.command_line(), registered.id, False)
    assert signed_in_as(learner) is None, "the people it signed in are signed out at once"
    refused = learner.get(f"/lti/login?{login_query(platform, f'{TOOL}/')}")
    assert refused.status_code == 400 and "not registered here" in refused.get_data(as_text=True)
    late = app.test_client()
    late.set_cookie("lti1p3_state", started["state"], domain="localhost", path="/lti/launch")
    finishing = late.post(started_action, data=started)
    assert finishing.status_code == 400 and "no longer registered" in finishing.get_data(as_text=True)
    assert send_due().failed == 0
    assert platform.scores == [], "no grade goes to it"
    roster = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.channel == "lti-roster"))
    assert roster.state == OutboxState.REJECTED and "turned off" in roster.last_error, "nor a roster request"

    service.set_platform_active(Actor.command_line(), registered.id, True)
    again = app.test_client()
    assert launch(again, platform, link).status_code == 303 and signed_in_as(again) is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2, "the same accounts, kept"
