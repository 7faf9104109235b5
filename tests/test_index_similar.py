"""Similarity contract: runs on SQLite and PostgreSQL with the deterministic fake embedder."""

from __future__ import annotations

import numpy as np
import pytest

from qldrops.errors import Deleted, NotFound, ValidationError
from qldrops.index.embedder import FakeEmbedder

TOPICS = {
    "retry": "retry the request with exponential backoff and jitter until the deadline",
    "cache": "cache the response in redis with a time to live and invalidate on write",
    "auth": "validate the jwt token signature and check the user role before access",
    "parse": "parse the csv file into rows and convert each column to its declared type",
}


def _fill(store, n_per_topic=6, workflow="wf", drop_type="code_generation", *, sync=True):
    """Drops about four topics; ``sync``: embedded and indexed, as a batch that must be current does."""
    ids = {}
    for topic, text in TOPICS.items():
        for i in range(n_per_topic):
            d = store.put(workflow_id=f"{workflow}-{topic}", drop_type=drop_type,
                          artifact=f"{text} variant {i} step {i * 7}", metadata={"topic": topic, "n": i})
            ids.setdefault(topic, []).append(d.id)
    if sync:
        store.index.sync()
    return ids


def test_similar_by_id_and_text(store):
    ids = _fill(store)
    res = store.similar(ids["retry"][0], k=5)
    assert len(res) == 5
    assert ids["retry"][0] not in res.ids  # never itself
    assert set(res.ids) <= set(ids["retry"])  # its own topic is nearest
    assert list(res.to_frame()["score"]) == sorted(res.to_frame()["score"], reverse=True)
    res = store.similar("retry with exponential backoff", k=3, drop_type="code_generation")
    assert set(res.ids) <= set(ids["retry"])
    frame = res.to_frame()
    assert {"id", "score", "drop_type", "workflow_id"} <= set(frame.columns)


def test_k_validation_and_bad_queries(store):
    ids = _fill(store, n_per_topic=2)
    for bad in (0, -1, 1.5, "3", True):
        with pytest.raises(ValidationError):
            store.similar(ids["auth"][0], k=bad)
    everything = store.similar(ids["auth"][0], k=1000)  # k larger than the store: all the others
    assert len(everything) == 7
    with pytest.raises(NotFound):
        store.similar(999_999, k=3)
    store.delete(ids["auth"][1])
    with pytest.raises(Deleted):
        store.similar(ids["auth"][1], k=3)
    with pytest.raises(ValidationError):
        store.similar("   ", k=3)


def test_filters_never_return_fewer_than_k(store):
    ids = _fill(store, n_per_topic=5)
    for i in range(5):
        store.put(workflow_id="other", drop_type="test_plan_generation",
                  artifact=f"{TOPICS['retry']} test plan {i}", metadata={"topic": "retry", "kind": "plan"})
    store.index.sync()
    # A selective filter whose matches are far from the query still yields k answers.
    res = store.similar(TOPICS["retry"], k=5, drop_type="test_plan_generation")
    assert len(res) == 5 and {r.drop_type for r in res} == {"test_plan_generation"}
    res = store.similar(TOPICS["cache"], k=4, metadata={"topic": "parse"})
    assert len(res) == 4 and set(res.ids) <= set(ids["parse"])
    res = store.similar(TOPICS["cache"], k=3, workflow_id="wf-auth")
    assert set(res.ids) <= set(ids["auth"]) and len(res) == 3
    assert len(store.similar(TOPICS["cache"], k=50, workflow_id="wf-auth")) == 5


def test_filters_widen_the_candidate_set(store, monkeypatch):
    """Past the filter-first limit the index is searched with a growing candidate set."""
    from qldrops.index import query

    monkeypatch.setattr(query, "FILTER_FIRST_MAX", 2)
    ids = _fill(store, n_per_topic=6)
    res = store.similar(TOPICS["retry"], k=6, metadata={"topic": "parse"})
    assert sorted(res.ids) == sorted(ids["parse"])


