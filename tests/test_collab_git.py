"""Git in and out (issue 12): export a workflow's history (forks as branches), import it, export again.

The round trip must give identical trees and messages on every branch (dulwich reads the repositories;
the git command checks that the export is a valid, clean repository when it is installed).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from qldrops import Conflict, NotFound, ValidationError


class Tick:
    """A clock that moves one second per reading: commits are whole seconds."""

    def __init__(self):
        self.now = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self):
        self.now += dt.timedelta(seconds=1)
        return self.now


def _history(path):
    from dulwich.repo import Repo

    repo = Repo(str(path))
    try:
        out = {}
        for ref, tip in repo.refs.as_dict().items():
            if not ref.startswith(b"refs/heads/"):
                continue
            chain, cur = [], tip
            while cur:
                c = repo[cur]
                chain.append((c.tree, c.message, c.author, c.author_time))
                cur = c.parents[0] if c.parents else None
            out[ref.decode()] = chain[::-1]
        return out
    finally:
        repo.close()


@pytest.fixture
def workflow(store):
    store.clock = Tick()
    a = store.put(workflow_id="wf-g", drop_type="code_generation", artifact="print('a')\n",
                  metadata={"language": "python", "filename": "src/a.py"}, created_by="alice")
    b = store.put(workflow_id="wf-g", drop_type="frd_generation", artifact="# needs\n", created_by="bob")
    store.update(a.id, artifact="print('a2')\n", created_by="alice", message="a: second take")
    store.fork_workflow("wf-g", "wf-g-exp", created_by="carol")
    fork_a = store.list(workflow_id="wf-g-exp")[0]
    store.update(fork_a.id, artifact="print('experiment')\n", created_by="carol", message="try something")
    store.update(b.id, artifact="# needs\n- speed\n", created_by="bob")
    store.rollback(a.id, to_version=1, created_by="alice")
    return a, b


def test_export_import_export_gives_identical_trees_and_messages(store, workflow, tmp_path):
    first = store.git_export("wf-g", tmp_path / "one")
    assert first["branches"] == {"main": 5, "wf-g-exp": 1}
    hist = _history(tmp_path / "one")
    main = hist["refs/heads/main"]
    assert [m for _, m, _, _ in main] == [b"put src/a.py", b"put frd_generation/0002.txt", b"a: second take",
                                          b"update frd_generation/0002.txt", b"rollback to v1"]
    assert [a for _, _, a, _ in main][:2] == [b"alice <>", b"bob <>"]
    fork = hist["refs/heads/wf-g-exp"]
    assert fork[:3] == main[:3] and fork[3][1] == b"try something" and fork[3][2] == b"carol <>"
    if shutil.which("git"):
        status = subprocess.run(["git", "-C", str(tmp_path / "one"), "status", "--porcelain"],
                                capture_output=True, text=True, check=True)
        assert status.stdout == ""
        assert (tmp_path / "one" / "src" / "a.py").read_text() == "print('a')\n"

    report = store.git_import(tmp_path / "one", workflow_id="wf-h")
    assert report["forks"] == ["wf-h:wf-g-exp"] and report["drops"] == 2
    assert [d.artifact for d in store.list(workflow_id="wf-h")] == ["print('a')\n", "# needs\n- speed\n"]
    assert store.history(store.list(workflow_id="wf-h")[0].id)[1].message == "a: second take"
    store.git_export("wf-h", tmp_path / "two")
    assert _history(tmp_path / "two") == hist


def test_git_refuses_bad_input(store, workflow, tmp_path):
    with pytest.raises(NotFound):
        store.git_export("nope", tmp_path / "x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "f").write_text("x")
    with pytest.raises(Conflict, match="not empty"):
        store.git_export("wf-g", tmp_path / "full")
    with pytest.raises(ValidationError, match="not a git repository"):
        store.git_import(tmp_path / "full", workflow_id="wf-z")
    store.git_export("wf-g", tmp_path / "ok")
    with pytest.raises(Conflict, match="already has drops"):
        store.git_import(tmp_path / "ok", workflow_id="wf-g")
    # A binary file anywhere in the history: refused before anything is written.
    from dulwich import porcelain

    (tmp_path / "ok" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\x00")
    porcelain.add(str(tmp_path / "ok"), [str(tmp_path / "ok" / "logo.png")])
    porcelain.commit(str(tmp_path / "ok"), message=b"add a logo", author=b"eve <>", committer=b"eve <>")
    with pytest.raises(ValidationError, match=r"logo.png \(commit \w+\) is binary, not UTF-8 text; nothing was "):
        store.git_import(tmp_path / "ok", workflow_id="wf-new")
    assert store.list(workflow_id="wf-new", include_deleted=True) == []


def test_the_git_commands(sqlite_url, tmp_path):
    import qldrops
    from qldrops.cli import cli

    s = qldrops.connect(sqlite_url)
    s.put(workflow_id="wf-cli", drop_type="code_generation", artifact="x = 1\n", metadata={"filename": "x.py"})
    s.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", sqlite_url, "git", "export", "wf-cli", str(tmp_path / "r")])
    assert out.exit_code == 0, out.output
    assert "1 commits on 1 branch(es)" in out.output
    out = runner.invoke(cli, ["--db", sqlite_url, "git", "import", str(tmp_path / "r"), "--workflow", "wf-back"])
    assert out.exit_code == 0, out.output
    assert "1 drops, 1 versions into 'wf-back'" in out.output


def test_a_fork_of_a_fork_is_a_branch_off_its_branch_and_round_trips(store, tmp_path):
    store.clock = Tick()
    a = store.put(workflow_id="wf-r", drop_type="code_generation", artifact="v = 1\n",
                  metadata={"filename": "v.py"}, created_by="alice")
    store.update(a.id, artifact="v = 2\n", created_by="alice", message="two")
    store.fork_workflow("wf-r", "wf-r:exp", created_by="bob")
    exp = store.list(workflow_id="wf-r:exp")[0]
    store.update(exp.id, artifact="v = 'exp'\n", created_by="bob", message="experiment")
    store.fork_workflow("wf-r:exp", "wf-r:exp2", created_by="cy")  # a fork of the fork
    exp2 = store.list(workflow_id="wf-r:exp2")[0]
    store.update(exp2.id, artifact="v = 'exp2'\n", created_by="cy", message="deeper")
    store.update(exp.id, artifact="v = 'exp, later'\n", created_by="bob", message="exp moves on")
    store.update(a.id, artifact="v = 3\n", created_by="alice", message="main moves on")

    first = store.git_export("wf-r", tmp_path / "one")
    assert first["branches"] == {"main": 3, "exp": 2, "exp2": 1}
    hist = _history(tmp_path / "one")
    main, exp_b, exp2_b = (hist[f"refs/heads/{n}"] for n in ("main", "exp", "exp2"))
    assert exp_b[:2] == main[:2] and exp_b[2][1] == b"experiment"
    assert exp2_b[:3] == exp_b[:3] and exp2_b[3][1] == b"deeper"  # off the fork's branch, after its commit
    assert exp2_b[3] not in exp_b and exp_b[3][1] == b"exp moves on"

    report = store.git_import(tmp_path / "one", workflow_id="wf-s")
    assert report["forks"] == ["wf-s:exp", "wf-s:exp2"]
    assert store.list(workflow_id="wf-s:exp2")[0].artifact == "v = 'exp2'\n"
    w = {r["workflow_id"]: r for r in store.workflows()}
    assert w["wf-s:exp2"]["forked_from"] == "wf-s:exp" and w["wf-s:exp"]["forked_from"] == "wf-s"
    store.git_export("wf-s", tmp_path / "two")
    assert _history(tmp_path / "two") == hist


def test_dates_round_trip_at_whole_seconds(store, tmp_path):
    """git stores whole seconds: an export of versions written at 0.25 s steps carries their times cut to the
    second, the import writes those, and a second export is identical (compared at second precision)."""
    now = [dt.datetime(2026, 3, 1, 9, 0, 0, 100_000, tzinfo=dt.UTC)]

    def quarter():
        now[0] += dt.timedelta(milliseconds=250)
        return now[0]

    store.clock = quarter
    d = store.put(workflow_id="wf-t", drop_type="code_generation", artifact="n = 0\n", metadata={"filename": "n.py"})
    for i in range(1, 6):
        store.update(d.id, artifact=f"n = {i}\n", message=f"n {i}")
    original = store.history(d.id)
    assert any(v.created_at.microsecond for v in original)  # the store keeps sub-second times
    store.git_export("wf-t", tmp_path / "one")
    hist = _history(tmp_path / "one")["refs/heads/main"]
    assert [when for *_, when in hist] == [int(v.created_at.timestamp()) for v in original]
    store.git_import(tmp_path / "one", workflow_id="wf-u")
    back = store.history(store.list(workflow_id="wf-u")[0].id)
    assert [v.created_at.replace(tzinfo=dt.UTC) for v in back] == [
        v.created_at.replace(microsecond=0, tzinfo=dt.UTC) for v in original]  # second precision
    assert [v.content_hash for v in back] == [v.content_hash for v in original]
    store.git_export("wf-u", tmp_path / "two")
    assert _history(tmp_path / "two")["refs/heads/main"] == hist
