"""A real learning record store for the tests: Ralph (``ralph-malph`` from PyPI), started on
loopback with its file-system backend and HTTP basic authentication, stopped afterwards.

Ralph pins its own versions of click, FastAPI and others, so it lives in its own virtual
environment, ``.venv-lrs`` (``make lrs``; ``make test`` runs it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from ..helpers import ROOT
from ..livesite import free_port

RALPH_BIN = Path(os.environ.get("TRAINING_TEST_RALPH_BIN", ROOT / ".venv-lrs" / "bin"))
SERVER = Path(__file__).with_name("ralph_server.py")
USERNAME, PASSWORD = "training-platform", "lrs-test-password"


@dataclass
class RecordStore:
    url: str
    folder: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"{self.url}/xAPI/"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "RALPH_APP_DIR": str(self.folder / "app"),
            "RALPH_AUTH_FILE": str(self.folder / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.folder / "data"),
        }

    def start(self) -> None:
        with (self.folder / "lrs.log").open("a") as log:
            self.process = subprocess.Popen(
                [str(RALPH_BIN / "python"), str(SERVER), "127.0.0.1", str(self.port)],
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.folder / "lrs.log").read_text())
            try:
                if requests.get(f"{self.url}/__heartbeat__", timeout=1).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("the record store did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        self.process = None

    def statements(self, **params: str) -> list[dict]:
        response = requests.get(
            f"{self.url}/xAPI/statements",
            params={"limit": "1000", **params},
            auth=(USERNAME, PASSWORD),
            headers={"X-Experience-API-Version": "1.0.3"},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["statements"]


@contextmanager
def record_store(folder: Path) -> Iterator[RecordStore]:
    ralph = RALPH_BIN / "ralph"
    assert ralph.exists(), f"{ralph} is missing: run `make lrs` (Ralph, the learning record store of these tests)"
    port = free_port()
    store = RecordStore(f"http://127.0.0.1:{port}", folder, port)
    subprocess.run(
        [str(ralph), "auth", "-u", USERNAME, "-p", PASSWORD, "-s", "all", "-M", "mailto:platform@example.org", "-w"],
        env=store.env(),
        check=True,
        capture_output=True,
        timeout=120,
    )
    store.start()
    try:
        yield store
    finally:
        store.stop()
