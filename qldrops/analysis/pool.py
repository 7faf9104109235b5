"""Batch analysis over worker processes that can be killed.

Each worker runs :func:`qldrops.analysis.core.analyze` (whose per-analyser SIGALRM time
box works there, on the worker's main thread). The parent also keeps a hard deadline
per file: a worker that does not answer in time (a C extension stuck with signals
blocked) is killed and replaced, the file gets a partial result naming the failure,
and the batch goes on.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import time
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection, wait

from .core import analyser_version, analyze, batch_precompute, content_hash
from .detect import detect_language
from .model import Analysis

log = logging.getLogger(__name__)

HARD_DEADLINE = 60.0  # seconds per file, beyond every analyser's own time box


def _worker(conn: Connection) -> None:
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        key, text, filename, language, kind, analysers, precomputed = msg
        try:
            res = analyze(text, filename, language=language, kind=kind, analysers=analysers,
                          precomputed=precomputed).to_dict()
        except Exception as exc:  # analyze() should not raise; keep the worker alive if it does
            res = {"error": f"{type(exc).__name__}: {exc}"}
        conn.send((key, res))


class _Slot:
    def __init__(self, ctx) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child,), daemon=True, name="qldrops-analysis-worker")
        self.proc.start()
        child.close()
        self.job: tuple | None = None
        self.started = 0.0

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class AnalysisPool:
    """Worker processes kept across batches (``with AnalysisPool(2) as pool: pool.run(items)``)."""

    def __init__(self, processes: int = 2, *, deadline: float = HARD_DEADLINE, analysers=None) -> None:
        self.ctx = mp.get_context("spawn")  # the parent may hold onnxruntime/torch threads: never fork it
        self.deadline = deadline
        self.analysers = analysers
        self.slots = [_Slot(self.ctx) for _ in range(max(1, processes))]

    def __enter__(self) -> "AnalysisPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _replace(self, s: _Slot) -> None:
        idx = self.slots.index(s)
        s.kill()
        self.slots[idx] = _Slot(self.ctx)

    def run(self, items: Iterable[tuple], precomputed: dict | None = None) -> Iterator[tuple[object, Analysis]]:
        """Yield ``(key, Analysis)`` for items ``(key, text, filename, language, kind)`` as they finish
        (``precomputed``: per key, what :func:`~qldrops.analysis.core.batch_precompute` ran for the batch)."""
        pre = precomputed or {}
        todo = list(items)
        todo.reverse()
        while todo or any(s.job for s in self.slots):
            for s in self.slots:
                if s.job is None and todo:
                    s.job = todo.pop()
                    s.started = time.monotonic()
                    s.conn.send((*s.job, self.analysers, pre.get(s.job[0])))
            busy = [s for s in self.slots if s.job]
            ready = wait([s.conn for s in busy], timeout=1.0)
            for s in busy:
                job = s.job
                assert job is not None  # busy slots hold a job
                if s.conn in ready:
                    try:
                        key, res = s.conn.recv()
                    except (EOFError, OSError):
                        self._replace(s)
                        yield job[0], _failed(job, "analysis worker died")
                        continue
                    s.job = None
                    yield key, (_failed(job, res["error"]) if "error" in res and "language" not in res
                                else Analysis.from_dict(res))
                elif time.monotonic() - s.started > self.deadline:
                    log.warning("analysis of %r exceeded %.0f s; worker killed", job[0], self.deadline)
                    self._replace(s)
                    yield job[0], _failed(job, f"worker killed after {self.deadline:.0f} s")

    def close(self) -> None:
        for s in self.slots:
            try:
                s.conn.send(None)
            except (OSError, ValueError):
                pass
            s.proc.join(2)
            if s.proc.is_alive():
                s.kill()


def analyze_many(items: Iterable[tuple], *, processes: int = 2, deadline: float = HARD_DEADLINE,
                 analysers=None) -> Iterator[tuple[object, Analysis]]:
    """Yield ``(key, Analysis)`` for items ``(key, text, filename, language[, kind])`` as they finish
    (``kind`` is "code" unless given: see :func:`qldrops.analysis.core.analyze`). semgrep runs
    once for the whole batch first (one process, not one per file)."""
    todo = [tuple(item) if len(item) == 5 else (*item, "code") for item in items]
    pre = batch_precompute(todo) if analysers is None else {}
    with AnalysisPool(min(processes, max(1, len(todo))), deadline=deadline, analysers=analysers) as pool:
        yield from pool.run(todo, pre)


def _failed(job: tuple, error: str) -> Analysis:
    """The part we can still say without the worker: the language."""
    key, text, filename, language, kind = job
    g = detect_language(text, filename, language, use_magika=False)
    return Analysis(kind=kind, language=g.language, language_confidence=round(g.confidence, 3), language_source=g.source,
                    filename=filename, size=len(text), content_hash=content_hash(text),
                    analyser_version=analyser_version(), errors=[{"analyser": "worker", "error": error}],
                    summary="Analysis did not finish.")
