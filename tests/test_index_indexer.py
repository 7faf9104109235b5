"""The background indexer, readers that never embed other people's writes, and the bulk paths.

Runs on SQLite and PostgreSQL with a counting fake embedder (an interface we own).
"""

from __future__ import annotations

import numpy as np
import pytest

from qldrops.errors import BatchError, NotFound, ValidationError
from qldrops.index import persist
from qldrops.index.embedder import FakeEmbedder
from qldrops.index.manager import IndexManager

TOPICS = ["retry the request with exponential backoff and jitter",
          "cache the response in redis with a time to live",
          "validate the jwt token signature and check the role",
          "parse the csv file into rows and convert each column"]


class Counting(FakeEmbedder):
    """The fake embedder, counting every text the model is asked to read."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []

    def embed(self, texts):  # embed_documents and embed_query go through here too
        self.texts.extend(texts)
        return super().embed(texts)


def _put(store, n, tag=""):
    return [store.put(workflow_id="w", drop_type="code_generation",
                      artifact=f"{TOPICS[i % 4]} {tag} number {i}").id for i in range(n)]


def _count(store):
    return store.stats()["drops"]


@pytest.fixture
def mgr(store):
    """The store's own mirror, with a counting embedder."""
    emb = Counting()
    store.index = IndexManager(store, embedder=emb, folder=store.settings.resolved_index_dir / "counting")
    yield store.index
    store.index.stop()


def test_similar_embeds_only_the_query_and_reports_lag(store, mgr):
    first = _put(store, 8)
    mgr.sync()
    assert len(mgr.embedder.texts) == 8
    later = _put(store, 5, tag="later")
    mgr.embedder.texts.clear()
    res = store.similar(TOPICS[0] + " later", k=20)
    assert mgr.embedder.texts == [TOPICS[0] + " later"]  # the query, and nothing pending
    assert res.lag == 5 and set(res.ids) == set(first)  # answers from the index as it stands
    assert store.index.status().lag == 5
    res = store.similar(later[0], k=20)  # a drop as the query: its own content only
    assert len(mgr.embedder.texts) == 2 and later[0] not in res.ids
    mgr.sync()
    res = store.similar(TOPICS[0] + " later", k=20)
    assert res.lag == 0 and set(res.ids) == set(first) | set(later)


def test_stale_and_deleted_never_returned_while_lagging(store, mgr):
    ids = _put(store, 8)
    mgr.sync()
    store.update(ids[0], artifact="something about gardening and tomatoes")  # not embedded yet
    store.delete(ids[4])
    res = store.similar(TOPICS[0], k=20)
    assert ids[0] not in res.ids  # its old vector left the index; the new one is pending
    assert ids[4] not in res.ids
    assert res.lag == 1 and len(res) == 6
    mgr.sync()
    assert store.similar("gardening and tomatoes", k=1).ids == [ids[0]]


def test_the_indexer_catches_up(store, mgr):
    ids = _put(store, 6)
    with mgr.start(poll_seconds=0.05) as indexer:
        assert indexer.wait_idle(30)
        assert store.similar(TOPICS[1], k=10).lag == 0
        more = _put(store, 4, tag="more")
        store.delete(ids[0])
        assert indexer.wait_idle(30)
        res = store.similar(TOPICS[1], k=20)
        assert res.lag == 0 and set(res.ids) == (set(ids) - {ids[0]}) | set(more)
        assert indexer.last_error is None
    assert not indexer.alive and mgr.indexer is None
    assert mgr.verify().ok


@pytest.mark.postgres
def test_postgres_indexer_is_woken_by_notify(pg_store):
    store = pg_store
    store.index = IndexManager(store, embedder=Counting(), folder=store.settings.resolved_index_dir / "notify")
    indexer = store.index.start(poll_seconds=3600)  # polling alone would not wake it during the test
    try:
        assert indexer.wait_idle(30)
        rounds = indexer.rounds
        ids = _put(store, 3)
        assert indexer.wait_idle(30) and indexer.rounds > rounds
        assert set(store.similar(TOPICS[2], k=10).ids) == set(ids)
    finally:
        store.index.stop()
    assert not indexer.alive


def test_pending_survives_a_save_and_reopen(store, mgr):
    _put(store, 4)
    mgr.sync(save=True)
    late = _put(store, 2, tag="late")
    store.similar(TOPICS[0], k=3)  # reads the log, leaves the two pending
    assert set(mgr.pending) == set(late)
    mgr.save()
    again = IndexManager(store, embedder=Counting(), folder=mgr.folder)
    again.open()
    assert set(again.pending) == set(late) and again.lag == 2
    again.sync()
    assert again.lag == 0 and set(late) <= set(again.id_map)


