"""The page cache (qldrops/store/cache.py): hits where nothing changed, never a stale answer after a write.

Positions come from the real change log on SQLite and PostgreSQL; the cross-process tests run
two real processes (tests/cache_worker.py) against one database, with the in-process cache and
with a shared Redis.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from qldrops.store.cache import MemoryBackend, PageCache, RedisBackend

WORKER = Path(__file__).resolve().parent / "cache_worker.py"
REDIS_URL = "redis://127.0.0.1:6379/0"


def _code(store, workflow: str, path: str, text: str):
    return store.put(workflow_id=workflow, drop_type="code_generation", artifact=f"# File: {path}\n{text}")


# ---------------------------------------------------------------------------------------------- the cache
def test_memory_backend_evicts_the_least_recently_used_within_its_bytes():
    backend = MemoryBackend(max_bytes=400)
    for key in "abcd":
        backend.set(key, b"x" * 90, ttl=60)
    assert backend.get("a") == b"x" * 90  # a is now the most recently used
    backend.set("e", b"y" * 90, ttl=60)  # 5 x 90 > 400: the oldest unused (b) goes
    assert backend.get("b") is None and backend.get("a") is not None and backend.get("e") is not None
    backend.set("huge", b"z" * 200, ttl=60)  # more than a quarter of the cache: not kept
    assert backend.get("huge") is None
    backend.set("gone", b"1", ttl=-1)
    assert backend.get("gone") is None


def test_a_tampered_or_foreign_entry_is_recomputed_never_unpickled():
    backend = MemoryBackend()
    mine, theirs = PageCache(backend, b"ours"), PageCache(backend, b"theirs")
    assert mine.remember("k", (1,), lambda: {"a": 1}) == {"a": 1}
    assert mine.remember("k", (1,), lambda: {"a": 2}) == {"a": 1}  # a hit
    assert theirs.key("k", 1) != mine.key("k", 1)  # another deployment never meets our keys
    key = mine.key("k", 1)
    raw = backend.get(key)
    backend.set(key, raw[:-1] + bytes([raw[-1] ^ 1]), ttl=60)  # one bit flipped in the value
    assert mine.remember("k", (1,), lambda: {"a": 3}) == {"a": 3}
    assert mine.stats() == {"backend": "memory", "hits": 1, "misses": 2, "hit_rate": 0.333}


def test_errors_are_not_cached():
    cache = PageCache(MemoryBackend(), b"s")
    calls = []

    def failing():
        calls.append(1)
        raise ValueError("boom")

    for _ in range(2):
        with pytest.raises(ValueError):
            cache.remember("k", (), failing)
    assert len(calls) == 2


# ---------------------------------------------------------------------------------------------- positions
def test_a_write_moves_exactly_the_positions_it_touches(store):
    a = _code(store, "wf-a", "a.py", "print(1)\n")
    _code(store, "wf-b", "b.py", "print(2)\n")
    t = store.tables
    wa, wb, ws = store.position("wf-a"), store.position("wf-b"), store.position()
    events = store.position(also=(t.events,))
    store.update(a.id, artifact="# File: a.py\nprint(10)\n")
    assert store.position("wf-a") != wa and store.position("wf-b") == wb and store.position() != ws
    wa = store.position("wf-a")
    store.events.record(None, "view", workflow_id="wf-a")
    assert store.position("wf-a") == wa and store.position(also=(t.events,)) != events
    store.delete(a.id)
    assert store.position("wf-a") != wa
    wa = store.position("wf-a")
    store.purge(a.id)  # the drop's row goes: the workflow's position must still move
    assert store.position("wf-a") != wa


def test_project_and_similar_are_cached_until_their_workflow_or_workspace_changes(store):
    a = _code(store, "wf-a", "a.py", "def f():\n    return 1\n")
    _code(store, "wf-b", "b.py", "def g():\n    return 2\n")
    store.cache.hits = store.cache.misses = 0
    first = store.project("wf-a")
    again = store.project("wf-a")
    assert again.files["a.py"].text == first.files["a.py"].text and store.cache.hits == 1
    _code(store, "wf-b", "c.py", "print(3)\n")  # another workflow: wf-a's project stays cached
    store.project("wf-a")
    assert store.cache.hits == 2
    store.update(a.id, artifact="# File: a.py\ndef f():\n    return 42\n")
    assert "42" in store.project("wf-a").files["a.py"].text  # recomputed, never the cached one
    assert store.cache.misses == 2

    store.index.sync()  # similar() answers from the index as it stands (the indexer's job)
    hits = store.similar(a.id, k=3)
    assert [h.id for h in store.similar(a.id, k=3)] == [h.id for h in hits]
    assert store.similar(a.id, k=3).drops()  # the cached answer still reads the live drops
    new = _code(store, "wf-c", "d.py", "def f():\n    return 42\n")  # a write anywhere in the workspace
    store.index.sync()
    assert new.id in store.similar(a.id, k=3).ids


def test_access_is_checked_before_the_cache_answers(store):
    from qldrops.errors import AccessDenied

    _code(store, "wf-a", "a.py", "print(1)\n")
    store.project("wf-a")  # now cached
    user = store.users.create(f"u-{uuid.uuid4().hex[:6]}", workspace=store.workspaces.ensure("elsewhere"))
    outsider = type(store)(store.engine, store.settings.replace(workspace="elsewhere"), workspace="elsewhere")
    outsider.authenticate(store.tokens.issue(user))
    outsider.workspace = store.workspace  # reaching for the workspace whose answer is cached
    with pytest.raises(AccessDenied):
        outsider.project("wf-a")


# ---------------------------------------------------------------------------------------------- two processes
class Worker:
    def __init__(self, url: str, folder: Path, redis_url: str = ""):
        args = [sys.executable, str(WORKER), url, str(folder)] + ([redis_url] if redis_url else [])
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     cwd=Path(__file__).resolve().parent.parent)

    def ask(self, **cmd) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"worker died ({self.proc.poll()})"
        return json.loads(line)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def _redis_or_skip() -> str:
    try:
        RedisBackend(REDIS_URL)._client.ping()
    except Exception:  # noqa: BLE001
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    return REDIS_URL


@pytest.mark.parametrize("shared", ["memory", "redis"])
def test_a_cached_answer_is_never_stale_after_another_process_writes(store, db_url, tmp_path, shared):
    redis_url = _redis_or_skip() if shared == "redis" else ""
    workflow = f"wf-{uuid.uuid4().hex[:8]}"  # Redis outlives the test: a workflow no other run used
    a = _code(store, workflow, "a.py", "print('one')\n")
    reader, writer = Worker(db_url, tmp_path, redis_url), Worker(db_url, tmp_path, redis_url)
    try:
        assert reader.ask(do="project", workflow=workflow)["files"]["a.py"] == "print('one')\n"
        assert reader.ask(do="project", workflow=workflow)["cache"]["hits"] >= 1
        if shared == "redis":  # the writer's first read is a hit on what the reader cached
            assert writer.ask(do="project", workflow=workflow)["cache"]["hits"] == 1
        writer.ask(do="update", drop=a.id, path="a.py", text="print('two')\n")
        assert reader.ask(do="project", workflow=workflow)["files"]["a.py"] == "print('two')\n"
        writer.ask(do="put", workflow=workflow, path="b.py", text="print('three')\n")
        assert {"a.py", "b.py"} <= set(reader.ask(do="project", workflow=workflow)["files"])
        assert reader.ask(do="similar", drop=a.id)["cache"]["misses"] >= 1  # cached now
        # another workflow, the same text as a's: the closest drop there is, in the next answer
        new = writer.ask(do="put", workflow="wf-elsewhere-" + workflow, path="a.py", text="print('two')\n")["id"]
        assert new in reader.ask(do="similar", drop=a.id)["ids"]
    finally:
        reader.close()
        writer.close()
