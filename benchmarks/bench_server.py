"""Share-link render time, throughput and memory of ``qldrops serve``.

Figures (each a ratio against a baseline measured in the same run):

* **render**: time from requesting ``/p/<capability>`` in headless Chromium to the
  preview dashboard fully drawn (a demo Go workflow: file tree and the first file
  highlighted, i.e. kernel ran, widget manager connected), p50 and p99, with preheated kernels (the pool refilled between
  renders: a visitor at low load) and cold (``--no-preheat``: a kernel per request).
  Baseline: the same browser loading the server's 410 page for an expired link
  (one request, no kernel), so the ratio is what the dashboard costs over a page.
  ``cold/preheated`` compares the two modes. Also: the HTML document complete
  (``responseEnd``: the kernel has run every cell, i.e. the server-side render), and a
  repeat visit (same browser context, the page's ~5 MB of JavaScript cached).
* **held**: renders per second sustained by 2 concurrent HTTP clients fetching full
  renders back to back (each then shuts its kernel down, as the page's unload beacon
  does), preheated with a pool of 2; baseline: 410 pages per second by the same clients.
* **memory**: RSS of each open dashboard's kernel (psutil) against a bare ipykernel
  started by jupyter_client in this process.
* **workspace dashboards**: the analytics dashboard opened through its own link, drawn
  (first chart visible), with a kernel started per visit against a preheated pool for it
  (``--preheat-dashboards preview,analytics``); baseline: the preview page in the same run.

* **demo, 3 visitors at once** (issue 11): the demo corpus with the real embedding model, a
  server preheating all three dashboards (3 kernels each); per round, 3 browser contexts
  request the same link at once; seconds to the **first paint** (the static picture the server
  writes into the HTML, everything visible, not yet interactive: preview: the highlighted file;
  analytics: every chart and the status line; explorer: topic map, search results and
  near-duplicates) and to **interactive** (``p50_s``: the same drawn by the live widgets, Voila's
  front end connected) p50/p99, against the same browsers drawing an unknown link's 404 page;
  and the resident memory of one open page's kernel per dashboard (the server's
  ``/healthz/details``).

Run: ``.venv/bin/python benchmarks/bench_server.py [--quick] [--demo [--no-precompress]]`` (needs
/usr/bin/chromium; ``--demo`` runs only the last part).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import qldrops
from qldrops.server.process import ServerProcess
from qldrops.settings import Settings

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_ARGS = ["--rate-limit-link", "100000/minute", "--rate-limit-client", "100000/minute"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


WORKFLOW = "wf-001-jwt-auth-service"  # the demo's Go service: 2 files, 6 documents, 3 versions
READY = "#qldrops-code"  # the highlighted file: drawn last on the preview page


def seed(url: str, folder: str) -> dict[str, str]:
    """The demo corpus (real workflows, as a visitor would see them) and the links the runs open."""
    from qldrops import demo

    store = qldrops.connect(
        url,
        settings=Settings(
            progress=False, data_dir=folder, index_dir=f"{folder}/index", embedding_model="fake"
        ),
    )
    demo.load(store, progress=False)
    live = store.previews.create(workflow_id=WORKFLOW, ttl="24h")
    analytics = store.previews.create(ttl="24h", dashboard="analytics")
    real = store.clock
    store.clock = lambda: real() - dt.timedelta(hours=3)
    expired = store.previews.create(workflow_id=WORKFLOW, ttl="60m")
    store.clock = real
    store.close()
    return {"live": live.capability, "expired": expired.capability, "analytics": analytics.capability}


def server_env(folder: str) -> dict[str, str]:
    return {
        "QLDROPS_EMBEDDING_MODEL": "fake",
        "QLDROPS_DATA_DIR": folder,
        "QLDROPS_INDEX_DIR": f"{folder}/index",
        "QLDROPS_PROGRESS": "0",
    }


def wait_warm(srv: ServerProcess, pool: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while srv.health().get("preheated_waiting", 0) < pool:
        if time.monotonic() > deadline:
            raise RuntimeError("the preheated pool did not refill")
        time.sleep(0.1)


def browser_renders(srv: ServerProcess, links: dict, n: int, *, warm_pool: int | None) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        static = []
        for _ in range(max(3, n // 2)):
            page = browser.new_page()
            t0 = time.perf_counter()
            page.goto(srv.url + "/p/" + links["expired"], wait_until="load")
            page.locator("h1").wait_for()
            static.append(time.perf_counter() - t0)
            page.close()
        renders, html, repeat = [], [], []
        context = browser.new_context()  # a returning visitor: the page's JavaScript is cached
        for i in range(n):
            if warm_pool:
                wait_warm(srv, warm_pool)
            # even runs: a first visit (fresh browser context, empty cache); odd runs: a repeat visit
            page = browser.new_page() if i % 2 == 0 else context.new_page()
            t0 = time.perf_counter()
            page.goto(srv.url + "/p/" + links["live"], wait_until="load", timeout=180_000)
            page.locator(READY).wait_for(state="visible", timeout=180_000)
            (renders if i % 2 == 0 else repeat).append(time.perf_counter() - t0)
            # the HTML document complete = the kernel ran every cell (server-side render)
            html.append(page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd") / 1000)
            page.close(run_before_unload=True)  # the unload beacon shuts the kernel down
        context.close()
        browser.close()
    return {"render_s": renders, "repeat_s": repeat, "html_s": html, "static_s": static}


def _fetch(
    url: str, jar: CookieJar, data: bytes | None = None, headers: dict | None = None
) -> tuple[int, str]:
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(jar)
    )
    req = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with opener.open(req, timeout=300) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _render_and_release(srv: ServerProcess, cap: str) -> bool:
    import re

    jar = CookieJar()
    status, page = _fetch(srv.url + "/p/" + cap, jar)
    if status != 200 or "qldrops-workflow" not in page:
        return False
    kernel = json.loads(
        re.search(
            r'id="jupyter-config-data" type="application/json">\s*(.*?)\s*</script>', page, re.DOTALL
        ).group(1)
    )["kernelId"]
    xsrf = next(c.value for c in jar if c.name == "_xsrf")
    _fetch(
        f"{srv.url}/voila/api/shutdown/{kernel}",
        jar,
        data=f"_xsrf={xsrf}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return True


def held_rate(srv: ServerProcess, links: dict, seconds: float, clients: int = 2) -> dict:
    def run(fn) -> float:
        done, stop = [0], time.monotonic() + seconds
        lock = threading.Lock()

        def worker():
            while time.monotonic() < stop:
                if fn():
                    with lock:
                        done[0] += 1

        t0 = time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return done[0] / (time.monotonic() - t0)

    static = run(lambda: _fetch(srv.url + "/p/" + links["expired"], CookieJar())[0] == 410)
    wait_warm(srv, srv.pool_size)
    renders = run(lambda: _render_and_release(srv, links["live"]))
    return {"renders_per_s": renders, "static_pages_per_s": static}


def kernel_memory(srv: ServerProcess, links: dict, open_pages: int) -> dict:
    import psutil
    from jupyter_client import KernelManager
    from playwright.sync_api import sync_playwright

    km = KernelManager(kernel_cmd=None, kernel_name="python3")
    km.kernel_spec.argv[0] = sys.executable
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    bare = psutil.Process(km.provisioner.process.pid).memory_info().rss
    kc.stop_channels()
    km.shutdown_kernel(now=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pages, kernels = [], []
        for _ in range(open_pages):
            wait_warm(srv, srv.pool_size)
            page = browser.new_page()
            page.goto(srv.url + "/p/" + links["live"], timeout=180_000)
            page.locator(READY).wait_for(state="visible", timeout=180_000)
            kernels.append(
                page.evaluate(
                    "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
                )
            )
            pages.append(page)
        rss = []
        for proc in psutil.Process(srv.proc.pid).children(recursive=True):
            cmd = " ".join(proc.cmdline())
            # a kernel's connection file is named after its id
            if "ipykernel_launcher" in cmd and any(k in cmd for k in kernels):
                rss.append(proc.memory_info().rss)
        server_rss = psutil.Process(srv.proc.pid).memory_info().rss
        browser.close()
    return {
        "dashboard_kernel_rss_mb": statistics.mean(rss) / 2**20 if rss else None,
        "bare_kernel_rss_mb": bare / 2**20,
        "server_rss_mb": server_rss / 2**20,
        "measured": len(rss),
    }


def analytics_renders(srv: ServerProcess, links: dict, n: int, *, warm_pool: int | None) -> list[float]:
    """Seconds to the analytics dashboard drawn (its first chart) through a workspace link."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(n):
            if warm_pool:
                wait_warm(srv, warm_pool)
            page = browser.new_page()
            t0 = time.perf_counter()
            page.goto(srv.url + "/p/" + links["analytics"], wait_until="load", timeout=180_000)
            page.locator("#views-per-day .main-svg, #qldrops-kpis").first.wait_for(
                state="visible", timeout=180_000
            )
            out.append(time.perf_counter() - t0)
            page.close(run_before_unload=True)
        browser.close()
    return out


