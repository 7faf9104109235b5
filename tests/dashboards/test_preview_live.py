"""The open preview page follows its workflow: changes committed anywhere (a batch script, the CLI,
an editor) show in a banner within moments, "Show the latest" redraws, a revoked link closes the page,
and the presence line says how many pages are open. Real store (SQLite and PostgreSQL), real watch;
the browser side is tests/test_dashboards_browser.py::test_an_open_preview_page_shows_a_library_change."""

from __future__ import annotations

import threading
import time

import pytest
from support import version_in_flight

from qldrops.dashboards.preview import PreviewPage
from qldrops.dashboards.widgets import PreviewWidgets, presence_html

DEADLINE = 60.0  # generous: other jobs share the machine; this is a wait, not a timing figure


def _until(condition, what: str) -> None:
    """Wait (on an Event, not a sleep loop with a fixed pace) until ``condition()`` holds."""
    done = threading.Event()
    end = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"not seen within {DEADLINE:.0f} s: {what}")
        done.wait(0.05)


@pytest.fixture
def live(store):
    main = store.put(workflow_id="wf-live", drop_type="code_generation", artifact="print(1)\n",
                     metadata={"filename": "main.py"})
    store.put(workflow_id="wf-other", drop_type="code_generation", artifact="x = 1\n", metadata={"filename": "o.py"})
    link = store.previews.create("wf-live", ttl="1h")
    page = PreviewPage.open(store, store.previews.view(link.id))
    shown = PreviewWidgets(page)
    seen = []
    shown.follow(lambda: seen.append(1) or {"pages": 2, "editors": [{"name": "<b>Ada</b>", "file": "main.py"}]},
                 every=0.05)
    try:
        yield store, main, link, shown
    finally:
        shown.stop()


def test_changes_show_in_the_banner_and_show_the_latest_redraws(live):
    store, main, _link, shown = live
    _until(lambda: "data-pages='2'" in shown.presence.value, "the presence line")
    assert "&lt;b&gt;Ada&lt;/b&gt; (main.py)" in shown.presence.value  # names are text, never markup
    store.update(main.id, artifact="print(2)\n")
    _until(lambda: "main.py: new version v2" in shown.live.value, "the new version")
    store.put(workflow_id="wf-live", drop_type="code_generation", artifact="y = 2\n", metadata={"filename": "added.py"})
    _until(lambda: "added.py: new file" in shown.live.value, "the new file")
    store.comment(main.id, "<script>x</script>", line_start=1)
    _until(lambda: "main.py: new comment" in shown.live.value, "the comment")
    store.update(main.id, artifact="print(3)\n")
    store.put(workflow_id="wf-other", drop_type="code_generation", artifact="z = 3\n", metadata={"filename": "z.py"})
    store.delete(main.id)
    _until(lambda: "main.py: deleted" in shown.live.value, "the deletion")
    assert "z.py" not in shown.live.value  # another workflow's change is not this page's
    assert shown.live_button.layout.display == ""
    shown.show_latest()
    assert shown.live.value == "" and shown.live_button.layout.display == "none"
    files = [b.tooltip for b in shown.file_buttons]
    assert "added.py" in files and "main.py" not in files  # the deleted file is gone from the tree
    assert shown.controller.selection.file.path != "main.py"


def test_a_revoked_link_closes_the_open_page(live):
    store, _main, link, shown = live
    store.previews.revoke(link.id)
    _until(lambda: "qldrops-link-gone" in "".join(getattr(c, "value", "") for c in shown.page.children),
           "the page closing")


def test_presence_html_says_nothing_it_does_not_know():
    assert presence_html(None) == "" and presence_html({}) == ""
    assert "1 page open on this workflow" in presence_html({"pages": 1, "editors": []})


def test_a_file_added_later_keeps_its_name_in_later_changes(live):
    store, _main, _link, shown = live
    added = store.put(workflow_id="wf-live", drop_type="code_generation", artifact="a = 1\n",
                      metadata={"filename": "later.py"})
    store.update(added.id, artifact="a = 2\n")
    _until(lambda: "later.py: new version v2" in shown.live.value, "the added file's new version")


def test_a_change_committed_while_the_page_was_drawn_is_not_lost(store):
    """The watch starts from where the page was drawn, not from when its thread first ran: a change
    committed in between (CI caught one: the test above waited 60 s for it) reaches the banner."""
    main = store.put(workflow_id="wf-race", drop_type="code_generation", artifact="print(1)\n",
                     metadata={"filename": "main.py"})
    link = store.previews.create("wf-race", ttl="1h")
    page = PreviewPage.open(store, store.previews.view(link.id))
    assert page.drawn_at is not None and "print(1)" in page.project.files[0].text
    store.update(main.id, artifact="print(2)\n")  # after the draw, before the follow thread runs
    shown = PreviewWidgets(page).follow()
    try:
        _until(lambda: "main.py: new version v2" in shown.live.value, "the change made while the page was drawn")
    finally:
        shown.stop()


@pytest.mark.postgres
def test_a_change_in_flight_while_the_page_was_drawn_is_not_lost(pg_store, pg_url, make_store):
    """PostgreSQL numbers changes as they are written: writer A (main.py's v2) takes its seq, writer B
    adds a file and commits, the page is drawn (it has B's file, not A's version), then A commits. The
    banner shows A, whose seq is below the newest the page saw, and not B, which the page already has."""
    store = pg_store
    main = store.put(workflow_id="wf-flight", drop_type="code_generation", artifact="print(1)\n",
                     metadata={"filename": "main.py"})
    content = store.put(workflow_id="elsewhere", drop_type="code_generation", artifact="print(2)\n").content_hash
    link = store.previews.create("wf-flight", ttl="1h")
    with version_in_flight(store, main.id, content):  # writer A
        make_store(pg_url).put(workflow_id="wf-flight", drop_type="code_generation", artifact="b = 1\n",
                               metadata={"filename": "b.py"})  # writer B
        page = PreviewPage.open(store, store.previews.view(link.id))
    files = {f.path: f.text for f in page.project.files}
    assert "b.py" in files and files["main.py"] == "print(1)\n"
    shown = PreviewWidgets(page).follow()
    try:
        _until(lambda: "main.py: new version v2" in shown.live.value, "the change that was in flight at the draw")
        time.sleep(0.5)
        assert "b.py" not in shown.live.value
    finally:
        shown.stop()
