"""With ``TRAINING_COMPRESS_REGISTER=false`` (nginx compresses, docs/deploying.md) the app
sends every page as it is, the lesson page's ready-made Zstandard included."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"COMPRESS_REGISTER": False}


def test_pages_go_uncompressed_when_nginx_compresses(client, login_as):
    login_as("learner")
    browser = {"Accept-Encoding": "gzip, deflate, br, zstd"}
    for path in ("/units/alpha/first-steps", "/dashboard"):
        page = client.get(path, headers=browser)
        assert page.status_code == 200
        assert "Content-Encoding" not in page.headers, path
        assert "Accept-Encoding" not in page.headers.get("Vary", ""), path
        assert page.data.startswith(b"<!doctype html>"), path