# What "interactive" means per dashboard: the live widgets (Voila's front end connected to the kernel)
# have drawn every element that appears last on that page.
DRAWN = {
    "preview": [READY],
    "analytics": [".qldrops-page #views-per-day .main-svg", ".qldrops-page #funnel .main-svg",
                  ".qldrops-page #top-workflows .main-svg", ".qldrops-page #qldrops-updated"],
    "explorer": [".qldrops-page #cluster-map .main-svg", ".qldrops-page #dupe-summary",
                 ".qldrops-page #search-results"],
    "missing": ["h1"],  # the baseline: an unknown link's 404 page (no kernel)
}
# "First paint": the static picture the server writes into the page's HTML (drawn before Voila's
# JavaScript loads; for analytics and explorer the charts are inline SVG drawn by the server,
# qldrops.dashboards.svg: no JavaScript at all), everything visible but not yet interactive. DRAWN is the
# live page after it (plotly.js charts, widgets connected).
FIRST_PAINT = {
    "preview": [".qldrops-ssr .qldrops-code"],
    "analytics": [".qldrops-ssr #views-per-day svg", ".qldrops-ssr #funnel svg",
                  ".qldrops-ssr #top-workflows svg", ".qldrops-ssr #qldrops-updated"],
    "explorer": [".qldrops-ssr #cluster-map svg", ".qldrops-ssr #dupe-summary",
                 ".qldrops-ssr #search-results"],
}
STUCK_S = 90  # a page not drawn by then is counted (and its console kept), not waited for
# The same moment as the browser sees it: a script in the page notes when every selector of the first
# paint (the 404 page: its heading) is in the document, then the end of the next frame (a task queued
# from requestAnimationFrame runs once that frame is produced), in ms from the navigation's start.
# Playwright's own `wait_for(visible)` polls from outside through the browser's protocol; on a busy
# 2-core machine it noticed pages up to a second after the browser had painted them (first-contentful
# paint 0.15-0.4 s, Playwright 0.19-1.14 s, one visitor; bench diagnosis 2026-12-01). Both are reported.
_PAINTED_JS = """
(function (selectors) {
  function check() {
    if (window.__qldropsPainted !== undefined || !selectors.every(function (s) { return document.querySelector(s); })) {
      return false;
    }
    window.__qldropsPainted = null;
    requestAnimationFrame(function () { setTimeout(function () { window.__qldropsPainted = performance.now(); }, 0); });
    return true;
  }
  new MutationObserver(function (changes, observer) { if (check()) observer.disconnect(); })
    .observe(document, {childList: true, subtree: true});
})(%s);
"""


