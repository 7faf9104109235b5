"""One peer of ``bench_peers.py`` (Chroma, txtai or LanceDB), run in the peers' venv.

``python peers_driver.py PEER PLAN.json VECTORS.npy MODEL_DIR WORKDIR`` prints one JSON
object. The plan (texts, queries, truth, updates, deletes) is written by ``bench_peers.py``
from ``bench_indexer.py``'s corpus and perturbed queries; nothing here chooses data.
Same steps for every peer, as for qldrops:

1. ingest with embedding: the peer's own embedding path (its sentence-transformers
   integration, the packaged model folder), all chunks, timed until it returns;
2. ingest with vectors supplied (the same vectors qldrops stores), a second collection;
3. text queries (the query embedded by the peer) on collection 1: p50/p99, recall@1/@10;
4. the write burst on collection 1 (updates re-embedded by the peer, then deletes), the
   first query after it, and every later answer checked: a deleted id, or an updated id
   whose returned text is not the new text, is a stale answer;
5. disk: collection 1's folder after ingest, per 10k chunks.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np

BATCH = 500


def _pct(xs, p):
    return float(np.percentile(np.asarray(xs), p))


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class Chroma:
    def __init__(self, model_dir, work):
        import chromadb
        from chromadb.config import Settings
        from chromadb.utils.embedding_functions import SentenceTransformerEmbeddingFunction
        self.version = chromadb.__version__
        self.ef = SentenceTransformerEmbeddingFunction(model_name=model_dir, device="cpu", normalize_embeddings=True)
        self.client = chromadb.PersistentClient(path=str(work / "chroma"), settings=Settings(anonymized_telemetry=False))

    def warm(self):
        self.ef(["warm up"])

    def create(self, name):
        return self.client.create_collection(name, embedding_function=self.ef, metadata={"hnsw:space": "cosine"})

    def add(self, coll, ids, texts, vecs=None):
        for a in range(0, len(ids), BATCH):
            kw = {"embeddings": vecs[a:a + BATCH]} if vecs is not None else {}
            coll.add(ids=ids[a:a + BATCH], documents=texts[a:a + BATCH], **kw)

    def query(self, coll, q, k=10):
        r = coll.query(query_texts=[q], n_results=k, include=["documents"])
        return list(zip(r["ids"][0], r["documents"][0]))

    def update(self, coll, ids, texts):
        for a in range(0, len(ids), BATCH):
            coll.update(ids=ids[a:a + BATCH], documents=texts[a:a + BATCH])

    def delete(self, coll, ids):
        coll.delete(ids=ids)


class Txtai:
    def __init__(self, model_dir, work):
        import txtai
        from txtai import Embeddings
        self.version = txtai.__version__ if hasattr(txtai, "__version__") else _dist("txtai")
        self.Embeddings = Embeddings
        self.model_dir = model_dir
        self.work = work
        self.lookup: dict[str, np.ndarray] = {}

    def warm(self):
        pass

    def create(self, name):
        if name == "vectors":  # no model: vectors looked up from the supplied matrix
            def transform(inputs):  # txtai wants a plain function here, not a bound method
                return np.vstack([self.lookup[t] for t in inputs]).astype(np.float32)

            e = self.Embeddings(method="external", transform=transform, content=True, backend="faiss")
        else:
            e = self.Embeddings(path=self.model_dir, method="sentence-transformers", content=True, backend="faiss")
            e.transform("warm up")
        e.name = name
        return e

    def add(self, coll, ids, texts, vecs=None):
        if vecs is not None:
            self.lookup = {t: v for t, v in zip(texts, vecs)}
        coll.index([(i, t, None) for i, t in zip(ids, texts)])
        coll.save(str(self.work / f"txtai-{coll.name}"))

    def query(self, coll, q, k=10):
        return [(r["id"], r["text"]) for r in coll.search(q, k)]

    def update(self, coll, ids, texts):
        coll.upsert([(i, t, None) for i, t in zip(ids, texts)])

    def delete(self, coll, ids):
        coll.delete(ids)


class Lance:
    def __init__(self, model_dir, work):
        import lancedb
        from lancedb.embeddings import get_registry
        from lancedb.pydantic import LanceModel, Vector
        self.version = lancedb.__version__
        self.db = lancedb.connect(str(work / "lance"))
        self.fn = get_registry().get("sentence-transformers").create(name=model_dir, device="cpu", normalize=True)
        fn = self.fn

        class Embedded(LanceModel):
            id: str
            text: str = fn.SourceField()
            vector: Vector(fn.ndims()) = fn.VectorField()

        class Plain(LanceModel):
            id: str
            text: str
            vector: Vector(fn.ndims())

        self.schemas = {"embed": Embedded, "vectors": Plain}

    def warm(self):
        self.fn.compute_query_embeddings("warm up")

    def create(self, name):
        return self.db.create_table(name, schema=self.schemas[name])

    def add(self, coll, ids, texts, vecs=None):
        for a in range(0, len(ids), BATCH):
            rows = [{"id": i, "text": t} for i, t in zip(ids[a:a + BATCH], texts[a:a + BATCH])]
            if vecs is not None:
                for r, v in zip(rows, vecs[a:a + BATCH]):
                    r["vector"] = v.tolist()
            coll.add(rows)

    def query(self, coll, q, k=10):
        rows = coll.search(q).distance_type("cosine").limit(k).select(["id", "text"]).to_list()
        return [(r["id"], r["text"]) for r in rows]

    def update(self, coll, ids, texts):
        # merge_insert re-runs the embedding function on the new text
        rows = [{"id": i, "text": t} for i, t in zip(ids, texts)]
        coll.merge_insert("id").when_matched_update_all().execute(rows)

    def delete(self, coll, ids):
        coll.delete("id IN (" + ",".join(f"'{i}'" for i in ids) + ")")


def _dist(name):
    from importlib.metadata import version
    return version(name)


PEERS = {"chroma": Chroma, "txtai": Txtai, "lancedb": Lance}


def run(peer: str, plan: dict, vecs: np.ndarray, model_dir: str, work: Path) -> dict:
    texts, queries, truth = plan["texts"], plan["queries"], plan["truth"]
    ids = [str(i) for i in range(len(texts))]
    sysm = PEERS[peer](model_dir, work)
    out: dict = {"peer": peer, "version": sysm.version, "n": len(texts)}
    sysm.warm()
    coll = sysm.create("embed")
    a = time.perf_counter()
    sysm.add(coll, ids, texts)
    out["ingest_embed_per_s"] = round(len(texts) / (time.perf_counter() - a), 2)
    out["disk_bytes"] = du(work)
    out["disk_mb_per_10k"] = round(out["disk_bytes"] * 10_000 / len(texts) / 1e6, 1)
    coll2 = sysm.create("vectors")
    a = time.perf_counter()
    sysm.add(coll2, ids, texts, vecs)
    out["ingest_vectors_per_s"] = round(len(texts) / (time.perf_counter() - a), 1)
    lat, hit1, hit10 = [], 0, 0
    for q, t in zip(queries, truth):
        a = time.perf_counter()
        res = sysm.query(coll, q)
        lat.append((time.perf_counter() - a) * 1000)
        got = [r[0] for r in res]
        hit1 += bool(got) and got[0] == str(t)
        hit10 += str(t) in got
    out["query_p50_ms"] = round(_pct(lat, 50), 1)
    out["query_p99_ms"] = round(_pct(lat, 99), 1)
    out["recall@1"] = round(hit1 / len(queries), 3)
    out["recall@10"] = round(hit10 / len(queries), 3)
    upd = {str(i): t for i, t in zip(plan["updates"], plan["update_texts"])}
    dele = {str(i) for i in plan["deletes"]}
    a = time.perf_counter()
    sysm.update(coll, list(upd), list(upd.values()))
    sysm.delete(coll, sorted(dele))
    out["writes"] = len(upd) + len(dele)
    out["writes_s"] = round(time.perf_counter() - a, 2)
    stale, first = 0, None
    for q in plan["after_queries"]:
        a = time.perf_counter()
        res = sysm.query(coll, q)
        ms = (time.perf_counter() - a) * 1000
        first = ms if first is None else first
        stale += sum(1 for i, text in res if i in dele or (i in upd and text != upd[i]))
    out["first_query_after_writes_ms"] = round(first, 1)
    out["stale_or_deleted_answers"] = stale
    return out


if __name__ == "__main__":
    peer, plan_path, vec_path, model_dir, work = sys.argv[1:6]
    plan = json.loads(Path(plan_path).read_text())
    vecs = np.load(vec_path)
    Path(work).mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(peer, plan, vecs, model_dir, Path(work))))
