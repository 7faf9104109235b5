"""Run ``qldrops serve`` as a child process (tests, benchmarks, the demo).

    with ServerProcess(database_url, preheat=True) as srv:
        httpx.get(srv.url + "/p/" + capability)

Starts ``python -m qldrops.cli.serve`` on a free port (with a random
``QLDROPS_HEALTH_TOKEN``, so :meth:`ServerProcess.health` can read the token-protected
``/healthz/details``), waits until it answers (and, with preheating, until the pool's kernels have run the dashboard up to
the visitor wait), and on
exit stops it with SIGTERM (Voila then shuts its kernels down), SIGKILL as a
last resort. The server's output goes to ``log_path``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from ..errors import QldropsError


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, timeout: float = 5.0, *, token: str | None = None) -> tuple[int, dict[str, Any]]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with opener.open(request, timeout=timeout) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


class ServerProcess:
    """A ``qldrops serve`` child process bound to 127.0.0.1 and a free port."""

    def __init__(
        self,
        database_url: str,
        *,
        log_path: str | os.PathLike | None = None,
        preheat: bool = True,
        pool_size: int = 1,
        extra_args: list[str] | None = None,
        env: dict[str, str] | None = None,
        start_timeout: float = 120.0,
        preheat_dashboards: tuple[str, ...] = ("preview",),
    ):
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.preheat = preheat
        self.pool_size = pool_size
        # tests open mostly previews: by default only its pool is filled (the CLI fills all three)
        self.preheat_dashboards = tuple(preheat_dashboards)
        self.log_path = Path(log_path) if log_path else None
        self.start_timeout = start_timeout
        self.args = [
            sys.executable,
            "-m",
            "qldrops.cli.serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--database-url",
            database_url,
            "--pool-size",
            str(pool_size),
            "--preheat" if preheat else "--no-preheat",
            "--preheat-dashboards",
            ",".join(self.preheat_dashboards),
            *(extra_args or []),
        ]
        self.health_token = secrets.token_urlsafe(32)
        self.env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
            "QLDROPS_HEALTH_TOKEN": self.health_token,
            **(env or {}),
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> ServerProcess:
        with contextlib.ExitStack() as stack:
            out = stack.enter_context(open(self.log_path, "ab")) if self.log_path else subprocess.DEVNULL
            self.proc = subprocess.Popen(
                self.args, stdout=out, stderr=subprocess.STDOUT, env=self.env, start_new_session=True
            )
        self.wait_ready()
        return self

    def health(self) -> dict[str, Any]:
        """The server's health report (``/healthz/details``: kernel counts, memory, cache)."""
        return get_json(self.url + "/healthz/details", token=self.health_token)[1]

    def wait_ready(self) -> dict[str, Any]:
        """Block until the server answers (and its preheated kernels wait for visitors); raise if it died."""
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                raise QldropsError(
                    f"qldrops serve exited with {self.proc.returncode}", hint=f"see its log {self.log_path}"
                )
            try:
                status, body = get_json(self.url + "/healthz/details", timeout=2, token=self.health_token)
                pools = self.pool_size * len(self.preheat_dashboards)
                if status == 200 and (not self.preheat or body.get("preheated_waiting", 0) >= pools):
                    return body
            except (urllib.error.URLError, OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise QldropsError(
                    f"qldrops serve did not become ready within {self.start_timeout:.0f} s",
                    hint=f"see its log {self.log_path}",
                )
            time.sleep(0.2)

    def kernel_pids(self) -> set[int]:
        """Process ids of the server's kernel children (psutil)."""
        import psutil

        if self.proc is None:
            return set()
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return set()
        pids = set()
        for child in children:
            try:
                if "ipykernel_launcher" in " ".join(child.cmdline()):
                    pids.add(child.pid)
            except psutil.Error:
                continue
        return pids

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def __enter__(self) -> ServerProcess:  # noqa: PYI034
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
