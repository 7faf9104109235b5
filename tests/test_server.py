"""`qldrops serve` end to end: a real server process, real kernels, a real database.

One server per module (starting one and preheating its kernel costs seconds):
a SQLite store in a temporary folder; `test_postgres_*` repeat the core path on
PostgreSQL; `test_no_preheat_*` run a server without a kernel pool, where "no
kernel started" can be checked as "no kernel process exists".
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from pathlib import Path

import pytest

import qldrops
from qldrops.server.process import ServerProcess, get_json
from qldrops.settings import Settings

WORKFLOW = "wf-server-42"
TRACEBACK_MARKERS = ("Traceback", 'File "', "Error:", "sqlalchemy", "psycopg", "line ")


def _http(url: str, *, headers: dict | None = None):
    """(status, headers, body) without following redirects or using a proxy."""
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(req, timeout=120) as r:
            return r.status, r.headers, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode(errors="replace")


def seed(url: str) -> dict[str, str]:
    """Drops of one workflow and four links: live, expired, revoked, and one for the PG run."""
    store = qldrops.connect(url, settings=Settings(progress=False))
    store.put(
        workflow_id=WORKFLOW,
        drop_type="prompt_enhancement",
        artifact="Build a todo app",
        metadata={"title": "Enhanced prompt"},
    )
    store.put(
        workflow_id=WORKFLOW,
        drop_type="code_generation",
        artifact="print('hi')",
        metadata={"path": "main.py"},
    )
    live = store.previews.create(workflow_id=WORKFLOW, ttl="60m")
    second = store.previews.create(workflow_id=WORKFLOW, ttl="60m")
    revoked = store.previews.create(workflow_id=WORKFLOW, ttl="60m")
    store.previews.revoke(revoked.id)
    real_clock = store.clock
    store.clock = lambda: real_clock() - dt.timedelta(hours=3)
    expired = store.previews.create(workflow_id=WORKFLOW, ttl="60m")
    store.clock = real_clock
    store.close()
    return {
        "live": live.capability,
        "second": second.capability,
        "revoked": revoked.capability,
        "expired": expired.capability,
        "live_id": str(live.id),
    }


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("server")
    url = f"sqlite:///{folder / 'qldrops.db'}"
    links = seed(url)
    with ServerProcess(
        url, log_path=folder / "server.log", preheat=True, extra_args=["--rate-limit-link", "1000/minute"]
    ) as srv:
        srv.links = links
        srv.db_url = url
        yield srv


def _outputs(page: str) -> list[dict]:
    """The cell outputs Voila embedded in a rendered page (as JSON for its JavaScript), and those the
    server wrote into the page as HTML (the static first paint: ``qldrops_ssr`` outputs)."""
    blocks = re.findall(
        r'<script type="application/vnd.voila.cell-output\+json">\s*(.*?)\s*</script>', page, re.DOTALL
    )
    static = re.findall(r"<!--qldrops-ssr-->(.*?)<!--/qldrops-ssr-->", page, re.DOTALL)
    return [json.loads(b) for b in blocks] + [{"data": {"text/html": h}} for h in static]


def _kernel_id(page: str) -> str:
    cfg = re.search(
        r'<script id="jupyter-config-data" type="application/json">\s*(.*?)\s*</script>', page, re.DOTALL
    )
    return json.loads(cfg.group(1))["kernelId"]


def assert_preview_headers(headers) -> None:
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Robots-Tag"] == "noindex"
    assert_security_headers(headers)


def assert_security_headers(headers) -> None:
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["X-Content-Type-Options"] == "nosniff"
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'self'"):
        assert directive in csp
    assert "unsafe-eval" not in csp and "http" not in csp  # nothing from another origin


def visit_cookie(headers) -> str:
    """The ``qldrops_visit=...`` cookie a page response set (what the browser sends back)."""
    return next(c.split(";")[0] for c in headers.get_all("Set-Cookie") if c.startswith("qldrops_visit="))


def assert_instruction_page(body: str) -> None:
    for marker in TRACEBACK_MARKERS:
        assert marker not in body
    assert "<h1>" in body and "://" not in body  # an instruction, with no external resources


# ------------------------------------------------------------------------------------------ live link
def test_live_link_renders_the_dashboard_with_headers(sqlite_server):
    status, headers, page = _http(sqlite_server.url + "/p/" + sqlite_server.links["live"])
    assert status == 200
    assert_preview_headers(headers)
    html_outputs = " ".join(o.get("data", {}).get("text/html", "") for o in _outputs(page))
    assert WORKFLOW in html_outputs and re.search(r"\d+ files? · 1 document\b", html_outputs)
    widget_outputs = [
        o for o in _outputs(page) if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert len(widget_outputs) == 1  # the page (tree, code, tabs) is one ipywidgets box
    assert sqlite_server.links["live"] not in page  # the page never echoes its capability
    for marker in ("Traceback", "There was an error"):
        assert marker not in page


def test_page_loads_nothing_from_the_internet(sqlite_server):
    _, _, page = _http(sqlite_server.url + "/p/" + sqlite_server.links["live"])
    refs = re.findall(r'(?:src|href)\s*=\s*["\'](https?:)?//([^"\'/]+)', page)
    assert refs == []
    assert "cdn.jsdelivr.net" not in page and "cdnjs" not in page


def test_nothing_before_the_first_paint_blocks_the_browser(sqlite_server):
    """The static picture is drawn as soon as its HTML arrives: no script before it stops the parser
    (an external script must be async or defer) and no stylesheet before it holds rendering back."""
    _, _, page = _http(sqlite_server.url + "/p/" + sqlite_server.links["live"])
    head, marker, _ = page.partition("<!--qldrops-ssr-->")
    assert marker, "the page carries a static first paint"
    scripts = re.findall(r"<script\b[^>]*\bsrc=[^>]*>", head)
    assert scripts, "Voila's style bundle is loaded from the head"
    assert [s for s in scripts if not re.search(r"\b(async|defer)\b", s)] == []
    sheets = re.findall(r'<link\b[^>]*rel="stylesheet"[^>]*>', head)
    assert sheets, "JupyterLab's stylesheets are linked from the head"
    assert [s for s in sheets if 'media="print"' not in s or "this.media='all'" not in s] == []


def test_a_links_next_visitor_gets_the_first_paint_before_any_kernel_runs(sqlite_server):
    """The kernel of a visit files the page's picture; the next visit of the link gets it from the server
    ahead of every cell (one copy on the page); a write to the workflow makes the next visit draw anew."""
    store = qldrops.connect(sqlite_server.db_url, settings=Settings(progress=False))
    workflow = f"wf-first-paint-{uuid.uuid4().hex[:6]}"
    drop = store.put(workflow_id=workflow, drop_type="code_generation", artifact="print('alpha_token')",
                     metadata={"path": "app.py"})
    url = sqlite_server.url + "/p/" + store.previews.create(workflow_id=workflow, ttl="60m").capability
    cookie = {"Cookie": f"qldrops_visit={uuid.uuid4().hex}"}  # one browser reloading: one kernel at a time

    def visit() -> tuple[str, list[str]]:
        status, _, page = _http(url, headers=cookie)
        assert status == 200
        return page, re.findall(r"<!--qldrops-ssr-->(.*?)<!--/qldrops-ssr-->", page, re.DOTALL)

    page, drawn = visit()
    assert "qldrops-ssr-early" not in page and any("alpha_token" in p for p in drawn)
    page, again = visit()
    assert "qldrops-ssr-early" in page
    assert page.index("qldrops-ssr-early") < page.index('cell-index="3"')  # before the kernel waits for the visit
    assert sorted(again) == sorted(drawn)  # the same picture, once

    store.update(drop.id, artifact="print('omega_token')")
    page, drawn = visit()
    assert "qldrops-ssr-early" not in page  # the workflow moved: no older picture is sent
    assert any("omega_token" in p for p in drawn) and not any("alpha_token" in p for p in drawn)
    page, again = visit()
    assert "qldrops-ssr-early" in page and sorted(again) == sorted(drawn)
    store.close()


def _embedded(store, timeout: float = 60.0) -> None:
    """Wait until the server's background indexer has a vector for every current drop (the explorer's
    first paint is filed under the stored vectors' position too)."""
    import sqlalchemy as sa

    from qldrops.store import schema as t

    q = (sa.select(sa.func.count()).select_from(t.drops)
         .where(~sa.exists().where(t.embeddings.c.content_hash == t.drops.c.content_hash)))
    deadline = time.monotonic() + timeout
    while True:
        with store.engine.connect() as c:
            if c.execute(q).scalar_one() == 0:
                return
        assert time.monotonic() < deadline, "the background indexer did not embed the new drop"
        time.sleep(0.2)


