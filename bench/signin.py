"""Sign-in and registration timing: does the time an answer takes tell whether an account exists?

    .venv/bin/python bench/signin.py [--rounds 25] [--database-url URL]

The app runs in this process with the production password-hashing cost (argon2id, the
settings in ``training/config.py``) on a throwaway SQLite database (or the one given). Each
round posts the sign-in form once for every kind of address, in turn, each from its own
client address so throttling never answers instead of the password check:

* a known, active account with a wrong password (the baseline the others are compared to);
* an address nobody has;
* a deactivated account, with a wrong password and with its right one;
* an account whose password is a temporary one (hashed with light settings);

then registers once with a new address and once with an address that has an account. The
medians (milliseconds) and each kind's ratio to the baseline are printed, and whether the
answers are the same, byte for byte, once the form token and the address typed (which the
form keeps) are set aside. See docs/security.md
SIGN-7 and SIGN-8.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from training import create_app  # noqa: E402
from training.config import Config  # noqa: E402
from training.extensions import db  # noqa: E402
from training.models import User  # noqa: E402

PASSWORD = "a long enough passphrase"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def masked(body: str) -> str:
    return TOKEN.sub('name="csrf_token" value=""', body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-signin-"))
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SECRET_KEY": "bench-secret-key-bench-secret-key-0123456789",
            "DATABASE_URL": args.database_url or f"sqlite:///{folder / 'bench.db'}",
            "CONTENT_DIR": str(ROOT / "tests" / "fixtures" / "content" / "minimal"),
            "GUIDE_CACHE_DIR": str(folder / "guide-cache"),
            "ARGON2_TIME_COST": Config.ARGON2_TIME_COST,
            "ARGON2_MEMORY_COST": Config.ARGON2_MEMORY_COST,
            "ARGON2_PARALLELISM": Config.ARGON2_PARALLELISM,
            "LOGIN_MAX_FAILURES": 10**6,
            "LOGIN_MAX_FAILURES_PER_IP": 10**6,
        }
    )
    with app.app_context():
        from training.models import Base
        from training.services import accounts

        Base.metadata.create_all(db.engine)
        accounts.create_user("known@example.org", "Known Person", PASSWORD)
        accounts.create_user("inactive@example.org", "Inactive Person", PASSWORD)
        accounts.create_user("temporary@example.org", "Temporary Person", PASSWORD)
        db.session.execute(sa.update(User).where(User.email == "inactive@example.org").values(active=False))
        db.session.execute(
            sa.update(User)
            .where(User.email == "temporary@example.org")
            .values(password_hash=accounts.hash_temporary("k7mq-2xdp-tn4a-h9ce"))
        )
        db.session.commit()

    addresses = iter(f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in range(1, 10**6))

    def client() -> FlaskClient:
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = next(addresses)
        return c

    def sign_in(email: str, password: str) -> Callable[[], tuple[float, int, str]]:
        def run() -> tuple[float, int, str]:
            c = client()
            token = TOKEN.search(c.get("/login").get_data(as_text=True)).group(1)
            start = time.perf_counter()
            response = c.post("/login", data={"email": email, "password": password, "csrf_token": token})
            elapsed = (time.perf_counter() - start) * 1000
            return elapsed, response.status_code, masked(response.get_data(as_text=True)).replace(email, "")

        return run

    registration = iter(range(10**6))

    def register(existing: bool) -> Callable[[], tuple[float, int, str]]:
        def run() -> tuple[float, int, str]:
            c = client()
            token = TOKEN.search(c.get("/register").get_data(as_text=True)).group(1)
            email = "known@example.org" if existing else f"new{next(registration)}@example.org"
            data = {"name": "Amina Diallo", "email": email, "organisation": "Ministry of Labour", "country": "SN"}
            data |= {"password": PASSWORD, "confirm": PASSWORD, "csrf_token": token}
            start = time.perf_counter()
            response = c.post("/register", data=data, follow_redirects=True)
            elapsed = (time.perf_counter() - start) * 1000
            return elapsed, response.status_code, masked(response.get_data(as_text=True))

        return run

    kinds: dict[str, Callable[[], tuple[float, int, str]]] = {
        "sign-in, known account, wrong password": sign_in("known@example.org", "not the password at all"),
        "sign-in, unknown address": sign_in("nobody@example.org", "not the password at all"),
        "sign-in, deactivated, wrong password": sign_in("inactive@example.org", "not the password at all"),
        "sign-in, deactivated, right password": sign_in("inactive@example.org", PASSWORD),
        "sign-in, temporary password, wrong": sign_in("temporary@example.org", "not the password at all"),
        "register, new address": register(existing=False),
        "register, address with an account": register(existing=True),
    }
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    answers: dict[str, set[tuple[int, str]]] = {kind: set() for kind in kinds}
    for run in kinds.values():  # warm up: templates compiled, connections open
        run()
    for _ in range(args.rounds):
        for kind, run in kinds.items():
            elapsed, status, body = run()
            times[kind].append(elapsed)
            answers[kind].add((status, body))

    baseline = statistics.median(times["sign-in, known account, wrong password"])
    print(f"{'kind':42} {'median ms':>10} {'ratio':>6}  status")
    for kind, values in times.items():
        median = statistics.median(values)
        statuses = ",".join(sorted({str(status) for status, _ in answers[kind]}))
        print(f"{kind:42} {median:10.1f} {median / baseline:6.2f}  {statuses}")
    signin_bodies = {body for kind in list(kinds)[:5] for _, body in answers[kind]}
    register_bodies = {body for kind in list(kinds)[5:] for _, body in answers[kind]}
    print(f"distinct sign-in answers: {len(signin_bodies)}; distinct registration answers: {len(register_bodies)}")


if __name__ == "__main__":
    main()
