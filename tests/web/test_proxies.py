"""Client addresses behind a reverse proxy: taken from X-Forwarded-For only as far as the
configured proxies go, and only from the proxies' own addresses."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from training import create_app
from training.extensions import db
from training.models import AuditEvent

from ..factories import make_user
from ..helpers import Auth, make_config

PROXY = "127.0.0.1"


def audited_address(app, client, peer: str, forwarded: str) -> str:
    """Sign in as an administrator and export a report, every request arriving from ``peer``
    with ``forwarded`` as X-Forwarded-For; the address the audit trail recorded."""
    client.environ_base.update({"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded})
    admin = make_user(role="admin")
    assert Auth(client).login(admin.email).status_code == 302
    assert client.get("/admin/reports/completion.csv").status_code == 200
    db.session.rollback()  # end the test's own read snapshot: the request wrote after it began
    return db.session.scalar(sa.select(AuditEvent.ip).order_by(AuditEvent.id.desc()))


@pytest.mark.parametrize(
    ("app_overrides", "peer", "forwarded", "recorded"),
    [
        pytest.param({"TRUSTED_PROXIES": 1}, PROXY, "203.0.113.9", "203.0.113.9", id="behind nginx: the client"),
        pytest.param(
            {"TRUSTED_PROXIES": 1}, PROXY, "198.51.100.7, 203.0.113.9", "203.0.113.9", id="a forged hop is ignored"
        ),
        pytest.param(
            {"TRUSTED_PROXIES": 2}, PROXY, "198.51.100.7, 203.0.113.9", "198.51.100.7", id="two proxies: two hops"
        ),
        pytest.param({"TRUSTED_PROXIES": 1}, "192.0.2.50", "203.0.113.9", "192.0.2.50", id="not from a proxy: ignored"),
        pytest.param({"TRUSTED_PROXIES": 0}, PROXY, "203.0.113.9", PROXY, id="no proxy configured: the peer"),
    ],
)
def test_the_recorded_client_address(app, client, peer, forwarded, recorded):
    assert audited_address(app, client, peer, forwarded) == recorded


@pytest.mark.parametrize(
    "setting", [{"TRUSTED_PROXIES": -1}, {"TRUSTED_PROXIES": "one"}, {"FORWARDED_ALLOW_IPS": "nginx"}]
)
def test_a_malformed_proxy_setting_stops_the_start(tmp_path: Path, setting):
    with pytest.raises(RuntimeError, match="TRAINING_(TRUSTED_PROXIES|FORWARDED_ALLOW_IPS)"):
        create_app(make_config(tmp_path, **setting))
