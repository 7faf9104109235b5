"""A share link opened in headless Chromium: the dashboard renders, offline.

Uses Debian's chromium through Playwright (``playwright install`` cannot download
here). Every request the page makes is recorded: anything not served by our own
server (a CDN stylesheet, a font) fails the test, because offline users exist.
Screenshots go to ``test-results/``.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect
from support import CHROMIUM, chromium
from test_server import WORKFLOW, seed

from qldrops.server.process import ServerProcess

RESULTS = Path(__file__).resolve().parent.parent / "test-results"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (apt-get install chromium)"
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'qldrops.db'}"
    links = seed(url)
    with ServerProcess(url, log_path=folder / "server.log", preheat=True) as srv:
        srv.links = links
        yield srv


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _watch(page, origin: str) -> dict[str, list]:
    seen = {"foreign": [], "failed": [], "bad": []}

    def on_request(request):
        host = urlparse(request.url).netloc
        if request.url.startswith(("data:", "blob:")):
            return
        if host != origin:
            seen["foreign"].append(request.url)

    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation', "
        "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.on("request", on_request)
    page.on("requestfailed", lambda r: seen["failed"].append(r.url))
    page.on("response", lambda r: seen["bad"].append((r.status, r.url)) if r.status >= 400 else None)
    # Nothing leaves the machine even if something tries: foreign requests are aborted (and recorded).
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlparse(route.request.url).netloc == origin
            or route.request.url.startswith(("data:", "blob:"))
            else route.abort()
        ),
    )
    return seen


def test_live_link_renders_the_dashboard_offline(server, browser):
    RESULTS.mkdir(exist_ok=True)
    origin = urlparse(server.url).netloc
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    seen = _watch(page, origin)
    response = page.goto(server.url + "/p/" + server.links["live"], wait_until="load", timeout=120_000)
    assert response.status == 200
    code = page.locator("#qldrops-code")  # drawn by the widget manager once the kernel connects
    code.wait_for(state="visible", timeout=120_000)
    assert "print" in code.inner_text() and code.get_attribute("data-language") == "python"
    tree = page.locator(".qldrops-tree").inner_text()
    assert "main.py" in tree and "enhanced-prompt.md" in tree
    assert WORKFLOW in page.locator("#qldrops-workflow").inner_text()
    # the page's watchdog saw every widget drawn: no reload notice (tests/test_server_live_browser.py)
    page.locator("body[data-qldrops-live='connected']").wait_for(state="attached", timeout=120_000)
    assert page.locator("#qldrops-reload").count() == 0
    page.screenshot(path=str(RESULTS / "server-preview.png"), full_page=True)
    assert seen["foreign"] == []
    assert seen["failed"] == []
    assert [b for b in seen["bad"] if not b[1].endswith("favicon.ico")] == []
    assert server.links["live"] not in (page.evaluate("document.referrer") or "")
    assert page.evaluate("window.__csp") == []  # the page draws under the server's CSP
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    page.close()


def test_first_file_is_drawn_before_the_widgets_connect(server, browser):
    """The server writes a static picture of the first file into the page's HTML: with Voila's
    JavaScript blocked (no widgets, no kernel websocket) the visitor still sees the code and the tree;
    once the widgets draw, the picture is gone and every id is unique again."""
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.route("**/voila/static/**", lambda route: route.abort())
    page.goto(server.url + "/p/" + server.links["live"], wait_until="load", timeout=120_000)
    first = page.locator(".qldrops-ssr .qldrops-code")
    first.wait_for(state="visible", timeout=120_000)
    assert "print" in first.inner_text() and first.get_attribute("data-language") == "python"
    assert "main.py" in page.locator(".qldrops-ssr .qldrops-tree").inner_text()
    assert page.locator("#loading").is_hidden()  # Voila's spinner gives way to the picture
    assert page.locator("#qldrops-code").count() == 0  # no live widgets without the front end
    page.close()

    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.goto(server.url + "/p/" + server.links["live"], wait_until="load", timeout=120_000)
    page.locator(".qldrops-page #qldrops-code").wait_for(state="visible", timeout=120_000)
    expect(page.locator(".qldrops-ssr-body")).to_have_count(0, timeout=30_000)  # not wait_for_function: the CSP refuses its eval
    assert page.locator(".qldrops-code").count() == 1
    page.close(run_before_unload=True)


def test_expired_link_shows_an_instruction(server, browser):
    RESULTS.mkdir(exist_ok=True)
    page = browser.new_page()
    response = page.goto(server.url + "/p/" + server.links["expired"])
    assert response.status == 410
    assert "expired" in page.locator("h1").inner_text().lower()
    assert "Traceback" not in page.content()
    page.screenshot(path=str(RESULTS / "server-expired.png"))
    page.close()


def _status(url: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_closing_the_tab_shuts_its_kernel_down(server, browser):
    """Voila's unload beacon needs the `_xsrf` cookie, which qldrops sets: the kernel goes with the tab.

    The beacon is fire-and-forget (Playwright does not report it after the page is
    gone), so the test waits, up to a minute, for the kernel to disappear.
    """
    import time

    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url + "/p/" + server.links["live"])
    page.locator("#qldrops-code").wait_for(state="visible", timeout=120_000)
    kernel_id = page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    assert {"_xsrf", "qldrops_visit"} <= {c["name"] for c in context.cookies()}
    # the kernel answers its own visit (the context's cookies) and nobody else
    assert context.request.get(f"{server.url}/api/kernels/{kernel_id}").status == 200
    assert _status(f"{server.url}/api/kernels/{kernel_id}") == 404  # no cookie: as if it did not exist
    page.close(run_before_unload=True)
    deadline = time.monotonic() + 60
    while context.request.get(f"{server.url}/api/kernels/{kernel_id}").status != 404:
        assert time.monotonic() < deadline, "the kernel outlived its tab"
        time.sleep(0.25)
    context.close()
