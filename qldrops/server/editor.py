"""The editor page: ``/e/<capability>``, where several visitors edit a workflow's files together.

Routes (all under the link's capability; the access log redacts it):

* ``GET /e/<capability>[?drop=ID]`` the page (a CodeMirror 6 editor bundled at setup into
  ``static/collab/editor.js``; without the bundle, an instruction page saying how to build it).
  The link is checked (format, rate limit, database) like ``/p/``; the page gets a random
  *visit* token that its websockets present, so a socket is always tied to a checked link.
* ``WS /e/<capability>/ws/<drop_id>?visit=`` the y-sync protocol (y-websocket client, pycrdt
  :class:`~qldrops.server.collab.Room` on the server): edits, cursors and names.
* ``WS /e/<capability>/events?visit=`` JSON: changes of the workflow as they commit
  (``store.watch``; a comment change carries the comment; those committed after the page listed its
  files and before the socket opened, or while it reconnected, come first when it opens; only those
  of files the link shows), presence (who looks at which file), the link's access level, save
  results (a conflict carries the marked text), pages of a file's comments; the page sends
  ``hello`` (its display name), ``open``, ``save``, ``comments`` (a page after an id), ``comment``
  (new or a reply) and ``resolve``.

:class:`EditorHub` holds the rooms and the visits, and a half-second tick does the slow parts off
the typing path: snapshots of unsaved documents (``collab_documents``: a restart loses nothing),
autosave of idle documents, and the live re-check of every open link (a revoked or expired edit
link turns its pages read-only at once). Database calls run in the IOLoop's executor; pycrdt
documents are touched on the IOLoop thread only.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
import logging
import math
import secrets
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from tornado.ioloop import IOLoop, PeriodicCallback
from tornado.web import HTTPError, RequestHandler, StaticFileHandler
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from ..errors import LinkExpired, LinkRevoked, NotFound, QldropsError
from ..store.watch import Position, position
from . import pages
from .collab import Room
from .gate import LinkGate
from .proxy import visitor_address
from .snapshots import DocumentSnapshots

log = logging.getLogger("qldrops.server.editor")

BUNDLE_DIR = Path(__file__).resolve().parent / "static" / "collab"
BUNDLE = BUNDLE_DIR / "editor.js"
READ_ONLY = 4403  # websocket close code: the link does not (or no longer) allow editing
_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
_REVOKED_REASON = "This link no longer allows editing: the page is read-only."
MISSED_KEPT = 200  # change messages kept for a page whose events socket is not (or no longer) open
_FILE_KINDS = ("drop", "version", "delete", "restore", "purge")
_LINK_GONE = (LinkRevoked, LinkExpired, NotFound)  # the link will not serve again (not a database blip)


def file_label(drop: Any) -> str:
    """The name the page shows for a drop: its file name from the metadata, else its type and id."""
    md = drop.metadata or {}
    for key in ("filename", "path", "file"):
        value = md.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:300]
    title = md.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()[:300]
    return f"{drop.drop_type}-{drop.id}"


COMMENT_PAGE = 100  # comments per message: a file with thousands of them loads in pages ("Show more")


def comment_json(c: Any) -> dict[str, Any]:
    """A comment for the page (plain text fields; the page sets them with textContent)."""
    return {"id": int(c.id), "drop": int(c.drop_id), "line_start": int(c.line_start), "line_end": int(c.line_end),
            "version": int(c.version), "reply_to": c.reply_to, "author": c.author, "body": c.body,
            "outdated": bool(c.outdated), "resolved": c.resolved_at is not None, "resolved_by": c.resolved_by,
            "at": c.created_at.isoformat(timespec="seconds")}


def _files(view: Any) -> list[dict[str, Any]]:
    return [{"id": int(d.id), "path": file_label(d), "version": int(d.version)} for d in view.drops()]


@dataclass
class Visit:
    """One page load of one link: its view (re-checks the link on every call) and the visitor's name."""

    token: str
    capability_hash: str
    view: Any
    workflow_id: str
    workspace: str
    access: str
    name: str | None = None
    editable: bool = False
    events: set[Any] = field(default_factory=set)  # EventsSocket
    collab: set[Any] = field(default_factory=set)  # CollabSocket
    last_seen: float = field(default_factory=time.monotonic)
    # The change log's position when the page's files were listed: changes it does not hold are news to
    # the page (on PostgreSQL that includes changes of transactions then in flight, whose seq may be lower).
    drawn_at: Position = field(default_factory=lambda: Position(0))
    # Change messages (with the txid of the change) that came while no events socket was open (before
    # the page's first, between a dropped socket and its reconnect): sent when one opens.
    missed: deque[tuple[int | None, dict[str, Any]]] = field(default_factory=lambda: deque(maxlen=MISSED_KEPT))
    gone: bool = False  # the link was found revoked or expired: the page is told nothing more

    def shows(self, drop_id: Any) -> bool:
        """Whether a change to ``drop_id`` is news this page may have (a link to one drop: that drop's only)."""
        one = getattr(self.view.preview, "drop_id", None)
        return not self.gone and (one is None or drop_id == one)

    @property
    def key(self) -> tuple[str, str]:
        return self.workspace, self.workflow_id


