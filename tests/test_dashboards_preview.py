"""Share links opened in headless Chromium against `qldrops serve` over the demo corpus.

The preview page (file tree, highlighted files, switching, versions, report, similar,
run, zip download), an expired link, and the analytics and explorer dashboards opened
through workspace links; then the events those visits left in the database. One
server per module (SQLite); the preview path once more on PostgreSQL. Screenshots go
to ``test-results/screenshots/``. Every wait is a readiness wait, never a timing check.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from support import CHROMIUM, chromium

import qldrops
from qldrops.server.process import ServerProcess
from qldrops.settings import Settings
from qldrops.store import schema as t

SHOTS = Path(__file__).resolve().parent.parent / "test-results" / "screenshots"
WAIT = 120_000  # ms: a readiness limit for a loaded machine, not a performance assertion
GO = "wf-001-jwt-auth-service"
PY = "wf-026-python-word-frequency-cli"
SECRET = "wf-021-python-s3-backup"  # has a planted AWS key (qldrops.demo.PLANTED)
FLASK = "wf-007-flask-calculator-api"
DEPLOY = "wf-025-bash-deploy-script"
PER_FILE = "wf-per-file"  # one drop holding two files, each changed in its own version (put_per_file_workflow)
RUNS = 2  # sandbox runs per link and minute on the module's server
# Every Content-Security-Policy violation the page meets (the server's CSP must let the dashboards draw).
CSP_WATCH = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed"),
]


def _env(folder: Path) -> dict[str, str]:
    return {"QLDROPS_EMBEDDING_MODEL": "fake", "QLDROPS_DATA_DIR": str(folder),
            "QLDROPS_INDEX_DIR": str(folder / "index"), "QLDROPS_PROGRESS": "0", "HF_HUB_OFFLINE": "1"}


def load_demo(url: str, folder: Path) -> dict[str, str]:
    """The demo corpus, its index, and share links: capability by name, plus preview ids."""
    from qldrops import demo

    settings = Settings(data_dir=str(folder), index_dir=str(folder / "index"), embedding_model="fake",
                        progress=False)
    store = qldrops.connect(url, settings=settings)
    demo.load(store, progress=False)
    store.index.sync()
    put_per_file_workflow(store)
    links = {name: store.previews.create(wf, ttl="2h") for name, wf in (
        ("go", GO), ("py", PY), ("secret", SECRET), ("flask", FLASK), ("deploy", DEPLOY), ("perfile", PER_FILE),
        ("expiring", GO), ("revoked", GO), ("stream", PER_FILE))}
    links["analytics"] = store.previews.create(ttl="2h", dashboard="analytics")
    links["explorer"] = store.previews.create(ttl="2h", dashboard="explorer")
    real = store.clock
    store.clock = lambda: real() - dt.timedelta(hours=5)
    links["expired"] = store.previews.create(GO, ttl="1h")
    store.clock = real
    store.close()
    return {**{k: p.capability for k, p in links.items()}, **{f"{k}_id": p.id for k, p in links.items()}}


# How many character columns the first tab of a tab-indented line takes (measured in the page).
TAB_COLUMNS = """e => {
  const first = n => document.createTreeWalker(n, NodeFilter.SHOW_TEXT).nextNode();
  const width = (node, a, b) => { const r = document.createRange(); r.setStart(node, a); r.setEnd(node, b);
                                  return r.getBoundingClientRect().width; };
  const rows = [...e.querySelectorAll('.qc')];
  const indented = rows.find(q => /^\t[^\t]/.test(q.textContent));
  const word = first(rows[0]);
  return width(first(indented), 0, 1) / (width(word, 0, word.length) / word.length);
}"""


def put_per_file_workflow(store) -> None:
    """One drop with two files: v2 changes app/main.py, v3 app/models.py; plus a program that streams."""
    v1 = "# File: app/models.py\nclass Todo:\n    pass\n\n# File: app/main.py\nfrom models import Todo\nprint(Todo)\n"
    v2 = v1.replace("print(Todo)", "print('todo', Todo)")
    v3 = v2.replace("    pass", "    done = False")
    d = store.put(workflow_id=PER_FILE, drop_type="code_generation", artifact=v1, metadata={"language": "python"})
    store.update(d.id, artifact=v2, message="main prints more")
    store.update(d.id, artifact=v3, message="models: a done flag")
    store.put(workflow_id=PER_FILE, drop_type="code_generation", metadata={"filename": "slow.py"},
              artifact="import sys, time\nprint('first line', flush=True)\nprint('a warning', file=sys.stderr, "
                       "flush=True)\ntime.sleep(4)\nprint('last line')\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dash-preview")
    url = f"sqlite:///{folder / 'qldrops.db'}"
    links = load_demo(url, folder)
    with ServerProcess(url, log_path=folder / "server.log", preheat=True, env=_env(folder),
                       # every page of this module is another visitor from 127.0.0.1: lift the per-client bound
                       extra_args=["--rate-limit-link", "1000/minute", "--rate-limit-run", f"{RUNS}/minute",
                                   "--max-kernels-per-client", "20", "--max-kernels", "20"]) as srv:
        srv.links, srv.db_url = links, url
        yield srv


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as b:
        yield b


def _open(browser, srv, name: str):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.add_init_script(CSP_WATCH)
    response = page.goto(srv.url + "/p/" + srv.links[name], timeout=WAIT)
    return page, response


def assert_no_csp_violations(page) -> None:
    assert page.evaluate("window.__csp") == []


def _events(url: str, preview_id: int) -> list[dict]:
    eng = sa.create_engine(url)
    try:
        with eng.connect() as c:
            rows = c.execute(sa.select(t.events).where(t.events.c.preview_id == preview_id)
                             .order_by(t.events.c.id)).mappings().all()
    finally:
        eng.dispose()
    return [dict(r) for r in rows]


def check_preview_page(page) -> None:
    """Tree, a highlighted Go file, switching files, versions with a diff (shared with the PostgreSQL run)."""
    code = page.locator("#qldrops-code")
    code.wait_for(state="visible", timeout=WAIT)
    tree = page.locator(".qldrops-tree")
    for name in ("cmd/", "authd/", "main.go", "internal/", "jwt.go", "prompt_enhancement.md"):
        assert name in tree.inner_text()
    assert code.get_attribute("data-language") == "go" and code.get_attribute("data-lexer") == "Go"
    assert page.locator("#qldrops-path").inner_text() == "cmd/authd/main.go"
    # highlighted: keywords and strings carry the theme's token classes (the page's own CSS colours them)
    assert page.locator("#qldrops-code span.kd, #qldrops-code span.s").count() > 20
    assert page.locator("#qldrops-code .ql").first.evaluate("e => getComputedStyle(e).fontFamily").find("mono") >= 0
    assert code.evaluate(TAB_COLUMNS) == pytest.approx(4, abs=0.25)  # one tab is 4 columns, from the code's start
    assert "func main()" in code.inner_text()
    page.locator(".qldrops-tree-file", has_text="jwt.go").click()
    # a locator wait, not wait_for_function: Playwright polls a string predicate with eval, which the CSP refuses
    expect(page.locator("#qldrops-path")).to_have_text("internal/auth/jwt.go", timeout=WAIT)
    expect(page.locator("#qldrops-code")).to_contain_text("func (s *Signer) Verify", timeout=WAIT)
    assert page.locator(".qldrops-run").is_hidden()  # the sandbox does not run Go
    page.get_by_role("tab", name="Versions").click()
    diff = page.locator("#qldrops-diff")
    diff.wait_for(state="visible", timeout=WAIT)
    assert "v2 → v3" in diff.inner_text()
    assert page.locator("#qldrops-versions tr").count() == 4  # header + v1..v3
    assert_no_csp_violations(page)


def test_a_share_link_shows_the_project_and_highlights_go(server, browser):
    page, response = _open(browser, server, "go")
    assert response.status == 200
    check_preview_page(page)
    page.get_by_role("tab", name="Similar").click()
    similar = page.locator("#qldrops-similar")
    similar.wait_for(state="visible", timeout=WAIT)
    assert "workflow" in similar.inner_text()
    assert "func " not in similar.inner_text()  # other workflows are named, never shown
    page.get_by_role("tab", name="Quality & security").click()
    page.locator("#qldrops-report").wait_for(state="visible", timeout=WAIT)
    page.get_by_role("tab", name="Metadata").click()
    page.locator("#qldrops-metadata").wait_for(state="visible", timeout=WAIT)
    page.locator(".qldrops-tree-file", has_text="main.go").click()
    page.get_by_role("tab", name="Code").click()
    page.screenshot(path=str(SHOTS / "preview-go.png"), full_page=True)
    assert "Traceback" not in page.content()
    page.close()


def test_run_a_python_file_and_see_its_output(server, browser):
    if not shutil.which("bwrap"):
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")
    page, _ = _open(browser, server, "py")
    page.locator("#qldrops-code").wait_for(state="visible", timeout=WAIT)
    assert page.locator("#qldrops-code").get_attribute("data-language") == "python"
    page.locator(".qldrops-run").click()
    out = page.locator("#qldrops-run-output:not([data-status='running'])")  # finished, not streaming
    out.wait_for(state="visible", timeout=WAIT)
    assert out.get_attribute("data-status") == "ok"
    assert "fox" in page.locator("#qldrops-run-output .qldrops-stdout").inner_text()
    page.screenshot(path=str(SHOTS / "preview-run.png"), full_page=True)
    assert_no_csp_violations(page)
    page.close()
    events = _events(server.db_url, server.links["py_id"])
    kinds = [e["event_type"] for e in events]
    assert kinds.count("view") == 1 and kinds.count("execute") == 1
    view, run = (next(e for e in events if e["event_type"] == k) for k in ("view", "execute"))
    assert run["viewer_id"] == view["viewer_id"] is not None  # the funnel sees one visitor
    assert run["metadata"]["status"] == "ok"


def test_runs_past_the_links_limit_are_refused_politely_and_run_nothing(server, browser):
    """The run limit is kept by the server: reloading (a new kernel) gives no new budget."""
    if not shutil.which("bwrap"):
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")
    runs = lambda: len(qldrops.connect(server.db_url, settings=Settings(progress=False)).executions(  # noqa: E731
        preview_id=server.links["py_id"]))
    for _ in range(RUNS + 1):  # at most RUNS runs fit in the minute, whatever ran before
        page, _ = _open(browser, server, "py")  # each click from a fresh page: a fresh kernel
        page.locator("#qldrops-code").wait_for(state="visible", timeout=WAIT)
        before = runs()
        page.locator(".qldrops-run").click()
        page.locator("#qldrops-run-output, #qldrops-run-limited").first.wait_for(state="visible", timeout=WAIT)
        limited = page.locator("#qldrops-run-limited").count() == 1
        if limited:
            assert "Wait" in page.locator("#qldrops-run-limited").inner_text()
            assert "Traceback" not in page.content()
            page.screenshot(path=str(SHOTS / "preview-run-limited.png"), full_page=True)
            page.close()
            assert runs() == before  # nothing reached the sandbox
            return
        page.close()
    pytest.fail(f"{RUNS + 1} runs in a row were all allowed")


def test_download_the_project_with_secrets_masked(server, browser):
    page, _ = _open(browser, server, "secret")
    page.locator("#qldrops-code").wait_for(state="visible", timeout=WAIT)
    page.locator(".qldrops-tree-file", has_text="config.py").click()
    expect(page.locator("#qldrops-path")).to_have_text(re.compile(r"config\.py$"), timeout=WAIT)
    page.locator(".qldrops-download").click()
    link = page.locator("#qldrops-download-link")
    link.wait_for(state="visible", timeout=WAIT)
    href = link.get_attribute("href")
    assert href.startswith("data:application/zip;base64,")
    with page.expect_download(timeout=WAIT) as dl:
        link.click()
    assert dl.value.suggested_filename == f"{SECRET}.zip"
    data = base64.b64decode(href.split(",", 1)[1])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        text = "".join(z.read(n).decode() for n in names)
    assert any(n.endswith("backup/config.py") for n in names)
    content = page.content()
    for secret in ("AKIAQ3DEMO7EXAMPLE42", "q7Lr2VxN9dEmOnLy"):
        assert secret not in content and secret not in text
    page.screenshot(path=str(SHOTS / "preview-download.png"), full_page=True)
    page.close()
    kinds = [e["event_type"] for e in _events(server.db_url, server.links["secret_id"])]
    assert kinds.count("download") == 1 and kinds.count("view") == 1


def test_an_expired_link_shows_its_page(server, browser):
    page, response = _open(browser, server, "expired")
    assert response.status == 410
    assert "expired" in page.locator("h1").inner_text().lower()
    assert "Traceback" not in page.content()
    page.screenshot(path=str(SHOTS / "preview-expired.png"))
    page.close()
    assert [e["event_type"] for e in _events(server.db_url, server.links["expired_id"])] == ["share"]


@pytest.mark.parametrize("name, ready", [("analytics", "#views-per-day .main-svg"), ("explorer", "#search-results")])
def test_workspace_dashboards_open_through_links(server, browser, name, ready):
    page, response = _open(browser, server, name)
    assert response.status == 200
    page.locator(ready).first.wait_for(state="visible", timeout=WAIT)
    assert "Traceback" not in page.content()
    page.screenshot(path=str(SHOTS / f"link-{name}.png"), full_page=True)
    assert_no_csp_violations(page)  # plotly and the widget manager from this server, under its CSP
    page.close()
    assert [e["event_type"] for e in _events(server.db_url, server.links[f"{name}_id"])] == ["share", "view"]


# Every chart of the static first paint, as the HTML had it (recorded before the live page replaces it):
# each bar's, point's and stage's value, server-drawn SVG.
STATIC_FIGURES = """document.addEventListener('DOMContentLoaded', () => {
  window.__static = Object.fromEntries([...document.querySelectorAll('.qldrops-ssr .qldrops-static-plot')]
    .map(e => [e.id, [...e.querySelectorAll('[data-v]')].map(m => [m.getAttribute('data-c'), m.getAttribute('data-v')])]));
  window.__figures = document.querySelectorAll('.qldrops-ssr [data-figure]').length;
});"""
DUPLICATE_IDS = """() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  return ids.filter((x, i) => ids.indexOf(x) !== i); }"""
FIRST_PAINT = {  # what the static picture shows of each workspace dashboard
    "analytics": ["#views-per-day svg", "#funnel svg", "#top-workflows svg", "#qldrops-kpis",
                  "#funnel-table", "#qldrops-updated"],
    "explorer": ["#cluster-map svg", "#cluster-table", "#search-results", "#dupe-summary", "#dupe-pair",
                 "#qldrops-kpis"],
}
LIVE = {  # the live page draws the same with plotly.js
    "analytics": ["#views-per-day .main-svg", "#funnel .main-svg", "#top-workflows .main-svg", "#qldrops-kpis",
                  "#funnel-table", "#qldrops-updated"],
    "explorer": ["#cluster-map .main-svg", "#cluster-table", "#search-results", "#dupe-summary", "#dupe-pair",
                 "#qldrops-kpis"],
}
# The live figure's numbers in the SVG's order (data-c, data-v): bars/stages by category, points by trace.
LIVE_NUMBERS = """(ident) => document.querySelector('.qldrops-page #' + ident)._fullData.map(t => {
  const h = t.orientation === 'h' || t.type === 'funnel';
  return [t.type, Array.from(h ? t.y : t.x).map(String), Array.from(h ? t.x : t.y).map(Number)];
})"""


@pytest.mark.parametrize("name", ["analytics", "explorer"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_workspace_dashboards_draw_a_static_first_paint_then_go_live(server, browser, name, scheme):
    """The server writes the page with its default controls into the HTML: with every script blocked
    (JavaScript off: no plotly.js, no widgets, no kernel websocket) the KPIs, tables and charts (inline
    SVG drawn by the server) are visible and the controls disabled; with JavaScript, the live widgets take
    the picture's place, drawing the very same numbers with plotly.js, and no id exists twice."""
    context = browser.new_context(viewport={"width": 1300, "height": 900}, java_script_enabled=False,
                                  color_scheme=scheme)
    page = context.new_page()
    assert page.goto(server.url + "/p/" + server.links[name], timeout=WAIT).status == 200
    for selector in FIRST_PAINT[name]:
        page.locator(f".qldrops-ssr {selector}").first.wait_for(state="visible", timeout=WAIT)
    chart = page.locator(".qldrops-ssr #cluster-map svg" if name == "explorer" else ".qldrops-ssr #views-per-day svg")
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 150  # drawn at a readable size, not collapsed
    assert page.locator(".qldrops-ssr [data-figure]").count() == 0  # nothing left for plotly.js to draw
    assert page.locator(".qldrops-page").count() == 0  # no live widgets without the front end
    controls = page.locator(".qldrops-ssr .qldrops-filters-first").locator("input, select, button")
    assert controls.count() >= 4 and all(controls.nth(i).is_disabled() for i in range(controls.count()))
    assert "Traceback" not in page.content()
    page.screenshot(path=str(SHOTS / f"link-{name}-first-paint-{scheme}.png"), full_page=True)
    context.close()
    if scheme == "dark":
        return  # the live half once is enough

    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.add_init_script(CSP_WATCH)
    page.add_init_script(STATIC_FIGURES)
    page.goto(server.url + "/p/" + server.links[name], timeout=WAIT)
    for selector in LIVE[name]:
        page.locator(f".qldrops-page {selector}").first.wait_for(state="visible", timeout=WAIT)
    expect(page.locator(".qldrops-ssr-body")).to_have_count(0, timeout=WAIT)  # not wait_for_function: the CSP refuses its eval
    assert page.evaluate(DUPLICATE_IDS) == []
    static = page.evaluate("window.__static")
    assert static and page.evaluate("window.__figures") == 0, "the HTML held no static charts"
    for ident, marks in static.items():  # the picture's numbers are the live chart's, mark for mark
        live = page.evaluate(LIVE_NUMBERS, ident)
        drawn = [(c, float(v)) for c, v in marks]
        want = [(c, v) for _, cats, vals in live for c, v in zip(cats, vals, strict=False)]
        if ident == "cluster-map":  # a point's category is its x (a float, written differently): the y values
            drawn, want = [("", v) for _, v in drawn], [("", v) for _, v in want]
        if any(kind == "box" for kind, _, _ in live):  # a box's points are drawn per category
            drawn, want = sorted(drawn), sorted(want)
        assert [c for c, _ in drawn] == [c for c, _ in want], ident
        assert [v for _, v in drawn] == pytest.approx([v for _, v in want]), ident
    assert_no_csp_violations(page)
    page.close(run_before_unload=True)


