"""Issue 14: the guards an adversarial run found missing (each test failed before its fix).

* a run's memory is bounded as a whole, not per process;
* a run whose supervisor was killed is marked ``lost``, not ``running`` forever;
* a save killed mid-write leaves no temp file once the index is opened again (tests/test_index_files.py);
* hostile file names never leave their folder in a zip, a file tree or the sandbox.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import posixpath
import shutil
import select
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import psutil
import pytest

from qldrops.dashboards.preview import PreviewPage
from qldrops.dashboards.project import zip_bytes
from qldrops.errors import ValidationError
from qldrops.runner import api, history
from qldrops.runner.cgroup import MEMORY_ROOT, MemoryCgroup
from qldrops.runner.api import run_files
from qldrops.runner.models import Limits
from qldrops.runner.sandbox import (UID_BASE, UID_SPAN, BwrapSandbox, orphaned_run_uids, pids_of_uid,
                                    sweep_orphaned_runs)
from qldrops.store import schema as t

REPO = Path(__file__).resolve().parent.parent
sandbox = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
_MiB = 1024 * 1024


# ---------------------------------------------------------------- memory of a run as a whole


def test_the_default_limits_bound_a_run_as_a_whole():
    limits = Limits()
    args = dict(a.lstrip("-").split("=", 1) for a in BwrapSandbox().rlimit_args(limits))
    assert int(args["as"]) <= limits.total_memory_mb * _MiB  # no process may exceed the run's total
    assert limits.total_memory_mb <= 4096 and int(args["nproc"]) <= 16


def test_the_address_space_of_one_process_never_exceeds_the_total():
    limits = Limits(memory_mb=4096, total_memory_mb=512)
    assert limits.process_memory_mb == 512
    assert f"--as={512 * _MiB}" in BwrapSandbox().rlimit_args(limits)
    with pytest.raises(ValidationError):
        Limits(total_memory_mb=10**7)


@sandbox
@pytest.mark.sandbox
@pytest.mark.skipif(os.geteuid() != 0, reason="the run's memory is summed by its own uid, given only as root")
@pytest.mark.parametrize("bound", ["cgroup", "watchdog"])
def test_many_processes_each_under_its_own_cap_are_killed_by_the_total(bound, monkeypatch):
    if bound == "watchdog":  # as on a host that refuses a memory cgroup
        monkeypatch.setattr(api.MemoryCgroup, "create", classmethod(lambda cls, *a, **k: None))
    elif MemoryCgroup.create("probe-test", 64 * _MiB) is None:
        pytest.skip("this host refuses a memory cgroup")
    else:
        MemoryCgroup(MEMORY_ROOT / "qldrops" / "probe-test").remove()
    # Six children of 300 MB each: every one under its 512 MB address space, together 1.8 GB.
    code = textwrap.dedent("""
        import os, time
        for i in range(6):
            if os.fork() == 0:
                x = b'x' * (300 * 1024 * 1024)
                time.sleep(60)
                os._exit(0)
        print('forked', flush=True)
        for i in range(6):
            os.wait()
        print('all done')
    """)
    r = run_files({"m.py": code}, "m.py", limits=Limits(memory_mb=512, total_memory_mb=1024, wall_s=30))
    assert r.status == "killed" and "memory limit of the run" in (r.reason or ""), r
    assert "all done" not in r.stdout
    assert r.resources["memory_bound"] == bound
    if bound == "cgroup":
        assert r.resources["peak_memory_kb"] <= 1024 * 1024  # the kernel held it to the limit
    else:
        assert r.resources["peak_memory_kb"] > 1024 * 1024  # the watchdog saw it pass, then killed it
    assert not list((MEMORY_ROOT / "qldrops").glob("run-*")) or bound == "watchdog"


def test_a_memory_cgroup_is_made_limited_and_removed(tmp_path):
    root = tmp_path / "memory"  # a stand-in hierarchy: plain files where the kernel keeps its own
    root.mkdir()
    (root / "cgroup.procs").write_text("")
    if os.geteuid() != 0:
        assert MemoryCgroup.create("r1", 64 * _MiB, root=root) is None
        return
    group = MemoryCgroup.create("r1", 64 * _MiB, root=root)
    assert group is not None and group.procs == str(root / "qldrops" / "r1" / "cgroup.procs")
    assert (group.path / "memory.limit_in_bytes").read_text() == str(64 * _MiB)
    assert (group.path / "memory.oom_control").read_text() == "1"
    assert not group.under_oom()
    (group.path / "memory.oom_control").write_text("oom_kill_disable 1\nunder_oom 1\noom_kill 0\n")
    assert group.under_oom()
    for f in group.path.iterdir():
        f.unlink()
    group.remove()
    assert not group.path.exists()
    assert MemoryCgroup.create("r2", 64 * _MiB, root=tmp_path / "none") is None  # no hierarchy there


# ---------------------------------------------------------------- lost executions


def _running_row(store, *, resources, started_at=None):
    with store.transaction() as conn:
        return int(conn.execute(t.executions.insert().values(
            workspace=store.workspace, language="python", file="main.py", status="running", truncated=False,
            resources=resources, started_at=started_at or t.now())).inserted_primary_key[0])


def _dead_supervisor() -> dict:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    identity = history.supervisor_identity()
    identity["pid"] = child.pid
    identity["pid_start"] = history._pid_start(child.pid)
    child.kill()
    child.wait()
    return identity


def test_a_row_whose_supervisor_died_is_lost(store):
    dead = _running_row(store, resources={"supervisor": _dead_supervisor(), "wall_s": 600})
    alive = _running_row(store, resources={"supervisor": history.supervisor_identity(), "wall_s": 600})
    rows = {e.id: e for e in store.executions()}
    assert rows[dead].status == "lost" and "supervisor" in (rows[dead].reason or "")
    assert rows[dead].finished_at is not None
    assert rows[alive].status == "running"  # this process still supervises it


def test_a_reused_pid_does_not_keep_a_row_running(store):
    me = history.supervisor_identity()
    me["pid_start"] = (me["pid_start"] or 0) + 1  # another process that had our pid before
    row = _running_row(store, resources={"supervisor": me, "wall_s": 600})
    assert history.mark_lost(store) == 1
    assert store.executions(status="lost")[0].id == row


def test_a_row_of_another_machine_is_lost_only_past_its_wall_clock_and_grace(store):
    other = {"host": "elsewhere", "boot_id": "x", "pid": 1, "pid_start": 1}
    recent = _running_row(store, resources={"supervisor": other, "wall_s": 10})
    old = _running_row(store, resources={"supervisor": other, "wall_s": 10},
                       started_at=t.now() - dt.timedelta(seconds=10 + history.LOST_GRACE_S + 5))
    legacy = _running_row(store, resources={}, started_at=t.now() - dt.timedelta(hours=2))  # before pids were kept
    assert history.mark_lost(store) == 2
    status = {e.id: e.status for e in store.executions()}
    assert status == {recent: "running", old: "lost", legacy: "lost"}


def test_a_finished_row_is_never_marked_lost(store):
    row = _running_row(store, resources={"supervisor": _dead_supervisor(), "wall_s": 1})
    with store.transaction() as conn:
        conn.execute(t.executions.update().where(t.executions.c.id == row).values(status="ok"))
    assert history.mark_lost(store) == 0
    assert store.executions()[0].status == "ok"


CHILD_RUN = textwrap.dedent("""
    import sys, qldrops
    from pathlib import Path
    from qldrops.runner import history
    from qldrops.runner.models import Limits
    from tests.support import test_settings
    store = qldrops.connect(sys.argv[1], settings=test_settings(Path(sys.argv[2])))
    drop = store.put(workflow_id="w", drop_type="code_generation", artifact="import time\\ntime.sleep(60)\\n",
                     metadata={"filename": "slow.py"})
    started = history.start
    def start(*args, **kwargs):  # say when the "running" row is committed
        execution_id = started(*args, **kwargs)
        print("started", execution_id, flush=True)
        return execution_id
    history.start = start
    store.run(drop.id, limits=Limits(wall_s=120, cpu_s=5))
