"""The tool's checks of LTI 1.3 launches, fed tokens made by the independent test platform
(``lti_platform``, on jwcrypto): good launches pass, and every forged, expired, misaddressed
or malformed one is refused with the reason."""

from __future__ import annotations

import base64
import json
import time

import pytest
from jwcrypto import jwk

from training.interop import lti

from .lti_platform import INSTRUCTOR, LEARNER, LTI, NextLaunch, Person, Platform

NONCE = "nonce-issued-by-the-tool"


@pytest.fixture(scope="module")
def platform() -> Platform:
    return Platform(url="https://lms.example.org", issuer="https://lms.example.org")


def registration(p: Platform) -> lti.Registration:
    return lti.Registration(p.issuer, p.client_id, frozenset({p.deployment_id}))


def token(p: Platform, **overrides) -> str:
    launch = NextLaunch(Person("u-1", "Amina Diallo", [LEARNER]), target_link_uri="https://tool.example.org/")
    launch.overrides.update(overrides)
    return p.sign(p.claims_for(launch, NONCE))


def test_a_good_launch_gives_who_where_and_the_services(platform):
    launch = lti.verify_launch(token(platform), platform.jwks(), registration(platform), NONCE)
    assert (launch.sub, launch.name, launch.is_trainer) == ("u-1", "Amina Diallo", False)
    assert launch.context_id == "course-101" and launch.resource_link_id == "link-1"
    assert launch.lineitems_url == f"{platform.url}/lineitems"
    assert launch.memberships_url == f"{platform.url}/memberships"


def test_instructors_are_trainers_and_nobody_becomes_an_administrator():
    assert lti.is_trainer([INSTRUCTOR])
    assert not lti.is_trainer([LEARNER])
    assert not lti.is_trainer([])


def refused(platform: Platform, bad: str, reason: str, keys: dict | None = None) -> None:
    with pytest.raises(lti.LtiError, match=reason):
        lti.verify_launch(bad, keys or platform.jwks(), registration(platform), NONCE)


def test_forged_signature_is_refused(platform):
    impostor = jwk.JWK.generate(kty="RSA", size=2048, kid=platform.key.kid)  # same kid, other key
    claims = Platform.claims_for(platform, NextLaunch(Person("u-1", "A", [INSTRUCTOR])), NONCE)
    refused(platform, platform.sign(claims, impostor), "signature does not verify")


def test_a_tampered_token_is_refused(platform):
    head, body, signature = token(platform).split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims[f"{LTI}/roles"] = [INSTRUCTOR]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    refused(platform, f"{head}.{forged}.{signature}", "signature does not verify")


def test_unsigned_and_hmac_tokens_are_refused(platform):
    claims = Platform.claims_for(platform, NextLaunch(Person("u-1", "A", [LEARNER])), NONCE)
    secret = jwk.JWK(kty="oct", k=jwk.base64url_encode(json.dumps(platform.jwks()).encode()))
    refused(platform, platform.sign(claims, secret, "HS256"), "algorithm 'HS256' is not accepted")

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    refused(platform, f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.", "algorithm 'none' is not accepted")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "another-tool"}, "not meant for this tool"),
        ({"aud": ["another-tool", "tool-client-1"]}, "no matching authorized party"),
        ({"iss": "https://evil.example.org"}, "issuer is not the registered platform"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 3700}, "expired"),
        ({"iat": int(time.time()) + 3600, "exp": int(time.time()) + 7200}, "issued in the future"),
        ({"iat": int(time.time()) - 3600, "exp": int(time.time()) + 3600}, "too old"),
        ({"exp": None}, "no expiry"),
        ({"nonce": "another-nonce"}, "nonce does not match"),
        ({f"{LTI}/deployment_id": "deployment-unknown"}, "deployment id is not registered"),
        ({f"{LTI}/version": "1.1"}, "not an LTI 1.3.0 message"),
        ({f"{LTI}/message_type": "LtiSubmissionReviewRequest"}, "not handled"),
        ({"sub": None}, "anonymous launches"),
        ({f"{LTI}/resource_link": None}, "without a resource link id"),
    ],
)
def test_misaddressed_expired_and_malformed_launches_are_refused(platform, overrides, reason):
    refused(platform, token(platform, **overrides), reason)


def test_several_audiences_with_the_right_authorized_party_pass(platform):
    good = token(platform, aud=["another-tool", platform.client_id], azp=platform.client_id)
    assert lti.verify_launch(good, platform.jwks(), registration(platform), NONCE).sub == "u-1"


def test_a_launch_signed_by_a_key_the_platform_no_longer_publishes_is_refused(platform):
    rotated = Platform(url=platform.url, issuer=platform.issuer)  # a new key pair
    refused(platform, token(platform), "signature does not verify", keys=rotated.jwks())


def test_deep_linking_response_is_signed_by_the_tool_and_verifies_on_the_platform(platform):
    key = lti.new_key("tool-key-1")
    platform.tool_jwks = lti.public_jwks([key])
    settings = lti.DeepLinkSettings(f"{platform.url}/deep_link_return", ("ltiResourceLink",), True, "opaque")
    items = [
        lti.ContentItem("https://tool.example.org/units/alpha", "Alpha", line_item_label="Alpha", resource_id="alpha")
    ]
    claims = lti.deep_linking_response(
        settings, items, platform.client_id, platform.issuer, platform.deployment_id, int(time.time())
    )
    checked = platform.verify_tool_jwt(lti.sign(claims, key), platform.issuer)
    assert checked["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque"
    assert checked["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"][0]["lineItem"] == {
        "scoreMaximum": 100,
        "label": "Alpha",
        "resourceId": "alpha",
    }
