"""Share links and analytics: previews.open/check latency against a raw driver SELECT, and the
analytics summary over a million events, DuckDB against pandas, in the same run.

    .venv/bin/python benchmarks/bench_previews.py [--quick]

Figures (every one a ratio against a baseline measured in this run):
* open_p50_ratio / check_p50_ratio: ``store.previews.open`` (check + count + view event, one write
  transaction) and ``check`` (read only) against a raw driver ``SELECT ... WHERE token_hash = ?``.
* analytics_pandas_over_duckdb: the same summary computed by pandas / by DuckDB, over 1M events
  built in memory (the engines compared on identical input).
* fetch_over_duckdb: fetching the events from the database into pandas (``events.frame``) against
  the DuckDB compute, per event (the fetch measured on fewer rows, bulk-inserted).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PG_ADMIN = os.environ.get("QLDROPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def _timed(fn, n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _open_bench(url: str, raw_connect, placeholder: str, n: int, links: int) -> dict:
    import qldrops
    from qldrops.settings import Settings

    store = qldrops.connect(url, settings=Settings(progress=False, database_url=url))
    try:
        store.workspaces.create("bench")
        store.workspace = "bench"
        store.put(workflow_id="wf-bench", drop_type="code_generation", artifact="print('hi')")
        caps = [store.previews.create("wf-bench", ttl="1d").capability for _ in range(links)]
        hashes = [hashlib.sha256(c.encode()).hexdigest() for c in caps]
        raw = raw_connect()
        cur = raw.cursor()
        sql = f"SELECT * FROM previews WHERE token_hash = {placeholder}"

        def raw_select(i):
            cur.execute(sql, (hashes[i % links],))
            cur.fetchone()

        for i in range(50):  # warm both paths
            raw_select(i)
            store.previews.check(caps[i % links])
        raw_ms = _timed(raw_select, n)
        check_ms = _timed(lambda i: store.previews.check(caps[i % links]), n)
        open_ms = _timed(lambda i: store.previews.open(caps[i % links], client="10.0.0.1", user_agent="bench"), n)
        raw.close()
    finally:
        store.close()
    p50 = statistics.median
    return {"raw_select_p50_ms": p50(raw_ms), "raw_select_p99_ms": _pct(raw_ms, 0.99),
            "check_p50_ms": p50(check_ms), "check_p99_ms": _pct(check_ms, 0.99),
            "open_p50_ms": p50(open_ms), "open_p99_ms": _pct(open_ms, 0.99),
            "check_p50_ratio": p50(check_ms) / p50(raw_ms), "open_p50_ratio": p50(open_ms) / p50(raw_ms),
            "open_p99_ratio": _pct(open_ms, 0.99) / _pct(raw_ms, 0.99)}


def make_events(n: int, *, seed: int = 7, days: int = 30, end: dt.datetime | None = None):
    """A realistic-ish event frame: 70% views, funnel edits/executes, some downloads and shares."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    end = end or dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc)
    types = rng.choice(np.array(["view", "edit", "execute", "download", "share"], dtype=object), size=n,
                       p=[0.7, 0.12, 0.08, 0.07, 0.03])
    viewers = np.array([f"{i:032x}" for i in range(20_000)], dtype=object)
    workflows = np.array([f"wf-{i}" for i in range(500)], dtype=object)
    secs = rng.integers(0, days * 86400, size=n)
    created = pd.to_datetime(end.timestamp() - secs, unit="s", utc=True)
    duration = np.where(rng.random(n) < 0.6, rng.gamma(2.0, 400.0, size=n), np.nan)
    return pd.DataFrame({
        "id": np.arange(1, n + 1), "preview_id": rng.integers(1, 2000, size=n),
        "workflow_id": workflows[rng.zipf(1.5, size=n) % len(workflows)], "drop_id": None,
        "event_type": types, "actor": None, "viewer_id": viewers[rng.integers(0, len(viewers), size=n)],
        "client": "10.0.0.1", "duration_ms": duration, "created_at": created,
    })


