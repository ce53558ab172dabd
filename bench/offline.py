"""What saving units for offline use costs a learner: bytes on the device and on the wire.

    .venv/bin/python bench/offline.py [--units concepts,data]

Starts the real server (gunicorn) with the course in this repository, signs a learner in and
fetches everything "Save this unit for offline use" stores, exactly as the device does (the
unit page, its lessons, its handout, the course map, the saved-units list and the static
files; the same ``Offline-Save`` request header), once accepting Brotli and gzip as
browsers do. Prints, per unit and for the whole course: the bytes stored on the device and
the bytes sent over the network, and the size shown to the learner before saving. See
docs/performance.md.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
from pathlib import Path

import brotli

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.livesite import Browser, live_site  # noqa: E402

SAVE = {"Offline-Save": "1", "Accept-Encoding": "br, gzip"}
DECODERS = {"br": brotli.decompress, "gzip": gzip.decompress}


def fetch(browser: Browser, url: str) -> tuple[int, int]:
    """(bytes stored on the device, bytes on the wire) of one saved file."""
    response = browser.http.get(browser.site.url + url, headers=SAVE, stream=True, timeout=300)
    response.raise_for_status()
    wire = response.raw.read(decode_content=False)
    decode = DECODERS.get(response.headers.get("Content-Encoding", ""), lambda data: data)
    return len(decode(wire)), len(wire)


def kb(n: int) -> str:
    return f"{n / 1000:,.1f} kB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", help="comma-separated unit ids (default: every unit)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, live_site(Path(tmp), workers=2, content=ROOT) as site:
        browser = Browser(site)
        email = site.create_user("saver@example.org", name="Saving Learner")
        assert browser.login(email).status_code == 302
        info = browser.get("/offline/units.json").json()
        wanted = set(args.units.split(",")) if args.units else None
        shared = [info["course_map"], info["saved_list"], *info["assets"]]
        shared_sizes = [fetch(browser, url) for url in shared]
        shared_stored = sum(s for s, _ in shared_sizes)
        shared_wire = sum(w for _, w in shared_sizes)
        print(
            f"Shared by every saved unit (course map, saved list, stylesheet, scripts): "
            f"{kb(shared_stored)} stored, {kb(shared_wire)} on the wire"
        )
        print(f"{'unit':32} {'lessons':>8} {'handout':>10} {'stored':>10} {'on wire':>10} {'shown':>10}")
        total_stored, total_wire = shared_stored, shared_wire
        for unit in info["units"]:
            if wanted and unit["id"] not in wanted:
                continue
            pages = [fetch(browser, unit["page"])] + [fetch(browser, lesson["url"]) for lesson in unit["lessons"]]
            handout = fetch(browser, unit["handout"])
            stored = sum(s for s, _ in pages) + handout[0]
            wire = sum(w for _, w in pages) + handout[1]
            total_stored += stored
            total_wire += wire
            shown = unit["bytes"] + info["shared_bytes"] + (unit["handout_bytes"] or 0)
            print(
                f"{unit['order']:>2}. {unit['id'][:28]:28} {len(unit['lessons']):>8} {kb(handout[0]):>10} "
                f"{kb(stored + shared_stored):>10} {kb(wire + shared_wire):>10} {kb(shown):>10}"
            )
        print(f"All of the above saved together: {kb(total_stored)} stored, {kb(total_wire)} on the wire")
        print(
            "(stored and on-wire figures of a unit include the shared files, which a second unit does not fetch again)"
        )


if __name__ == "__main__":
    main()