def test_put_many_with_vectors_and_similar_vector(store, mgr):
    emb = mgr.embedder
    texts = [f"{TOPICS[i % 4]} supplied {i}" for i in range(6)]
    vecs = FakeEmbedder().embed(texts)
    drops = store.put_many([{"workflow_id": "v", "drop_type": "code_generation", "artifact": s} for s in texts],
                           vectors=vecs, model_id=emb.model_id)
    mgr.sync()
    assert emb.texts == [] and {d.id for d in drops} <= set(mgr.id_map)  # the model never ran for them
    res = store.similar_vector(vecs[2], k=3)
    assert res.ids[0] == drops[2].id and res.lag == 0
    res = store.similar_vector(list(vecs[3] * 5), k=2, model_id=emb.model_id, workflow_id="v")
    assert res.ids[0] == drops[3].id and abs(res[0].score - 1.0) < 1e-5  # normalised


@pytest.mark.parametrize("bad, message", [
    ({"vectors": np.ones((2, 64)), "model_id": "fake-hash-64"}, "shape"),
    ({"vectors": np.ones((3, 32)), "model_id": "fake-hash-64"}, "shape"),
    ({"vectors": np.ones((3, 64)), "model_id": "another-model"}, "another-model"),
    ({"vectors": np.ones((3, 64))}, "model_id"),
    ({"vectors": np.zeros((3, 64)), "model_id": "fake-hash-64"}, "zero"),
    ({"vectors": [["a"] * 64] * 3, "model_id": "fake-hash-64"}, "numbers"),
    ({"model_id": "fake-hash-64"}, "without vectors"),
])
def test_put_many_vectors_refused_and_nothing_written(store, mgr, bad, message):
    before = _count(store)
    items = [{"workflow_id": "v", "drop_type": "code_generation", "artifact": f"text {i}"} for i in range(3)]
    with pytest.raises(ValidationError) as err:
        store.put_many(items, **bad)
    assert message in str(err.value)
    assert _count(store) == before


def test_similar_vector_refuses_bad_vectors(store, mgr):
    _put(store, 2)
    for vec, kw, message in ((np.ones(32), {}, "shape"), (np.ones((2, 64)), {}, "shape"),
                             (np.ones(64), {"model_id": "other"}, "other"), (np.zeros(64), {}, "zero"),
                             (np.full(64, np.nan), {}, "finite"), (np.ones(64), {"colour": "red"}, "unknown filter")):
        with pytest.raises(ValidationError) as err:
            store.similar_vector(vec, k=2, **kw) if "colour" not in kw else store.index.similar_vector(vec, 2, **kw)
        assert message in str(err.value)


def test_update_many_is_atomic(store):
    ids = _put(store, 4)
    out = store.update_many([{"id": ids[0], "artifact": "new zero"}, {"id": ids[1], "metadata": {"k": 1}}])
    assert [d.version for d in out] == [2, 2] and store.get(ids[0]).artifact == "new zero"
    with pytest.raises(BatchError) as err:
        store.update_many([{"id": ids[2], "artifact": "changed"}, {"id": 999_999, "artifact": "x"}])
    assert err.value.index == 1 and isinstance(err.value.cause, NotFound)
    assert store.get(ids[2]).version == 1  # the first change was rolled back with the failing one
    with pytest.raises(BatchError):
        store.update_many([{"id": ids[3], "artifact": "a", "expected_version": 7}])
    with pytest.raises(BatchError) as err:
        store.update_many([{"artifact": "no id"}])
    assert "'id'" in str(err.value)
    assert store.get(ids[3]).version == 1


def test_delete_many_is_atomic(store):
    ids = _put(store, 5)
    with pytest.raises(NotFound) as err:
        store.delete_many([ids[0], ids[1], 999_999])
    assert "nothing was deleted" in str(err.value)
    assert _count(store) == 5
    assert store.delete_many([ids[0], ids[1], ids[1]]) == 2
    assert store.delete_many([ids[0], ids[2]]) == 1  # already deleted: not counted, not an error
    assert _count(store) == 2
    store.index.sync()
    assert set(store.similar(TOPICS[0], k=10).ids) == {ids[3], ids[4]}


