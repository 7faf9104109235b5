"""Large artifacts in an S3-compatible object store: a real SeaweedFS server, SQLite and PostgreSQL.

Invariant checked after every scenario: every ``blobs`` row with ``codec = 's3'`` has its object.
"""

from __future__ import annotations

import json
import socket
import uuid

import pytest
import sqlalchemy as sa

import qldrops
import seaweed
from qldrops.store import objects as objstore
from qldrops.store import schema as t

SMALL = "print('small')\n"
MIN = 4096


def big(tag: str, n: int = 3000) -> str:
    return "".join(f"line {i} of {tag}: value = compute({i}, '{tag}')\n" for i in range(n))


@pytest.fixture(scope="module")
def weed(tmp_path_factory):
    sw = seaweed.start(tmp_path_factory.mktemp("seaweed"))
    yield sw
    sw.stop()


@pytest.fixture
def prefix():
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def ostore(db_url, make_store, weed, prefix):
    return make_store(db_url, object_store_url=weed.url(prefix), object_store_min_bytes=MIN)


def keys(weed, prefix) -> set[str]:
    out = set()
    for page in weed.client().get_paginator("list_objects_v2").paginate(Bucket=seaweed.BUCKET, Prefix=prefix + "/"):
        out.update(o["Key"].rsplit("/", 1)[-1] for o in page.get("Contents", []))
    return out


def external_rows(store) -> dict[str, bytes]:
    with store.reading() as conn:
        return {r.hash: bytes(r.data) for r in conn.execute(
            sa.select(t.blobs.c.hash, t.blobs.c.data).where(t.blobs.c.codec == objstore.CODEC))}


def assert_no_row_without_object(store, weed, prefix):
    rows = external_rows(store)
    assert set(rows) <= keys(weed, prefix)
    assert all(data == b"" for data in rows.values())  # the bytes live in the store only


def count(store, table) -> int:
    with store.reading() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_large_goes_to_the_object_store_small_stays_in_the_database(ostore, weed, prefix):
    text = big("a")
    d_big = ostore.put(workflow_id="wf", drop_type="code_generation", artifact=text)
    d_small = ostore.put(workflow_id="wf", drop_type="code_generation", artifact=SMALL)
    assert keys(weed, prefix) == {d_big.content_hash}
    assert set(external_rows(ostore)) == {d_big.content_hash}
    assert ostore.get(d_big.id).artifact == text and ostore.get(d_small.id).artifact == SMALL
    assert ostore.read_artifact(d_big.content_hash) == text
    assert [d.artifact for d in ostore.list(workflow_id="wf")] == [text, SMALL]
    # the object is compressed (the text is repetitive) but get() gives the text back
    body = weed.client().get_object(Bucket=seaweed.BUCKET, Key=f"{prefix}/blobs/{d_big.content_hash[:2]}/"
                                    f"{d_big.content_hash}")["Body"].read()
    assert body[:4] == objstore.ZSTD_MAGIC and len(body) < len(text)
    assert_no_row_without_object(ostore, weed, prefix)


def test_identical_content_is_one_object_and_versions_read_back(ostore, weed, prefix, tmp_path):
    text = big("same")
    a = ostore.put(workflow_id="wf", drop_type="code_generation", artifact=text)
    b = ostore.put(workflow_id="wf2", drop_type="code_generation", artifact=text)
    assert a.content_hash == b.content_hash and keys(weed, prefix) == {a.content_hash}
    v2 = ostore.update(a.id, artifact=big("other"))
    assert keys(weed, prefix) == {a.content_hash, v2.content_hash}
    assert ostore.get(a.id, version=1).artifact == text
    back = ostore.rollback(a.id, to_version=1)
    assert back.artifact == text and back.version == 3
    meta_only = ostore.update(b.id, metadata={"k": 1})  # reuses the stored content
    assert meta_only.artifact == text
    forked = ostore.fork_workflow("wf", "wf-fork")
    assert [d.artifact for d in forked] == [text]
    out = tmp_path / "export.jsonl"
    assert ostore.export_jsonl(out) >= 3
    records = [json.loads(line) for line in out.read_text().splitlines()]
    artifacts = {r.get("artifact") for r in records} | {v["artifact"] for r in records for v in r.get("versions", [])}
    assert {text, big("other")} <= artifacts
    assert_no_row_without_object(ostore, weed, prefix)


def test_purge_collects_the_object_once_no_version_uses_it(ostore, weed, prefix):
    shared, own = big("shared"), big("own")
    a = ostore.put(workflow_id="wf", drop_type="code_generation", artifact=shared)
    b = ostore.put(workflow_id="wf", drop_type="code_generation", artifact=shared)
    c = ostore.put(workflow_id="wf", drop_type="code_generation", artifact=own)
    ostore.update(c.id, artifact=SMALL)
    ostore.purge(a.id)
    assert keys(weed, prefix) == {a.content_hash, c.content_hash}  # b still uses the shared content
    ostore.purge(c.id)
    assert keys(weed, prefix) == {a.content_hash}
    ostore.purge(b.id)
    assert keys(weed, prefix) == set() and external_rows(ostore) == {}


