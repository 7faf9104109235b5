"""`qldrops index sync --engine ray` and `qldrops analyze-all --engine ray`: the same jobs as the Dask
tests, on a real local Ray (one start for the module: 2 actors, one per worker), on SQLite and
PostgreSQL, including a worker killed mid-job (the job finishes, nothing missing, nothing
embedded twice but the slice in flight, the model loaded once per worker process)."""

from __future__ import annotations

import collections
import functools
import json
import os
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from support import RecordingEmbedder, cli_environment, kill_a_worker_mid_job
from test_analysis_distributed import _items as _analysis_items
from test_index_distributed import _check_vectors, _sha, _texts

from qldrops import engines
from qldrops.cli import main
from qldrops.errors import ConfigurationError, DependencyMissing, VectorIndexError
from qldrops.index.embedder import FakeEmbedder
from qldrops.store import schema as t

pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_pool():
    """A local Ray for this module: 2 actors (workers); 2 CPUs more for the CLI's own pool.

    Ray's workers do not get pytest's sys.path: the tests folder goes in their PYTHONPATH (the
    recording embedder is `support.RecordingEmbedder`)."""
    here = Path(__file__).resolve().parent
    env = pytest.MonkeyPatch()
    env.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(here), str(here.parent),
                                                            os.environ.get("PYTHONPATH", "")) if p))
    try:
        with engines.ray_pool(workers=2, num_cpus=4) as pool:
            pool.pids(timeout=300)  # both actors up before the first test times anything
            yield pool
    finally:
        env.undo()


def test_ray_sync_matches_single_process(store, ray_pool):
    texts = _texts(50)
    store.put_many([{"workflow_id": "w", "drop_type": "code_generation", "artifact": x} for x in texts]
                   + [{"workflow_id": "w2", "drop_type": "documentation", "artifact": "   \n"}])  # blank: a marker
    report = store.index.sync_distributed(ray_pool, batch=8, commit_every=4)
    assert (report.engine, report.workers, report.tasks) == ("ray", 2, 7)
    assert (report.hashes, report.embedded, report.skipped, report.blank) == (51, 51, 0, 1)
    _check_vectors(store, texts)
    assert store.index.status().lag == 0 and store.index.verify().ok
    again = store.index.sync_distributed(ray_pool, batch=8)  # idempotent: nothing left to do
    assert (again.tasks, again.hashes, again.embedded) == (0, 0, 0)


def test_ray_killed_worker_mid_embedding_exactly_once(store, ray_pool, tmp_path):
    texts = _texts(120)
    store.put_many([{"workflow_id": "w", "drop_type": "code_generation", "artifact": x} for x in texts])
    record = tmp_path / "embedded.log"
    record.touch()
    factory = functools.partial(RecordingEmbedder, str(record), 0.03)
    ray_pool.pids(timeout=300)  # an earlier test's killed actor is back

    def busy_actor() -> int | None:
        lines = record.read_text().split()
        if len(lines) >= 2 * 25:  # 25 texts embedded: well under way, 95 to go
            return int(lines[-2])  # the actor that embedded last is busy with a batch now
        return None

    victim, report = kill_a_worker_mid_job(
        lambda: store.index.sync_distributed(ray_pool, batch=15, commit_every=5, embedder_factory=factory),
        busy_actor, timeout=300)

    rows = [line.split() for line in record.read_text().splitlines()]
    calls = collections.Counter(h for _, h in rows)
    pids = {int(p) for p, _ in rows}
    assert victim in pids and len(pids) >= 2 and victim not in ray_pool.pids(timeout=300)  # restarted: a new process
    loads = collections.Counter((tmp_path / "embedded.log.loads").read_text().split())
    assert set(map(int, loads)) >= pids and max(loads.values()) == 1  # the model: once per worker, not per batch
    assert set(calls) == {_sha(x) for x in texts}, "nothing missing"
    twice = [h for h, n in calls.items() if n > 1]
    # Only the slice the killed actor was embedding (commit_every texts) can be embedded again.
    assert max(calls.values()) <= 2 and len(twice) <= 5, calls.most_common(6)
    assert report.hashes == 120 and report.embedded + report.skipped == 120
    _check_vectors(store, texts)
    assert store.index.status().size == 120 and store.index.verify().ok


def test_ray_killed_worker_mid_analysis(store, ray_pool):
    store.put_many(_analysis_items(24))
    pids = ray_pool.pids(timeout=300)  # asked while idle: an actor answers between batches only

    def an_actor() -> int | None:
        with store.reading() as conn:
            stored = conn.execute(sa.select(sa.func.count()).select_from(t.analyses)).scalar()
        return pids[0] if stored >= 3 else None  # under way, batches left for both actors

    _, got = kill_a_worker_mid_job(lambda: store.analyze_all(client=ray_pool, batch=4), an_actor,
                                   timeout=300, poll=0.1)
    assert len(got) == 24 and all(not a.errors for a in got)
    local = store.analyze_all(force=True, processes=1)
    assert sorted((a.drop_id, a.language, a.issue_count) for a in got) == \
        sorted((a.drop_id, a.language, a.issue_count) for a in local)
    with store.reading() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.analyses)).scalar() == 24


def test_ray_errors_are_clear(sqlite_store, ray_pool, monkeypatch):
    store = sqlite_store
    store.put(workflow_id="w", drop_type="code_generation", artifact="def f(): pass")
    # A worker with another model: the batch refuses, the error comes back whole, nothing is written.
    with pytest.raises(VectorIndexError, match="this worker embeds with 'fake-hash-32'"):
        store.index.sync_distributed(ray_pool, embedder_factory=functools.partial(FakeEmbedder, 32))
    assert store.index.status().lag == 1
    monkeypatch.setattr(engines, "CONNECT_TIMEOUT", 1.0)
    with pytest.raises(ConfigurationError, match="Ray cluster at ray://127.0.0.1:9 did not answer"):
        store.index.sync_distributed(engine="ray", scheduler="ray://127.0.0.1:9")
    with pytest.raises(ConfigurationError, match="not a Ray cluster address"):
        store.analyze_all(engine="ray", scheduler="tcp://127.0.0.1:8786")  # a Dask address
    monkeypatch.setitem(sys.modules, "ray", None)  # as if ray were not installed
    with pytest.raises(DependencyMissing, match="ray") as info:
        store.index.sync_distributed(engine="ray")
    assert "qldrops[ray]" in info.value.hint


def test_cli_engine_ray(sqlite_url, tmp_path, monkeypatch, capsys, ray_pool):
    """The commands open their own pool: this process's Ray (the module's), on the CPUs free."""
    cli_environment(monkeypatch, sqlite_url, tmp_path)
    import qldrops

    s = qldrops.connect()
    s.put_many([{"workflow_id": "w", "drop_type": "code_generation", "artifact": x} for x in _texts(10)])
    s.put_many(_analysis_items(3))
    s.close()
    code = main(["--json", "index", "sync", "--engine", "ray", "--batch", "5"])
    out = capsys.readouterr()
    assert code == 0, out.err
    report = json.loads(out.out)
    assert (report["engine"], report["workers"], report["tasks"], report["embedded"]) == ("ray", 2, 3, 13)
    assert report["sync"]["pending"] == 0
    code = main(["--json", "analyze-all", "--engine", "ray", "--batch", "2"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert len(json.loads(out.out)) == 13
    assert len(ray_pool.pids(timeout=300)) == 2  # the module's actors are untouched
