"""The editor's change feed (``EditorHub``): what an open editor page is told, and that nothing is lost.

A page is drawn (``open_visit`` lists its files), then its events socket opens, drops and
reconnects; changes committed in any of those gaps reach it once, changes its listing already
showed do not; a watcher that dies resumes after the last change it passed on. Real stores on
both databases, a real IOLoop; the sockets are stand-ins that record what they were sent.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from support import version_in_flight

from qldrops.errors import DatabaseUnavailable, LinkRevoked
from qldrops.server.editor import EditorHub
from qldrops.server.gate import LinkGate

WORKFLOW = "wf-hub"


class Socket:
    """What ``EditorHub`` calls on an events socket; keeps the messages it was sent."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    def send_json(self, data: str) -> None:
        self.messages.append(json.loads(data))

    def changes(self) -> list[str]:
        return [m["text"] for m in self.messages if m["type"] == "change"]


async def _until(predicate, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
def seeded(store):
    main = store.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="a = 1\n",
                     metadata={"path": "main.py"})
    link = store.previews.create(workflow_id=WORKFLOW, ttl="60m", access="edit")
    return store, main, link.capability


def _run(store, scenario) -> None:
    """``scenario(hub)`` on a real IOLoop, with a hub on ``store`` that watches every 50 ms."""

    async def main() -> None:
        hub = EditorHub(store, LinkGate(store), watch_poll=0.05)
        try:
            await scenario(hub)
        finally:
            hub.rooms = {}  # stand-in rooms are not the tick's to snapshot
            hub.stop()

    asyncio.run(main())


async def _visit(hub: EditorHub, capability: str):
    """A page load: (visit, files), its events socket not open yet."""
    return await hub.open_visit(capability, user_agent="test", client="127.0.0.1")


async def _page(hub: EditorHub, capability: str):
    """A page load whose events socket opened: (visit, socket)."""
    visit, _ = await _visit(hub, capability)
    sock = Socket()
    await hub.connected(visit, sock)
    return visit, sock


def test_a_change_committed_while_the_page_loads_reaches_it_once(seeded, db_url, make_store):
    store, main, capability = seeded
    batch = make_store(db_url)  # another process's writes, as a batch script's
    batch.update(main.id, artifact="a = 2\n")  # before the page: its listing shows v2

    async def scenario(hub: EditorHub) -> None:
        visit, files = await _visit(hub, capability)
        assert [(f["path"], f["version"]) for f in files] == [("main.py", 2)]
        # The page is drawn; its events socket is not open yet (the browser is still loading it).
        batch.update(main.id, artifact="a = 3\n")
        added = batch.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="b = 1\n",
                          metadata={"path": "extra.py"})
        batch.put(workflow_id="elsewhere", drop_type="code_generation", artifact="c = 1\n")
        await asyncio.sleep(0.5)  # the watcher reads them before the socket opens
        sock = Socket()
        await hub.connected(visit, sock)
        await _until(lambda: len(sock.changes()) >= 2, "the two changes made while the page loaded")
        batch.update(main.id, artifact="a = 4\n")  # and one after: it comes after them, once
        await _until(lambda: len(sock.changes()) >= 3, "the change made after the socket opened")
        await asyncio.sleep(0.3)
        assert sock.changes() == [f"new version v3: drop {main.id}", f"new file: drop {added.id}",
                                  f"new version v4: drop {main.id}"]
        files_sent = [m["files"] for m in sock.messages if m["type"] == "files"]
        assert files_sent and {f["path"] for f in files_sent[0]} == {"main.py", "extra.py"}
        assert sock.messages[0]["type"] == "access"

    _run(store, scenario)


