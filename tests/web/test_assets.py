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