def test_changes_are_followed(store):
    ids = _fill(store, n_per_topic=3)
    a, b = ids["retry"][0], ids["cache"][0]
    store.index.sync(save=True)
    store.update(b, artifact=TOPICS["retry"] + " now about retries")
    store.index.sync()  # the new content is embedded (a rollback, restore or fork reuses stored vectors)

    def score_of(drop_id):
        return {r.id: r.score for r in store.similar(a, k=50)}[drop_id]

    before = score_of(b)
    assert before > 0.6
    store.rollback(b, to_version=1)
    assert score_of(b) < before - 0.2
    store.delete(ids["retry"][1])
    assert ids["retry"][1] not in store.similar(a, k=10).ids
    store.restore(ids["retry"][1])
    assert ids["retry"][1] in store.similar(a, k=10).ids
    forked = store.fork_workflow("wf-retry", "wf-retry-2")
    res = store.similar(a, k=20)
    assert {d.id for d in forked} <= set(res.ids)
    store.purge(ids["retry"][2])
    assert ids["retry"][2] not in store.similar(a, k=30).ids
    report = store.index.verify()
    assert report.ok, report


def test_stale_index_never_lies(store, make_store, db_url):
    """Another process changes the database; this mirror has not synced, answers are still right."""
    ids = _fill(store, n_per_topic=4)
    a = ids["retry"][0]
    store.similar(a, k=3)  # the mirror is built and current
    other = make_store(db_url)
    other.delete(ids["retry"][1])
    other.update(ids["retry"][2], artifact="completely different words about gardening")
    foreign = make_store(db_url, workspace="elsewhere")
    f = foreign.put(workflow_id="x", drop_type="code_generation", artifact=TOPICS["retry"])
    # Smuggle the other workspace's drop into our mirror: the database check must drop it.
    vec = store.index.embedder.embed([TOPICS["retry"]])
    store.index.backend.add(np.asarray([f.id]), vec)
    store.index.id_map[f.id] = f.content_hash
    res = store.similar(a, k=20, sync=False)
    assert ids["retry"][1] not in res.ids  # deleted
    assert ids["retry"][2] not in res.ids  # superseded content
    assert f.id not in res.ids  # other workspace
    store.index.sync()
    res = store.similar(a, k=20)  # after a sync the updated drop is back with its new content
    assert ids["retry"][2] in res.ids and ids["retry"][1] not in res.ids


def test_other_workspace_is_invisible(store, make_store, db_url):
    _fill(store, n_per_topic=2)
    foreign = make_store(db_url, workspace="elsewhere")
    theirs = foreign.put(workflow_id="x", drop_type="code_generation", artifact=TOPICS["auth"])
    assert theirs.id not in store.similar(TOPICS["auth"], k=50).ids
    with pytest.raises(NotFound):
        store.similar(theirs.id, k=3)
    foreign.index.sync()
    assert foreign.similar(TOPICS["auth"], k=5).ids == [theirs.id]


def test_blank_cjk_emoji_and_long_artifacts(store):
    texts = ["重试请求，指数退避 😀 再试一次", "リトライ 🚀🚀 exponential backoff", "x" * 5_000_000]
    ids = [store.put(workflow_id="w", drop_type="documentation", artifact=s).id for s in texts]
    blank = store.put(workflow_id="w", drop_type="documentation", artifact="  \n\t ")
    store.index.sync()
    res = store.similar(ids[0], k=10)
    assert blank.id not in res.ids and set(res.ids) == set(ids[1:])
    report = store.index.verify()
    assert report.ok and report.excluded == {blank.id: "blank artifact (nothing to embed)"}
    with pytest.raises(ValidationError):
        store.similar(blank.id, k=3)
    assert store.similar("😀", k=2)  # an emoji-only query is a query


