"""The collaborative editor (/e/<capability>) driven in headless Chromium with several browser contexts.

Two visitors (separate contexts: separate cookies, storage and sockets) open the same file
through an edit link, type at the same time and see each other's text and cursor; a save
names both in the history; a change made through the library shows up in the open pages;
a revoked edit link turns its page read-only at once; a view link is read-only from the
start; unsaved typing survives a server restart. Nothing is loaded from another origin and
the page runs under the server's CSP. Uses Debian's chromium through Playwright.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from support import CHROMIUM, chromium

import qldrops
from qldrops.server.editor import BUNDLE
from qldrops.server.process import ServerProcess
from qldrops.settings import Settings

RESULTS = Path(__file__).resolve().parent.parent / "test-results"
WORKFLOW = "wf-editor"
TIMEOUT = 60_000  # generous: the machine runs other jobs beside the browsers

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed (apt-get install chromium)"),
    pytest.mark.skipif(not BUNDLE.is_file(), reason="the editor bundle is not built (make editor)"),
]


def _seed(url: str) -> dict[str, object]:
    store = qldrops.connect(url, settings=Settings(progress=False))
    main = store.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="def hello():\n    return 1\n",
                     metadata={"path": "main.py"})
    notes = store.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="# notes\n",
                      metadata={"path": "notes.md"})
    edit = store.previews.create(workflow_id=WORKFLOW, ttl="60m", access="edit")
    revocable = store.previews.create(workflow_id=WORKFLOW, ttl="60m", access="edit")
    view = store.previews.create(workflow_id=WORKFLOW, ttl="60m", access="view")
    store.close()
    return {"edit": edit.capability, "revocable": revocable.capability, "revocable_id": revocable.id,
            "view": view.capability, "main": main.id, "notes": notes.id}


def _start(url: str, log: Path, autosave_after: float = 3600) -> ServerProcess:
    return ServerProcess(url, log_path=log, preheat=False,
                         extra_args=["--rate-limit-link", "1000/minute", "--rate-limit-client", "1000/minute",
                                     "--autosave-after", str(autosave_after)]).start()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("editor")
    url = f"sqlite:///{folder / 'qldrops.db'}"
    data = _seed(url)
    env = {"srv": _start(url, folder / "server.log"), "url": url, "folder": folder, **data}
    env["store"] = store = qldrops.connect(url, settings=Settings(progress=False))
    try:
        yield env
    finally:
        store.close()
        env["srv"].stop()  # the restart test replaces the first server


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _open(browser, server_url: str, capability: str, name: str, drop: int):
    """A fresh context (another visitor) on the editor page, name typed, the file's editor ready."""
    ctx = browser.new_context(viewport={"width": 1200, "height": 700})
    page = ctx.new_page()
    origin = urlparse(server_url).netloc
    page.foreign = []
    page.on("request", lambda r: page.foreign.append(r.url) if urlparse(r.url).netloc not in (origin, "") else None)
    page.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                         "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
    response = page.goto(f"{server_url}/e/{capability}?drop={drop}", wait_until="load")
    assert response.status == 200
    page.locator("#qldrops-name").fill(name)
    page.locator("#qldrops-name-form button").click()
    page.locator(".cm-content").wait_for(state="visible", timeout=TIMEOUT)
    from playwright.sync_api import expect

    expect(page.locator("body")).to_have_attribute("data-synced", "yes", timeout=TIMEOUT)
    return ctx, page


def _type_at_end(page, text: str) -> None:
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def _type_at_start(page, text: str) -> None:
    """Types at the top of the file. Two visitors typing at once type at two places: one typing where
    the other's keystrokes are still arriving puts its text between them (a correct CRDT merge that
    reads "# fr# from bobom ada"), which is not what these tests check."""
    page.locator(".cm-content").click()
    page.keyboard.press("Control+Home")
    page.keyboard.type(text)