def seed_demo(url: str, folder: str) -> dict[str, str]:
    """``qldrops demo``'s corpus with the real embedding model, its index built, and one link per dashboard."""
    from qldrops import demo

    store = qldrops.connect(
        url, settings=Settings(progress=False, data_dir=folder, index_dir=f"{folder}/index")
    )
    demo.load(store, progress=False)
    store.index.sync()
    links = {
        "preview": store.previews.create(workflow_id=WORKFLOW, ttl="24h").capability,
        "analytics": store.previews.create(ttl="24h", dashboard="analytics").capability,
        "explorer": store.previews.create(ttl="24h", dashboard="explorer").capability,
        "missing": "A" * 42 + "E",
    }
    store.close()
    return links


def visitors_at_once(srv: ServerProcess, links: dict, dashboard: str, rounds: int, visitors: int = 3) -> dict:
    """Seconds from requesting ``/p/<capability>`` to the page fully drawn, ``visitors`` at once.

    Each round: the pools refilled (the server at rest), then ``visitors`` fresh browser
    contexts request the link in the same instant; each page is closed afterwards (its
    unload beacon frees the kernel), as a visitor leaving.
    """
    import asyncio

    from playwright.async_api import async_playwright

    firsts: list[float] = []
    painted: list[float] = []  # the first paint (the 404 page: its heading) as the browser timed it
    stuck: list[dict] = []

    async def one(browser, url: str) -> float | None:
        context = await browser.new_context(viewport={"width": 1440, "height": 900})
        # three browsers of three people: each has its own visit cookie (from all one address and
        # without one, the admission rules would treat them as one script reloading: see admission.py)
        await context.add_cookies([{"name": "qldrops_visit", "value": secrets.token_urlsafe(32), "url": srv.url}])
        page = await context.new_page()
        await page.add_init_script(_PAINTED_JS % json.dumps(FIRST_PAINT.get(dashboard) or DRAWN[dashboard][:1]))
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text[:200]}"))
        t0 = time.perf_counter()
        took: float | None = None
        try:
            await page.goto(url, wait_until="commit", timeout=STUCK_S * 1000)
            if dashboard in FIRST_PAINT:
                for selector in FIRST_PAINT[dashboard]:
                    await page.locator(selector).first.wait_for(state="visible", timeout=STUCK_S * 1000)
                firsts.append(time.perf_counter() - t0)
            for selector in DRAWN[dashboard]:
                await page.locator(selector).first.wait_for(state="visible", timeout=STUCK_S * 1000)
            took = time.perf_counter() - t0
            await page.wait_for_function("typeof window.__qldropsPainted === 'number'", timeout=STUCK_S * 1000)
            painted.append(await page.evaluate("window.__qldropsPainted") / 1000)
        except Exception as exc:  # noqa: BLE001 - a page that never draws is a figure too (and a bug)
            stuck.append({"error": type(exc).__name__, "console": console[-8:]})
        await page.close(run_before_unload=True)
        await context.close()
        return took

    async def run() -> list[float]:
        times: list[float | None] = []
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for _ in range(rounds):
                await asyncio.get_running_loop().run_in_executor(None, wait_idle, srv)
                url = srv.url + "/p/" + links[dashboard]
                times += await asyncio.gather(*(one(browser, url) for _ in range(visitors)))
            await browser.close()
        return times

    drawn = asyncio.run(run())
    times = [t for t in drawn if t is not None] or [float("nan")]
    out = {"p50_s": round(statistics.median(times), 3), "p99_s": round(pct(times, 0.99), 3),
           "max_s": round(max(times), 3), "n": len(times)}
    out["not_drawn_within_s"] = {"seconds": STUCK_S, "pages": len(stuck), "of": len(drawn), "details": stuck[:3]}
    if firsts:
        out.update(first_paint_p50_s=round(statistics.median(firsts), 3),
                   first_paint_p99_s=round(pct(firsts, 0.99), 3))
    if painted:
        out.update(painted_in_browser_p50_s=round(statistics.median(painted), 3),
                   painted_in_browser_p99_s=round(pct(painted, 0.99), 3))
    return out


