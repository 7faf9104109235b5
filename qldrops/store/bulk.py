"""Bulk inserts of new drops on the raw driver, inside the caller's transaction.

``put_many`` is the batch path of every import and batch script. Through
SQLAlchemy's executemany each of its five inserts paid per-row parameter
processing that cost more than SQLite itself; here the rows go to the driver as
tuples: ``executemany`` on SQLite, ``COPY`` on PostgreSQL (blobs through a
staging table, so that they keep ``ON CONFLICT DO NOTHING``; the tsvectors
computed by the server beforehand, see :func:`pg_tsvectors`).

Both run inside the transaction that :meth:`Store.transaction` opened, so the
outbox rows commit or roll back with the drops (invariant 2).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_upsert

from .search import document


@dataclass
class Chunk:
    """One round of ``put_many``: the checked drops, their full-text documents and (PostgreSQL,
    when computed ahead) those documents' tsvectors as text."""

    prepared: list[Any]
    docs: list[str]
    tsvectors: list[str] | None = None


def _sqlite_time(when: dt.datetime) -> str:
    # SQLAlchemy's storage format for DateTime on SQLite (UTCDateTime stores naive UTC).
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _json(value: Any) -> str:
    return json.dumps(value)


def _documents(prepared: Sequence[Any]) -> list[str]:
    return [document(p.workflow_id, p.drop_type, p.metadata, p.text) for p in prepared]


