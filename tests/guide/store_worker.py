"""One app server asking for a PDF, as a separate process: run by ``test_guide_store``.

``python -m tests.guide.store_worker DATABASE_URL NAME USER LOG GO LIMIT DELAY`` creates the
app on the shared database, says it is ready (file GO.ready.PID), waits until the file GO
exists (so that several workers ask at once), then asks the shared store for the PDF called
NAME. Its build appends this process's id to LOG and takes DELAY seconds longer than
typesetting. Prints one JSON line.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

from training import create_app, guide
from training.course import get_catalogue
from training.services.guide_pdfs import DatabaseStore

from ..helpers import MINIMAL


def main(database_url: str, name: str, user: str, log: str, go: str, limit: str, delay: str) -> None:
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
            "DATABASE_URL": database_url,
            "CONTENT_DIR": str(MINIMAL),
            "GUIDE_BUILDS_IN_FLIGHT": int(limit),
        }
    )
    with app.app_context():
        catalogue = get_catalogue()
        key = guide.pdf_key(catalogue, "store-test", name=name)

        def build() -> bytes:
            with open(log, "a") as out:
                out.write(f"{os.getpid()}\n")
            time.sleep(float(delay))
            return guide.handout_pdf(catalogue, catalogue.units[0])

        Path(f"{go}.ready.{os.getpid()}").touch()
        while not Path(go).exists():
            time.sleep(0.01)
        try:
            data = guide.cached_pdf(DatabaseStore(), key, build, user=user or None, poll=0.05)
        except guide.Busy as exc:
            print(json.dumps({"busy": exc.scope}))
        else:
            print(json.dumps({"sha256": hashlib.sha256(data).hexdigest()}))


if __name__ == "__main__":
    main(*sys.argv[1:])