@pytest.mark.postgres
def test_the_preview_path_on_postgresql(pg_url, tmp_path, browser):
    links = load_demo(pg_url, tmp_path)
    with ServerProcess(pg_url, log_path=tmp_path / "server.log", preheat=True, env=_env(tmp_path)) as srv:
        srv.links = links
        page, response = _open(browser, srv, "go")
        assert response.status == 200
        check_preview_page(page)
        page.close()
        assert [e["event_type"] for e in _events(pg_url, links["go_id"])] == ["share", "view"]


# ---------------------------------------------------------------------------------------------- issue 11
def _set_expiry(url: str, preview_id: int, when: dt.datetime) -> None:
    """The link's expiry moved in the database, as time passing would (the server reads it on every check)."""
    eng = sa.create_engine(url)
    try:
        with eng.begin() as c:
            c.execute(sa.update(t.previews).where(t.previews.c.id == preview_id).values(expires_at=when))
    finally:
        eng.dispose()


def test_an_open_tab_stops_showing_anything_once_its_link_expires_or_is_revoked(server, browser):
    for name in ("expiring", "revoked"):
        page, _ = _open(browser, server, name)
        page.locator("#qldrops-code").wait_for(state="visible", timeout=WAIT)
        page.get_by_role("tab", name="Quality & security").click()
        page.locator("#qldrops-report").wait_for(state="visible", timeout=WAIT)
        page.get_by_role("tab", name="Code").click()
        if name == "expiring":
            _set_expiry(server.db_url, server.links["expiring_id"], dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        else:
            store = qldrops.connect(server.db_url, settings=Settings(progress=False))
            store.previews.revoke(server.links["revoked_id"])
            store.close()
        try:  # drawn before: re-checked all the same...
            page.get_by_role("tab", name="Quality & security").click(timeout=5_000)
        except PlaywrightTimeoutError:
            pass  # ...unless the page's live thread saw the link go first and closed the page itself
        gone = page.locator("#qldrops-link-gone")
        gone.wait_for(state="visible", timeout=WAIT)
        assert ("expired" if name == "expiring" else "revoked") in gone.inner_text().lower()
        expect(page.locator("#qldrops-code")).to_have_count(0, timeout=WAIT)
        assert page.locator("#qldrops-report").count() == 0 and page.locator(".qldrops-tree").count() == 0
        assert "func " not in page.locator("body").inner_text()
        page.screenshot(path=str(SHOTS / f"preview-{name}-in-open-tab.png"), full_page=True)
        page.close()


def test_run_is_offered_only_where_it_can_work(server, browser):
    if not shutil.which("bwrap"):
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")
    for name, words in (("flask", "flask"), ("deploy", "arguments")):
        page, _ = _open(browser, server, name)
        page.locator("#qldrops-code").wait_for(state="visible", timeout=WAIT)
        why = page.locator("#qldrops-run-why")
        why.wait_for(state="visible", timeout=WAIT)
        assert words in why.inner_text().lower()
        assert page.locator(".qldrops-run").is_hidden()
        page.screenshot(path=str(SHOTS / f"preview-run-why-{name}.png"), full_page=True)
        page.close()


def test_output_streams_into_the_page_with_stderr_apart(server, browser):
    if not shutil.which("bwrap"):
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")
    page, _ = _open(browser, server, "stream")
    page.locator("#qldrops-code").wait_for(state="visible", timeout=WAIT)
    page.locator(".qldrops-tree-file", has_text="slow.py").click()
    expect(page.locator("#qldrops-path")).to_have_text("slow.py", timeout=WAIT)
    page.locator(".qldrops-run").click()
    live = page.locator("#qldrops-run-output[data-status='running']")
    # while the program sleeps: its first lines are on the page, stderr in its own element
    expect(live.locator("[data-stream='stdout']")).to_contain_text("first line", timeout=WAIT)
    expect(live.locator("[data-stream='stderr']")).to_contain_text("a warning", timeout=WAIT)
    assert "last line" not in live.inner_text()
    done = page.locator("#qldrops-run-output[data-status='ok']")
    done.wait_for(state="visible", timeout=WAIT)
    assert "last line" in done.locator(".qldrops-stdout").inner_text()
    assert "a warning" in done.locator(".qldrops-stderr").inner_text()
    page.close()


def test_a_files_versions_are_its_own(server, browser):
    page, _ = _open(browser, server, "perfile")
    page.locator("#qldrops-code").wait_for(state="visible", timeout=WAIT)
    page.locator(".qldrops-tree-file", has_text="main.py").click()
    expect(page.locator("#qldrops-path")).to_have_text("app/main.py", timeout=WAIT)
    page.get_by_role("tab", name="Versions").click()
    diff = page.locator("#qldrops-diff")
    diff.wait_for(state="visible", timeout=WAIT)
    assert "v1 → v2" in diff.inner_text() and "print('todo', Todo)" in diff.inner_text()
    assert page.locator("#qldrops-versions tr").count() == 3  # header + v1, v2: v3 changed models.py only
    page.locator(".qldrops-tree-file", has_text="models.py").click()
    expect(page.locator("#qldrops-path")).to_have_text("app/models.py", timeout=WAIT)
    expect(page.locator("#qldrops-diff")).to_contain_text("v1 → v3", timeout=WAIT)
    assert "done = False" in page.locator("#qldrops-diff").inner_text()
    assert "print" not in page.locator("#qldrops-diff").inner_text()
    # one row per line, not double-spaced: a diff line is as tall as a code line
    line = page.locator("#qldrops-diff .qldrops-diffbody > div").first.bounding_box()["height"]
    page.get_by_role("tab", name="Code").click()
    code_line = page.locator("#qldrops-code .ql").first.bounding_box()["height"]
    assert line <= code_line * 1.2
    page.close()


def test_phone_width_folds_the_tree_and_keeps_code_readable(server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.add_init_script(CSP_WATCH)
    page.goto(server.url + "/p/" + server.links["go"], timeout=WAIT)
    code = page.locator("#qldrops-code")
    code.wait_for(state="visible", timeout=WAIT)
    assert page.locator(".qldrops-tree").is_hidden()
    assert code.bounding_box()["width"] >= 300  # the code has the width, not the tree
    # line numbers in a gutter: not part of what a visitor selects and copies; tabs kept
    copied = code.evaluate("e => { const s = getSelection(); s.selectAllChildren(e); return s.toString(); }")
    assert copied.startswith("package main") and "\tif " in copied or "\t" in copied
    assert not re.match(r"\s*1\s", copied)
    gutter = code.locator(".ql").first.evaluate("e => getComputedStyle(e, '::before').content")
    assert gutter == '"1"'
    page.locator(".qldrops-files-toggle").click()
    page.locator(".qldrops-tree").wait_for(state="visible", timeout=WAIT)
    page.locator(".qldrops-tree-file", has_text="jwt.go").click()
    expect(page.locator("#qldrops-path")).to_have_text("internal/auth/jwt.go", timeout=WAIT)
    expect(page.locator(".qldrops-tree")).to_be_hidden(timeout=WAIT)  # folded again once a file is picked
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # nothing pushes the page sideways
    page.screenshot(path=str(SHOTS / "preview-390px.png"), full_page=True)
    assert_no_csp_violations(page)
    page.close()


def _luminance(css_rgb: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", css_rgb)[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_the_theme_follows_the_browser_and_reads(server, browser, scheme):
    page = browser.new_page(viewport={"width": 1300, "height": 900}, color_scheme=scheme)
    page.add_init_script(CSP_WATCH)
    page.goto(server.url + "/p/" + server.links["go"], timeout=WAIT)
    code = page.locator("#qldrops-code")
    code.wait_for(state="visible", timeout=WAIT)
    body_bg = page.locator("body").evaluate("e => getComputedStyle(e).backgroundColor")
    code_bg = code.evaluate("e => getComputedStyle(e).backgroundColor")
    code_fg = code.evaluate("e => getComputedStyle(e).color")
    keyword = code.locator("span.kd").first.evaluate("e => getComputedStyle(e).color")
    dark = scheme == "dark"
    assert (_luminance(body_bg) < 0.1) is dark and (_luminance(code_bg) < 0.1) is dark
    for fg in (code_fg, keyword):
        hi, lo = sorted((_luminance(fg), _luminance(code_bg)), reverse=True)
        assert (hi + 0.05) / (lo + 0.05) >= 4.5
    page.screenshot(path=str(SHOTS / f"preview-{scheme}.png"), full_page=True)
    assert_no_csp_violations(page)
    page.close()