class EditorHub:
    """Rooms, visits, change watchers and the tick, for one server process."""

    def __init__(
        self,
        store: Any,
        gate: LinkGate,
        *,
        autosave_after: float = 30.0,
        snapshot_after: float = 0.5,
        access_every: float = 0.5,  # every tick: a revocation reaches open pages within a second
        watch_poll: float = 0.25,
    ):
        self.store = store
        self.gate = gate
        self.snapshots = DocumentSnapshots(store.engine)
        self.autosave_after = autosave_after
        self.snapshot_after = snapshot_after
        self.access_every = access_every
        self.watch_poll = watch_poll
        self.visits: dict[str, Visit] = {}
        self.rooms: dict[int, Room] = {}
        self.room_meta: dict[int, tuple[str, str]] = {}  # drop id -> (workspace, workflow id)
        # (locks live while someone holds or waits on them: a server up for months meets many drops)
        self._room_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        self._watchers: dict[tuple[str, str], threading.Event] = {}  # (workspace, workflow) -> its stop
        # where a watcher resumes: the position of the last change it passed on (or where it started)
        self._positions: dict[tuple[str, str], Position] = {}
        self._change_locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = weakref.WeakValueDictionary()
        self._presence_sent: dict[str, str] = {}
        self._access_checked = 0.0
        self._saving: set[int] = set()
        self._tick: PeriodicCallback | None = None

    # -- helpers -----------------------------------------------------------------------------------

    @staticmethod
    async def run(fn: Any, *args: Any, **kwargs: Any) -> Any:
        return await IOLoop.current().run_in_executor(None, partial(fn, *args, **kwargs))

    def start(self) -> None:
        if self._tick is None:
            self._tick = PeriodicCallback(self.tick, 500)
            self._tick.start()

    def stop(self) -> None:
        if self._tick is not None:
            self._tick.stop()
        for stop in self._watchers.values():
            stop.set()

    # -- visits ------------------------------------------------------------------------------------

    async def open_visit(self, capability: str, *, user_agent: str, client: str) -> tuple[Visit, list[dict]]:
        self.start()
        view = await self.run(self.gate.view, capability, user_agent=user_agent, client=client)
        access = await self.run(lambda: view.access)
        visit = Visit(
            token=secrets.token_urlsafe(32),
            capability_hash=_hash(capability),
            view=view,
            workflow_id=str(view.workflow_id),
            workspace=str(view.workspace),
            access=str(access),
            editable=access == "edit",
        )
        # Registered before the cursor is read: every change committed after it reaches this visit,
        # kept in ``missed`` until the page's events socket opens (a change committed while the page
        # loads is not lost; one the listing already shows is not announced).
        self.visits[visit.token] = visit
        try:
            visit.drawn_at, files = await self.run(self._draw, visit)
        except BaseException:
            self.visits.pop(visit.token, None)
            raise
        self.watch(visit)
        return visit, files

    def _draw(self, visit: Visit) -> tuple[Position, list[dict[str, Any]]]:
        with self.store.reading() as conn:
            at = position(conn)
        return at, _files(visit.view)

    def visit_for(self, capability: str, token: str) -> Visit | None:
        visit = self.visits.get(token or "")
        if visit is None or not secrets.compare_digest(visit.capability_hash, _hash(capability)):
            return None
        visit.last_seen = time.monotonic()
        return visit

    async def set_name(self, visit: Visit, name: str) -> None:
        await self.run(visit.view.set_name, name)
        visit.name = visit.view.display_name

    # -- rooms -------------------------------------------------------------------------------------

    async def room(self, visit: Visit, drop_id: int) -> Room:
        """The drop's room, loaded from its snapshot or its current version (NotFound outside the link)."""
        lock = self._room_locks.setdefault(drop_id, asyncio.Lock())
        async with lock:
            drop = await self.run(visit.view.get, drop_id)  # re-checks the link; NotFound outside it
            room = self.rooms.get(drop_id)
            if room is None:
                snap = await self.run(self.snapshots.load, drop_id)
                if snap is not None:
                    room = Room(drop_id, snapshot=snap.state, base_version=snap.base_version)
                    room.contributors = list(snap.contributors)
                    if room.text_value() == drop.artifact:
                        room.mark_saved(int(drop.version), drop.artifact)
                    else:
                        room.changed_at = time.monotonic()  # unsaved typing from before a restart
                        room.snapshot_at = room.changed_at
                    log.info("drop %s: room restored from its snapshot (base v%s)", drop_id, snap.base_version)
                else:
                    room = Room(drop_id, text=drop.artifact, base_version=int(drop.version))
                self.rooms[drop_id] = room
                self.room_meta[drop_id] = (str(drop.workspace), str(drop.workflow_id))
            return room

    def peers_of(self, drop_id: int) -> list[Any]:
        return [s for v in self.visits.values() for s in v.collab if s.drop_id == drop_id]

    def relay(self, drop_id: int, sender: Any, messages: list[bytes]) -> None:
        if not messages:
            return
        for sock in self.peers_of(drop_id):
            if sock is not sender:
                for m in messages:
                    sock.send(m)

    def left(self, sock: Any) -> None:
        room = self.rooms.get(sock.drop_id)
        if room is None:
            return
        self.relay(sock.drop_id, sock, room.leave(sock))
        if not room.peers and not room.dirty():
            self.rooms.pop(sock.drop_id, None)

    # -- saving ------------------------------------------------------------------------------------

    async def save(self, drop_id: int, visit: Visit, *, reason: str) -> None:
        """Turn the room's document into a drop version (the library merges three ways if the drop moved)."""
        room = self.rooms.get(drop_id)
        if room is None or drop_id in self._saving:
            return
        if not room.dirty():
            self.notify(visit.key, {"type": "saved", "drop": drop_id, "version": room.base_version,
                                            "merged": False, "unchanged": True}, only=visit)
            return
        self._saving.add(drop_id)
        text = room.text_value()
        contributors = list(room.contributors) or [visit.name or "visitor"]
        try:
            drop = await self.run(visit.view.save, drop_id, text, base_version=room.base_version,
                                  contributors=contributors)
        except QldropsError as exc:
            conflict = getattr(exc, "conflict_text", None)
            msg = {"type": "error", "drop": drop_id, "message": exc.message, "hint": exc.hint or "",
                   "conflict": conflict is not None}
            if conflict is not None:  # the marked text, so the page shows what overlaps (nothing was written)
                msg["conflict_text"] = str(conflict)[:500_000]
            log.warning("drop %s: %s save refused (%s)", drop_id, reason, type(exc).__name__)
            self.notify(visit.key, msg, only=None if reason == "autosave" else visit)
            if reason == "autosave":
                room.changed_at = time.monotonic()  # try again after another idle period, not every tick
            return
        finally:
            self._saving.discard(drop_id)
        merged = drop.artifact != text
        if room.text_value() == text:
            self.relay(drop_id, None, room.replace_text(drop.artifact))  # brings the merged-in changes
            room.mark_saved(int(drop.version), drop.artifact)
            await self.run(self.snapshots.delete, drop_id)
        # else: typed during the save; the base stays, so the next save merges both again
        log.info("drop %s: %s as version %s by %s", drop_id, reason, drop.version, ", ".join(contributors))
        self.notify(visit.key, {"type": "saved", "drop": drop_id, "version": int(drop.version),
                                        "merged": merged, "by": contributors})

    # -- events ------------------------------------------------------------------------------------

    def notify(self, key: tuple[str, str], message: dict[str, Any], *, only: Visit | None = None) -> None:
        """``message`` to the open pages of the workflow ``key`` (workspace, workflow) whose link shows its drop."""
        data = json.dumps(message)
        for visit in [only] if only is not None else list(self.visits.values()):
            if visit.key == key and not visit.gone and ("drop" not in message or visit.shows(message["drop"])):
                for sock in list(visit.events):
                    sock.send_json(data)

    def watch(self, visit: Visit) -> None:
        """Have the visit's workflow watched (a thread on ``store.watch``) from where its page was drawn.

        One watcher per workflow serves every visit of it: a watcher already running reads on from
        where it is (the visit takes what comes after its ``drawn_at``); a new one starts from the
        earliest cursor still owed to anyone (a restart after an error resumes after the last change
        passed on, so nothing committed in the pause is lost)."""
        stop = self._watchers.get(visit.key)
        if stop is not None and not stop.is_set():
            return
        since = visit.drawn_at.meet(self._positions.get(visit.key, visit.drawn_at))
        self._start_watcher(visit.key, since)

    def _start_watcher(self, key: tuple[str, str], since: Position) -> None:
        workspace, workflow_id = key
        stop = threading.Event()
        self._watchers[key] = stop
        self._positions[key] = since
        loop = IOLoop.current()
        reader = self.store.in_workspace(workspace)  # the link's workspace, not the server store's

        def follow() -> None:
            try:
                for change in reader.watch(workflow_id=workflow_id, since=since, stop=stop, poll=self.watch_poll):
                    loop.add_callback(self.on_change, key, change)
            except Exception:  # noqa: BLE001 - a dead watcher is restarted (see _watcher_done)
                log.exception("workflow %s: change watcher stopped", workflow_id)
            finally:
                loop.add_callback(self._watcher_done, key, stop)

        threading.Thread(target=follow, name=f"qldrops-watch-{workflow_id}", daemon=True).start()

    def _watcher_done(self, key: tuple[str, str], stop: threading.Event) -> None:
        if self._watchers.get(key) is not stop:
            return  # replaced meanwhile
        del self._watchers[key]
        if not stop.is_set() and self._visits_of(key):
            IOLoop.current().call_later(1.0, self._restart, key)
        else:
            self._positions.pop(key, None)

    def _restart(self, key: tuple[str, str]) -> None:
        if key not in self._watchers and self._visits_of(key):
            self._start_watcher(key, self._positions.get(key, Position(0)))

    def _visits_of(self, key: tuple[str, str]) -> list[Visit]:
        return [v for v in self.visits.values() if v.key == key]

    async def on_change(self, key: tuple[str, str], change: Any) -> None:
        # One change at a time per workflow, in commit order: a comment (whose text is read first)
        # is not overtaken by the version that followed it.
        seq = int(getattr(change, "cursor", 0) or 0)
        # Before any wait: a restart reads it (a change of a transaction that committed late has a lower
        # seq than the one before it, and a later snapshot: its position still owes nothing it passed on).
        self._positions[key] = getattr(change, "position", None) or Position(seq)
        async with self._change_locks.setdefault(key, asyncio.Lock()):
            await self._on_change(key, change, seq)

    async def _on_change(self, key: tuple[str, str], change: Any, seq: int) -> None:
        kind = str(change.kind)
        text = {
            "drop": "new file",
            "version": f"new version v{change.version}",
            "delete": "file deleted",
            "restore": "file restored",
            "purge": "file purged",
            "comment": "new comment",
            "run": "run finished",
        }.get(kind, kind)
        drop_id = getattr(change, "drop_id", None)
        label = self._label(drop_id)
        message = {"type": "change", "kind": kind, "drop": drop_id, "version": change.version,
                   "seq": seq, "text": f"{text}: {label}" if label else text}
        comment_id = getattr(change, "comment_id", None)
        if kind == "comment" and comment_id is not None:
            reader = next((v for v in self._visits_of(key) if v.shows(drop_id)), None)
            if reader is not None:
                try:  # the comment as it is now (new, resolved or reopened): pages update it in place
                    found = await self.run(reader.view.comments, drop_id, limit=1, after_id=int(comment_id) - 1)
                    message["comment"] = next((comment_json(c) for c in found if c.id == comment_id), None)
                except QldropsError:
                    pass
        txid = getattr(change, "txid", None)
        self._tell(key, message, txid)
        if kind in _FILE_KINDS:
            for watcher in [v for v in self._visits_of(key)
                            if v.events and not v.drawn_at.holds(seq, txid) and v.shows(drop_id)]:
                try:
                    files = await self.run(_files, watcher.view)
                except QldropsError:
                    continue  # the access tick says what happened to the link
                for sock in list(watcher.events):
                    sock.send_json(json.dumps({"type": "files", "files": files}))
        room = self.rooms.get(int(drop_id)) if drop_id is not None else None
        if kind == "version" and room is not None and not room.dirty() and room.drop_id not in self._saving:
            drop_id = room.drop_id
            visit = next((v for v in self._visits_of(key) if v.shows(drop_id)), None)
            if visit is not None and change.version and int(change.version) > room.base_version:
                try:  # nobody typed since the last save: follow the change made elsewhere
                    drop = await self.run(visit.view.get, drop_id)
                except QldropsError:
                    return
                if not room.dirty() and int(drop.version) > room.base_version:
                    self.relay(drop_id, None, room.replace_text(drop.artifact))
                    room.mark_saved(int(drop.version), drop.artifact)

    def _tell(self, key: tuple[str, str], message: dict[str, Any], txid: int | None = None) -> None:
        """A change message (of transaction ``txid``) to the visits it is news to: sent on their events
        sockets, or kept for them."""
        data = json.dumps(message)
        for visit in self._visits_of(key):
            if visit.drawn_at.holds(message["seq"], txid) or not visit.shows(message["drop"]):
                continue  # the page was drawn after it, or it is not the page's to know
            if visit.events:
                for sock in list(visit.events):
                    sock.send_json(data)
            else:
                visit.missed.append((txid, message))

    async def connected(self, visit: Visit, sock: Any) -> None:
        """An events socket of ``visit`` opened: it gets what the visit missed, then the current files.

        The link is checked first (the page may have reconnected after its link was revoked): a dead
        link's page is told so and nothing else."""
        try:
            visit.access = str(await self.run(lambda: visit.view.access))
            visit.editable = visit.access == "edit"
        except _LINK_GONE as exc:
            visit.gone, visit.access, visit.editable = True, "view", False
            visit.missed.clear()
            sock.send_json(json.dumps({"type": "access", "access": "view", "reason": f"{exc.message}: the page is "
                                       "read-only."}))
            return
        except QldropsError:
            pass  # the database did not answer: the last known access stands, the tick checks again
        visit.events.add(sock)
        self._presence_sent.pop(visit.token, None)  # the next tick tells this socket who is here
        self.watch(visit)  # a watcher that stopped meanwhile
        sock.send_json(json.dumps({"type": "access", "access": visit.access, "reason": None}))
        # (kept while the page was being drawn, the cursor not yet read: what it already lists is dropped)
        missed = [m for txid, m in visit.missed if not visit.drawn_at.holds(m["seq"], txid)]
        visit.missed.clear()
        for message in missed:  # before any await: a change arriving now comes after them
            sock.send_json(json.dumps(message))
        if any(m["kind"] in _FILE_KINDS for m in missed):
            try:
                files = await self.run(_files, visit.view)
            except QldropsError:
                return  # the access tick says what happened to the link
            sock.send_json(json.dumps({"type": "files", "files": files}))

    def _label(self, drop_id: Any) -> str:
        if drop_id is None:
            return ""
        return f"drop {drop_id}"

    # -- the tick ----------------------------------------------------------------------------------

    async def tick(self) -> None:
        now = time.monotonic()
        for drop_id, room in list(self.rooms.items()):
            if room.changed_at > room.snapshot_at and now - room.changed_at >= self.snapshot_after:
                await self._snapshot(drop_id, room)
            if (room.dirty() and room.changed_at and now - room.changed_at >= self.autosave_after
                    and drop_id not in self._saving):
                visit = self._saver(drop_id, room)
                if visit is not None:
                    IOLoop.current().spawn_callback(self.save, drop_id, visit, reason="autosave")
            if not room.peers and not room.dirty() and drop_id not in self._saving:
                self.rooms.pop(drop_id, None)
                self.room_meta.pop(drop_id, None)
        self._presence()
        if now - self._access_checked >= self.access_every:
            self._access_checked = now
            await self._check_access()
        for token, visit in list(self.visits.items()):  # pages that never connected, or left
            if not visit.events and not visit.collab and now - visit.last_seen > 300:
                del self.visits[token]
        for key, stop in list(self._watchers.items()):  # nobody left to tell
            if not self._visits_of(key):
                stop.set()

    async def _snapshot(self, drop_id: int, room: Room) -> None:
        workspace, workflow_id = self.room_meta.get(drop_id, ("", ""))
        stamp = room.changed_at
        try:
            await self.run(self.snapshots.save, drop_id=drop_id, workspace=workspace, workflow_id=workflow_id,
                           base_version=room.base_version, state=room.snapshot(),
                           contributors=list(room.contributors))
            room.snapshot_at = stamp
        except Exception:  # noqa: BLE001 - retried next tick; the document itself is still in memory
            log.exception("drop %s: snapshot not written", drop_id)

    def _saver(self, drop_id: int, room: Room) -> Visit | None:
        """Whose link saves an idle document: a live edit visit that contributed, else any edit visit."""
        key = self.room_meta.get(drop_id)
        candidates = [v for v in self.visits.values() if v.editable and v.name and v.key == key and v.shows(drop_id)]
        for visit in candidates:
            if visit.name in room.contributors:
                return visit
        return candidates[0] if candidates else None

    def presence_of(self, key: tuple[str, str], *, drop_id: int | None = None) -> tuple[int, list[dict[str, Any]]]:
        """(open editor pages, who edits which file) on the workflow ``key`` (workspace, workflow id), of
        ``drop_id`` only if given: what a preview page of a link to it shows."""
        pages = sum(1 for v in self._visits_of(key) if v.events and not v.gone)
        people = [p for d, room in self.rooms.items() if self.room_meta.get(d) == key and drop_id in (None, d)
                  for p in room.presence()]
        return pages, sorted(people, key=lambda p: (p["file"], p["name"]))

    def _presence(self) -> None:
        """Who has which file open, to each open page: the editors of the files its link shows."""
        rooms: dict[tuple[str, str], list[tuple[int, list[dict[str, Any]]]]] = {}
        for drop_id, room in self.rooms.items():
            rooms.setdefault(self.room_meta.get(drop_id, ("", "")), []).append((drop_id, room.presence()))
        for token, visit in self.visits.items():
            if not visit.events or visit.gone:
                continue
            people = sorted((p for drop_id, ps in rooms.get(visit.key, []) if visit.shows(drop_id) for p in ps),
                            key=lambda p: (p["file"], p["name"]))
            data = json.dumps({"type": "presence", "people": people})
            if self._presence_sent.get(token) != data:
                self._presence_sent[token] = data
                for sock in list(visit.events):
                    sock.send_json(data)
        for token in [t for t in self._presence_sent if t not in self.visits]:
            del self._presence_sent[token]

    async def _check_access(self) -> None:
        """Re-check every open page's link: a changed access level reaches the page; a dead link (revoked,
        expired, gone) turns it read-only once, closes its document sockets (a view link's too: they
        carried the others' typing) and silences it. A check the database did not answer changes
        nothing: the next tick asks again (closing the document sockets on a blip left pages that said
        "editing" with nothing connected)."""
        for visit in [v for v in self.visits.values() if (v.events or v.collab) and not v.gone]:
            try:
                access = str(await self.run(lambda v=visit: v.view.access))
                reason = None
            except _LINK_GONE as exc:
                access, reason = "view", f"{exc.message}: the page is read-only."
                visit.gone = True  # told nothing more of the workflow
                visit.missed.clear()
            except QldropsError as exc:
                log.warning("link of visit %s not re-checked (%s); the next tick tries again", visit.token[:8],
                            exc.message)
                continue
            editable = access == "edit"
            if access == visit.access and editable == visit.editable and reason is None:
                continue
            was_editable = visit.editable
            visit.access, visit.editable = access, editable
            for sock in list(visit.collab):
                room = self.rooms.get(sock.drop_id)
                if room is not None:
                    room.set_editable(sock, editable)
            for sock in list(visit.events):
                sock.send_json(json.dumps({"type": "access", "access": access,
                                           "reason": reason or (None if editable else _REVOKED_REASON
                                                                if was_editable else None)}))
            if visit.gone or (was_editable and not editable):
                for sock in list(visit.collab):
                    sock.close(READ_ONLY, "read-only")


