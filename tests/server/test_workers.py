"""How the real server's workers share the requests (``server.worker_class``): a worker busy
with one request leaves the next ones to a free worker, instead of taking them to wait
behind it."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
import requests

from ..livesite import live_site, wait_for

pytestmark = pytest.mark.server


def unread_bytes(server_port: int, client_port: int) -> int | None:
    """Bytes the server has not yet read from one connection (from the kernel's own table),
    or None while no worker has accepted it."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, queues = fields[1], fields[2], fields[4]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
            return int(queues.split(":")[1], 16)
    return None


def test_a_worker_busy_with_a_slow_request_leaves_every_new_visitor_to_a_free_one(tmp_path):
    """A client that sends half a form holds the worker reading it (one request at a time per
    worker, as `training serve` runs by default). Twenty new visitors, each on a connection
    of their own, are all answered at once by the other worker; gunicorn's threaded worker
    took about half of them into the busy worker, where they waited until the slow client
    finished."""
    with live_site(tmp_path, workers=2, threads=1) as site:
        port = int(site.url.rsplit(":", 1)[1])
        slow = socket.create_connection(("127.0.0.1", port))
        try:
            slow.sendall(
                b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=a"
            )
            client_port = slow.getsockname()[1]
            wait_for(lambda: unread_bytes(port, client_port) == 0, "a worker to read the slow request")
            late = []
            for _ in range(20):
                started = time.monotonic()
                try:
                    answer = requests.get(site.url + "/healthz", timeout=(2, 1.5))
                    assert answer.status_code == 200
                except requests.Timeout:
                    late.append(round(time.monotonic() - started, 2))
            assert late == []
        finally:
            slow.close()
        assert requests.get(site.url + "/healthz", timeout=5).status_code == 200
