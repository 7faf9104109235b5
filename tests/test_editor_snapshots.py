"""The editor's persisted documents (``collab_documents``) on SQLite and PostgreSQL."""

from __future__ import annotations

from pycrdt import Doc, Text

from qldrops.server.collab import TEXT_NAME, Room
from qldrops.server.snapshots import DocumentSnapshots


def test_snapshot_round_trip_replaces_and_deletes(store):
    drop = store.put(workflow_id="wf-snap", drop_type="code_generation", artifact="a = 1\n",
                     metadata={"path": "a.py"})
    snaps = DocumentSnapshots(store.engine)
    assert snaps.load(drop.id) is None
    room = Room(drop.id, text=drop.artifact, base_version=drop.version)
    room.text += "b = 2\n"
    snaps.save(drop_id=drop.id, workspace=drop.workspace, workflow_id=drop.workflow_id, base_version=1,
               state=room.snapshot(), contributors=["Ada"])
    room.text += "c = 3\n"
    snaps.save(drop_id=drop.id, workspace=drop.workspace, workflow_id=drop.workflow_id, base_version=1,
               state=room.snapshot(), contributors=["Ada", "Bob"])  # the newer one replaces it
    snap = snaps.load(drop.id)
    assert snap is not None and snap.base_version == 1 and snap.contributors == ["Ada", "Bob"]
    doc = Doc()
    doc.apply_update(snap.state)
    assert str(doc.get(TEXT_NAME, type=Text)) == "a = 1\nb = 2\nc = 3\n"
    snaps.delete(drop.id)
    assert snaps.load(drop.id) is None
