"""Index files: corrupt, truncated, mismatched, killed mid-save, disk full. Never served, never lost."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qldrops.errors import VectorIndexError
from qldrops.index.embedder import FakeEmbedder
from qldrops.index.manager import IndexManager
from qldrops.index.query import similar

REPO = Path(__file__).resolve().parent.parent


def _fill(store, n=30):
    return [store.put(workflow_id="w", drop_type="code_generation", artifact=f"function number {i} adds {i} apples")
            for i in range(n)]


def _manager(store, folder, **kw):
    # HNSW: a kind that saves a FAISS file (the exact kind saves only its map; see the end of this file)
    kw.setdefault("kind", "hnsw")
    return IndexManager(store, folder=folder, **kw)


@pytest.fixture
def saved(sqlite_store, tmp_path):
    drops = _fill(sqlite_store)
    folder = tmp_path / "idx"
    mgr = _manager(sqlite_store, folder)
    mgr.sync(save=True)
    return sqlite_store, folder, drops


def _data_file(folder: Path, pattern: str) -> Path:
    return next(folder.glob(pattern))


@pytest.mark.parametrize("damage", ["flip", "truncate", "manifest", "missing", "empty"])
@pytest.mark.parametrize("kind", ["hnsw", "flat"])
def test_damaged_files_are_refused_or_rebuilt(sqlite_store, tmp_path, damage, kind):
    store, folder, drops = sqlite_store, tmp_path / "idx", _fill(sqlite_store)
    _manager(store, folder, kind=kind).sync(save=True)
    target = _data_file(folder, "vectors-*.faiss" if kind == "hnsw" else "map-*.npz")
    if damage == "flip":
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
    elif damage == "truncate":
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "manifest":
        (folder / "manifest.json").write_text("{not json")
    elif damage == "missing":
        target.unlink()
    else:
        _data_file(folder, "map-*.npz").write_bytes(b"")
    with pytest.raises(VectorIndexError) as err:
        _manager(store, folder, kind=kind, on_bad_file="raise").open()
    assert "rebuild" in str(err.value)
    mgr = _manager(store, folder, kind=kind)  # default: rebuilt from the database, answers right
    res = similar(mgr, drops[0].id, 3)
    assert len(res) == 3 and mgr.verify().ok
    _manager(store, folder, kind=kind, on_bad_file="raise").open()  # and the rebuilt files are good


def test_index_for_another_model(saved):
    store, folder, drops = saved
    with pytest.raises(VectorIndexError) as err:
        _manager(store, folder, embedder=FakeEmbedder(32), on_bad_file="raise").open()
    assert "built for model 'fake-hash-64'" in str(err.value)
    mgr = _manager(store, folder, embedder=FakeEmbedder(32))
    mgr.sync()  # the other model's vectors are made (a query never embeds the store)
    assert mgr.embedder.dim == 32 and len(similar(mgr, drops[1].id, 5)) == 5
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["model_id"] == "fake-hash-32" and manifest["dim"] == 32


def test_index_for_another_database(saved, tmp_path, sqlite_template):
    _, folder, _ = saved
    import shutil

    import qldrops
    from support import test_settings

    other_db = tmp_path / "other.db"
    shutil.copy(sqlite_template, other_db)
    other = qldrops.connect(f"sqlite:///{other_db}", settings=test_settings(tmp_path))
    try:
        with pytest.raises(VectorIndexError, match="another database"):
            _manager(other, folder, on_bad_file="raise").open()
    finally:
        other.close()


CHILD_SAVE_LOOP = textwrap.dedent("""
    import sys, qldrops
    from qldrops.index.manager import IndexManager
    from tests.support import test_settings
    from pathlib import Path
    store = qldrops.connect(sys.argv[1], settings=test_settings(Path(sys.argv[2])))
    mgr = IndexManager(store, folder=sys.argv[3], kind="hnsw")
    mgr.open()
    print("ready", flush=True)
    i = 0
    while True:
        store.put(workflow_id="loop", drop_type="code_generation", artifact=f"loop drop {i} " * 20)
        mgr.sync(save=True)
        i += 1
