"""Client addresses behind reverse proxies.

Behind nginx every connection comes from nginx, so the address that sign-in throttling, the
audit trail and the logs record would be nginx's for everyone. ``TRUSTED_PROXIES`` (how many
proxies in front add themselves to ``X-Forwarded-For``; nginx alone is 1) turns on Werkzeug's
:class:`~werkzeug.middleware.proxy_fix.ProxyFix`, which takes the client address and scheme
from the headers those proxies set, counting from the right so that anything a client put in
the header itself is ignored.

ProxyFix believes the headers of whoever connects. So that a client who reaches an app server
directly (a firewall left open) cannot pick its own address, the headers are honoured only on
connections from ``FORWARDED_ALLOW_IPS`` (addresses or networks; gunicorn's setting of the
same name, which ``training serve`` passes on, guards the scheme headers the same way).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str | Iterable[str]) -> tuple[Network, ...]:
    """``"127.0.0.1, 10.0.0.0/8"`` as networks (``*``: any address, as in gunicorn); a
    malformed entry raises ValueError."""
    items = [item.strip() for item in (value.split(",") if isinstance(value, str) else value)]
    if "*" in items:
        return (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))
    return tuple(ipaddress.ip_network(item) for item in items if item)


class TrustedProxyFix:
    """ProxyFix for connections from the trusted proxies; everyone else as they connect."""

    def __init__(self, app: WSGIApplication, proxies: int, networks: tuple[Network, ...]):
        self.direct = app
        self.fixed = ProxyFix(app, x_for=proxies, x_proto=proxies)
        self.networks = networks

    def trusted(self, peer: str | None) -> bool:
        try:
            address = ipaddress.ip_address(peer or "")
        except ValueError:  # a Unix socket: only a local proxy can reach it
            return peer is None or peer == ""
        return any(address in network for network in self.networks)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        app = self.fixed if self.trusted(environ.get("REMOTE_ADDR")) else self.direct
        return app(environ, start_response)


def init_app(app: Flask) -> None:
    proxies = app.config["TRUSTED_PROXIES"]
    if not isinstance(proxies, int) or isinstance(proxies, bool) or not 0 <= proxies <= 5:
        raise RuntimeError(f"TRAINING_TRUSTED_PROXIES must be a whole number from 0 to 5, not {proxies!r}")
    try:
        networks = parse_networks(app.config["FORWARDED_ALLOW_IPS"])
    except ValueError as exc:
        raise RuntimeError(f"TRAINING_FORWARDED_ALLOW_IPS: {exc}") from None
    if proxies:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, proxies, networks)  # type: ignore[method-assign]