@pytest.mark.parametrize("dashboard", ["analytics", "explorer"])
def test_a_workspace_dashboards_next_visitor_gets_the_first_paint_before_any_kernel_runs(sqlite_server, dashboard):
    """The same for the analytics and explorer links: filed per workspace under the position of everything
    the picture reads. A visit of such a link is not a counted event (the next visit still hits);
    a new drop moves the position (the next visit draws anew, the one after gets that picture)."""
    store = qldrops.connect(sqlite_server.db_url, settings=Settings(progress=False))
    url = sqlite_server.url + "/p/" + store.previews.create(ttl="60m", dashboard=dashboard).capability
    cookie = {"Cookie": f"qldrops_visit={uuid.uuid4().hex}"}

    last = {}

    def visit() -> tuple[str, list[str]]:
        status, headers, page = _http(url, headers=cookie)
        assert status == 200
        last.update(headers=headers, page=page)
        return page, re.findall(r"<!--qldrops-ssr-->(.*?)<!--/qldrops-ssr-->", page, re.DOTALL)

    _embedded(store)
    try:
        _check_workspace_first_paint(store, visit)
    finally:  # the page's unload beacon: its seat is free for the next test's pages from this address
        _leave(sqlite_server, cookie, last["headers"], last["page"])
        store.close()


