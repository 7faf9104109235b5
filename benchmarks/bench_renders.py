"""Dashboard renders per second held by one and by two `qldrops serve` replicas behind nginx (issue 13 item 1).

The set-up of bench_replicas.py (two replicas on one fresh PostgreSQL database, rate limits in the
local Redis, two nginx instances with deploy/nginx.conf: one in front of replica 1 only, one in
front of both), now with preheated kernels (``--pool-size``, 2 by default, per replica), and the
load from locust, headless, driven from Python in a process of its own (benchmarks/renders_locust.py:
locust patches the standard library with gevent).

What is measured, each in every round:

* ``render_one`` / ``render_two``: ``/p/<capability>`` of a preview link (one workflow, 6 files)
  through the proxy in front of one / of both replicas. ``--users`` locust users, each a sequence
  of visitors: a new random ``qldrops_visit`` cookie per visit (a new browser session), the page
  until its whole HTML arrived (the kernel ran every cell), then the page's unload beacon
  (``POST /voila/api/shutdown/<kernelId>`` with the visit and ``_xsrf`` cookies and
  ``X-XSRFToken``) frees the kernel, then ``--wait`` s. A render counts when the response is 200
  and holds the static first paint (``<!--qldrops-ssr-->``); a 503 (every seat taken, the polite
  refusal) is counted apart. Figures: renders/s in the measured window, p50 / p95 of the whole
  response, busy and failed counts.
* ``static``: nginx's own ``/robots.txt`` with the same locust users and client, back to back:
  what locust and the proxy alone hold on this machine (the run's baseline).
* ``healthz_one`` / ``healthz_two``: ``/healthz`` (one database query) the same way.

Rounds alternate which of one / two goes first. Between runs the bench waits until every
replica's pool is full again and no visitor kernel is left. Recorded with every render run, to say
what bounds it: kernels started per render (a render takes a pool kernel; the pool starts a new
one), CPU seconds per render of the replicas and their kernels (psutil, from before the run until
the pools are full again), the machine's CPU use (both cores, ``/proc/stat``, other processes
included) and the load average.

Server options the bench sets, and why: every locust user comes from 127.0.0.1, so the per-address
kernel seats (``--max-kernels-per-client``, default 3) and the per-link seats
(``--max-kernels-per-link``, default 4) are raised to 4 × users, and the Redis rate limits
(``--rate-limit-client``, ``--rate-limit-link``) are lifted; the total per replica
(``--max-kernels``, default 12) is kept. A new visit cookie per visit keeps clear of the server's
10 renders per browser session per minute (``max_renders_per_session``, not a CLI option).

Run: ``.venv/bin/python benchmarks/bench_renders.py [--quick] [--users N] [--wait S] [--pool-size N]``
(needs nginx, PostgreSQL, Redis and locust: ``pip install -e '.[dev]'``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from bench_replicas import two_replicas

WORKFLOW = "wf-bench-renders"


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _locust(host: str, target: str, path: str, *, users: int, seconds: float, warmup: float,
            wait: float = 0.0) -> dict:
    config = {"host": host, "target": target, "path": path, "users": users, "seconds": seconds,
              "warmup": warmup, "wait": wait}
    load = os.getloadavg()
    busy0, total0 = _cpu_ticks()
    out = subprocess.run([sys.executable, str(HERE / "renders_locust.py"), json.dumps(config)],
                         capture_output=True, text=True, check=False, timeout=seconds + warmup + 600)
    busy1, total1 = _cpu_ticks()
    if out.returncode != 0:
        raise RuntimeError(f"locust driver failed ({out.returncode}): {out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["load_avg_before"] = [round(x, 2) for x in load]
    result["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
    result["cpu_busy"] = round((busy1 - busy0) / max(1, total1 - total0), 3)  # of both cores, warm-up included
    return result


def _settle(replicas: list, pool_size: int, timeout: float = 120.0) -> float:
    """Wait until every replica's preview pool is full and no visitor kernel is left; the seconds it took."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        healths = [r.health() for r in replicas]
        if all(h.get("preheated_waiting", 0) >= pool_size and not h.get("kernels_visitors") for h in healths):
            return time.monotonic() - t0
        time.sleep(0.5)
    print(f"warning: pools not settled after {timeout:.0f} s: {healths}", file=sys.stderr)
    return time.monotonic() - t0


def _server_cpu_s(replicas: list) -> float:
    """CPU seconds the replicas have used so far, their kernels included (running ones and, once
    reaped, those shut down: a process's children times)."""
    import psutil

    total = 0.0
    for r in replicas:
        try:
            proc = psutil.Process(r.proc.pid)
            t = proc.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
            kids = proc.children(recursive=True)
        except psutil.Error:
            continue
        for kid in kids:
            try:
                k = kid.cpu_times()
                total += k.user + k.system
            except psutil.Error:
                continue
    return total


def _started(replicas: list) -> int:
    return sum(int(r.health().get("kernels_started") or 0) for r in replicas)


