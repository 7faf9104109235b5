"""Hostile capabilities and routes against a ``qldrops serve`` started here on 127.0.0.1.

Random capabilities, expired and revoked links, path tricks: none may render a
dashboard, start a kernel, or return a host file. Then kernel exhaustion: many GETs
of one live link, counting what happens (the kernel bounds are another branch's
work: these numbers are reported, not judged). The rate limits are raised for the run:
with the defaults, a few hundred requests from one client are answered 429 and the
batteries would measure the limiter instead of the routes.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from .common import Config, Result, connect, rng

WORKFLOW = "wf-stress-server"
RENDERED = "jupyter-config-data"  # a rendered Voila page carries this; an instruction page does not


def _http(url: str, timeout: float = 60.0) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(url), timeout=timeout) as r:
            return r.status, r.read(2_000_000).decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read(2_000_000).decode(errors="replace")
    except (urllib.error.URLError, OSError) as e:
        return -1, str(e)


def _seed(url: str, cfg: Config) -> dict[str, str]:
    store = connect(url, cfg.workdir)
    try:
        store.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="print('hi')\n",
                  metadata={"filename": "main.py"})
        live = store.previews.create(WORKFLOW, ttl="60m")
        revoked = store.previews.create(WORKFLOW, ttl="60m")
        store.previews.revoke(revoked.id)
        real = store.clock
        store.clock = lambda: real() - dt.timedelta(hours=3)
        expired = store.previews.create(WORKFLOW, ttl="60m")
        store.clock = real
        return {"live": live.capability, "revoked": revoked.capability, "expired": expired.capability}
    finally:
        store.close()


def _random_capability(r: Any, live: str) -> str:
    kind = r.randrange(7)
    if kind == 0:
        return secrets.token_urlsafe(r.choice([8, 16, 22, 32, 64]))
    if kind == 1:  # one character of a live capability changed
        i = r.randrange(len(live))
        return live[:i] + ("A" if live[i] != "A" else "B") + live[i + 1:]
    if kind == 2:
        return live[:-1]
    if kind == 3:
        return live + "x"
    if kind == 4:
        return live.upper() if live.upper() != live else live.lower()
    if kind == 5:
        return r.choice(["%00", "' OR '1'='1", "..", "*", "%2e%2e", "null", "undefined", "a" * 5000])
    return "".join(r.choice("0123456789abcdef") for _ in range(32))


def run(cfg: Config) -> list[Result]:
    from qldrops.server.process import ServerProcess

    guards = Result("server_routes")
    kernels = Result("server_kernels")
    r = rng(cfg, "server")
    url = f"sqlite:///{cfg.workdir / 's.db'}"
    links = _seed(url, cfg)
    live = links["live"]
    with ServerProcess(url, log_path=cfg.workdir / "server.log", preheat=True,
                       extra_args=["--rate-limit-link", "100000/minute",
                                   "--rate-limit-client", "100000/minute"]) as srv:  # measure, not throttle
        base_kernels = len(srv.kernel_pids())
        deadline = time.monotonic() + cfg.seconds
        statuses: dict[int, int] = {}
        n = 0
        while time.monotonic() < deadline and n < cfg.cycles(60, 600):
            n += 1
            cap = _random_capability(r, live)
            if cap == live:
                continue
            status, body = _http(f"{srv.url}/p/{urllib.parse.quote(cap, safe='')}")
            statuses[status] = statuses.get(status, 0) + 1
            guards.guard(status != 200 and RENDERED not in body, f"random capability {cap[:40]!r} -> {status}")
        guards.note(f"random capabilities: {n} GETs, statuses {dict(sorted(statuses.items()))}")
        for name in ("revoked", "expired"):
            for _ in range(cfg.cycles(3, 20)):
                status, body = _http(f"{srv.url}/p/{links[name]}")
                guards.guard(status != 200 and RENDERED not in body, f"{name} link -> {status}")
        tricks = [f"/p/{live}/../../api/kernels", "/p/..%2F..%2Fapi%2Fkernels", "/p/%2e%2e/%2e%2e/etc/passwd",
                  "/voila/render/preview.ipynb", "/voila/render/dashboards/preview.ipynb", "/voila/files/../../etc/passwd",
                  "/voila/static/../../../../etc/passwd", "/static/..%2F..%2F..%2Fetc%2Fpasswd", "//etc/passwd",
                  "/files/etc/passwd", "/api/contents", "/api/contents/etc/passwd", "/api/sessions", "/tree", "/lab",
                  "/notebooks/preview.ipynb", f"/p/{live}%00", f"/p/{live}?token={live}", f"/p/{live}/api/kernels",
                  "/voila/tree", "/api/kernelspecs", "/voila/api/shutdown/x", "/p/", "/p"]
        base = len(srv.kernel_pids())
        seen: dict[int, int] = {}
        for path in tricks:
            status, body = _http(srv.url + path)
            seen[status] = seen.get(status, 0) + 1
            leaked = "root:x:0:0" in body or ("/etc/passwd" in path and status == 200 and "root:" in body)
            rendered = RENDERED in body and not path.startswith(f"/p/{live}")
            guards.guard(not leaked and not rendered, f"{path} -> {status}: {body[:120]!r}")
            guards.note(f"{path[:70]} -> {status}")
        guards.note(f"observed: {len(tricks)} path tricks: statuses {dict(sorted(seen.items()))} (a 200 only for "
                    f"the live link with extra query text); kernel processes {base} -> {len(srv.kernel_pids())}")
        # kernel exhaustion: many GETs of one link, counted
        gets = cfg.cycles(12, 25)  # each kernel holds ~150 MB until culled
        counts: dict[int, int] = {}
        t0 = time.monotonic()
        peak = 0
        for _ in range(gets):
            status, _body = _http(f"{srv.url}/p/{live}", timeout=120)
            counts[status] = counts.get(status, 0) + 1
            kernels.tried += 1
            if status != 200:
                kernels.failed += 1
            peak = max(peak, len(srv.kernel_pids()))
        kernels.note(f"observed: {gets} GETs of one link in {time.monotonic() - t0:.0f} s: statuses "
                     f"{dict(sorted(counts.items()))}; kernels before {base_kernels}, peak {peak}, "
                     f"after {len(srv.kernel_pids())}")
        guards.guard(srv.proc is not None and srv.proc.poll() is None, "the server died")
    return [guards, kernels]
