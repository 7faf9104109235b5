"""Shared documents of the editor page: one pycrdt document per drop, synced over the y-sync protocol.

The merging is pycrdt's (the Yjs engine of JupyterLab's collaboration): this module only
relays the y-sync and awareness messages of y-websocket between the visitors of a
drop and keeps the server's replica of the document. Nothing here touches the network or the
database: :class:`Room` takes bytes in and returns what to send to whom, so the protocol is
tested without a server (``tests/test_collab_convergence.py``) and the Tornado handlers in
:mod:`qldrops.server.editor` stay thin.

Wire format (y-websocket): ``varuint type`` then the payload. ``0`` sync (step 1: a state
vector; step 2 and update: an update), ``1`` awareness (cursors, names, which file), ``3``
"send me everyone's awareness". A visitor whose link does not allow editing still receives
the document; its updates are dropped by the server (the page is read-only too).
"""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass, field
from typing import Any, Hashable

from pycrdt import (
    Awareness,
    Doc,
    Text,
    YMessageType,
    YSyncMessageType,
    create_awareness_message,
    create_sync_message,
    create_update_message,
    handle_sync_message,
    read_message,
)

TEXT_NAME = "source"  # the Y.Text the page binds CodeMirror to (editor.js: doc.getText('source'))
QUERY_AWARENESS = 3


@dataclass
class Peer:
    """One websocket of one visitor in one room."""

    key: Hashable
    name: str = "visitor"
    editable: bool = False
    awareness_ids: set[int] = field(default_factory=set)


@dataclass
class Outgoing:
    """What :meth:`Room.receive` asks the caller to send: to the sender, and to every other peer."""

    reply: list[bytes] = field(default_factory=list)
    broadcast: list[bytes] = field(default_factory=list)


class Room:
    """The server replica of one drop's document and the peers editing it.

    ``base_version`` is the drop version the document started from (or was last saved as):
    a save hands it to the library, which merges three ways if the drop moved meanwhile.
    """

    def __init__(self, drop_id: int, *, text: str = "", base_version: int = 0, snapshot: bytes | None = None):
        self.drop_id = drop_id
        self.doc: Doc = Doc()
        self.text: Text = self.doc.get(TEXT_NAME, type=Text)
        if snapshot:
            self.doc.apply_update(snapshot)
        elif text:
            self.text += text
        self.base_version = base_version
        self.base_text = text if not snapshot else None  # None: the snapshot's base is not loaded
        self.awareness = Awareness(self.doc)
        self.peers: dict[Hashable, Peer] = {}
        self.contributors: list[str] = []  # names of visitors who changed the text since the last save
        self.changed_at = 0.0  # monotonic time of the last change (0: unchanged since load/save)
        self.snapshot_at = 0.0  # monotonic time of the last persisted snapshot
        self._updates: list[bytes] = []
        self._sub = self.doc.observe(lambda event: self._updates.append(event.update))

    # -- peers -----------------------------------------------------------------------------------

    def join(self, key: Hashable, *, name: str, editable: bool) -> list[bytes]:
        """Add a peer; returns the messages that start its sync (our state vector, then everyone's cursors)."""
        self.peers[key] = Peer(key, name=name, editable=editable)
        out = [create_sync_message(self.doc)]
        if self.awareness.states:
            out.append(self._awareness_of(list(self.awareness.states)))
        return out

    def leave(self, key: Hashable) -> list[bytes]:
        """Remove a peer; returns the awareness message telling the others its cursor is gone."""
        peer = self.peers.pop(key, None)
        if peer is None or not peer.awareness_ids:
            return []
        ids = [i for i in peer.awareness_ids if i in self.awareness.states]
        if not ids:
            return []
        self.awareness.remove_awareness_states(ids, origin=key)
        return [self._awareness_of(ids)]

    def set_editable(self, key: Hashable, editable: bool) -> None:
        if key in self.peers:
            self.peers[key].editable = editable

    # -- messages --------------------------------------------------------------------------------

    def receive(self, key: Hashable, message: bytes) -> Outgoing:
        """Handle one message from peer ``key``: what to reply and what to relay to the others."""
        out = Outgoing()
        peer = self.peers.get(key)
        if peer is None or not message:
            return out
        kind = message[0]
        if kind == YMessageType.SYNC:
            if len(message) < 2:
                return out
            if message[1] != YSyncMessageType.SYNC_STEP1 and not peer.editable:
                return out  # a read-only visitor's edits are not taken
            before = self.text_value()
            self._updates.clear()
            reply = handle_sync_message(message[1:], self.doc)
            if reply is not None:
                out.reply.append(reply)
            for update in self._updates:
                out.broadcast.append(create_update_message(update))
            if self._updates and self.text_value() != before:
                self.changed_at = time.monotonic()
                if peer.name not in self.contributors:
                    self.contributors.append(peer.name)
            self._updates.clear()
        elif kind == YMessageType.AWARENESS:
            payload = read_message(message[1:])
            known = set(self.awareness.states)
            self.awareness.apply_awareness_update(payload, key)
            peer.awareness_ids |= set(self.awareness.states) - known
            out.broadcast.append(message)
        elif kind == QUERY_AWARENESS:
            if self.awareness.states:
                out.reply.append(self._awareness_of(list(self.awareness.states)))
        return out

    def _awareness_of(self, ids: list[int]) -> bytes:
        return create_awareness_message(self.awareness.encode_awareness_update(ids))

    # -- the document ----------------------------------------------------------------------------

    def text_value(self) -> str:
        return str(self.text)

    def snapshot(self) -> bytes:
        """The whole document as one Yjs update (what survives a restart)."""
        return bytes(self.doc.get_update())

    def replace_text(self, new: str) -> list[bytes]:
        """Make the document read ``new`` with the fewest edits (kept cursors); returns the update messages.

        Used after a save whose three-way merge brought in changes made outside the editor.
        """
        old = self.text_value()
        if old == new:
            return []
        self._updates.clear()
        ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
        with self.doc.transaction():
            for tag, i1, i2, j1, j2 in reversed(ops):  # from the end: earlier offsets stay valid
                if tag in ("replace", "delete"):
                    del self.text[i1:i2]
                if tag in ("replace", "insert"):
                    self.text.insert(i1, new[j1:j2])
        messages = [create_update_message(u) for u in self._updates]
        self._updates.clear()
        return messages

    def mark_saved(self, version: int, text: str) -> None:
        self.base_version = version
        self.base_text = text
        self.contributors = []  # nobody has edited since
        self.changed_at = 0.0

    def dirty(self) -> bool:
        """True when the text differs from the version it is based on (a save would write something)."""
        return self.base_text is None or self.text_value() != self.base_text

    def presence(self) -> list[dict[str, Any]]:
        """The names in this room's awareness (one entry per open editor)."""
        people = []
        for state in self.awareness.states.values():
            user = state.get("user") if isinstance(state, dict) else None
            if isinstance(user, dict) and isinstance(user.get("name"), str):
                people.append({"name": user["name"][:80], "file": str(state.get("file", ""))[:300]})
        return people


__all__ = ["Outgoing", "Peer", "Room", "TEXT_NAME"]