def _hash(capability: str) -> str:
    return hashlib.sha256(capability.encode("utf-8", "replace")).hexdigest()


class _EditorHandler(RequestHandler):
    hub: EditorHub

    def initialize(self, hub: EditorHub) -> None:
        self.hub = hub

    def set_default_headers(self) -> None:
        for name, value in _HEADERS.items():
            self.set_header(name, value)

    def _fail(self, exc: BaseException) -> None:
        if not isinstance(exc, QldropsError):
            log.error("editor request failed", exc_info=exc)
        status, body = pages.for_error(exc)
        retry_after = getattr(exc, "retry_after", None)  # RateLimited: say when, as /p/ does
        if retry_after is not None:
            self.set_header("Retry-After", str(max(1, math.ceil(retry_after))))
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(body)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        from .security import write_instruction

        write_instruction(self, status_code)


class EditorPageHandler(_EditorHandler):
    """``GET /e/<capability>``: the editor page (read-only unless the link allows editing)."""

    async def get(self, capability: str) -> None:
        if not BUNDLE.is_file():
            self.set_status(503)
            self.finish(pages.page(
                503,
                "The editor is not built on this server",
                "Its JavaScript (CodeMirror and Yjs, from npm) is built at setup and is missing.",
                "On the server, run `make editor` (or `make setup`) in the qldrops checkout, then reload.",
            ))
            return
        try:
            visit, files = await self.hub.open_visit(
                capability,
                user_agent=self.request.headers.get("User-Agent", "")[:500],
                client=visitor_address(self),
            )
        except Exception as exc:  # noqa: BLE001 - every failure becomes an instruction page
            self._fail(exc)
            return
        wanted = self.get_argument("drop", "")
        config = {
            "base": f"/e/{capability}",
            "visit": visit.token,
            "access": visit.access,
            "files": files,
            "drop": int(wanted) if wanted.isdigit() else None,
            "workflow": visit.workflow_id,
        }
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(_PAGE.format(
            workflow=html.escape(visit.workflow_id),
            config=json.dumps(config).replace("<", "\\u003c"),
            bundle_version=int(BUNDLE.stat().st_mtime),
        ))


