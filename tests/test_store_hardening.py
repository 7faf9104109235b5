"""Hardening (issue 14): races, what a write returns, hostile input, metadata filters, a full disk.

Every test here runs on both backends (the contract suite) unless it names one.
"""

from __future__ import annotations

import contextlib
import threading

import pytest

from qldrops import errors


# ---------------------------------------------------------------------- concurrent forks
def test_concurrent_forks_to_one_new_name_exactly_one_wins(store, make_store):
    for i in range(3):
        store.put(workflow_id="wf", drop_type="documentation", artifact=f"step {i}")
    racers = [make_store(store.url) for _ in range(6)]
    barrier = threading.Barrier(len(racers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(s):
        barrier.wait()
        try:
            s.fork_workflow("wf", "wf-b")
            result = "won"
        except errors.Conflict:
            result = "conflict"
        except Exception as e:  # noqa: BLE001 - reported as a failure below
            result = f"unexpected {type(e).__name__}: {e}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=race, args=(s,)) for s in racers]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["won"]
    assert len(store.list(workflow_id="wf-b")) == 3


# ---------------------------------------------------------------------- a write returns what it wrote
def _writer_after_commit(store, monkeypatch, other_write):
    """Run ``other_write`` (another connection) right after this store's next commit, before it returns."""
    original = store.transaction
    fired = []

    @contextlib.contextmanager
    def transaction(**kw):
        with original(**kw) as conn:
            yield conn
        if not fired:  # committed: now another writer slips in
            fired.append(True)
            other_write()

    monkeypatch.setattr(store, "transaction", transaction)
    return fired


def test_update_returns_the_version_it_wrote_not_a_later_one(store, make_store, monkeypatch):
    d = store.put(workflow_id="wf", drop_type="documentation", artifact="v1", metadata={"who": "first"})
    other = make_store(store.url)
    fired = _writer_after_commit(store, monkeypatch,
                                 lambda: other.update(d.id, artifact="by the other writer", metadata={"who": "b"}))
    mine = store.update(d.id, artifact="mine", metadata={"who": "me"}, created_by="alice")
    assert fired
    assert (mine.version, mine.artifact, mine.metadata) == (2, "mine", {"who": "me"})
    v2 = other.get(d.id, 2)
    assert (mine.content_hash, mine.updated_at) == (v2.content_hash, v2.updated_at)
    assert other.get(d.id).version == 3


def test_rollback_and_restore_return_what_they_wrote(store, make_store, monkeypatch):
    d = store.put(workflow_id="wf", drop_type="documentation", artifact="v1")
    store.update(d.id, artifact="v2")
    other = make_store(store.url)
    _writer_after_commit(store, monkeypatch, lambda: other.update(d.id, artifact="other"))
    back = store.rollback(d.id, to_version=1)
    assert (back.version, back.artifact) == (3, "v1")
    assert back.updated_at == other.get(d.id, 3).updated_at

    monkeypatch.undo()
    store.delete(d.id)
    _writer_after_commit(store, monkeypatch, lambda: other.delete(d.id))
    restored = store.restore(d.id)
    assert restored.deleted_at is None and restored.artifact == "other"


def test_fork_returns_the_drops_it_made(store, make_store, monkeypatch):
    store.put(workflow_id="wf", drop_type="documentation", artifact="a")
    other = make_store(store.url)

    def edit_the_fork():
        (forked,) = other.list(workflow_id="wf-b")
        other.update(forked.id, artifact="edited")

    _writer_after_commit(store, monkeypatch, edit_the_fork)
    (made,) = store.fork_workflow("wf", "wf-b")
    assert (made.version, made.artifact) == (1, "a")