def test_binary_content_is_refused_and_nothing_lost(store):
    d = store.put(workflow_id="w", drop_type="documentation", artifact="kept")
    with pytest.raises(ValidationError):
        store.put(workflow_id="w", drop_type="documentation", artifact=b"\x00\xff\x00binary")
    store.index.sync()
    assert store.similar("kept", k=5).ids == [d.id]


def test_rebuild_never_reembeds(store):
    class Counting(FakeEmbedder):
        calls = 0

        def embed_documents(self, texts):
            Counting.calls += len(texts)
            return super().embed_documents(texts)

    from qldrops.index.manager import IndexManager

    _fill(store, n_per_topic=3, sync=False)
    emb = Counting()
    mgr = IndexManager(store, embedder=emb, folder=store.settings.resolved_index_dir / "counting")
    mgr.sync()
    assert Counting.calls == 12
    mgr.rebuild()
    d = store.put(workflow_id="z", drop_type="code_generation", artifact=TOPICS["cache"])  # same content as none
    store.put(workflow_id="z", drop_type="code_generation", artifact=f"{TOPICS['retry']} variant 0 step 0")
    mgr.sync()
    assert Counting.calls == 13  # only the one new content; the duplicate content was embedded before
    mgr2 = IndexManager(store, embedder=emb, folder=store.settings.resolved_index_dir / "counting2")
    mgr2.rebuild()
    assert Counting.calls == 13 and d.id in mgr2.id_map


def test_verify_reports_and_repairs(store):
    ids = _fill(store, n_per_topic=3)
    idx = store.index
    idx.sync(save=True)
    # Damage the mirror in every way it can drift.
    gone, stale_id = ids["auth"][0], ids["auth"][1]
    idx.backend.remove(np.asarray([gone]))
    del idx.id_map[gone]
    idx.id_map[stale_id] = "0" * 64
    idx.backend.add(np.asarray([987_654]), idx.embedder.embed(["ghost"]))
    idx.id_map[987_654] = "1" * 64
    report = idx.verify()
    assert (report.missing, report.extra, report.stale) == ([gone], [987_654], [stale_id])
    assert not report.ok and "missing=1" in repr(report)
    assert set(report.to_frame()["status"]) == {"missing", "extra", "stale"}
    fixed = idx.verify(repair=True)
    assert fixed.repaired
    assert idx.verify().ok


def test_status(store):
    _fill(store, n_per_topic=2)
    st = store.index.status()
    assert st.kind == "flat" and st.size == 8 and st.lag == 0 and st.estimated_recall == 1.0
    store.put(workflow_id="w", drop_type="code_generation", artifact="one more")
    assert store.index.status().lag == 1
    store.index.sync()
    assert store.index.status().lag == 0
    assert "kind" in st._repr_html_()


def test_index_kinds_agree(store):
    """Every backend answers the same contract (HNSW and IVF approximate, here on a tiny store)."""
    from qldrops.index.manager import IndexManager

    ids = _fill(store, n_per_topic=20)
    want = None
    for kind in ("numpy", "flat", "hnsw", "ivf"):
        mgr = IndexManager(store, kind=kind, folder=store.settings.resolved_index_dir / kind)
        mgr.sync()
        assert mgr.backend.kind == kind
        from qldrops.index.query import similar

        res = similar(mgr, ids["cache"][0], 5)
        assert set(res.ids) <= set(ids["cache"])
        store.delete(ids["cache"][1])
        res = similar(mgr, ids["cache"][0], 100)
        assert ids["cache"][1] not in res.ids and len(res) == 78
        store.restore(ids["cache"][1])
        mgr.sync()
        assert mgr.verify().ok
        if want is None:
            want = mgr.status().estimated_recall
        assert mgr.status().estimated_recall > 0.5


def test_time_filters(store):
    import datetime as dt

    ids = _fill(store, n_per_topic=2)
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)
    assert store.similar(TOPICS["auth"], k=5, since=future) == []
    assert len(store.similar(TOPICS["auth"], k=5, since=past, until=future)) == 5
    assert len(store.similar(ids["auth"][0], k=50, until=future)) == 7
