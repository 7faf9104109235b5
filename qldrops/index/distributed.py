"""`qldrops index sync --engine dask|ray`: embedding spread over the workers of a Dask or Ray cluster.

The submitting process asks the database which content of live drops has no vector for
the index's model yet (one anti-join), cuts those content hashes into tasks of ``batch``
and hands them out (:meth:`qldrops.engines.Pool.results`, the same for both engines). Each
worker process (a Dask worker, a Ray actor) keeps one database connection pool and one
loaded model for all its tasks (:func:`_worker_parts`, a per-process cache: the model
is loaded once per worker, not per task), reads its batch's artifacts, and embeds and
writes them ``commit_every`` at a time, each slice in one transaction (``COPY`` on
PostgreSQL, one ``executemany`` on SQLite; see :func:`qldrops.store.bulk.upsert_rows`).
When every task is done the mirror is brought up to date by the normal path
(:meth:`IndexManager.sync`), which now finds every vector in the database.

**A worker killed mid-batch.** Its task is run again (Dask gives it to another worker; Ray to the
first actor free, the dead one restarted). A task first drops
the hashes that already have a vector (keyed by content hash and model), so what the
dead worker committed is not embedded again and nothing is missing: only the slice it
was embedding when it died (at most ``commit_every`` artifacts) is embedded a second
time, because a model's work cannot be part of a transaction. Rows are insert-or-ignore,
so two writers of the same hash leave one vector.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .. import engines
from ..errors import VectorIndexError
from ..settings import Settings
from ..store import schema as t
from .embedder import Embedder, embedder_for
from .embstore import embed_and_save, missing_hashes

if TYPE_CHECKING:
    from .manager import IndexManager

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbedJob:
    """What every task of one job needs to find its database and model (small: sent with each task)."""

    url: str
    settings: Settings
    workspace: str
    model_id: str
    commit_every: int = 32
    # Tests swap the model for one that records its calls; None: the model the settings name.
    embedder_factory: Callable[[], Embedder] | None = None


@dataclass
class DistributedReport:
    engine: str
    workers: int
    tasks: int = 0
    hashes: int = 0
    embedded: int = 0
    skipped: int = 0  # already had a vector when the task ran (a retried task, another indexer)
    blank: int = 0
    cpu_seconds: float = 0.0  # summed over the workers' tasks
    seconds: float = 0.0
    sync: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in dataclasses.asdict(self).items()}


_EMBEDDERS: dict[tuple[str, str, str, str, str], Embedder] = {}


def _worker_parts(job: EmbedJob):
    """This worker process's store and model, made on its first task and kept for the others."""
    store = engines.worker_store(job.url, job.settings, job.workspace)
    s = job.settings
    key = (s.embedding_model, s.embedding_backend, s.embedding_long_texts, s.data_dir, repr(job.embedder_factory))
    if key not in _EMBEDDERS:
        if job.embedder_factory is not None:
            _EMBEDDERS[key] = job.embedder_factory()
        else:  # never the serve process's embedding service: that is a loopback address of another machine
            _EMBEDDERS[key] = embedder_for(s, progress=False, service="")
    return store, _EMBEDDERS[key]


def embed_task(job: EmbedJob, hashes: list[str]) -> dict[str, Any]:
    """One task on a worker: embed and save the content of these hashes that has no vector yet."""
    started, cpu = time.perf_counter(), time.process_time()
    store, embedder = _worker_parts(job)
    if embedder.model_id != job.model_id:
        raise VectorIndexError(
            f"this worker embeds with {embedder.model_id!r} but the index uses {job.model_id!r}",
            hint="install the same model (and QLDROPS_EMBEDDING_* settings) on every worker")
    with store.reading() as conn:
        todo = missing_hashes(conn, embedder.model_id, hashes)
    out = embed_and_save(store, embedder, todo, batch=job.commit_every) if todo else {}
    return {"hashes": len(hashes), "embedded": len(out), "skipped": len(hashes) - len(todo),
            "blank": sum(1 for v in out.values() if v is None), "pid": os.getpid(),
            "seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu}


def _preload(job: EmbedJob) -> float:
    started = time.perf_counter()
    _store, embedder = _worker_parts(job)
    embedder.embed(["warm up"])
    return time.perf_counter() - started


def preload(manager: IndexManager, client: Any, *,
            embedder_factory: Callable[[], Embedder] | None = None) -> dict[str, float]:
    """Load the model on every worker now (seconds per worker), e.g. before timing a job.

    ``client``: a :class:`qldrops.engines.Pool` or a ``distributed.Client``."""
    store = manager.store
    job = EmbedJob(url=store.url, settings=store.settings, workspace=store.workspace,
                   model_id=manager.embedder.model_id, embedder_factory=embedder_factory)
    return engines.as_pool(client).run_everywhere(_preload, job)


def unembedded_hashes(store, model_id: str) -> list[str]:
    """Content hashes of the workspace's live drops without a vector (or blank marker) for ``model_id``."""
    d, e = t.drops.c, t.embeddings.c
    q = (sa.select(d.content_hash).where(
        d.workspace == store.workspace, d.deleted_at.is_(None),
        ~sa.exists().where(e.content_hash == d.content_hash, e.model_id == model_id))
        .distinct().order_by(d.content_hash))
    with store.reading() as conn:
        return list(conn.execute(q).scalars())


def sync_distributed(manager: IndexManager, client: Any, *, batch: int = 128, commit_every: int = 32,
                     progress: bool | None = None, embedder_factory: Callable[[], Embedder] | None = None
                     ) -> DistributedReport:
    """Embed every live drop's content that has no vector on the workers of ``client`` (a
    :class:`qldrops.engines.Pool` or a ``distributed.Client``), then sync the mirror."""
    pool = engines.as_pool(client)
    store = manager.store
    started = time.perf_counter()
    model_id = manager.embedder.model_id
    todo = unembedded_hashes(store, model_id)
    tasks = engines.batches(todo, batch)
    job = EmbedJob(url=store.url, settings=store.settings, workspace=store.workspace, model_id=model_id,
                   commit_every=commit_every, embedder_factory=embedder_factory)
    report = DistributedReport(engine=pool.engine, workers=pool.workers,
                               tasks=len(tasks))  # the tasks' counts are added as they finish
    show = store.settings.progress if progress is None else progress
    engines.collect(pool, embed_task, job, tasks, report, total=len(todo), desc="embedding", show=show,
                    what="embedding", name="embed")
    report.sync = manager.sync(save=True).to_dict()  # the normal path: every vector is in the database now
    report.seconds = time.perf_counter() - started
    log.info("embedded %d of %d artifacts on %d workers in %.1f s", report.embedded, report.hashes,
             report.workers, report.seconds)
    return report