def _leave(server, cookie: dict, headers, page: str) -> None:
    import urllib.request

    xsrf = next(c.split(";")[0].split("=", 1)[1] for c in headers.get_all("Set-Cookie") if c.startswith("_xsrf="))
    req = urllib.request.Request(f"{server.url}/voila/api/shutdown/{_kernel_id(page)}", data=b"", method="POST",
                                 headers={"Cookie": f"{cookie['Cookie']}; _xsrf={xsrf}", "X-XSRFToken": xsrf})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=30) as r:
        assert r.status == 204


def _check_workspace_first_paint(store, visit) -> None:
    visit()  # files the picture at the workspace's position (or an earlier visit of another link did)
    page, drawn = visit()
    assert "qldrops-ssr-early" in page and any("qldrops-ssr-body" in p for p in drawn)
    assert page.index("qldrops-ssr-early") < page.index('cell-index="3"')  # before the kernel waits for the visit
    page, again = visit()
    assert "qldrops-ssr-early" in page and sorted(again) == sorted(drawn)  # the same picture, once
    assert "_REMOVE_EARLY" not in page and "qldrops-ssr-early').forEach" not in page

    store.put(workflow_id=f"wf-moved-{uuid.uuid4().hex[:6]}", drop_type="code_generation",
              artifact="print('moved_token')\n", metadata={"path": "moved.py"})
    _embedded(store)
    page, moved = visit()
    assert "qldrops-ssr-early" not in page  # the workspace moved: no older picture is sent
    page, again = visit()
    assert "qldrops-ssr-early" in page and sorted(again) == sorted(moved)


def test_page_skips_extensions_it_does_not_use(sqlite_server):
    _, _, page = _http(sqlite_server.url + "/p/" + sqlite_server.links["live"])
    cfg = re.search(
        r'<script id="jupyter-config-data" type="application/json">\s*(.*?)\s*</script>', page, re.DOTALL
    )
    names = [e["name"] for e in json.loads(cfg.group(1))["federated_extensions"]]
    assert "jupyterlab-plotly" not in names  # ~4.9 MB of JavaScript the preview does not need
    assert "@jupyter-widgets/jupyterlab-manager" in names


def test_responses_are_compressed(sqlite_server):
    _, headers, _ = _http(sqlite_server.url + "/voila/static/voila.js", headers={"Accept-Encoding": "gzip"})
    assert headers.get("Content-Encoding") == "gzip"


def test_a_render_records_a_view(sqlite_server):
    store = qldrops.connect(sqlite_server.db_url, settings=Settings(progress=False))
    pid = int(sqlite_server.links["live_id"])
    before = store.previews.get(pid).access_count
    status, _, _ = _http(
        sqlite_server.url + "/p/" + sqlite_server.links["live"], headers={"User-Agent": "ua-test"}
    )
    assert status == 200
    assert store.previews.get(pid).access_count == before + 1
    store.close()


