"""Several pycrdt clients edit one document through the server's :class:`Room`, with random delays.

The network is simulated: every message waits in a per-connection FIFO queue (a websocket
keeps order) and the scheduler delivers a randomly chosen queue's head at each step, so
deliveries between connections interleave arbitrarily and clients edit documents that are
stale by a random number of messages. Clients also drop off the network for a while
(their messages are lost, not queued, as when a socket dies), keep typing, and rejoin with
the y-sync handshake (what y-websocket does on reconnect). At the end every replica
(clients and server) must be identical and contain every character anyone inserted.
"""

from __future__ import annotations

import random

import pytest

pycrdt = pytest.importorskip("pycrdt")

from pycrdt import Doc, Text, create_sync_message, create_update_message, handle_sync_message  # noqa: E402

from qldrops.server.collab import TEXT_NAME, Room  # noqa: E402


class Client:
    def __init__(self, name: str, rng: random.Random):
        self.name = name
        self.rng = rng
        self.doc = Doc()
        self.text = self.doc.get(TEXT_NAME, type=Text)
        self.outbox: list[bytes] = []  # client -> server (FIFO)
        self.inbox: list[bytes] = []  # server -> client (FIFO)
        self.online = False
        self.inserted: list[str] = []  # every marker this client typed
        self._applying = False
        self.doc.observe(self._on_update)

    def _on_update(self, event) -> None:
        if not self._applying and self.online:
            self.outbox.append(create_update_message(event.update))

    def connect(self, room: Room) -> None:
        self.online = True
        self.outbox.clear()
        self.inbox.clear()
        self.inbox.extend(room.join(self.name, name=self.name, editable=True))
        self.outbox.append(create_sync_message(self.doc))  # our step 1: the server sends what we miss

    def disconnect(self, room: Room) -> None:
        self.online = False
        self.outbox.clear()  # in flight when the socket died: lost
        self.inbox.clear()
        room.leave(self.name)

    def type_something(self, counter: int) -> None:
        marker = f"<{self.name}{counter}>"
        self.inserted.append(marker)
        length = len(str(self.text))
        if length and self.rng.random() < 0.2:  # sometimes delete a little (never inside a marker check)
            start = self.rng.randrange(length)
            # delete only plain filler characters, so every marker must survive
            if str(self.text)[start] == ".":
                del self.text[start : start + 1]
        pos = self.rng.randint(0, len(str(self.text)))
        # markers go between other markers (or at the ends), never inside one
        s = str(self.text)
        while 0 < pos < len(s) and not (s[pos - 1] in ">." and s[pos] in "<."):
            pos -= 1
        self.text.insert(pos, marker + ".")

    def deliver_one(self) -> None:
        message = self.inbox.pop(0)
        self._applying = True
        try:
            if message[0] == 0:
                reply = handle_sync_message(message[1:], self.doc)
            else:
                reply = None  # awareness: not under test here
        finally:
            self._applying = False
        if reply is not None:
            self.outbox.append(reply)


def _run(seed: int, clients: int, steps: int) -> None:
    rng = random.Random(seed)
    room = Room(1, text="start.", base_version=1)
    people = [Client(f"c{i}", rng) for i in range(clients)]
    for c in people:
        c.connect(room)
    counter = 0

    def pump(client: Client) -> None:
        message = client.outbox.pop(0)
        out = room.receive(client.name, message)
        client.inbox.extend(out.reply)
        for other in people:
            if other is not client and other.online:
                other.inbox.extend(out.broadcast)

    for _ in range(steps):
        c = rng.choice(people)
        roll = rng.random()
        if roll < 0.35:
            counter += 1
            c.type_something(counter)
        elif roll < 0.65 and c.outbox and c.online:
            pump(c)
        elif roll < 0.95 and c.inbox and c.online:
            c.deliver_one()
        elif c.online and rng.random() < 0.5:
            c.disconnect(room)  # the network drops: keeps typing offline
        elif not c.online:
            c.connect(room)  # back: the y-sync handshake merges both ways
    for c in people:  # everyone comes back and the network drains
        if not c.online:
            c.connect(room)
    while any(c.inbox or c.outbox for c in people):
        c = rng.choice([c for c in people if c.inbox or c.outbox])
        if c.outbox and (not c.inbox or rng.random() < 0.5):
            pump(c)
        else:
            c.deliver_one()
    final = room.text_value()
    for c in people:
        assert str(c.text) == final, f"seed {seed}: {c.name} differs from the server"
    markers = [m for c in people for m in c.inserted]
    assert len(markers) == counter and counter > 0
    for m in markers:
        assert final.count(m) == 1, f"seed {seed}: {m} lost or duplicated"


@pytest.mark.parametrize("seed", range(12))
def test_random_concurrent_edits_converge_and_lose_nothing(seed):
    _run(seed, clients=2 + seed % 4, steps=400)


def test_read_only_peer_cannot_change_the_document():
    room = Room(7, text="hello", base_version=3)
    reader = Doc()
    rtext = reader.get(TEXT_NAME, type=Text)
    room.join("r", name="Reader", editable=False)
    handle_sync_message(room.join("r", name="Reader", editable=False)[0][1:], reader)
    updates: list[bytes] = []
    reader.observe(lambda e: updates.append(e.update))
    rtext += " world"
    for u in updates:
        room.receive("r", create_update_message(u))
    assert room.text_value() == "hello"
    assert room.contributors == [] and not room.dirty()


def test_snapshot_restores_the_document_and_replace_text_keeps_others():
    room = Room(9, text="a\nb\nc\n", base_version=2)
    editor = Doc()
    etext = editor.get(TEXT_NAME, type=Text)
    for message in room.join("e", name="Ada", editable=True):
        reply = handle_sync_message(message[1:], editor) if message[0] == 0 else None
        if reply:
            room.receive("e", reply)
    for reply in room.receive("e", create_sync_message(editor)).reply:  # our step 1: the server's text comes back
        handle_sync_message(reply[1:], editor)
    assert str(etext) == "a\nb\nc\n"
    updates: list[bytes] = []
    editor.observe(lambda e: updates.append(e.update))
    etext.insert(0, "# top\n")
    for u in updates:
        room.receive("e", create_update_message(u))
    assert room.contributors == ["Ada"] and room.dirty()
    restored = Room(9, snapshot=room.snapshot(), base_version=2)
    assert restored.text_value() == "# top\na\nb\nc\n"
    messages = restored.replace_text("# top\na\nB\nc\nd\n")
    assert restored.text_value() == "# top\na\nB\nc\nd\n" and messages
    for m in messages:  # the update applies on a replica that shares the history
        handle_sync_message(m[1:], editor)
    assert str(etext) == "# top\na\nB\nc\nd\n"
