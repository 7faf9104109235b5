"""Repro for issue 11's "page that never becomes interactive": count pages whose live widgets never draw.

Per round, ``--visitors`` fresh browser contexts (headless Chromium) open the same share link at
once (the server at rest before each round: pools refilled, no visitor kernel left). A page is
*drawn* when its dashboard's last element is visible (as ``bench_server.py --demo`` waits for it),
*stuck* when it is not after ``--wait`` seconds. For a stuck page the script keeps the console, the
kernel websocket's messages (kernel_info, the widget manager's control comm, comm_info) and whether
the page's HTML holds a widget output at all; the server log's "Timeout waiting for IOPub output"
lines are counted (nbclient dropping the rest of a cell's outputs, the cause found for issue 11).

``--starve SHARE`` makes the failure frequent: while the pages render, the server process runs only
SHARE of the time (SIGSTOP/SIGCONT every 0.5 s), as on a machine with more work than cores. On this
2-core machine under load 10-15: ``--starve 0.2``, before the fix 6 of 24 preview pages stuck, after
it 0 of 24 (see benchmarks/README.md, issue 11).

Run: ``.venv/bin/python benchmarks/repro_live_widgets.py [--rounds 8] [--starve 0.2] [--demo]``
(``--demo``: ``qldrops demo``'s corpus with the real model, slower to seed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import bench_server as B

import qldrops
from qldrops.server.process import ServerProcess
from qldrops.settings import Settings


def kernel_message(payload: str | bytes) -> dict | None:
    """A kernel websocket frame as a message (JSON, or jupyter_server's binary v1 protocol)."""
    if isinstance(payload, str):
        try:
            return json.loads(payload)
        except ValueError:
            return None
    b = bytes(payload)
    try:
        n = struct.unpack("<Q", b[:8])[0]
        offsets = [struct.unpack("<Q", b[8 + 8 * i:16 + 8 * i])[0] for i in range(n)]
        parts = [b[offsets[i]:(offsets[i + 1] if i + 1 < n else len(b))] for i in range(n)]
        header, parent, _meta, content = (json.loads(p) for p in parts[1:5])
        return {"channel": parts[0].decode(), "header": header, "parent_header": parent, "content": content}
    except (ValueError, struct.error, IndexError):
        return None


def summary(msg: dict | None) -> str | None:
    """One line for a kernel message worth keeping (not status), e.g. "comm_msg 1a2b update_states n=133"."""
    if not msg:
        return None
    kind, content = msg.get("header", {}).get("msg_type"), msg.get("content", {})
    if not kind or kind == "status":
        return None
    line = kind
    if kind.startswith("comm"):
        data = content.get("data") or {}
        line += f" {str(content.get('comm_id', ''))[:8]} {content.get('target_name', '')} {data.get('method', '')}"
        if data.get("method") == "update_states":
            line += f" n={len(data.get('states', {}))}"
    elif kind == "comm_info_reply":
        line += f" n={len(content.get('comms', {}))}"
    elif kind == "stream":
        line += " " + str(content.get("text", ""))[:160].replace("\n", " | ")
    return line


def seed(url: str, folder: str, demo: bool) -> tuple[dict[str, str], dict[str, str]]:
    """Links per dashboard and the server's environment."""
    if demo:
        return B.seed_demo(url, folder), {"QLDROPS_DATA_DIR": folder, "QLDROPS_INDEX_DIR": f"{folder}/index"}
    links = B.seed(url, folder)
    store = qldrops.connect(url, settings=Settings(progress=False, data_dir=folder, index_dir=f"{folder}/index",
                                                   embedding_model="fake"))
    explorer = store.previews.create(ttl="24h", dashboard="explorer").capability
    store.close()
    return ({"preview": links["live"], "analytics": links["analytics"], "explorer": explorer},
            B.server_env(folder))


class Starver:
    """Runs process ``pid`` for ``share`` of every 0.5 s until stopped (0: does nothing)."""

    def __init__(self, pid: int, share: float):
        self.pid, self.share, self.stop = pid, share, threading.Event()
        self.thread = threading.Thread(target=self._cycle, daemon=True)

    def _cycle(self) -> None:
        while not self.stop.is_set():
            os.kill(self.pid, signal.SIGSTOP)
            self.stop.wait(0.5 * (1 - self.share))
            os.kill(self.pid, signal.SIGCONT)
            self.stop.wait(0.5 * self.share)
        os.kill(self.pid, signal.SIGCONT)

    def __enter__(self) -> Starver:  # noqa: PYI034 - a plain class, never subclassed
        if self.share:
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join()


async def run(args: argparse.Namespace) -> dict:
    from playwright.async_api import async_playwright

    folder = tempfile.mkdtemp(prefix="qldrops-repro-")
    url = f"sqlite:///{folder}/repro.db"
    links, env = seed(url, folder, args.demo)
    pages: list[dict] = []
    log = Path(folder) / "server.log"
    with ServerProcess(url, log_path=log, preheat=True, pool_size=3, extra_args=B.SERVER_ARGS, env=env,
                       preheat_dashboards=tuple(args.preheat.split(",")), start_timeout=600) as srv:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=B.CHROMIUM, args=B.ARGS)

            async def visit(dashboard: str, round_no: int) -> None:
                context = await browser.new_context(viewport={"width": 1440, "height": 900})
                await context.add_cookies([{"name": "qldrops_visit", "value": secrets.token_urlsafe(32),
                                            "url": srv.url}])
                page = await context.new_page()
                seen: list[str] = []
                t0 = time.perf_counter()

                def keep(line: str | None) -> None:
                    if line:
                        seen.append(f"{time.perf_counter() - t0:6.2f} {line}")

                page.on("console", lambda m: keep(f"console {m.type}: {m.text[:200]}")
                        if m.type in ("error", "warning") and "version" not in m.text else None)
                page.on("websocket", lambda ws: (
                    ws.on("framesent", lambda f: keep(summary(kernel_message(f)) and "> " + summary(kernel_message(f)))),
                    ws.on("framereceived", lambda f: keep(summary(kernel_message(f)) and "< " + summary(kernel_message(f)))),
                ))
                drawn = True
                try:
                    await page.goto(srv.url + "/p/" + links[dashboard], wait_until="commit", timeout=args.wait * 1000)
                    for selector in B.DRAWN[dashboard]:
                        await page.locator(selector).first.wait_for(state="visible", timeout=args.wait * 1000)
                except Exception:  # noqa: BLE001 - a page not drawn in time is what this counts
                    drawn = False
                    html = await page.content()
                    holds = "vnd.jupyter.widget-view+json" in html or 'class="qldrops-live-slot"' in html
                    seen.append(f"page holds a widget output: {holds}")
                await page.close(run_before_unload=True)
                await context.close()
                pages.append({"dashboard": dashboard, "round": round_no, "drawn": drawn,
                              "seconds": round(time.perf_counter() - t0, 2), "trace": [] if drawn else seen})

            dashboards = args.dashboard.split(",")
            for round_no in range(args.rounds):
                await asyncio.get_running_loop().run_in_executor(None, B.wait_idle, srv)
                dashboard = dashboards[round_no % len(dashboards)]
                with Starver(srv.proc.pid, args.starve):  # type: ignore[union-attr]
                    tasks = [asyncio.ensure_future(visit(dashboard, round_no)) for _ in range(args.visitors)]
                    await asyncio.sleep(args.starve_seconds if args.starve else 0)
                await asyncio.gather(*tasks)
                print(f"round {round_no} {dashboard}: {[p['drawn'] for p in pages[-args.visitors:]]} "
                      f"(load {os.getloadavg()[0]:.1f})", file=sys.stderr, flush=True)
            await browser.close()
    stuck = [p for p in pages if not p["drawn"]]
    return {
        "pages": len(pages), "stuck": len(stuck), "starve": args.starve,
        "iopub_timeouts_in_server_log": log.read_text(errors="replace").count("Timeout waiting for IOPub output"),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "stuck_pages": stuck[:5],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--visitors", type=int, default=3)
    ap.add_argument("--dashboard", default="preview", help="preview, analytics, explorer, or several with commas")
    ap.add_argument("--preheat", default="preview,analytics,explorer", help="dashboards with a pool of 3 kernels")
    ap.add_argument("--starve", type=float, default=0.0, help="share of time the server runs while pages render")
    ap.add_argument("--starve-seconds", type=float, default=12.0, help="how long each round's starving lasts")
    ap.add_argument("--wait", type=float, default=60.0, help="seconds before a page counts as stuck")
    ap.add_argument("--demo", action="store_true", help="the demo corpus with the real embedding model")
    print(json.dumps(asyncio.run(run(ap.parse_args())), indent=2))


if __name__ == "__main__":
    main()