def test_store_down_refuses_large_writes_whole_and_leaves_small_drops_alone(db_url, make_store):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = make_store(db_url, object_store_url=f"http://k:s@127.0.0.1:{port}/bucket", object_store_min_bytes=MIN,
                      object_store_timeout=1)
    before = {tbl.name: count(down, tbl) for tbl in (t.drops, t.blobs, t.drop_versions, t.changes)}
    with pytest.raises(qldrops.ObjectStoreUnavailable) as err:
        down.put_many([{"workflow_id": "wf", "drop_type": "code_generation", "artifact": SMALL},
                       {"workflow_id": "wf", "drop_type": "code_generation", "artifact": big("x")}])
    assert "QLDROPS_OBJECT_STORE_URL" in str(err.value) and "nothing was written" in str(err.value)
    assert isinstance(err.value, qldrops.DatabaseError) and err.value.http_status == 503
    assert {tbl.name: count(down, tbl) for tbl in (t.drops, t.blobs, t.drop_versions, t.changes)} == before
    small = down.put(workflow_id="wf", drop_type="code_generation", artifact=SMALL)
    assert down.get(small.id).artifact == SMALL
    with pytest.raises(qldrops.ObjectStoreUnavailable):
        down.update(small.id, artifact=big("y"))
    assert down.get(small.id).version == 1


def test_store_slow_times_out_with_nothing_written(db_url, make_store):
    with socket.socket() as silent:  # accepts connections (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        slow = make_store(db_url, object_store_url=f"http://k:s@127.0.0.1:{port}/bucket",
                          object_store_min_bytes=MIN, object_store_timeout=1)
        with pytest.raises(qldrops.ObjectStoreUnavailable, match="could not"):
            slow.put(workflow_id="wf", drop_type="code_generation", artifact=big("slow"))
    assert count(slow, t.drops) == 0 and count(slow, t.blobs) == 0


def test_reads_of_small_drops_need_no_object_store(db_url, ostore, make_store, weed, prefix):
    small = ostore.put(workflow_id="wf", drop_type="code_generation", artifact=SMALL)
    large = ostore.put(workflow_id="wf", drop_type="code_generation", artifact=big("z"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = make_store(db_url, object_store_url=f"http://k:s@127.0.0.1:{port}/bucket", object_store_min_bytes=MIN,
                      object_store_timeout=1)
    assert down.get(small.id).artifact == SMALL
    with pytest.raises(qldrops.ObjectStoreUnavailable):
        down.get(large.id)
    unconfigured = make_store(db_url)
    assert unconfigured.get(small.id).artifact == SMALL
    with pytest.raises(qldrops.ConfigurationError, match="QLDROPS_OBJECT_STORE_URL"):
        unconfigured.get(large.id)


def test_sweep_removes_objects_no_row_names(ostore, weed, prefix):
    kept = ostore.put(workflow_id="wf", drop_type="code_generation", artifact=big("kept"))
    orphan = "0" * 64
    weed.client().put_object(Bucket=seaweed.BUCKET, Key=f"{prefix}/blobs/00/{orphan}", Body=b"left by a failed write")
    assert ostore.sweep_objects() == 0  # younger than an hour: may be a write in flight
    import datetime as dt

    assert ostore.sweep_objects(older_than=dt.timedelta(0)) == 1
    assert keys(weed, prefix) == {kept.content_hash}


def test_an_object_deleted_behind_our_back_is_a_clear_not_found(ostore, weed, prefix):
    d = ostore.put(workflow_id="wf", drop_type="code_generation", artifact=big("gone"))
    weed.client().delete_object(Bucket=seaweed.BUCKET, Key=f"{prefix}/blobs/{d.content_hash[:2]}/{d.content_hash}")
    with pytest.raises(qldrops.NotFound, match="has no object for content"):
        ostore.get(d.id)


@pytest.mark.parametrize("url", ["ftp://host/bucket", "http://host:9000", "s3://", "http:///bucket"])
def test_bad_object_store_urls_say_what_to_set(url):
    with pytest.raises(qldrops.ConfigurationError, match="QLDROPS_OBJECT_STORE_URL"):
        objstore.parse_url(url)


def test_url_forms():
    loc = objstore.parse_url("http://AK:S%2Fk@minio:9000/bucket/team/a/")
    assert (loc.endpoint, loc.bucket, loc.prefix, loc.access_key, loc.secret_key) == \
        ("http://minio:9000", "bucket", "team/a/", "AK", "S/k")
    aws = objstore.parse_url("s3://bucket")
    assert (aws.endpoint, aws.bucket, aws.prefix, aws.access_key) == (None, "bucket", "", None)
    assert aws.key("ab" + "0" * 62) == "blobs/ab/ab" + "0" * 62


def test_doctor_checks_the_object_store_and_creates_nothing(weed, tmp_path):
    from support import test_settings

    from qldrops.doctor import _object_store

    check = _object_store(test_settings(tmp_path, object_store_url=weed.url("doctor")))
    assert check.status == "ok" and "answers" in check.detail
    missing = f"qldrops-doctor-{uuid.uuid4().hex[:8]}"
    url = weed.url().rsplit("/", 1)[0] + "/" + missing
    check = _object_store(test_settings(tmp_path, object_store_url=url))
    assert check.status == "warn" and missing in check.detail
    assert missing not in [b["Name"] for b in weed.client().list_buckets()["Buckets"]]
