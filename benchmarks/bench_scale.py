"""Past one machine's memory: the IVF-PQ index (kind ``ivfpq``) at 3M vectors of 384 dimensions.

What it measures, in one run (every ratio against a baseline from the same run):

* build: training time (coarse quantiser + PQ codebooks) and the time to add every vector;
* memory: the index's own file size and the process's anonymous RSS before and after the build
  (the vectors live in a file-backed ``np.memmap``, so they are not counted as the index's memory);
* single-query latency p50/p99: raw FAISS ``search`` of the IVF-PQ index for k=10, against what
  the library does (``vectors.pq_rerank(n)`` x k candidates, then an exact re-rank of their vectors; here the
  vectors come from the memmap, standing in for the database read that ``similar`` does with its
  check of every answer: that read is measured through the library at 1M in ``bench_index.py``);
* recall@10 against exact inner-product search (numpy over the memmap, what ``IndexFlatIP``
  computes) on 200 held-out queries, with and without the re-rank, for several ``nprobe``.

Vectors are synthetic but clustered like text embeddings: 200 topics x 20 subtopics, points
scattered around their subtopic, with a decaying variance spectrum over randomly permuted dimensions
(real sentence embeddings are anisotropic; a permutation instead of a full rotation keeps
generating 3M vectors cheap); queries are 200 further points of the same
distribution, not in the index.

Run (heavy: ~5 GB of disk in $TMPDIR, ~1 GB of RAM besides the page cache; tens of minutes on 2 cores):
``nice -n 10 .venv/bin/python benchmarks/bench_scale.py [--n 3000000] [--m 96] [--nprobe 16,48]``;
``--n 200000`` for a quick look. ``--m`` tries another code size (bytes per vector).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from qldrops.index import vectors as vx

DIM = 384
QUERIES = 200
K = 10
RERANK_SWEEP = (20, 50, 60)


def _rss() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("RssAnon:", "RssFile:", "VmHWM:")):
                key, val, _unit = line.split()
                out[key.rstrip(":")] = int(val) * 1024
    return out


def _pct(xs, p) -> float:
    return float(np.percentile(np.asarray(xs), p))


def clustered(n: int, dim: int = DIM, *, seed: int = 42, chunk: int = 200_000, topics: int = 200, subtopics: int = 20):
    """Yield (start, rows) chunks of n unit vectors clustered like text embeddings (see the module doc)."""
    rng = np.random.default_rng(seed)
    spectrum = (1.0 / np.sqrt(np.arange(dim) + 8.0)).astype(np.float32)
    spectrum = spectrum[rng.permutation(dim)]  # the strong directions spread over every PQ sub-space

    def shaped(rows: int, scale: float) -> np.ndarray:
        return rng.standard_normal((rows, dim), dtype=np.float32) * (spectrum * scale)

    centres = shaped(topics, 1.0)
    subs = (np.repeat(centres, subtopics, axis=0) + shaped(topics * subtopics, 0.55))
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        which = rng.integers(0, len(subs), rows)
        x = subs[which] + shaped(rows, 0.45)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        yield start, x.astype(np.float32)


def exact_topk(xb: np.ndarray, q: np.ndarray, k: int, chunk: int = 250_000) -> np.ndarray:
    """Exact inner-product top-k ids (what IndexFlatIP returns), streamed over xb."""
    best_s = np.full((len(q), k), -np.inf, dtype=np.float32)
    best_i = np.full((len(q), k), -1, dtype=np.int64)
    for s in range(0, len(xb), chunk):
        scores = q @ np.asarray(xb[s:s + chunk]).T
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        cand_s = np.concatenate([best_s, np.take_along_axis(scores, top, axis=1)], axis=1)
        cand_i = np.concatenate([best_i, top + s], axis=1)
        order = np.argsort(-cand_s, axis=1, kind="stable")[:, :k]
        best_s, best_i = np.take_along_axis(cand_s, order, axis=1), np.take_along_axis(cand_i, order, axis=1)
    return best_i


def _recall(got: list, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a[a >= 0]) & set(b)) / len(b) for a, b in zip(got, truth)]))


def main(n: int, m_override: int = 0, nprobes: tuple[int, ...] = (16, 32, 48, 64, 128)) -> dict:
    faiss = vx.faiss_module()
    res: dict = {"n": n, "dim": DIM, "machine": "2-core Debian 12, Python 3.11, faiss-cpu " + faiss.__version__,
                 "load_average_start": os.getloadavg()}
    tmp = Path(tempfile.mkdtemp(prefix="qldrops-scale-"))
    path = tmp / "vectors.f32"
    try:
        a = time.perf_counter()
        xb = np.memmap(path, dtype=np.float32, mode="w+", shape=(n, DIM))
        queries = np.zeros((0, DIM), dtype=np.float32)
        for start, rows in clustered(n + QUERIES):
            take = rows[: max(0, min(len(rows), n - start))]
            xb[start:start + len(take)] = take
            if len(take) < len(rows):
                queries = np.vstack([queries, rows[len(take):]])
        xb.flush()
        res["generate_s"] = round(time.perf_counter() - a, 1)
        res["vectors_file_bytes"] = path.stat().st_size
        print(json.dumps(res), flush=True)

        before = _rss()
        nlist, m = vx.IVFPQIndex.shape(n, DIM)
        a = time.perf_counter()
        sample = np.asarray(xb[np.sort(np.random.default_rng(0).choice(n, size=min(n, 40 * nlist), replace=False))])
        if m_override:
            vx.PQ_M = m_override  # a what-if: more bytes per vector
        index = vx.IVFPQIndex.trained(DIM, sample, n)
        del sample
        res["train_s"] = round(time.perf_counter() - a, 1)
        a = time.perf_counter()
        for s in range(0, n, 200_000):
            index.append(np.arange(s, min(n, s + 200_000), dtype=np.int64), np.asarray(xb[s:s + 200_000]))
        res["add_s"] = round(time.perf_counter() - a, 1)
        after = _rss()
        res.update(nlist=nlist, m=m, rerank=index.rerank,
                   rss_anon_before_build=before["RssAnon"], rss_anon_after_build=after["RssAnon"],
                   rss_anon_index=after["RssAnon"] - before["RssAnon"], vm_hwm=after["VmHWM"])
        a = time.perf_counter()
        faiss.write_index(index.faiss_index, str(tmp / "ivfpq.faiss"))
        res["write_s"] = round(time.perf_counter() - a, 2)
        res["index_file_bytes"] = (tmp / "ivfpq.faiss").stat().st_size
        res["index_bytes_per_vector"] = round(res["index_file_bytes"] / n, 1)
        print(json.dumps(res), flush=True)

        a = time.perf_counter()
        truth = exact_topk(xb, queries, K)
        res["exact_batch_s"] = round(time.perf_counter() - a, 1)
        res["exact_per_query_ms_batched"] = round(res["exact_batch_s"] * 1000 / QUERIES, 1)

        # A few single exact queries (what one brute-force IndexFlatIP search costs) as the speed baseline.
        flat_ms = []
        for q in queries[:5]:
            a = time.perf_counter()
            exact_topk(xb, q[None, :], K)
            flat_ms.append((time.perf_counter() - a) * 1000)
        res["exact_single_p50_ms"] = round(_pct(flat_ms, 50), 1)

        sweep = []
        for nprobe in nprobes:
            index.ivf.nprobe = nprobe
            depth = index.rerank  # what the library fetches at this size (vectors.pq_rerank)
            for q in queries[:20]:  # warm up
                index.search(q[None, :], K * depth)
            raw_ms, lib_ms, got_raw, got_lib = [], [], [], []
            for q in queries:
                q1 = q[None, :]
                a = time.perf_counter()
                _, ids = index.search(q1, K)
                b = time.perf_counter()
                _, cand = index.search(q1, K * depth)
                c = cand[0][cand[0] >= 0]
                exact = np.asarray(xb[np.sort(c)]) @ q  # the re-rank: stored vectors of the candidates
                top = np.sort(c)[np.argsort(-exact, kind="stable")[:K]]
                e = time.perf_counter()
                raw_ms.append((b - a) * 1000)
                lib_ms.append((e - b) * 1000)
                got_raw.append(ids[0])
                got_lib.append(top)
            deeper = {}
            for factor in RERANK_SWEEP:  # recall only: how deep a re-rank this data needs
                got = []
                for q in queries:
                    _, cand = index.search(q[None, :], K * factor)
                    c = np.sort(cand[0][cand[0] >= 0])
                    got.append(c[np.argsort(-(np.asarray(xb[c]) @ q), kind="stable")[:K]])
                deeper[f"recall@10_reranked_{factor}k"] = round(_recall(got, truth), 3)
            row = {"nprobe": nprobe, "rerank": depth, **deeper, "raw_p50_ms": round(_pct(raw_ms, 50), 3), "raw_p99_ms": round(_pct(raw_ms, 99), 3),
                   "rerank_p50_ms": round(_pct(lib_ms, 50), 3), "rerank_p99_ms": round(_pct(lib_ms, 99), 3),
                   "p50_ratio": round(_pct(lib_ms, 50) / _pct(raw_ms, 50), 2),
                   "speedup_vs_exact_single": round(res["exact_single_p50_ms"] / _pct(lib_ms, 50), 1),
                   "recall@10_pq_only": round(_recall(got_raw, truth), 3),
                   "recall@10_reranked": round(_recall(got_lib, truth), 3)}
            sweep.append(row)
            print(json.dumps(row), flush=True)
        res["sweep"] = sweep
        res["load_average_end"] = os.getloadavg()
        return res
    finally:
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    n = int(sys.argv[sys.argv.index("--n") + 1]) if "--n" in sys.argv else 3_000_000
    m = int(sys.argv[sys.argv.index("--m") + 1]) if "--m" in sys.argv else 0
    probes = tuple(int(x) for x in sys.argv[sys.argv.index("--nprobe") + 1].split(",")) if "--nprobe" in sys.argv \
        else (16, 32, 48, 64, 128)
    print(json.dumps(main(n, m, probes), indent=2))
