"""The index mirror of one process: open, sync, rebuild, verify, status, save.

``store.index`` is an :class:`IndexManager`. It keeps a FAISS (or numpy) index of
the live drops of the store's workspace, an id -> content hash map of what each
vector was made from, and the change-log watermark it reflects. Each process has
its own mirror (in memory, saved under ``settings.resolved_index_dir`` per database,
workspace and model); the database is the only shared truth.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from .. import engines
from ..errors import ValidationError, VectorIndexError
from ..store import schema as t
from ..store.bulk import stored_vectors
from ..store.core import DropStore
from ..store.models import Drop
from ..store.watch import latest_cursor
from . import clusters as topics
from . import dupes, hybrid, persist, query
from . import sync as sy
from . import vectors as vx
from .embedder import Embedder, embedder_for
from .embstore import ensure_vectors, load_vectors, stack_vectors
from .indexer import Indexer
from .results import IndexStatus, SimilarList, SyncReport, VerifyReport

log = logging.getLogger(__name__)


def _slug(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:60]
    return s if s == text else f"{s}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


class IndexManager:
    """Keeps this process's vector index an exact mirror of the database."""

    def __init__(self, store: DropStore, *, embedder: Embedder | None = None, kind: str | None = None,
                 approx_threshold: int = 20_000, compressed_threshold: int | None = None, folder: str | Path | None = None,
                 on_bad_file: str = "rebuild", autosave_after: int = 1000, autosave_seconds: float = 300.0,
                 pending_recheck_seconds: float = 1.0):
        if on_bad_file not in ("rebuild", "raise"):
            raise ValidationError("on_bad_file must be 'rebuild' or 'raise'")
        settings = getattr(store, "settings", None)
        kind = kind if kind is not None else getattr(settings, "index_kind", "auto")
        vx.choose_kind(0, kind)  # validates the name
        self.store = store
        self._embedder = embedder
        self.kind = kind
        self.approx_threshold = approx_threshold
        self.compressed_threshold = compressed_threshold if compressed_threshold is not None \
            else getattr(settings, "index_compressed_threshold", 0)
        self._folder = Path(folder) if folder else None
        self.on_bad_file = on_bad_file
        self.autosave_after = autosave_after
        self.autosave_seconds = autosave_seconds
        self.pending_recheck_seconds = pending_recheck_seconds
        self._pending_checked = 0.0  # monotonic time pending drops were last looked up
        self.backend: vx.VectorIndex | None = None
        self.id_map: dict[int, str] = {}
        self.watermark = sy.Watermark()
        self.manifest: persist.Manifest | None = None
        self._identity: str | None = None
        self._unsaved = 0
        self._saved_at = 0.0
        # Drops read from the change log whose content has no vector yet (drop id -> content hash):
        # a reader leaves them to the indexer (or to sync()) and counts them in ``lag``.
        self.pending: dict[int, str] = {}
        self.indexer: Indexer | None = None
        self._lock = threading.RLock()  # a Voila kernel may query from several threads

    # ------------------------------------------------------------------ the questions users ask
    def similar(self, query_: Any, k: int = 10, *, workflow_id: str | None = None, drop_type: str | None = None,
                metadata: dict | None = None, capsule_id: str | None = None, created_by: str | None = None,
                since: Any = None, until: Any = None, sync: bool = True) -> SimilarList:
        """``store.similar``: see :meth:`qldrops.client.Store.similar`."""
        self.store._authorize("read")
        return query.similar(self, query_, k, sync=sync, workflow_id=workflow_id, drop_type=drop_type,
                             metadata=metadata, capsule_id=capsule_id, created_by=created_by, since=since,
                             until=until)

    def search(self, text: str, k: int = 10, *, mode: str = "hybrid", min_similarity: float | None = None,
               collapse_forks: bool = True, workflow_id: str | None = None, drop_type: str | None = None,
               metadata: dict | None = None, since: Any = None, until: Any = None,
               sync: bool = True) -> hybrid.SearchResults:
        """``store.search(..., mode=...)``: see :meth:`qldrops.client.Store.search`."""
        self.store._authorize("read")
        return hybrid.search(self, text, k, mode=mode, min_similarity=min_similarity, collapse_forks=collapse_forks,
                             sync=sync, workflow_id=workflow_id, drop_type=drop_type, metadata=metadata,
                             since=since, until=until)

    def similar_vector(self, vector: Any, k: int = 10, *, model_id: str | None = None, sync: bool = True,
                       **filters: Any) -> SimilarList:
        """``store.similar_vector``: see :meth:`qldrops.client.Store.similar_vector`."""
        self.store._authorize("read")
        k = query.check_k(k)
        query.check_filters(filters)
        vec = query.check_vector(self, vector, model_id)
        if sync:
            self.sync_if_changed()
        elif self.backend is None:
            self.open()
        res = query.similar_vector(self, vec, k, **filters)
        res.lag = len(self.pending) if sync else self.lag
        return res

    def check_vectors(self, vectors: Any, n: int, model_id: str | None) -> np.ndarray:
        """Caller-supplied vectors for ``n`` items, checked (model, shape, finite) and L2-normalised."""
        want = self.embedder.model_id
        if model_id is None:
            raise ValidationError("vectors were given without model_id",
                                  hint=f"pass model_id={want!r} (the index's model) with vectors made by it")
        if model_id != want:
            raise ValidationError(f"the vectors were made with model {model_id!r} but this index uses {want!r}",
                                  hint=f"embed with {want!r}, or leave vectors out and let the indexer embed")
        try:
            matrix = np.asarray(vectors, dtype=np.float32)
        except (TypeError, ValueError):
            raise ValidationError("vectors must be a 2-D array of numbers, one row per item") from None
        dim = self.embedder.dim
        if matrix.ndim != 2 or matrix.shape != (n, dim):
            raise ValidationError(f"vectors have shape {matrix.shape}, expected ({n}, {dim}): one {dim}-number "
                                  f"row per item for model {want!r}", hint="nothing was written; fix and resend")
        norms = np.linalg.norm(matrix, axis=1)
        if not np.all(np.isfinite(norms)) or np.any(norms == 0):
            raise ValidationError("a vector is zero or not finite", hint="nothing was written; fix and resend")
        return matrix / norms[:, None]

    def take(self, drops: Sequence[Drop], matrix: np.ndarray, written: Collection[str]) -> None:
        """Vectors just committed with their drops (``put_many(vectors=)``) into the open mirror, in
        one ``add``: the next sync finds them current and reads nothing back.

        ``written``: the contents whose vectors this batch stored. Only those are taken, each with
        its first row (the one stored); a content that had a vector already keeps the stored one,
        which the next sync reads. A closed mirror is left alone (opening it reads the database)."""
        with self._lock:
            if self.backend is None:
                return
            first: dict[str, int] = {}
            for k, d in enumerate(drops):
                first.setdefault(d.content_hash, k)
            take = [(d.id, first[d.content_hash]) for d in drops
                    if d.content_hash in written and d.artifact.strip() and self.id_map.get(d.id) != d.content_hash]
            if not take:
                return
            ids = np.asarray([i for i, _ in take], dtype=np.int64)
            stale = [i for i, _ in take if i in self.id_map]
            if stale:
                self.backend.remove(np.asarray(stale, dtype=np.int64))
            self.backend.add(ids, np.ascontiguousarray(matrix[[k for _, k in take]], dtype=np.float32))
            for i, k in take:
                self.id_map[i] = drops[k].content_hash
                self.pending.pop(i, None)

    def near_duplicates(self, threshold: float = 0.95, *, lexical_threshold: float = 0.8,
                        methods: tuple[str, ...] = ("exact", "lexical", "semantic"),
                        workflow_id: str | None = None, drop_type: str | None = None) -> dupes.NearDuplicates:
        """``store.near_duplicates``: see :meth:`qldrops.client.Store.near_duplicates`."""
        self.store._authorize("read")
        return dupes.near_duplicates(self, threshold=threshold, lexical_threshold=lexical_threshold,
                                     methods=methods, workflow_id=workflow_id, drop_type=drop_type)

    def clusters(self, n: int = 12, *, workflow_id: str | None = None, drop_type: str | None = None,
                 seed: int = 1234, save: bool = True) -> topics.ClusterList:
        """``store.clusters``: see :meth:`qldrops.client.Store.clusters`."""
        self.store._authorize("read")
        return topics.cluster(self, n=n, workflow_id=workflow_id, drop_type=drop_type, seed=seed, save=save)

    def latest_clusters(self) -> topics.ClusterList:
        """The most recently saved clustering of this workspace (for dashboards), or an empty list."""
        self.store._authorize("read")
        return topics.latest(self.store)

    # ------------------------------------------------------------------ basics
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = embedder_for(self.store.settings)
        return self._embedder

    @property
    def identity(self) -> str:
        if self._identity is None:
            self._identity = sy.database_identity(self.store)
        return self._identity

    @property
    def folder(self) -> Path:
        if self._folder is None:
            base = self.store.settings.resolved_index_dir
            self._folder = base / f"{self.store.dialect}-{self.identity[:12]}" / _slug(self.store.workspace) \
                / _slug(self.embedder.model_id)
        return self._folder

    def __repr__(self) -> str:
        kind = self.backend.kind if self.backend is not None else "not loaded"
        return f"<IndexManager {kind} size={len(self.id_map)} model={self.embedder.model_id!r} at {self.folder}>"

    # ------------------------------------------------------------------ open / save
    def open(self) -> None:
        """Load the saved mirror, or rebuild it from the database when missing or not trustworthy."""
        with self._lock:
            if self.backend is not None:
                return
            try:
                found = persist.load(self.folder, model_id=self.embedder.model_id, dim=self.embedder.dim,
                                     database=self.identity, workspace=self.store.workspace)
            except VectorIndexError as exc:
                if self.on_bad_file == "raise":
                    raise
                log.warning("%s -- rebuilding it from the vectors in the database", exc.message)
                self.rebuild(save="try", embed=False)
                return
            if found is None:
                self.rebuild(save="try", embed=False)
                return
            manifest, backend, id_map = found
            watermark = sy.Watermark.from_dict(manifest.watermark)
            with self.store.reading() as conn:
                top = latest_cursor(conn)
                if backend is None:  # an exact index: its vectors are stored once, in the database
                    backend = self._from_database(conn, manifest.kind, id_map)
            if backend is None:
                return self._refuse_or_rebuild(f"the index in {self.folder} lists vectors the database does not hold")
            if watermark.seq > top:  # a restored/rolled-back database: the mirror is from its future
                return self._refuse_or_rebuild(
                    f"the index watermark ({watermark.seq}) is ahead of the database change log ({top})")
            self.manifest, self.backend, self.id_map, self.watermark = manifest, backend, id_map, watermark
            # Re-read by the next catch-up (the hash is filled in then).
            self.pending = {int(i): "" for i in manifest.watermark.get("pending", [])}
            self._saved_at = time.monotonic()

    def _refuse_or_rebuild(self, msg: str) -> None:
        """A saved mirror that cannot be trusted: raise (``on_bad_file="raise"``) or rebuild it from the database."""
        if self.on_bad_file == "raise":
            raise VectorIndexError(msg, hint=persist.REBUILD_HINT)
        log.warning("%s -- rebuilding it from the vectors in the database", msg)
        self.rebuild(save="try", embed=False)

    def _from_database(self, conn: sa.Connection, kind: str, id_map: dict[int, str]) -> vx.VectorIndex | None:
        """The index of ``kind`` over the stored vectors of a saved map, or None if one is missing."""
        dim = self.embedder.dim
        rows = stored_vectors(conn.connection.dbapi_connection, conn.dialect.name, self.embedder.model_id,
                              list(set(id_map.values())))
        data = {h: v for h, v, chunks in rows if chunks and len(v) == 4 * dim}
        if any(h not in data for h in id_map.values()):
            return None
        # One join of the stored bytes in map order: no per-row arrays (0.13 s -> 0.05 s at 10,000).
        matrix = np.frombuffer(b"".join(data[h] for h in id_map.values()), dtype="<f4").reshape(-1, dim)
        return vx.build(kind, dim, np.fromiter(id_map, dtype=np.int64, count=len(id_map)), matrix)

    def save(self) -> None:
        """Write the mirror atomically (see :mod:`qldrops.index.persist`)."""
        with self._lock:
            if self.backend is None:
                return
            manifest = persist.Manifest(
                model_id=self.embedder.model_id, dim=self.embedder.dim, kind=self.backend.kind,
                watermark={**self.watermark.to_dict(), "pending": sorted(self.pending)},
                count=len(self.id_map), database=self.identity,
                workspace=self.store.workspace)
            self.manifest = persist.save(self.folder, manifest, self.backend, self.id_map)
            self._unsaved = 0
            self._saved_at = time.monotonic()

    def _maybe_save(self, save: bool | str) -> bool:
        """save: True (errors raise), "try" (errors are logged), "auto" (only when due), False."""
        due = self._unsaved >= self.autosave_after or (
            self._unsaved and time.monotonic() - self._saved_at > self.autosave_seconds)
        if save is True or save == "try" or (save == "auto" and due):
            try:
                self.save()
                return True
            except VectorIndexError as exc:
                if save is True:
                    raise
                # The in-memory mirror is still right; only the copy on disk is behind.
                log.warning("%s", exc)
        return False

    # ------------------------------------------------------------------ rebuild
    def rebuild(self, *, kind: str | None = None, save: bool | str = True, embed: bool = True) -> SyncReport:
        """Build the mirror again from the vectors in the database; embeds only content never embedded.

        ``embed=False`` (what opening for a reader does) embeds nothing: content without a
        vector is left pending for the indexer or the next :meth:`sync`.
        """
        started = time.perf_counter()
        with self._lock:
            store = self.store
            with sy.snapshot_connection(store) as conn, conn.begin():
                watermark = sy.current_watermark(conn, store.dialect, store.workspace)
                live = sy.all_live(conn, store.workspace)
            if embed:
                vecs = ensure_vectors(store, self.embedder, live.values())
            else:
                with store.reading() as conn:
                    vecs = load_vectors(conn, self.embedder.model_id, self.embedder.dim, live.values())
            ids = [i for i, h in live.items() if vecs.get(h) is not None]
            self.pending = {i: h for i, h in live.items() if h not in vecs}
            dim = self.embedder.dim
            matrix = stack_vectors(vecs, (live[i] for i in ids)) if ids \
                else np.zeros((0, dim), dtype=np.float32)
            chosen = vx.choose_kind(len(ids), kind or self.kind, approx_threshold=self.approx_threshold,
                                    compressed_threshold=self.compressed_threshold)
            log.info("building a %s index over %d vectors", chosen, len(ids))
            self.backend = vx.build(chosen, dim, np.asarray(ids, dtype=np.int64), matrix)
            self.id_map = {i: live[i] for i in ids}
            self.watermark = watermark
            self._unsaved = len(ids) or 1
            saved = self._maybe_save(save) if save else False
            return SyncReport(drops_touched=len(live), added=len(ids), pending=len(self.pending),
                              blank=len(live) - len(ids) - len(self.pending),
                              rebuilt=f"{chosen} index built from the database", saved=saved,
                              seconds=time.perf_counter() - started, watermark=watermark.to_dict())

    def _rebuild_reason(self) -> str | None:
        if self.backend is None:
            return None
        reason = self.backend.needs_rebuild()
        if reason is None and self.kind == "ivfpq" and self.backend.kind == "flat" \
                and len(self.id_map) > 2 * vx.PQ_MIN_TRAIN:
            reason = f"{len(self.id_map)} vectors: enough to train the IVF-PQ index asked for"
        if reason is None and self.kind == "auto" and self.compressed_threshold \
                and self.backend.kind != "ivfpq" and len(self.id_map) > 1.2 * self.compressed_threshold:
            reason = f"{len(self.id_map)} vectors: past index_compressed_threshold ({self.compressed_threshold})"
        if reason is None and self.kind == "auto":
            want = vx.choose_kind(len(self.id_map), "auto", approx_threshold=self.approx_threshold,
                                  compressed_threshold=self.compressed_threshold)
            # Hysteresis: switch exact -> approximate at 1.5x the threshold, back below 0.5x.
            if self.backend.kind == "flat" and want != "flat" and len(self.id_map) > 1.5 * self.approx_threshold:
                reason = f"{len(self.id_map)} vectors: past exact search"
            elif self.backend.kind != "flat" and len(self.id_map) < 0.5 * self.approx_threshold:
                reason = f"{len(self.id_map)} vectors: exact search is fast enough again"
        return reason

    # ------------------------------------------------------------------ sync
    def sync(self, *, save: bool | str = "auto", rebuild_if_needed: bool = True, embed: bool = True,
             batch: int = 256) -> SyncReport:
        """Apply the change log since the saved watermark (cost grows with the changes, not the store).

        ``embed=True`` (a batch that must be current, and the background indexer) also embeds
        the content that has no vector yet, ``batch`` artifacts at a time, outside the lock:
        readers keep answering from the index as it stands meanwhile. ``embed=False`` (what a
        query does) applies only vectors already in the database and leaves the rest pending.
        ``save``: True writes the mirror now; "auto" after ``autosave_after`` changes or
        ``autosave_seconds`` (the mirror is right either way; saving only shortens the next start).
        """
        started = time.perf_counter()
        with self._lock:
            report = self._follow()
        tried: set[str] = set()  # content purged meanwhile is never embedded: try each hash once
        while embed:
            with self._lock:
                todo = list(dict.fromkeys(h for h in self.pending.values() if h and h not in tried))[:batch]
            if not todo:
                break
            tried.update(todo)
            ensure_vectors(self.store, self.embedder, todo, batch=batch)  # the model runs unlocked
            with self._lock:
                waiting = [i for i, h in self.pending.items() if h in tried]
                _merge(report, self._apply(waiting))
        with self._lock:
            report.pending = len(self.pending)
            reason = self._rebuild_reason()
            if reason and rebuild_if_needed:
                log.info("rebuilding the index: %s", reason)
                rebuilt = self.rebuild(save=True if save is True else ("try" if save else False), embed=False)
                report.rebuilt, report.saved = reason, rebuilt.saved
            else:
                report.saved = self._maybe_save(save)
            report.seconds = time.perf_counter() - started
            report.watermark = self.watermark.to_dict()
            return report

    def _follow(self, *, recheck_pending: bool = True) -> SyncReport:
        """Read the change log and apply what already has a vector (call with the lock held);
        ``recheck_pending`` also looks up the drops still pending."""
        if self.backend is None:
            self.open()
        batch = sy.read_changes(self.store, self.watermark)
        ids = list(dict.fromkeys([*batch.drop_ids, *(self.pending if recheck_pending else ())]))
        if recheck_pending:
            self._pending_checked = time.monotonic()
        report = self._apply(ids)
        report.applied_changes = batch.rows
        moved = batch.watermark != self.watermark
        self.watermark = batch.watermark
        if batch.drop_ids or moved:
            self._unsaved += max(1, len(batch.drop_ids))
        return report

    def sync_if_changed(self) -> SyncReport | None:
        """What a query does first: one cheap probe of the change log, a catch-up only if it moved.

        The catch-up never runs the model (``embed=False``) and never saves the mirror (writing
        and fsyncing the files cost ~20 ms of a reader's first query after a burst of writes;
        the indexer, :meth:`sync` and :meth:`close` save). Content not embedded yet stays
        pending and counts in ``lag``; it is out of the index, so it is never answered stale.
        Pending drops are looked up again (another process's indexer may have embedded them:
        that writes no change row) at most every ``pending_recheck_seconds``, not on every
        query: with hundreds pending that look-up cost more than the search. The probe costs
        one indexed lookup on the raw driver (~0.01–0.1 ms) against ~1 ms for a sync's read.
        """
        if self.backend is not None and not self.store.changes_pending(self.watermark.seq, self.watermark.xmin) \
                and (not self.pending
                     or time.monotonic() - self._pending_checked < self.pending_recheck_seconds):
            return None
        started = time.perf_counter()
        with self._lock:
            due = not self.pending or time.monotonic() - self._pending_checked >= self.pending_recheck_seconds
            report = self._follow(recheck_pending=due)
            report.pending = len(self.pending)
            report.seconds = time.perf_counter() - started
            report.watermark = self.watermark.to_dict()
            return report

    @property
    def lag(self) -> int:
        """Changes this mirror does not reflect yet: pending drops plus change rows not read."""
        return len(self.pending) + sy.pending_count(self.store, self.watermark)

    def sync_distributed(self, client: Any = None, *, engine: str = "dask", scheduler: str = "", workers: int = 2,
                         batch: int = 128, commit_every: int = 32, progress: bool | None = None,
                         embedder_factory: Any = None):
        """Embed what has no vector on a Dask or Ray cluster, then :meth:`sync`
        (``qldrops index sync --engine dask|ray``).

        ``client``: a ``distributed.Client`` or a :class:`qldrops.engines.Pool`; without one, a
        cluster of ``engine``: the address ``scheduler`` (or ``QLDROPS_DASK_SCHEDULER`` /
        ``QLDROPS_RAY_ADDRESS``), or else a local cluster of ``workers`` processes started for this
        call. Tasks are ``batch`` content hashes; each worker loads the model once and writes
        ``commit_every`` vectors per transaction. See :mod:`qldrops.index.distributed`.
        """
        from . import distributed as dx

        self.store._authorize("write")
        kw = {"batch": batch, "commit_every": commit_every, "progress": progress,
              "embedder_factory": embedder_factory}
        if client is not None:
            return dx.sync_distributed(self, client, **kw)
        with engines.open_pool(engine, scheduler, workers=workers, settings=self.store.settings) as own:
            return dx.sync_distributed(self, own, **kw)

    # ------------------------------------------------------------------ the background indexer
    def start(self, *, poll_seconds: float = 1.0) -> Indexer:
        """Start the background indexer of this mirror (idempotent); see :mod:`qldrops.index.indexer`.

        ``with store.index.start():`` stops it at the end of the block; otherwise it stops with
        :meth:`stop` or at interpreter exit (a daemon thread: it never keeps a script alive).
        """
        with self._lock:
            if self.indexer is None or not self.indexer.alive:
                self.indexer = Indexer(self, poll_seconds=poll_seconds)
                self.indexer.start()
            return self.indexer

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the background indexer, if one runs (it finishes the batch it is embedding)."""
        indexer, self.indexer = self.indexer, None
        if indexer is not None:
            indexer.stop(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Stop the indexer and save what readers applied since the last save (they never save:
        :meth:`sync_if_changed`), so the next process starts from here. A failed save is logged."""
        self.stop(timeout)
        with self._lock:
            if self.backend is not None and self._unsaved:
                try:
                    self._maybe_save("try")
                except OSError as exc:  # a derived file: closing never fails for it (the next start catches up)
                    log.warning("the index mirror was not saved at close: %s", exc)

    def _apply(self, drop_ids: list[int], *, embed: bool = False) -> SyncReport:
        """Make the index reflect the current DB state of these drops (idempotent).

        Content without a stored vector is embedded only with ``embed=True``; otherwise
        its drop goes to :attr:`pending` (its old vector, if any, leaves the index).
        """
        report = SyncReport(drops_touched=len(drop_ids))
        if not drop_ids:
            return report
        with self.store.reading() as conn:
            state = sy.live_state(conn, self.store.workspace, drop_ids)
            gone = [i for i in drop_ids if i not in state]
            changed = {i: h for i, h in state.items() if self.id_map.get(i) != h}
            vecs = load_vectors(conn, self.embedder.model_id, self.embedder.dim, changed.values()) \
                if changed else {}
        if embed and any(h not in vecs for h in changed.values()):
            vecs.update(ensure_vectors(self.store, self.embedder, [h for h in changed.values() if h not in vecs]))
        for i in drop_ids:
            if i not in changed:
                self.pending.pop(i, None)
        gone = [i for i in gone if i in self.id_map]
        add_ids = [i for i, h in changed.items() if vecs.get(h) is not None]
        blank = [i for i, h in changed.items() if h in vecs and vecs[h] is None]
        waiting = [i for i, h in changed.items() if h not in vecs]
        remove = gone + [i for i in changed if i in self.id_map]
        assert self.backend is not None
        if remove:
            self.backend.remove(np.asarray(remove, dtype=np.int64))
        if add_ids:
            self.backend.add(np.asarray(add_ids, dtype=np.int64),
                             stack_vectors(vecs, (changed[i] for i in add_ids)))
        report.updated = sum(1 for i in add_ids if i in self.id_map)
        report.added = len(add_ids) - report.updated
        report.removed = len(gone) + sum(1 for i in blank + waiting if i in self.id_map)
        report.blank = len(blank)
        for i in remove:
            self.id_map.pop(i, None)
        for i in add_ids:
            self.id_map[i] = changed[i]
        for i in add_ids + blank:
            self.pending.pop(i, None)
        for i in waiting:
            self.pending[i] = changed[i]
        report.pending = len(self.pending)
        return report

    def wait_for_changes(self, timeout: float = 30.0, *, on_listening=None) -> bool:
        """PostgreSQL: block until a writer commits a change (LISTEN qldrops_changes), then sync.

        Returns True if woken by a notification. On SQLite it just syncs (there is no NOTIFY).
        """
        if self.store.dialect != "postgresql":
            self.sync()
            return False
        raw = self.store.engine.raw_connection()
        pg = raw.driver_connection
        try:
            assert pg is not None  # a pooled connection always wraps a live driver connection
            pg.autocommit = True  # LISTEN outside a transaction, or notifications wait for its end
            pg.execute("LISTEN qldrops_changes")
            self.sync()  # anything committed before LISTEN took effect
            if on_listening is not None:
                on_listening()
            woke = False
            for _note in pg.notifies(timeout=timeout, stop_after=1):
                woke = True
            pg.execute("UNLISTEN *")
            pg.autocommit = False  # the connection goes back to the pool as it came
        except BaseException:
            raw.invalidate()  # never return a half-configured connection to the pool
            raise
        finally:
            raw.close()
        self.sync()
        return woke

    # ------------------------------------------------------------------ verify
    def verify(self, *, repair: bool = False) -> VerifyReport:
        """Compare (drop id, content hash, model) in the database with the index; optionally repair."""
        with self._lock:
            if self.backend is None:
                self.open()
            d, e = t.drops.c, t.embeddings.c
            q = (sa.select(d.id, d.content_hash, e.chunks)
                 .select_from(t.drops.outerjoin(t.embeddings, sa.and_(
                     e.content_hash == d.content_hash, e.model_id == self.embedder.model_id)))
                 .where(d.workspace == self.store.workspace, d.deleted_at.is_(None)))
            with self.store.reading() as conn:
                rows = conn.execute(q).all()
            live = {int(i): h for i, h, _ in rows}
            excluded = {int(i): "blank artifact (nothing to embed)" for i, _, c in rows if c == 0}
            report = VerifyReport(model_id=self.embedder.model_id, live_drops=len(live), indexed=len(self.id_map),
                                  excluded=excluded)
            # Pending drops (read from the log, content not embedded yet) are the indexer's backlog, not drift.
            report.pending = sorted(i for i in live if i in self.pending and i not in self.id_map)
            report.missing = sorted(i for i in live if i not in self.id_map and i not in excluded
                                    and i not in self.pending)
            report.extra = sorted(i for i in self.id_map if i not in live)
            report.stale = sorted(i for i, h in self.id_map.items() if i in live and live[i] != h)
            assert self.backend is not None
            if len(self.backend) != len(self.id_map):
                report.problems.append(f"the index holds {len(self.backend)} vectors but its map {len(self.id_map)}")
            if self.manifest is not None and self.manifest.model_id != self.embedder.model_id:
                report.problems.append(f"saved for model {self.manifest.model_id}")
            if repair and not report.ok:
                if report.problems:
                    self.rebuild()
                else:
                    self._apply(report.missing + report.extra + report.stale, embed=True)
                    self._unsaved += 1
                    self._maybe_save(True)
                report.repaired = True
            return report

    # ------------------------------------------------------------------ status
    def status(self, *, recall_sample: int = 32) -> IndexStatus:
        """Kind, size, lag behind the database, and recall@10 estimated against exact search."""
        with self._lock:
            if self.backend is None:
                self.open()
            assert self.backend is not None
            files = (self.manifest.files if self.manifest else {}) or {}
            size = sum(int(f.get("size", 0)) for f in files.values())
            return IndexStatus(
                kind=self.backend.kind, size=len(self.id_map), model_id=self.embedder.model_id,
                dim=self.embedder.dim, lag=self.lag,
                watermark=self.watermark.to_dict(), estimated_recall=self.estimate_recall(recall_sample),
                needs_rebuild=self._rebuild_reason(), folder=str(self.folder),
                saved_at=self.manifest.created_at if self.manifest else None, file_bytes=size)

    def estimate_recall(self, sample: int = 32, k: int = 10) -> float | None:
        """Mean overlap of the index's top-k with exact top-k, for stored vectors used as queries."""
        assert self.backend is not None
        if not self.id_map:
            return None
        if self.backend.kind in ("flat", "numpy"):
            return 1.0
        rng = np.random.default_rng(7)
        ids = list(self.id_map)
        pick = [ids[i] for i in rng.choice(len(ids), size=min(sample, len(ids)), replace=False)]
        with self.store.reading() as conn:
            vecs = load_vectors(conn, self.embedder.model_id, self.embedder.dim, [self.id_map[i] for i in pick])
        queries = np.vstack([v for i in pick if (v := vecs.get(self.id_map[i])) is not None])
        _, approx = self.backend.search(queries, k)
        _, exact = self.backend.exact_search(queries, k)
        hits = [len(set(a[a >= 0]) & set(b[b >= 0])) / max(1, (b >= 0).sum()) for a, b in zip(approx, exact)]
        return float(np.mean(hits))

    def query_vector(self, text: str) -> np.ndarray:
        if not isinstance(text, str) or not text.strip():
            raise ValidationError("the query text is empty", hint="pass a drop id or some words to look for")
        return self.embedder.embed_query([text])[0]


def _merge(into: SyncReport, more: SyncReport) -> None:
    for name in ("added", "updated", "removed", "blank"):  # the same drops: not touched twice
        setattr(into, name, getattr(into, name) + getattr(more, name))
