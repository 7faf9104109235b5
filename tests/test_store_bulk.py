"""put_many in several chunks (the pipelined path), on SQLite and PostgreSQL.

``core._CHUNK`` is made small so that a few dozen drops take every path that 10,000 do:
the worker thread preparing ahead, and on PostgreSQL the tsvectors computed ahead on a
second connection.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from qldrops import errors
from qldrops.store import bulk, core
from qldrops.store import schema as t
from qldrops.store.search import document


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(core, "_CHUNK", 4)


def count(store, table) -> int:
    with store.reading() as c:
        return c.execute(sa.select(sa.func.count()).select_from(table)).scalar()


def items(n: int, prefix: str = "doc") -> list[dict]:
    return [dict(workflow_id=f"wf-{i % 3}", drop_type="code_generation", artifact=f"def handler(): return '{prefix}{i}z'",
                 metadata={"filename": f"f{i}.py"}) for i in range(n)]


def nothing_written(store) -> bool:
    return all(count(store, table) == 0 for table in (t.drops, t.drop_versions, t.blobs, t.changes))


def test_many_chunks_keep_order_ids_and_full_text(store):
    batch = items(23)
    batch[17]["artifact"] = batch[2]["artifact"]  # the same content in two chunks: one blob
    drops = store.put_many(batch)
    assert [d.artifact for d in drops] == [b["artifact"] for b in batch]
    assert [d.id for d in drops] == list(range(drops[0].id, drops[0].id + 23))
    assert count(store, t.blobs) == 22 and count(store, t.changes) == 23 and count(store, t.drop_versions) == 23
    assert [store.get(d.id).artifact for d in drops] == [b["artifact"] for b in batch]
    for i in (0, 5, 22):  # first, middle and last chunk are all searchable
        assert [h.drop.id for h in store.search(f"doc{i}z")] == [drops[i].id]


def test_a_bad_item_in_a_later_chunk_writes_nothing(store):
    batch = items(30)
    batch[21]["metadata"] = {"filename": 7}  # code_generation's schema wants a string
    with pytest.raises(errors.BatchError) as e:
        store.put_many(batch)
    assert e.value.index == 21 and "item 21 of 30" in str(e.value)
    assert nothing_written(store)
    batch[21]["metadata"] = {"filename": "ok.py"}
    assert len(store.put_many(batch)) == 30


def test_a_database_error_in_a_later_chunk_rolls_every_chunk_back(store, monkeypatch):
    name = "sqlite_insert" if store.dialect == "sqlite" else "pg_insert"
    original = getattr(bulk, name)
    calls = []

    def third_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise errors.DatabaseError("disk full (simulated)")
        return original(*args, **kwargs)

    monkeypatch.setattr(bulk, name, third_fails)
    with pytest.raises(errors.DatabaseError):
        store.put_many(items(20))
    assert len(calls) == 3  # two chunks were written before the failure, and rolled back with it
    monkeypatch.setattr(bulk, name, original)
    assert nothing_written(store)
    assert len(store.search("handler")) == 0
    assert len(store.put_many(items(20))) == 20


@pytest.mark.postgres
def test_tsvectors_computed_ahead_are_the_ones_the_insert_would_compute(pg_store):
    batch = items(13)
    drops = pg_store.put_many(batch)
    with pg_store.reading() as conn:
        for d, b in zip(drops, batch):
            doc = document(b["workflow_id"], b["drop_type"], b["metadata"], b["artifact"])
            same = conn.execute(sa.text("SELECT search_tsv = to_tsvector('english'::regconfig, :doc) "
                                        "FROM drops WHERE id = :id"), {"doc": doc, "id": d.id}).scalar()
            assert same is True


@pytest.mark.postgres
def test_without_a_second_connection_the_insert_computes_the_tsvectors(pg_store, monkeypatch):
    original = bulk.pg_tsvectors
    refused = []

    def no_helper(raw, docs):
        if threading.current_thread().name.startswith("qldrops-tsvector"):
            refused.append(len(docs))
            raise RuntimeError("no second connection (simulated)")
        return original(raw, docs)

    monkeypatch.setattr(bulk, "pg_tsvectors", no_helper)
    drops = pg_store.put_many(items(10))
    assert refused  # the worker tried, failed, and the writer computed them itself
    assert [h.drop.id for h in pg_store.search("doc9z")] == [drops[9].id]
    with pg_store.reading() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM drops WHERE search_tsv IS NULL")).scalar() == 0