""")


def test_killed_while_saving_keeps_a_usable_index(saved, sqlite_url, tmp_path):
    store, folder, _ = saved
    # A bigger index makes each save long enough that most kills land inside one.
    store.put_many([{"workflow_id": "bulk", "drop_type": "code_generation", "artifact": f"bulk {i} " + "z" * i}
                    for i in range(3000)])
    _manager(store, folder).sync(save=True)
    rng = random.Random(42)
    for attempt in range(12):
        child = subprocess.Popen([sys.executable, "-c", CHILD_SAVE_LOOP, sqlite_url, str(tmp_path), str(folder)],
                                 cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env={**os.environ, "PYTHONPATH": str(REPO)})
        assert child.stdout.readline().strip() == b"ready", child.stderr.read().decode()
        try:
            child.wait(timeout=rng.uniform(0.05, 0.6))
        except subprocess.TimeoutExpired:
            pass
        child.send_signal(signal.SIGKILL)
        child.wait()
        mgr = _manager(store, folder, on_bad_file="raise")
        mgr.open()  # never corrupt: the previous or the new generation
        assert not list(folder.glob(".*.tmp"))  # a killed save's temp file is gone once the index is opened
        assert mgr.verify().ok or mgr.watermark.seq < _max_seq(store)
        mgr.sync()
        assert mgr.verify().ok
    leftovers = list(folder.glob("vectors-*.faiss"))
    assert len(leftovers) >= 1


def _max_seq(store):
    import sqlalchemy as sa

    with store.reading() as conn:
        return conn.execute(sa.text("SELECT max(seq) FROM changes")).scalar()


CHILD_DISK_FULL = textwrap.dedent("""
    import resource, signal, sys, qldrops
    from qldrops.errors import VectorIndexError
    from qldrops.index.manager import IndexManager
    from tests.support import test_settings
    from pathlib import Path
    store = qldrops.connect(sys.argv[1], settings=test_settings(Path(sys.argv[2])))
    mgr = IndexManager(store, folder=sys.argv[3], kind="hnsw")
    mgr.open()
    store.put_many([{"workflow_id": "big", "drop_type": "code_generation", "artifact": f"big {i} " * 9}
                    for i in range(2000)])
    mgr.sync(save=False)  # embeddings land in the database first (the limit would hit SQLite too)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # write() then fails with EFBIG, like ENOSPC
    limit = int(sys.argv[4])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        mgr.save()
    except VectorIndexError as exc:
        print("refused:", exc.message, flush=True)
        sys.exit(0)
    print("saved anyway", flush=True)
    sys.exit(1)
