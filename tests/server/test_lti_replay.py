"""One LTI launch, posted ten times at once to the real server (gunicorn, two workers, each
request possibly on another worker): the login's nonce is kept in the database and used up
by one ``DELETE ... RETURNING``, so exactly one post signs in and the others are refused."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from ..interop.lti_platform import LEARNER, NextLaunch, Person, RunningPlatform, form_fields, login_query
from ..livesite import live_site

pytestmark = pytest.mark.server


def test_a_launch_posted_ten_times_at_once_signs_in_once(tmp_path):
    with RunningPlatform() as platform, live_site(tmp_path, workers=2, threads=4) as site:
        platform.tool_redirect_uris = [f"{site.url}/lti/launch"]
        site.command(
            "lti", "register", "--name", "LMS", "--issuer", platform.issuer, "--client-id", platform.client_id,
            "--auth-login-url", f"{platform.url}/auth", "--auth-token-url", f"{platform.url}/token",
            "--key-set-url", f"{platform.url}/jwks", "--deployment", platform.deployment_id,
        )  # fmt: skip
        platform.next_launch = NextLaunch(
            Person("student-1", "Amina Diallo", [LEARNER]), target_link_uri=f"{site.url}/"
        )
        browser = requests.Session()
        started = browser.get(f"{site.url}/lti/login?{login_query(platform, site.url + '/')}", allow_redirects=False)
        assert started.status_code == 302
        page = requests.get(started.headers["Location"], timeout=10)
        path, fields = form_fields(page.text)
        cookies = browser.cookies.get_dict()

        barrier = threading.Barrier(10)

        def post(_index: int) -> int:
            barrier.wait()
            response = requests.post(
                f"{site.url}{path}", data=fields, cookies=cookies, allow_redirects=False, timeout=30
            )
            return response.status_code

        with ThreadPoolExecutor(10) as pool:
            statuses = list(pool.map(post, range(10)))
        assert sorted(statuses) == [303] + [400] * 9, statuses
