"""Distributed embedding (issue 13): `index sync --engine dask` (or `--engine ray`) with 1 and 2
workers against the single-process pipeline (`index sync`), on the same chunks, with the real
packaged model.

Corpus, built at run time and never committed: the running interpreter's standard library cut
into chunks of 40-60 lines (``bench_indexer.corpus``, seeded), the first ``--n``.

For each run the database starts with the same drops and no vectors (the ``embeddings`` rows of
the model are deleted and the index folder is fresh):

* ``single``: ``store.index.sync(save=True)`` in this process (the model loaded beforehand).
* ``dask-1``, ``dask-2``: a ``LocalCluster`` of 1 or 2 worker processes (1 thread each; Dask's
  nanny sets OMP/MKL threads to 1), the model loaded on every worker by a warm-up call first
  (reported apart, with the cluster start), then ``store.index.sync_distributed(client)``.
* ``ray-1``, ``ray-2`` (``--engine ray``): a Ray started here with 1 or 2 CPUs and as many actors
  (Ray sets OMP threads to the actor's 1 CPU), the model loaded on every actor first, then
  ``store.index.sync_distributed(pool)``.

Figures: wall seconds and chunks/s of each, ratio to ``single``, scaling efficiency from 1 to 2
workers (``(t1 / t2) / 2``), CPU-seconds (this process for ``single``; the workers' tasks, summed,
for Dask) and the CPU-seconds per million chunks extrapolated from them, and the largest
difference between a distributed vector and the single-process one. The load average is
recorded at the start and end: the machine is shared.

Run: ``.venv/bin/python benchmarks/bench_distributed.py [--n 2000] [--db postgresql|sqlite] [--engine dask|ray]``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import sqlalchemy as sa  # noqa: E402

import qldrops  # noqa: E402
from qldrops import engines  # noqa: E402
from qldrops.index.distributed import preload  # noqa: E402
from qldrops.index.embstore import load_vectors  # noqa: E402
from qldrops.settings import Settings  # noqa: E402
from qldrops.store import schema as t  # noqa: E402

PG_ADMIN = os.environ.get("QLDROPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _reset(store, folder: Path, model_id: str) -> None:
    with store.transaction() as conn:
        conn.execute(sa.delete(t.embeddings).where(t.embeddings.c.model_id == model_id))
    store.index.backend = None
    store.index._folder = folder  # a fresh mirror folder: nothing to reuse


def _vectors(store, model_id: str, dim: int, hashes: list[str]) -> np.ndarray:
    with store.reading() as conn:
        got = load_vectors(conn, model_id, dim, hashes)
    return np.vstack([got[h] for h in hashes])


@contextlib.contextmanager
def _cluster(engine: str, workers: int):
    """``workers`` worker processes of ``engine`` on this machine: a Dask client or a Ray pool."""
    if engine == "ray":
        with engines.ray_pool(workers=workers) as pool:
            yield pool
        return
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cl, \
            Client(cl, set_as_default=False) as client:
        yield client


def main(quick: bool = False, n: int | None = None, db: str = "postgresql", engine: str = "dask") -> dict:
    from bench_indexer import corpus

    n = n or (200 if quick else 2000)
    texts = corpus(n)
    results: dict = {"machine": "2-core Debian 12, Python 3.11, shared with other jobs",
                     "load_average_at_start": [round(x, 2) for x in os.getloadavg()], "chunks": len(texts), "db": db,
                     "engine": engine}
    tmp = Path(tempfile.mkdtemp(prefix="qldrops-bench-dist-"))
    admin = None
    if db == "postgresql":
        name = f"qldrops_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp / 'bench.db'}"
    settings = Settings(data_dir=str(tmp), index_dir=str(tmp / "index"), progress=False)
    store = qldrops.connect(url, settings=settings)
    try:
        store.put_many([dict(workflow_id=f"wf-{i // 50}", drop_type="code_generation", artifact=x,
                             metadata={"filename": f"chunk_{i}.py"}) for i, x in enumerate(texts)])
        hashes = list(dict.fromkeys(hashlib.sha256(x.encode()).hexdigest() for x in texts))
        emb = store.index.embedder
        started = time.perf_counter()
        emb.embed(["warm up"])  # the import and model load are not part of the pipeline's figure
        results["single_model_load_seconds"] = round(time.perf_counter() - started, 1)

        _reset(store, tmp / "index-single", emb.model_id)
        wall, cpu = time.perf_counter(), time.process_time()
        report = store.index.sync(save=True)
        single = {"seconds": round(time.perf_counter() - wall, 1), "cpu_seconds": round(time.process_time() - cpu, 1),
                  "indexed": report.added + report.updated + report.pending}
        single["chunks_per_second"] = round(len(texts) / single["seconds"], 2)
        results["single"] = single
        base = _vectors(store, emb.model_id, emb.dim, hashes)
        print(json.dumps({"single": single}), flush=True)

        for workers in (1, 2):
            _reset(store, tmp / f"index-{engine}-{workers}", emb.model_id)
            started = time.perf_counter()
            with _cluster(engine, workers) as client:
                warm = preload(store.index, client)  # the model on every worker, as the tasks will use it
                ready = time.perf_counter() - started
                wall = time.perf_counter()
                rep = store.index.sync_distributed(client, batch=50, progress=False)
                seconds = time.perf_counter() - wall
            got = _vectors(store, emb.model_id, emb.dim, hashes)
            run = {"workers": workers, "seconds": round(seconds, 1), "chunks_per_second": round(len(texts) / seconds, 2),
                   "ratio_to_single": round(single["seconds"] / seconds, 2),
                   "cpu_seconds": round(rep.cpu_seconds, 1), "embedded": rep.embedded, "tasks": rep.tasks,
                   "cluster_start_and_model_load_seconds": round(ready, 1),
                   "model_load_seconds_per_worker": [round(v, 1) for v in warm.values()],
                   "max_abs_diff_to_single": float(np.abs(got - base).max()),
                   "min_cosine_to_single": float((got * base).sum(axis=1).min())}
            results[f"{engine}_{workers}"] = run
            print(json.dumps({f"{engine}_{workers}": run}), flush=True)
        t1, t2 = results[f"{engine}_1"]["seconds"], results[f"{engine}_2"]["seconds"]
        results["scaling_efficiency_1_to_2_workers"] = round((t1 / t2) / 2, 2)
        per_chunk = results[f"{engine}_2"]["cpu_seconds"] / len(texts)
        results["cpu_seconds_per_million_chunks"] = {
            "single": round(single["cpu_seconds"] / len(texts) * 1e6),
            f"{engine}_2": round(per_chunk * 1e6),
            "note": "one chunk = one drop of 40-60 lines; CPU-hours per million = this / 3600"}
        results["wall_hours_per_million_chunks_on_this_machine"] = round(t2 / len(texts) * 1e6 / 3600, 1)
    finally:
        store.close()
        if admin is not None:
            with admin.connect() as c:
                c.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
                c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            admin.dispose()
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


if __name__ == "__main__":
    args = sys.argv[1:]
    count = int(args[args.index("--n") + 1]) if "--n" in args else None
    kind = args[args.index("--db") + 1] if "--db" in args else "postgresql"
    which = args[args.index("--engine") + 1] if "--engine" in args else "dask"
    print(json.dumps(main(quick="--quick" in args, n=count, db=kind, engine=engines.check_engine(which)), indent=2))
