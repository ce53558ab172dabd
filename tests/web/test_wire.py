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


def test_setting_headers_gives_werkzeugs_headers():
    """Setting a header (present in any case, absent, repeated) and adding the platform's
    constant headers leave the same list as Werkzeug's ``set`` and ``setdefault``; a value with
    a line break is refused as Werkzeug refuses it."""
    from werkzeug.datastructures import Headers as Werkzeugs

    from training import Headers

    pairs = [("Content-Type", "text/html"), ("Vary", "Cookie"), ("vary", "Accept-Language"), ("X-Count", "3")]
    ours, theirs = Headers(pairs), Werkzeugs(pairs)
    for name, value in [("VARY", "Accept-Encoding"), ("ETag", 'W/"1"'), ("x-count", 4), ("Date", "now"), ("ETag", "2")]:
        ours[name] = value
        theirs[name] = value
        assert ours.to_wsgi_list() == theirs.to_wsgi_list(), name
    ours.set("Content-Type", "text/plain", charset="utf-8")
    theirs.set("Content-Type", "text/plain", charset="utf-8")
    assert ours.to_wsgi_list() == theirs.to_wsgi_list()
    with pytest.raises(ValueError):
        ours["X-Injected"] = "a\r\nSet-Cookie: x=1"
    assert "X-Injected" not in ours

    constant = (("X-Frame-Options", "DENY"), ("X-Count", "5"), ("Referrer-Policy", "no-referrer"))
    ours.add_absent(constant)
    for name, value in constant:
        theirs.setdefault(name, value)
    assert ours.to_wsgi_list() == theirs.to_wsgi_list()
    with pytest.raises(ValueError):
        Headers().add_absent((("X-Bad", "a\nb"),))


@pytest.mark.parametrize(
    "vary",
    [None, "", "Cookie", "Accept-Encoding, Accept-Language, Cookie", " cookie ,, Accept-Language\t", '"Cookie", X'],
)
def test_vary_reads_and_changes_as_werkzeugs(app, vary):
    """Flask adds ``Cookie`` to ``Vary`` on every answer; the platform's reading of the header
    gives Werkzeug's set, and a change writes the header Werkzeug would write."""
    make = app.response_class
    ours, theirs = make("x"), Response("x")
    if vary is not None:
        ours.headers["Vary"] = theirs.headers["Vary"] = vary
    assert list(ours.vary) == list(theirs.vary)
    for name in ("Cookie", "Accept-Encoding", "Origin"):
        ours.vary.add(name)
        theirs.vary.add(name)
        assert ours.headers.get("Vary") == theirs.headers.get("Vary"), name
    ours.vary = theirs.vary = ["Accept-Language"]
    assert ours.headers.get("Vary") == theirs.headers.get("Vary") == "Accept-Language"


def test_routes_match_as_werkzeugs_and_again_after_a_change():
    """The remembering matcher finds what Werkzeug's finds (a route and its values, a 404, a
    405, a redirect to the address with a slash), gives each caller its own values, and
    forgets what it found when a rule is added."""
    from werkzeug.exceptions import MethodNotAllowed, NotFound
    from werkzeug.routing import Map, Rule
    from werkzeug.routing.exceptions import RequestRedirect

    from training import Routes

    rules = [
        Rule("/units/<unit_id>/<lesson_id>", endpoint="lesson"),
        Rule("/admin/learners/<int:user_id>", endpoint="learner"),
        Rule("/quiz/<unit_id>/", endpoint="quiz"),
        Rule("/certificates", endpoint="issue", methods=["POST"]),
    ]

    def outcome(adapter, path, method="GET"):
        try:
            return adapter.match(path, method, return_rule=True)
        except (NotFound, MethodNotAllowed, RequestRedirect) as refused:
            return type(refused).__name__, getattr(refused, "new_url", None)

    ours, theirs = Routes([Rule(r.rule, endpoint=r.endpoint, methods=r.methods) for r in rules]), Map(rules)
    asked = [
        ("/units/concepts/who-is-a-migrant", "GET"),
        ("/units/concepts/who-is-a-migrant", "HEAD"),
        ("/admin/learners/42", "GET"),
        ("/admin/learners/forty-two", "GET"),
        ("/quiz/concepts", "GET"),
        ("/certificates", "GET"),
        ("/nowhere", "GET"),
    ]
    for _ in range(2):  # the second time from what was remembered
        for path, method in asked:
            mine = outcome(ours.bind("training.example.org"), path, method)
            werkzeugs = outcome(theirs.bind("training.example.org"), path, method)
            assert str(mine) == str(werkzeugs), (path, method)

    adapter = ours.bind("training.example.org")
    first = adapter.match("/units/a/b", return_rule=True)[1]
    first["unit_id"] = "changed by a caller"
    assert adapter.match("/units/a/b", return_rule=True)[1] == {"unit_id": "a", "lesson_id": "b"}

    ours.add(Rule("/units/<unit_id>/quiz", endpoint="unit_quiz"))
    assert ours.bind("training.example.org").match("/units/a/quiz")[0] == "unit_quiz"