""")


def test_disk_full_during_save_keeps_the_previous_index(saved, sqlite_url, tmp_path):
    store, folder, drops = saved
    before = json.loads((folder / "manifest.json").read_text())
    size = _data_file(folder, "vectors-*.faiss").stat().st_size
    out = subprocess.run([sys.executable, "-c", CHILD_DISK_FULL, sqlite_url, str(tmp_path), str(folder),
                          str(size + 4096)], cwd=REPO, capture_output=True, check=False, env={**os.environ, "PYTHONPATH": str(REPO)},
                         timeout=300)
    assert out.returncode == 0, out.stdout.decode() + out.stderr.decode()
    assert b"could not save the vector index" in out.stdout
    assert json.loads((folder / "manifest.json").read_text()) == before
    assert not list(folder.glob(".*.tmp"))  # no half-written temp files left behind
    mgr = _manager(store, folder, on_bad_file="raise")
    mgr.open()
    assert len(mgr.id_map) == len(drops)
    mgr.sync()  # nothing lost: the changes are replayed from the database
    assert len(mgr.id_map) == len(drops) + 2000 and mgr.verify().ok


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_opening_removes_the_temp_files_of_a_killed_save(saved):
    store, folder, drops = saved
    stale = [folder / f".vectors-abc.faiss.{_dead_pid()}.0badf00d.tmp", folder / ".map-abc.npz.1234abcd.tmp"]
    for path in stale:
        path.write_bytes(b"\0" * 100_000)  # half of a large index
    mgr = _manager(store, folder, on_bad_file="raise")
    mgr.open()
    assert not list(folder.glob(".*.tmp"))
    assert len(mgr.id_map) == len(drops) and mgr.verify().ok


def test_a_temp_file_of_a_save_in_progress_is_kept(saved):
    import fcntl

    store, folder, drops = saved
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = folder / f".vectors-abc.faiss.{writer.pid}.0badf00d.tmp"  # a save that is writing now
        dead = folder / f".vectors-abd.faiss.{_dead_pid()}.0badf00d.tmp"
        unknown = folder / ".map-abc.npz.1234abcd.tmp"  # no pid in the name: cannot tell, kept
        for path in (live, dead, unknown):
            path.write_bytes(b"x")
        with open(folder / ".lock", "a+b") as lock:  # the saving process holds the folder's lock
            fcntl.flock(lock.fileno(), fcntl.LOCK_SH)
            mgr = _manager(store, folder, on_bad_file="raise")
            mgr.open()
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        assert live.exists() and unknown.exists() and not dead.exists()
        assert len(mgr.id_map) == len(drops)
    finally:
        writer.kill()
        writer.wait()


def test_an_exact_index_keeps_its_vectors_once_in_the_database(sqlite_store, tmp_path):
    store, folder = sqlite_store, tmp_path / "idx"
    drops = _fill(store)
    first = IndexManager(store, folder=folder)  # "auto": exact below approx_threshold
    first.sync(save=True)
    assert first.backend.kind == "flat"
    assert not list(folder.glob("vectors-*")), "the vectors are in the database; no second copy on disk"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "flat" and set(manifest["files"]) == {"map"} and manifest["count"] == len(drops)
    assert first.status().file_bytes < 40 * len(drops) + 1024  # ids and hashes, not 64 floats each

    second = IndexManager(store, folder=folder, on_bad_file="raise")
    second.open()
    assert second.id_map == first.id_map and second.watermark.seq == first.watermark.seq
    assert second.verify().ok
    for drop in drops[:5]:
        assert [(h.id, round(h.score, 5)) for h in similar(second, drop.id, 5)] == \
            [(h.id, round(h.score, 5)) for h in similar(first, drop.id, 5)]
    store.put(workflow_id="w", drop_type="code_generation", artifact="one more drop after the save")
    second.sync()  # catches up from the saved watermark, as with a file
    assert len(second.id_map) == len(drops) + 1 and second.verify().ok


def test_an_exact_index_whose_vectors_the_database_lacks_is_refused_or_rebuilt(sqlite_store, tmp_path):
    import sqlalchemy as sa

    store, folder = sqlite_store, tmp_path / "idx"
    drops = _fill(store)
    IndexManager(store, folder=folder).sync(save=True)
    with store.engine.begin() as conn:  # e.g. the saved folder outlived a restore of an older backup
        conn.execute(sa.text("DELETE FROM embeddings WHERE content_hash = :h"), {"h": drops[0].content_hash})
    with pytest.raises(VectorIndexError, match="does not hold") as err:
        IndexManager(store, folder=folder, on_bad_file="raise").open()
    assert "rebuild" in err.value.hint
    mgr = IndexManager(store, folder=folder)
    mgr.open()  # rebuilt from what the database holds; the drop without a vector waits for the indexer
    assert drops[0].id not in mgr.id_map and mgr.lag == 1 and len(mgr.id_map) == len(drops) - 1
    mgr.sync()
    assert len(mgr.id_map) == len(drops) and mgr.verify().ok
