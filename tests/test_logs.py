"""Logs an operator can search: request ids on every line, in responses and on error pages;
JSON lines that a crafted value cannot break; audit events written whatever the level."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from training.logs import JsonLines, logging_config

HEX32 = re.compile(r"[0-9a-f]{32}")


def test_a_request_id_is_made_when_none_is_given(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert HEX32.fullmatch(first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_the_proxys_request_id_is_kept(client):
    given = "4f1c2a9e8b7d6c5a4f3e2d1c0b9a8f7e"  # what nginx's $request_id looks like
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given


@pytest.mark.parametrize("forged", ["short", "x" * 200, "abc def ghi", "abcdefgh\u202e", "abcdefgh;rm"])
def test_an_unlikely_request_id_is_replaced(client, forged):
    assert HEX32.fullmatch(client.get("/healthz", headers={"X-Request-ID": forged}).headers["X-Request-ID"])


def test_error_pages_give_the_reference(client):
    response = client.get("/no/such/page", headers={"X-Request-ID": "ref-0123456789"})
    assert response.status_code == 404
    assert "Reference for support: ref-0123456789" in response.get_data(as_text=True)


def test_error_pages_give_the_reference_in_french(client):
    page = client.get("/no/such/page?lang=fr", headers={"X-Request-ID": "ref-0123456789"}).get_data(as_text=True)
    assert "Référence pour l’assistance : ref-0123456789" in page


def test_every_line_written_during_a_request_carries_its_id(app, caplog):
    caplog.set_level(logging.INFO)
    with app.test_request_context(headers={"X-Request-ID": "trace-abcdef12"}):
        logging.getLogger("sqlalchemy.anything").warning("inside")
    logging.getLogger("training.anything").warning("outside")
    inside, outside = caplog.records[-2:]
    assert (inside.request_id, outside.request_id) == ("trace-abcdef12", None)


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.getLogger("training.audit").makeRecord(
        "training.audit", logging.INFO, __file__, 1, message, args, None, extra=extra
    )
    return record


def test_json_lines_carry_the_fields_and_cannot_be_forged():
    forged = 'x"}\n{"level": "INFO", "message": "admin signed in'
    line = JsonLines().format(_record("audit %s target=%s", "account.update", forged, event="account.update"))
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "INFO" and data["logger"] == "training.audit" and data["event"] == "account.update"
    assert forged in data["message"] and data["request_id"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", data["time"])


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """dictConfig changes the whole process's logging: put it back afterwards."""
    root = logging.getLogger()
    names = ["training.audit", "training.access", "gunicorn.error", "gunicorn.access"]
    saved = (root.level, root.handlers[:], {n: logging.getLogger(n).level for n in names})
    yield
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def configured(level: str, access: bool = False) -> io.StringIO:
    config = logging_config(level, "json", access)
    out = io.StringIO()
    config["handlers"]["stderr"]["stream"] = out
    logging.config.dictConfig(config)
    return out


def test_audit_events_are_written_even_when_the_level_is_error(logging_restored):
    out = configured("ERROR")
    logging.getLogger("training.audit").info("audit account.create")
    logging.getLogger("training.services.accounts").warning("an ordinary warning")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["message"] for line in lines] == ["audit account.create"]


def test_the_access_log_is_a_line_per_request_when_asked(app, client, logging_restored):
    out = configured("WARNING", access=True)
    client.get("/healthz", headers={"X-Request-ID": "access-12345678"})
    (line,) = [json.loads(text) for text in out.getvalue().splitlines() if '"training.access"' in text]
    assert line["path"] == "/healthz" and line["status"] == 200 and line["route"] == "api.healthz"
    assert line["request_id"] == "access-12345678" and line["duration_ms"] >= 0


def test_a_malformed_log_setting_stops_the_start():
    with pytest.raises(RuntimeError, match="TRAINING_LOG_LEVEL"):
        logging_config("LOUD", "json")
    with pytest.raises(RuntimeError, match="TRAINING_LOG_FORMAT"):
        logging_config("INFO", "xml")


def test_gunicorn_builds_no_access_line_its_logger_would_drop(logging_restored, monkeypatch):
    """gunicorn counts its access lines as wanted whenever it is given a logging configuration,
    and builds each one before its logger drops it; ours asks the logger first."""
    from gunicorn.config import Config

    from training.server import Logger

    config = Config()
    config.set("logconfig_dict", logging_config("INFO", "json"))
    logger = Logger(config)
    built: list[tuple] = []
    monkeypatch.setattr(logger, "atoms", lambda *args: built.append(args) or {"h": "203.0.113.9"})
    lines = io.StringIO()
    capture = logging.StreamHandler(lines)
    access = logging.getLogger("gunicorn.access")
    access.addHandler(capture)
    try:
        logger.access(None, None, {}, None)
        assert built == [] and lines.getvalue() == ""  # off, as configured: nothing built
        access.setLevel(logging.INFO)  # an operator who turns gunicorn's lines on gets them
        logger.access(None, None, {}, None)
        assert len(built) == 1 and "203.0.113.9" in lines.getvalue()
    finally:
        access.removeHandler(capture)
