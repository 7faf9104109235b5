"""`qldrops analyze-all --engine dask|ray`: analysis spread over the workers of a Dask or Ray cluster.

The submitting process decides what needs analysing (content never analysed with this
analyser version, or everything with ``force``) and hands out tasks of ``batch`` items
``(content hash, file name, language, kind)``: hashes and hints, never the texts
(:meth:`qldrops.engines.Pool.results`, the same for both engines). Each worker
keeps one database connection pool (:func:`qldrops.engines.worker_store`), reads its batch's
artifacts, runs semgrep once for the batch (:func:`~qldrops.analysis.core.batch_precompute`),
analyses each file and writes the results ``commit_every`` at a time, each slice in one
transaction (``COPY`` on PostgreSQL; see :func:`qldrops.store.bulk.upsert_rows`). The
submitting process then reads the results back like cached ones.

**A worker killed mid-batch.** Its task is run again (Dask gives it to another worker; Ray to the
first actor free, the dead one restarted), which first drops what
is already stored for this analyser version (with ``force``: stored since the job started),
so only the slice in flight is analysed again and nothing is missing.

Workers must run the same analyser tools as the submitting machine (the analyser version is
part of the key): a task on a worker whose tools differ fails with that advice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .. import engines
from ..errors import AnalysisError
from ..settings import Settings
from ..store import schema as t
from ..store.bulk import upsert_rows
from .core import analyser_version, analyze, batch_precompute
from .model import Analysis

if TYPE_CHECKING:
    from ..store.core import DropStore


@dataclass(frozen=True)
class AnalyzeJob:
    url: str
    settings: Settings
    workspace: str
    analyser_version: str
    commit_every: int = 25
    redo_before: dt.datetime | None = None  # force: results stored before this are analysed again


@dataclass
class AnalyzeReport:
    engine: str
    workers: int
    tasks: int = 0
    hashes: int = 0
    analysed: int = 0
    skipped: int = 0  # already stored when the task ran (a retried task)
    cpu_seconds: float = 0.0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in dataclasses.asdict(self).items()}


def analysis_rows(analyses: list[Analysis]) -> list[dict[str, Any]]:
    """Rows of the ``analyses`` table, one per (content hash, analyser version)."""
    rows = {}
    now = dt.datetime.now(dt.UTC)
    for a in analyses:
        d = a.to_dict()
        d.pop("drop_id", None)
        d.pop("feedback", None)
        rows[(a.content_hash, a.analyser_version)] = {
            "content_hash": a.content_hash, "analyser_version": a.analyser_version,
            "language": a.language[:40], "language_confidence": a.language_confidence,
            "quality_score": a.quality_score, "complexity": a.complexity, "issue_count": a.issue_count,
            "security_count": a.security_count, "result": d, "created_at": now}
    return list(rows.values())


def write_analyses(store: DropStore, analyses: list[Analysis]) -> None:
    """Store results in one transaction, replacing older results for the same key."""
    rows = analysis_rows(analyses)
    if rows:
        with store.transaction() as conn:
            upsert_rows(conn, t.analyses, rows, update=True)


def _stored(store: DropStore, version: str, hashes: list[str], since: dt.datetime | None) -> set[str]:
    a = t.analyses.c
    found: set[str] = set()
    with store.reading() as conn:
        for i in range(0, len(hashes), 500):
            q = sa.select(a.content_hash).where(a.analyser_version == version, a.content_hash.in_(hashes[i:i + 500]))
            if since is not None:
                q = q.where(a.created_at >= since)
            found.update(conn.execute(q).scalars())
    return found


def analyze_task(job: AnalyzeJob, items: list[tuple[str, str | None, str | None, str]]) -> dict[str, Any]:
    """One task on a worker: analyse and store these contents (those not stored yet)."""
    started, cpu = time.perf_counter(), time.process_time()
    version = analyser_version()
    if version != job.analyser_version:
        raise AnalysisError(f"this worker's analysers are version {version}, the job's {job.analyser_version}",
                            hint="install the same qldrops[analysis] tools on every worker and the submitting machine")
    store = engines.worker_store(job.url, job.settings, job.workspace)
    done = _stored(store, version, [h for h, *_ in items], job.redo_before)
    todo = [it for it in items if it[0] not in done]
    texts = store.read_artifacts([h for h, *_ in todo])
    jobs = [(h, texts[h], fn, lang, kind) for h, fn, lang, kind in todo if h in texts]  # purged meanwhile: skip
    pre = batch_precompute(jobs)
    analysed = 0
    for i in range(0, len(jobs), job.commit_every):
        part = [analyze(text, fn, language=lang, kind=kind, precomputed=pre.get(h))
                for h, text, fn, lang, kind in jobs[i:i + job.commit_every]]
        write_analyses(store, part)
        analysed += len(part)
    return {"hashes": len(items), "analysed": analysed, "skipped": len(done), "pid": os.getpid(),
            "seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu}


def analyze_distributed(store: DropStore, client: Any, items: list[tuple[str, str | None, str | None, str]], *,
                        force: bool = False, batch: int = 50, commit_every: int = 25,
                        progress: bool = True) -> AnalyzeReport:
    """Analyse ``items`` ``(content hash, file name, language, kind)`` on the workers of ``client``
    (a :class:`qldrops.engines.Pool` or a ``distributed.Client``)."""
    pool = engines.as_pool(client)
    started = time.perf_counter()
    job = AnalyzeJob(url=store.url, settings=store.settings, workspace=store.workspace,
                     analyser_version=analyser_version(), commit_every=commit_every,
                     redo_before=dt.datetime.now(dt.UTC) if force else None)
    tasks = engines.batches(items, batch)
    report = AnalyzeReport(engine=pool.engine, workers=pool.workers, tasks=len(tasks))
    engines.collect(pool, analyze_task, job, tasks, report, total=len(items), desc="analysing", show=progress,
                    what="analysis", name="analyze")
    report.seconds = time.perf_counter() - started
    return report
