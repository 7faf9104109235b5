"""The hot read path, ``store.get(id)``, on the raw driver.

SQLAlchemy's pool checkout, BEGIN and result machinery cost ~100 µs per call,
ten times a primary-key lookup in SQLite. ``get`` is what dashboards and the
similarity check call most, so it runs one prepared statement on a per-thread
raw connection in autocommit mode (every statement sees the latest commit).
Any driver error falls back to the SQLAlchemy path, which translates errors.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from typing import Any

import sqlalchemy as sa

SQL = ("SELECT d.id, d.workspace, d.workflow_id, d.capsule_id, d.drop_type, d.version, d.content_hash, d.size, "
       "d.metadata, d.created_at, d.updated_at, d.created_by, d.deleted_at, d.forked_from, b.codec, b.data "
       "FROM drops d JOIN blobs b ON b.hash = d.content_hash WHERE d.id = {p} AND d.workspace = {p}")
# The similarity check (qldrops/index/query.py): the candidates that are alive in this workspace, in
# one statement. On SQLite the filter sits inside coalesce() so only the primary key can drive the
# lookup (without ANALYZE statistics SQLite would otherwise scan a (workspace, ...) index).
ALIVE_FIELDS = "d.id, d.workflow_id, d.drop_type, d.version, d.content_hash, d.metadata, d.created_at, " \
    "d.updated_at, d.capsule_id"
_ALIVE_SQLITE = "SELECT " + ALIVE_FIELDS + "{vec} FROM drops d{join} WHERE d.id IN ({marks}) " \
    "AND coalesce(d.workspace = ? AND d.deleted_at IS NULL, 0)"
_ALIVE_PG = "SELECT " + ALIVE_FIELDS + "{vec} FROM drops d{join} WHERE d.id = ANY(%s) " \
    "AND d.workspace = %s AND d.deleted_at IS NULL"
_VEC_JOIN = " LEFT JOIN embeddings e ON e.content_hash = d.content_hash AND e.model_id = {p}"
COLUMNS = ("id", "workspace", "workflow_id", "capsule_id", "drop_type", "version", "content_hash", "size",
           "metadata", "created_at", "updated_at", "created_by", "deleted_at", "forked_from", "codec", "data")


class FastReader:
    def __init__(self, url: str, dialect: str):
        self.url = sa.make_url(url)
        self.dialect = dialect
        self._local = threading.local()
        self._lock = threading.Lock()
        self._conns: list[Any] = []
        self._pid = os.getpid()
        self.sql = SQL.format(p="?" if dialect == "sqlite" else "%s")

    def _conn(self):
        if os.getpid() != self._pid:  # a forked child must not share the parent's sockets
            self._local = threading.local()
            self._conns = []
            self._pid = os.getpid()
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.dialect == "sqlite":
                import sqlite3

                if not self.url.database:  # in memory: another connection would open another database
                    raise ValueError("no fast path to an in-memory SQLite database")
                conn = sqlite3.connect(self.url.database, timeout=30, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA busy_timeout=30000")
                conn.execute("PRAGMA cache_size=-65536")  # the engine's page cache and mmap (store/db.py)
                conn.execute("PRAGMA mmap_size=268435456")
            else:
                import psycopg

                conn = psycopg.connect(self.url.set(drivername="postgresql").render_as_string(hide_password=False),
                                       autocommit=True, connect_timeout=10)
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def fetch(self, drop_id: int, workspace: str) -> dict[str, Any] | None:
        conn = self._conn()
        if self.dialect == "sqlite":
            row = conn.execute(self.sql, (drop_id, workspace)).fetchone()
        else:
            row = conn.execute(self.sql, (drop_id, workspace), prepare=True).fetchone()
        if row is None:
            return None
        rec = dict(zip(COLUMNS, row))
        if self.dialect == "sqlite":
            rec["metadata"] = json.loads(rec["metadata"])
            for key in ("created_at", "updated_at", "deleted_at"):
                if rec[key] is not None:
                    rec[key] = dt.datetime.fromisoformat(rec[key]).replace(tzinfo=dt.timezone.utc)
        else:
            for key in ("created_at", "updated_at", "deleted_at"):
                if rec[key] is not None:
                    rec[key] = rec[key].astimezone(dt.timezone.utc)
        return rec

    def alive(self, ids: list[int], workspace: str, model_id: str | None = None) -> list[tuple]:
        """Rows (``ALIVE_FIELDS``) of these drops that are alive in ``workspace``, raw from the driver.

        With ``model_id`` each row ends with the stored vector of its content (bytes, or None when
        not embedded with that model): what an index with approximate scores re-ranks with.
        """
        conn = self._conn()
        vec = ", e.vector" if model_id is not None else ""
        if self.dialect == "sqlite":
            join = _VEC_JOIN.format(p="?") if model_id is not None else ""
            sql = _ALIVE_SQLITE.format(vec=vec, join=join, marks=",".join("?" * len(ids)))
            head: tuple = (model_id,) if model_id is not None else ()
            return conn.execute(sql, (*head, *ids, workspace)).fetchall()
        join = _VEC_JOIN.format(p="%s") if model_id is not None else ""
        head = (model_id,) if model_id is not None else ()
        return conn.execute(_ALIVE_PG.format(vec=vec, join=join), (*head, list(ids), workspace),
                            prepare=True).fetchall()

    def changes_after(self, seq: int, xmin: int | None) -> bool:
        """Whether the change log holds a committed row the mirror has not applied (one index probe).

        Same condition as the index sync's read (qldrops/index/sync.py): on PostgreSQL rows of
        transactions that were still in flight at the last sync count too.
        """
        conn = self._conn()
        if self.dialect == "sqlite":
            return conn.execute("SELECT EXISTS (SELECT 1 FROM changes WHERE seq > ?)", (seq,)).fetchone()[0] == 1
        if xmin is None:
            row = conn.execute("SELECT EXISTS (SELECT 1 FROM changes WHERE seq > %s)", (seq,), prepare=True)
        else:
            row = conn.execute("SELECT EXISTS (SELECT 1 FROM changes WHERE seq > %s) "
                               "OR EXISTS (SELECT 1 FROM changes WHERE txid >= %s)", (seq, xmin), prepare=True)
        return bool(row.fetchone()[0])

    def reset(self) -> None:
        """Drop this thread's connection (after an error)."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._lock:
                if conn in self._conns:
                    self._conns.remove(conn)
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail; it is gone either way
                pass

    def close(self) -> None:
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            try:
                c.close()
            except Exception:  # noqa: BLE001
                pass
        self._local = threading.local()
