"""Bulk inserts of new drops on the raw driver, inside the caller's transaction.

``put_many`` is the batch path of every import and batch script. Through
SQLAlchemy's executemany each of its five inserts paid per-row parameter
processing that cost more than SQLite itself; here the rows go to the driver as
tuples: ``executemany`` on SQLite, ``COPY`` on PostgreSQL (blobs as binary
arrays into one ``INSERT ... ON CONFLICT DO NOTHING``; the tsvectors
computed by the server beforehand, see :func:`pg_tsvectors`).

Both run inside the transaction that :meth:`Store.transaction` opened, so the
outbox rows commit or roll back with the drops (invariant 2).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_upsert

from .search import document


@dataclass
class Chunk:
    """One round of ``put_many``, made ready off the writing thread: the checked drops, their
    metadata as JSON text, their full-text documents and (PostgreSQL, when computed ahead) the
    documents' tsvectors in binary form."""

    prepared: list[Any]
    docs: list[str]
    metas: list[str]
    tsvectors: list[bytes] | None = None

    @classmethod
    def of(cls, prepared: Sequence[Any]) -> Chunk:
        return cls(list(prepared), _documents(prepared),
                   [_json(p.metadata) if p.meta_json is None else p.meta_json for p in prepared])


def _sqlite_time(when: dt.datetime) -> str:
    # SQLAlchemy's storage format for DateTime on SQLite (UTCDateTime stores naive UTC).
    return when.astimezone(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _documents(prepared: Sequence[Any]) -> list[str]:
    return [document(p.workflow_id, p.drop_type, p.metadata, p.text) for p in prepared]


def _rows_where_in(raw, dialect: str, table: str, columns: str, column: str, values: Sequence[Any],
                   scope: tuple[str, str] | None = None, *, binary: bool = False, pg_type: str = "text") -> list[tuple]:
    """``columns`` of the rows of ``table`` whose ``column`` is one of ``values`` (and whose ``scope``
    column has the scope's value): one query on the raw driver, whatever the number of values.
    ``table`` and the column names are this module's constants. ``binary``: PostgreSQL sends the
    results in binary form (bytea as it is stored, not hex text); ``pg_type``: the values' type there."""
    if not values:
        return []
    if dialect == "sqlite":
        where = f"{scope[0]} = ? AND " if scope else ""
        sql = f"SELECT {columns} FROM {table} WHERE {where}{column} IN (SELECT value FROM json_each(?))"
        rows = raw.execute(sql, (*scope[1:], json.dumps(list(values))) if scope else (json.dumps(list(values)),))
    else:
        where = f"{scope[0]} = %s AND " if scope else ""
        sql = f"SELECT {columns} FROM {table} WHERE {where}{column} = ANY(%b::{pg_type}[])"  # binary: no escaping
        rows = raw.cursor(binary=binary).execute(sql, (*scope[1:], list(values)) if scope else (list(values),))
    return rows.fetchall()


def _present(raw, dialect: str, table: str, column: str, values: Sequence[str],
             scope: tuple[str, str] | None = None) -> set[str]:
    """Which of ``values`` ``table.column`` holds (in rows whose ``scope`` column has the scope's value)."""
    return {r[0] for r in _rows_where_in(raw, dialect, table, column, column, values, scope)}


def stored_vectors(raw, dialect: str, model_id: str, hashes: Sequence[str]) -> list[tuple[str, bytes, int]]:
    """(content hash, float32 bytes, chunks) of the ``embeddings`` rows of these hashes for
    ``model_id``: one query (an ``IN`` list of 500 a page cost PostgreSQL 10x more at 10,000)."""
    return _rows_where_in(raw, dialect, "embeddings", "content_hash, vector, chunks", "content_hash", hashes,
                          ("model_id", model_id), binary=True)


def live_drops(raw, dialect: str, workspace: str, drop_ids: Sequence[int]) -> dict[int, str]:
    """drop id -> current content hash of those of these drops alive in ``workspace``: one query."""
    rows = _rows_where_in(raw, dialect, "drops", "id, content_hash, deleted_at", "id", list(drop_ids),
                          ("workspace", workspace), pg_type="int8")
    return {int(i): h for i, h, gone in rows if gone is None}


def known_hashes(raw, dialect: str, hashes: Sequence[str]) -> set[str]:
    """Which of these content hashes ``blobs`` holds already."""
    return _present(raw, dialect, "blobs", "hash", hashes)


def known_workflows(raw, dialect: str, workspace: str, workflow_ids: Sequence[str]) -> set[str]:
    """Which of these workflows ``workflows`` holds already for ``workspace``."""
    return _present(raw, dialect, "workflows", "workflow_id", workflow_ids, ("workspace", workspace))


def insert_workflows(raw, dialect: str, workspace: str, workflow_ids: Sequence[str], forked_from: str | None,
                     now: dt.datetime) -> None:
    """``workflows`` rows for these ids (one that exists already, written by a concurrent writer, is
    left alone): one statement on the raw driver."""
    if not workflow_ids:
        return
    if dialect == "sqlite":
        when = _sqlite_time(now)
        raw.executemany("INSERT OR IGNORE INTO workflows (workspace, workflow_id, forked_from, created_at) "
                        "VALUES (?, ?, ?, ?)", [(workspace, w, forked_from, when) for w in workflow_ids])
        return
    raw.cursor().execute("INSERT INTO workflows (workspace, workflow_id, forked_from, created_at) "
                         "SELECT %s, w, %s::text, %s FROM unnest(%b::text[]) AS w ON CONFLICT DO NOTHING",
                         (workspace, forked_from, now, list(workflow_ids)))


def sqlite_insert(raw, workspace: str, chunk: Chunk, blobs: Sequence[Any], now: dt.datetime, op: str,
                  forked_from: Sequence[int | None] | None) -> list[int]:
    """Insert drops (and their blobs, versions, full text, outbox rows); return their ids in order.

    The caller holds SQLite's write lock (BEGIN IMMEDIATE), so ids can be allotted here:
    AUTOINCREMENT's counter moves with explicit ids too. (One ``INSERT ... SELECT`` over
    ``json_each`` per table, so that SQLite would work with the GIL released for a whole chunk,
    measured slower than ``executemany``: 0.90 s against 0.72 s of the writing thread's CPU per
    10,000 drops, the JSON costing more than the binding it saves.)
    """
    prepared = chunk.prepared
    when = _sqlite_time(now)
    if blobs:
        raw.executemany("INSERT OR IGNORE INTO blobs (hash, size, stored_size, codec, data, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        ((p.hash, len(p.raw), len(p.stored), p.codec, p.stored, when) for p in blobs))
    seq = raw.execute("SELECT seq FROM sqlite_sequence WHERE name = 'drops'").fetchone()
    top = raw.execute("SELECT COALESCE(MAX(id), 0) FROM drops").fetchone()[0]
    first = max(seq[0] if seq else 0, top) + 1
    ids = list(range(first, first + len(prepared)))
    metas = chunk.metas
    parents = forked_from or [None] * len(prepared)
    raw.executemany(
        "INSERT INTO drops (id, workspace, workflow_id, capsule_id, drop_type, version, content_hash, size, "
        "metadata, created_at, updated_at, created_by, forked_from) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
        ((i, workspace, p.workflow_id, p.capsule_id, p.drop_type, p.hash, len(p.raw), m, when, when, p.created_by, f)
         for i, p, m, f in zip(ids, prepared, metas, parents)))
    # The version and change-log rows repeat the drop rows just written: one INSERT ... SELECT each,
    # which SQLite runs for the whole chunk without coming back to Python (nor taking the GIL).
    last = ids[-1]
    raw.execute(
        "INSERT INTO drop_versions (drop_id, version, content_hash, metadata, op, message, created_at, created_by) "
        "SELECT id, 1, content_hash, metadata, ?, CASE WHEN forked_from IS NOT NULL "
        "THEN 'forked from drop ' || forked_from END, created_at, created_by FROM drops "
        "WHERE id BETWEEN ? AND ? ORDER BY id", (op, first, last))
    raw.executemany("INSERT INTO drops_fts (rowid, body) VALUES (?, ?)", zip(ids, chunk.docs))
    raw.execute("INSERT INTO changes (drop_id, workspace, op, version, content_hash, created_at) "
                "SELECT id, workspace, 'upsert', 1, content_hash, created_at FROM drops "
                "WHERE id BETWEEN ? AND ? ORDER BY id", (first, last))
    return ids


_TSV = "to_tsvector('english'::regconfig, doc)"  # a drop's tsvector, as search.pg_tsvector makes it


def pg_tsvectors(raw, docs: Sequence[str]) -> list[bytes]:
    """The tsvectors of these documents in PostgreSQL's binary form, computed by the server this
    connection talks to.

    ``to_tsvector`` is most of what a drop costs PostgreSQL (~2 s of CPU per 10,000 documents of
    2 KB) and is a pure function: connections of their own compute the next chunks' while the
    writing transaction copies this one's in. The binary form goes back as it came (binary
    ``COPY``), which the server reads far faster than it parses the text form."""
    cur = raw.cursor(binary=True)
    # %b: the documents go as a binary text[] (lengths, then the bytes as they are), which neither
    # side escapes nor scans for quotes: 0.06 s of the server's and 0.08 s of this process's CPU
    # per 10,000 documents of 2 KB against the text form of the array.
    cur.execute(f"SELECT {_TSV} FROM unnest(%b::text[]) WITH ORDINALITY AS d(doc, n) ORDER BY n", (list(docs),))
    return [r[0] for r in cur.fetchall()]


class _JsonbText(str):
    """Only a key to register the dumper under: ``set_types`` picks dumpers by type oid."""


class _TsvBytes(bytes):
    """The same, for fetched tsvectors."""


def _binary_dumpers():
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    class JsonbText(Dumper):
        format = Format.BINARY
        oid = 3802  # jsonb: a version byte, then the JSON text

        def dump(self, obj: str) -> bytes:
            return b"\x01" + obj.encode("utf-8")

    class TsvBytes(Dumper):
        format = Format.BINARY
        oid = 3614  # tsvector, as pg_tsvectors fetched it

        def dump(self, obj: bytes) -> bytes:
            return obj

    return JsonbText, TsvBytes


def _binary_cursor(raw):
    """A cursor whose binary ``COPY`` (typed by ``set_types``) takes JSON text for a jsonb column
    and a tsvector in the binary form :func:`pg_tsvectors` fetched it, as they are."""
    cur = raw.cursor()
    jsonb, tsv = _binary_dumpers()
    cur.adapters.register_dumper(_JsonbText, jsonb)
    cur.adapters.register_dumper(_TsvBytes, tsv)
    return cur


_DROP_TYPES = ["int8", "text", "text", "text", "text", "int4", "text", "int8", "jsonb", "timestamptz", "timestamptz",
               "text", "int8", "tsvector"]
_VERSION_TYPES = ["int8", "int4", "text", "jsonb", "text", "text", "timestamptz", "text"]
_CHANGE_TYPES = ["int8", "text", "text", "int4", "text", "timestamptz"]


def pg_insert(raw, workspace: str, chunk: Chunk, blobs: Sequence[Any], now: dt.datetime, op: str,
              forked_from: Sequence[int | None] | None) -> list[int]:
    """The same on PostgreSQL: binary ``COPY`` straight into ``drops``, ``drop_versions`` and ``changes``.

    Blobs go in one ``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING`` of binary arrays
    (a concurrent writer may store the same content first). The tsvectors come with the chunk when they were
    computed ahead on another connection (:func:`pg_tsvectors`); otherwise this one computes them.
    Binary ``COPY``: each value goes in the form the server stores, typed by ``set_types``
    (the client formats a third of what text ``COPY`` costs it, the server parses nothing)."""
    cur = _binary_cursor(raw)
    if blobs:
        # One INSERT of binary arrays (no staging table to fill and truncate per chunk).
        cur.execute("INSERT INTO blobs (hash, size, stored_size, codec, data, created_at) "
                    "SELECT h, s, ss, c, d, %b FROM unnest(%b::text[], %b::int8[], %b::int8[], %b::text[], "
                    "%b::bytea[]) AS b(h, s, ss, c, d) ON CONFLICT (hash) DO NOTHING",
                    (now, [p.hash for p in blobs], [len(p.raw) for p in blobs], [len(p.stored) for p in blobs],
                     [p.codec for p in blobs], [p.stored for p in blobs]))
    prepared = chunk.prepared
    tsvectors = chunk.tsvectors if chunk.tsvectors is not None else pg_tsvectors(raw, chunk.docs)
    cur.execute("SELECT nextval(pg_get_serial_sequence('drops', 'id')) FROM generate_series(1, %s)",
                (len(prepared),))
    ids = sorted(r[0] for r in cur.fetchall())
    parents = forked_from or [None] * len(prepared)
    metas = chunk.metas
    with cur.copy("COPY drops (id, workspace, workflow_id, capsule_id, drop_type, version, content_hash, size, "
                  "metadata, created_at, updated_at, created_by, forked_from, search_tsv) "
                  "FROM STDIN (FORMAT BINARY)") as cp:
        cp.set_types(_DROP_TYPES)
        for i, p, m, f, tsv in zip(ids, prepared, metas, parents, tsvectors):
            cp.write_row((i, workspace, p.workflow_id, p.capsule_id, p.drop_type, 1, p.hash, len(p.raw), m,
                          now, now, p.created_by, f, tsv))
    with cur.copy("COPY drop_versions (drop_id, version, content_hash, metadata, op, message, created_at, "
                  "created_by) FROM STDIN (FORMAT BINARY)") as cp:
        cp.set_types(_VERSION_TYPES)
        for i, p, m, f in zip(ids, prepared, metas, parents):
            cp.write_row((i, 1, p.hash, m, op, f"forked from drop {f}" if f else None, now, p.created_by))
    with cur.copy("COPY changes (drop_id, workspace, op, version, content_hash, created_at) "
                  "FROM STDIN (FORMAT BINARY)") as cp:
        cp.set_types(_CHANGE_TYPES)
        for i, p in zip(ids, prepared):
            cp.write_row((i, workspace, "upsert", 1, p.hash, now))
    return ids


def known_vectors(raw, dialect: str, model_id: str, hashes: Sequence[str]) -> set[str]:
    """Which of these contents have a vector (or the no-vector marker) for ``model_id`` already."""
    return _present(raw, dialect, "embeddings", "content_hash", hashes, ("model_id", model_id))


def insert_vectors(raw, dialect: str, model_id: str, dim: int, rows: Sequence[tuple[str, bytes, int]],
                   now: dt.datetime) -> None:
    """``embeddings`` rows (content hash, float32 bytes, chunks) for one model on the raw driver:
    one ``executemany`` (SQLite) or one binary ``COPY`` (PostgreSQL, through a staging table for
    ``ON CONFLICT DO NOTHING``). A content already embedded keeps its vector."""
    if not rows:
        return
    if dialect == "sqlite":
        when = _sqlite_time(now)
        raw.executemany("INSERT OR IGNORE INTO embeddings (content_hash, model_id, dim, vector, chunks, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)", [(h, model_id, dim, vec, chunks, when) for h, vec, chunks in rows])
        return
    cur = raw.cursor()
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS qldrops_stage_vectors (content_hash text, vector bytea, chunks int4) "
                "ON COMMIT DELETE ROWS")
    with cur.copy("COPY qldrops_stage_vectors (content_hash, vector, chunks) FROM STDIN (FORMAT BINARY)") as cp:
        cp.set_types(["text", "bytea", "int4"])
        for row in rows:
            cp.write_row(row)
    cur.execute("INSERT INTO embeddings (content_hash, model_id, dim, vector, chunks, created_at) "
                "SELECT content_hash, %s, %s, vector, chunks, %s FROM qldrops_stage_vectors "
                "ON CONFLICT (content_hash, model_id) DO NOTHING", (model_id, dim, now))
    cur.execute("TRUNCATE qldrops_stage_vectors")


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