def test_two_visitors_type_together_see_each_other_and_save_with_both_names(env, browser):
    from playwright.sync_api import expect

    RESULTS.mkdir(exist_ok=True)
    srv = env["srv"]
    ctx_a, a = _open(browser, srv.url, env["edit"], "Ada", env["main"])
    ctx_b, b = _open(browser, srv.url, env["edit"], "Bob", env["main"])
    try:
        expect(a.locator("body")).to_have_attribute("data-access", "edit", timeout=TIMEOUT)
        assert a.locator(".cm-lineNumbers").count() == 1  # a real code editor: line numbers ...
        assert a.locator(".cm-content .tok-keyword, .cm-content span[class^='ͼ']").count() > 0  # ... highlighting
        _type_at_start(a, "# from ada\n")
        _type_at_end(b, "# from bob\n")
        for page in (a, b):
            expect(page.locator(".cm-content")).to_contain_text("# from ada", timeout=TIMEOUT)
            expect(page.locator(".cm-content")).to_contain_text("# from bob", timeout=TIMEOUT)
        # each sees the other's cursor with its name (y-codemirror.next's remote selections)
        expect(a.locator(".cm-ySelectionInfo", has_text="Bob")).to_have_count(1, timeout=TIMEOUT)
        expect(b.locator(".cm-ySelectionInfo", has_text="Ada")).to_have_count(1, timeout=TIMEOUT)
        expect(a.locator("#qldrops-presence")).to_contain_text("Bob (main.py)", timeout=TIMEOUT)
        text_a, text_b = (p.evaluate("window.qldropsEditor.ytext.toString()") for p in (a, b))
        assert text_a == text_b and "# from ada" in text_a and "# from bob" in text_a
        a.screenshot(path=str(RESULTS / "editor-two-visitors.png"))

        a.locator("#qldrops-save").click()
        expect(a.locator("#qldrops-status")).to_contain_text("saved as version 2", timeout=TIMEOUT)
        drop = env["store"].get(env["main"])
        assert drop.version == 2 and "# from ada" in drop.artifact and "# from bob" in drop.artifact
        latest = env["store"].history(env["main"])[-1]
        assert set(latest.contributors) == {"Ada", "Bob"}
        # the other page learns of the new version through store.watch
        expect(b.locator("#qldrops-changes")).to_contain_text("new version v2", timeout=TIMEOUT)

        # a change made through the library (a batch script) reaches the open pages
        env["store"].put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="x = 1\n",
                         metadata={"path": "added.py"})
        expect(b.locator("#qldrops-files")).to_contain_text("added.py", timeout=TIMEOUT)
        expect(a.locator("#qldrops-changes")).to_contain_text("new file", timeout=TIMEOUT)
        for page in (a, b):
            assert page.evaluate("window.__csp") == [] and page.foreign == []
    finally:
        ctx_a.close()
        ctx_b.close()


def test_revoking_an_edit_link_turns_the_open_page_read_only(env, browser):
    from playwright.sync_api import expect

    srv = env["srv"]
    ctx_a, a = _open(browser, srv.url, env["revocable"], "Cleo", env["notes"])
    ctx_b, b = _open(browser, srv.url, env["edit"], "Dan", env["notes"])
    try:
        expect(a.locator("body")).to_have_attribute("data-access", "edit", timeout=TIMEOUT)
        _type_at_end(a, "before\n")
        expect(b.locator(".cm-content")).to_contain_text("before", timeout=TIMEOUT)
        env["store"].previews.revoke(env["revocable_id"])
        expect(a.locator("body")).to_have_attribute("data-access", "read-only", timeout=TIMEOUT)
        expect(a.locator(".cm-content")).to_have_attribute("contenteditable", "false", timeout=TIMEOUT)
        _type_at_end(a, "after revocation")
        _type_at_end(b, "still editing\n")
        expect(a.locator(".cm-content")).not_to_contain_text("after revocation")
        expect(b.locator(".cm-content")).to_contain_text("still editing", timeout=TIMEOUT)
        b.wait_for_timeout(500)
        assert "after revocation" not in b.evaluate("window.qldropsEditor.ytext.toString()")
    finally:
        ctx_a.close()
        ctx_b.close()


