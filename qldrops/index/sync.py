"""Following the change log (table ``changes``, the outbox) from a saved watermark.

Cost grows with the number of changes, not with the size of the store: the reads
use the primary key (``seq``) and ``ix_changes_txid``.

**PostgreSQL commit order.** A sequence value is taken when a row is inserted, not
when its transaction commits, so a transaction holding seq 10 can commit after one
holding seq 11 has been seen. A watermark of "seq 11" alone would skip seq 10 for
ever. So, in the same snapshot as the read, we also record
``pg_snapshot_xmin(pg_current_snapshot())``: every transaction that was still in
flight has a txid at or above it. The next read takes ``seq > watermark_seq OR
txid >= watermark_xmin``. Applying a change means "make the index reflect the
drop's current state in ``drops``", so reading a change twice is harmless.

SQLite has one writer at a time and assigns ``seq`` inside the write lock, so seq
order is commit order there and the seq watermark alone is exact.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from ..store import schema as t
from ..store.bulk import live_drops
from ..store.db import insert_ignore
from ..store.watch import latest_cursor

PAGE = 10_000
IDENTITY_KEY = "database_identity"


@dataclass(frozen=True)
class Watermark:
    seq: int = 0
    xmin: int | None = None  # PostgreSQL only

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> Watermark:
        d = d or {}
        return cls(int(d.get("seq", 0)), None if d.get("xmin") is None else int(d["xmin"]))


@dataclass
class ChangeBatch:
    drop_ids: list[int]
    watermark: Watermark
    rows: int


def _snapshot_xmin(conn: sa.Connection) -> int:
    return int(conn.execute(sa.text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")).scalar_one())


def snapshot_connection(store):
    """A read connection whose statements share one snapshot (REPEATABLE READ on PostgreSQL)."""
    conn = store.engine.connect()
    if store.dialect == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def current_watermark(conn: sa.Connection, dialect: str, workspace: str) -> Watermark:
    """The watermark matching what this connection's snapshot sees (call it first in the snapshot)."""
    xmin = _snapshot_xmin(conn) if dialect == "postgresql" else None
    return Watermark(latest_cursor(conn), xmin)


def read_changes(store, since: Watermark) -> ChangeBatch:
    """Drop ids changed after ``since`` (deduplicated), and the watermark to save after applying them."""
    c = t.changes.c
    with snapshot_connection(store) as conn, conn.begin():
        xmin = _snapshot_xmin(conn) if store.dialect == "postgresql" else None
        cond = c.seq > since.seq
        if store.dialect == "postgresql" and since.xmin is not None:
            cond = sa.or_(cond, c.txid >= since.xmin)
        ids: dict[int, None] = {}
        top = since.seq
        rows = 0
        last = -1
        while True:  # keyset pages over seq, all inside one snapshot
            page = conn.execute(sa.select(c.seq, c.drop_id).where(
                c.workspace == store.workspace, cond, c.seq > last).order_by(c.seq).limit(PAGE)).all()
            for seq, drop_id in page:
                ids[int(drop_id)] = None
                top = max(top, int(seq))
            rows += len(page)
            if len(page) < PAGE:
                break
            last = page[-1][0]
        # Other workspaces' changes move the watermark too (we never need to read them again).
        top = max(top, latest_cursor(conn))
    return ChangeBatch(list(ids), Watermark(top, xmin), rows)


def pending_count(store, since: Watermark) -> int:
    """How many change rows the mirror has not applied yet (its lag behind the database)."""
    c = t.changes.c
    cond = c.seq > since.seq
    if store.dialect == "postgresql" and since.xmin is not None:
        # In-flight-at-last-read transactions are re-read; count only those not yet seen by seq.
        cond = sa.or_(cond, sa.and_(c.txid >= since.xmin, c.seq > since.seq))
    with store.reading() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(t.changes).where(
            c.workspace == store.workspace, cond)).scalar() or 0)


def live_state(conn: sa.Connection, workspace: str, drop_ids: Iterable[int]) -> dict[int, str]:
    """Current content hash of each of these drops that is alive in this workspace (one query on the
    connection's driver, in its transaction: no ``IN`` list bound through SQLAlchemy per id)."""
    return live_drops(conn.connection.dbapi_connection, conn.dialect.name, workspace, list(drop_ids))


def all_live(conn: sa.Connection, workspace: str) -> dict[int, str]:
    d = t.drops.c
    rows = conn.execute(sa.select(d.id, d.content_hash).where(d.workspace == workspace, d.deleted_at.is_(None)))
    return {int(i): h for i, h in rows}


def database_identity(store) -> str:
    """A random id kept in the database, so a mirror is never served against another (or a recreated) one."""
    s = t.index_state.c
    with store.reading() as conn:
        found = conn.execute(sa.select(s.value).where(s.name == IDENTITY_KEY)).scalar()
    if found:
        return str(found["id"])
    with store.transaction() as conn:
        conn.execute(insert_ignore(store.dialect, t.index_state),
                     {"name": IDENTITY_KEY, "value": {"id": uuid.uuid4().hex}, "updated_at": t.now()})
        return str(conn.execute(sa.select(s.value).where(s.name == IDENTITY_KEY)).scalar()["id"])