def sqlite_insert(raw, workspace: str, prepared: Sequence[Any], blobs: Sequence[Any], now: dt.datetime, op: str,
                  forked_from: Sequence[int | None] | None, docs: Sequence[str] | None = None) -> list[int]:
    """Insert drops (and their blobs, versions, full text, outbox rows); return their ids in order.

    The caller holds SQLite's write lock (BEGIN IMMEDIATE), so ids can be allotted here:
    AUTOINCREMENT's counter moves with explicit ids too.
    """
    when = _sqlite_time(now)
    if blobs:
        raw.executemany("INSERT OR IGNORE INTO blobs (hash, size, stored_size, codec, data, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        [(p.hash, len(p.raw), len(p.stored), p.codec, p.stored, when) for p in blobs])
    seq = raw.execute("SELECT seq FROM sqlite_sequence WHERE name = 'drops'").fetchone()
    top = raw.execute("SELECT COALESCE(MAX(id), 0) FROM drops").fetchone()[0]
    first = max(seq[0] if seq else 0, top) + 1
    ids = list(range(first, first + len(prepared)))
    metas = [_json(p.metadata) for p in prepared]
    parents = forked_from or [None] * len(prepared)
    raw.executemany(
        "INSERT INTO drops (id, workspace, workflow_id, capsule_id, drop_type, version, content_hash, size, "
        "metadata, created_at, updated_at, created_by, forked_from) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
        [(i, workspace, p.workflow_id, p.capsule_id, p.drop_type, p.hash, len(p.raw), m, when, when, p.created_by, f)
         for i, p, m, f in zip(ids, prepared, metas, parents)])
    raw.executemany(
        "INSERT INTO drop_versions (drop_id, version, content_hash, metadata, op, message, created_at, created_by) "
        "VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
        [(i, p.hash, m, op, f"forked from drop {f}" if f else None, when, p.created_by)
         for i, p, m, f in zip(ids, prepared, metas, parents)])
    raw.executemany("INSERT INTO drops_fts (rowid, body) VALUES (?, ?)", zip(ids, docs or _documents(prepared)))
    raw.executemany("INSERT INTO changes (drop_id, workspace, op, version, content_hash, created_at) "
                    "VALUES (?, ?, 'upsert', 1, ?, ?)", [(i, workspace, p.hash, when) for i, p in zip(ids, prepared)])
    return ids


_TSV = "to_tsvector('english'::regconfig, doc)"  # a drop's tsvector, as search.pg_tsvector makes it


def pg_tsvectors(raw, docs: Sequence[str]) -> list[str]:
    """The tsvectors of these documents as text, computed by the server this connection talks to.

    Text in, text out: PostgreSQL reads a tsvector's text form back to the same value about
    five times faster than ``to_tsvector`` makes it (0.37 s against 2.0 s per 5,000 documents
    of 2 KB), so a connection of its own can compute them ahead of the writing transaction."""
    cur = raw.cursor()
    cur.execute(f"SELECT {_TSV}::text FROM unnest(%s::text[]) WITH ORDINALITY AS d(doc, n) ORDER BY n", (list(docs),))
    return [r[0] for r in cur.fetchall()]


_PG_STAGE_BLOBS = """
CREATE TEMP TABLE IF NOT EXISTS qldrops_stage_blobs (
    hash text, size bigint, stored_size bigint, codec text, data bytea) ON COMMIT DELETE ROWS;
"""


def pg_insert(raw, workspace: str, prepared: Sequence[Any], blobs: Sequence[Any], now: dt.datetime, op: str,
              forked_from: Sequence[int | None] | None, docs: Sequence[str] | None = None,
              tsvectors: Sequence[str] | None = None) -> list[int]:
    """The same on PostgreSQL: ``COPY`` straight into ``drops``, ``drop_versions`` and ``changes``.

    Blobs go through a staging table and one ``INSERT ... ON CONFLICT DO NOTHING`` (a concurrent
    writer may store the same content first). ``tsvectors``: the documents' tsvectors as text
    (:func:`pg_tsvectors`, computed ahead on another connection); without them this connection
    computes them first."""
    cur = raw.cursor()
    if blobs:
        cur.execute(_PG_STAGE_BLOBS)
        with cur.copy("COPY qldrops_stage_blobs (hash, size, stored_size, codec, data) FROM STDIN") as cp:
            for p in blobs:
                cp.write_row((p.hash, len(p.raw), len(p.stored), p.codec, p.stored))
        cur.execute("INSERT INTO blobs (hash, size, stored_size, codec, data, created_at) "
                    "SELECT hash, size, stored_size, codec, data, %s FROM qldrops_stage_blobs "
                    "ON CONFLICT (hash) DO NOTHING", (now,))
        cur.execute("TRUNCATE qldrops_stage_blobs")
    if tsvectors is None:
        tsvectors = pg_tsvectors(raw, docs or _documents(prepared))
    cur.execute("SELECT nextval(pg_get_serial_sequence('drops', 'id')) FROM generate_series(1, %s)",
                (len(prepared),))
    ids = sorted(r[0] for r in cur.fetchall())
    parents = forked_from or [None] * len(prepared)
    metas = [_json(p.metadata) for p in prepared]
    with cur.copy("COPY drops (id, workspace, workflow_id, capsule_id, drop_type, version, content_hash, size, "
                  "metadata, created_at, updated_at, created_by, forked_from, search_tsv) FROM STDIN") as cp:
        for i, p, m, f, tsv in zip(ids, prepared, metas, parents, tsvectors):
            cp.write_row((i, workspace, p.workflow_id, p.capsule_id, p.drop_type, 1, p.hash, len(p.raw), m,
                          now, now, p.created_by, f, tsv))
    with cur.copy("COPY drop_versions (drop_id, version, content_hash, metadata, op, message, created_at, "
                  "created_by) FROM STDIN") as cp:
        for i, p, m, f in zip(ids, prepared, metas, parents):
            cp.write_row((i, 1, p.hash, m, op, f"forked from drop {f}" if f else None, now, p.created_by))
    with cur.copy("COPY changes (drop_id, workspace, op, version, content_hash, created_at) FROM STDIN") as cp:
        for i, p in zip(ids, prepared):
            cp.write_row((i, workspace, "upsert", 1, p.hash, now))
    return ids


def upsert_rows(conn: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]], *, update: bool = False) -> None:
    """Write many rows keyed by ``table``'s primary key inside the caller's transaction.

    A row whose key exists is left alone (``update=False``: vectors, which never change for a key)
    or replaced (``update=True``: analysis results). PostgreSQL: ``COPY`` into a temporary staging
    table, then one ``INSERT ... SELECT ... ON CONFLICT``; SQLite: one ``executemany``.
    """
    if not rows:
        return
    cols = [c.name for c in table.columns]
    key = [c.name for c in table.primary_key.columns]
    rest = [c for c in cols if c not in key]
    if conn.dialect.name != "postgresql":
        ins = sqlite_upsert(table)
        stmt = (ins.on_conflict_do_update(index_elements=key, set_={c: ins.excluded[c] for c in rest}) if update
                else ins.on_conflict_do_nothing(index_elements=key))
        conn.execute(stmt, list(rows))
        return
    stage = f"qldrops_stage_{table.name}"
    names = ", ".join(cols)
    json_cols = {c.name for c in table.columns if isinstance(c.type, sa.JSON)}
    raw = conn.connection.dbapi_connection
    assert raw is not None  # a checked-out connection is never detached
    cur = raw.cursor()
    cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table.name} INCLUDING DEFAULTS) "
                "ON COMMIT DELETE ROWS")
    with cur.copy(f"COPY {stage} ({names}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(tuple(_json(row[c]) if c in json_cols and row[c] is not None else row.get(c) for c in cols))
    conflict = ("DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in rest)) if update and rest \
        else "DO NOTHING"
    # DISTINCT ON: a key twice in one batch would make ON CONFLICT DO UPDATE fail (callers send each once).
    cur.execute(f"INSERT INTO {table.name} ({names}) SELECT DISTINCT ON ({', '.join(key)}) {names} FROM {stage} "
                f"ON CONFLICT ({', '.join(key)}) {conflict}")
    cur.execute(f"TRUNCATE {stage}")