class _Socket(WebSocketHandler):
    hub: EditorHub
    visit: Visit | None = None

    def initialize(self, hub: EditorHub) -> None:
        self.hub = hub

    def send(self, message: bytes) -> None:
        try:
            self.write_message(message, binary=True)
        except WebSocketClosedError:
            pass

    def send_json(self, data: str) -> None:
        try:
            self.write_message(data)
        except WebSocketClosedError:
            pass


class CollabSocket(_Socket):
    """``WS /e/<capability>/ws/<drop_id>?visit=``: y-sync and awareness for one drop."""

    drop_id: int
    room: Room | None = None

    async def open(self, capability: str, drop_id: str) -> None:
        self.drop_id = int(drop_id)
        self.visit = self.hub.visit_for(capability, self.get_argument("visit", ""))
        if self.visit is None:
            self.close(4404, "reload the page")
            return
        try:
            room = await self.hub.room(self.visit, self.drop_id)
        except QldropsError as exc:
            self.close(READ_ONLY if exc.http_status in (403, 410) else 4404, exc.message[:100])
            return
        if self.ws_connection is None:  # the page went away while the room loaded
            return
        self.room = room
        self.visit.collab.add(self)
        for message in room.join(self, name=self.visit.name or "visitor", editable=self.visit.editable):
            self.send(message)

    def on_message(self, message: str | bytes) -> None:
        if self.room is None or not isinstance(message, bytes):
            return
        out = self.room.receive(self, message)
        for reply in out.reply:
            self.send(reply)
        self.hub.relay(self.drop_id, self, out.broadcast)

    def on_close(self) -> None:
        if self.visit is not None:
            self.visit.collab.discard(self)
        if self.room is not None:
            self.hub.left(self)


