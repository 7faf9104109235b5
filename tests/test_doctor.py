"""`qldrops doctor`: one line per check, --json, exit 1 on a failure; every check only reads."""

from __future__ import annotations

import json
import os

import pytest
from support import cli_environment, test_settings

import qldrops
from qldrops.cli import main
from qldrops.doctor import run_checks


@pytest.fixture
def env(db_url, monkeypatch, tmp_path):
    cli_environment(monkeypatch, db_url, tmp_path)
    return db_url


def _doctor(capsys, *args):
    code = main([*args, "doctor"])
    return code, capsys.readouterr().out


@pytest.mark.sandbox
def test_a_healthy_store_passes_every_check(env, capsys):
    code, out = _doctor(capsys)
    lines = out.splitlines()
    assert code == 0, out
    assert [line.split()[:2] for line in lines] == [["ok", "database"], ["ok", "disk"], ["ok", "index"],
                                                    ["ok", "sandbox"], ["ok", "redis"], ["ok", "objects"]]
    assert "schema 0008 (current)" in lines[0] and "free at" in lines[1] and "will be built" in lines[2]

    code, out = _doctor(capsys, "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True
    assert {c["name"]: c["status"] for c in report["checks"]} == dict.fromkeys(
        ["database", "disk", "index", "sandbox", "redis", "objects"], "ok")


def test_a_bwrap_that_cannot_run_fails_the_sandbox_check(env, capsys, monkeypatch, tmp_path):
    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    code, out = _doctor(capsys)
    assert code == 1
    (line,) = [x for x in out.splitlines() if x.split()[1] == "sandbox"]
    assert line.startswith("fail") and "No permissions to create new namespace" in line and "→" in line


def test_a_corrupt_index_manifest_and_an_unreachable_redis_fail(env, capsys, monkeypatch, tmp_path):
    store = qldrops.connect(env, settings=test_settings(tmp_path, index_dir=""))
    folder = store.index.folder
    store.close()
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text("{not json")
    monkeypatch.setenv("QLDROPS_RATE_LIMIT_STORAGE", "redis://127.0.0.1:1")
    code, out = _doctor(capsys, "--json")
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert code == 1
    assert checks["index"]["status"] == "fail" and "corrupt" in checks["index"]["detail"]
    assert "qldrops index rebuild" in checks["index"]["next_step"]
    assert checks["redis"]["status"] == "fail" and "127.0.0.1:1" in checks["redis"]["detail"]


def test_an_unreachable_database_fails_and_nothing_else_breaks(tmp_path):
    checks = run_checks(test_settings(tmp_path, database_url="postgresql+psycopg://postgres@127.0.0.1:1/nope"))
    assert [(c.name, c.status) for c in checks][:1] == [("database", "fail")]
    assert "pg_ctlcluster" in checks[0].next_step
    assert checks[2].status == "warn" and "does not answer" in checks[2].detail


def test_a_missing_sqlite_file_is_not_created(tmp_path):
    path = tmp_path / "none" / "q.db"
    checks = run_checks(test_settings(tmp_path, database_url=f"sqlite:///{path}"))
    assert (checks[0].status, checks[0].next_step) == ("warn", "it is created on first use: `qldrops init`")
    assert not path.exists()


def test_an_object_store_that_does_not_answer_fails_with_a_next_step(tmp_path):
    from qldrops.doctor import _object_store

    settings = test_settings(tmp_path, object_store_url="http://k:s@127.0.0.1:1/bucket", object_store_timeout=2)
    check = _object_store(settings)
    assert check.status == "fail" and "127.0.0.1:1" in check.detail and "k:s" not in check.detail
    assert "QLDROPS_OBJECT_STORE_URL" in check.next_step
    assert _object_store(test_settings(tmp_path)).status == "ok"  # not configured: nothing to check


def test_rate_limits_follow_the_shared_redis_unless_told_otherwise(tmp_path):
    assert test_settings(tmp_path).resolved_rate_limit_storage == "memory://"
    shared = test_settings(tmp_path, redis_url="redis://127.0.0.1:6379/0")
    assert shared.resolved_rate_limit_storage == "redis://127.0.0.1:6379/0"
    own = test_settings(tmp_path, redis_url="redis://127.0.0.1:6379/0", rate_limit_storage="memory://")
    assert own.resolved_rate_limit_storage == "memory://"
