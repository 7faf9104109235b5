"""Hardening (issue 14): races, what a write returns, hostile input, metadata filters, a full disk.

Every test here runs on both backends (the contract suite) unless it names one.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from qldrops import errors
from qldrops.store.db import translate_errors


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


# ---------------------------------------------------------------------- metadata filters
# A filter {key: value} matches drops whose metadata has that top-level key with an equal JSON
# value: types count (true is not 1), numbers compare by value (1 == 1.0), objects regardless of
# key order, lists in order. Keys are data: quotes, dots, `$` and brackets mean nothing.
FILTER_DROPS = {
    "list": {"k": [1, 2], "tags": ["auth", "jwt"]},
    "nested": {"a": {"b": "1", "c": [True, None]}},
    "dotted": {"a.b": "2", 'a"."b': "3", "$.x[0]": "4"},
    "quoted": {'q"': 1, "it's": "o'k"},
    "bool": {"flag": True, "one": 1},
    "int": {"flag": 1, "one": 1.0},
    "null": {"n": None},
    "unicode": {"ключ": "значение", "日本": "語", "emoji🙂": "✓"},
    "text": {"one": "1", "n": "null"},
}

FILTER_CASES = [
    ({"k": [1, 2]}, {"list"}),
    ({"k": [2, 1]}, set()),
    ({"k": [1]}, set()),
    ({"k": [1.0, 2]}, {"list"}),
    ({"tags": ["auth", "jwt"]}, {"list"}),
    ({"a": {"b": "1", "c": [True, None]}}, {"nested"}),
    ({"a": {"c": [True, None], "b": "1"}}, {"nested"}),
    ({"a": {"b": "1"}}, set()),
    ({'a"."b': "1"}, set()),
    ({'a"."b': "3"}, {"dotted"}),
    ({"a.b": "2"}, {"dotted"}),
    ({"$.x[0]": "4"}, {"dotted"}),
    ({'q"': 1}, {"quoted"}),
    ({"it's": "o'k"}, {"quoted"}),
    ({"flag": True}, {"bool"}),
    ({"flag": 1}, {"int"}),
    ({"flag": False}, set()),
    ({"one": 1}, {"bool", "int"}),
    ({"one": True}, set()),
    ({"one": "1"}, {"text"}),
    ({"n": None}, {"null"}),
    ({"n": "null"}, {"text"}),
    ({"missing": None}, set()),
    ({"ключ": "значение"}, {"unicode"}),
    ({"日本": "語", "emoji🙂": "✓"}, {"unicode"}),
    ({"flag": True, "one": 1}, {"bool"}),
    ({"flag": True, "one": 2}, set()),
]


@pytest.fixture
def filter_drops(store):
    return {store.put(workflow_id=name, drop_type="documentation", artifact=name, metadata=meta).id: name
            for name, meta in FILTER_DROPS.items()}


@pytest.mark.parametrize("flt,expected", FILTER_CASES, ids=[repr(f) for f, _ in FILTER_CASES])
def test_metadata_filters_compare_keys_and_values_as_data(store, filter_drops, flt, expected):
    assert {filter_drops[d.id] for d in store.list(metadata=flt)} == expected


def test_metadata_filters_apply_to_search_too(store, filter_drops):
    assert [h.drop.workflow_id for h in store.search("list", metadata={"k": [1, 2]})] == ["list"]
    assert list(store.search("dotted", metadata={'a"."b': "1"})) == []


# ---------------------------------------------------------------------- hostile input
def _nested(depth: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def _nested_list(depth: int) -> list:
    value: list = [1]
    for _ in range(depth - 1):
        value = [value]
    return value


BAD_INPUT = [
    (dict(metadata=_nested(1_200)), "nested deeper than 32 levels"),
    (dict(metadata={"a": _nested_list(32)}), "nested deeper"),
    (dict(metadata={"k": "\ud800"}), r"lone surrogate.*\['k'\]"),
    (dict(metadata={"\udcff": 1}), "lone surrogate"),
    (dict(workflow_id="wf\ud800"), "workflow_id .*lone surrogate"),
    (dict(capsule_id="c\udfff"), "capsule_id .*lone surrogate"),
    (dict(created_by="\ud83d"), "created_by .*lone surrogate"),
    (dict(metadata={"k": "a\x00b"}), r"NUL character at metadata.*\['k'\]"),
    (dict(metadata={"a\x00": 1}), "NUL character"),
    (dict(metadata={"deep": [{"x": "\x00"}]}), "NUL character"),
    (dict(metadata={f"key{i}": i for i in range(100_000)}), "over the limit of 262,144"),
    (dict(metadata={"blob": "x" * 300_000}), "over the limit"),
]


@pytest.mark.parametrize("bad,message", BAD_INPUT, ids=[m for _, m in BAD_INPUT])
def test_hostile_input_is_a_validation_error_and_writes_nothing(store, bad, message):
    item = dict(workflow_id="wf", drop_type="documentation", artifact="x") | bad
    with pytest.raises(errors.ValidationError, match=message):
        store.put(**item)
    with pytest.raises(errors.BatchError, match=message):
        store.put_many([dict(workflow_id="ok", drop_type="documentation", artifact="fine"), item])
    d = store.put(workflow_id="wf", drop_type="documentation", artifact="x")
    if "metadata" in bad:
        with pytest.raises(errors.ValidationError, match=message):
            store.update(d.id, metadata=bad["metadata"])
        with pytest.raises(errors.ValidationError, match=message):
            store.list(metadata=bad["metadata"])
    assert [x.id for x in store.list(include_deleted=True)] == [d.id]
    assert store.get(d.id).version == 1
    assert store.stats()["versions"] == 1


def test_metadata_at_the_limits_is_stored_alike(store):
    deep = _nested(32)
    big = {"blob": "é" * 100_000}  # 200,000 bytes of UTF-8: under the limit
    d = store.put(workflow_id="wf", drop_type="documentation", artifact="x", metadata=deep)
    assert store.get(d.id).metadata == deep
    assert store.list(metadata={"a": deep["a"]})[0].id == d.id
    e = store.put(workflow_id="wf", drop_type="documentation", artifact="y", metadata=big)
    assert store.get(e.id).metadata == big


def test_surrogates_in_read_arguments_are_validation_errors(store):
    with pytest.raises(errors.ValidationError, match="surrogate"):
        store.list(workflow_id="wf\ud800")
    store.put(workflow_id="wf", drop_type="documentation", artifact="x")
    with pytest.raises(errors.ValidationError, match="surrogate"):
        store.fork_workflow("wf", "wf\udfff")
    assert [h.drop.workflow_id for h in store.search("x \ud800")] == ["wf"]  # not a word: ignored


def test_driver_errors_on_the_bulk_path_come_out_as_qldrops_errors(store):
    # A rule the database enforces on its own, hit by the raw-driver insert (put_many -> bulk.py).
    with store.transaction() as conn:
        if store.dialect == "postgresql":
            conn.exec_driver_sql("ALTER TABLE drops ADD CONSTRAINT no_forbidden CHECK (workflow_id <> 'forbidden')")
        else:
            conn.exec_driver_sql("CREATE TRIGGER no_forbidden BEFORE INSERT ON drops "
                                 "WHEN NEW.workflow_id = 'forbidden' BEGIN SELECT RAISE(ABORT, 'forbidden'); END")
    with pytest.raises(errors.Conflict, match="duplicate or dangling"):
        store.put_many([dict(workflow_id="ok", drop_type="documentation", artifact="a"),
                        dict(workflow_id="forbidden", drop_type="documentation", artifact="b")])
    assert list(store.list()) == []


# ---------------------------------------------------------------------- a full disk
def test_a_full_sqlite_database_says_the_disk_is_full_and_where(sqlite_store):
    store = sqlite_store
    store.put(workflow_id="wf", drop_type="documentation", artifact="small")

    # A page limit makes SQLite raise SQLITE_FULL for real, on every connection of this engine.
    @sa.event.listens_for(store.engine, "connect")
    def _cap(dbapi_conn, _record):
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages + 2}")

    store.engine.dispose()
    big = [dict(workflow_id="wf", drop_type="documentation", artifact=f"{i} " + "z" * 200_000) for i in range(3)]
    folder = str(Path(store.engine.url.database).resolve().parent)
    with pytest.raises(errors.DatabaseError, match="disk holding the database is full") as e:
        store.put_many(big)  # the raw-driver bulk path
    assert folder in str(e.value) and "retry" not in str(e.value)
    with pytest.raises(errors.DatabaseError, match="full") as e:
        store.update(1, artifact="q" * 1_000_000)  # the SQLAlchemy path
    assert folder in e.value.hint
    sa.event.remove(store.engine, "connect", _cap)
    store.engine.dispose()
    assert [d.artifact for d in store.list()] == ["small"] and store.get(1).version == 1


def test_a_full_postgresql_disk_names_the_server():
    import psycopg

    with pytest.raises(errors.DatabaseError, match=r"server at db\.example:5433 is out of disk space") as e:
        with translate_errors("postgresql+psycopg://u:secret@db.example:5433/q"):
            raise psycopg.errors.DiskFull('could not extend file "base/16384/2619": No space left on device')
    assert "secret" not in str(e.value) and "data directory" in e.value.hint
