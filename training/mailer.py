"""Handing messages to a mail server: SMTP through the standard library (``smtplib`` and
``email.message``), or the console when no server is configured.

Nothing here touches the database: :mod:`training.services.mail` claims messages from the
outbox, hands them to a :class:`Connection` and records what happened.
"""

from __future__ import annotations

import smtplib
import ssl
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any, Protocol, TextIO

from .models import utcnow

IMPLICIT_TLS_PORT = 465


class SendFailed(Exception):
    """The server did not take the message. ``permanent``: trying again will not help (the
    address was refused with a 5xx answer); otherwise it is tried again later."""

    def __init__(self, message: str, permanent: bool = False, connection: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.connection = connection
        """The server could not be reached at all: the other messages of the batch would fail too."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message as the outbox holds it."""

    to: str
    subject: str
    text: str
    html: str
    language: str
    kind: str
    unsubscribe: str | None = None
    """The link that turns this kind of message off, for the ``List-Unsubscribe`` headers."""


def build(outgoing: Outgoing, sender: str) -> EmailMessage:
    """A multipart/alternative message: the plain text first, then the HTML. Headers are
    checked by the standard library (a line break in one raises, so nothing can be injected)."""
    message = EmailMessage()
    name, address = parseaddr(sender)
    message["From"] = Address(name, addr_spec=address) if name else address
    message["To"] = outgoing.to
    message["Subject"] = outgoing.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    if outgoing.unsubscribe:  # RFC 2369 and RFC 8058: the mail program's own "unsubscribe" button
        message["List-Unsubscribe"] = f"<{outgoing.unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(outgoing.text)
    message.add_alternative(outgoing.html, subtype="html")
    message["Content-Language"] = outgoing.language  # after: making the parts moves Content-* headers
    return message


class Connection(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpConnection:
    """One SMTP session for a batch of messages, opened on the first message."""

    def __init__(self, config: Mapping[str, Any]):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        config = self.config
        host, port, timeout = config["MAIL_SERVER"], int(config["MAIL_PORT"]), float(config["MAIL_TIMEOUT"])
        try:
            if port == IMPLICIT_TLS_PORT:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
                if config["MAIL_USE_TLS"]:
                    smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(f"cannot reach the mail server {host}:{port}: {_describe(exc)}", connection=True) from exc
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._open()
        try:
            self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            raise SendFailed(f"address refused: {_describe(exc)}", permanent=all(c >= 500 for c in codes)) from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing the session
                self.smtp = None
                raise SendFailed(_describe(exc), connection=True) from exc
            raise SendFailed(_describe(exc), permanent=exc.smtp_code >= 500) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.smtp = None  # the session is gone; the next message opens a new one
            raise SendFailed(f"the mail server went away: {_describe(exc)}", connection=True) from exc

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.smtp = None


class ConsoleConnection:
    """No mail server: each message is written to standard error (the server's log), as
    Django's console backend does, so `make run` shows the links a person would receive."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr

    def send(self, message: EmailMessage) -> None:
        text = message.get_body(("plain",))
        body = text.get_content() if text is not None else ""
        self.stream.write(
            f"---- email (no TRAINING_MAIL_SERVER set, so it is shown here instead of sent) ----\n"
            f"From: {message['From']}\nTo: {message['To']}\nSubject: {message['Subject']}\n\n{body}\n"
            "---- end of email ----\n"
        )
        self.stream.flush()

    def close(self) -> None:
        pass


@contextmanager
def connect(config: Mapping[str, Any]) -> Iterator[Connection]:
    """A connection for a batch: SMTP when ``MAIL_SERVER`` is set, else the console."""
    connection: SmtpConnection | ConsoleConnection = (
        SmtpConnection(config) if config.get("MAIL_SERVER") else ConsoleConnection()
    )
    try:
        yield connection
    finally:
        connection.close()


def _describe(exc: BaseException) -> str:
    """An error in one line for the log (SMTP answers are bytes)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {error}".replace("\n", " ")[:400]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for address, (code, text) in exc.recipients.items()
        )[:400]
    return f"{type(exc).__name__}: {exc}".replace("\n", " ")[:400]
