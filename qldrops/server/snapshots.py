"""Persisted snapshots of the editor's shared documents (table ``collab_documents``).

A document holds typing nobody has saved yet; a snapshot (the whole pycrdt document as one
Yjs update) is written shortly after each change and read back when the drop's room opens
again, so restarting the server loses nothing. A save that turned the document into a drop
version moves the snapshot's base version on; closing a room whose text equals its base
removes the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..store import schema as t


@dataclass
class Snapshot:
    drop_id: int
    base_version: int
    state: bytes
    contributors: list[str]


class DocumentSnapshots:
    """Reads and writes ``collab_documents`` through the store's engine (one short transaction each)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def load(self, drop_id: int) -> Snapshot | None:
        c = t.collab_documents.c
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.collab_documents).where(c.drop_id == int(drop_id))).first()
        if row is None:
            return None
        return Snapshot(int(row.drop_id), int(row.base_version), bytes(row.state), list(row.contributors or []))

    def save(self, *, drop_id: int, workspace: str, workflow_id: str, base_version: int, state: bytes,
             contributors: list[str]) -> None:
        """Replace the drop's snapshot (delete and insert in one transaction: the same on both databases)."""
        c = t.collab_documents.c
        row: dict[str, Any] = {
            "drop_id": int(drop_id),
            "workspace": workspace,
            "workflow_id": workflow_id,
            "base_version": int(base_version),
            "state": bytes(state),
            "contributors": list(contributors),
            "updated_at": t.now(),
        }
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t.collab_documents).where(c.drop_id == int(drop_id)))
            conn.execute(sa.insert(t.collab_documents).values(**row))

    def delete(self, drop_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t.collab_documents).where(t.collab_documents.c.drop_id == int(drop_id)))


__all__ = ["DocumentSnapshots", "Snapshot"]