def test_a_script_with_a_running_indexer_still_exits(tmp_path):
    """The indexer is a daemon thread stopped at exit: it never keeps a batch script alive."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = ("import qldrops\n"
              f"s = qldrops.connect('sqlite:///{tmp_path / 'exit.db'}')\n"
              "s.index.start(poll_seconds=0.05)\n"
              "s.put(workflow_id='w', drop_type='code_generation', artifact='print(1)')\n"
              "print('done')\n")
    env = {**os.environ, "QLDROPS_DATA_DIR": str(tmp_path), "QLDROPS_EMBEDDING_MODEL": "fake",
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300,
                         check=False)
    assert out.returncode == 0 and out.stdout.strip() == "done", out.stderr


def test_a_lagging_answer_is_not_cached(store, mgr):
    # The indexer embedding pending content changes the answer without moving the change-log
    # position the page cache is keyed on: an answer with lag > 0 must not be served again.
    assert store.cache.enabled
    first = _put(store, 4)
    mgr.sync()
    later = _put(store, 3, tag="later")
    res = store.similar(TOPICS[0] + " later", k=20)
    assert res.lag == 3 and set(res.ids) == set(first)
    mgr.sync()
    res = store.similar(TOPICS[0] + " later", k=20)
    assert res.lag == 0 and set(res.ids) == set(first) | set(later)
    assert store.similar(TOPICS[0] + " later", k=20).lag == 0  # a current answer is cached as before


def test_put_many_vectors_go_into_the_open_mirror_as_stored(store, mgr):
    """An open mirror takes the batch's vectors in one add, the ones the database keeps: a content
    twice in the batch gets its first vector, a content embedded before keeps its old one."""
    emb = mgr.embedder
    old = store.put(workflow_id="v", drop_type="code_generation", artifact=TOPICS[0])
    mgr.sync()  # opens the mirror; the model embeds the old content
    seen = len(emb.texts)
    texts = [TOPICS[0], TOPICS[1], TOPICS[1], TOPICS[2]]
    vecs = FakeEmbedder().embed(["other 0", "first 1", "second 1", "three"])
    drops = store.put_many([{"workflow_id": "v", "drop_type": "code_generation", "artifact": s} for s in texts],
                           vectors=vecs, model_id=emb.model_id)
    assert {d.id for d in drops[1:]} <= set(mgr.id_map)  # taken at once, before any sync
    assert drops[0].id not in mgr.id_map  # its content had a vector: the sync reads that one
    mgr.sync()
    assert len(emb.texts) == seen  # the model never ran for the batch
    first = store.similar_vector(vecs[1], k=2)
    assert set(first.ids) == {drops[1].id, drops[2].id} and min(h.score for h in first) > 0.999
    assert store.similar_vector(vecs[2], k=1)[0].score < 0.999  # the second vector was not kept
    again = store.similar_vector(FakeEmbedder().embed([TOPICS[0]])[0], k=2)
    assert set(again.ids) == {old.id, drops[0].id}  # the old content's stored vector, for both drops


def test_a_reader_catching_up_never_saves_and_close_does(store, mgr):
    # Writing and fsyncing the mirror cost a reader's first query after a burst ~20 ms: the reader
    # applies the log in memory; the save is the indexer's, sync()'s or close()'s.
    ids = _put(store, 6)
    mgr.sync(save=True)
    saved = persist.read_manifest(mgr.folder)
    store.delete(ids[0])
    mgr.autosave_after = 1  # a save would be due at once
    res = store.similar(TOPICS[0], k=10)
    assert ids[0] not in res.ids and res.lag == 0
    assert persist.read_manifest(mgr.folder) == saved  # the file was left alone
    store.close()
    again = IndexManager(store, embedder=Counting(), folder=mgr.folder)
    again.open()
    assert again.watermark.seq > saved.watermark["seq"] and ids[0] not in again.id_map


def test_pending_drops_are_looked_up_again_at_most_every_recheck_interval(store, mgr):
    first = _put(store, 4)
    mgr.sync()
    later = _put(store, 3, tag="later")
    assert store.similar(TOPICS[1], k=10).lag == 3
    # Another process's indexer embeds them: that writes vectors, not change rows.
    other = IndexManager(store, embedder=Counting(), folder=mgr.folder.parent / "other")
    other.sync()
    mgr.pending_recheck_seconds = 3600
    res = store.similar(TOPICS[1] + " again", k=10)
    if store.dialect == "sqlite":
        assert res.lag == 3 and set(res.ids) == set(first)  # not looked up again yet: still out, never stale
    else:  # PostgreSQL re-reads the log rows of transactions in flight at the last read (late commits),
        # which may be these drops while any transaction of the cluster is older than their writes
        assert res.lag in (0, 3) and set(res.ids) == set(first) | (set(later) if res.lag == 0 else set())
    mgr.pending_recheck_seconds = 0
    res = store.similar(TOPICS[1] + " once more", k=10)
    assert res.lag == 0 and set(res.ids) == set(first) | set(later)
    assert mgr.embedder.texts[-1] == TOPICS[1] + " once more"  # the reader embedded only its query
    store.delete(first[0])  # a new change is applied at once, whatever the interval
    mgr.pending_recheck_seconds = 3600
    assert first[0] not in store.similar(TOPICS[1] + " after delete", k=10).ids