def test_a_change_the_listing_already_shows_is_not_announced(seeded, db_url, make_store, monkeypatch):
    """A change committed just before a second page is drawn, which the running watcher passes on while
    that page is still being drawn, is in its listing: it is not announced to it as news."""
    store, main, capability = seeded
    batch = make_store(db_url)

    async def scenario(hub: EditorHub) -> None:
        _, early = await _page(hub, capability)  # the workflow's watcher runs
        real_draw = hub._draw

        def slow_draw(visit):  # the second page's listing starts once the watcher passed the change on
            deadline = time.monotonic() + 30
            while not early.changes() and time.monotonic() < deadline:
                time.sleep(0.02)
            return real_draw(visit)

        monkeypatch.setattr(hub, "_draw", slow_draw)
        batch.update(main.id, artifact="a = 2\n")
        second, files = await _visit(hub, capability)
        assert early.changes() == [f"new version v2: drop {main.id}"]
        assert [f["version"] for f in files] == [2]
        late = Socket()
        await hub.connected(second, late)
        batch.update(main.id, artifact="a = 3\n")
        await _until(lambda: late.changes(), "the next change")
        assert late.changes() == [f"new version v3: drop {main.id}"]

    _run(store, scenario)


@pytest.mark.postgres
def test_a_change_in_flight_while_the_page_is_drawn_reaches_it(pg_store, pg_url, make_store):
    """PostgreSQL numbers changes as they are written: writer A (main.py's v2) takes its seq, writer B's
    new file takes the next one and commits, the page is drawn (its listing has B, not A), then A
    commits. The page is told of A, whose seq is below the newest it saw, and not of B."""
    store = pg_store
    main = store.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="a = 1\n",
                     metadata={"path": "main.py"})
    capability = store.previews.create(workflow_id=WORKFLOW, ttl="60m", access="edit").capability
    content = store.put(workflow_id="elsewhere", drop_type="code_generation", artifact="a = 2\n").content_hash
    batch = make_store(pg_url)

    async def scenario(hub: EditorHub) -> None:
        with version_in_flight(store, main.id, content):  # writer A
            added = batch.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="b = 1\n",
                              metadata={"path": "extra.py"})  # writer B
            visit, files = await _visit(hub, capability)
            assert sorted((f["path"], f["version"]) for f in files) == [("extra.py", 1), ("main.py", 1)]
        sock = Socket()
        await hub.connected(visit, sock)
        await _until(lambda: sock.changes(), "the change that committed after the page was drawn")
        await asyncio.sleep(0.3)
        assert sock.changes() == [f"new version v2: drop {main.id}"]
        assert added.id not in [m["drop"] for m in sock.messages if m["type"] == "change"]

    _run(store, scenario)


def test_a_socket_that_reconnects_gets_what_it_missed(seeded, db_url, make_store):
    store, main, capability = seeded
    batch = make_store(db_url)

    async def scenario(hub: EditorHub) -> None:
        visit, first = await _page(hub, capability)
        batch.update(main.id, artifact="a = 2\n")
        await _until(lambda: first.changes(), "the first change")
        visit.events.discard(first)  # the connection drops (on_close)
        batch.update(main.id, artifact="a = 3\n")
        batch.comment(main.id, "why 3?", line_start=1)
        await asyncio.sleep(0.5)
        second = Socket()  # the page reconnects a second later
        await hub.connected(visit, second)
        await _until(lambda: len(second.changes()) >= 2, "the changes made while disconnected")
        assert first.changes() == [f"new version v2: drop {main.id}"]
        assert second.changes() == [f"new version v3: drop {main.id}", f"new comment: drop {main.id}"]
        comment = next(m for m in second.messages if m["type"] == "change" and m["kind"] == "comment")
        assert comment["comment"]["body"] == "why 3?"

    _run(store, scenario)


def test_a_watcher_that_dies_resumes_after_the_last_change_it_passed_on(seeded, db_url, make_store, monkeypatch):
    store, main, capability = seeded
    batch = make_store(db_url)
    real_in_workspace = store.in_workspace
    deaths: list[int] = []

    def in_workspace(workspace):
        reader = real_in_workspace(workspace)
        real_watch = reader.watch

        def watch(*args, **kwargs):
            for change in real_watch(*args, **kwargs):
                yield change
                if not deaths:  # the first watcher dies right after its first change (a database error)
                    deaths.append(change.cursor)
                    raise ConnectionError("server closed the connection unexpectedly")

        reader.watch = watch
        return reader

    monkeypatch.setattr(store, "in_workspace", in_workspace)

    async def scenario(hub: EditorHub) -> None:
        _, sock = await _page(hub, capability)
        batch.update(main.id, artifact="a = 2\n")
        await _until(lambda: sock.changes(), "the change before the watcher died")
        # Written during the second the dead watcher waits before it restarts.
        batch.update(main.id, artifact="a = 3\n")
        batch.update(main.id, artifact="a = 4\n")
        await _until(lambda: len(sock.changes()) >= 3, "the changes written while the watcher was down")
        await asyncio.sleep(0.3)
        assert deaths
        assert sock.changes() == [f"new version v{v}: drop {main.id}" for v in (2, 3, 4)]

    _run(store, scenario)


