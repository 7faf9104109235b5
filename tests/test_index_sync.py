"""Change-log sync: late PostgreSQL commits, several processes, duplicates and clusters."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from qldrops.errors import ValidationError
from qldrops.index.manager import IndexManager
from qldrops.store import schema as t


@pytest.mark.postgres
def test_lower_seq_committing_later_is_not_missed(pg_store, make_store, pg_url):
    """Writer A takes seq n and commits after writer B's seq n+1 was synced: A must still be applied."""
    store = pg_store
    x = store.put(workflow_id="w", drop_type="code_generation", artifact="alpha alpha alpha")
    z = store.put(workflow_id="w", drop_type="code_generation", artifact="gamma gamma gamma words")
    mirror = make_store(pg_url)  # another process's mirror
    mirror.index.sync()
    assert mirror.index.id_map[x.id] == x.content_hash
    with store.transaction() as conn:  # writer A: an update of x, left open
        conn.execute(t.drops.update().where(t.drops.c.id == x.id).values(content_hash=z.content_hash, version=2))
        store.log_change(conn, x.id, "upsert", 2, z.content_hash)
        seq_a = conn.execute(sa.select(sa.func.max(t.changes.c.seq))).scalar()
        w = make_store(pg_url).put(workflow_id="w", drop_type="code_generation", artifact="beta")  # writer B
        mirror.index.sync()  # sees B's higher seq; A is still in flight
        assert w.id in mirror.index.id_map
        assert mirror.index.watermark.seq > seq_a
        assert mirror.index.id_map[x.id] == x.content_hash
    # A commits now, below the watermark's seq. The query path's cheap probe must see it too.
    assert mirror.changes_pending(mirror.index.watermark.seq, mirror.index.watermark.xmin)
    report = mirror.index.sync_if_changed()
    assert report is not None and report.applied_changes >= 1
    assert mirror.index.id_map[x.id] == z.content_hash
    assert mirror.index.verify().ok
    mirror.index.sync()  # the watermark's xmin moves past A ...
    assert not mirror.changes_pending(mirror.index.watermark.seq, mirror.index.watermark.xmin)  # ... quiet again


def test_two_mirrors_stay_correct(store, make_store, db_url):
    """Two processes, each with its own mirror folder, both follow one database."""
    a = make_store(db_url, index_dir=str(store.settings.resolved_index_dir / "a"))
    b = make_store(db_url, index_dir=str(store.settings.resolved_index_dir / "b"))
    d1 = a.put(workflow_id="w", drop_type="code_generation", artifact="shared vector one")
    a.index.sync()  # a embeds; b's query picks the vector up from the database without a model
    assert b.similar("shared vector one", k=1).ids == [d1.id]
    d2 = b.put(workflow_id="w", drop_type="code_generation", artifact="shared vector two")
    b.index.sync()
    a.delete(d1.id)
    assert a.similar("shared vector", k=5).ids == [d2.id]
    assert b.similar("shared vector", k=5).ids == [d2.id]
    assert a.index.verify().ok and b.index.verify().ok


def test_sync_cost_follows_changes_not_size(store):
    store.put_many([{"workflow_id": "w", "drop_type": "code_generation", "artifact": f"drop {i}"}
                    for i in range(300)])
    store.index.sync(save=True)
    store.put(workflow_id="w", drop_type="code_generation", artifact="the only new one")
    report = store.index.sync()
    assert report.drops_touched == 1 and report.added == 1 and report.applied_changes == 1


def test_restart_replays_only_the_log_after_the_watermark(store, make_store, db_url):
    store.put_many([{"workflow_id": "w", "drop_type": "code_generation", "artifact": f"drop {i}"}
                    for i in range(20)])
    store.index.sync(save=True)
    store.put(workflow_id="w", drop_type="code_generation", artifact="after the save")
    fresh = IndexManager(store)  # a new process opening the saved mirror
    report = fresh.sync()
    assert report.rebuilt is None and report.drops_touched == 1 and fresh.verify().ok


