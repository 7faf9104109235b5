"""`qldrops index ...`, `qldrops similar`, `qldrops dupes`, `qldrops clusters`: each one library call."""

from __future__ import annotations

import json

import pytest
from support import cli_environment

from qldrops.cli import main


@pytest.fixture
def cli_env(sqlite_url, tmp_path, monkeypatch):
    cli_environment(monkeypatch, sqlite_url, tmp_path)
    import qldrops

    s = qldrops.connect()
    ids = [s.put(workflow_id="w", drop_type="code_generation", artifact=f"parse the json config file {i}").id
           for i in range(4)]
    ids.append(s.put(workflow_id="w", drop_type="documentation", artifact="parse the json config file 0").id)
    s.close()
    return ids


def _json(capsys, *args):
    code = main(["--json", *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_index_commands(cli_env, capsys):
    assert _json(capsys, "index", "rebuild")["added"] == 5
    assert _json(capsys, "index", "sync")["saved"] is True
    assert _json(capsys, "index", "verify")["ok"] is True
    status = _json(capsys, "index", "status")
    assert status["kind"] == "flat" and status["size"] == 5 and status["lag"] == 0


def test_similar_dupes_clusters(cli_env, capsys):
    hits = _json(capsys, "similar", str(cli_env[0]), "-k", "2")
    assert len(hits) == 2 and cli_env[0] not in [h["id"] for h in hits]
    hits = _json(capsys, "similar", "json config", "-k", "3", "--type", "documentation")
    assert [h["id"] for h in hits] == [cli_env[4]]
    pairs = _json(capsys, "dupes", "--method", "exact")
    assert [(p["a"], p["b"], p["method"]) for p in pairs] == [(cli_env[0], cli_env[4], "exact")]
    assert len(_json(capsys, "clusters", "-n", "2")) == 2


def test_cli_errors_say_what_to_do(cli_env, capsys):
    assert main(["similar", "999999"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["similar", "x", "-k", "0"]) == 2
    assert "k must be at least 1" in capsys.readouterr().err
    assert main(["index", "verify"]) == 0
    assert "ok" in capsys.readouterr().out
