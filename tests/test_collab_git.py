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
