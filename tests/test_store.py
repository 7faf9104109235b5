"""The drop store's contract, run on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

import qldrops
from qldrops import errors
from qldrops.store import schema as t

CODE = "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n"


def put(store, **kw):
    base = dict(workflow_id="wf-42", drop_type="code_generation", artifact=CODE, metadata={"language": "go"})
    base.update(kw)
    return store.put(**base)


def count(store, table) -> int:
    with store.reading() as c:
        return c.execute(sa.select(sa.func.count()).select_from(table)).scalar()


def test_put_get_roundtrip(store):
    d = put(store, capsule_id="cap-1", created_by="alice")
    got = store.get(d.id)
    assert got.artifact == CODE
    assert got.metadata == {"language": "go"}
    assert (got.version, got.workflow_id, got.capsule_id, got.created_by) == (1, "wf-42", "cap-1", "alice")
    assert got.content_hash == __import__("hashlib").sha256(CODE.encode()).hexdigest()
    assert got.created_at.tzinfo is not None
    assert got.workspace == "default"


def test_unicode_and_large_artifacts_come_back_byte_for_byte(store):
    text = "日本語のコード 🚀 émoji\n" * 50_000  # ~1.6 MB, compressed on the way in
    d = put(store, artifact=text)
    assert store.get(d.id).artifact == text
    with store.reading() as c:
        codec, stored = c.execute(sa.select(t.blobs.c.codec, t.blobs.c.stored_size)
                                  .where(t.blobs.c.hash == d.content_hash)).one()
    assert codec == "zstd" and stored < len(text.encode()) / 10


def test_versions_history_diff_rollback(store):
    d = put(store)
    v2 = store.update(d.id, artifact=CODE.replace("hi", "hello"), expected_version=1)
    v3 = store.update(d.id, metadata={"language": "go", "framework": "gin"}, expected_version=2)
    assert (v2.version, v3.version) == (2, 3)
    assert v3.artifact == v2.artifact
    hist = store.history(d.id)
    assert [h.version for h in hist] == [1, 2, 3]
    assert [h.op for h in hist] == ["put", "update", "update"]
    diff = store.diff(d.id, 1, 2)
    assert diff.added == 1 and diff.removed == 1
    assert '+\tfmt.Println("hello")' in diff.unified
    assert store.diff(d.id, 2, 3).metadata_changes == {"framework": (None, "gin")}
    rolled = store.rollback(d.id, to_version=1)
    assert rolled.version == 4 and rolled.artifact == CODE and rolled.metadata == {"language": "go"}
    assert [h.version for h in store.history(d.id)] == [1, 2, 3, 4]  # nothing erased
    assert store.get(d.id, version=2).artifact == v2.artifact
    frame = store.history(d.id).to_frame()
    assert list(frame["version"]) == [1, 2, 3, 4]


def test_identical_update_writes_no_version(store):
    d = put(store)
    assert store.update(d.id, artifact=CODE).version == 1


def test_stale_expected_version_is_a_conflict_and_changes_nothing(store):
    d = put(store)
    store.update(d.id, artifact="v2", expected_version=1)
    with pytest.raises(errors.Conflict, match="version 2, not the expected 1"):
        store.update(d.id, artifact="v3", expected_version=1)
    assert store.get(d.id).artifact == "v2"
    assert len(store.history(d.id)) == 2


def test_content_is_deduplicated_across_versions_and_workflows(store):
    a = put(store, workflow_id="wf-a")
    put(store, workflow_id="wf-b")
    store.update(a.id, artifact="other")
    store.update(a.id, artifact=CODE)
    assert count(store, t.blobs) == 2
    s = store.stats()
    assert s["versions"] == 4 and s["blobs"] == 2
    assert s["dedup_ratio"] == pytest.approx((3 * len(CODE) + 5) / (len(CODE) + 5), rel=1e-3)


def test_compression_ratio_in_stats(store):
    big = "SELECT id, name FROM users WHERE active = true;\n" * 400
    put(store, artifact=big, drop_type="code_generation", metadata={"language": "sql"})
    s = store.stats()
    assert s["compression_ratio"] > 5
    assert s["stored_bytes"] < s["unique_bytes"]


def test_put_many_is_all_or_nothing(store):
    items = [dict(workflow_id=f"wf-{i}", drop_type="documentation", artifact=f"doc {i}") for i in range(100)]
    items[37] = dict(workflow_id="wf-37", drop_type="documentation", artifact="x", metadata={"bad": {1, 2}})
    with pytest.raises(errors.BatchError) as e:
        store.put_many(items)
    assert e.value.index == 37 and "item 37 of 100" in str(e.value)
    assert count(store, t.drops) == 0 and count(store, t.blobs) == 0 and count(store, t.changes) == 0
    items[37] = dict(workflow_id="wf-37", drop_type="documentation", artifact="fixed")
    drops = store.put_many(items)
    assert len(drops) == 100 and drops[37].artifact == "fixed"
    assert [d.workflow_id for d in drops] == [f"wf-{i}" for i in range(100)]


def test_a_database_error_midway_rolls_the_whole_batch_back(store, monkeypatch):
    """A failure inside the transaction, after every row was sent, leaves nothing behind."""
    from qldrops.store import bulk

    items = [dict(workflow_id="wf-x", drop_type="documentation", artifact=f"doc {i}") for i in range(10)]
    name = "sqlite_insert" if store.dialect == "sqlite" else "pg_insert"
    original = getattr(bulk, name)

    def failing(*args, **kwargs):
        original(*args, **kwargs)
        raise errors.DatabaseError("disk full (simulated)")

    monkeypatch.setattr(bulk, name, failing)
    with pytest.raises(errors.DatabaseError):
        store.put_many(items)
    monkeypatch.setattr(bulk, name, original)
    assert count(store, t.drops) == 0 and count(store, t.blobs) == 0 and count(store, t.changes) == 0
    assert len(store.search("doc")) == 0
    assert [d.artifact for d in store.put_many(items)] == [f"doc {i}" for i in range(10)]


@pytest.mark.parametrize("bad, message", [
    (dict(drop_type="nonsense"), "unknown drop type 'nonsense'"),
    (dict(artifact=b"\xff\xfe\x00binary"), "binary, not UTF-8"),
    (dict(artifact="nul\x00inside"), "NUL characters"),
    (dict(artifact=None), "artifact is required"),
    (dict(artifact=12), "must be text"),
    (dict(metadata={"when": dt.datetime(2026, 1, 1)}), "not JSON-serialisable"),
    (dict(metadata=[1, 2]), "must be a JSON object"),
    (dict(metadata={"x": float("nan")}), "not JSON-serialisable"),
    (dict(metadata={"filename": 12}), "invalid at filename: .*must be string"),
    (dict(workflow_id=""), "workflow_id is required"),
    (dict(workflow_id="a\nb"), "control characters"),
])
def test_bad_input_is_refused_clearly_and_stores_nothing(store, bad, message):
    with pytest.raises(errors.ValidationError, match=message) as e:
        put(store, **bad)
    assert isinstance(e.value, qldrops.QldropsError)
    assert "→" in str(e.value) or e.value.hint is None or e.value.hint
    assert count(store, t.drops) == 0


def test_utf8_bytes_are_accepted_as_text(store):
    d = put(store, artifact="héllo".encode())
    assert store.get(d.id).artifact == "héllo"


def test_completion_metadata_is_validated(store):
    with pytest.raises(errors.ValidationError, match="status"):
        put(store, drop_type="completion", artifact="done", metadata={"status": "maybe"})
    assert put(store, drop_type="completion", artifact="done", metadata={"status": "success", "tokens": 10})


def test_registered_types_are_accepted_with_their_schema(store, make_store):
    with pytest.raises(errors.UnknownDropType, match="register it first"):
        put(store, drop_type="security_review")
    store.register_type("security_review", schema={"type": "object", "properties": {"score": {"type": "number"}}})
    assert put(store, drop_type="security_review", metadata={"score": 3}).drop_type == "security_review"
    with pytest.raises(errors.ValidationError):
        put(store, drop_type="security_review", metadata={"score": "high"})
    other = make_store(store.url)  # another process sees the registration
    assert put(other, drop_type="security_review").version == 1
    with pytest.raises(errors.Conflict):
        store.register_type("documentation")
    assert "security_review" in store.types().to_frame()["name"].tolist()


def test_missing_ids_and_versions(store):
    d = put(store)
    with pytest.raises(errors.NotFound, match="does not exist"):
        store.get(999_999)
    with pytest.raises(errors.NotFound, match="no version 7"):
        store.get(d.id, version=7)
    with pytest.raises(errors.NotFound):
        store.update(999_999, artifact="x")
    with pytest.raises(errors.NotFound):
        store.history(999_999)
    with pytest.raises(errors.ValidationError):
        store.get("abc")
    with pytest.raises(errors.NotFound):
        store.rollback(d.id, to_version=9)


def test_soft_delete_restore_purge(store):
    d = put(store)
    keep = put(store, workflow_id="wf-other")
    store.delete(d.id)
    with pytest.raises(errors.Deleted, match="restore"):
        store.get(d.id)
    assert store.get(d.id, include_deleted=True).deleted
    assert [x.id for x in store.list()] == [keep.id]
    assert [x.id for x in store.list(include_deleted=True)] == [d.id, keep.id]
    assert store.search("fmt Println").to_frame()["id"].tolist() == [keep.id]
    with pytest.raises(errors.Deleted):
        store.update(d.id, artifact="nope")
    assert store.restore(d.id).artifact == CODE
    store.purge(d.id)
    with pytest.raises(errors.NotFound):
        store.get(d.id, include_deleted=True)
    assert store.get(keep.id).artifact == CODE  # shared content survives the purge
    assert count(store, t.blobs) == 1


def test_fork_workflow_keeps_lineage_and_shares_content(store):
    a = put(store, workflow_id="wf-42")
    b = put(store, workflow_id="wf-42", drop_type="documentation", artifact="# Docs")
    gone = put(store, workflow_id="wf-42", drop_type="test_plan_generation", artifact="plan")
    store.delete(gone.id)
    blobs_before = count(store, t.blobs)
    forked = store.fork_workflow("wf-42", "wf-42-b", created_by="bob")
    assert [f.forked_from for f in forked] == [a.id, b.id]
    assert all(f.workflow_id == "wf-42-b" and f.version == 1 for f in forked)
    assert count(store, t.blobs) == blobs_before  # copy-on-write: no content copied
    store.update(forked[0].id, artifact="changed in the fork")
    assert store.get(a.id).artifact == CODE  # the source is untouched
    assert store.history(forked[0].id)[0].op == "fork"
    wf = store.workflows().to_frame().set_index("workflow_id")
    assert wf.loc["wf-42-b", "forked_from"] == "wf-42"
    with pytest.raises(errors.Conflict):
        store.fork_workflow("wf-42", "wf-42-b")
    with pytest.raises(errors.NotFound):
        store.fork_workflow("wf-nope", "wf-nope-b")


def test_list_filters_and_frame(store):
    put(store, workflow_id="wf-1", metadata={"language": "go"})
    put(store, workflow_id="wf-1", drop_type="documentation", artifact="# Read me", metadata={"format": "md"})
    put(store, workflow_id="wf-2", metadata={"language": "rust", "tags": ["cli"]})
    assert len(store.list(workflow_id="wf-1")) == 2
    assert len(store.list(drop_type="code_generation")) == 2
    assert [d.workflow_id for d in store.list(metadata={"language": "rust"})] == ["wf-2"]
    assert len(store.list(since="1h")) == 3
    assert len(store.list(until="1h")) == 0
    assert len(store.list(limit=2)) == 2
    frame = store.list().to_frame()
    assert {"id", "workflow_id", "drop_type", "version", "metadata"} <= set(frame.columns)
    assert len(frame) == 3
    with pytest.raises(errors.ValidationError):
        store.list(since="yesterday-ish")


def test_full_text_search_with_filters(store):
    put(store, workflow_id="wf-jwt", artifact="func RefreshToken(jwt string) (string, error) { return jwt, nil }",
        metadata={"language": "go"})
    put(store, workflow_id="wf-py", artifact="def refresh_token(jwt):\n    return jwt\n", metadata={"language": "python"})
    put(store, workflow_id="wf-doc", drop_type="documentation", artifact="How refresh tokens rotate with JWT")
    put(store, workflow_id="wf-none", artifact="print('unrelated')", metadata={"language": "python"})
    hits = store.search("jwt refresh token")
    assert {h.drop.workflow_id for h in hits} == {"wf-jwt", "wf-py", "wf-doc"}
    go = store.search("jwt refresh token", drop_type="code_generation", metadata={"language": "go"})
    assert [h.drop.workflow_id for h in go] == ["wf-jwt"]
    assert "RefreshToken" in go[0].snippet
    assert store.search("python").to_frame()["workflow_id"].tolist()  # metadata is searchable too
    assert len(store.search('"; DROP TABLE drops; --')) == 0  # query syntax can't break out
    with pytest.raises(errors.ValidationError):
        store.search("   ")


def test_every_change_is_logged_in_the_same_transaction(store):
    d = put(store)
    store.update(d.id, artifact="v2")
    store.rollback(d.id, to_version=1)
    store.delete(d.id)
    store.restore(d.id)
    store.fork_workflow("wf-42", "wf-fork")
    with store.reading() as c:
        ops = [(r.drop_id, r.op, r.version) for r in c.execute(sa.select(t.changes).order_by(t.changes.c.seq))]
    assert ops == [(d.id, "upsert", 1), (d.id, "upsert", 2), (d.id, "upsert", 3), (d.id, "delete", 3),
                   (d.id, "upsert", 3), (d.id + 1, "upsert", 1)]


def test_workspaces_are_isolated(db_url, make_store):
    a = make_store(db_url, workspace="acme")
    b = make_store(db_url, workspace="globex")
    d = put(a)
    with pytest.raises(errors.NotFound):
        b.get(d.id)
    with pytest.raises(errors.NotFound):
        b.update(d.id, artifact="x")
    assert len(b.list()) == 0 and len(b.search("fmt")) == 0


def test_jsonl_export_import_roundtrip(store, tmp_path, make_store, sqlite_template):
    d = put(store)
    store.update(d.id, artifact="v2")
    put(store, workflow_id="wf-9", drop_type="documentation", artifact="# doc")
    store.fork_workflow("wf-42", "wf-42-b")
    fork_id = store.list(workflow_id="wf-42-b")[0].id
    store.update(fork_id, artifact="fork edit")
    path = tmp_path / "out.jsonl"
    assert store.export_jsonl(path) == 3
    import shutil
    fresh = tmp_path / "fresh.db"
    shutil.copy(sqlite_template, fresh)
    other = make_store(f"sqlite:///{fresh}")
    counts = other.import_jsonl(path)
    assert counts == {"drops": 2, "versions": 4, "forks": 1}
    assert [h.version for h in other.history(other.list(workflow_id="wf-42")[0].id)] == [1, 2]
    assert other.list(workflow_id="wf-42-b")[0].artifact == "fork edit"
    assert other.list(workflow_id="wf-42-b")[0].forked_from == other.list(workflow_id="wf-42")[0].id


def test_jsonl_import_with_a_bad_line_imports_nothing(store, tmp_path):
    lines = [json.dumps({"workflow_id": f"wf-{i}", "drop_type": "documentation", "artifact": "x"}) for i in range(5)]
    lines.insert(3, '{"workflow_id": "wf-x", "drop_type": ')
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(errors.ImportFormatError, match="line 4") as e:
        store.import_jsonl(path)
    assert e.value.line == 4
    lines[3] = json.dumps({"workflow_id": "wf-x", "drop_type": "bogus", "artifact": "x"})
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(errors.ImportFormatError, match="line 4: unknown drop type"):
        store.import_jsonl(path)
    assert count(store, t.drops) == 0
    with pytest.raises(errors.NotFound):
        store.import_jsonl(tmp_path / "missing.jsonl")


def test_drop_reprs_are_readable(store):
    d = put(store)
    assert "Drop" in repr(d) and "code_generation" in repr(d)
    assert "<pre" in d._repr_html_()
    assert "Diff" in repr(store.diff(d.id, 1, 1))


def test_importing_the_demo_plan_points_to_qldrops_demo(store):
    from pathlib import Path

    plan = Path(__file__).resolve().parent.parent / "data" / "demo.jsonl"
    with pytest.raises(errors.ImportFormatError, match="demo plan") as e:
        store.import_jsonl(plan)
    assert "qldrops demo" in str(e.value)
    assert count(store, t.drops) == 0
