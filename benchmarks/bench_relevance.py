"""Search relevance on the demo corpus: nDCG@10 of full-text, semantic and hybrid search.

`.venv/bin/python benchmarks/bench_relevance.py [--fake]` loads the demo corpus into a
temporary SQLite file, embeds it (the packaged model; `--fake`: the deterministic hashing
embedder, seconds instead of minutes) and asks the labelled queries of
`tests/relevance_queries.py` with `store.search(text, mode=...)` for each mode. The baseline is
full-text search in the same run: each figure is also printed as a ratio against it. It also
prints the cosine of the best answer to real and to nonsense queries (what `MIN_SIMILARITY`,
the "no close match" floor, is chosen from).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

import sqlalchemy as sa  # noqa: E402

import qldrops  # noqa: E402
from qldrops import demo  # noqa: E402
from qldrops.settings import Settings  # noqa: E402
from qldrops.store import schema as t  # noqa: E402
from relevance_queries import NONSENSE, QUERIES, grades_for, ndcg  # noqa: E402

MODES = ("text", "semantic", "hybrid")


def measure(store, k: int = 10) -> dict:
    """nDCG@k per mode over the labelled queries, and what nonsense text gets."""
    with store.reading() as conn:
        drops = [(r.id, r.workflow_id, r.forked_from) for r in conn.execute(
            sa.select(t.drops.c.id, t.drops.c.workflow_id, t.drops.c.forked_from)
            .where(t.drops.c.deleted_at.is_(None)))]
    per_mode: dict[str, list[float]] = {m: [] for m in MODES}
    for text, labels in QUERIES:
        grades = grades_for(labels, drops)
        for mode in MODES:
            per_mode[mode].append(ndcg(store.search(text, mode=mode, limit=k).ids, grades, k))
    out: dict = {"queries": len(QUERIES), "k": k}
    for mode in MODES:
        out[f"ndcg_{mode}"] = round(statistics.mean(per_mode[mode]), 3)
    base = out["ndcg_text"] or 1.0
    for mode in MODES:
        out[f"ratio_{mode}_vs_text"] = round(out[f"ndcg_{mode}"] / base, 3)
    out["hybrid_beats_text_on"] = sum(h > x for h, x in zip(per_mode["hybrid"], per_mode["text"], strict=True))
    out["hybrid_loses_to_text_on"] = sum(h < x for h, x in zip(per_mode["hybrid"], per_mode["text"], strict=True))
    # The floor: best cosine (no floor applied) for real and for nonsense queries.
    best = [store.similar(text, k=1)[0].score for text, _ in QUERIES]
    junk = [store.similar(text, k=1)[0].score for text in NONSENSE]
    out["best_cosine_real_min_p10_median"] = [round(min(best), 3), round(sorted(best)[len(best) // 10], 3),
                                              round(statistics.median(best), 3)]
    out["best_cosine_nonsense_max"] = round(max(junk), 3)
    out["nonsense_answers_hybrid"] = [len(store.search(text, mode="hybrid", limit=k)) for text in NONSENSE]
    return out


def main(quick: bool = False, fake: bool = False) -> dict:
    model = "fake:64" if fake else None
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        extra = {"embedding_model": model} if model else {}
        s = qldrops.connect(f"sqlite:///{tmp / 'demo.db'}",
                            settings=Settings(data_dir=str(tmp), index_dir=str(tmp / "index"), progress=False,
                                              **extra))
        demo.load(s, progress=False)
        t0 = time.perf_counter()
        s.index.sync()
        out = {"embedder": s.index.embedder.model_id, "embed_s": round(time.perf_counter() - t0, 1),
               "load_avg": [round(x, 2) for x in os.getloadavg()]}
        out.update(measure(s))
        s.close()
    return out


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    print(json.dumps(main(quick="--quick" in sys.argv, fake="--fake" in sys.argv), indent=2))
