"""In-process CPU per request for the most requested pages, steadier than wrk on a shared
machine: no sockets, no gunicorn, just the app answering a signed-in learner, called as a WSGI
server calls it, after the preparation `training serve` makes before its workers start.

    .venv/bin/python bench/cpu.py [--requests 300] [--rounds 5] [--tree /tmp/base]
                                      [--only lesson,map,dashboard] [--encoding browser] [--cold]
                                      [--cprofile lesson [--sort tottime] [--profile-out FILE]]

``--tree`` measures another checkout (for example ``main``) with this interpreter, so two
trees can be compared side by side. Prints, per page, the median over the rounds of the CPU
time per request (``time.process_time``), and checks every answer is a 200.

By default 200 learners take turns, so after the first round every learner's session cookie
and form token are ones the process has checked and signed before (a reader turning pages).
``--cold`` gives every request a learner the process has not seen: the first page after a
sign-in, after the idle clock renewed the cookie, or on another worker, as most requests are
in the serving benchmark (its cookies are made afresh for every run).
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from werkzeug.test import EnvironBuilder

HERE = Path(__file__).resolve().parent.parent
PAGES = {"lesson": "/units/concepts/who-is-a-migrant", "map": "/", "dashboard": "/dashboard"}
BROWSER = "gzip, deflate, br, zstd"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tree", type=Path, default=HERE, help="the checkout to measure (default: this one)")
    parser.add_argument("--only", default="lesson,map,dashboard")
    parser.add_argument("--encoding", choices=("identity", "browser"), default="identity")
    parser.add_argument("--cold", action="store_true", help="every request by a learner not seen before")
    parser.add_argument("--cprofile", default="", help="a page to profile with cProfile instead of timing")
    parser.add_argument("--sort", default="cumulative", help="pstats order for --cprofile (tottime: own time)")
    parser.add_argument("--profile-out", type=Path, default=None, help="also write --cprofile's stats here")
    parser.add_argument("--dump", type=Path, default=None, help="write each page here first (to compare two trees)")
    args = parser.parse_args()

    tree = args.tree.resolve()
    sys.path[:0] = [str(tree), str(HERE)]
    work = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    env = {
        "TRAINING_ENV_NAME": "production",
        "TRAINING_SECRET_KEY": secrets.token_urlsafe(48),
        "TRAINING_DATABASE_URL": f"sqlite:///{work / 'bench.db'}",
        "TRAINING_ALLOW_SQLITE": "1",
        "TRAINING_CONTENT_DIR": str(tree),
        "TRAINING_GUIDE_CACHE_DIR": str(work / "guide-cache"),
    }
    os.environ.update(env)
    subprocess.run(
        [sys.executable, "-c", "from training.cli import cli; cli()", "db", "upgrade"],
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=tree,
        check=True,
        capture_output=True,
    )
    import training
    from bench.serving import Seeder, mark_lesson_opened
    from training.server import prepare_to_fork

    assert Path(training.__file__).resolve().is_relative_to(tree), training.__file__
    seeder = Seeder(env)
    pages = [n.strip() for n in args.only.split(",") if n.strip()] if not args.cprofile else [args.cprofile]
    needed = len(pages) * (50 + args.requests * (1 if args.cprofile else args.rounds))
    readers = seeder.readers(needed if args.cold else 200)["readers"]
    unseen = iter(readers)
    mark_lesson_opened(env["TRAINING_DATABASE_URL"])
    client = seeder.app.test_client(use_cookies=False)  # the Cookie header is ours
    headers = {"Accept-Encoding": BROWSER} if args.encoding == "browser" else {}

    prepare_to_fork(seeder.app)  # what `training serve` does before its workers start
    statuses: list[str] = []

    def start_response(status: str, _headers: list, _exc_info: object = None) -> None:
        statuses.append(status)

    def serve(path: str, count: int) -> float:
        """The app called as a WSGI server calls it, each request with its own copy of one
        environ (Werkzeug's test client would add its own work to every request)."""
        people = [next(unseen) for _ in range(count)] if args.cold else readers
        cookies = [seeder.cookies.session(uid) for uid in people]
        environ = EnvironBuilder(path=path, base_url="https://localhost", headers=headers).get_environ()
        start = time.process_time()
        for i in range(count):
            request = {**environ, "HTTP_COOKIE": cookies[i % len(cookies)], "wsgi.input": io.BytesIO()}
            body = seeder.app(request, start_response)
            b"".join(body)
            getattr(body, "close", lambda: None)()
        spent = (time.process_time() - start) / count * 1000
        refused = [status for status in statuses if not status.startswith("200")]
        if refused:
            raise SystemExit(f"{path}: {refused[0]}")
        statuses.clear()
        return spent

    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        cookie = seeder.cookies.session(readers[0])
        for name, path in PAGES.items():
            answer = client.get(path, base_url="https://localhost", headers={**headers, "Cookie": cookie})
            (args.dump / f"{name}.html").write_bytes(answer.get_data())
            headers_seen = sorted(f"{k}: {v}" for k, v in answer.headers.items() if k not in ("X-Request-ID", "Date"))
            (args.dump / f"{name}.headers").write_text("\n".join(headers_seen) + "\n")
    if args.cprofile:
        import cProfile
        import pstats

        serve(PAGES[args.cprofile], 50)
        profiler = cProfile.Profile()
        profiler.enable()
        serve(PAGES[args.cprofile], args.requests)
        profiler.disable()
        if args.profile_out:
            profiler.dump_stats(args.profile_out)  # for pstats' callers and callees
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(40)
        return
    kind = f"{args.encoding}{', cold' if args.cold else ''}"
    print(f"{tree}  ({kind}, {args.requests} requests x {args.rounds} rounds, load {os.getloadavg()[0]:.1f})")
    for name in pages:
        serve(PAGES[name], 50)  # warm: caches filled, as in a worker that has served a while
        per_request = [serve(PAGES[name], args.requests) for _ in range(args.rounds)]
        print(f"  {name:<10} {statistics.median(per_request):6.3f} ms CPU per request (median)")


if __name__ == "__main__":
    main()