""")


def _sandbox_of(pid: int, timeout: float = 60.0) -> list[psutil.Process]:
    """The reaper (child of ``pid``) and the outer bwrap (its child), once both exist.

    A bounded wait for set-up, paced by select() on the supervisor's pidfd: it ends early if
    the supervisor dies, and nothing is asserted until the processes are there.
    """
    deadline = time.monotonic() + timeout
    fd = os.pidfd_open(pid)
    try:
        while time.monotonic() < deadline:
            reapers = psutil.Process(pid).children()
            outers = [c for r in reapers for c in r.children() if "bwrap" in c.name()]
            if reapers and outers:
                return [*reapers, *outers]
            if select.select([fd], [], [], 0.02)[0]:
                break
    finally:
        os.close(fd)
    raise AssertionError("the sandbox did not start")


@sandbox
@pytest.mark.sandbox
def test_a_supervisor_killed_mid_run_leaves_a_lost_row_and_no_sandbox(sqlite_url, sqlite_store, tmp_path):
    child = subprocess.Popen([sys.executable, "-c", CHILD_RUN, sqlite_url, str(tmp_path / "child")], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        line = child.stdout.readline()
        assert line.startswith(b"started"), child.stderr.read().decode()
        assert [r.status for r in sqlite_store.executions()] == ["running"]  # its supervisor is alive
        above = _sandbox_of(child.pid)
        fds = [os.pidfd_open(p.pid) for p in above]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    for fd in fds:  # the reaper and the outer bwrap follow their parent
        select.select([fd], [], [], 30)
        os.close(fd)
    rows = sqlite_store.executions()
    assert [r.status for r in rows] == ["lost"], rows
    assert "supervisor" in (rows[0].reason or "")
    # The sandbox's init sometimes outlives its supervisor (the next test makes such an orphan for
    # sure); whatever is left, the next run ends it.
    sweep_orphaned_runs()
    assert not orphaned_run_uids()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to start a process as a run's uid")
def test_a_process_of_a_run_without_its_reaper_is_killed_by_the_next_run():
    uid = UID_BASE + UID_SPAN - 1 - os.getpid() % 1000
    # As a run's uid: a shell that leaves a sleeper behind, re-parented when the shell exits.
    subprocess.run(["sh", "-c", "sleep 300 >/dev/null 2>&1 &"], user=uid, group=uid, check=True,
                   start_new_session=True)
    assert uid in orphaned_run_uids()
    assert sweep_orphaned_runs() >= 1
    assert uid not in orphaned_run_uids() and not pids_of_uid(uid, live_only=True)


# ---------------------------------------------------------------- zip slip


def _inside(name: str, top: str) -> bool:
    norm = posixpath.normpath(name)
    return (not name.startswith("/") and "\\" not in name and ".." not in name.split("/")
            and (norm == top or norm.startswith(top + "/")))


@pytest.fixture
def hostile(sqlite_store):
    s = sqlite_store
    s.put(workflow_id="..", drop_type="code_generation", artifact="print('named')\n",
          metadata={"filename": "a/../../../b.py", "language": "python"})
    s.put(workflow_id="..", drop_type="code_generation",
          artifact="# File: a/../../../x.py\nprint('x')\n# File: ok/fine.py\nprint('fine')\n",
          metadata={"language": "python"})
    s.put(workflow_id="..", drop_type="project_structure", artifact="a/../../../x.py\n../../etc/passwd\n",
          metadata={"files": ["a/../../../x.py", "../../etc/passwd", "/abs.py", "ok/fine.py"]})
    return s


def test_hostile_names_stay_inside_the_store_zip(hostile):
    with zipfile.ZipFile(io.BytesIO(hostile.project("..").to_zip())) as z:
        names = z.namelist()
    assert names and all(_inside(n, "project") for n in names), names


def test_hostile_names_stay_inside_the_dashboard_zip_and_tree(hostile):
    link = hostile.previews.create("..", ttl="1h")
    page = PreviewPage.open(hostile, hostile.previews.view(link.id), {})
    paths = [f.path for f in page.project.files] + [d.path for d in page.project.documents]
    assert all(_inside(p, p.split("/")[0]) and not p.startswith(".") for p in paths), paths
    rows = page.file_rows()
    assert all(path is None or _inside(path, path.split("/")[0]) for _, _, path in rows), rows
    assert all(".." not in label.split("/") for _, label, _ in rows), rows
    with zipfile.ZipFile(io.BytesIO(zip_bytes(page.project))) as z:
        names = z.namelist()
    assert names and all(_inside(n, "project") for n in names), names


@sandbox
@pytest.mark.sandbox
def test_hostile_names_never_reach_the_sandbox_outside_its_folder(hostile):
    listing = ("import os\nfor d, _, fs in os.walk('/'):\n    if d.startswith(('/proc', '/sys', '/usr', '/dev')):\n"
               "        continue\n    for f in fs:\n        print(os.path.join(d, f))\n")
    runner = hostile.put(workflow_id="..", drop_type="code_generation", artifact=listing,
                         metadata={"filename": "walk.py", "language": "python"})
    for d in hostile.list(workflow_id=".."):
        if d.drop_type != "code_generation":
            continue
        r = hostile.run(d.id)
        assert r.status in ("ok", "refused", "error"), r
        if r.status == "refused":
            assert ".." in (r.reason or "")
    r = hostile.run(runner.id)
    assert r.status == "ok", r
    files = [line for line in r.stdout.splitlines() if line]
    assert files and all(f.startswith(("/sandbox/", "/etc/", "/tmp/")) for f in files), files
    assert not any(f.endswith(("/b.py", "/x.py")) and not f.startswith("/sandbox/") for f in files)


def test_a_file_where_a_folder_must_be_is_exported_beside_it(sqlite_store, tmp_path):
    # Found by stress/battery_download.py: a file named `.qldrops` blocked the project's metadata folder
    # (write_to failed, with an instruction). Now the file is exported as `.qldrops~1`, and reported.
    sqlite_store.put(workflow_id="clash", drop_type="code_generation", artifact="x = 1\n",
                     metadata={"filename": ".qldrops", "language": "python"})
    project = sqlite_store.project("clash")
    project.write_to(tmp_path / "out")
    assert (tmp_path / "out" / ".qldrops~1").read_text() == "x = 1\n"
    assert (tmp_path / "out" / ".qldrops" / "project.json").is_file()
    assert [c["moved_to"] for c in project.conflicts] == [".qldrops~1"]
    # A folder that cannot be made is still an instruction, not a raw OSError.
    (tmp_path / "taken").write_text("a file where the export's folder must be\n")
    with pytest.raises(ValidationError) as e:
        project.write_to(tmp_path / "taken" / "out")
    assert e.value.hint