def test_a_view_link_is_read_only(env, browser):
    from playwright.sync_api import expect

    ctx, page = _open(browser, env["srv"].url, env["view"], "Eve", env["main"])
    try:
        expect(page.locator("body")).to_have_attribute("data-access", "read-only", timeout=TIMEOUT)
        expect(page.locator(".cm-content")).to_have_attribute("contenteditable", "false")
        assert page.locator("#qldrops-save").is_disabled()
        assert "view link" in page.locator("#qldrops-mode").inner_text()
    finally:
        ctx.close()


def test_a_visitor_offline_for_a_while_merges_on_reconnect(env, browser):
    """The network drops, both keep typing, it comes back: the edits merge.

    Playwright's offline mode leaves loopback websockets open, so the drop is made in the page:
    y-websocket's ``disconnect()`` closes the socket as a dead network would, the editor keeps
    working locally, and ``connect()`` runs the same y-sync handshake as an automatic reconnect.
    (The 30-second version, past the awareness timeout, is in benchmarks/bench_editor.py.)
    """
    from playwright.sync_api import expect

    srv = env["srv"]
    ctx_a, a = _open(browser, srv.url, env["edit"], "Gus", env["notes"])
    ctx_b, b = _open(browser, srv.url, env["edit"], "Hal", env["notes"])
    try:
        a.evaluate("window.qldropsEditor.provider.disconnect()")
        expect(a.locator("body")).to_have_attribute("data-connection", "disconnected", timeout=TIMEOUT)
        _type_at_end(a, "typed while offline\n")
        _type_at_end(b, "typed meanwhile online\n")
        a.wait_for_timeout(3000)  # offline for a while: the server and the other visitor move on
        assert "typed while offline" not in b.evaluate("window.qldropsEditor.ytext.toString()")
        a.evaluate("window.qldropsEditor.provider.connect()")
        for page in (a, b):
            expect(page.locator(".cm-content")).to_contain_text("typed while offline", timeout=TIMEOUT)
            expect(page.locator(".cm-content")).to_contain_text("typed meanwhile online", timeout=TIMEOUT)
        text_a, text_b = (p.evaluate("window.qldropsEditor.ytext.toString()") for p in (a, b))
        assert text_a == text_b
    finally:
        ctx_a.close()
        ctx_b.close()


def test_unsaved_typing_survives_a_server_restart_and_autosaves(env, browser):
    from playwright.sync_api import expect

    srv = env["srv"]
    ctx, page = _open(browser, srv.url, env["edit"], "Fay", env["notes"])
    try:
        _type_at_end(page, "unsaved line\n")
        expect(page.locator(".cm-content")).to_contain_text("unsaved line", timeout=TIMEOUT)
        page.wait_for_timeout(2000)  # the snapshot is written half a second after the typing stops
    finally:
        ctx.close()
    srv.stop()
    before = env["store"].get(env["notes"])
    assert "unsaved line" not in before.artifact  # never saved ...
    env["srv"] = srv = _start(env["url"], env["folder"] / "server2.log", autosave_after=1)
    ctx, page = _open(browser, srv.url, env["edit"], "Fay", env["notes"])
    try:
        expect(page.locator(".cm-content")).to_contain_text("unsaved line", timeout=TIMEOUT)  # ... yet kept
        # idle: the restored document autosaves as a new version naming who typed it
        expect(page.locator("#qldrops-status")).to_contain_text(f"saved as version {before.version + 1}",
                                                                timeout=TIMEOUT)
        after = env["store"].get(env["notes"])
        assert "unsaved line" in after.artifact
        assert "Fay" in env["store"].history(env["notes"])[-1].contributors
    finally:
        ctx.close()