def test_a_page_that_cannot_be_drawn_leaves_no_visit_or_watcher_behind(seeded, monkeypatch):
    store, _, capability = seeded
    link = store.previews.open(capability).preview

    async def scenario(hub: EditorHub) -> None:
        with pytest.raises(LinkRevoked):  # refused before anything is kept
            store.previews.revoke(link.id)
            await _visit(hub, capability)

        def revoked_while_listing(visit):  # revoked between the check and the listing
            raise LinkRevoked("this share link was revoked")

        monkeypatch.setattr(hub, "_draw", revoked_while_listing)
        fresh = store.previews.create(workflow_id=WORKFLOW, ttl="60m", access="edit")
        with pytest.raises(LinkRevoked):
            await _visit(hub, fresh.capability)
        assert hub.visits == {} and hub._watchers == {}

    _run(store, scenario)


def test_a_link_of_another_workspace_gets_its_own_workflow_s_changes(store, db_url, make_store):
    team = make_store(db_url, workspace="team-b")  # the server's store works in "default"
    main = team.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="a = 1\n",
                    metadata={"path": "main.py"})
    same_name = store.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="z = 1\n")
    capability = team.previews.create(workflow_id=WORKFLOW, ttl="60m", access="edit").capability

    async def scenario(hub: EditorHub) -> None:
        visit, files = await _visit(hub, capability)
        assert [f["path"] for f in files] == ["main.py"]
        sock = Socket()
        await hub.connected(visit, sock)
        store.update(same_name.id, artifact="z = 2\n")  # same workflow name, the server's workspace
        team.update(main.id, artifact="a = 2\n")
        await _until(lambda: sock.changes(), "the change in the link's workspace")
        await asyncio.sleep(0.3)
        assert sock.changes() == [f"new version v2: drop {main.id}"]

    _run(store, scenario)


def test_a_page_hears_only_of_what_its_link_shows(seeded, db_url, make_store):
    """A link to one drop hears of that drop only (a comment on another file of the workflow is not
    sent to it); a revoked link's page, reconnecting, is told it is read-only and nothing it missed."""
    store, main, capability = seeded
    batch = make_store(db_url)
    other = store.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="o = 1\n",
                      metadata={"path": "other.py"})
    one = store.previews.create(workflow_id=WORKFLOW, ttl="60m", access="comment", drop_id=main.id)

    async def scenario(hub: EditorHub) -> None:
        whole, _ = await _visit(hub, capability)
        single, files = await _visit(hub, one.capability)
        assert [f["path"] for f in files] == ["main.py"]
        wide, narrow = Socket(), Socket()
        await hub.connected(whole, wide)
        await hub.connected(single, narrow)
        batch.comment(other.id, "secret plan for other.py", line_start=1)
        batch.update(other.id, artifact="o = 2\n")
        batch.update(main.id, artifact="a = 2\n")
        await _until(lambda: len(wide.changes()) >= 3 and narrow.changes(), "the changes")
        await asyncio.sleep(0.3)
        assert wide.changes() == [f"new comment: drop {other.id}", f"new version v2: drop {other.id}",
                                  f"new version v2: drop {main.id}"]
        assert narrow.changes() == [f"new version v2: drop {main.id}"]
        assert "secret plan" not in json.dumps(narrow.messages)
        assert all(m["files"] == [{"id": main.id, "path": "main.py", "version": 2}]
                   for m in narrow.messages if m["type"] == "files")
        # The whole-workflow link is revoked while its page is disconnected.
        whole.events.discard(wide)
        store.previews.revoke(store.previews.open(capability).preview.id)
        batch.update(main.id, artifact="a = 3\n")
        await _until(lambda: len(narrow.changes()) >= 2, "the change after the revocation")
        back = Socket()
        await hub.connected(whole, back)
        await asyncio.sleep(0.3)
        assert back.changes() == [] and back.messages[0]["type"] == "access"
        assert back.messages[0]["access"] == "view" and "revoked" in back.messages[0]["reason"]

    _run(store, scenario)


