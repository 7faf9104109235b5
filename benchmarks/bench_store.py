"""Drop store speed, each figure as a ratio to the raw driver in the same run.

* ``get`` by id, p50/p99, against a raw driver ``SELECT`` by primary key of the same row
  (sqlite3 / psycopg on one warm connection).
* ``put_many`` of 10,000 drops of ~2 KB, drops/s, against a raw ``executemany`` (SQLite)
  or ``COPY`` (PostgreSQL) of the same rows into a plain table, plus the raw full text of
  the same text (a bare FTS5 table; ``to_tsvector``). Three rounds alternate the two, new
  content each round; the best time of each counts. Also as CPU seconds (this process's
  threads plus the database's PostgreSQL backends), which the machine's other load does not
  inflate the way it inflates wall time.
* ``put_many(vectors=..., model_id=...)`` (issue 15: ingest with vectors supplied, the model never
  runs) followed by the index sync that makes them searchable, against the same raw insert and
  raw full text plus a raw FAISS ``add_with_ids`` of the same vectors (``--vectors``: SQLite and
  PostgreSQL, best of three rounds each).
* Dedup and compression ratios on the demo corpus.

Run: ``.venv/bin/python benchmarks/bench_store.py [--quick] [--vectors]``.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qldrops  # noqa: E402
from qldrops.settings import Settings  # noqa: E402

PG_ADMIN = os.environ.get("QLDROPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


# The raw driver fetching what store.get returns: the drop row and its content.
JOIN_SQL = ("SELECT d.*, b.codec, b.data FROM drops d JOIN blobs b ON b.hash = d.content_hash "
            "WHERE d.id = {p}")


def _pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def _docs(n: int, seed: int = 1) -> list[dict]:
    rnd = random.Random(seed)
    words = ("token refresh handler request response user session cache retry backoff config "
             "database query index search model vector embed parse render stream error").split()
    out = []
    for i in range(n):
        body = []
        while sum(len(x) for x in body) < 2000:
            body.append(f"def {rnd.choice(words)}_{rnd.randint(0, 9999)}({rnd.choice(words)}):\n"
                        f"    return {rnd.choice(words)}.{rnd.choice(words)}({rnd.randint(0, 99)})\n")
        out.append({"workflow_id": f"wf-{i // 10:05d}", "drop_type": "code_generation", "artifact": "".join(body),
                    "metadata": {"language": "python", "filename": f"m{i}.py"}})
    return out


def _time_gets(fn, ids, repeat):
    samples = []
    for _ in range(repeat):
        for i in ids:
            t0 = time.perf_counter_ns()
            fn(i)
            samples.append((time.perf_counter_ns() - t0) / 1e6)
    return samples


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    """CPU seconds a process on this machine has used (/proc), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


class _Cpu:
    """CPU seconds of this process (every thread) plus this database's PostgreSQL backends.

    Wall time on a shared 2-core machine mostly measures the neighbours; CPU seconds do not.
    Backends are found in pg_stat_activity by database name; one that starts during a measured
    call (put_many's second connection) counts from zero."""

    def __init__(self, pg_url: str | None):
        self.mon = self.db = None
        if pg_url:
            import psycopg

            self.mon = psycopg.connect(pg_url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
            self.db = self.mon.execute("SELECT current_database()").fetchone()[0]

    def _backends(self) -> dict[int, float]:
        if self.mon is None:
            return {}
        pids = [r[0] for r in self.mon.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (self.db,))]
        return {p: _proc_cpu(p) for p in pids}

    def __enter__(self):
        self.t0, self.b0 = time.process_time(), self._backends()
        return self

    def __exit__(self, *exc):
        b1 = self._backends()
        self.seconds = time.process_time() - self.t0 + sum(v - self.b0.get(p, 0.0) for p, v in b1.items())

    def close(self):
        if self.mon is not None:
            self.mon.close()


def _raw_sqlite(url: str) -> sqlite3.Connection:
    """The baseline's connection, set up as the store sets up its own (qldrops/store/db.py): WAL,
    synchronous=FULL, the same page cache and memory map (with SQLite's default 2 MB cache a
    10,000-row transaction spills pages to the WAL before its commit, which the store's does not)."""
    raw = sqlite3.connect(url.removeprefix("sqlite:///"))
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "cache_size=-65536", "mmap_size=268435456",
                   "journal_size_limit=8388608"):
        raw.execute(f"PRAGMA {pragma}")
    return raw