def test_an_open_preview_page_shows_library_changes_and_who_edits(env, browser):
    """A preview page (/p/, a Voila kernel) follows its workflow: a file added and a new version
    written through the library show in its banner, "Show the latest" redraws, and the presence
    line names who is in the editor."""
    from playwright.sync_api import expect

    srv = env["srv"]
    ctx = browser.new_context(viewport={"width": 1300, "height": 900})
    page = ctx.new_page()
    ctx_e = None
    try:
        assert page.goto(f"{srv.url}/p/{env['view']}", wait_until="load", timeout=TIMEOUT * 2).status == 200
        expect(page.locator("#qldrops-code")).to_be_visible(timeout=TIMEOUT * 2)
        store = env["store"]
        added = store.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="live = 1\n",
                          metadata={"path": "live.py"})
        live = page.locator("#qldrops-live")
        expect(live).to_contain_text("live.py: new file", timeout=TIMEOUT)
        store.update(added.id, artifact="live = 2\n")
        expect(live).to_contain_text("live.py: new version v2", timeout=TIMEOUT)
        page.locator(".qldrops-live-reload button, button.qldrops-live-reload").first.click()
        expect(page.locator(".qldrops-tree")).to_contain_text("live.py", timeout=TIMEOUT)
        expect(live).to_have_count(0, timeout=TIMEOUT)
        ctx_e, _editor = _open(browser, srv.url, env["edit"], "Ivy", env["main"])
        expect(page.locator("#qldrops-presence")).to_contain_text("in the editor: Ivy (main.py)", timeout=TIMEOUT)
        RESULTS.mkdir(exist_ok=True)
        page.screenshot(path=str(RESULTS / "preview-live.png"))
    finally:
        if ctx_e is not None:
            ctx_e.close()
        ctx.close()


def test_the_page_says_how_to_build_a_missing_bundle(env, tmp_path):
    """Without the bundle the page is an instruction (checked in-process: the file is moved aside)."""
    import urllib.error
    import urllib.request

    hidden = BUNDLE.with_suffix(".js.hidden")
    BUNDLE.rename(hidden)
    try:
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                f"{env['srv'].url}/e/{env['edit']}", timeout=30)
        body = info.value.read().decode()
        assert info.value.code == 503 and "make editor" in body
    finally:
        hidden.rename(BUNDLE)


@pytest.mark.postgres
def test_postgres_two_visitors_edit_save_and_see_library_changes(pg_database, browser, tmp_path):
    """The same path on PostgreSQL: rooms, snapshots, saves, and store.watch through LISTEN/NOTIFY."""
    import sqlalchemy as sa
    from playwright.sync_api import expect

    from qldrops.store import schema as t

    eng = sa.create_engine(pg_database)
    with eng.begin() as c:
        c.exec_driver_sql("TRUNCATE " + ", ".join(tb.name for tb in reversed(t.metadata.sorted_tables))
                          + " RESTART IDENTITY CASCADE")
    eng.dispose()
    data = _seed(pg_database)
    srv = _start(pg_database, tmp_path / "server.log")
    store = qldrops.connect(pg_database, settings=Settings(progress=False))
    ctx_a, a = _open(browser, srv.url, data["edit"], "Ada", data["main"])
    ctx_b, b = _open(browser, srv.url, data["edit"], "Bob", data["main"])
    try:
        _type_at_start(a, "# pg ada\n")
        _type_at_end(b, "# pg bob\n")
        for page in (a, b):
            expect(page.locator(".cm-content")).to_contain_text("# pg ada", timeout=TIMEOUT)
            expect(page.locator(".cm-content")).to_contain_text("# pg bob", timeout=TIMEOUT)
        expect(b.locator(".cm-ySelectionInfo", has_text="Ada")).to_have_count(1, timeout=TIMEOUT)
        b.locator("#qldrops-save").click()
        expect(b.locator("#qldrops-status")).to_contain_text("saved as version 2", timeout=TIMEOUT)
        assert set(store.history(data["main"])[-1].contributors) == {"Ada", "Bob"}
        store.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="y = 2\n", metadata={"path": "pg.py"})
        expect(a.locator("#qldrops-files")).to_contain_text("pg.py", timeout=TIMEOUT)
    finally:
        ctx_a.close()
        ctx_b.close()
        store.close()
        srv.stop()


