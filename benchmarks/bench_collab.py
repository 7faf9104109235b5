"""Collaboration in the library: how soon ``store.watch`` sees a write made by another connection, what a
merging save costs, and listing a file's comments.

    .venv/bin/python benchmarks/bench_collab.py [--quick]

Figures (every one a ratio against a baseline measured in this run):
* watch_delay: from a writer's ``store.update`` call (its commit included) to the watcher's ``next()`` returning,
  p50 / p99. PostgreSQL: against a raw psycopg ``NOTIFY`` -> ``notifies()`` round trip between two
  connections (LISTEN/NOTIFY itself); SQLite: against the polling interval (0.25 s; the floor by design).
* save_merge_over_update: ``store.save`` that has to merge three ways (the drop moved on) against a plain
  ``store.update`` of the same size.
* comments_page_over_raw: one page of 200 comments of a file with 1,000 (``store.comments``) against a raw
  driver SELECT of the same rows.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PG_ADMIN = os.environ.get("QLDROPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TEXT = "".join(f"line {i} = compute({i})\n" for i in range(200))


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def _watch_delays(url: str, n: int) -> list[float]:
    import qldrops

    a, b = qldrops.connect(url), qldrops.connect(url)
    try:
        d = a.put(workflow_id="wf-w", drop_type="code_generation", artifact=TEXT)
        delays: list[float] = []
        gen = b.watch("wf-w", timeout=60 + n * 2)
        done: dict[int, float] = {}
        seen = threading.Event()

        def writer():
            for i in range(n):
                done[i + 2] = time.perf_counter()  # from the write call (its commit included)
                a.update(d.id, artifact=TEXT + f"# {i}\n")
                seen.wait(10)
                seen.clear()
                time.sleep(0.05)

        th = threading.Thread(target=writer)
        th.start()
        for ch in gen:
            got = time.perf_counter()
            delays.append((got - done.get(ch.version, got)) * 1000)
            seen.set()
            if len(delays) == n:
                break
        gen.close()
        th.join()
        return delays
    finally:
        a.close()
        b.close()


def _notify_baseline(dsn: str, n: int) -> list[float]:
    import psycopg

    listen = psycopg.connect(dsn, autocommit=True)
    send = psycopg.connect(dsn, autocommit=True)
    try:
        listen.execute("LISTEN bench_collab")
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            send.execute("NOTIFY bench_collab, 'x'")
            for _note in listen.notifies(timeout=5, stop_after=1):
                pass
            out.append((time.perf_counter() - t0) * 1000)
        return out
    finally:
        listen.close()
        send.close()


def _save_and_comments(url: str, raw_connect, placeholder: str, n: int) -> dict:
    import qldrops

    s = qldrops.connect(url)
    try:
        d = s.put(workflow_id="wf-s", drop_type="code_generation", artifact=TEXT)
        upd, merge = [], []
        for i in range(n):
            cur = s.get(d.id)
            t0 = time.perf_counter()
            s.update(d.id, artifact=cur.artifact.replace("line 10 ", f"line 10 u{i} ", 1))
            upd.append(time.perf_counter() - t0)
            base = s.get(d.id).version
            s.update(d.id, artifact=s.get(d.id).artifact.replace("line 150 ", f"line 150 s{i} ", 1))
            mine = s.get(d.id, base).artifact.replace("line 50 ", f"line 50 m{i} ", 1)
            t0 = time.perf_counter()
            s.save(d.id, mine, base_version=base)
            merge.append(time.perf_counter() - t0)
        c = s.get(d.id)
        for i in range(1000):
            s.comment(c.id, f"comment {i}", line_start=1 + i % 200)
        raw = raw_connect()
        cur = raw.cursor()
        sql = f"SELECT * FROM comments WHERE drop_id = {placeholder} AND id > {placeholder} ORDER BY id LIMIT 200"
        page_lib, page_raw = [], []
        for i in range(n):
            t0 = time.perf_counter()
            s.comments(drop_id=c.id, limit=200, after_id=i * 3)
            page_lib.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            cur.execute(sql, (c.id, i * 3))
            cur.fetchall()
            page_raw.append(time.perf_counter() - t0)
        raw.close()
        p50 = _pct
        return {"update_p50_ms": p50(upd, .5) * 1000, "save_merge_p50_ms": p50(merge, .5) * 1000,
                "save_merge_over_update": p50(merge, .5) / p50(upd, .5),
                "comments_page_p50_ms": p50(page_lib, .5) * 1000,
                "comments_page_over_raw": p50(page_lib, .5) / p50(page_raw, .5)}
    finally:
        s.close()


def main(quick: bool = False) -> dict:
    import sqlite3

    import psycopg
    import sqlalchemy as sa

    n = 10 if quick else 40
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        import qldrops

        qldrops.connect(url).close()
        delays = _watch_delays(url, n)
        out["sqlite_watch_delay_p50_ms"] = _pct(delays, .5)
        out["sqlite_watch_delay_p99_ms"] = _pct(delays, .99)
        out["sqlite_watch_delay_over_poll"] = _pct(delays, .5) / 250.0
        out["sqlite"] = _save_and_comments(url, lambda: sqlite3.connect(f"{tmp}/bench.db"), "?", n)
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"qldrops_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        pg_url = sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
        qldrops.connect(pg_url).close()
        dsn = sa.make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
        base = _notify_baseline(dsn, n)
        delays = _watch_delays(pg_url, n)
        out["pg_notify_p50_ms"] = _pct(base, .5)
        out["pg_watch_delay_p50_ms"] = _pct(delays, .5)
        out["pg_watch_delay_p99_ms"] = _pct(delays, .99)
        out["pg_watch_delay_over_notify"] = _pct(delays, .5) / _pct(base, .5)
        out["pg"] = _save_and_comments(pg_url, lambda: psycopg.connect(dsn), "%s", n)
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()
    for k, v in out.items():
        print(f"{k}: {v if isinstance(v, dict) else round(v, 3)}", flush=True)
    return out


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
