"""`qldrops index sync --engine dask`: embedding on a real Dask LocalCluster (2 worker processes),
on SQLite and PostgreSQL, including a worker killed mid-job (exactly-once, nothing missing)."""

from __future__ import annotations

import collections
import functools
import hashlib
import json
import sys

import numpy as np
import pytest

from qldrops.cli import main
from qldrops.errors import ConfigurationError, DependencyMissing, VectorIndexError
from qldrops.index.embedder import FakeEmbedder
from qldrops.index.embstore import load_vectors

distributed = pytest.importorskip("distributed")

from support import (
    RecordingEmbedder,  # noqa: E402
    cli_environment,
    kill_a_worker_mid_job,
)


@pytest.fixture
def client(dask_client):
    return dask_client


def _texts(n: int) -> list[str]:
    return [f"def handler_{i}(request):\n    return render(request, 'page {i % 13}', retries={i % 5})\n"
            for i in range(n)]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _check_vectors(store, texts):
    """Every distinct text has exactly the vector the single-process embedder gives it."""
    fake = FakeEmbedder()
    with store.reading() as conn:
        got = load_vectors(conn, fake.model_id, fake.dim, [_sha(t) for t in texts])
    want = fake.embed(list(texts))
    for text, vec in zip(texts, want):
        assert got[_sha(text)] is not None, "missing vector"
        np.testing.assert_array_equal(got[_sha(text)], vec)


def test_distributed_sync_matches_single_process(store, client):
    texts = _texts(90)
    items = [dict(workflow_id="w", drop_type="code_generation", artifact=t) for t in texts]
    items += [dict(workflow_id="w2", drop_type="code_generation", artifact=texts[0]),  # same content: one vector
              dict(workflow_id="w2", drop_type="documentation", artifact="   \n")]      # blank: a marker, no vector
    store.put_many(items)
    report = store.index.sync_distributed(client, batch=16, commit_every=4)
    assert (report.engine, report.tasks) == ("dask", 6)
    assert (report.hashes, report.embedded, report.skipped, report.blank) == (91, 91, 0, 1)
    _check_vectors(store, texts)
    status = store.index.status()
    assert status.size == 91 and status.lag == 0
    assert store.index.verify().ok
    # Idempotent: a second run finds nothing to do.
    again = store.index.sync_distributed(client, batch=16)
    assert (again.tasks, again.hashes, again.embedded) == (0, 0, 0)


def test_killed_worker_mid_job_exactly_once(store, client, tmp_path):
    texts = _texts(160)
    store.put_many([dict(workflow_id="w", drop_type="code_generation", artifact=t) for t in texts])
    record = tmp_path / "embedded.log"
    record.touch()
    factory = functools.partial(RecordingEmbedder, str(record), 0.03)
    client.wait_for_workers(2, timeout=60)  # an earlier test's killed worker is back

    def busy_worker() -> int | None:
        lines = record.read_text().split()
        if len(lines) >= 2 * 30:  # 30 texts embedded: the job is well under way, 130 to go
            return int(lines[-2])  # the worker that embedded last is busy with a batch now
        return None

    victim, report = kill_a_worker_mid_job(
        lambda: store.index.sync_distributed(client, batch=20, commit_every=5, embedder_factory=factory),
        busy_worker, timeout=120, join=300)

    calls = collections.Counter(line.split()[1] for line in record.read_text().splitlines())
    pids = {int(line.split()[0]) for line in record.read_text().splitlines()}
    assert victim in pids and len(pids) >= 2
    loads = collections.Counter((tmp_path / "embedded.log.loads").read_text().split())
    assert set(map(int, loads)) >= pids and max(loads.values()) == 1  # the model: once per worker, not per task
    assert set(calls) == {_sha(t) for t in texts}, "nothing missing"
    twice = [h for h, n in calls.items() if n > 1]
    # Only the slice the killed worker was embedding (commit_every texts) can be embedded again.
    assert max(calls.values()) <= 2 and len(twice) <= 5, calls.most_common(6)
    assert report.hashes == 160 and report.embedded + report.skipped == 160  # the retried batch skipped the saved
    _check_vectors(store, texts)
    assert store.index.status().size == 160 and store.index.verify().ok


def test_engine_errors_are_clear(store, client, monkeypatch):
    from qldrops import engines

    store.put(workflow_id="w", drop_type="code_generation", artifact="def f(): pass")
    # A worker with another model: the task refuses, the error comes back whole, nothing is written.
    with pytest.raises(VectorIndexError, match="this worker embeds with 'fake-hash-32'"):
        store.index.sync_distributed(client, embedder_factory=functools.partial(FakeEmbedder, 32))
    assert store.index.status().lag == 1
    monkeypatch.setattr(engines, "CONNECT_TIMEOUT", 1.0)
    with pytest.raises(ConfigurationError, match="did not answer"):
        store.index.sync_distributed(scheduler="tcp://127.0.0.1:9")
    with pytest.raises(ConfigurationError, match="unknown engine 'spark'"):
        engines.check_engine("spark")
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if dask[distributed] were not installed
    with pytest.raises(DependencyMissing, match="distributed") as info:
        store.index.sync_distributed()
    assert "qldrops[distributed]" in info.value.hint


@pytest.fixture
def cli_env(sqlite_url, tmp_path, monkeypatch):
    cli_environment(monkeypatch, sqlite_url, tmp_path)
    import qldrops

    s = qldrops.connect()
    s.put_many([dict(workflow_id="w", drop_type="code_generation", artifact=t) for t in _texts(12)])
    s.close()


def test_cli_index_sync_engine_dask(cli_env, client, capsys, monkeypatch):
    monkeypatch.setenv("QLDROPS_DASK_SCHEDULER", client.scheduler.address)
    code = main(["--json", "index", "sync", "--engine", "dask", "--batch", "5"])
    out = capsys.readouterr()
    assert code == 0, out.err
    report = json.loads(out.out)
    assert (report["tasks"], report["embedded"]) == (3, 12)
    assert report["sync"]["pending"] == 0