def wait_idle(srv: ServerProcess, timeout: float = 300.0) -> dict:
    """Until every pool is full again and no visitor kernel is left (the previous round's closed)."""
    deadline = time.monotonic() + timeout
    want = srv.pool_size * len(srv.preheat_dashboards)
    while True:
        h = srv.health()
        if h.get("preheated_waiting", 0) >= want and h.get("kernels_visitors", 0) == 0:
            return h
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not come back to rest: {h}")
        time.sleep(0.2)


def open_memory(srv: ServerProcess, links: dict) -> dict:
    """Resident memory of one open page's kernel per dashboard (the server's own report)."""
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for dashboard in ("preview", "analytics", "explorer"):
            wait_idle(srv)
            page = browser.new_page()
            page.goto(srv.url + "/p/" + links[dashboard], timeout=180_000)
            for selector in DRAWN[dashboard]:
                page.locator(selector).first.wait_for(state="attached", timeout=180_000)
            mem = srv.health()["kernel_memory_mb"]
            out[dashboard] = list(mem["visitors"].values())
            out["pool_total_mb"] = mem["pool"]
            page.close(run_before_unload=True)
        server = srv.health()
        out["server_cache"] = server.get("cache")
        browser.close()
    return out


def demo_speed(quick: bool = False, precompress: bool = True) -> dict:
    """Issue 11's targets on the demo data: preview, analytics and explorer, 3 visitors at once.

    ``precompress=False`` (``--no-precompress``): the server gzips every static file again for every
    request, as before static files were gzipped once (to measure what that saves)."""
    rounds = 3 if quick else 10
    out: dict = {"load_avg_before": [round(x, 2) for x in os.getloadavg()], "precompress": precompress}
    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite:///{d}/demo.db"
        t0 = time.perf_counter()
        links = seed_demo(url, d)
        out["seed_s"] = round(time.perf_counter() - t0, 1)
        env = {"QLDROPS_DATA_DIR": d, "QLDROPS_INDEX_DIR": f"{d}/index"}
        # the baseline: a page with no kernel (an expired link's 410 page) in the same browser
        with ServerProcess(
            url, log_path=Path(d) / "demo.log", preheat=True, pool_size=3, env=env,
            extra_args=[*SERVER_ARGS, *([] if precompress else ["--no-precompress"])],
            preheat_dashboards=("preview", "analytics", "explorer"), start_timeout=600,
        ) as srv:
            out["baseline_404_page"] = visitors_at_once(srv, links, "missing", rounds)
            for dashboard in ("preview", "analytics", "explorer"):
                out[dashboard] = visitors_at_once(srv, links, dashboard, rounds)
                out[dashboard]["p50_ratio_vs_404_page"] = round(
                    out[dashboard]["p50_s"] / out["baseline_404_page"]["p50_s"], 1)
                if "first_paint_p50_s" in out[dashboard]:
                    out[dashboard]["first_paint_p50_ratio_vs_404_page"] = round(
                        out[dashboard]["first_paint_p50_s"] / out["baseline_404_page"]["p50_s"], 1)
                if "painted_in_browser_p50_s" in out[dashboard]:
                    out[dashboard]["painted_in_browser_p50_ratio_vs_404_page"] = round(
                        out[dashboard]["painted_in_browser_p50_s"]
                        / out["baseline_404_page"]["painted_in_browser_p50_s"], 1)
            out["memory_mb"] = open_memory(srv, links)
    out["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
    return out


def main(quick: bool = False) -> dict:
    n_warm, n_cold, held_s, open_pages, n_dash = (6, 4, 15.0, 2, 2) if quick else (30, 10, 45.0, 3, 5)
    out: dict = {"machine": "2-core Debian 12, Python 3.11 (shared with other work)", "quick": quick}
    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite:///{d}/bench.db"
        links = seed(url, d)
        env = server_env(d)
        with ServerProcess(
            url, log_path=Path(d) / "warm.log", preheat=True, pool_size=1, extra_args=SERVER_ARGS, env=env
        ) as srv:
            warm = browser_renders(srv, links, n_warm, warm_pool=1)
            dash_cold = analytics_renders(srv, links, n_dash, warm_pool=None)
        with ServerProcess(
            url, log_path=Path(d) / "cold.log", preheat=False, extra_args=SERVER_ARGS, env=env
        ) as srv:
            cold = browser_renders(srv, links, n_cold, warm_pool=None)
        with ServerProcess(
            url,
            log_path=Path(d) / "dash.log",
            preheat=True,
            pool_size=1,
            env=env,
            extra_args=[*SERVER_ARGS, "--preheat-dashboards", "preview,analytics"],
        ) as srv:
            wait_warm(srv, 2)
            dash_warm = analytics_renders(srv, links, n_dash, warm_pool=2)
            wait_warm(srv, 2)
            pooled = srv.kernel_pids()
            import psutil

            pool_rss = sorted(psutil.Process(pid).memory_info().rss / 2**20 for pid in pooled)
        with ServerProcess(
            url, log_path=Path(d) / "held.log", preheat=True, pool_size=2, extra_args=SERVER_ARGS, env=env
        ) as srv:
            held = held_rate(srv, links, held_s)
            memory = kernel_memory(srv, links, open_pages)
    static_p50 = statistics.median(warm["static_s"] + cold["static_s"])
    w50, w99 = statistics.median(warm["render_s"]), pct(warm["render_s"], 0.99)
    c50, c99 = statistics.median(cold["render_s"]), pct(cold["render_s"], 0.99)
    h50, h99 = statistics.median(warm["html_s"]), pct(warm["html_s"], 0.99)
    ch50 = statistics.median(cold["html_s"])
    r50 = statistics.median(warm["repeat_s"])
    out["render"] = {
        "preheated_html_p50_s": round(h50, 3),
        "preheated_html_p99_s": round(h99, 3),
        "cold_html_p50_s": round(ch50, 3),
        "cold_over_preheated_html_p50": round(ch50 / h50, 1),
        "preheated_repeat_visit_p50_s": round(r50, 3),
        "preheated_p50_s": round(w50, 3),
        "preheated_p99_s": round(w99, 3),
        "preheated_n": len(warm["render_s"]),
        "cold_p50_s": round(c50, 3),
        "cold_p99_s": round(c99, 3),
        "cold_n": len(cold["render_s"]),
        "static_page_p50_s": round(static_p50, 3),
        "preheated_p50_ratio_vs_static_page": round(w50 / static_p50, 1),
        "cold_p50_ratio_vs_static_page": round(c50 / static_p50, 1),
        "cold_over_preheated_p50": round(c50 / w50, 1),
    }
    d50 = statistics.median(dash_cold)
    out["workspace_dashboards"] = {
        "analytics_cold_p50_s": round(d50, 3),
        "analytics_cold_max_s": round(max(dash_cold), 3),
        "analytics_preheated_p50_s": round(statistics.median(dash_warm), 3),
        "analytics_preheated_max_s": round(max(dash_warm), 3),
        "cold_over_preheated_p50": round(d50 / statistics.median(dash_warm), 2),
        "analytics_cold_over_preview_preheated_p50": round(d50 / w50, 2),
        "waiting_kernels_rss_mb": [round(x, 1) for x in pool_rss],  # preview's and analytics' pool kernels
        "n": len(dash_cold),
    }
    out["held"] = {k: round(v, 3) for k, v in held.items()}
    out["held"]["ratio_vs_static_pages"] = round(held["renders_per_s"] / held["static_pages_per_s"], 4)
    out["memory"] = {k: (round(v, 1) if isinstance(v, float) else v) for k, v in memory.items()}
    if memory["dashboard_kernel_rss_mb"]:
        out["memory"]["ratio_vs_bare_kernel"] = round(
            memory["dashboard_kernel_rss_mb"] / memory["bare_kernel_rss_mb"], 2
        )
    r = out["render"]
    print(
        f"HTML complete p50 {r['preheated_html_p50_s']} s preheated / {r['cold_html_p50_s']} s cold "
        f"({r['cold_over_preheated_html_p50']}x); repeat visit drawn p50 {r['preheated_repeat_visit_p50_s']} s"
    )
    print(
        f"render p50 {r['preheated_p50_s']} s preheated / {r['cold_p50_s']} s cold "
        f"(p99 {r['preheated_p99_s']} / {r['cold_p99_s']}); static page {r['static_page_p50_s']} s; "
        f"cold/preheated {r['cold_over_preheated_p50']}x"
    )
    print(
        f"held {out['held']['renders_per_s']} renders/s ({out['held']['static_pages_per_s']} static pages/s)"
    )
    print(f"memory {out['memory']}")
    print(f"workspace dashboards {out['workspace_dashboards']}")
    out["demo_3_visitors"] = demo_speed(quick)
    print(f"demo, 3 visitors at once {out['demo_3_visitors']}")
    return out


if __name__ == "__main__":
    if "--demo" in sys.argv:  # only issue 11's targets (3 visitors at once on the demo data)
        print(json.dumps(demo_speed(quick="--quick" in sys.argv, precompress="--no-precompress" not in sys.argv),
                         indent=2))
    else:
        print(json.dumps(main(quick="--quick" in sys.argv), indent=2))