# ------------------------------------------------------------------------------------ refused links
@pytest.mark.parametrize("kind,status", [("unknown", 404), ("expired", 410), ("revoked", 410)])
def test_refused_links_answer_before_any_kernel_starts(sqlite_server, kind, status):
    cap = "A" * 42 + "E" if kind == "unknown" else sqlite_server.links[kind]
    sqlite_server.wait_ready()  # earlier renders' pool refills have finished: no kernel start pending
    before = sqlite_server.health()
    pids_before = sqlite_server.kernel_pids()
    code, headers, body = _http(sqlite_server.url + "/p/" + cap)
    after = sqlite_server.health()
    assert code == status
    assert_preview_headers(headers)
    assert_instruction_page(body)
    assert after["kernels_started"] == before["kernels_started"]
    assert sqlite_server.kernel_pids() == pids_before
    assert cap not in body


@pytest.mark.parametrize(
    "path",
    [
        "/p/",
        "/p",
        "/p/short",
        "/p/" + "A" * 42 + "B",
        "/p/" + "A" * 44,
        "/p/" + "A" * 42 + "%00",
        "/p/" + "A" * 42 + "E/extra",
        "/p/..%2F..%2Fetc%2Fpasswd",
        "/p/" + "%C3%A9" * 43,
        "/p/%ZZ",
        "/p/" + "A" * 5000,
        "/p/" + "A" * 42 + "E?template=classic",
    ],
)
def test_malformed_capabilities_are_404_without_kernels(sqlite_server, path):
    sqlite_server.wait_ready()
    before = sqlite_server.health()["kernels_started"]
    code, headers, body = _http(sqlite_server.url + path)
    if path.endswith("?template=classic"):
        assert code == 404  # an unknown (well-formed) link, whatever the query says
    assert code in (400, 404)
    assert_instruction_page(body)
    if code == 404:
        assert_preview_headers(headers)
    assert sqlite_server.health()["kernels_started"] == before


def test_a_query_string_cannot_change_the_template(sqlite_server):
    code, _, page = _http(
        sqlite_server.url + "/p/" + sqlite_server.links["live"] + "?template=classic&theme=dark"
    )
    assert code == 200
    assert "cdn.jsdelivr.net" not in page and "theme-dark" not in page


def test_voila_render_routes_are_gone(sqlite_server):
    for path in (
        "/preview.ipynb",
        "/voila/render/preview.ipynb",
        "/voila/tree",
        "/voila/api/contents/",
        "/voila/query/" + str(uuid.uuid4()),
        "/anything",
    ):
        sqlite_server.wait_ready()
        before = sqlite_server.health()["kernels_started"]
        code, _, body = _http(sqlite_server.url + path)
        assert code == 404, path
        assert_instruction_page(body)
        assert sqlite_server.health()["kernels_started"] == before


def test_health_check_starts_no_kernel(sqlite_server):
    sqlite_server.wait_ready()
    before = sqlite_server.health()
    code, headers, body = _http(sqlite_server.url + "/healthz")
    assert code == 200 and headers["Cache-Control"] == "no-store"
    assert json.loads(body) == {"status": "ok"}  # the public probe names nothing else
    assert before["database"] == "ok" and "kernel_memory_mb" in before
    assert sqlite_server.health()["kernels_started"] == before["kernels_started"]


def test_home_is_a_page_for_people_and_health_details_need_a_token(sqlite_server):
    code, headers, body = _http(sqlite_server.url + "/")
    assert code == 200 and headers["Content-Type"].startswith("text/html")
    assert "/p/" in body and "kernel" not in body.lower()
    for token in (None, "wrong", "qld_" + "A" * 43):
        status, answer = get_json(sqlite_server.url + "/healthz/details", token=token)
        assert status == 401 and "kernels_started" not in answer
    # an admin API token of the store is accepted too (besides the server's QLDROPS_HEALTH_TOKEN)
    store = qldrops.connect(sqlite_server.database_url, migrate_schema=False)
    try:
        store.workspaces.ensure(store.workspace)
        admin = store.users.create(f"ops-{uuid.uuid4().hex[:8]}", role="admin")
        viewer = store.users.create(f"guest-{uuid.uuid4().hex[:8]}", role="viewer")
        admin_token, viewer_token = store.tokens.issue(admin), store.tokens.issue(viewer)
    finally:
        store.close()
    assert get_json(sqlite_server.url + "/healthz/details", token=viewer_token)[0] == 401
    status, answer = get_json(sqlite_server.url + "/healthz/details", token=admin_token)
    assert status == 200 and answer["database"] == "ok" and "kernels_started" in answer


