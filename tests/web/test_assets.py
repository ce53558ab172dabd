"""Static files under fingerprinted names with long cache lifetimes; compressed responses."""

from __future__ import annotations

import gzip
import re
import subprocess

from training.web.assets import ONE_YEAR

FORM_VALUES = re.compile(r'name="(csrf_token|idempotency_key)" value="[^"]*"')


def _without_form_values(page: str) -> str:
    return FORM_VALUES.sub(r'name="\1" value=""', page)


def test_pages_link_fingerprinted_stylesheets_cached_for_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    href = re.search(r'href="(/static/site\.[0-9a-f]{10}\.css)"', page).group(1)
    response = client.get(href)
    assert response.status_code == 200 and b".skip-link" in response.data
    assert f"max-age={ONE_YEAR}" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]


def test_unfingerprinted_names_are_revalidated(client):
    response = client.get("/static/site.css")
    assert response.status_code == 200
    assert "max-age=0" in response.headers["Cache-Control"]
    assert client.get("/static/nope.css").status_code == 404


def test_pages_are_compressed_for_clients_that_accept_it(client, login_as):
    login_as("learner")
    plain = client.get("/units/alpha/first-steps")
    packed = client.get("/units/alpha/first-steps", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data).decode().count("First steps") >= 1
    assert len(packed.data) < len(plain.data)


def test_browsers_that_accept_zstandard_get_pages_in_it(client, login_as):
    """What current Chromium and Firefox send: Zstandard is preferred (the fastest of the
    three at the levels used, and the smallest), read back by the reference ``zstd`` tool."""
    login_as("learner")
    plain = client.get("/units/alpha/first-steps")
    packed = client.get("/units/alpha/first-steps", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert packed.headers["Content-Encoding"] == "zstd"
    assert "Accept-Encoding" in packed.headers["Vary"]
    unpacked = subprocess.run(["zstd", "-d", "-c"], input=packed.data, capture_output=True, check=True).stdout
    assert _without_form_values(unpacked.decode()) == _without_form_values(plain.get_data(as_text=True))
    assert len(packed.data) < len(plain.data) / 2
    older = client.get("/units/alpha/first-steps", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert older.headers["Content-Encoding"] == "br"


def test_collect_writes_the_files_pages_link_for_nginx_and_only_adds(client, runner, tmp_path):
    target = tmp_path / "static"
    first = runner.invoke(args=["assets", "collect", str(target)])
    assert first.exit_code == 0, first.output
    href = re.search(r'href="/static/(site\.[0-9a-f]{10}\.css)"', client.get("/login").get_data(as_text=True)).group(1)
    collected = target / href
    assert collected.read_bytes() == client.get("/static/site.css").data
    assert gzip.decompress((target / f"{href}.gz").read_bytes()) == collected.read_bytes()
    old_release = target / "site.0123456789.css"  # a file a previous release wrote
    old_release.write_text("body{}")
    again = runner.invoke(args=["assets", "collect", str(target)])
    assert again.exit_code == 0 and "0 file(s) written" in again.output
    assert old_release.exists() and collected.exists()


ENCODINGS_ASKED = [
    "gzip, deflate, br, zstd",
    "zstd",
    "ZSTD",
    "zstd;q=0.5, br",
    "br;q=0.5, zstd;q=0.9",
    "gzip;q=1.0, zstd;q=1.0",
    "zstd;q=0",
    "*",
    "identity",
    "zstd, identity;q=0",
    "gzip",
    "",
]


def test_a_lesson_page_is_in_zstandard_exactly_when_flask_compress_would_choose_it(client, login_as):
    """The lesson page's Zstandard is made from parts compressed ahead of time; the choice of
    encoding is Flask-Compress's own (the dashboard, which it compresses, is the witness),
    and every Zstandard answer reads back, by the reference ``zstd`` tool, as the page."""
    login_as("learner")
    plain = _without_form_values(client.get("/units/alpha/first-steps").get_data(as_text=True))
    for asked in ENCODINGS_ASKED:
        headers = {"Accept-Encoding": asked}
        lesson = client.get("/units/alpha/first-steps", headers=headers)
        witness = client.get("/dashboard", headers=headers)
        assert lesson.headers.get("Content-Encoding") == witness.headers.get("Content-Encoding"), asked
        assert "Accept-Encoding" in lesson.headers["Vary"], asked
        assert int(lesson.headers["Content-Length"]) == len(lesson.data), asked
        if lesson.headers.get("Content-Encoding") == "zstd":
            unpacked = subprocess.run(["zstd", "-d", "-c"], input=lesson.data, capture_output=True, check=True)
            assert _without_form_values(unpacked.stdout.decode()) == plain, asked
            assert len(lesson.data) < len(plain.encode()) * 0.6, asked  # this small page: 2.9 KB of 5.8


def test_conditional_and_fully_rendered_lesson_pages_are_compressed_as_before(client, login_as):
    """A request with conditions, and a page rendered in full (a message is waiting), are
    compressed by Flask-Compress as any page; a matching ``If-None-Match`` still gets a 304."""
    login_as("learner")
    browser = {"Accept-Encoding": "gzip, deflate, br, zstd"}
    first = client.get("/units/alpha/first-steps", headers=browser)
    etag = first.headers["ETag"]
    assert client.get("/units/alpha/first-steps", headers={**browser, "If-None-Match": etag}).status_code == 304
    other = client.get("/units/alpha/first-steps", headers={**browser, "If-None-Match": 'W/"another"'})
    assert other.status_code == 200 and other.headers["Content-Encoding"] == "zstd"
    unpacked = subprocess.run(["zstd", "-d", "-c"], input=other.data, capture_output=True, check=True).stdout
    assert _without_form_values(unpacked.decode()) == _without_form_values(
        subprocess.run(["zstd", "-d", "-c"], input=first.data, capture_output=True, check=True).stdout.decode()
    )
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message waiting")]
    flashed = client.get("/units/alpha/first-steps", headers=browser)
    assert flashed.headers["Content-Encoding"] == "zstd"
    unpacked = subprocess.run(["zstd", "-d", "-c"], input=flashed.data, capture_output=True, check=True).stdout
    assert "A message waiting" in unpacked.decode()


def test_answers_leave_the_compression_step_as_flask_compress_leaves_them(app):
    """The shortcut for requests that accept no encoding and for answers already encoded
    gives what Flask-Compress itself gives: the same body, the same headers."""
    from flask_compress import Compress

    from training.web.assets import compress

    page = "<p>" + "leçon " * 400 + "</p>"
    encodings = [None, "", "gzip", "gzip, deflate, br, zstd", "identity", "zstd;q=0, gzip"]
    answers = [
        {},
        {"Vary": "Cookie"},
        {"Vary": "accept-encoding, Cookie"},
        {"Content-Encoding": "zstd"},
        {"Content-Encoding": "zstd", "Vary": "Accept-Language"},
    ]
    for accepted in encodings:
        environ = {} if accepted is None else {"HTTP_ACCEPT_ENCODING": accepted}
        for headers in answers:
            with app.test_request_context("/units/alpha/first-steps", environ_base=environ):
                ours = compress.after_request(app.response_class(page, mimetype="text/html", headers=headers))
                theirs = Compress.after_request(
                    compress, app.response_class(page, mimetype="text/html", headers=headers)
                )
                assert ours.get_data() == theirs.get_data(), (accepted, headers)
                assert ours.headers.to_wsgi_list() == theirs.headers.to_wsgi_list(), (accepted, headers)
