"""Embedding throughput of the ingest pipeline against raw ``SentenceTransformer.encode``.

The pipeline is what ``store.index.sync()`` runs for new content: read each artifact
from the database, chunk it by the model's tokenizer (256 tokens, overlap), encode,
pool, and save the vector in the ``embeddings`` table. The baseline is
``model.encode(texts, normalize_embeddings=True)`` of the same texts on the same model
object, in the same run (raw encode truncates at 256 tokens, so the code files here are
kept near one window to compare like with like). Goal: at least 0.9x.

Run: ``.venv/bin/python benchmarks/bench_embed.py [--quick]``.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import qldrops
from qldrops.settings import Settings


def _short(n: int) -> list[str]:
    rnd = random.Random(1)
    words = ["token", "refresh", "handler", "request", "response", "user", "session", "cache", "retry", "backoff", "config", "parser", "schema", "migration", "queue", "worker", "upload", "image", "render", "button", "state", "props", "router"]
    return [" ".join(rnd.choice(words) for _ in range(15)) + f" {i}" for i in range(n)]


def _code(n: int) -> list[str]:
    rnd = random.Random(2)
    out = []
    for i in range(n):
        lines = [f"def handler_{i}(request, retries={rnd.randint(1, 9)}):"]
        for j in range(9):
            lines.append(f"    value_{j} = request.get('field_{rnd.randint(0, 99)}') or {rnd.randint(0, 999)}")
        lines.append("    return {'ok': True}")
        out.append("\n".join(lines))
    return out


def _measure(store, embedder, texts: list[str], tag: str) -> dict:
    from qldrops.index.embstore import embed_and_save

    model = embedder.model
    model.encode(texts[:8], normalize_embeddings=True)  # warm
    drops = store.put_many([{"workflow_id": f"bench-{tag}", "drop_type": "code_generation", "artifact": x}
                            for x in texts], progress=False)
    hashes = [d.content_hash for d in drops]
    import sqlalchemy as sa

    from qldrops.store import schema as t

    raw_s = ours_s = float("inf")
    for _ in range(3):  # interleaved, best of three: other work shares these two cores
        a = time.perf_counter()
        model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True, show_progress_bar=False)
        raw_s = min(raw_s, time.perf_counter() - a)
        with store.transaction() as conn:  # forget the vectors so the pipeline embeds again
            conn.execute(sa.delete(t.embeddings).where(t.embeddings.c.content_hash.in_(hashes)))
        a = time.perf_counter()
        embed_and_save(store, embedder, hashes)
        ours_s = min(ours_s, time.perf_counter() - a)
    chunks = sum(len(embedder.chunk(x)) for x in texts)
    return {"texts": len(texts), "chunks": chunks, "raw_per_s": round(len(texts) / raw_s, 1),
            "pipeline_per_s": round(len(texts) / ours_s, 1), "throughput_ratio": round(raw_s / ours_s, 3)}


def main(quick: bool = False) -> dict:
    from qldrops.index.embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(progress=False)
    results: dict = {"machine": "2-core Debian 12, Python 3.11", "model": embedder.model_id}
    with tempfile.TemporaryDirectory() as d:
        settings = Settings(data_dir=d, index_dir=str(Path(d) / "index"), progress=False)
        store = qldrops.connect(f"sqlite:///{d}/embed.db", settings=settings)
        results["short_texts"] = _measure(store, embedder, _short(100 if quick else 400), "short")
        print(json.dumps(results["short_texts"]), flush=True)
        results["code_files"] = _measure(store, embedder, _code(16 if quick else 64), "code")
        print(json.dumps(results["code_files"]), flush=True)
        store.close()
    return results


if __name__ == "__main__":
    print(json.dumps(main(quick="--quick" in sys.argv), indent=2))