# ------------------------------------------------------------------ comments and conflicts in the page
HOSTILE = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=1</script> why 3 retries?"


def test_comments_threads_resolve_and_plain_text_and_a_comment_link_cannot_edit(env, browser):
    from playwright.sync_api import expect

    store, srv = env["store"], env["srv"]
    review = store.put(workflow_id=WORKFLOW, drop_type="code_generation",
                       artifact="".join(f"step {i}\n" for i in range(1, 11)), metadata={"path": "review.py"})
    commenting = store.previews.create(workflow_id=WORKFLOW, ttl="60m", access="comment")
    ctx_k, kim = _open(browser, srv.url, commenting.capability, "Kim", review.id)
    ctx_l, lee = _open(browser, srv.url, env["edit"], "Lee", review.id)
    try:
        # a comment link comments but does not edit
        expect(kim.locator("body")).to_have_attribute("data-access", "read-only", timeout=TIMEOUT)
        expect(kim.locator(".cm-content")).to_have_attribute("contenteditable", "false")
        expect(kim.locator("#qldrops-comment-form")).to_be_visible(timeout=TIMEOUT)
        kim.locator(".cm-line").nth(2).click()  # line 3
        expect(kim.locator("#qldrops-comment-send")).to_have_text("Comment on line 3", timeout=TIMEOUT)
        kim.locator("#qldrops-comment-body").fill(HOSTILE)
        kim.locator("#qldrops-comment-send").click()
        for page in (kim, lee):  # the other visitor sees it arrive, as text
            thread = page.locator("#qldrops-comments li.thread").first
            expect(thread).to_contain_text(HOSTILE, timeout=TIMEOUT)
            expect(thread).to_contain_text("line 3 · v1 · Kim")
            assert page.locator("#qldrops-comments img, #qldrops-comments script").count() == 0
            assert page.evaluate("window.__pwned") is None
        first = store.comments(drop_id=review.id)[0]
        assert first.body == HOSTILE and first.line_start == 3 and "Kim" in first.author
        # a reply (threaded under it) and a resolve, seen by both
        lee.locator("#qldrops-comments li.thread button.reply").first.click()
        lee.locator("#qldrops-comments form.reply-form textarea").fill("because the API flakes")
        lee.locator("#qldrops-comments form.reply-form button").click()
        for page in (kim, lee):
            expect(page.locator("#qldrops-comments li.thread ul li")).to_contain_text("because the API flakes",
                                                                                     timeout=TIMEOUT)
        kim.locator("#qldrops-comments li.thread button.resolve").first.click()
        for page in (kim, lee):
            expect(page.locator("#qldrops-comments li.thread .badge.resolved")).to_have_count(1, timeout=TIMEOUT)
        assert store.comments(drop_id=review.id)[1].reply_to == first.id
        # the commented line changes through the library: a page opened afterwards marks it outdated
        store.update(review.id, artifact=store.get(review.id).artifact.replace("step 3\n", "step three\n"))
    finally:
        ctx_k.close()
        ctx_l.close()
    ctx, page = _open(browser, srv.url, env["edit"], "Lee", review.id)
    try:
        expect(page.locator("#qldrops-comments li.thread > .meta .badge.outdated")).to_have_count(1, timeout=TIMEOUT)
    finally:
        ctx.close()


