"""Mail queued by a request is tried right after the response has gone, in a background
thread, so sending never delays a page. Each worker process runs at most one such thread at
a time; claims in the database (:func:`training.services.mail.claim`) keep several
workers and the ``training mail send-pending`` timer from sending a message twice. A try
that fails changes nothing for the person: the message stays in the outbox for the timer.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from flask import Flask, Response, current_app

from ..context import the_app
from ..services import mail

log = logging.getLogger("training.mail")
EXTENSION_KEY = "training.mail_sender"
ROUNDS = 1  # one batch: the timer sends any backlog


@dataclass
class BackgroundSender:
    lock: threading.Lock = field(default_factory=threading.Lock)
    running: bool = False
    again: bool = False

    def start(self, app: Flask) -> None:
        with self.lock:
            if self.running:
                self.again = True  # the running thread goes round once more
                return
            self.running = True
        threading.Thread(target=self._run, args=(app,), name="mail-sender", daemon=True).start()

    def _run(self, app: Flask) -> None:
        while True:
            try:
                with app.app_context():
                    mail.send_pending(rounds=ROUNDS)
            except Exception:  # the timer retries; a bug here must not kill the worker
                log.exception("background mail sending failed; the messages stay in the outbox")
            with self.lock:
                if not self.again:
                    self.running = False
                    return
                self.again = False


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = BackgroundSender()
    app.after_request(send_after_response)


def send_after_response(response: Response) -> Response:
    """If this request queued mail, send it once the response is closed (sent)."""
    if mail.queued_here() and current_app.config["MAIL_SEND_AFTER_REQUEST"]:
        app = the_app()
        sender: BackgroundSender = app.extensions[EXTENSION_KEY]
        response.call_on_close(lambda: sender.start(app))
    return response
