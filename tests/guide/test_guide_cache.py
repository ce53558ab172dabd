"""The PDF cache: built once per key even when many workers ask at once, written atomically."""

from __future__ import annotations

import threading
import time

import pytest

from training.guide.cache import MAX_ENTRIES, cache_key, cached_file, cached_path


def test_concurrent_requests_build_once_and_never_see_half_a_file(tmp_path):
    calls = []

    def build() -> bytes:
        calls.append(1)
        time.sleep(0.2)
        return b"%PDF-" + b"x" * 100_000

    barrier = threading.Barrier(6)
    results = []

    def ask() -> None:
        barrier.wait()
        results.append(cached_file(tmp_path, {"kind": "guide", "n": 1}, build).read_bytes())

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len(results) == 6 and all(r == results[0] and len(r) == 100_005 for r in results)
    assert not list(tmp_path.glob("*.part"))


def test_a_failed_build_leaves_nothing_behind(tmp_path):
    def fail() -> bytes:
        raise RuntimeError("typesetting failed")

    with pytest.raises(RuntimeError, match="typesetting failed"):
        cached_file(tmp_path, {"kind": "broken"}, fail)
    assert cached_path(tmp_path, {"kind": "broken"}) is None
    assert not list(tmp_path.glob("*.pdf")) and not list(tmp_path.glob("*.part"))


def test_keys_differ_by_every_part_and_old_entries_are_pruned(tmp_path):
    assert cache_key({"a": 1, "b": [1, 2]}) == cache_key({"b": [1, 2], "a": 1})
    assert cache_key({"a": 1}) != cache_key({"a": 2})
    for n in range(MAX_ENTRIES + 5):
        cached_file(tmp_path, {"n": n}, lambda: b"%PDF")
    assert len(list(tmp_path.glob("*.pdf"))) == MAX_ENTRIES