def _raw_put(kind: str, raw, rows) -> tuple[float, float]:
    """(seconds for the raw bulk insert, seconds for raw full text) of these rows."""
    if kind == "sqlite":
        t0 = time.perf_counter()
        with raw:
            raw.executemany("INSERT INTO raw_drops (workflow_id, drop_type, artifact, metadata) VALUES (?,?,?,?)",
                            rows)
        t_raw = time.perf_counter() - t0
        # What full text costs by itself: the same documents into a bare FTS5 table.
        t0 = time.perf_counter()
        with raw:
            raw.executemany("INSERT INTO raw_fts (body) VALUES (?)", [(r[2],) for r in rows])
        return t_raw, time.perf_counter() - t0
    t0 = time.perf_counter()
    with raw.transaction():
        with raw.cursor().copy("COPY raw_drops (workflow_id, drop_type, artifact, metadata) FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)
    t_raw = time.perf_counter() - t0
    # What full text costs by itself: PostgreSQL computing the same tsvectors.
    t0 = time.perf_counter()
    raw.execute("SELECT count(to_tsvector('english', artifact)) FROM raw_drops WHERE id > %s", (raw_top(raw),))
    return t_raw, time.perf_counter() - t0


def raw_top(raw) -> int:
    return raw.execute("SELECT last_tsvector_id FROM raw_mark").fetchone()[0]


def bench_backend(kind: str, url: str, n_put: int, n_get: int, rounds: int = 3) -> dict:
    """put_many and its baseline alternate for ``rounds`` rounds (new content each round, so
    nothing dedups); the best time of each counts, so a burst of load on this shared machine
    during one of them does not decide the ratio."""
    settings = Settings(progress=False, embedding_model="fake")
    store = qldrops.connect(url, settings=settings)
    if kind == "sqlite":
        raw = _raw_sqlite(url)
        raw.execute("CREATE TABLE raw_drops (id INTEGER PRIMARY KEY, workflow_id TEXT, drop_type TEXT, "
                    "artifact TEXT, metadata TEXT)")
        raw.execute("CREATE VIRTUAL TABLE raw_fts USING fts5(body, tokenize='porter unicode61')")
        raw_get = lambda i: raw.execute("SELECT * FROM drops WHERE id = ?", (i,)).fetchone()  # noqa: E731
        raw_join = lambda i: raw.execute(JOIN_SQL.format(p="?"), (i,)).fetchone()  # noqa: E731
        baseline = "sqlite3 executemany"
    else:
        import psycopg

        raw = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
        raw.execute("CREATE TABLE raw_drops (id BIGSERIAL PRIMARY KEY, workflow_id TEXT, drop_type TEXT, "
                    "artifact TEXT, metadata JSONB)")
        raw.execute("CREATE TABLE raw_mark (last_tsvector_id BIGINT)")
        raw.execute("INSERT INTO raw_mark VALUES (0)")
        raw_get = lambda i: raw.execute("SELECT * FROM drops WHERE id = %s", (i,), prepare=True).fetchone()  # noqa: E731
        raw_join = lambda i: raw.execute(JOIN_SQL.format(p="%s"), (i,), prepare=True).fetchone()  # noqa: E731
        baseline = "psycopg COPY"
    puts, raws, ftss, drops = [], [], [], None
    cpu = _Cpu(url if kind != "sqlite" else None)
    cpu_put, cpu_base = [], []
    for r in range(rounds):
        docs = _docs(n_put, seed=1 + r)
        t0 = time.perf_counter()
        with cpu:
            got = store.put_many(docs)
        puts.append(time.perf_counter() - t0)
        cpu_put.append(cpu.seconds)
        drops = drops or got
        rows = [(d["workflow_id"], d["drop_type"], d["artifact"], json.dumps(d["metadata"])) for d in docs]
        with cpu:
            t_raw, t_fts = _raw_put(kind, raw, rows)
        cpu_base.append(cpu.seconds)
        raws.append(t_raw)
        ftss.append(t_fts)
        if kind != "sqlite":
            raw.execute("UPDATE raw_mark SET last_tsvector_id = (SELECT max(id) FROM raw_drops)")
    t_put, t_raw, t_fts = min(puts), min(raws), min(ftss)
    cpu.close()
    assert drops is not None

    # -- get by id vs raw SELECT by primary key, interleaved so both see the same machine state
    ids = [d.id for d in random.Random(2).sample(list(drops), min(n_get, len(drops)))]
    for i in ids[:50]:
        store.get(i), raw_get(i)
    ours, theirs, joined = [], [], []
    for _ in range(3):
        theirs += _time_gets(raw_get, ids, 1)
        joined += _time_gets(raw_join, ids, 1)
        ours += _time_gets(store.get, ids, 1)
    raw.close()
    store.close()
    p50, p99 = _pct(ours, 50), _pct(ours, 99)
    r50, r99 = _pct(theirs, 50), _pct(theirs, 99)
    j50, j99 = _pct(joined, 50), _pct(joined, 99)
    return {
        "backend": kind,
        "get_p50_ms": round(p50, 3), "get_p99_ms": round(p99, 3),
        "raw_get_p50_ms": round(r50, 3), "raw_get_p99_ms": round(r99, 3),
        "get_p50_ratio": round(p50 / r50, 2), "get_p99_ratio": round(p99 / r99, 2),
        "raw_join_p50_ms": round(j50, 3), "get_p50_ratio_vs_raw_join": round(p50 / j50, 2),
        "get_p99_ratio_vs_raw_join": round(p99 / j99, 2),
        "put_many_drops_per_s": round(n_put / t_put), "raw_rows_per_s": round(n_put / t_raw),
        "put_many_ratio": round((n_put / t_put) / (n_put / t_raw), 2), "put_baseline": baseline,
        "fulltext_alone_s": round(t_fts, 3), "put_many_s": round(t_put, 3), "raw_bulk_s": round(t_raw, 3),
        "put_many_ratio_vs_raw_plus_fulltext": round((t_raw + t_fts) / t_put, 2),
        "n_put": n_put, "rounds": rounds, "put_many_s_each": [round(x, 3) for x in puts],
        "raw_plus_fulltext_s_each": [round(a + b, 3) for a, b in zip(raws, ftss)],
        "put_many_cpu_s": round(min(cpu_put), 3), "raw_plus_fulltext_cpu_s": round(min(cpu_base), 3),
        "put_many_cpu_ratio_vs_raw_plus_fulltext": round(min(cpu_base) / min(cpu_put), 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def bench_vectors(kind: str, url: str, n: int, rounds: int = 3) -> dict:
    """put_many with vectors supplied + the sync that makes them searchable, against raw insert +
    raw full text + raw FAISS add of the same rows and vectors, alternating, best of each."""
    import faiss
    import numpy as np

    store = qldrops.connect(url, settings=Settings(progress=False, embedding_model="fake"))
    store.index.sync()  # the mirror open, as in a process that serves queries
    model, dim = store.index.embedder.model_id, store.index.embedder.dim
    if kind == "sqlite":
        raw = _raw_sqlite(url)
        raw.execute("CREATE TABLE IF NOT EXISTS raw_drops (id INTEGER PRIMARY KEY, workflow_id TEXT, "
                    "drop_type TEXT, artifact TEXT, metadata TEXT)")
        raw.execute("CREATE VIRTUAL TABLE IF NOT EXISTS raw_fts USING fts5(body, tokenize='porter unicode61')")
    else:
        import psycopg

        raw = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
        raw.execute("CREATE TABLE IF NOT EXISTS raw_drops (id BIGSERIAL PRIMARY KEY, workflow_id TEXT, "
                    "drop_type TEXT, artifact TEXT, metadata JSONB)")
        raw.execute("CREATE TABLE IF NOT EXISTS raw_mark (last_tsvector_id BIGINT)")
        raw.execute("INSERT INTO raw_mark SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM raw_mark)")
    ours, base = [], []
    flat = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    for r in range(rounds):
        docs = _docs(n, seed=100 + r)
        vecs = np.random.default_rng(r).standard_normal((n, dim)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        t0 = time.perf_counter()
        drops = store.put_many(docs, vectors=vecs, model_id=model)
        rep = store.index.sync(save=False)
        ours.append(time.perf_counter() - t0)
        assert all(d.id in store.index.id_map for d in drops), rep
        rows = [(d["workflow_id"], d["drop_type"], d["artifact"], json.dumps(d["metadata"])) for d in docs]
        t0 = time.perf_counter()
        _raw_put(kind, raw, rows)
        flat.add_with_ids(vecs, np.arange(r * n, (r + 1) * n, dtype=np.int64))
        base.append(time.perf_counter() - t0)
        if kind != "sqlite":
            raw.execute("UPDATE raw_mark SET last_tsvector_id = (SELECT max(id) FROM raw_drops)")
    raw.close()
    store.close()
    return {"backend": kind, "n": n, "dim": dim, "put_many_vectors_s_each": [round(x, 3) for x in ours],
            "raw_plus_fulltext_plus_faiss_s_each": [round(x, 3) for x in base],
            "put_many_vectors_per_s": round(n / min(ours)),
            "ratio_vs_raw_plus_fulltext_plus_faiss": round(min(base) / min(ours), 2),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def _pg_database(fn):
    """Run ``fn(url)`` on a fresh PostgreSQL database, dropped afterwards."""
    import sqlalchemy as sa

    name = f"qldrops_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        return fn(sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main_vectors(n: int) -> list[dict]:
    out = []
    with tempfile.TemporaryDirectory() as d:
        out.append(bench_vectors("sqlite", f"sqlite:///{d}/vec.db", n))
    out.append(_pg_database(lambda url: bench_vectors("postgresql", url, n)))
    for row in out:
        print(f"[{row['backend']}] put_many(vectors=) + sync {row['put_many_vectors_per_s']}/s = "
              f"{row['ratio_vs_raw_plus_fulltext_plus_faiss']}x raw insert + raw full text + raw FAISS add")
    return out


def demo_ratios() -> dict:
    with tempfile.TemporaryDirectory() as d:
        store = qldrops.connect(f"sqlite:///{d}/demo.db", settings=Settings(progress=False, data_dir=d))
        from qldrops import demo

        demo.load(store, progress=False)
        s = store.stats()
        store.close()
    return {k: s[k] for k in ("drops", "versions", "logical_bytes", "unique_bytes", "stored_bytes",
                              "dedup_ratio", "compression_ratio", "overall_ratio")}


def main(quick: bool = False) -> dict:
    n_put = 2_000 if quick else 10_000
    n_get = 300 if quick else 1_000
    results = {"store": []}
    with tempfile.TemporaryDirectory() as d:
        results["store"].append(bench_backend("sqlite", f"sqlite:///{d}/bench.db", n_put, n_get))
    import sqlalchemy as sa

    name = f"qldrops_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
        results["store"].append(bench_backend("postgresql", url, n_put, n_get))
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    try:
        results["demo_storage"] = demo_ratios()
    except Exception as e:  # noqa: BLE001 - the demo corpus is optional for the speed figures
        results["demo_storage"] = {"error": str(e)}
    for row in results["store"]:
        print(f"[{row['backend']}] get p50 {row['get_p50_ms']} ms ({row['get_p50_ratio']}x raw), "
              f"p99 {row['get_p99_ms']} ms ({row['get_p99_ratio']}x raw); put_many {row['put_many_drops_per_s']}/s "
              f"({row['put_many_ratio']}x {row['put_baseline']}; "
              f"{row['put_many_ratio_vs_raw_plus_fulltext']}x raw bulk + full text, CPU seconds "
              f"{row['put_many_cpu_ratio_vs_raw_plus_fulltext']}x); get p50 "
              f"{row['get_p50_ratio_vs_raw_join']}x a raw SELECT of the row joined with its content")
    print("demo storage:", results["demo_storage"])
    return results


if __name__ == "__main__":
    if "--vectors" in sys.argv:
        print(json.dumps(main_vectors(2_000 if "--quick" in sys.argv else 10_000), indent=2))
    else:
        print(json.dumps(main(quick="--quick" in sys.argv), indent=2))
