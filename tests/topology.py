"""The deployment in miniature: nginx in front of two ``training serve`` app servers and a
guide worker (``training guide work``) on one PostgreSQL, all on loopback, started from the
Debian packages and stopped on exit.

nginx runs the site file operators install, ``deploy/nginx/training.conf``, with only what
marks it EDIT replaced (ports, the app servers' addresses, a self-signed certificate, folders)
and the IPv6 listeners dropped; static files are the ones ``training assets collect`` writes.
The app servers run in production mode with the environment ``deploy/training.env.example``
describes (one proxy in front, trusted only from 127.0.0.1).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

from .helpers import MINIMAL, ROOT, empty_database
from .livesite import TRAINING, LiveSite, free_port, serve, stop, wait_for

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx" / "training.conf"


@dataclass
class Topology:
    url: str  # https://127.0.0.1:PORT/, through nginx
    certificate: Path
    servers: list[LiveSite]
    access_log: Path
    static: Path
    worker_log: Path  # the guide worker's output: a line per PDF it typeset
    worker_metrics: str  # HOST:PORT of the guide worker's Prometheus metrics

    def client(self, address: str) -> requests.Session:
        """A browser connecting from ``address`` (any 127.x.y.z is this machine)."""
        session = requests.Session()
        session.trust_env = False  # no proxy or CA bundle from the environment
        session.verify = str(self.certificate)
        session.headers["Referer"] = self.url + "/"  # over HTTPS the form token needs one, as browsers send
        session.mount("https://", _SourceAddress(address))
        return session


class _SourceAddress(HTTPAdapter):
    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def site_config(upstreams: list[int], http_port: int, https_port: int, folder: Path) -> str:
    """The deploy site file with its EDIT values replaced for this test."""
    text = SITE.read_text()
    replacements = [
        (r"server 127\.0\.0\.1:8001 ", f"server 127.0.0.1:{upstreams[0]} "),
        (r"server 127\.0\.0\.1:8002 ", f"server 127.0.0.1:{upstreams[1]} "),
        (r"listen 80;", f"listen {http_port};"),
        (r"listen 443 ssl http2;", f"listen {https_port} ssl http2;"),
        (r"\n\s*listen \[::\]:\d+[^;]*;", ""),
        (r"/etc/letsencrypt/live/training\.example\.org/fullchain\.pem", str(folder / "cert.pem")),
        (r"/etc/letsencrypt/live/training\.example\.org/privkey\.pem", str(folder / "key.pem")),
        (r"/var/log/nginx/", f"{folder}/"),
        (r"root /srv/training;", f"root {folder};"),
        (r"root /var/www/html;", f"root {folder};"),
        # not on port 443 here: the port is part of the host the browser (and Referer) names
        (r"proxy_set_header Host \$host;", "proxy_set_header Host $host:$server_port;"),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text)
        assert count, f"the site file no longer has {pattern!r}"
    return text


def main_config(folder: Path) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""  # its workers must read the test's folders
    temp = "".join(
        f"{kind}_temp_path {folder}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log warn;\n"
        "events { worker_connections 256; }\n"
        f"http {{\ninclude /etc/nginx/mime.types;\n{temp}include {folder}/site.conf;\n}}\n"
    )


def _certificate(folder: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
        + [
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(folder / "key.pem"),
            "-out",
            str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


@contextmanager
def topology(tmp_path: Path, content: Path = MINIMAL) -> Iterator[Topology]:
    folder = tmp_path / "nginx"
    folder.mkdir()
    with ExitStack() as stack:
        database_url = stack.enter_context(empty_database(tmp_path))
        env = {
            **os.environ,
            "TRAINING_ENV_NAME": "production",
            "TRAINING_DATABASE_URL": database_url,
            "TRAINING_CONTENT_DIR": str(content),
            "TRAINING_SECRET_KEY": "topology-secret-key-" + os.urandom(16).hex(),
            "TRAINING_TRUSTED_PROXIES": "1",
            "TRAINING_FORWARDED_ALLOW_IPS": "127.0.0.1",
            "TRAINING_ACCESS_LOG": "true",
            "TRAINING_GUIDE_WORKER": "true",
            # cheap password hashing: the throttling, not argon2, is what these tests exercise
            "TRAINING_ARGON2_TIME_COST": "1",
            "TRAINING_ARGON2_MEMORY_COST": "1024",
            "TRAINING_ARGON2_PARALLELISM": "1",
        }
        env.pop("TRAINING_TEST_DATABASE_URL", None)
        subprocess.run([TRAINING, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
        subprocess.run(
            [TRAINING, "assets", "collect", str(folder / "static")], env=env, check=True, capture_output=True
        )
        worker_log, worker_metrics = tmp_path / "guide-worker.log", f"127.0.0.1:{free_port()}"
        with worker_log.open("w") as log:
            worker = subprocess.Popen(
                [TRAINING, "guide", "work", "--poll", "0.5", "--metrics-bind", worker_metrics],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        stack.callback(stop, worker)
        servers = [
            # each with its operators' metrics address, as deploy/ gives them
            stack.enter_context(
                serve(tmp_path / f"app{n}.log", {**env, "TRAINING_METRICS_BIND": f"127.0.0.1:{free_port()}"}, threads=1)
            )
            for n in (1, 2)
        ]
        http_port, https_port = free_port(), free_port()
        _certificate(folder)
        ports = [int(server.url.rsplit(":", 1)[1]) for server in servers]
        (folder / "site.conf").write_text(site_config(ports, http_port, https_port, folder))
        (folder / "nginx.conf").write_text(main_config(folder))
        log = (folder / "nginx.out").open("w")
        stack.callback(log.close)
        nginx = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stack.callback(stop, nginx)
        front = Topology(
            f"https://127.0.0.1:{https_port}",
            folder / "cert.pem",
            servers,
            folder / "training.access.log",
            folder / "static",
            worker_log,
            worker_metrics,
        )
        probe = front.client("127.0.0.1")

        def answering() -> bool:
            if nginx.poll() is not None:
                raise RuntimeError((folder / "nginx.out").read_text() + (folder / "error.log").read_text())
            try:
                return probe.get(front.url + "/healthz", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(answering, "nginx to answer", timeout=30)

        def worker_answering() -> bool:
            if worker.poll() is not None:
                raise RuntimeError(worker_log.read_text())
            try:
                return requests.get(f"http://{worker_metrics}/metrics", timeout=2).ok
            except requests.ConnectionError:
                return False

        wait_for(worker_answering, "the guide worker's metrics", timeout=30)
        yield front
