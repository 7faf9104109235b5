"""The page cache on a replayed access pattern: hit rate and page-data time, with and without it.

A preview page needs, per visit: the link's project (``store.project``, through
``project_of``), the first file's analysis (the Quality tab) and the drops most like it
(the Similar tab). This script replays visits to the demo corpus's workflows, a few often
and many rarely (80 % of visits go to 3 workflows, the rest spread evenly), with a write
to a random workflow every ``write_every`` visits (a new version of one of its drops), and
measures per visit the time to compute what the page shows:

* **baseline**: the cache off (``QLDROPS_CACHE_MAX_MB=0``), every visit computes everything;
* **memory**: the in-process cache (one server process);
* **redis**: the Redis cache (``QLDROPS_REDIS_URL``), as several servers would share it.

Figures: p50 / mean page-data time per visit (ratio against the baseline in the same
run), the hit rate over all lookups and for the frequently viewed workflows only, and the
number of stale answers (a visit after a write must show the written text: counted, must
be 0).

Run: ``.venv/bin/python benchmarks/bench_cache.py [--quick]``.
"""

from __future__ import annotations

import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import qldrops  # noqa: E402
from qldrops.analysis.core import analyze  # noqa: E402
from qldrops.settings import Settings  # noqa: E402

REDIS_URL = os.environ.get("QLDROPS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def pattern(workflows: list[str], visits: int, seed: int = 7) -> list[str]:
    """Visits: 80 % to the first 3 workflows (the popular ones), the rest evenly over all others."""
    rnd = random.Random(seed)
    hot, cold = workflows[:3], workflows[3:]
    return [rnd.choice(hot) if rnd.random() < 0.8 or not cold else rnd.choice(cold) for _ in range(visits)]


def page_data(store, workflow: str) -> tuple[str, str]:
    """What one preview visit computes: the project, the first file's analysis and similar drops.

    Returns (first path, its text) so the replay can check it against the last write.
    """
    project = store.project(workflow)
    path, item = min(project.files.items())
    digest = hashlib.sha256(item.text.encode("utf-8", "surrogatepass")).hexdigest()
    store.cache.remember("analysis", (digest, path), lambda: analyze(item.text, path))
    if item.drop_id is not None:
        list(store.similar(item.drop_id, k=9))
    return path, item.text


def replay(url: str, folder: str, visits: list[str], *, mode: str, write_every: int, seed: int = 11) -> dict:
    settings = Settings(data_dir=folder, index_dir=f"{folder}/index", embedding_model="fake", progress=False,
                        cache_max_mb=0 if mode == "baseline" else 256,
                        redis_url=REDIS_URL if mode == "redis" else "",
                        cache_secret=f"bench {time.time()}")  # a fresh key: nothing from an earlier run
    store = qldrops.connect(url, settings=settings, migrate_schema=False)
    rnd = random.Random(seed)
    counts = {"hot_hits": 0, "hot_lookups": 0}
    times: list[float] = []
    stale = 0
    written: dict[str, str] = {}  # workflow -> the text its first file must show now
    popular = {w for w, _ in sorted({w: visits.count(w) for w in set(visits)}.items(), key=lambda kv: -kv[1])[:3]}
    try:
        for i, workflow in enumerate(visits):
            if write_every and i and i % write_every == 0:  # somebody edits a drop of some workflow
                target = rnd.choice(sorted(set(visits)))
                project = store.project(target)
                path, item = min(project.files.items())
                if item.drop_id is not None and not item.derived:
                    text = item.text.rstrip("\n") + f"\n# edit {i}\n"
                    drop = store.get(item.drop_id)
                    header = drop.artifact.split("\n", 1)[0] if drop.artifact.startswith("# File:") else ""
                    store.update(item.drop_id, artifact=(header + "\n" + text) if header else text)
                    written[target] = store.project(target).files[path].text
            before = (store.cache.hits, store.cache.misses)
            started = time.perf_counter()
            path, text = page_data(store, workflow)
            times.append(time.perf_counter() - started)
            if workflow in written and written[workflow] != text:
                stale += 1
            if workflow in popular:
                counts["hot_hits"] += store.cache.hits - before[0]
                counts["hot_lookups"] += (store.cache.hits - before[0]) + (store.cache.misses - before[1])
        stats = store.cache.stats()
    finally:
        store.close()
    return {
        "visits": len(visits),
        "p50_ms": round(1000 * statistics.median(times), 2),
        "p90_ms": round(1000 * pct(times, 0.9), 2),
        "mean_ms": round(1000 * statistics.fmean(times), 2),
        "hit_rate": stats["hit_rate"] if mode != "baseline" else None,
        "hit_rate_popular": round(counts["hot_hits"] / counts["hot_lookups"], 3)
        if counts["hot_lookups"] and mode != "baseline" else None,
        "stale_answers": stale,
    }


def main(quick: bool = False) -> dict:
    from qldrops import demo

    n_visits, write_every = (150, 25) if quick else (600, 25)
    out: dict = {"quick": quick, "load_avg_before": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/qldrops.db"
        store = qldrops.connect(url, settings=Settings(data_dir=folder, index_dir=f"{folder}/index",
                                                       embedding_model="fake", progress=False))
        demo.load(store, progress=False)
        workflows = sorted(w["workflow_id"] for w in store.workflows())
        store.close()
        rnd = random.Random(3)
        rnd.shuffle(workflows)
        visits = pattern(workflows, n_visits)
        out["workflows"] = len(workflows)
        modes = ["baseline", "memory"]
        try:
            from qldrops.store.cache import RedisBackend

            RedisBackend(REDIS_URL)._client.ping()
            modes.append("redis")
        except Exception as exc:  # noqa: BLE001 - Redis optional for a local run
            out["redis"] = f"skipped: {type(exc).__name__}"
        # warm-up (imports, analysers' first calls), not measured
        replay(url, folder, visits[:10], mode="baseline", write_every=0)
        for mode in modes:
            out[mode] = replay(url, folder, visits, mode=mode, write_every=write_every)
    base = out["baseline"]
    for mode in modes[1:]:
        r = out[mode]
        r["p50_vs_baseline"] = round(r["p50_ms"] / base["p50_ms"], 3)
        r["mean_vs_baseline"] = round(r["mean_ms"] / base["mean_ms"], 3)
    out["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
    for key, value in out.items():
        print(f"{key}: {value}")
    return out


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
