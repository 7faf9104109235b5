"""Pages per second held by one and by two `qldrops serve` replicas behind nginx (issue 13 item 1).

Two replicas on one fresh PostgreSQL database (rate limits in the local Redis, shared) and two
nginx instances with the repository's configuration (deploy/nginx.conf): one in front of replica 1
only, one in front of both. The load tool is Debian's `wrk` (`-t1 -c8`: one thread, 8 connections,
no cookies, so nginx spreads requests by least connections). Targets, each in every round:

* ``static``  ``/robots.txt`` answered by nginx itself from a file: what the proxy alone holds
  (the baseline of the run);
* ``page``    ``/e/<capability>``: the editor page of a view link. The link is checked like
  ``/p/`` (format, two Redis rate-limit keys, the database), the view is recorded (a write), the
  workflow's files are listed, the HTML is rendered. No kernel: a dashboard render
  (``/p/``) is bounded by kernels, not by the server (bench_server.py measures those on one server,
  bench_renders.py across one and two replicas behind nginx, with locust);
* ``healthz`` ``/healthz``: one query (the schema revision), the cheapest request that touches
  the database.

Figures: requests per second for one and two replicas, the ratio two / one, and each as a
fraction of the static baseline. Rounds alternate one / two to spread the machine's drift.
Run: ``.venv/bin/python benchmarks/bench_replicas.py [--quick]`` (needs nginx, wrk, PostgreSQL, Redis).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

PG_ADMIN_URL = os.environ.get("QLDROPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("QLDROPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WORKFLOW = "wf-bench-replicas"


def _wrk(url: str, seconds: int, connections: int = 8) -> dict:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk (scripts/system-deps.sh)")
    out = subprocess.run([wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)

    def ms(label: str) -> float | None:
        m = re.search(rf"{label}%\s+([0-9.]+)(us|ms|s)\b", out)
        if not m:
            return None
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    return {"rps": rps, "non_2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": sum(map(int, errors.groups())) if errors else 0,
            "p50_ms": ms("50"), "p99_ms": ms("99")}


def _database() -> str:
    import sqlalchemy as sa

    name = f"qldrops_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    import sqlalchemy as sa

    name = sa.make_url(url).database
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin.dispose()


@contextlib.contextmanager
def two_replicas(name: str, extra_args: list[str], **options: Any) -> Iterator[tuple[Any, str, str]]:
    """A fresh PostgreSQL database holding one workflow of six files and a view link to it, two replicas
    on it (rate limits in Redis, unlimited; ``extra_args`` and ``options`` for ``ReplicaSet``) behind
    nginx, and a second nginx in front of replica 1 only. Yields (the replica set, the one-replica
    proxy's URL, the link's capability); everything is stopped and removed afterwards."""
    from replicas import NginxProxy, ReplicaSet

    import qldrops
    from qldrops.settings import Settings

    db = _database()
    folder = Path(tempfile.mkdtemp(prefix=f"qldrops-bench-{name}-"))
    try:
        store = qldrops.connect(db, settings=Settings(progress=False, embedding_model="fake"))
        for i in range(6):
            store.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact=f"print({i})\n" * 40,
                      metadata={"path": f"src/m{i}.py"})
        capability = store.previews.create(workflow_id=WORKFLOW, ttl="2h").capability
        store.close()
        args = ["--rate-limit-link", "10000000/minute", "--rate-limit-client", "10000000/minute",
                *extra_args, "--log-level", "WARNING"]
        env = {"QLDROPS_REDIS_URL": REDIS_URL, "QLDROPS_EMBEDDING_MODEL": "fake"}
        with ReplicaSet(db, folder, replicas=2, extra_args=args, env=env, **options) as rs:
            one = NginxProxy([f"127.0.0.1:{rs.replicas[0].port}"], folder / "nginx-one").start()
            try:
                yield rs, one.url, capability
            finally:
                one.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        _drop_database(db)


def main(quick: bool = False) -> dict:
    from replicas import http

    seconds, rounds = (4, 1) if quick else (10, 3)
    load_before = os.getloadavg()
    with two_replicas("replicas", [], preheat=False) as (rs, one_url, capability):
        proxies = {"one": one_url, "two": rs.proxy.url}
        for url in proxies.values():  # warm both replicas' connections and caches
            assert http(url + "/e/" + capability)[0] == 200
            _wrk(url + "/e/" + capability, 2)
        paths = {"page": "/e/" + capability, "healthz": "/healthz"}
        runs: dict[str, list[dict]] = {}
        for _ in range(rounds):
            runs.setdefault("static", []).append(_wrk(one_url + "/robots.txt", seconds))
            for target, path in paths.items():
                for n, base in proxies.items():
                    runs.setdefault(f"{target}_{n}", []).append(_wrk(base + path, seconds))
    load_after = os.getloadavg()

    med = {k: statistics.median(r["rps"] for r in v) for k, v in runs.items()}
    failures = {k: sum(r["non_2xx"] + r["socket_errors"] for r in v) for k, v in runs.items()}
    result = {
        "rps": {k: round(v, 1) for k, v in med.items()},
        "p99_ms": {k: statistics.median(r["p99_ms"] or 0 for r in v) for k, v in runs.items()},
        "failed_requests": failures,
        "two_over_one": {t: round(med[f"{t}_two"] / med[f"{t}_one"], 2) for t in ("page", "healthz")},
        "over_static": {k: round(v / med["static"], 4) for k, v in med.items() if k != "static"},
        "seconds_per_run": seconds,
        "rounds": rounds,
        "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
    }
    for k in ("page", "healthz"):
        print(f"{k:8s} one replica {med[k + '_one']:8.1f}/s  two {med[k + '_two']:8.1f}/s  "
              f"two/one {result['two_over_one'][k]:.2f}x  (one = {result['over_static'][k + '_one']:.4f}x "
              f"nginx static)")
    print(f"static   nginx alone {med['static']:8.1f}/s; failed requests {failures}")
    print(f"load average before {result['load_avg_before']}, after {result['load_avg_after']}")
    return result


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
