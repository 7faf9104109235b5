"""The drop store: the one front door (``qldrops.connect()``) and the drop operations.

Every write runs in one transaction that also writes the change log (the outbox
the index mirror follows, ARCHITECTURE invariant 2). Batch first: ``put_many``
is the real code path and ``put`` wraps it.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import datetime as dt
import itertools
import json
import logging
import queue
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Callable, Generator, Iterable, Iterator, Mapping, Protocol, Sequence, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from ..errors import (BatchError, ConfigurationError, Conflict, Deleted, MergeConflict, NotFound, QldropsError,
                      ValidationError)
from ..settings import Settings
from . import blobs as blobcodec
from . import bulk
from . import merge as merging
from . import objects as objstore
from . import schema as t
from . import search as fts
from . import types as dtypes
from .cache import PageCache, make_cache, table_position, workflow_position, workspace_position
from .db import _WRITE, insert_ignore, safe_url, translate_errors
from .fastget import FastReader
from .io import export_jsonl, import_jsonl
from .models import Diff, Drop, DropList, Listing, SearchHit, Version
from .timeparse import aware, parse_since

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection

    from .watch import Position

log = logging.getLogger(__name__)
T = TypeVar("T")

# Namespace of the two-key advisory locks taken by fork_workflow (PostgreSQL); the
# migration lock in db.py uses the one-key form.
_FORK_LOCK = 7202612

# Drops per round of put_many: one chunk is written while a worker thread prepares the next.
_CHUNK = 500
# PostgreSQL: connections computing the next chunks' tsvectors beside the writing one (put_many).
_TSV_HELPERS = 2
# put_many's last chunk is cut into this many smaller ones (see _rounds).
_TAIL = 4

_CONTROL = re.compile(r"[\x00-\x1f]")
_DROP_FIELDS = {"workflow_id", "drop_type", "artifact", "metadata", "capsule_id", "created_by"}


@dataclass(slots=True)  # not frozen: object.__setattr__ per field cost more than the rest of the object
class _Prepared:
    workflow_id: str
    drop_type: str
    capsule_id: str | None
    created_by: str | None
    raw: bytes
    text: str
    hash: str
    codec: str
    stored: bytes
    metadata: dict[str, Any]
    meta_json: str | None = None  # the metadata's JSON text, when validation made it already


def _rounds(n: int, tail: int = 1) -> list[tuple[int, int]]:
    """put_many's chunks of ``n`` items: ``_CHUNK`` at a time, the last ``_CHUNK`` in ``tail`` smaller
    ones. On PostgreSQL (``tail=_TAIL``) the last chunk is written after the helpers have no
    tsvectors left to compute, with nothing beside it: the smaller it is, the less of the machine
    idles. (SQLite has no helpers: its writer works alone at the end whatever the size.)"""
    bounds = list(range(0, n, _CHUNK))
    if len(bounds) < 2:
        return [(0, n)]
    last = bounds.pop()
    step = max(1, -(-(n - last) // tail))
    return list(zip(bounds, bounds[1:] + [last])) + [(s, min(s + step, n)) for s in range(last, n, step)]


class Caller(Protocol):
    """Who a store acts for (the sharing layer's ``Principal``); the store only reads these."""

    @property
    def actor(self) -> str: ...

    @property
    def workspace(self) -> str | None: ...


AccessCheck = Callable[[str], None]
PurgeHook = Callable[[sa.Connection, int], None]
ListColumns = Callable[[sa.Connection, Sequence[Drop]], dict[int, dict[str, Any]]]
# (conn, drop_id, old_version, new_version, old_text, new_text), inside the writing transaction
NewVersionHook = Callable[[sa.Connection, int, int, int, str, str], None]
MAX_CONTRIBUTORS = 50


class DropStore:
    """Drops, versions, blobs and the change log on SQLite or PostgreSQL.

    The bottom layer: it imports nothing from the packages above it. What those
    packages add reaches it through three typed hooks set by whoever composes the
    store (:mod:`qldrops.client`): ``access_check`` (called with an action on every
    read and write while a ``principal`` is set), ``on_purge`` (called inside the
    purge transaction, so a package erases its own rows about the drop),
    ``list_columns`` (extra columns for listings, read in the listing's connection)
    and ``on_new_version`` (called inside every transaction that writes a new
    version, e.g. so line comments follow their lines).
    """

    def __init__(self, engine: sa.Engine, settings: Settings, *, workspace: str | None = None, url: str = ""):
        self.engine = engine
        self.settings = settings
        self.url = url or str(engine.url)
        self.workspace: str = workspace or settings.workspace
        self.dialect: str = engine.dialect.name
        self.tables = t
        self.clock: Callable[[], dt.datetime] = t.now
        self.principal: Caller | None = None  # who is calling; None: the trusted local process
        self.access_check: AccessCheck | None = None
        self.on_purge: list[PurgeHook] = []
        self.list_columns: list[ListColumns] = []
        self.on_new_version: list[NewVersionHook] = []
        self._types: dict[str, dict | None] | None = None
        self._fast: FastReader | None = None  # made on first get()
        # Large artifacts (QLDROPS_OBJECT_STORE_URL): no network until the first one is written or read.
        self.objects: objstore.ObjectStore | None = (
            objstore.connect(settings.object_store_url, timeout=settings.object_store_timeout)
            if settings.object_store_url else None)
        self._cache: PageCache | None = None  # made on first use (store.cache)

    # ------------------------------------------------------------------ plumbing
    def __repr__(self) -> str:
        return f"<qldrops.Store {safe_url(self.url)} workspace={self.workspace!r}>"

    def in_workspace(self, workspace: str) -> DropStore:
        """A reader of ``workspace`` on the same engine, for a caller that already checked access.

        The sharing layer reads a share link's drops through it (the link was checked;
        the grant is the link's workflow). It has no principal and no hooks: never hand
        it to user code.
        """
        view = copy.copy(self)
        view.workspace, view.principal, view.access_check = workspace, None, None
        view.on_purge, view.list_columns = [], list(self.list_columns)
        view.on_new_version = list(self.on_new_version)
        return view

    def now(self) -> dt.datetime:
        """The current time as this store sees it (tests move ``store.clock``), always aware UTC."""
        return aware(self.clock(), what="store.clock()")

    def close(self) -> None:
        if self._fast is not None:
            self._fast.close()
        if self.dialect == "sqlite":
            # SQLite's advice: let it refresh planner statistics before closing (cheap, bounded).
            with contextlib.suppress(Exception), self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA optimize")
        self.engine.dispose()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextlib.contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[sa.Connection]:
        """One write transaction; driver errors come out as QldropsErrors.

        ``durable=False`` is for analytics (view counts, events): the commit is still atomic, but
        does not wait for the disk flush (SQLite: synchronous=NORMAL for that commit; PostgreSQL:
        synchronous_commit off). A power cut may forget the last few events; never a drop.
        """
        with translate_errors(self.url):
            with self.engine.connect().execution_options(**{_WRITE: True}) as conn:
                relaxed = not durable and self.dialect == "sqlite"
                if relaxed:
                    _dbapi(conn).execute("PRAGMA synchronous=NORMAL")
                try:
                    with conn.begin():
                        if not durable and self.dialect == "postgresql":
                            conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                        yield conn
                finally:
                    if relaxed:
                        _dbapi(conn).execute("PRAGMA synchronous=FULL")

    @contextlib.contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        with translate_errors(self.url):
            with self.engine.connect() as conn:
                yield conn

    def log_change(self, conn: sa.Connection, drop_id: int, op: str, version: int | None,
                   content_hash: str | None) -> None:
        self._log_changes(conn, [(drop_id, op, version, content_hash)])

    def _log_changes(self, conn: sa.Connection, rows: Sequence[tuple[int, str, int | None, str | None]]) -> None:
        if not rows:
            return
        now = self.clock()
        conn.execute(t.changes.insert(), [
            {"drop_id": d, "workspace": self.workspace, "op": op, "version": v, "content_hash": h, "created_at": now}
            for d, op, v, h in rows
        ])
        if self.dialect == "postgresql":
            # Delivered at commit, so a listener never wakes before the rows are visible.
            conn.execute(sa.text("SELECT pg_notify('qldrops_changes', :ws)"), {"ws": self.workspace})

    def read_artifacts(self, content_hashes: Iterable[str]) -> dict[str, str]:
        """Many artifacts by content hash in one read per 500 (the embedder's batches). Missing hashes are absent."""
        hashes = list(dict.fromkeys(content_hashes))
        out: dict[str, str] = {}
        b = t.blobs.c
        with self.reading() as conn:
            for i in range(0, len(hashes), 500):
                for h, codec, data in conn.execute(sa.select(b.hash, b.codec, b.data).where(
                        b.hash.in_(hashes[i:i + 500]))):
                    out[h] = blobcodec.decode(codec, data).decode("utf-8")
        return out

    def read_artifact(self, content_hash: str) -> str:
        with self.reading() as conn:
            row = conn.execute(sa.select(t.blobs.c.codec, t.blobs.c.data).where(t.blobs.c.hash == content_hash)).first()
        if row is None:
            raise NotFound(f"no content with hash {content_hash[:12]}…",
                           hint="it was erased with its last drop (purge) or never stored: re-read the drop "
                                "(store.get) for its current content hash")
        return self.blob_bytes(row.codec, row.data, content_hash).decode("utf-8")

    # ------------------------------------------------------------------ types
    def _load_types(self, conn: sa.Connection | None = None) -> dict[str, dict | None]:
        types: dict[str, dict | None] = {name: dtypes.builtin_schema(name) for name in dtypes.BUILTIN_TYPES}
        with contextlib.ExitStack() as stack:
            c = conn or stack.enter_context(self.reading())
            for row in c.execute(sa.select(t.drop_types.c.name, t.drop_types.c.schema)):
                types.setdefault(row.name, row.schema)
        self._types = types
        return types

    def _schema_for(self, drop_type: str, conn: sa.Connection | None = None) -> dict | None:
        dtypes.check_type_name(drop_type) if isinstance(drop_type, str) and drop_type else None
        types = self._types if self._types is not None else self._load_types(conn)
        if drop_type not in types:
            types = self._load_types(conn)  # another process may have registered it
        if drop_type not in types:
            raise dtypes.unknown_type(str(drop_type), list(types))
        return types[drop_type]

    def register_type(self, name: str, *, schema: dict | None = None, description: str = "") -> None:
        """Accept drops of a new type. ``schema`` is an optional JSON schema for its metadata."""
        dtypes.check_type_name(name)
        if name in dtypes.BUILTIN_TYPES:
            raise Conflict(f"{name!r} is a built-in drop type", hint="pick another name")
        if schema is not None:
            dtypes.check_schema(schema)
        with self.transaction() as conn:
            exists = conn.execute(sa.select(t.drop_types.c.name).where(t.drop_types.c.name == name)).first()
            if exists:
                conn.execute(t.drop_types.update().where(t.drop_types.c.name == name)
                             .values(schema=schema, description=description))
            else:
                conn.execute(t.drop_types.insert().values(name=name, builtin=False, schema=schema,
                                                          description=description, created_at=self.clock()))
        self._types = None

    def types(self) -> Listing[dict]:
        types = self._load_types()
        return Listing(
            [{"name": n, "builtin": n in dtypes.BUILTIN_TYPES, "description": dtypes.DESCRIPTIONS.get(n, "")}
             for n in sorted(types)],
            columns=("name", "builtin", "description"),
        )

    # ------------------------------------------------------------------ validation
    def _prepare(self, item: Mapping[str, Any], conn: sa.Connection | None = None) -> _Prepared:
        if type(item) is not dict and not isinstance(item, Mapping):  # the ABC check costs 1 µs
            raise ValidationError(f"a drop must be a dict, not {type(item).__name__}")
        unknown = set(item) - _DROP_FIELDS
        if unknown:
            raise ValidationError(f"unknown field(s) {', '.join(sorted(unknown))}",
                                  hint=f"a drop has the fields {', '.join(sorted(_DROP_FIELDS))}")
        workflow_id = _check_name("workflow_id", item.get("workflow_id"))
        drop_type = item.get("drop_type")
        if not isinstance(drop_type, str) or not drop_type:
            raise ValidationError("drop_type is required", hint="e.g. drop_type='code_generation'")
        schema = self._schema_for(drop_type, conn)
        capsule = item.get("capsule_id")
        capsule = None if capsule is None else _check_name("capsule_id", capsule)
        created_by = item.get("created_by")
        created_by = None if created_by is None else _check_name("created_by", created_by)
        text, raw = self._artifact_bytes(item.get("artifact"))
        metadata, meta_json = dtypes.metadata_json(drop_type, item.get("metadata"), schema)
        return self._pack(workflow_id, drop_type, capsule, created_by, text, raw, metadata, meta_json)

    def _pack(self, workflow_id, drop_type, capsule, created_by, text, raw, metadata,
              meta_json: str | None = None) -> _Prepared:
        h = blobcodec.content_hash(raw)
        if self.objects is not None and len(raw) >= self.settings.object_store_min_bytes:
            codec, stored = objstore.CODEC, b""  # the bytes go to the object store (_upload)
        else:
            codec, stored = blobcodec.encode(raw, min_bytes=self.settings.compress_min_bytes,
                                             level=self.settings.zstd_level)
        return _Prepared(workflow_id, drop_type, capsule, created_by, raw, text, h, codec, stored, metadata,
                         meta_json)

    def _artifact_bytes(self, artifact: Any) -> tuple[str, bytes]:
        if artifact is None:
            raise ValidationError("artifact is required", hint="pass the artifact text (an empty string is allowed)")
        if isinstance(artifact, (bytes, bytearray, memoryview)):
            try:
                artifact = bytes(artifact).decode("utf-8")
            except UnicodeDecodeError as e:
                raise ValidationError(
                    f"artifact is binary, not UTF-8 text (byte {e.start} is not valid UTF-8)",
                    hint="qldrops stores text artifacts; base64-encode binary files and set "
                         "metadata={'encoding': 'base64'}",
                ) from None
        if not isinstance(artifact, str):
            raise ValidationError(f"artifact must be text (str), not {type(artifact).__name__}")
        if "\x00" in artifact:
            raise ValidationError("artifact contains NUL characters (binary content)",
                                  hint="base64-encode binary files and set metadata={'encoding': 'base64'}")
        try:
            raw = artifact.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError("artifact holds lone surrogate characters and is not valid UTF-8",
                                  hint="decode the source with errors='replace' first") from None
        if len(raw) > self.settings.max_artifact_bytes:
            raise ValidationError(
                f"artifact is {len(raw):,} bytes, over the limit of {self.settings.max_artifact_bytes:,}",
                hint="split it into several drops, or raise QLDROPS_MAX_ARTIFACT_BYTES",
            )
        return artifact, raw

    def blob_bytes(self, codec: str, data: bytes, content_hash: str) -> bytes:
        """The raw bytes of a ``blobs`` row (fetched from the object store when it lives there).

        Whoever reads ``blobs.codec``/``blobs.data`` directly decodes them here, never with
        ``blobs.decode``: a large artifact's row holds no bytes."""
        if codec != objstore.CODEC:
            return blobcodec.decode(codec, data)
        if self.objects is None:
            raise ConfigurationError(
                f"content {content_hash[:12]}… is kept in an object store, but none is configured",
                hint="set QLDROPS_OBJECT_STORE_URL to the store this database was written with")
        return objstore.decode_body(self.objects.get(content_hash))

    def _upload(self, conn: sa.Connection, blobs: Sequence[_Prepared]) -> None:
        """Write the new large blobs to the object store *before* their rows (in the rows' transaction).

        A failure raises, and the transaction rolls back: never a row without its object."""
        large = [p for p in blobs if p.codec == objstore.CODEC]
        if not large:
            return
        assert self.objects is not None  # _pack only chose the codec with a store configured
        objstore.lock_hashes(conn, self.dialect, [p.hash for p in large])
        for p in large:
            self.objects.put(p.hash, objstore.encode_body(p.raw, self.settings.zstd_level))

    # ------------------------------------------------------------------ writes
    def put(self, *, workflow_id: str, drop_type: str, artifact: str, metadata: dict | None = None,
            capsule_id: str | None = None, created_by: str | None = None) -> Drop:
        """Store a new drop (version 1) and return it."""
        item = {"workflow_id": workflow_id, "drop_type": drop_type, "artifact": artifact,
                "metadata": metadata, "capsule_id": capsule_id, "created_by": created_by}
        try:
            return self.put_many([item])[0]
        except BatchError as e:  # one item: its own error says more than "item 0 of 1"
            if e.cause is None:
                raise
            raise e.cause from None

    def put_many(self, items: Iterable[Mapping[str, Any]], *, progress: bool | None = None,
                 _vectors: tuple[str, Any] | None = None, _written: set[str] | None = None) -> DropList:
        """Store many drops in one transaction: all of them, or (on any error) none.

        ``_vectors`` = (model id, one checked float32 row per item), from ``Store.put_many(vectors=)``:
        written to ``embeddings`` in the same transaction (content already embedded keeps its vector);
        ``_written`` receives the content hashes whose vectors this call stored.
        """
        self._authorize("write")
        items = list(items)
        if not items:
            return DropList()
        prepared: list[_Prepared] = []
        drops: list[Drop] = []
        ws = self.workspace
        with contextlib.closing(self._prepared_chunks(items)) as chunks:
            first = next(chunks)  # a bad item in the first chunk is refused before the write lock is taken
            now = self.clock()
            with self.transaction() as conn:
                for chunk in itertools.chain([first], chunks):
                    ids = self._insert_drops(conn, chunk.prepared, now=now, chunk=chunk)
                    # The results are made chunk by chunk, while the next chunk's tsvectors are still being
                    # computed, not after the commit, when nothing else is left to run beside them.
                    drops += [Drop(id=i, workspace=ws, workflow_id=p.workflow_id, drop_type=p.drop_type, version=1,
                                   content_hash=p.hash, size=len(p.raw), artifact=p.text, metadata=p.metadata,
                                   created_at=now, updated_at=now, created_by=p.created_by, capsule_id=p.capsule_id)
                              for i, p in zip(ids, chunk.prepared)]
                    prepared += chunk.prepared
                if _vectors is not None:
                    stored = self._store_vectors(conn, prepared, *_vectors)
                    if _written is not None:
                        _written.update(stored)
        if self.dialect == "sqlite" and len(items) > _CHUNK:
            self._shrink_wal()
        return DropList(drops)

    def _prepared_chunks(self, items: Sequence[Mapping[str, Any]]) -> Generator[bulk.Chunk, None, None]:
        """The items checked, hashed, compressed and given their full-text document, a chunk at a time.

        Past one chunk a worker thread prepares the next chunks while the caller writes this one:
        the database works (SQLite's FTS5 and indexes, PostgreSQL's inserts) with the GIL released,
        so the Python work per drop overlaps it instead of adding to it. On PostgreSQL
        ``_TSV_HELPERS`` threads have the chunks' tsvectors computed ahead on connections of their
        own (``to_tsvector`` is a pure function and most of a drop's cost; those connections write
        nothing), fetched in binary form: the writing transaction copies them in as they are, and
        three server processes run side by side. A bad
        item raises :class:`BatchError` naming it when its chunk is reached; the caller's
        transaction then rolls back whatever earlier chunks wrote.
        """
        n = len(items)
        helpers: queue.SimpleQueue[Any] = queue.SimpleQueue()  # idle helper connections (PostgreSQL)
        opened: list[Any] = []

        def prepare(start: int, stop: int) -> bulk.Chunk:
            out = []
            for i in range(start, stop):
                try:
                    out.append(self._prepare(items[i]))
                except QldropsError as e:
                    raise BatchError(f"item {i} of {n} is invalid: {e.message}", index=i, cause=e) from e
            return bulk.Chunk.of(out)

        def ahead(prepared: Future[bulk.Chunk], part: int) -> list[bytes] | None:
            docs = prepared.result().docs
            step = -(-len(docs) // _TSV_HELPERS)
            docs = docs[part * step:(part + 1) * step]
            return self._tsvectors_ahead(helpers, opened, docs) if docs else []

        if n <= _CHUNK:
            yield prepare(0, n)
            return
        # One thread prepares (it holds the GIL); on PostgreSQL _TSV_HELPERS threads have the
        # tsvectors computed on connections of their own (each waits on the server, GIL released),
        # so chunk k is written while k+1.. get their tsvectors and later ones are checked.
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qldrops-prepare")
        tsv = ThreadPoolExecutor(max_workers=_TSV_HELPERS, thread_name_prefix="qldrops-tsvector")
        try:
            rounds = _rounds(n, _TAIL if self.dialect == "postgresql" else 1)
            futures = [pool.submit(prepare, start, stop) for start, stop in rounds]
            # Each chunk's documents are split between the helpers, so that they all work on the chunk
            # the writer waits for next: the first chunk is ready sooner, and at the end no helper
            # idles while another computes the last chunk alone.
            parts = ([[tsv.submit(ahead, f, k) for k in range(_TSV_HELPERS)] for f in futures]
                     if self.dialect == "postgresql" else [[] for _ in futures])
            for future, ps in zip(futures, parts):
                chunk = future.result()
                if ps:
                    got = [p.result() for p in ps]
                    done = [g for g in got if g is not None]  # a part that failed: the writer computes them all
                    chunk.tsvectors = [v for g in done for v in g] if len(done) == len(got) else None
                yield chunk
        finally:
            for executor in (tsv, pool):
                executor.shutdown(wait=True, cancel_futures=True)
            for conn in opened:
                with contextlib.suppress(Exception):
                    conn.close()

    def _shrink_wal(self) -> None:
        """Give back the disk a big batch took in SQLite's ``-wal`` file, if nobody is reading.

        The commit's own checkpoint already copied the pages into the database; this only
        truncates the file (``journal_size_limit`` would, but only at the next write). It never
        waits: with a reader or writer about, it does nothing."""
        with contextlib.suppress(Exception), self.engine.connect() as conn:
            raw = _dbapi(conn)
            raw.execute("PRAGMA busy_timeout=0")
            try:
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            finally:
                raw.execute("PRAGMA busy_timeout=30000")

    def _tsvectors_ahead(self, helpers: queue.SimpleQueue[Any], opened: list[Any],
                         docs: Sequence[str]) -> list[bytes] | None:
        """The documents' tsvectors from an idle helper connection (one is opened when none is
        idle); None (the writer computes them itself) when no connection is to be had."""
        try:
            conn = helpers.get_nowait()
        except queue.Empty:
            conn = None
        try:
            if conn is None:
                conn = self.engine.connect()
                opened.append(conn)
            raw = conn.connection.dbapi_connection
            out = bulk.pg_tsvectors(raw, docs)
            raw.commit()  # end the read-only transaction the driver opened
            helpers.put(conn)
            return out
        except Exception as e:  # noqa: BLE001 - an optimisation only: the insert computes them if this fails
            log.debug("tsvectors ahead unavailable (%s): the insert computes them", e)
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
            return None

    def _store_vectors(self, conn: sa.Connection, prepared: Sequence[_Prepared], model_id: str,
                       matrix: Any) -> set[str]:
        """The vectors of contents that have none for ``model_id`` yet, in one batch; their hashes."""
        rows: dict[str, tuple[str, bytes, int]] = {}
        vectors = matrix.astype("<f4", copy=False)
        for p, vec in zip(prepared, vectors):
            blank = not p.text.strip()  # a blank artifact gets the no-vector marker, as the indexer writes it
            rows.setdefault(p.hash, (p.hash, b"" if blank else vec.tobytes(), 0 if blank else 1))
        raw = _dbapi(conn)
        known = bulk.known_vectors(raw, self.dialect, model_id, list(rows))
        new = [r for h, r in rows.items() if h not in known]
        bulk.insert_vectors(raw, self.dialect, model_id, int(matrix.shape[1]), new, self.clock())
        return {r[0] for r in new}

    def _new_blobs(self, conn: sa.Connection, prepared: Sequence[_Prepared]) -> list[_Prepared]:
        """One _Prepared per content not stored yet (identical content is stored once)."""
        unique: dict[str, _Prepared] = {}
        for p in prepared:
            unique.setdefault(p.hash, p)
        known = bulk.known_hashes(_dbapi(conn), self.dialect, list(unique))
        return [p for h, p in unique.items() if h not in known]

    def _store_blobs(self, conn: sa.Connection, prepared: Sequence[_Prepared]) -> None:
        now = self.clock()
        new = self._new_blobs(conn, prepared)
        self._upload(conn, new)
        rows = [{"hash": p.hash, "size": len(p.raw), "stored_size": len(p.stored), "codec": p.codec,
                 "data": p.stored, "created_at": now} for p in new]
        if rows:
            conn.execute(insert_ignore(self.dialect, t.blobs), rows)

    def _insert_drops(self, conn: sa.Connection, prepared: Sequence[_Prepared], *, op: str = "put",
                      forked_from: Sequence[int | None] | None = None, now: dt.datetime | None = None,
                      chunk: bulk.Chunk | None = None) -> list[int]:
        """Insert new drops at version 1 with their blobs, versions, full text and outbox rows.

        ``chunk``: ``prepared`` made ready for the database already (documents, JSON, tsvectors)."""
        blobs = self._new_blobs(conn, prepared)
        self._upload(conn, blobs)
        now = now or self.clock()
        self._ensure_workflows(conn, {p.workflow_id for p in prepared})
        raw = conn.connection.dbapi_connection
        chunk = chunk or bulk.Chunk.of(prepared)
        if self.dialect == "sqlite":
            ids = bulk.sqlite_insert(raw, self.workspace, chunk, blobs, now, op, forked_from)
        else:
            ids = bulk.pg_insert(raw, self.workspace, chunk, blobs, now, op, forked_from)
        if self.dialect == "postgresql":
            conn.execute(sa.text("SELECT pg_notify('qldrops_changes', :ws)"), {"ws": self.workspace})
        return ids

    def _ensure_workflows(self, conn: sa.Connection, workflow_ids: set[str], forked_from: str | None = None) -> None:
        raw = _dbapi(conn)
        have = bulk.known_workflows(raw, self.dialect, self.workspace, list(workflow_ids))
        bulk.insert_workflows(raw, self.dialect, self.workspace, sorted(workflow_ids - have), forked_from, self.clock())

    def _lock_current(self, conn: sa.Connection, drop_id: int) -> SimpleNamespace:
        """The drop's current row, locked for the rest of the transaction (PostgreSQL: FOR UPDATE).

        The lock is taken on ``drops`` alone: with a join, PostgreSQL re-checks a row updated by a
        concurrent winner against the *old* joined blob row and would drop it (a false NotFound).
        """
        q = sa.select(*_DROP_COLS).where(t.drops.c.id == _check_id(drop_id), t.drops.c.workspace == self.workspace)
        if self.dialect == "postgresql":
            q = q.with_for_update()
        row = conn.execute(q).first()
        if row is None:
            raise NotFound(f"drop {drop_id} does not exist in workspace {self.workspace!r}",
                           hint="check the id with `qldrops list`")
        blob = conn.execute(sa.select(t.blobs.c.codec, t.blobs.c.data).where(t.blobs.c.hash == row.content_hash)).one()
        return SimpleNamespace(**row._mapping, codec=blob.codec, data=blob.data)

    def _new_version(self, conn: sa.Connection, cur: SimpleNamespace, p: _Prepared, *, op: str, message: str | None,
                     created_by: str | None, contributors: builtins.list[str] | None = None) -> int:
        version = cur.version + 1
        now = self.clock()
        self._store_blobs(conn, [p])
        values = {"version": version, "content_hash": p.hash, "size": len(p.raw), "metadata": p.metadata,
                  "updated_at": now}
        if self.dialect == "postgresql":
            values["search_tsv"] = fts.pg_tsvector(fts.document(cur.workflow_id, cur.drop_type, p.metadata, p.text))
        res = conn.execute(t.drops.update().where(t.drops.c.id == cur.id, t.drops.c.version == cur.version)
                           .values(**values))
        if res.rowcount != 1:  # pragma: no cover - the row lock / BEGIN IMMEDIATE make this unreachable
            raise Conflict(f"drop {cur.id} changed while it was being updated", hint="retry")
        conn.execute(t.drop_versions.insert().values(
            drop_id=cur.id, version=version, content_hash=p.hash, metadata=p.metadata, op=op, message=message,
            created_at=now, created_by=created_by, contributors=contributors or None))
        if self.dialect == "sqlite":
            fts.sqlite_replace(conn, cur.id, _indexed_document(cur),
                               fts.document(cur.workflow_id, cur.drop_type, p.metadata, p.text))
        self._log_changes(conn, [(cur.id, "upsert", version, p.hash)])
        if self.on_new_version and p.hash != cur.content_hash:
            old_text = self.blob_bytes(cur.codec, cur.data, cur.content_hash).decode("utf-8")
            for hook in self.on_new_version:
                hook(conn, cur.id, cur.version, version, old_text, p.text)
        return version

    def update(self, drop_id: int, *, artifact: str | None = None, metadata: dict | None = None,
               expected_version: int | None = None, created_by: str | None = None,
               message: str | None = None) -> Drop:
        """Write a new version. A stale ``expected_version`` raises :class:`Conflict`.

        Unchanged content and metadata write nothing and return the current drop.
        """
        self._authorize("write")
        with self.transaction() as conn:
            self._update(conn, drop_id, artifact, metadata, expected_version, created_by, message)
            return self._written(conn, drop_id)

    def update_many(self, changes: Iterable[Mapping[str, Any]]) -> DropList:
        """Update many drops in one transaction: all of them, or (on any error) none.

        Each change is a mapping with ``id`` and any of ``artifact``, ``metadata``,
        ``expected_version``, ``created_by``, ``message`` (the arguments of :meth:`update`).
        """
        self._authorize("write")
        changes = list(changes)
        allowed = {"id", "artifact", "metadata", "expected_version", "created_by", "message"}
        for i, c in enumerate(changes):
            if not isinstance(c, Mapping) or "id" not in c or set(c) - allowed:
                raise BatchError(f"item {i} of {len(changes)} is not a change: a mapping with 'id' and any of "
                                 f"{', '.join(sorted(allowed - {'id'}))}", index=i)
        if not changes:
            return DropList()
        with self.transaction() as conn:
            out = []
            for i, c in enumerate(changes):
                try:
                    self._update(conn, c["id"], c.get("artifact"), c.get("metadata"), c.get("expected_version"),
                                 c.get("created_by"), c.get("message"))
                    out.append(self._written(conn, c["id"]))
                except QldropsError as e:
                    raise BatchError(f"item {i} of {len(changes)} (drop {c['id']}) failed: {e.message}",
                                     index=i, cause=e) from e
        return DropList(out)

    def delete_many(self, drop_ids: Iterable[int]) -> int:
        """Soft-delete many drops in one transaction (all or, if any id is unknown, none); returns how many changed."""
        self._authorize("write")
        ids = list(dict.fromkeys(_check_id(i) for i in drop_ids))
        if not ids:
            return 0
        d = t.drops.c
        with self.transaction() as conn:
            rows: dict[int, sa.Row] = {}
            for i in range(0, len(ids), 500):
                q = sa.select(d.id, d.version, d.content_hash, d.deleted_at).where(
                    d.id.in_(ids[i:i + 500]), d.workspace == self.workspace)
                if self.dialect == "postgresql":
                    q = q.with_for_update()
                rows.update({int(r.id): r for r in conn.execute(q)})
            missing = [i for i in ids if i not in rows]
            if missing:
                raise NotFound(f"{len(missing)} of {len(ids)} drops do not exist in workspace {self.workspace!r} "
                               f"(first: {missing[0]}); nothing was deleted",
                               hint="check the ids with `qldrops list` and send the batch again")
            live = [rows[i] for i in ids if rows[i].deleted_at is None]
            now = self.clock()
            for i in range(0, len(live), 500):
                conn.execute(t.drops.update().where(d.id.in_([r.id for r in live[i:i + 500]])).values(deleted_at=now))
            self._log_changes(conn, [(int(r.id), "delete", r.version, r.content_hash) for r in live])
        return len(live)

    def _written(self, conn: sa.Connection, drop_id: int) -> Drop:
        """The drop as this transaction left it (still locked): what the write returns.

        Re-reading after the commit could return a later writer's version instead.
        """
        return _drop(self.blob_bytes, conn.execute(_GET_CURRENT, {"id": drop_id, "ws": self.workspace}).one())

    def _update(self, conn: sa.Connection, drop_id: int, artifact: str | None, metadata: dict | None,
                expected_version: int | None, created_by: str | None, message: str | None) -> int:
        cur = self._lock_current(conn, drop_id)
        if cur.deleted_at is not None:
            raise Deleted(f"drop {drop_id} is deleted", hint=f"restore it first: store.restore({drop_id})")
        if expected_version is not None and expected_version != cur.version:
            raise Conflict(
                f"drop {drop_id} is at version {cur.version}, not the expected {expected_version}",
                hint="someone else updated it: re-read it (store.get), merge, and update again",
            )
        if artifact is None:
            raw = self.blob_bytes(cur.codec, cur.data, cur.content_hash)
            text = raw.decode("utf-8")
        else:
            text, raw = self._artifact_bytes(artifact)
        meta = cur.metadata if metadata is None else metadata
        meta = dtypes.validate_metadata(cur.drop_type, meta, self._schema_for(cur.drop_type, conn))
        p = self._pack(cur.workflow_id, cur.drop_type, cur.capsule_id, created_by, text, raw, meta)
        if p.hash == cur.content_hash and meta == cur.metadata:
            return cur.version  # nothing changed: no new version
        return self._new_version(conn, cur, p, op="update", message=message, created_by=created_by)

    def save(self, drop_id: int, artifact: str, *, base_version: int, contributors: Sequence[str] | None = None,
             message: str | None = None, created_by: str | None = None,
             on_saved: Callable[[sa.Connection, int, bool], None] | None = None) -> Drop:
        """Save text edited from ``base_version`` as a new version; never a silent overwrite.

        If the drop moved on since ``base_version`` (a script, another editor), the edits are
        merged three ways into the current version; overlapping edits raise
        :class:`~qldrops.errors.MergeConflict` carrying the marked text, and nothing is written.
        ``contributors`` names who wrote it (kept with the version). Text equal to the
        current version writes nothing and returns the current drop. ``on_saved(conn, version,
        merged)`` runs inside the transaction once a version is written (the sharing layer records
        its event and audit row there, so they commit with the version or not at all).
        """
        self._authorize("write")
        names = _check_contributors(contributors)
        mine, _ = self._artifact_bytes(artifact)  # too big or binary: refused before any write
        if isinstance(base_version, bool) or not isinstance(base_version, int) or base_version < 1:
            raise ValidationError(f"base_version must be a positive integer, not {base_version!r}",
                                  hint="pass the version the edited text was loaded from (Drop.version)")
        with self.transaction() as conn:
            cur = self._lock_current(conn, drop_id)
            if cur.deleted_at is not None:
                raise Deleted(f"drop {drop_id} is deleted", hint=f"restore it first: store.restore({drop_id})")
            if base_version > cur.version:
                raise ValidationError(f"drop {drop_id} has no version {base_version} yet (it is at v{cur.version})",
                                      hint="pass the version the edited text was loaded from")
            text = mine
            if base_version != cur.version:
                base = self._version_row(conn, cur.id, base_version)
                merged = merging.merge(self.blob_bytes(base.codec, base.data, base.content_hash).decode("utf-8"),
                                       self.blob_bytes(cur.codec, cur.data, cur.content_hash).decode("utf-8"), mine,
                                       current_label=f"v{cur.version} (current)", mine_label="your edits")
                if merged.conflicts:
                    raise MergeConflict(
                        f"drop {drop_id} changed since v{base_version} (now v{cur.version}) and "
                        f"{merged.conflicts} of your edits overlap those changes; nothing was saved",
                        conflict_text=merged.text, base_version=base_version, current_version=cur.version)
                text = merged.text
                message = f"{message or 'saved'} (merged with v{cur.version})"
            text, raw = self._artifact_bytes(text)  # the merge may have grown it past the limit
            p = self._pack(cur.workflow_id, cur.drop_type, cur.capsule_id, created_by, text, raw, cur.metadata)
            if p.hash != cur.content_hash:
                version = self._new_version(conn, cur, p, op="update", message=message, created_by=created_by,
                                            contributors=names)
                if on_saved is not None:
                    on_saved(conn, version, base_version != cur.version)
            return self._written(conn, drop_id)

    def rollback(self, drop_id: int, *, to_version: int, expected_version: int | None = None,
                 created_by: str | None = None) -> Drop:
        """A new version equal to ``to_version``; nothing is erased."""
        self._authorize("write")
        with self.transaction() as conn:
            cur = self._lock_current(conn, drop_id)
            if cur.deleted_at is not None:
                raise Deleted(f"drop {drop_id} is deleted", hint=f"restore it first: store.restore({drop_id})")
            if expected_version is not None and expected_version != cur.version:
                raise Conflict(f"drop {drop_id} is at version {cur.version}, not the expected {expected_version}",
                               hint="re-read it and decide again")
            old = self._version_row(conn, drop_id, to_version)
            text = self.blob_bytes(old.codec, old.data, old.content_hash).decode("utf-8")
            p = self._pack(cur.workflow_id, cur.drop_type, cur.capsule_id, created_by, text,
                           text.encode("utf-8"), old.metadata)
            self._new_version(conn, cur, p, op="rollback", message=f"rollback to v{to_version}",
                              created_by=created_by)
            return self._written(conn, drop_id)

    def delete(self, drop_id: int) -> None:
        """Soft delete: hidden from reads and search, restorable with :meth:`restore`."""
        self._authorize("write")
        with self.transaction() as conn:
            cur = self._lock_current(conn, drop_id)
            if cur.deleted_at is not None:
                return
            conn.execute(t.drops.update().where(t.drops.c.id == cur.id).values(deleted_at=self.clock()))
            self._log_changes(conn, [(cur.id, "delete", cur.version, cur.content_hash)])

    def restore(self, drop_id: int) -> Drop:
        self._authorize("write")
        with self.transaction() as conn:
            cur = self._lock_current(conn, drop_id)
            if cur.deleted_at is not None:
                conn.execute(t.drops.update().where(t.drops.c.id == cur.id).values(deleted_at=None))
                self._log_changes(conn, [(cur.id, "upsert", cur.version, cur.content_hash)])
            return self._written(conn, drop_id)

    def purge(self, drop_id: int) -> None:
        """Erase a drop and all its versions for good. Its content stays while other drops share it."""
        self._authorize("admin")
        with self.transaction() as conn:
            cur = self._lock_current(conn, drop_id)
            conn.execute(t.drop_versions.delete().where(t.drop_versions.c.drop_id == cur.id))
            for hook in self.on_purge:  # the packages above erase their own rows about this drop
                hook(conn, cur.id)
            conn.execute(t.drops.delete().where(t.drops.c.id == cur.id))
            if self.dialect == "sqlite":
                fts.sqlite_delete(conn, cur.id, _indexed_document(cur))
            self._log_changes(conn, [(cur.id, "delete", None, None)])
            gone = self._gc(conn)
        if gone:
            self._delete_objects(gone)

    def _gc(self, conn: sa.Connection) -> list[str]:
        """Erase the blobs no version points at; the hashes of those kept in the object store."""
        used = sa.select(t.drop_versions.c.content_hash)
        unused = t.blobs.c.hash.not_in(used)
        external = list(conn.execute(sa.select(t.blobs.c.hash).where(unused, t.blobs.c.codec == objstore.CODEC))
                        .scalars()) if self.objects is not None else []
        conn.execute(t.blobs.delete().where(unused))
        return external

    def _delete_objects(self, hashes: Sequence[str]) -> None:
        """After the purge committed: delete the objects no row came back for meanwhile.

        Under the same per-hash locks as :meth:`_upload`, so a concurrent put of the same content either
        sees its row kept (and its object) or uploads after this delete. A store that is down leaves
        orphans, never a dangling row: ``store.sweep_objects()`` removes them later."""
        assert self.objects is not None
        try:
            with self.transaction() as conn:
                objstore.lock_hashes(conn, self.dialect, hashes)
                back = set(conn.execute(sa.select(t.blobs.c.hash).where(t.blobs.c.hash.in_(list(hashes))))
                           .scalars())
                self.objects.delete([h for h in hashes if h not in back])
        except QldropsError as e:
            log.warning("purged content stays in the object store until `store.sweep_objects()`: %s", e)

    def sweep_objects(self, *, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
        """Delete objects no blob row names (left by failed writes or an unreachable store at purge).

        Only objects older than ``older_than``: a younger one may belong to a write still in flight."""
        self._authorize("admin")
        if self.objects is None:
            return 0
        with self.reading() as conn:
            known = set(conn.execute(sa.select(t.blobs.c.hash).where(t.blobs.c.codec == objstore.CODEC)).scalars())
        orphans = self.objects.orphans(known, older_than)
        if orphans:
            self._delete_objects(orphans)
        return len(orphans)

    def fork_workflow(self, source: str, target: str, *, created_by: str | None = None) -> DropList:
        """Branch a workflow: new drops that share content with the source (copy-on-write), lineage kept."""
        self._authorize("write")
        with self.transaction() as conn:
            ids = self._fork(conn, source, target, created_by)
            return DropList(self._fetch_many(ids, conn))

    def _fork(self, conn: sa.Connection, source: str, target: str, created_by: str | None) -> list[int]:
        _check_name("workflow_id", target)
        if self.dialect == "postgresql":
            # Check-then-insert is a race under READ COMMITTED: forks to one name queue on a
            # transaction-scoped lock, and the count below (a new snapshot) sees the winner's drops.
            # SQLite needs nothing: BEGIN IMMEDIATE already serialises writers.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"),
                         {"ns": _FORK_LOCK, "key": f"{self.workspace}\x1f{target}"})
        taken = conn.execute(sa.select(sa.func.count()).select_from(t.drops).where(
            t.drops.c.workspace == self.workspace, t.drops.c.workflow_id == target)).scalar()
        if taken:
            raise Conflict(f"workflow {target!r} already has drops", hint="choose another name for the fork")
        rows = conn.execute(
            sa.select(*_DROP_COLS, t.blobs.c.codec, t.blobs.c.data)
            .join(t.blobs, t.blobs.c.hash == t.drops.c.content_hash)
            .where(t.drops.c.workspace == self.workspace, t.drops.c.workflow_id == source,
                   t.drops.c.deleted_at.is_(None))
            .order_by(t.drops.c.id)
        ).all()
        if not rows:
            raise NotFound(f"workflow {source!r} has no drops to fork", hint="check the name with `qldrops list`")
        prepared = []
        for r in rows:
            raw = self.blob_bytes(r.codec, r.data, r.content_hash)
            prepared.append(_Prepared(target, r.drop_type, r.capsule_id, created_by or r.created_by,
                                      raw, raw.decode("utf-8"), r.content_hash, r.codec, r.data, r.metadata))
        self._ensure_workflows(conn, {target}, forked_from=source)
        return self._insert_drops(conn, prepared, op="fork", forked_from=[r.id for r in rows])

    # ------------------------------------------------------------------ reads
    def get(self, drop_id: int, version: int | None = None, *, include_deleted: bool = False) -> Drop:
        """The drop's current version (or ``version``). A deleted drop raises :class:`Deleted`."""
        self._authorize("read")
        drop_id = _check_id(drop_id)
        if version is None:
            fast = self._fast_fetch(drop_id)
            if fast is not None:
                if fast.deleted_at is not None and not include_deleted:
                    raise Deleted(f"drop {drop_id} is deleted", hint=f"restore it with store.restore({drop_id})")
                return _drop(self.blob_bytes, fast)
        with self.reading() as conn:
            row = conn.execute(_GET_CURRENT, {"id": drop_id, "ws": self.workspace}).first()
            if row is None:
                raise NotFound(f"drop {drop_id} does not exist in workspace {self.workspace!r}",
                               hint="check the id with `qldrops list`")
            if row.deleted_at is not None and not include_deleted:
                raise Deleted(f"drop {drop_id} is deleted", hint=f"restore it with store.restore({drop_id})")
            if version is None or version == row.version:
                return _drop(self.blob_bytes, row)
            old = self._version_row(conn, drop_id, version)
        return _drop(self.blob_bytes, row, version=old)

    def _fast_reader(self) -> FastReader:
        if self._fast is None:
            self._fast = FastReader(self.url, self.dialect)
        return self._fast

    def changes_pending(self, seq: int, xmin: int | None = None) -> bool:
        """Cheap probe for the index mirror: is there a change after this watermark? (True when unsure.)"""
        try:
            return self._fast_reader().changes_after(seq, xmin)
        except Exception as e:  # noqa: BLE001 - when the probe fails, the full sync decides
            log.debug("change probe failed (%s)", e)
            self._fast_reader().reset()
            return True

    def alive_rows(self, ids: list[int], *, model_id: str | None = None) -> list[tuple] | None:
        """The similarity check's one read: rows of these drops alive in this workspace (raw driver).

        Columns as ``fastget.ALIVE_FIELDS`` (SQLite: metadata as JSON text, times as ISO text),
        plus the stored vector of ``model_id`` when given. None when the raw path is unavailable
        (in-memory SQLite, driver trouble): the caller then asks through SQLAlchemy.
        """
        try:
            return self._fast_reader().alive(ids, self.workspace, model_id)
        except Exception as e:  # noqa: BLE001 - any driver trouble: the slow path reports it properly
            log.debug("fast similarity check failed (%s); using SQLAlchemy", e)
            self._fast_reader().reset()
            return None

    def _fast_fetch(self, drop_id: int) -> SimpleNamespace | None:
        """The raw-driver path for get(); None sends the caller down the SQLAlchemy path."""
        try:
            rec = self._fast_reader().fetch(drop_id, self.workspace)
        except Exception as e:  # noqa: BLE001 - any driver trouble: the slow path reports it properly
            log.debug("fast get failed (%s); using SQLAlchemy", e)
            self._fast_reader().reset()
            return None
        return None if rec is None else SimpleNamespace(**rec)

    def _version_row(self, conn: sa.Connection, drop_id: int, version: int) -> sa.Row:
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ValidationError(f"version must be a positive integer, not {version!r}")
        row = conn.execute(
            sa.select(t.drop_versions, t.blobs.c.codec, t.blobs.c.data, t.blobs.c.size)
            .join(t.blobs, t.blobs.c.hash == t.drop_versions.c.content_hash)
            .where(t.drop_versions.c.drop_id == drop_id, t.drop_versions.c.version == version)
        ).first()
        if row is None:
            raise NotFound(f"drop {drop_id} has no version {version}", hint=f"see store.history({drop_id})")
        return row

    def _fetch_many(self, ids: Sequence[int], conn: sa.Connection | None = None) -> list[Drop]:
        out: dict[int, Drop] = {}
        with contextlib.ExitStack() as stack:
            c = conn or stack.enter_context(self.reading())
            for i in range(0, len(ids), 500):
                chunk = list(ids[i:i + 500])
                for row in c.execute(_SELECT_DROPS.where(t.drops.c.id.in_(chunk))):
                    out[row.id] = _drop(self.blob_bytes, row)
        return [out[i] for i in ids if i in out]

    def get_many(self, ids: Sequence[int]) -> DropList:
        """Current versions of several drops, in the order asked; missing or deleted ones are left out."""
        self._authorize("read")
        return DropList([d for d in self._fetch_many([_check_id(i) for i in ids])
                         if d.workspace == self.workspace and d.deleted_at is None])

    def list(self, workflow_id: str | None = None, drop_type: str | None = None, *,
             metadata: dict | None = None, capsule_id: str | None = None, created_by: str | None = None,
             since: Any = None, until: Any = None, include_deleted: bool = False,
             limit: int | None = None, offset: int = 0) -> DropList:
        """Drops matching every filter given, oldest first. ``.to_frame()`` for a DataFrame."""
        self._authorize("read")
        q = _SELECT_DROPS.where(*self._filters(workflow_id, drop_type, metadata, capsule_id, created_by,
                                               since, until, include_deleted)).order_by(t.drops.c.id)
        if limit is not None:
            q = q.limit(_check_limit(limit))
        if offset:
            q = q.offset(offset)
        with self.reading() as conn:
            drops = [_drop(self.blob_bytes, r) for r in conn.execute(q)]
            extra = self._list_extra(conn, drops)
        return DropList(drops, extra=extra)

    def _list_extra(self, conn: sa.Connection, drops: Sequence[Drop]) -> dict[int, dict[str, Any]]:
        """Columns the layers above add to listings (``list_columns``), e.g. analysis results."""
        extra: dict[int, dict[str, Any]] = {}
        if drops:
            for columns in self.list_columns:
                for drop_id, values in columns(conn, drops).items():
                    extra.setdefault(drop_id, {}).update(values)
        return extra

    def _filters(self, workflow_id, drop_type, metadata, capsule_id, created_by, since, until,
                 include_deleted) -> builtins.list[sa.ColumnElement]:
        conds: list[sa.ColumnElement] = [t.drops.c.workspace == self.workspace]
        if workflow_id is not None:
            conds.append(t.drops.c.workflow_id == workflow_id)
        if drop_type is not None:
            conds.append(t.drops.c.drop_type == drop_type)
        if capsule_id is not None:
            conds.append(t.drops.c.capsule_id == capsule_id)
        if created_by is not None:
            conds.append(t.drops.c.created_by == created_by)
        if metadata:
            conds.extend(_metadata_filter(self.dialect, metadata))
        if since is not None:
            conds.append(t.drops.c.updated_at >= parse_since(since, self.clock()))
        if until is not None:
            conds.append(t.drops.c.updated_at < parse_since(until, self.clock()))
        if not include_deleted:
            conds.append(t.drops.c.deleted_at.is_(None))
        return conds

    def history(self, drop_id: int) -> Listing[Version]:
        """Every version of a drop, oldest first."""
        self._authorize("read")
        with self.reading() as conn:
            self._lock_current(conn, drop_id)  # NotFound for unknown / other-workspace ids
            rows = conn.execute(
                sa.select(t.drop_versions, t.blobs.c.size)
                .join(t.blobs, t.blobs.c.hash == t.drop_versions.c.content_hash)
                .where(t.drop_versions.c.drop_id == drop_id).order_by(t.drop_versions.c.version)
            ).all()
        return Listing([Version(r.drop_id, r.version, r.content_hash, r.metadata, r.op, r.created_at,
                                r.created_by, r.message, r.size, r.contributors) for r in rows],
                       columns=("drop_id", "version", "op", "size", "created_at", "created_by", "message",
                                "contributors", "content_hash", "metadata"))

    def diff(self, drop_id: int, from_version: int, to_version: int, *, context: int = 3) -> Diff:
        """Unified diff between two versions, with lines added/removed and metadata changes."""
        a = self.get(drop_id, from_version, include_deleted=True)
        b = self.get(drop_id, to_version, include_deleted=True)
        meta = {k: (a.metadata.get(k), b.metadata.get(k)) for k in set(a.metadata) | set(b.metadata)
                if a.metadata.get(k) != b.metadata.get(k)}
        return Diff.between(drop_id, from_version, to_version, a.artifact, b.artifact, context=context,
                            metadata_changes=meta)

    def workflows(self) -> Listing[dict]:
        """Workflows with their drop counts and lineage."""
        self._authorize("read")
        d = t.drops
        q = (sa.select(d.c.workflow_id, sa.func.count().label("drops"), sa.func.max(d.c.updated_at).label("updated_at"),
                       t.workflows.c.forked_from)
             .join(t.workflows, sa.and_(t.workflows.c.workflow_id == d.c.workflow_id,
                                        t.workflows.c.workspace == d.c.workspace), isouter=True)
             .where(d.c.workspace == self.workspace, d.c.deleted_at.is_(None))
             .group_by(d.c.workflow_id, t.workflows.c.forked_from).order_by(d.c.workflow_id))
        with self.reading() as conn:
            return Listing([dict(r._mapping) for r in conn.execute(q)],
                           columns=("workflow_id", "drops", "updated_at", "forked_from"))

    # ------------------------------------------------------------------ search
    def search(self, text: str, *, drop_type: str | None = None, workflow_id: str | None = None,
               metadata: dict | None = None, since: Any = None, until: Any = None,
               limit: int = 20) -> Listing[SearchHit]:
        """Full-text search over artifacts and metadata, best first."""
        self._authorize("read")
        if not isinstance(text, str) or not text.strip():
            raise ValidationError("search text is empty", hint="give one or more words, e.g. 'jwt refresh token'")
        limit = _check_limit(limit)
        conds = self._filters(workflow_id, drop_type, metadata, None, None, since, until, False)
        with self.reading() as conn:
            ranked = fts.query(conn, self.dialect, text, conds, limit)
            drops = {d.id: d for d in self._fetch_many([i for i, _ in ranked], conn)}
        hits = [SearchHit(drops[i], score, fts.snippet(drops[i].artifact, text)) for i, score in ranked if i in drops]
        return _HitList(hits)

    # ------------------------------------------------------------------ stats
    def stats(self) -> dict[str, Any]:
        """Sizes and ratios: logical (every version), unique (deduplicated) and stored (compressed)."""
        self._authorize("read")
        d, v, b = t.drops, t.drop_versions, t.blobs
        with self.reading() as conn:
            live = conn.execute(sa.select(sa.func.count(), sa.func.count(sa.distinct(d.c.workflow_id)))
                                .where(d.c.workspace == self.workspace, d.c.deleted_at.is_(None))).one()
            deleted = conn.execute(sa.select(sa.func.count()).where(d.c.workspace == self.workspace,
                                                                    d.c.deleted_at.is_not(None))).scalar()
            versions, logical = conn.execute(
                sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(b.c.size), 0))
                .select_from(v.join(b, b.c.hash == v.c.content_hash).join(d, d.c.id == v.c.drop_id))
                .where(d.c.workspace == self.workspace)).one()
            blobs_n, unique, stored = conn.execute(
                sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(b.c.size), 0),
                          sa.func.coalesce(sa.func.sum(b.c.stored_size), 0))).one()
            by_type: dict[str, int] = dict(conn.execute(sa.select(d.c.drop_type, sa.func.count()).where(
                d.c.workspace == self.workspace, d.c.deleted_at.is_(None)).group_by(d.c.drop_type)).all())
        logical, unique, stored = int(logical), int(unique), int(stored)
        return {
            "drops": live[0], "workflows": live[1], "deleted_drops": deleted, "versions": versions,
            "blobs": blobs_n, "logical_bytes": logical, "unique_bytes": unique, "stored_bytes": stored,
            "dedup_ratio": round(logical / unique, 3) if unique else 1.0,
            "compression_ratio": round(unique / stored, 3) if stored else 1.0,
            "overall_ratio": round(logical / stored, 3) if stored else 1.0,
            "by_type": by_type, "database": safe_url(self.url), "workspace": self.workspace,
        }

    # ------------------------------------------------------------------ watch
    def watch(self, workflow_id: str | None = None, *, since: int | Position | None = None,
              timeout: float | None = None,
              poll: float = 0.25, stop: Any = None, check: Callable[[], Any] | None = None) -> Iterator[Any]:
        """Yield changes (new drop, version, deletion, comment, finished run) as they commit.

        A generator for notebooks and batch scripts; see :func:`qldrops.store.watch.watch`::

            for ch in store.watch(workflow_id="wf-42", timeout=60):
                print(ch.kind, ch.drop_id, ch.version)

        To resume later, pass ``since=ch.position`` (exact on PostgreSQL too) or ``since=ch.cursor``.
        """
        from .watch import watch

        return watch(self, workflow_id=workflow_id, since=since, timeout=timeout, poll=poll, stop=stop, check=check)

    # ------------------------------------------------------------------ import / export
    def export_jsonl(self, path, *, workflow_id: str | None = None) -> int:
        return export_jsonl(self, path, workflow_id=workflow_id)

    def import_jsonl(self, path, *, progress: bool | None = None) -> dict[str, int]:
        return import_jsonl(self, path, progress=progress)

    # ------------------------------------------------------------------ page cache
    @property
    def cache(self) -> PageCache:
        """The page cache (:mod:`qldrops.store.cache`): Redis, the server's, or this process's."""
        if self._cache is None:
            self._cache = make_cache(self.settings, self.url)
        return self._cache

    def remember(self, kind: str, parts: tuple[Any, ...], compute: Callable[[], T], *,
                 workflow_id: str | None = None, also: tuple[sa.FromClause, ...] = ()) -> T:
        """``compute()``, cached under ``kind``, ``parts`` and the change-log position it depends on.

        The position is the workflow's when ``workflow_id`` is given (a write elsewhere keeps the
        answer), the workspace's otherwise; ``also`` adds tables the answer reads (events,
        executions). Access is checked first, as the uncached call would.
        """
        self._authorize("read")
        position = self.position(workflow_id, also=also)
        return self.cache.remember(kind, (self.workspace, workflow_id, position, *parts), compute)

    def position(self, workflow_id: str | None = None, *, also: tuple[sa.FromClause, ...] = ()) -> tuple[Any, ...]:
        """Where the change log stands for ``workflow_id`` (or the workspace) and ``also``'s tables:
        equal positions mean the same data (:mod:`qldrops.store.cache`)."""
        with self.reading() as conn:
            position: tuple[Any, ...] = (workflow_position(conn, self.workspace, workflow_id) if workflow_id
                                         else workspace_position(conn, self.workspace))
            return position + tuple(table_position(conn, table, self.workspace) for table in also)

    # ------------------------------------------------------------------ access
    def _authorize(self, action: str) -> None:
        """Checked on every read and write. Without a principal (local use) everything is allowed."""
        if self.principal is not None and self.access_check is not None:
            self.access_check(action)