def test_internal_endpoints_need_the_kernel_key(sqlite_server):
    import urllib.error
    import urllib.request

    req = urllib.request.Request(
        sqlite_server.url + "/qldrops/internal/redeem",
        data=b'{"ticket": "x"}',
        method="POST",
        headers={"X-Qldrops-Kernel-Key": "guess"},
    )
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10)
    assert e.value.code == 403


def test_the_log_holds_no_capability(sqlite_server):
    _http(sqlite_server.url + "/p/" + sqlite_server.links["expired"])
    log = Path(sqlite_server.log_path).read_text()
    for kind in ("live", "expired", "revoked"):
        assert sqlite_server.links[kind] not in log
    assert "/p/<capability>" in log


# ------------------------------------------------------------------------------------ kernel websocket
def _kernel_message(msg_type: str, content: dict, session: str) -> dict:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": "visitor",
            "session": session,
            "date": dt.datetime.now(dt.UTC).isoformat(),
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": content,
        "channel": "shell",
        "buffers": [],
    }


@pytest.mark.parametrize("protocol", ["json", "v1"])
def test_execute_request_from_the_page_is_refused(sqlite_server, tmp_path, protocol):
    """A visitor's own websocket client sends code; the kernel never runs it.

    After the execute_request the client sends a kernel_info_request on the same
    shell channel. The kernel handles shell messages in order, so when the
    kernel_info_reply arrives an accepted execute_request would already have
    produced its execute_input/execute_reply: their absence (and the missing
    marker file) shows the request was dropped, without waiting on a clock.
    """
    from websockets.sync.client import connect

    _, headers, page = _http(sqlite_server.url + "/p/" + sqlite_server.links["live"])
    kernel_id = _kernel_id(page)
    marker = tmp_path / "executed"
    session = uuid.uuid4().hex
    execute = _kernel_message(
        "execute_request",
        {
            "code": f"open({str(marker)!r}, 'w').write('ran')",
            "silent": False,
            "store_history": False,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
        session,
    )
    info = _kernel_message("kernel_info_request", {}, session)
    ws_url = f"ws://127.0.0.1:{sqlite_server.port}/api/kernels/{kernel_id}/channels?session_id={session}"
    kwargs = {"open_timeout": 30, "additional_headers": {"Cookie": visit_cookie(headers)}}
    if protocol == "v1":
        kwargs["subprotocols"] = ["v1.kernel.websocket.jupyter.org"]
    with connect(ws_url, **kwargs) as ws:
        if protocol == "v1":
            from jupyter_client.session import Session
            from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

            sess = Session(key=b"", session=session)
            for m in (execute, info):
                parts = sess.serialize({**m, "channel": None})[2:]  # header, parent, metadata, content
                ws.send(serialize_msg_to_ws_v1(parts, "shell"))
        else:
            ws.send(json.dumps(execute))
            ws.send(json.dumps(info))
        seen = []
        while True:
            raw = ws.recv(timeout=60)
            msg = _decode(raw)
            seen.append(msg["msg_type"])
            if (
                msg["msg_type"] == "kernel_info_reply"
                and msg["parent_header"].get("msg_id") == info["header"]["msg_id"]
            ):
                break
    assert "execute_reply" not in seen and "execute_input" not in seen and "stream" not in seen
    assert not marker.exists()


def _decode(raw) -> dict:
    if isinstance(raw, str):
        return json.loads(raw)
    from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

    _, parts = deserialize_msg_from_ws_v1(raw)
    header, parent = json.loads(parts[0]), json.loads(parts[1])
    return {"msg_type": header["msg_type"], "header": header, "parent_header": parent}


# ---------------------------------------------------------------------------------------- no preheat
@pytest.fixture(scope="module")
def cold_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cold")
    url = f"sqlite:///{folder / 'qldrops.db'}"
    links = seed(url)
    with ServerProcess(url, log_path=folder / "server.log", preheat=False) as srv:
        srv.links = links
        yield srv


def test_no_preheat_refused_links_leave_no_kernel_process(cold_server):
    assert cold_server.kernel_pids() == set()
    for cap, status in [
        ("A" * 42 + "E", 404),
        (cold_server.links["expired"], 410),
        (cold_server.links["revoked"], 410),
        ("junk", 404),
    ]:
        code, headers, body = _http(cold_server.url + "/p/" + cap)
        assert code == status
        assert_instruction_page(body)
    assert cold_server.kernel_pids() == set()
    assert cold_server.health()["kernels_started"] == 0
    code, headers, page = _http(cold_server.url + "/p/" + cold_server.links["live"])
    assert code == 200 and WORKFLOW in page
    assert_preview_headers(headers)
    assert cold_server.health()["kernels_started"] == 1


# ------------------------------------------------------------------------------------------ rate limit
def test_rate_limited_link_answers_429_with_retry_after(tmp_path):
    url = f"sqlite:///{tmp_path / 'qldrops.db'}"
    links = seed(url)
    with ServerProcess(
        url, log_path=tmp_path / "server.log", preheat=False, extra_args=["--rate-limit-link", "2/minute"]
    ) as srv:
        codes = [_http(srv.url + "/p/" + links["expired"])[0] for _ in range(2)]
        code, headers, body = _http(srv.url + "/p/" + links["expired"])
        assert codes == [410, 410]
        assert code == 429
        assert int(headers["Retry-After"]) >= 1
        assert_preview_headers(headers)
        assert_instruction_page(body)
        assert srv.health()["kernels_started"] == 0


# ------------------------------------------------------------------------------------------ PostgreSQL
@pytest.mark.postgres
def test_postgres_live_expired_revoked_unknown(pg_url, tmp_path):
    links = seed(pg_url)
    with ServerProcess(pg_url, log_path=tmp_path / "server.log", preheat=True) as srv:
        code, headers, page = _http(srv.url + "/p/" + links["live"])
        assert code == 200 and WORKFLOW in page
        assert_preview_headers(headers)
        srv.wait_ready()
        before = srv.health()["kernels_started"]
        for cap, status in [(links["expired"], 410), (links["revoked"], 410), ("B" * 42 + "A", 404)]:
            code, headers, body = _http(srv.url + "/p/" + cap)
            assert code == status
            assert_instruction_page(body)
        assert srv.health()["kernels_started"] == before


def test_other_methods_get_an_instruction_not_a_traceback(sqlite_server):
    import urllib.error
    import urllib.request

    req = urllib.request.Request(
        sqlite_server.url + "/p/" + sqlite_server.links["live"], data=b"x", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=30)
    assert e.value.code in (403, 405)
    assert_instruction_page(e.value.read().decode())


# ------------------------------------------------------------------------------------------ hardening
@pytest.mark.parametrize(
    "path",
    [
        "/anything",
        "/logout",
        "/login",
        "/voila/templates/qldrops/static/..%2F..%2F..%2Fetc%2Fpasswd",
        "/voila/templates/..%2F..%2Fetc/passwd",
        "/voila/templates/qldrops/static/%2E%2E/%2E%2E/x",
        "/voila/static/..%2F..%2Fsecret",
        "/voila/labextensions/..%2F..%2Fsecret",
        "/voila/files/..%2F..%2Fsecret",
        "/api/kernels",
        "/api/kernelspecs",
        "/api/sessions",
    ],
)
def test_unknown_and_traversal_paths_are_404_instruction_pages_with_security_headers(sqlite_server, path):
    code, headers, body = _http(sqlite_server.url + path)
    assert code in (403, 404), path  # Tornado's static files refuse a way out of their folder with 403
    assert code == 404 or path.startswith(("/voila/static/", "/voila/labextensions/", "/voila/files/"))
    assert_instruction_page(body)
    assert_security_headers(headers)


def test_every_response_carries_the_security_headers(sqlite_server):
    for path, status in [
        ("/p/" + sqlite_server.links["live"], 200),
        ("/p/" + sqlite_server.links["expired"], 410),
        ("/healthz", 200),
        ("/voila/static/voila.js", 200),
        ("/voila/templates/qldrops/static/missing.css", 404),
    ]:
        code, headers, _ = _http(sqlite_server.url + path)
        assert code == status, path
        assert_security_headers(headers)


def test_kernel_routes_answer_only_the_visit_the_kernel_renders_for(sqlite_server):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    _, headers, page = _http(sqlite_server.url + "/p/" + sqlite_server.links["live"])
    kernel_id, mine = _kernel_id(page), visit_cookie(headers)
    other = "qldrops_visit=" + "x" * 43
    assert _http(f"{sqlite_server.url}/api/kernels/{kernel_id}", headers={"Cookie": mine})[0] == 200
    for cookie in ({}, {"Cookie": other}):
        code, h, body = _http(f"{sqlite_server.url}/api/kernels/{kernel_id}", headers=cookie)
        assert code == 404 and kernel_id not in body
        assert_security_headers(h)
        for path in (f"/voila/query/{kernel_id}", "/api/kernels"):
            assert _http(sqlite_server.url + path, headers=cookie)[0] == 404
        ws_url = f"ws://127.0.0.1:{sqlite_server.port}/api/kernels/{kernel_id}/channels?session_id=x"
        with pytest.raises(InvalidStatus) as e:
            with connect(ws_url, open_timeout=30, additional_headers=cookie):
                pass
        assert e.value.response.status_code == 404
    # the unload beacon of another visitor cannot shut the kernel down
    import urllib.error
    import urllib.request

    req = urllib.request.Request(
        f"{sqlite_server.url}/voila/api/shutdown/{kernel_id}", data=b"", method="POST", headers={"Cookie": other}
    )
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=30)
    assert e.value.code in (403, 404)
    assert _http(f"{sqlite_server.url}/api/kernels/{kernel_id}", headers={"Cookie": mine})[0] == 200


