"""Several ``qldrops serve`` replicas on one database behind nginx (deploy/nginx.conf), for the tests
(tests/test_replicas.py) and the benchmarks (benchmarks/bench_replicas.py, benchmarks/bench_renders.py).

    with ReplicaSet(pg_url, folder, replicas=2) as rs:
        rs.proxy.url, rs.replicas[0].url, rs.replicas[1].url

nginx runs unprivileged-style from a folder of its own (``nginx -c FILE -p DIR -g 'daemon off;'``)
with the configuration rendered by deploy/render_nginx.py for the replicas' ports; the replicas
trust it for ``X-Forwarded-For`` (``QLDROPS_TRUSTED_PROXIES=127.0.0.1``). Teardown stops nginx and
every replica (SIGTERM, then SIGKILL), also when a test killed one.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from qldrops.errors import QldropsError
from qldrops.server.process import ServerProcess, free_port

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def render_module() -> Any:
    """deploy/render_nginx.py (a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("render_nginx", ROOT / "deploy" / "render_nginx.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def nginx_available() -> bool:
    return Path(NGINX).is_file()


def http(url: str, *, headers: dict[str, str] | None = None, timeout: float = 120.0,
         method: str = "GET") -> tuple[int, Any, str]:
    """(status, headers, body), without following redirects or using an environment proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with opener.open(req, timeout=timeout) as r:
            return r.status, r.headers, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode(errors="replace")


def cookies_of(headers: Any) -> dict[str, str]:
    """name -> value of every Set-Cookie in a response."""
    out = {}
    for raw in headers.get_all("Set-Cookie") or []:
        name, _, rest = raw.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


class NginxProxy:
    """nginx in ``folder`` listening on a free loopback port in front of ``upstreams`` (host:port)."""

    def __init__(self, upstreams: list[str], folder: Path, *, port: int | None = None):
        self.upstreams = list(upstreams)
        self.folder = Path(folder)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.conf = self.folder / "nginx.conf"
        self.proc: subprocess.Popen | None = None
        render = render_module()
        render.prepare_prefix(self.folder)
        # As root nginx would switch its workers to `nobody`, who cannot enter pytest's folders.
        user = "root" if os.geteuid() == 0 else ""
        self.conf.write_text(render.render(self.upstreams, listen=f"127.0.0.1:{self.port}", prefix=self.folder,
                                           user=user))

    def start(self, timeout: float = 20.0) -> NginxProxy:
        test = subprocess.run([NGINX, "-t", "-q", "-c", str(self.conf), "-p", str(self.folder)],
                              capture_output=True, text=True, check=False)
        if test.returncode != 0:
            raise QldropsError(f"nginx refused {self.conf}: {test.stderr.strip()}")
        with open(self.folder / "nginx.out", "ab") as log:
            self.proc = subprocess.Popen([NGINX, "-c", str(self.conf), "-p", str(self.folder), "-g", "daemon off;"],
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise QldropsError(f"nginx exited with {self.proc.returncode}",
                                   hint=f"see {self.folder / 'nginx.out'} and {self.folder / 'error.log'}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return self
            if time.monotonic() > deadline:
                raise QldropsError(f"nginx did not listen on {self.port} within {timeout:.0f} s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def restart(self) -> NginxProxy:
        self.stop()
        return self.start()

    def access_log(self) -> str:
        path = self.folder / "access.log"
        return path.read_text() if path.exists() else ""


class ReplicaSet:
    """``replicas`` ``qldrops serve`` processes on ``database_url`` and nginx in front of them."""

    def __init__(self, database_url: str, folder: Path, *, replicas: int = 2, preheat: bool = True,
                 pool_size: int = 1, extra_args: list[str] | None = None, env: dict[str, str] | None = None):
        self.database_url = database_url
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        env = {"QLDROPS_TRUSTED_PROXIES": "127.0.0.1", **(env or {})}
        self.replicas = [
            ServerProcess(database_url, log_path=self.folder / f"replica{i + 1}.log", preheat=preheat,
                          pool_size=pool_size, extra_args=extra_args, env=env)
            for i in range(replicas)
        ]
        self.proxy = NginxProxy([f"127.0.0.1:{r.port}" for r in self.replicas], self.folder / "nginx")

    def start(self) -> ReplicaSet:
        try:
            for r in self.replicas:  # one after the other: two pools filling at once on 2 cores is slow
                r.start()
            self.proxy.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.proxy.stop()
        for r in self.replicas:
            if r.proc is not None and r.proc.poll() is None:
                r.stop()

    def kill(self, index: int) -> None:
        """SIGKILL replica ``index`` and its kernels (a machine or process dying, not a clean stop)."""
        import psutil

        r = self.replicas[index]
        assert r.proc is not None
        try:
            kernels = psutil.Process(r.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            kernels = []
        with contextlib.suppress(ProcessLookupError):
            os.killpg(r.proc.pid, signal.SIGKILL)
        for child in kernels:  # kernels in a session of their own die with the machine, too
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        r.proc.wait(timeout=10)

    def __enter__(self) -> ReplicaSet:  # noqa: PYI034
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
