"""`qldrops analyze-all --engine dask`: analysis on a real Dask LocalCluster (2 worker processes),
on SQLite and PostgreSQL, including a worker killed mid-job (the job finishes, nothing missing)."""

from __future__ import annotations

import json
import os

import pytest
import sqlalchemy as sa
from support import cli_environment, kill_a_worker_mid_job

from qldrops.cli import main
from qldrops.store import schema as t

pytest.importorskip("distributed")

SOURCES = [
    ("app_{i}.py", "import os\n\n\ndef handler_{i}(event):\n    password = 'hunter{i}'\n    return eval(event['x'] + {i})\n"),
    ("run_{i}.sh", "#!/bin/sh\necho $1 {i}\nrm -rf $DIR/{i}\n"),
    ("util_{i}.py", "def add_{i}(a, b):\n    return a + b + {i}\n"),
]


def _items(n: int) -> list[dict]:
    out = []
    for i in range(n):
        name, body = SOURCES[i % len(SOURCES)]
        out.append(dict(workflow_id="w", drop_type="code_generation", artifact=body.format(i=i),
                        metadata={"filename": name.format(i=i)}))
    return out


def _key(a) -> tuple:
    return (a.drop_id, a.language, a.quality_score, a.issue_count, a.security_count)


def test_distributed_analysis_matches_local(store, dask_client):
    store.put_many(_items(12))
    got = store.analyze_all(client=dask_client, batch=4)
    assert len(got) == 12 and all(not a.errors for a in got)
    local = store.analyze_all(force=True, processes=1)
    assert sorted(map(_key, got)) == sorted(map(_key, local))
    with store.reading() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.analyses)).scalar() == 12


def test_killed_worker_mid_analysis(store, dask_client):
    store.put_many(_items(30))
    dask_client.wait_for_workers(2, timeout=60)  # an earlier test's killed worker is back

    def busy_worker() -> int | None:
        with store.reading() as conn:
            stored = conn.execute(sa.select(sa.func.count()).select_from(t.analyses)).scalar()
        if stored < 3:
            return None
        # under way: kill a worker while tasks remain
        pids = dask_client.run(os.getpid)  # worker address -> process id
        busy = [w for w, keys in dask_client.processing().items() if keys and w in pids] or list(pids)
        return pids[busy[0]]

    _, got = kill_a_worker_mid_job(lambda: store.analyze_all(client=dask_client, batch=5), busy_worker,
                                   timeout=240, poll=0.1, join=300)
    assert len(got) == 30 and all(not a.errors for a in got)
    with store.reading() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.analyses)).scalar() == 30


def test_cli_analyze_all_engine_dask(sqlite_url, tmp_path, monkeypatch, capsys, dask_client):
    cli_environment(monkeypatch, sqlite_url, tmp_path)
    import qldrops

    s = qldrops.connect()
    s.put_many(_items(4))
    s.close()
    code = main(["--json", "analyze-all", "--engine", "dask", "--scheduler", dask_client.scheduler.address])
    out = capsys.readouterr()
    assert code == 0, out.err
    rows = json.loads(out.out)
    assert len(rows) == 4 and {r["language"] for r in rows} == {"python", "shell"}
