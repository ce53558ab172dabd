"""A real SMTP server for the tests: aiosmtpd on loopback, started and stopped by a fixture.
The messages it receives are parsed with the standard library, as a mail client would."""

from __future__ import annotations

import email
import email.policy
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from .livesite import free_port, wait_for

LINK = re.compile(r"https?://\S+")


@dataclass
class Inbox:
    """What the server received, and which recipients it refuses (550, permanently)."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"].addresses[0].addr_spec == address]

    def wait_for(self, address: str, count: int = 1, timeout: float = 20) -> list[EmailMessage]:
        wait_for(lambda: len(self.to(address)) >= count, f"{count} message(s) to {address}", timeout)
        return self.to(address)


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def config(self) -> dict[str, Any]:
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_USE_TLS": False}

    @property
    def env(self) -> dict[str, str]:
        return {"TRAINING_MAIL_SERVER": self.host, "TRAINING_MAIL_PORT": str(self.port)}


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[SmtpServer]:
    server = SmtpServer("127.0.0.1", port or free_port(), Inbox())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None, "no plain-text part"
    return part.get_content()


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None, "no HTML part"
    return part.get_content()


def link_in(message: EmailMessage, path: str = "") -> str:
    """The link of a message (the one under ``path``), the same in both parts."""
    found = [url for url in LINK.findall(text_of(message)) if path in url]
    assert found, f"no link to {path!r} in: {text_of(message)}"
    assert found[0] in html_of(message)
    return found[0]


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]