class Room:
    """A stand-in for a file's open document: who has it open (what ``Room.presence`` returns)."""

    def __init__(self, *names: str, file: str) -> None:
        self.people = [{"name": n, "file": file} for n in names]
        self.contributors = list(names)

    def presence(self) -> list[dict]:
        return self.people


def test_presence_and_save_notices_stay_within_what_a_link_shows(seeded, db_url, make_store):
    store, main, capability = seeded
    other = store.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="o = 1\n",
                      metadata={"path": "other.py"})
    one = store.previews.create(workflow_id=WORKFLOW, ttl="60m", access="edit", drop_id=main.id)
    team = make_store(db_url, workspace="team-b")
    theirs = team.put(workflow_id=WORKFLOW, drop_type="code_generation", artifact="t = 1\n",
                      metadata={"path": "theirs.py"})
    their_link = team.previews.create(workflow_id=WORKFLOW, ttl="60m", access="edit")

    async def scenario(hub: EditorHub) -> None:
        pages = {}
        for name, cap in (("whole", capability), ("single", one.capability), ("team", their_link.capability)):
            visit, _ = await _visit(hub, cap)
            await hub.set_name(visit, name.title())
            pages[name] = (visit, Socket())
            await hub.connected(visit, pages[name][1])
        hub.rooms = {main.id: Room("Ada", file="main.py"), other.id: Room("Bo", file="other.py"),
                     theirs.id: Room("Cy", file="theirs.py")}
        hub.room_meta = {main.id: ("default", WORKFLOW), other.id: ("default", WORKFLOW),
                         theirs.id: ("team-b", WORKFLOW)}
        hub._presence()
        hub._presence()  # unchanged: not sent again

        def presence(name):
            return [[p["name"] for p in m["people"]] for m in pages[name][1].messages if m["type"] == "presence"]

        assert presence("whole") == [["Ada", "Bo"]]
        assert presence("single") == [["Ada"]]
        assert presence("team") == [["Cy"]]
        whole = pages["whole"][0]
        hub.notify(whole.key, {"type": "saved", "drop": other.id, "version": 2, "merged": False, "by": ["Bo"]})
        hub.notify(whole.key, {"type": "saved", "drop": main.id, "version": 2, "merged": False, "by": ["Ada"]})

        def saved(name):
            return [m["drop"] for m in pages[name][1].messages if m["type"] == "saved"]

        assert (saved("whole"), saved("single"), saved("team")) == ([other.id, main.id], [main.id], [])
        # What a preview page of a link shows (its kernel asks the server): the same bounds.
        names = {(ws, d): [p["name"] for p in hub.presence_of((ws, WORKFLOW), drop_id=d)[1]]
                 for ws, d in (("default", None), ("default", main.id), ("team-b", None))}
        assert names == {("default", None): ["Ada", "Bo"], ("default", main.id): ["Ada"], ("team-b", None): ["Cy"]}
        assert hub.presence_of(("default", WORKFLOW))[0] == 2 and hub.presence_of(("team-b", WORKFLOW))[0] == 1
        # An idle document is autosaved through the link of a visitor who typed in it, among the links
        # of its own workspace's workflow that show it, else through any of those.
        hub.rooms[main.id].contributors = ["Single"]
        assert hub._saver(main.id, hub.rooms[main.id]) is pages["single"][0]
        hub.rooms[other.id].contributors = ["Single", "Team"]  # names on links that do not show it
        assert hub._saver(other.id, hub.rooms[other.id]) is whole
        hub.rooms[theirs.id].contributors = ["Whole"]
        assert hub._saver(theirs.id, hub.rooms[theirs.id]) is pages["team"][0]

    _run(store, scenario)


