"""The locust side of benchmarks/bench_renders.py, run in a process of its own.

locust patches the standard library with gevent when it is imported, so it never runs inside the
benchmark's own process (which starts servers, nginx and talks to PostgreSQL). Headless, driven
from Python (``locust.env.Environment`` and a local runner, no web UI):

    python benchmarks/renders_locust.py '{"host": "http://127.0.0.1:8080", "target": "render",
        "path": "/p/<capability>", "users": 4, "wait": 0.5, "warmup": 5, "seconds": 30}'

Targets:

* ``render``: each locust user is a sequence of visitors of a dashboard link. A visit comes with a
  new random ``qldrops_visit`` cookie and no other cookie (a new browser: nginx picks the replica
  with the fewest connections), ``GET``\\s the page, and when it arrived whole closes it as the
  page's unload beacon does (``POST /voila/api/shutdown/<kernelId>`` with the visit cookie, the
  ``_xsrf`` cookie the page set and the same token in ``X-XSRFToken``; through nginx the
  ``qldrops_route`` cookie takes it to the replica holding the kernel), then waits ``wait`` s.
  A render counts when the response is 200 and holds the dashboard's static first paint
  (``<!--qldrops-ssr-->``) and its kernel id; a 503 (busy: every kernel seat taken) is counted
  apart, never as a render.
* ``get``: ``GET path`` back to back (no wait, no beacon): the baseline (nginx's static file,
  ``/healthz``) with the same users, client and process.

Prints one JSON object: completions inside the measured window (after ``warmup`` s, for
``seconds`` s), their latencies (whole response, seconds), busy / failed counts, beacon results
and locust's own request counts. In-flight visits finish (and are closed) before the runner
stops; only the window's completions count.
"""

from gevent import monkey

monkey.patch_all()

import json  # after the patch, as locust wants
import re
import secrets
import sys
import time

import gevent
from locust import HttpUser, constant, task
from locust.env import Environment

CONFIG = json.loads(sys.argv[1]) if len(sys.argv) > 1 and __name__ == "__main__" else {}
CONFIG_DATA = re.compile(r'<script id="jupyter-config-data" type="application/json">\s*(.*?)\s*</script>', re.DOTALL)
FIRST_PAINT = "<!--qldrops-ssr-->"

records: list[tuple[str, float, float]] = []  # (kind, finished at (monotonic), seconds)
beacons = {"ok": 0, "failed": 0}
state = {"stopping": False, "in_flight": 0}


def _record(kind: str, started: float) -> None:
    now = time.monotonic()
    records.append((kind, now, now - started))


class RenderVisitor(HttpUser):
    wait_time = constant(float(CONFIG.get("wait", 0.5)))

    @task
    def visit(self) -> None:
        if state["stopping"]:
            gevent.sleep(0.5)
            return
        state["in_flight"] += 1
        try:
            self._visit()
        finally:
            state["in_flight"] -= 1

    def _visit(self) -> None:
        self.client.cookies.clear()  # a new browser: no route, no _xsrf, a visit cookie of its own
        self.client.cookies.set("qldrops_visit", secrets.token_urlsafe(32))
        started = time.monotonic()
        with self.client.get(CONFIG["path"], name="render", catch_response=True) as r:
            body = r.text or ""
            found = CONFIG_DATA.search(body)
            if r.status_code == 503:
                _record("busy", started)
                r.failure("503 busy")
                return
            if r.status_code != 200 or FIRST_PAINT not in body or not found:
                _record("failed", started)
                r.failure(f"status {r.status_code}, first paint {FIRST_PAINT in body}, kernel {bool(found)}")
                return
            _record("render", started)
            r.success()
        kernel = json.loads(found.group(1)).get("kernelId")
        xsrf = self.client.cookies.get("_xsrf")
        if not kernel or not xsrf:
            beacons["failed"] += 1
            return
        with self.client.post(f"/voila/api/shutdown/{kernel}", headers={"X-XSRFToken": xsrf},
                              name="beacon", catch_response=True) as b:
            if b.status_code == 204:
                beacons["ok"] += 1
                b.success()
            else:
                beacons["failed"] += 1
                b.failure(f"status {b.status_code}")


class PlainGet(HttpUser):
    wait_time = constant(0)

    @task
    def get(self) -> None:
        started = time.monotonic()
        with self.client.get(CONFIG["path"], name="get", catch_response=True) as r:
            if r.status_code == 200:
                _record("render", started)
                r.success()
            else:
                _record("busy" if r.status_code == 503 else "failed", started)
                r.failure(f"status {r.status_code}")


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> dict:
    user = RenderVisitor if CONFIG["target"] == "render" else PlainGet
    env = Environment(user_classes=[user], host=CONFIG["host"])
    runner = env.create_local_runner()
    users = int(CONFIG["users"])
    runner.start(users, spawn_rate=users)
    gevent.sleep(float(CONFIG.get("warmup", 5)))
    t0 = time.monotonic()
    gevent.sleep(float(CONFIG["seconds"]))
    t1 = time.monotonic()
    state["stopping"] = True  # visits in flight finish and are closed (their kernels freed)
    deadline = time.monotonic() + float(CONFIG.get("drain", 180))
    while state["in_flight"] and time.monotonic() < deadline:
        gevent.sleep(0.1)
    left_open = state["in_flight"]
    runner.quit()
    window = [r for r in records if t0 <= r[1] <= t1]
    done = [r[2] for r in window if r[0] == "render"]
    stats = {name: {"requests": s.num_requests, "failures": s.num_failures}
             for (name, _method), s in env.stats.entries.items()}
    return {
        "target": CONFIG["target"],
        "users": users,
        "wait_s": float(CONFIG.get("wait", 0.5)) if CONFIG["target"] == "render" else 0.0,
        "seconds": t1 - t0,
        "completed": len(done),
        "per_s": len(done) / (t1 - t0),
        "busy": sum(r[0] == "busy" for r in window),
        "failed": sum(r[0] == "failed" for r in window),
        "p50_s": _quantile(done, 0.50),
        "p95_s": _quantile(done, 0.95),
        "beacons": dict(beacons),
        "left_open": left_open,
        "locust": stats,
    }


if __name__ == "__main__":
    print(json.dumps(main()))