def test_a_file_with_a_thousand_comments_loads_in_pages(env, browser):
    from playwright.sync_api import expect

    store, srv = env["store"], env["srv"]
    busy = store.put(workflow_id=WORKFLOW, drop_type="code_generation",
                     artifact="".join(f"row {i}\n" for i in range(1, 51)), metadata={"path": "busy.py"})
    for i in range(1000):
        store.comment(busy.id, f"note {i}", line_start=i % 50 + 1)
    ctx, page = _open(browser, srv.url, env["edit"], "Max", busy.id)
    try:
        threads = page.locator("#qldrops-comments li.thread")
        expect(threads).to_have_count(100, timeout=TIMEOUT)  # the first page only
        expect(page.locator("#qldrops-comment-count")).to_have_text("(100+)")
        _type_at_end(page, "still typing\n")  # the page answers while holding them
        expect(page.locator(".cm-content")).to_contain_text("still typing", timeout=TIMEOUT)
        more = page.locator("#qldrops-comments-more")
        for loaded in range(200, 1001, 100):
            more.click()
            expect(threads).to_have_count(loaded, timeout=TIMEOUT)
        expect(more).to_be_hidden(timeout=TIMEOUT)
        expect(page.locator("#qldrops-comment-count")).to_have_text("(1000)")
        expect(threads.last).to_contain_text("note 999")
    finally:
        ctx.close()


def test_a_save_over_a_library_change_merges_or_shows_the_conflict_never_overwrites(env, browser):
    """Two visitors type; a batch script writes a new version underneath; Save merges three ways when the
    edits do not overlap, and shows the conflict (writing nothing) when they do."""
    from playwright.sync_api import expect

    store, srv = env["store"], env["srv"]
    merging = store.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="a\nb\nc\nd\ne\n",
                        metadata={"path": "merging.py"})
    clashing = store.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="x = 1\n",
                         metadata={"path": "clashing.py"})
    ctx_a, a = _open(browser, srv.url, env["edit"], "Nia", merging.id)
    ctx_b, b = _open(browser, srv.url, env["edit"], "Oto", merging.id)
    try:
        _type_at_end(a, "f\n")
        expect(b.locator(".cm-content")).to_contain_text("f", timeout=TIMEOUT)
        store.update(merging.id, artifact="A\nb\nc\nd\ne\n")  # a batch script, underneath
        expect(a.locator("#qldrops-changes")).to_contain_text("new version v2", timeout=TIMEOUT)
        b.locator("#qldrops-save").click()
        expect(b.locator("#qldrops-status")).to_contain_text("saved as version 3 (merged", timeout=TIMEOUT)
        assert store.get(merging.id).artifact == "A\nb\nc\nd\ne\nf\n"
        for page in (a, b):  # the merged-in line reaches the open documents
            expect(page.locator(".cm-content")).to_contain_text("A", timeout=TIMEOUT)
    finally:
        ctx_a.close()
        ctx_b.close()
    ctx_a, a = _open(browser, srv.url, env["edit"], "Nia", clashing.id)
    ctx_b, b = _open(browser, srv.url, env["edit"], "Oto", clashing.id)
    try:
        _type_at_end(a, "y = 2\n")
        expect(b.locator(".cm-content")).to_contain_text("y = 2", timeout=TIMEOUT)
        store.update(clashing.id, artifact="x = 1\nz = 3\n")  # the same place, other text
        expect(b.locator("#qldrops-changes")).to_contain_text("new version v2", timeout=TIMEOUT)
        a.locator("#qldrops-save").click()
        expect(a.locator("#qldrops-status")).to_have_attribute("data-kind", "error", timeout=TIMEOUT)
        expect(a.locator("#qldrops-conflict")).to_be_visible(timeout=TIMEOUT)
        marked = a.locator("#qldrops-conflict-text").inner_text()
        assert "<<<<<<<" in marked and "y = 2" in marked and "z = 3" in marked and ">>>>>>>" in marked
        now = store.get(clashing.id)  # nothing overwritten: the library's version stands
        assert now.version == 2 and now.artifact == "x = 1\nz = 3\n"
        assert "y = 2" in a.evaluate("window.qldropsEditor.ytext.toString()")  # and the typing is kept
    finally:
        ctx_a.close()
        ctx_b.close()