class Flaky:
    """A link's view whose access check fails while ``down`` (the database did not answer)."""

    def __init__(self, view) -> None:
        self._view, self.down = view, True

    @property
    def access(self) -> str:
        if self.down:
            raise DatabaseUnavailable("could not reach the database", hint="try again")
        return self._view.access

    def __getattr__(self, name):
        return getattr(self._view, name)


class Collab:
    """What the access check calls on a document socket; records how it was closed."""

    def __init__(self, drop_id: int) -> None:
        self.drop_id, self.closed = drop_id, None

    def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


def test_a_database_blip_changes_nothing_on_a_page(seeded, db_url, make_store):
    """An access check the database did not answer leaves the page as it was (still editing, its document
    socket open: closing it left a page that said "editing" with nothing connected), its changes coming."""
    store, main, capability = seeded
    batch = make_store(db_url)

    async def scenario(hub: EditorHub) -> None:
        visit, _ = await _visit(hub, capability)
        visit.view = flaky = Flaky(visit.view)
        sock, doc = Socket(), Collab(main.id)
        await hub.connected(visit, sock)  # the check fails: the last known access stands
        visit.collab.add(doc)
        await hub._check_access()
        await hub._check_access()
        assert sock.messages == [{"type": "access", "access": "edit", "reason": None}]
        assert doc.closed is None and visit.editable and not visit.gone
        batch.update(main.id, artifact="a = 2\n")
        await _until(lambda: sock.changes(), "the change during the blip")
        flaky.down = False
        await hub._check_access()
        assert [m for m in sock.messages if m["type"] == "access"] == [
            {"type": "access", "access": "edit", "reason": None}]

    _run(store, scenario)


def test_a_dead_link_is_told_once_and_its_document_sockets_close(seeded, db_url, make_store):
    """A revoked view link's page is told once, and its document socket (which carried the others'
    typing live, read-only) is closed; an edit link's page, still live, goes on."""
    store, main, capability = seeded
    batch = make_store(db_url)
    viewing = store.previews.create(workflow_id=WORKFLOW, ttl="60m", access="view")

    async def scenario(hub: EditorHub) -> None:
        watcher, watcher_sock = await _page(hub, viewing.capability)
        editor, editor_sock = await _page(hub, capability)
        watcher_doc, editor_doc = Collab(main.id), Collab(main.id)
        watcher.collab.add(watcher_doc)
        editor.collab.add(editor_doc)
        store.previews.revoke(viewing.id)
        for _ in range(3):
            await hub._check_access()
        told = [m for m in watcher_sock.messages if m["type"] == "access"]
        assert len(told) == 2 and told[-1]["access"] == "view" and "revoked" in told[-1]["reason"]
        assert watcher_doc.closed == (4403, "read-only") and watcher.gone
        assert editor_doc.closed is None and not editor.gone
        assert [m for m in editor_sock.messages if m["type"] == "access"] == [
            {"type": "access", "access": "edit", "reason": None}]
        batch.update(main.id, artifact="a = 2\n")
        await _until(lambda: editor_sock.changes(), "the change")
        await asyncio.sleep(0.3)
        assert watcher_sock.changes() == []

    _run(store, scenario)


def test_a_room_nobody_uses_leaves_nothing_behind(seeded):
    """A server up for months opens rooms on many drops: once a room is closed, nothing of it stays
    (its workflow, its lock, the change lock of a workflow nobody watches any more)."""
    import gc

    store, main, capability = seeded

    async def scenario(hub: EditorHub) -> None:
        visit, _ = await _visit(hub, capability)
        await hub.room(visit, main.id)
        await hub.on_change(visit.key, next(iter(store.watch(WORKFLOW, since=0, timeout=5))))
        assert main.id in hub.rooms and main.id in hub.room_meta
        hub.visits.clear()  # the page left
        await hub.tick()
        gc.collect()
        assert hub.rooms == {} and hub.room_meta == {}
        assert len(hub._room_locks) == 0 and len(hub._change_locks) == 0

    _run(store, scenario)
