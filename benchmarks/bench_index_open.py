"""Opening a saved exact index: its vectors read back from the database (no second copy on disk)
against reading a FAISS file of the same vectors, the way the index was saved before.

What a process pays to get a searchable mirror (every Voila kernel, every batch script), and
the bytes the file copy took. The store holds ``n`` drops with supplied random unit vectors of
384 dimensions (the packaged model's; the fake embedder's id, so no model runs: the bytes and the
work are those of real vectors). Baselines in the same run:

* ``faiss.read_index`` of the same flat index from a file (raw FAISS, no checks): what the old
  save format cost at best;
* the old format as :mod:`qldrops.index.persist` read it: the file read, its sha256 checked, then
  deserialised.

Run: ``.venv/bin/python benchmarks/bench_index_open.py [--quick]`` (SQLite and PostgreSQL).
"""

from __future__ import annotations

import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import _pg_database

import qldrops
from qldrops.settings import Settings

DIM = 384
MODEL = f"fake:{DIM}"


def _connect(url: str, tmp: Path, index_dir: Path):
    settings = Settings(data_dir=str(tmp), index_dir=str(index_dir), progress=False, embedding_model=MODEL)
    return qldrops.connect(url, settings=settings)


def _fill(store, n: int) -> None:
    rng = np.random.default_rng(0)
    step = 5_000
    for s in range(0, n, step):
        m = min(step, n - s)
        vecs = rng.standard_normal((m, DIM)).astype(np.float32)
        items = [{"workflow_id": f"w{(s + i) % 50}", "drop_type": "code_generation",
                  "artifact": f"def f_{s + i}(x):\n    return x * {s + i}\n"} for i in range(m)]
        store.put_many(items, vectors=vecs, model_id=store.index.embedder.model_id)


def bench(backend: str, url: str, n: int, rounds: int = 5) -> dict:
    import faiss

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        store = _connect(url, tmp, tmp / "index")
        _fill(store, n)
        store.index.sync(save=True)
        folder = store.index.folder
        assert store.index.backend.kind == "flat"
        saved_bytes = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
        old_file = tmp / "flat.faiss"
        faiss.write_index(store.index.backend.faiss_index, str(old_file))
        store.close()

        now, raw, checked = [], [], []
        for _ in range(rounds):  # alternating, best and median of each
            other = _connect(url, tmp, tmp / "index")
            a = time.perf_counter()
            other.index.open()
            now.append(time.perf_counter() - a)
            assert len(other.index.id_map) == n and other.index.backend.kind == "flat"
            other.close()
            a = time.perf_counter()
            idx = faiss.read_index(str(old_file))
            raw.append(time.perf_counter() - a)
            assert idx.ntotal == n
            a = time.perf_counter()
            data = old_file.read_bytes()
            hashlib.sha256(data).hexdigest()
            idx = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
            checked.append(time.perf_counter() - a)
        med = statistics.median
        row = {
            "backend": backend, "n": n,
            "open_now_s": round(med(now), 4), "open_now_best_s": round(min(now), 4),
            "raw_faiss_read_index_s": round(med(raw), 4),
            "old_format_read_and_check_s": round(med(checked), 4),
            "ratio_now_vs_raw_faiss": round(med(now) / med(raw), 2),
            "ratio_now_vs_old_format": round(med(now) / med(checked), 2),
            "saved_folder_bytes_now": saved_bytes,
            "faiss_file_bytes_not_written": old_file.stat().st_size,
        }
    print(f"[{backend} n={n}] open {row['open_now_s']} s = {row['ratio_now_vs_raw_faiss']}x raw faiss.read_index "
          f"({row['raw_faiss_read_index_s']} s), {row['ratio_now_vs_old_format']}x the old file format "
          f"({row['old_format_read_and_check_s']} s); folder {saved_bytes / 1e6:.2f} MB, "
          f"file not written {row['faiss_file_bytes_not_written'] / 1e6:.1f} MB", flush=True)
    return row


def main(quick: bool = False) -> dict:
    sizes = [1_000, 5_000] if quick else [1_000, 10_000, 19_000]  # exact below approx_threshold (20k)
    out = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as d:
            out.append(bench("sqlite", f"sqlite:///{d}/open.db", n))
        out.append(_pg_database(lambda url, n=n: bench("postgresql", url, n)))
    return {"open": out}


if __name__ == "__main__":
    print(json.dumps(main("--quick" in sys.argv), indent=2))
