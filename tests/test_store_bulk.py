"""put_many in several chunks (the pipelined path), on SQLite and PostgreSQL.

``core._CHUNK`` is made small so that a few dozen drops take every path that 10,000 do:
the worker thread preparing ahead, and on PostgreSQL the tsvectors computed ahead on a
second connection.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import json
import threading
import types

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


def _assert_tsvectors_as_the_insert_computes(pg_store, drops, batch) -> None:
    with pg_store.reading() as conn:
        for d, b in zip(drops, batch):
            doc = document(b["workflow_id"], b["drop_type"], b["metadata"], b["artifact"])
            same = conn.execute(sa.text("SELECT search_tsv = to_tsvector('english'::regconfig, :doc) "
                                        "FROM drops WHERE id = :id"), {"doc": doc, "id": d.id}).scalar()
            assert same is True


@pytest.mark.postgres
def test_tsvectors_computed_ahead_are_the_ones_the_insert_would_compute(pg_store):
    batch = items(13)
    drops = pg_store.put_many(batch)
    _assert_tsvectors_as_the_insert_computes(pg_store, drops, batch)


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


def test_the_sqlite_wal_file_shrinks_back_after_a_big_transaction(sqlite_store, monkeypatch):
    import os
    from pathlib import Path

    monkeypatch.setattr(core, "_CHUNK", 1000)  # one chunk: put_many's own truncate stays out of it
    wal = Path(sqlite_store.engine.url.database + "-wal")
    sqlite_store.put_many([dict(workflow_id="big", drop_type="documentation", artifact=os.urandom(60_000).hex())
                           for _ in range(200)])  # ~12 MB of pages in one transaction
    big = wal.stat().st_size
    sqlite_store.put(workflow_id="small", drop_type="documentation", artifact="after")  # resets the checkpointed WAL
    assert big > 9_000_000 and wal.stat().st_size <= 8 * 1024 * 1024 + 100_000


def test_a_big_batch_leaves_no_big_wal_file_behind(sqlite_store, monkeypatch):
    import os
    from pathlib import Path

    monkeypatch.setattr(core, "_CHUNK", 50)
    wal = Path(sqlite_store.engine.url.database + "-wal")
    sqlite_store.put_many([dict(workflow_id="big", drop_type="documentation", artifact=os.urandom(20_000).hex())
                           for _ in range(100)])
    assert wal.stat().st_size < 1_000_000  # ~4 MB were written through it


def test_a_reader_keeps_the_wal_and_the_batch_still_commits(sqlite_store):
    with sqlite_store.engine.connect() as reader:  # an open read transaction: the truncate must not wait
        reader.exec_driver_sql("SELECT count(*) FROM drops").fetchall()  # (the engine begins the transaction)
        assert reader.in_transaction()
        drops = sqlite_store.put_many(items(9))
    assert [sqlite_store.get(d.id).artifact for d in drops] == [b["artifact"] for b in items(9)]


def test_duplicates_in_the_batch_and_contents_stored_before(store):
    before = store.put_many(items(5, prefix="old"))
    batch = items(14, prefix="new")
    batch[3]["artifact"] = batch[9]["artifact"] = batch[12]["artifact"]  # three times in one batch
    batch[6]["artifact"] = before[1].artifact  # stored before, now in a later chunk
    batch[0]["artifact"] = before[4].artifact  # and in the first chunk
    drops = store.put_many(batch)
    assert count(store, t.blobs) == 5 + 14 - 2 - 2  # each content once
    assert count(store, t.drops) == 19 and count(store, t.changes) == 19 and count(store, t.drop_versions) == 19
    assert [store.get(d.id).artifact for d in drops] == [b["artifact"] for b in batch]
    assert drops[6].content_hash == before[1].content_hash and drops[3].content_hash == drops[12].content_hash
    assert {h.drop.id for h in store.search("old1z")} == {before[1].id, drops[6].id}


def test_a_row_the_database_refuses_in_a_later_chunk_writes_nothing(store, monkeypatch):
    """The database itself refuses a row (NULL in a NOT NULL column: not our checks, the
    constraint), in the binary COPY on PostgreSQL: every chunk written before it rolls back."""
    made = []
    original, saved = bulk.Chunk.of, bulk.Chunk.__dict__["of"]

    def third_is_bad(prepared):
        chunk = original(prepared)
        made.append(chunk)
        if len(made) == 3:
            chunk.prepared[1] = dataclasses.replace(chunk.prepared[1], drop_type=None)
        return chunk

    monkeypatch.setattr(bulk.Chunk, "of", staticmethod(third_is_bad))
    with pytest.raises(errors.QldropsError):
        store.put_many(items(20))
    assert len(made) >= 3
    monkeypatch.setattr(bulk.Chunk, "of", saved)
    assert nothing_written(store)
    assert len(store.search("handler")) == 0
    assert len(store.put_many(items(20))) == 20


class Level(enum.IntEnum):
    HIGH = 3


# Metadata on the common path (a flat dict of JSON scalars or lists of them: checked and serialised
# once) and off it (nested, tuples, int keys, subclasses of int/str: the full check and JSON round
# trip). Either way a drop keeps what the JSON round trip with sorted keys gives.
METADATA = [
    {"filename": "a.py", "tags": ["x", "y"], "cases": 3, "ratio": 0.5, "ok": True, "none": None},
    {"zeta": 1, "alpha": "first", "Mid": -0.0},  # keys out of order
    {"title": "naïve ☃ \U0001f600 日本語", "ключ": "значение", "tags": ["ünï", "😀"]},
    {"nested": {"b": 1, "a": [1, {"c": "d"}]}, "filename": "n.py"},
    {"pair": (1, "two"), "filename": "t.py"},
    {10: "int key", 2: "x"},  # (mixed int and str keys are refused, as before)
    {"level": Level.HIGH, "flag": False},
    {"quote": 'a "b" \\ c\n\ttab', "slash": "a\\u0000b"},  # a literal backslash-u0000 is not a NUL
    {},
]


def expected(meta: dict) -> dict:
    return json.loads(json.dumps(meta, sort_keys=True, ensure_ascii=False))


def test_metadata_on_and_off_the_common_path_is_stored_alike(store):
    batch = [{"workflow_id": "wf-m", "drop_type": "code_generation", "artifact": f"print({i})", "metadata": m}
             for i, m in enumerate(METADATA)]
    drops = store.put_many(batch)
    for d, m in zip(drops, METADATA):
        want = expected(m)
        assert d.metadata == want and list(d.metadata) == list(want)  # returned: sorted keys, JSON types
        got = store.get(d.id).metadata
        assert got == want and type(got.get("level", 0)) is int
        assert store.history(d.id)[0].metadata == want
    # The caller's dicts are copies, not shared: changing them later changes no drop.
    METADATA[0]["tags"].append("z")
    try:
        assert drops[0].metadata["tags"] == ["x", "y"]
    finally:
        METADATA[0]["tags"].pop()
    assert [h.drop.id for h in store.search("значение")] == [drops[2].id]
    assert [h.drop.id for h in store.search("first")] == [drops[1].id]
    if store.dialect == "sqlite":  # the stored JSON text is the sorted dump, on both paths
        with store.reading() as c:
            texts = dict(c.execute(sa.select(t.drops.c.id, sa.text("CAST(drops.metadata AS TEXT)"))
                                   .where(t.drops.c.id.in_([d.id for d in drops]))).all())
            versions = dict(c.exec_driver_sql("SELECT drop_id, metadata FROM drop_versions").all())
        for d, m in zip(drops, METADATA):
            assert texts[d.id] == versions[d.id] == json.dumps(expected(m), ensure_ascii=False)


@pytest.mark.parametrize("bad, says", [
    ({"filename": "a.py", "score": float("nan")}, "not JSON-serialisable"),
    ({"filename": "a.py", "tags": ["ok", float("inf")]}, "not JSON-serialisable"),
    ({"filename": "a\x00.py"}, "NUL"),
    ({"filename": "\ud800.py"}, "lone surrogate"),
    ({"\udfff": "x"}, "lone surrogate"),
    ({"blob": "x" * (300 * 1024)}, "over the limit"),
    ({"when": object()}, "not JSON-serialisable"),
])
def test_bad_flat_metadata_in_a_later_chunk_is_refused_and_writes_nothing(store, bad, says):
    batch = items(14)
    batch[11]["metadata"] = bad
    with pytest.raises(errors.BatchError) as e:
        store.put_many(batch)
    assert e.value.index == 11 and says in str(e.value)
    assert nothing_written(store)


def test_a_mapping_that_is_not_a_dict_is_still_a_drop(store):
    item = types.MappingProxyType(items(1)[0])
    (drop,) = store.put_many([item, dict(items(2)[1])])[:1]
    assert store.get(drop.id).metadata == {"filename": "f0.py"}


def test_forked_drops_get_their_version_message_and_change_rows(store):
    originals = store.put_many(items(9))
    forks = store.fork_workflow("wf-1", "wf-1-fork")
    assert len(forks) == 3
    for f in forks:
        (v,) = store.history(f.id)
        assert v.op == "fork" and v.message == f"forked from drop {f.forked_from}"
        assert f.forked_from in {d.id for d in originals}
    with store.reading() as c:
        logged = c.execute(sa.select(t.changes.c.drop_id, t.changes.c.op, t.changes.c.version, t.changes.c.content_hash)
                           .order_by(t.changes.c.seq)).all()
    ids = [d.id for d in originals] + [f.id for f in forks]
    assert [r.drop_id for r in logged] == ids and {(r.op, r.version) for r in logged} == {("upsert", 1)}
    assert [r.content_hash for r in logged] == [d.content_hash for d in originals] + [f.content_hash for f in forks]


def test_the_common_path_gives_what_the_full_check_gives():
    from qldrops.store import types as dtypes

    for m in METADATA[:3] + [{"a": 1e300, "b": -5, "c": "", "d": []}, {"k": [None, True, 1.25]}]:
        assert dtypes._plain_copy(m) is not None  # on the common path
        data, text = dtypes.metadata_json("code_generation", m, None)
        full, full_text = dtypes._checked("code_generation", m, "metadata")
        assert (data, text) == (full, full_text) and list(data) == list(full)
    for m in METADATA[3:7]:
        assert dtypes._plain_copy(m) is None  # nested, tuples, int keys, an IntEnum: the full check


def test_contents_and_workflows_a_concurrent_writer_stored_first_are_kept_once(store, monkeypatch):
    """Between 'which are stored already' and the insert, another writer may store the same content
    or workflow: the insert leaves its row alone (ON CONFLICT DO NOTHING / INSERT OR IGNORE), the
    batch still commits, each content and workflow is there once."""
    first = store.put_many(items(6, prefix="early"))
    monkeypatch.setattr(bulk, "known_hashes", lambda raw, dialect, hashes: set())  # as if not there yet
    monkeypatch.setattr(bulk, "known_workflows", lambda raw, dialect, workspace, ids: set())
    batch = items(10, prefix="late")
    batch[2]["artifact"] = first[0].artifact
    batch[7]["artifact"] = first[5].artifact
    drops = store.put_many(batch)
    assert count(store, t.blobs) == 6 + 10 - 2 and count(store, t.workflows) == 3
    assert drops[2].content_hash == first[0].content_hash
    assert [store.get(d.id).artifact for d in drops] == [b["artifact"] for b in batch]


def test_workflow_rows_of_a_batch_and_of_a_fork(store):
    store.put_many(items(9))
    store.fork_workflow("wf-2", "wf-2-copy")
    with store.reading() as c:
        rows = c.execute(sa.select(t.workflows.c.workflow_id, t.workflows.c.forked_from, t.workflows.c.created_at)
                         .order_by(t.workflows.c.workflow_id)).all()
    assert [(r.workflow_id, r.forked_from) for r in rows] == [
        ("wf-0", None), ("wf-1", None), ("wf-2", None), ("wf-2-copy", "wf-2")]
    assert all(r.created_at.tzinfo is not None for r in rows)
    assert {w["workflow_id"]: w["forked_from"] for w in store.workflows()}["wf-2-copy"] == "wf-2"


@pytest.mark.postgres
def test_a_chunk_whose_tsvectors_one_helper_failed_to_compute_is_computed_by_the_writer(pg_store, monkeypatch):
    """Each chunk's documents are split between the helper connections; when one part fails, the
    writer computes the chunk's tsvectors itself, and every drop gets its own, in order."""
    original = bulk.pg_tsvectors
    failed, writer = [], []

    def second_part_fails(raw, docs):
        if not threading.current_thread().name.startswith("qldrops-tsvector"):
            writer.append(len(docs))
        elif any("doc6z" in d for d in docs):
            failed.append(len(docs))
            raise RuntimeError("helper connection lost (simulated)")
        return original(raw, docs)

    monkeypatch.setattr(bulk, "pg_tsvectors", second_part_fails)
    batch = items(13)
    drops = pg_store.put_many(batch)
    assert failed == [2] and writer == [4]  # chunk 4..7 went out in two parts; the one with doc6 failed
    _assert_tsvectors_as_the_insert_computes(pg_store, drops, batch)
    assert [h.drop.id for h in pg_store.search("doc6z")] == [drops[6].id]


def test_rounds_cover_every_item_once_in_order_with_a_finer_tail(monkeypatch):
    monkeypatch.setattr(core, "_CHUNK", 500)
    for n, tail in itertools.product((1, 499, 500, 501, 1000, 1001, 10_000, 10_003), (1, 4)):
        rounds = core._rounds(n, tail)
        assert rounds[0][0] == 0 and rounds[-1][1] == n
        assert all(a < b for a, b in rounds) and all(x[1] == y[0] for x, y in itertools.pairwise(rounds))
        assert max(b - a for a, b in rounds) <= 500
    assert core._rounds(10_000, 4)[-5:] == [(9000, 9500), (9500, 9625), (9625, 9750), (9750, 9875), (9875, 10_000)]
    assert core._rounds(10_000) == [(i, i + 500) for i in range(0, 10_000, 500)]
    assert core._rounds(400, 4) == [(0, 400)]
