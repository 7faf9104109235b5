"""The analytics and explorer dashboards in standalone Voila, driven in headless Chromium.

Voila serves them with qldrops' offline template (``qldrops/server/share``); the
test fails if the page asks anything of a host other than 127.0.0.1 (offline
users), if a chart is not drawn, or if a filter does not redraw. Screenshots go
to ``test-results/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import CHROMIUM, chromium
from test_notebooks import ROOT, expected_summary, sqlite_demo  # noqa: F401  (session fixture)

pytestmark = pytest.mark.browser

SHOTS = ROOT / "test-results" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def voila(sqlite_demo, tmp_path):  # noqa: F811
    """Start standalone Voila on one dashboard; yields (base url, database url)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    path, _ = sqlite_demo
    shutil.copy(path, tmp_path / "qldrops.db")
    db_url = f"sqlite:///{tmp_path / 'qldrops.db'}"
    procs = []

    def start(notebook: str) -> str:
        port = _free_port()
        env = dict(os.environ, QLDROPS_DATABASE_URL=db_url, QLDROPS_DATA_DIR=str(tmp_path),
                   QLDROPS_INDEX_DIR=str(tmp_path / "index"), QLDROPS_EMBEDDING_MODEL="fake",
                   QLDROPS_PROGRESS="0", HF_HUB_OFFLINE="1",
                   JUPYTER_PATH=os.pathsep.join([str(ROOT / "qldrops" / "server" / "share"),
                                                 os.environ.get("JUPYTER_PATH", "")]))
        log = open(tmp_path / f"voila-{Path(notebook).stem}.log", "wb")  # noqa: SIM115 - closed at teardown
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "voila"), notebook, "--no-browser", f"--port={port}",
             "--Voila.ip=127.0.0.1", "--template=qldrops", "--Voila.port_retries=0"],
            cwd=ROOT / "dashboards", env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        procs.append((proc, log))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # a readiness wait, not a timing assertion
            if proc.poll() is not None:
                pytest.fail(f"voila exited: {(tmp_path / f'voila-{Path(notebook).stem}.log').read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return f"http://127.0.0.1:{port}/"
            except OSError:
                time.sleep(0.2)
        pytest.fail("voila did not start listening within 60 s")

    yield start, db_url
    for proc, log in procs:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture
def browser():
    with chromium() as b:
        yield b


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    foreign: list[str] = []
    problems: list[str] = []
    local = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")
    page.on("request", lambda r: None if r.url.startswith(local) else foreign.append(r.url))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(url, timeout=180_000)
    return page, foreign, problems


def test_analytics_dashboard_in_chromium(voila, browser, tmp_path):
    start, db_url = voila
    page, foreign, problems = _open(browser, start("analytics.ipynb"))
    for ident in ("views-per-day", "funnel", "top-workflows", "executions"):
        page.wait_for_selector(f"#{ident} .main-svg", timeout=180_000)
    expected = expected_summary(db_url, tmp_path)
    table = page.inner_text("#funnel-table")
    for row in expected.funnel.itertuples():
        assert f"{row.stage}\t{row.viewers}" in table
    assert not page.is_visible("#qldrops-loading")  # the progress note is gone once the page is ready
    all_events = page.inner_text("#qldrops-updated")

    top = expected.top_workflows.iloc[0]["workflow_id"]
    page.select_option(".widget-dropdown select >> nth=0", label=top)  # the workflow filter
    page.wait_for_function("t => { const el = document.querySelector('#qldrops-updated');"
                           " return el !== null && !el.innerText.startsWith(t); }",
                           arg=all_events.split(" ")[0] + " events", timeout=60_000)
    page.wait_for_selector("#funnel .main-svg", timeout=60_000)
    one = page.inner_text("#qldrops-updated")
    assert int(one.split()[0]) < int(all_events.split()[0])
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.select_option(".widget-dropdown select >> nth=0", label="(all)")
    page.wait_for_function("t => { const el = document.querySelector('#qldrops-updated');"
                           " return el !== null && el.innerText === t; }", arg=all_events,
                           timeout=60_000)
    page.wait_for_selector("#funnel .main-svg", timeout=60_000)
    page.screenshot(path=str(SHOTS / "analytics.png"), full_page=True)
    assert "There was an error" not in page.inner_text("body")
    assert not foreign, f"requests left the machine: {foreign}"
    assert not problems, problems


def test_explorer_dashboard_in_chromium(voila, browser):
    start, _ = voila
    page, foreign, problems = _open(browser, start("explorer.ipynb"))
    page.wait_for_selector("#cluster-map .main-svg", timeout=180_000)
    page.wait_for_selector("#search-results", timeout=60_000)
    assert page.locator("#cluster-map .scatterlayer .point").count() == 341
    box = page.locator(".widget-text input").first
    box.fill("bash deploy script with kubectl rollout")
    box.press("Enter")
    page.wait_for_function(
        "() => (document.querySelector('#search-results caption') || {innerText: ''}).innerText.includes('kubectl')",
        timeout=60_000)
    first = page.inner_text("#search-results tr:nth-child(2)")  # row 1 is the header
    assert "deploy-script" in first
    page.wait_for_selector("#dupe-pair", timeout=60_000)
    page.wait_for_selector("#dupe-summary", timeout=60_000)
    # the template's watchdog saw the explorer's live page drawn (metadata qldrops.live_widgets)
    page.locator("body[data-qldrops-live='connected']").wait_for(state="attached", timeout=60_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "explorer.png"), full_page=True)
    assert "There was an error" not in page.inner_text("body")
    assert not foreign, f"requests left the machine: {foreign}"
    assert not problems, problems