class _HitList(Listing[SearchHit]):
    columns = ("id", "score", "workflow_id", "drop_type", "version", "snippet")

    def _row(self, h: SearchHit) -> dict[str, Any]:
        return {"id": h.drop.id, "score": round(h.score, 4), "workflow_id": h.drop.workflow_id,
                "drop_type": h.drop.drop_type, "version": h.drop.version, "snippet": h.snippet}


# ---------------------------------------------------------------------- helpers
# Every column but the (large, PostgreSQL-only) tsvector.
_DROP_COLS = [c for c in t.drops.c if c.name != "search_tsv"]
_SELECT_DROPS = sa.select(*_DROP_COLS, t.blobs.c.codec, t.blobs.c.data).join(
    t.blobs, t.blobs.c.hash == t.drops.c.content_hash)
_GET_CURRENT = _SELECT_DROPS.where(t.drops.c.id == sa.bindparam("id"), t.drops.c.workspace == sa.bindparam("ws"))


def _indexed_document(cur: SimpleNamespace) -> str:
    """The full-text document a drop's current row was indexed with (see search.sqlite_delete)."""
    text = blobcodec.decode(cur.codec, cur.data).decode("utf-8")
    return fts.document(cur.workflow_id, cur.drop_type, cur.metadata, text)


def _dbapi(conn: sa.Connection) -> DBAPIConnection:
    """The driver's own connection under ``conn`` (for statements SQLAlchemy must not wrap)."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None  # a checked-out connection is never detached
    return dbapi


def _drop(blob: Callable[[str, bytes, str], bytes], row: sa.Row | SimpleNamespace,
          version: sa.Row | None = None) -> Drop:
    src = version if version is not None else row
    text = blob(src.codec, src.data, src.content_hash).decode("utf-8")
    return Drop(
        id=row.id, workspace=row.workspace, workflow_id=row.workflow_id, drop_type=row.drop_type,
        version=src.version, content_hash=src.content_hash, size=len(text.encode("utf-8")) if version is not None else row.size,
        artifact=text, metadata=src.metadata, created_at=row.created_at,
        updated_at=version.created_at if version is not None else row.updated_at,
        created_by=version.created_by if version is not None else row.created_by,
        capsule_id=row.capsule_id, deleted_at=row.deleted_at, forked_from=row.forked_from,
    )


def _metadata_filter(dialect: str, metadata: dict) -> list[sa.ColumnElement]:
    """One condition per key: the drop's metadata has that top-level key with an equal JSON value.

    Equal as JSON data, the same on both backends: types count (``true`` is not ``1``), numbers
    compare by value (``1 == 1.0``), objects regardless of key order, lists in order. Keys are bound
    as parameters, never spliced into a JSON path, so quotes, dots and ``$`` are plain characters.
    """
    if not isinstance(metadata, dict):
        raise ValidationError("metadata filter must be a dict, e.g. {'language': 'go'}")
    metadata = dtypes.validate_metadata("", metadata, None, what="metadata filter")
    if dialect == "postgresql":
        # jsonb equality is exactly the rule above; a missing key gives NULL, which matches nothing.
        return [t.drops.c.metadata[key] == sa.cast(sa.literal(_json_dumps(value)), JSONB)
                for key, value in metadata.items()]
    conds: list[sa.ColumnElement] = []
    for key, value in metadata.items():
        each = sa.func.json_each(t.drops.c.metadata).table_valued("key", "type", "atom", "value")
        if isinstance(value, bool):
            match = each.c.type == ("true" if value else "false")
        elif value is None:
            match = each.c.type == "null"
        elif isinstance(value, (int, float)):
            match = sa.and_(each.c.type.in_(("integer", "real")), each.c.atom == value)
        elif isinstance(value, str):
            match = sa.and_(each.c.type == "text", each.c.atom == value)
        else:  # a list or an object: compared as data by a function registered on each connection
            match = sa.and_(each.c.type == ("array" if isinstance(value, list) else "object"),
                            sa.func.qldrops_json_equal(each.c.value, _json_dumps(value)) == 1)
        conds.append(sa.exists(sa.select(sa.literal(1)).select_from(each).where(each.c.key == key, match)))
    return conds


def _json_dumps(v: Any) -> str:
    return json.dumps(v, separators=(",", ":"))


def _check_id(drop_id: Any) -> int:
    if isinstance(drop_id, bool) or not isinstance(drop_id, int):
        if isinstance(drop_id, str) and drop_id.strip().isdigit():
            return int(drop_id)
        raise ValidationError(f"a drop id is a positive integer, not {drop_id!r}")
    if drop_id < 1 or drop_id > 2**62:
        raise NotFound(f"drop {drop_id} does not exist", hint="check the id with `qldrops list`")
    return drop_id


def _check_contributors(contributors: Any) -> builtins.list[str] | None:
    if contributors is None:
        return None
    if isinstance(contributors, str) or not isinstance(contributors, (list, tuple)):
        raise ValidationError(f"contributors must be a list of names, not {contributors!r}",
                              hint="e.g. contributors=['Ada', 'Bob']")
    if len(contributors) > MAX_CONTRIBUTORS:
        raise ValidationError(f"{len(contributors)} contributors; at most {MAX_CONTRIBUTORS} are kept per version",
                              hint="name the main contributors")
    names = [_check_name("contributor", c) for c in contributors]
    return list(dict.fromkeys(names)) or None


def _check_limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValidationError(f"limit must be a positive integer, not {limit!r}")
    return limit


def _check_name(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} is required and must be a non-empty string, not {value!r}")
    if len(value) > 200:
        raise ValidationError(f"{field} is {len(value)} characters long; the limit is 200")
    if _CONTROL.search(value):
        raise ValidationError(f"{field} {value!r} contains control characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(f"{field} {value!r} holds lone surrogate characters (not valid UTF-8)",
                                  hint="decode the source with errors='replace' first") from None
    return value