class EventsSocket(_Socket):
    """``WS /e/<capability>/events?visit=``: JSON both ways (see the module docstring)."""

    async def open(self, capability: str) -> None:
        self.visit = self.hub.visit_for(capability, self.get_argument("visit", ""))
        if self.visit is None:
            self.close(4404, "reload the page")
            return
        await self.hub.connected(self.visit, self)

    async def on_message(self, message: str | bytes) -> None:
        visit = self.visit
        if visit is None:
            return
        try:
            msg = json.loads(message)
            kind = msg.get("type")
        except (ValueError, AttributeError):
            return
        try:
            if kind == "hello" and isinstance(msg.get("name"), str):
                await self.hub.set_name(visit, msg["name"])
                for sock in visit.collab:
                    if sock.room is not None and sock in sock.room.peers:
                        sock.room.peers[sock].name = visit.name or "visitor"
            elif kind == "save" and isinstance(msg.get("drop"), int):
                if not visit.editable:
                    raise HTTPError(403)
                await self.hub.save(int(msg["drop"]), visit, reason="save")
            elif kind == "comments" and isinstance(msg.get("drop"), int):
                await self._comments(visit, int(msg["drop"]), msg.get("after"))
            elif kind == "comment" and isinstance(msg.get("drop"), int):
                reply_to = msg.get("reply_to") if isinstance(msg.get("reply_to"), int) else None
                line_start = msg.get("line_start") if reply_to is None else None
                line_end = msg.get("line_end") if reply_to is None else None
                c = await self.hub.run(visit.view.comment, int(msg["drop"]), msg.get("body"), line_start=line_start,
                                       line_end=line_end, reply_to=reply_to)
                self.send_json(json.dumps({"type": "commented", "comment": comment_json(c)}))
            elif kind == "resolve" and isinstance(msg.get("comment"), int):
                c = await self.hub.run(visit.view.resolve_comment, int(msg["comment"]),
                                       resolved=bool(msg.get("resolved", True)))
                self.send_json(json.dumps({"type": "commented", "comment": comment_json(c)}))
        except QldropsError as exc:
            self.send_json(json.dumps({"type": "error", "message": exc.message, "hint": exc.hint or ""}))
        except HTTPError:
            self.send_json(json.dumps({"type": "error", "message": "This link does not allow editing.",
                                       "hint": "Ask for an edit link."}))

    async def _comments(self, visit: Visit, drop_id: int, after: Any) -> None:
        """One page of a file's comments, oldest first (``after``: the last id the page holds)."""
        after_id = after if isinstance(after, int) and not isinstance(after, bool) and after >= 0 else None
        found = list(await self.hub.run(visit.view.comments, drop_id, limit=COMMENT_PAGE + 1, after_id=after_id))
        page = found[:COMMENT_PAGE]
        self.send_json(json.dumps({"type": "comments", "drop": drop_id, "after": after_id,
                                   "comments": [comment_json(c) for c in page], "more": len(found) > COMMENT_PAGE,
                                   "can_comment": visit.access in ("comment", "edit")}))

    def on_close(self) -> None:
        if self.visit is not None:
            self.visit.events.discard(self)