def test_near_duplicates_layers(store):
    base = "def fetch(url):\n    response = http.get(url, timeout=10)\n    return response.json()\n"
    a = store.put(workflow_id="w", drop_type="code_generation", artifact=base)
    b = store.put(workflow_id="w2", drop_type="code_generation", artifact=base)  # exact
    c = store.put(workflow_id="w", drop_type="code_generation", artifact=base.upper())  # equal but case
    long = " ".join(f"word{i}" for i in range(200))
    d = store.put(workflow_id="w", drop_type="documentation", artifact=long)
    e = store.put(workflow_id="w", drop_type="documentation", artifact=long + " word999")  # lexical
    f = store.put(workflow_id="w", drop_type="documentation", artifact="unrelated cooking recipe with basil")
    res = store.near_duplicates(threshold=0.99)
    pairs = {(p.a, p.b): p for p in res}
    assert pairs[(a.id, b.id)].method == "exact" and pairs[(a.id, b.id)].score == 1.0
    assert pairs[(a.id, c.id)].method == "lexical"
    assert pairs[(d.id, e.id)].method == "lexical" and 0.9 < pairs[(d.id, e.id)].score < 1
    assert not any(f.id in (p.a, p.b) for p in res)
    frame = res.to_frame()
    assert list(frame.columns)[:5] == ["group", "a", "b", "method", "score"]
    groups = {tuple(g.ids): g for g in res.groups}
    assert (a.id, b.id, c.id) in groups and groups[(a.id, b.id, c.id)].methods == ["exact", "lexical"]
    sem = store.near_duplicates(threshold=0.9, methods=("semantic",))
    assert {(p.a, p.b) for p in sem} >= {(d.id, e.id)} and {p.method for p in sem} == {"semantic"}
    with pytest.raises(ValidationError):
        store.near_duplicates(threshold=1.5)


def test_clusters_are_labelled_and_stored(store):
    topics = {"database": "postgres index query transaction commit table",
              "frontend": "react component button render props state",
              "network": "socket packet tcp latency bandwidth router"}
    for name, words in topics.items():
        for i in range(6):
            store.put(workflow_id=name, drop_type="code_generation", artifact=f"{words} example{i}")
    cl = store.clusters(n=3)
    assert sorted(c.size for c in cl) == [6, 6, 6]
    labels = " ".join(c.label for c in cl)
    assert any(w in labels for w in ("postgres", "index", "query", "transaction", "commit", "table"))
    assert all(len(c.representatives) == 3 and set(c.representatives) <= set(c.members) for c in cl)
    frame = cl.to_frame()
    assert {"cluster", "label", "size", "top_terms"} <= set(frame.columns)
    saved = store.latest_clusters()
    assert saved.run_id == cl.run_id and sorted(c.label for c in saved) == sorted(c.label for c in cl)
    with store.reading() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.clusters)).scalar() == 3
    assert len(cl.assignments()) == 18
    for bad in (0, -2, 19):
        with pytest.raises(ValidationError) as err:
            store.clusters(n=bad)
        assert "n" in str(err.value)


@pytest.mark.postgres
def test_listen_notify_wakes_a_mirror(pg_store, make_store, pg_url):
    import threading

    mirror = make_store(pg_url)
    mirror.index.sync()
    listening = threading.Event()
    woke = []
    waiter = threading.Thread(target=lambda: woke.append(
        mirror.index.wait_for_changes(timeout=60, on_listening=listening.set)))
    waiter.start()
    assert listening.wait(60)
    d = pg_store.put(workflow_id="w", drop_type="code_generation", artifact="wake up")
    waiter.join(60)
    assert woke == [True] and d.id in mirror.index.id_map


def test_kind_follows_the_size_of_the_store(store):
    mgr = IndexManager(store, approx_threshold=10, folder=store.settings.resolved_index_dir / "grow")
    store.put_many([{"workflow_id": "w", "drop_type": "code_generation", "artifact": f"small {i}"} for i in range(8)])
    mgr.sync()
    assert mgr.backend.kind == "flat"
    store.put_many([{"workflow_id": "w", "drop_type": "code_generation", "artifact": f"more {i}"} for i in range(8)])
    report = mgr.sync()
    assert report.rebuilt and mgr.backend.kind == "hnsw" and mgr.verify().ok
    st = mgr.status()
    assert st.kind == "hnsw" and st.needs_rebuild is None and st.estimated_recall > 0.9
    for d in store.list(limit=14):
        store.delete(d.id)
    report = mgr.sync()
    assert report.rebuilt and mgr.backend.kind == "flat" and len(mgr.id_map) == 2
