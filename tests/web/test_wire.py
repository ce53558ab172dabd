"""What the platform's answers carry on the wire is what Werkzeug would make of them: the
shortcuts taken for plain answers (headers handed over as they are, no conditional
processing when the request asks for none) change nothing a client sees."""

from __future__ import annotations

import hashlib

import pytest
from flask import Response, request

from training.web.wire import CONDITIONS, conditional_page


def _answers(app) -> list[Response]:
    make = app.response_class
    return [
        make("<p>Leçon</p>", mimetype="text/html"),
        make("<p>page</p>", status=200, headers={"Location": "/units/é/leçon"}),
        make("", status=302, headers={"Location": "/units/é/leçon?x=ü"}),
        make("", status=303, headers={"Location": "https://example.org/a b"}),
        make("<p>gone</p>", status=404),
        make("", status=204),
        make("body", status=304, headers={"ETag": 'W/"x"', "Content-Type": "text/html"}),
        make("data", headers={"Content-Location": "/files/données.csv"}),
        make(iter([b"a", b"b"]), mimetype="text/csv"),  # streamed: no length
        make("x", headers={"Content-Length": "1", "Content-Encoding": "br"}),
    ]


def test_every_answer_reaches_the_server_with_the_headers_werkzeug_would_send(app):
    with app.test_request_context("/units/alpha/first-steps", base_url="https://training.example.org"):
        for answer in _answers(app):
            ours = answer.get_wsgi_headers(request.environ).to_wsgi_list()
            werkzeugs = Response.get_wsgi_headers(answer, request.environ).to_wsgi_list()
            assert ours == werkzeugs, answer


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"If-None-Match": "PLACEHOLDER"},
        {"If-None-Match": 'W/"something else"'},
        {"If-Match": 'W/"something else"'},
        {"If-Modified-Since": "Mon, 07 Dec 2026 08:00:00 GMT"},
        {"Range": "bytes=0-3"},
        {"Range": "bytes=0-3", "If-Range": 'W/"something else"'},
    ],
)
def test_a_conditional_page_answers_as_werkzeugs_make_conditional_does(app, headers):
    """With or without conditional headers, the page, its status and its headers (but
    ``Date``, which the server writes) are the ones ``make_conditional`` gives."""
    identity = hashlib.sha256(b"the page").digest()
    etag = 'W/"' + hashlib.sha256(identity + b"\0").hexdigest()[:32] + '"'
    sent = {name: (etag if value == "PLACEHOLDER" else value) for name, value in headers.items()}
    assert {"HTTP_" + name.upper().replace("-", "_") for name in sent} <= set(CONDITIONS)
    with app.test_request_context("/units/alpha/first-steps", headers=sent):
        ours = conditional_page(app.response_class("<p>page</p>", mimetype="text/html"), identity)
        theirs = app.response_class("<p>page</p>", mimetype="text/html")
        theirs.set_etag(etag[3:-1], weak=True)
        theirs.make_conditional(request)
        assert ours.headers["ETag"] == etag
        assert ours.status_code == theirs.status_code
        assert ours.get_data() == theirs.get_data()
        without_date = [(k, v) for k, v in theirs.get_wsgi_headers(request.environ) if k != "Date"]
        assert [(k, v) for k, v in ours.get_wsgi_headers(request.environ) if k != "Date"] == without_date


def test_response_headers_answer_as_werkzeugs_do():
    """The platform's headers answer "is it there?" and "what is it?" without an exception for
    an absent header; the answers are Werkzeug's."""
    from werkzeug.datastructures import Headers as Werkzeugs

    from training import Headers

    pairs = [("Content-Type", "text/html"), ("Vary", "Cookie"), ("vary", "Accept-Language"), ("X-Count", "3")]
    ours, theirs = Headers(pairs), Werkzeugs(pairs)
    for name in ("Vary", "VARY", "vary", "content-type", "X-Count", "ETag", "", "Date"):
        assert (name in ours) == (name in theirs), name
        assert ours.get(name) == theirs.get(name), name
        assert ours.get(name, "none") == theirs.get(name, "none"), name
    assert ours.get("X-Count", type=int) == theirs.get("X-Count", type=int) == 3
    assert ours.get("ETag", type=int) is theirs.get("ETag", type=int) is None