def main(quick: bool = False, users: int = 4, wait: float = 0.5, pool_size: int = 2) -> dict:
    seconds, rounds, warmup = (20, 1, 5) if quick else (40, 3, 8)
    base_seconds = 5 if quick else 10
    load_before = os.getloadavg()
    runs: dict[str, list[dict]] = {}
    seats = str(4 * users)
    seat_args = ["--max-kernels-per-client", seats, "--max-kernels-per-link", seats]
    with two_replicas("renders", seat_args, preheat=True, pool_size=pool_size) as (rs, one_url, capability):
        proxies = {"one": one_url, "two": rs.proxy.url}
        page = "/p/" + capability
        for n, url in proxies.items():  # warm both replicas (first paint cached, connections open)
            _locust(url, "render", page, users=users, seconds=5, warmup=2, wait=wait)
            _settle(rs.replicas, pool_size)
        for i in range(rounds):
            runs.setdefault("static", []).append(
                _locust(one_url, "get", "/robots.txt", users=users, seconds=base_seconds, warmup=2))
            order = ["one", "two"] if i % 2 == 0 else ["two", "one"]
            for n in order:
                runs.setdefault(f"healthz_{n}", []).append(
                    _locust(proxies[n], "get", "/healthz", users=users, seconds=base_seconds, warmup=2))
            for n in order:
                _settle(rs.replicas, pool_size)
                started, cpu = _started(rs.replicas), _server_cpu_s(rs.replicas)
                r = _locust(proxies[n], "render", page, users=users, seconds=seconds, warmup=warmup,
                            wait=wait)
                # until the pools are full again: the kernels this run's renders took are replaced
                r["refill_s"] = round(_settle(rs.replicas, pool_size), 1)
                visits = max(1, r["locust"]["render"]["requests"])  # warm-up and drain included
                r["kernels_started"] = _started(rs.replicas) - started
                r["kernels_per_render"] = round(r["kernels_started"] / visits, 2)
                r["server_cpu_s_per_render"] = round((_server_cpu_s(rs.replicas) - cpu) / visits, 2)
                runs.setdefault(f"render_{n}", []).append(r)
                print(f"round {i + 1} render_{n}: {r['per_s']:.2f}/s, p50 {r['p50_s']:.2f} s, "
                      f"p95 {r['p95_s']:.2f} s, busy {r['busy']}, failed {r['failed']}, "
                      f"kernels/render {r['kernels_per_render']}, server CPU {r['server_cpu_s_per_render']} s/render, cpu {r['cpu_busy']:.0%}, load {r['load_avg_before'][0]} -> "
                      f"{r['load_avg_after'][0]}", flush=True)
    load_after = os.getloadavg()

    med = {k: statistics.median(r["per_s"] for r in v) for k, v in runs.items()}
    p = {k: {q: statistics.median(r[q] for r in v if r[q] is not None) for q in ("p50_s", "p95_s")}
         for k, v in runs.items() if any(r["p50_s"] is not None for r in v)}
    result = {
        "per_s": {k: round(v, 3) for k, v in med.items()},
        "latency_s": {k: {q: round(x, 3) for q, x in v.items()} for k, v in p.items()},
        "two_over_one": {t: round(med[f"{t}_two"] / med[f"{t}_one"], 2) for t in ("render", "healthz")},
        "per_round_two_over_one": [round(b["per_s"] / a["per_s"], 2)
                                   for a, b in zip(runs["render_one"], runs["render_two"], strict=True)],
        "over_static": {k: round(v / med["static"], 5) for k, v in med.items() if k != "static"},
        "server_cpu_s_per_render": {k: statistics.median(r["server_cpu_s_per_render"] for r in v)
                                    for k, v in runs.items() if k.startswith("render_")},
        "busy": {k: sum(r["busy"] for r in v) for k, v in runs.items()},
        "failed": {k: sum(r["failed"] for r in v) for k, v in runs.items()},
        "users": users, "wait_s": wait, "pool_size": pool_size, "seconds_per_render_run": seconds,
        "rounds": rounds,
        "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
        "runs": runs,
    }
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=1))
    for k in ("render", "healthz"):
        print(f"{k:8s} one replica {med[k + '_one']:8.2f}/s  two {med[k + '_two']:8.2f}/s  "
              f"two/one {result['two_over_one'][k]:.2f}x  (one = {result['over_static'][k + '_one']:.5f}x "
              f"nginx static)")
    print(f"static   nginx alone {med['static']:8.1f}/s (locust, {users} users)")
    print(f"load average before {result['load_avg_before']}, after {result['load_avg_after']}")
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--quick", action="store_true", help="one round of 20 s per render run")
    ap.add_argument("--users", type=int, default=4, help="locust users (default 4)")
    ap.add_argument("--wait", type=float, default=0.5, help="seconds a user waits after a visit (default 0.5)")
    ap.add_argument("--pool-size", type=int, default=2, help="preheated kernels per replica (default 2)")
    ap.add_argument("--json", type=Path, help="also write the full result (every run) here")
    a = ap.parse_args()
    res = main(quick=a.quick, users=a.users, wait=a.wait, pool_size=a.pool_size)
    if a.json:
        a.json.write_text(json.dumps(res, indent=1))