def _analytics_bench(n: int, repeats: int) -> dict:
    from qldrops.previews.analytics import summarize

    t0 = time.perf_counter()
    frame = make_events(n)
    gen_s = time.perf_counter() - t0
    since, until = frame["created_at"].min(), frame["created_at"].max()
    kw = {"workspace": "bench", "since": since, "until": until}
    summarize(frame.head(1000), engine="duckdb", **kw)  # import and warm
    duck = _timed(lambda i: summarize(frame, engine="duckdb", **kw), repeats)
    pand = _timed(lambda i: summarize(frame, engine="pandas", **kw), repeats)
    return {"events": n, "generate_s": gen_s, "duckdb_ms": statistics.median(duck),
            "pandas_ms": statistics.median(pand),
            "analytics_pandas_over_duckdb": statistics.median(pand) / statistics.median(duck)}


def _fetch_bench(url: str, n: int, duck_ms_per_event: float) -> dict:
    """Bulk-insert n events (pandas to_sql, multi-row) then time store.events.frame over them."""
    import qldrops
    from qldrops.settings import Settings

    frame = make_events(n, days=5, end=dt.datetime.now(dt.timezone.utc))
    rows = frame.drop(columns=["id"]).assign(workspace="bench", metadata="{}", user_agent="bench")
    store = qldrops.connect(url, settings=Settings(progress=False, database_url=url))
    try:
        t0 = time.perf_counter()
        with store.engine.begin() as conn:
            if store.dialect == "postgresql":
                cols = list(rows.columns)
                with conn.connection.cursor() as cur:
                    with cur.copy(f"COPY events ({', '.join(cols)}) FROM STDIN") as cp:
                        for rec in rows.itertuples(index=False, name=None):
                            cp.write_row(rec)
            else:
                rows = rows.assign(created_at=rows["created_at"].dt.tz_localize(None).astype(str))
                conn.connection.executemany(
                    f"INSERT INTO events ({', '.join(rows.columns)}) VALUES ({', '.join('?' * len(rows.columns))})",
                    [tuple(None if v != v else v for v in r) if False else r
                     for r in rows.astype(object).where(rows.notna(), None).itertuples(index=False, name=None)])
        insert_s = time.perf_counter() - t0
        since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=6)
        store.events.frame(since=since, workspace="bench")  # warm
        t0 = time.perf_counter()
        got = store.events.frame(since=since, workspace="bench")
        fetch_s = time.perf_counter() - t0
    finally:
        store.close()
    per_event_ms = fetch_s * 1000 / max(1, len(got))
    return {"rows": len(got), "insert_rows_per_s": n / insert_s, "fetch_s": fetch_s,
            "fetch_rows_per_s": len(got) / fetch_s, "fetch_over_duckdb": per_event_ms / duck_ms_per_event}


def _pg_database():
    import sqlalchemy as sa

    name = f"qldrops_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return admin, name, sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def _drop_pg(admin, name):
    with admin.connect() as c:
        c.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin.dispose()


def main(quick: bool = False) -> dict:
    import sqlite3

    import psycopg

    n_open, links = (200, 50) if quick else (2000, 200)
    n_events, repeats = (200_000, 3) if quick else (1_000_000, 5)
    n_fetch = 20_000 if quick else 200_000
    out: dict = {"machine": "2-core Debian 12, Python 3.11", "quick": quick}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        url = f"sqlite:///{db}"
        out["sqlite_open"] = _open_bench(url, lambda: sqlite3.connect(db), "?", n_open, links)
        out["analytics"] = _analytics_bench(n_events, repeats)
        duck_per_event = out["analytics"]["duckdb_ms"] / n_events
        out["sqlite_fetch"] = _fetch_bench(url, n_fetch, duck_per_event)
    try:
        admin, name, pg_url = _pg_database()
    except Exception as e:  # noqa: BLE001 - PostgreSQL optional for a local run
        out["postgresql"] = f"skipped: {e}"
    else:
        try:
            import sqlalchemy as sa

            raw_url = sa.make_url(pg_url)
            dsn = f"host={raw_url.host} port={raw_url.port or 5432} user={raw_url.username} dbname={name}"
            out["pg_open"] = _open_bench(pg_url, lambda: psycopg.connect(dsn), "%s", n_open, links)
            out["pg_fetch"] = _fetch_bench(pg_url, n_fetch, duck_per_event)
        finally:
            _drop_pg(admin, name)
    _print(out)
    return out


def _print(out: dict) -> None:
    for section, figures in out.items():
        if isinstance(figures, dict):
            print(f"{section}:")
            for k, v in figures.items():
                print(f"  {k:32s} {v:,.3f}" if isinstance(v, float) else f"  {k:32s} {v}")
        else:
            print(f"{section}: {figures}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