class BundleHandler(StaticFileHandler):
    """``/qldrops/editor/<file>``: the built bundle (an instruction page when it is missing)."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        from .security import write_instruction

        write_instruction(self, status_code)


def editor_routes(hub: EditorHub) -> list[tuple]:
    cap = r"([A-Za-z0-9_-]{16,128})"
    return [
        (rf"/e/{cap}", EditorPageHandler, {"hub": hub}),
        (rf"/e/{cap}/ws/([0-9]{{1,18}})", CollabSocket, {"hub": hub}),
        (rf"/e/{cap}/events", EventsSocket, {"hub": hub}),
        (r"/qldrops/editor/(editor\.js)", BundleHandler, {"path": str(BUNDLE_DIR)}),
    ]


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="referrer" content="no-referrer"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{workflow} · qldrops editor</title>
<style>
body{{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1f2328;background:#f6f7f9}}
header{{display:flex;gap:1rem;align-items:center;padding:.5rem 1rem;background:#fff;border-bottom:1px solid #d0d7de}}
header h1{{font-size:1rem;margin:0}} header .grow{{flex:1}}
#qldrops-app{{display:grid;grid-template-columns:16rem 1fr 18rem;height:calc(100vh - 5.5rem)}}
#qldrops-app[hidden]{{display:none}}
nav,aside{{background:#fff;overflow:auto;padding:.5rem}} nav{{border-right:1px solid #d0d7de}}
aside{{border-left:1px solid #d0d7de;font-size:.85rem}}
#qldrops-files{{list-style:none;padding:0;margin:0}} #qldrops-files li{{margin:.15rem 0}}
#qldrops-files button{{background:none;border:0;cursor:pointer;font:inherit;text-align:left;padding:.2rem .3rem}}
#qldrops-files li.current button{{font-weight:600;background:#ddf4ff;border-radius:4px}}
#qldrops-files .who{{color:#656d76;font-size:.8rem}}
#qldrops-editor{{overflow:auto;background:#fff}} #qldrops-editor .cm-editor{{height:100%}}
footer{{padding:.4rem 1rem;font-size:.85rem;background:#fff;border-top:1px solid #d0d7de;display:flex;gap:1rem}}
#qldrops-status[data-kind=error]{{color:#cf222e}} #qldrops-status[data-kind=warning]{{color:#9a6700}}
#qldrops-name-form{{max-width:26rem;margin:4rem auto;background:#fff;padding:1.5rem 2rem;border:1px solid #d0d7de;
border-radius:8px}}
body[data-access=read-only] #qldrops-mode{{color:#9a6700;font-weight:600}}
#qldrops-comments{{list-style:none;padding:0;margin:0}} #qldrops-comments li{{border-top:1px solid #d0d7de;
padding:.3rem 0}} #qldrops-comments .meta{{color:#656d76;font-size:.75rem}}
#qldrops-comments .body{{white-space:pre-wrap;overflow-wrap:anywhere;margin:.15rem 0}}
#qldrops-comments ul{{list-style:none;padding-left:.8rem;margin:0}}
#qldrops-comments .badge{{font-size:.7rem;border-radius:3px;padding:0 .25rem;margin-left:.25rem;background:#fff8c5}}
#qldrops-comments li.resolved>.body{{color:#656d76}} #qldrops-comment-body{{width:100%;box-sizing:border-box}}
#qldrops-conflict{{border:1px solid #cf222e;border-radius:6px;padding:.4rem;margin-bottom:.5rem}}
#qldrops-conflict pre{{max-height:14rem;overflow:auto;font-size:.75rem;background:#fff5f5}}
</style></head>
<body data-access="read-only">
<header><h1>{workflow}</h1><span id="qldrops-file"></span><span class="grow"></span>
<span id="qldrops-mode"></span><span>you: <b id="qldrops-me"></b></span>
<button id="qldrops-save" type="button" disabled>Save</button></header>
<form id="qldrops-name-form"><p><label for="qldrops-name">Your name, as others will see it next to your
cursor and in the history:</label></p><p><input id="qldrops-name" maxlength="80" required autofocus>
<button type="submit">Open the editor</button></p></form>
<div id="qldrops-app" hidden><nav><h2>Files</h2><ul id="qldrops-files"></ul></nav>
<main id="qldrops-editor"></main>
<aside><section id="qldrops-conflict" hidden><h2>Not saved: overlapping edits</h2>
<p>The file changed since this document was loaded and both changed the same lines. Nothing was written;
edit the lines below so they agree, then save again.</p><pre id="qldrops-conflict-text"></pre></section>
<h2>Here now</h2><p id="qldrops-presence"></p>
<h2>Comments <small id="qldrops-comment-count"></small></h2>
<form id="qldrops-comment-form" hidden><textarea id="qldrops-comment-body" maxlength="10000" rows="3" required
placeholder="Plain text"></textarea><button type="submit" id="qldrops-comment-send">Comment on line 1</button></form>
<ul id="qldrops-comments"></ul><button type="button" id="qldrops-comments-more" hidden>Show more</button>
<h2>Changes</h2><ul id="qldrops-changes"></ul></aside></div>
<footer><span id="qldrops-connection">connecting</span><span id="qldrops-status" role="status"></span></footer>
<script type="application/json" id="qldrops-editor-config">{config}</script>
<script src="/qldrops/editor/editor.js?v={bundle_version}"></script>
</body></html>
"""

__all__ = ["EditorHub", "editor_routes", "file_label"]