@pytest.mark.parametrize(
    "content",
    [
        {"comm_id": "c1", "target_name": "jupyter.widget", "data": {}},  # no widget state: ipywidgets raises
        {"comm_id": "c2", "target_name": "jupyter.widget", "data": {"state": {"_model_name": 5}}},
        {"comm_id": "c3", "target_name": "no-such-target", "data": None},
        {"comm_id": 7, "target_name": ["x"]},
        {"target_name": "jupyter.widget"},
    ],
)
def test_a_malformed_comm_open_gets_a_short_error_without_traceback(sqlite_server, content):
    """Ordered on the shell channel like the execute test: the kernel_info_reply comes after the comm's answer."""
    from websockets.sync.client import connect

    _, headers, page = _http(sqlite_server.url + "/p/" + sqlite_server.links["live"])
    kernel_id = _kernel_id(page)
    session = uuid.uuid4().hex
    ws_url = f"ws://127.0.0.1:{sqlite_server.port}/api/kernels/{kernel_id}/channels?session_id={session}"
    info = _kernel_message("kernel_info_request", {}, session)
    seen: list[str] = []
    with connect(ws_url, open_timeout=30, additional_headers={"Cookie": visit_cookie(headers)}) as ws:
        ws.send(json.dumps(_kernel_message("comm_open", content, session)))
        ws.send(json.dumps(info))
        while True:
            raw = ws.recv(timeout=60)
            seen.append(raw if isinstance(raw, str) else raw.decode(errors="replace"))
            msg = json.loads(seen[-1])
            if msg["msg_type"] == "kernel_info_reply" and msg["parent_header"].get("msg_id") == info["header"]["msg_id"]:
                break
    wire = "\n".join(seen)
    for marker in ("Traceback", 'File \\"', "site-packages", "/work/", ".py\\\", line"):
        assert marker not in wire, marker
    streams = [json.loads(m)["content"]["text"] for m in seen if json.loads(m)["msg_type"] == "stream"]
    assert all(len(text) < 200 for text in streams)


def test_the_run_permit_endpoint_needs_the_kernel_key(sqlite_server):
    import urllib.error
    import urllib.request

    req = urllib.request.Request(
        sqlite_server.url + "/qldrops/internal/run-permit",
        data=b'{"preview_id": 1}',
        method="POST",
        headers={"X-Qldrops-Kernel-Key": "guess"},
    )
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10)
    assert e.value.code == 403
