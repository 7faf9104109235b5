"""store.run / store.executions on SQLite and PostgreSQL, with real bubblewrap.

Every run leaves a row: ok, error, refused, timed out, killed, and when the
sandbox cannot start at all. The row exists (as ``running``) before the sandbox
starts, so even a supervisor that dies mid-run leaves a trace.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

import qldrops
from qldrops.errors import (
    AccessDenied,
    Deleted,
    LinkExpired,
    LinkRevoked,
    NotFound,
    SandboxError,
    ValidationError,
)
from qldrops.runner import Limits
from qldrops.runner.sandbox import BwrapSandbox
from qldrops.store import schema as t

pytestmark = pytest.mark.sandbox


def put_code(store, text, *, workflow="wf-run", **metadata):
    return store.put(workflow_id=workflow, drop_type="code_generation", artifact=text, metadata=metadata)


def rows(store):
    with store.engine.connect() as c:
        return c.execute(sa.select(t.executions).order_by(t.executions.c.id)).all()


def test_run_records_a_finished_row(store):
    d = put_code(store, "print('hi from', __name__)\n", filename="main.py")
    r = store.run(d.id, actor="alice")
    assert (r.status, r.stdout, r.exit_code) == ("ok", "hi from __main__\n", 0)
    [row] = rows(store)
    assert r.execution_id == row.id
    assert (row.status, row.exit_code, row.stdout, row.actor, row.language, row.file) == (
        "ok", 0, "hi from __main__\n", "alice", "python", "main.py")
    assert (row.drop_id, row.workflow_id, row.workspace, row.truncated) == (d.id, "wf-run", store.workspace, False)
    assert row.finished_at >= row.started_at and row.duration_ms > 0
    assert row.resources["cpu_s"] > 0 and row.resources["limits"]["wall_s"] == 10.0
    frame = store.executions(drop_id=d.id).to_frame()
    assert list(frame["status"]) == ["ok"] and frame.loc[0, "stdout_chars"] == len(r.stdout)
    assert store.executions(workflow_id="other").to_frame().empty


def test_workflow_files_form_the_project(store):
    main = put_code(store, "import util\nprint(util.greet())\n", filename="app/main.py")
    put_code(store, "def greet():\n    return 'hello'\n", filename="app/util.py")
    put_code(store, "print('elsewhere')\n", workflow="wf-other", filename="app/util.py")
    put_code(store, "# no file name: not part of the checkout\n")
    assert store.run(main.id).stdout == "hello\n"
    # another entry point of the same project, and the drop alone (its import then fails)
    assert store.run(main.id, file="app/util.py").status == "ok"
    alone = store.run(main.id, project=False)
    assert alone.status == "error" and "ModuleNotFoundError" in alone.stderr


def test_a_drop_without_a_file_name_is_named_from_its_language(store):
    js = put_code(store, "console.log(6 * 7)", language="javascript")
    assert store.run(js.id).stdout == "42\n"
    sh = put_code(store, "#!/bin/sh\necho shebang")
    assert store.run(sh.id).stdout == "shebang\n"
    [*_, row] = rows(store)
    assert row.file == "main.sh" and row.language == "shell"


def test_an_older_version_runs_as_asked_and_the_drop_is_untouched(store):
    d = put_code(store, "print(1)\n", filename="v.py")
    store.update(d.id, artifact="print(2)\n")
    assert store.run(d.id).stdout == "2\n"
    assert store.get(d.id).artifact == "print(2)\n"


def test_timeout_and_output_cap_rows(store):
    loop = put_code(store, "while True:\n    pass\n", filename="loop.py")
    r = store.run(loop.id, limits=Limits(wall_s=1, cpu_s=30))
    assert r.status == "timeout"
    spam = put_code(store, "while True:\n    print('x' * 1000)\n", filename="spam.py")
    r2 = store.run(spam.id, limits=Limits(output_bytes=5000))
    assert r2.status == "killed" and r2.truncated
    by_id = {row.id: row for row in rows(store)}
    assert by_id[r.execution_id].status == "timeout" and by_id[r.execution_id].finished_at is not None
    assert "wall-clock" in by_id[r.execution_id].resources["reason"]
    assert by_id[r2.execution_id].truncated and len(by_id[r2.execution_id].stdout) == 5000


def test_refused_runs_are_recorded_with_the_reason(store):
    d = put_code(store, "print(1)\n", filename="../../etc/evil.py")
    r = store.run(d.id)
    assert r.status == "refused" and "climbs out" in r.reason
    [row] = rows(store)
    assert row.status == "refused" and "climbs out" in row.stderr and row.resources["reason"] == r.reason
    assert store.get(d.id).artifact == "print(1)\n"  # nothing lost


def test_a_sandbox_that_cannot_start_leaves_an_error_row(store, tmp_path):
    d = put_code(store, "print(1)\n", filename="m.py")
    with pytest.raises(SandboxError) as e:
        store.run(d.id, sandbox=BwrapSandbox(bwrap=str(tmp_path / "no-bwrap")))
    assert "apt-get install -y bubblewrap" in str(e.value)
    [row] = rows(store)
    assert row.status == "error" and "bubblewrap" in row.stderr and row.finished_at is not None


def test_the_running_row_is_committed_before_the_sandbox_starts(store):
    seen = {}

    class Watching(BwrapSandbox):
        def command(self, plan):
            seen["rows"] = [(r.status, r.finished_at) for r in rows(store)]  # read from another connection
            return super().command(plan)

    d = put_code(store, "print(1)\n", filename="m.py")
    store.run(d.id, sandbox=Watching())
    assert seen["rows"] == [("running", None)]
    assert [r.status for r in rows(store)] == ["ok"]


def test_nul_bytes_in_output_are_stored(store):
    d = put_code(store, "import sys\nsys.stdout.write('a\\x00b')\nsys.exit('bad\\x00exit')\n", filename="n.py")
    r = store.run(d.id)
    assert r.stdout == "a\x00b" and r.status == "error"
    [row] = rows(store)
    assert row.stdout == "a\ufffdb" and "bad\ufffdexit" in row.stderr


def test_missing_and_deleted_drops_run_nothing(store):
    with pytest.raises(NotFound):
        store.run(999_999)
    d = put_code(store, "print(1)\n", filename="m.py")
    store.delete(d.id)
    with pytest.raises(Deleted):
        store.run(d.id)
    assert rows(store) == []


def test_runs_through_a_share_link(store):
    d = put_code(store, "print('shared')\n", filename="m.py")
    other = put_code(store, "print('other')\n", workflow="wf-private", filename="m.py")
    p = store.previews.create("wf-run", ttl="30m", created_by="alice")
    r = store.run(d.id, preview_id=p.id, actor="visitor")
    assert r.ok and store.executions(preview_id=p.id)[0].id == r.execution_id
    with pytest.raises(AccessDenied):
        store.run(other.id, preview_id=p.id)
    with pytest.raises(NotFound):
        store.run(d.id, preview_id=p.id + 1000)
    store.previews.revoke(p.id)
    with pytest.raises(LinkRevoked):
        store.run(d.id, preview_id=p.id)
    p2 = store.previews.create("wf-run", ttl="30m")
    with store.transaction() as c:
        c.execute(t.previews.update().where(t.previews.c.id == p2.id).values(
            expires_at=t.now() - dt.timedelta(minutes=1)))
    with pytest.raises(LinkExpired):
        store.run(d.id, preview_id=p2.id)
    assert len(rows(store)) == 1


def test_executions_filters_and_bad_limits(store):
    a = put_code(store, "print(1)\n", filename="a.py")
    b = put_code(store, "raise SystemExit(2)\n", filename="b.py")
    store.run(a.id)
    store.run(b.id)
    store.run(a.id)
    assert [e.drop_id for e in store.executions()] == [a.id, b.id, a.id]
    assert len(store.executions(drop_id=a.id)) == 2 and len(store.executions(limit=1)) == 1
    assert [e.status for e in store.executions(status="error")] == ["error"]
    for bad in (0, -1, "10", True):
        with pytest.raises(ValidationError):
            store.executions(limit=bad)


def test_other_workspaces_runs_are_invisible(store):
    d = put_code(store, "print(1)\n", filename="a.py")
    store.run(d.id)
    elsewhere = qldrops.connect(store.url, workspace="elsewhere", settings=store.settings)
    try:
        assert list(elsewhere.executions()) == []
        with pytest.raises(NotFound):
            elsewhere.run(d.id)
    finally:
        elsewhere.close()


def test_a_viewer_token_may_not_run_code(store):
    d = put_code(store, "print(1)\n", filename="a.py")
    try:
        store.workspaces.create(store.workspace)
    except qldrops.Conflict:
        pass
    viewer = store.users.create("vera", workspace=store.workspace, role="viewer")
    editor = store.users.create("eddie", workspace=store.workspace, role="editor")
    as_viewer = qldrops.connect(store.url, token=store.tokens.issue(viewer), settings=store.settings)
    as_editor = qldrops.connect(store.url, token=store.tokens.issue(editor), settings=store.settings)
    try:
        with pytest.raises(AccessDenied):
            as_viewer.run(d.id)
        r = as_editor.run(d.id)
        assert r.ok and rows(store)[-1].actor == "eddie"
    finally:
        as_viewer.close()
        as_editor.close()
    assert len(rows(store)) == 1


def _cli(*argv) -> int:
    from qldrops.cli import main

    try:
        return main(list(argv))
    except SystemExit as e:  # `qldrops run` exits with the program's own code
        return e.code


def test_cli_run_prints_output_and_passes_the_exit_code(store, capsys, tmp_path):
    d = put_code(store, "import sys\nprint('out', sys.stdin.read())\nprint('err', file=sys.stderr)\nsys.exit(4)\n",
                 filename="c.py")
    feed = tmp_path / "in.txt"
    feed.write_text("fed")
    assert _cli("--db", store.url, "run", str(d.id), "--stdin", str(feed)) == 4
    out, err = capsys.readouterr()
    assert out == "out fed\n" and "err" in err and "[error] exit=4" in err
    assert _cli("--db", store.url, "--json", "run", str(d.id), "--timeout", "5") == 4
    assert '"status": "error"' in capsys.readouterr().out
    loop = put_code(store, "while True: pass\n", filename="l.py")
    assert _cli("--db", store.url, "run", str(loop.id), "--timeout", "1") == 124
    assert _cli("--db", store.url, "run", "424242") == 2
    assert "does not exist" in capsys.readouterr().err
    assert [r.status for r in rows(store)] == ["error", "error", "timeout"]


@pytest.mark.sandbox
def test_a_share_link_visitor_runs_the_previewed_code(store):
    """The preview page's Run button: only the link's drops, recorded as execution + execute event."""
    d = store.put(workflow_id="wf-run", drop_type="code_generation", artifact="print('hi from the link')\n",
                  metadata={"language": "python", "filename": "main.py"})
    other = store.put(workflow_id="wf-secret", drop_type="code_generation", artifact="print('no')\n",
                      metadata={"language": "python", "filename": "main.py"})
    p = store.previews.create(workflow_id="wf-run", ttl="10m")
    view = store.previews.open(p.capability)
    result = view.run(d.id)
    assert result.status == "ok" and result.stdout.strip() == "hi from the link"
    with pytest.raises(qldrops.NotFound):
        view.run(other.id)
    runs = store.executions(preview_id=p.id).to_frame()
    assert len(runs) == 1 and runs.iloc[0]["status"] == "ok"
    funnel = store.analytics.summary(since="1d").funnel
    assert funnel is not None
    store.previews.revoke(p.id)
    with pytest.raises(qldrops.LinkRevoked):
        view.run(d.id)


def test_a_file_marker_line_is_not_run_so_traceback_lines_match_the_viewer(store):
    """The project view hides `# File:` (and keeps a `#!` above it); the sandbox runs the same lines."""
    from qldrops.analysis.splitter import split_files

    text = "#!/usr/bin/env python3\n# File: tool.py\nimport sys\n\nprint('x')\n\n1 / 0\n"
    d = put_code(store, text, filename="tool.py")
    [piece] = split_files(text)
    assert piece.path == "tool.py" and piece.text.startswith("#!/usr/bin/env python3\nimport sys\n")
    viewer_line = piece.text.splitlines().index("1 / 0") + 1
    r = store.run(d.id)
    assert r.status == "error" and f'line {viewer_line}, in <module>' in r.stderr


def test_output_reaches_the_callback_while_the_program_runs(store):
    d = put_code(store, "import sys, time\nprint('one', flush=True)\nprint('two', file=sys.stderr, flush=True)\n"
                        "time.sleep(0.3)\nprint('three')\n", filename="s.py")
    seen: list[tuple[str, bytes]] = []
    r = store.run(d.id, on_output=lambda stream, chunk: seen.append((stream, chunk)))
    assert r.status == "ok"
    joined = {stream: b"".join(c for s, c in seen if s == stream) for stream in ("stdout", "stderr")}
    assert joined == {"stdout": b"one\nthree\n", "stderr": b"two\n"}
    order = [c for _, c in seen]  # in the order they came ("two" long before "three", 0.3 s later)
    assert order.index(next(c for c in order if b"two" in c)) < order.index(next(c for c in order if b"three" in c))


def test_a_failing_output_callback_does_not_stop_the_run(store):
    d = put_code(store, "print('still here')\n", filename="s.py")

    def broken(stream, chunk):
        raise RuntimeError("the page went away")

    r = store.run(d.id, on_output=broken)
    assert (r.status, r.stdout) == ("ok", "still here\n")


def test_a_drop_holding_several_files_runs_the_projects_copy_of_one(store):
    text = "# File: app/helper.py\nVALUE = 41\n# File: app/main.py\nfrom helper import VALUE\nprint(VALUE + 1)\n"
    d = put_code(store, text, filename="app/main.py")
    r = store.run(d.id, file="app/main.py")
    assert (r.status, r.stdout) == ("ok", "42\n")
