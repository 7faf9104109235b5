"""The sandbox: bubblewrap namespaces, rlimits and an unprivileged host uid.

How one run is confined (each line is something a hostile test checks)::

    reaper (see _reaper.py: a subreaper that sums the rusage of everything below it)
    └─ prlimit (CPU, address space, file size, open files, processes, no core files)
      └─ bwrap, already running as a fresh unprivileged host uid (when we are root)
           --unshare-all --unshare-user --disable-userns   no network, own pid/ipc/uts,
                                                            no nested user namespaces
           --cap-drop ALL --new-session --die-with-parent   no capabilities, no tty, dies with us
           --ro-bind /usr  (+ /bin /lib /lib64 /sbin as symlinks)   the interpreters, read-only
           /etc: ld.so.cache, localtime, alternatives; a made-up passwd/group; nothing else
           --tmpfs /sandbox (sized)   the project's files, the only writable place with /tmp
           --tmpfs /tmp (sized), --proc, --dev; then / and /dev remounted read-only
           --clearenv: PATH, HOME=/sandbox, LANG only (bwrap adds PWD=/sandbox)
             └─ prlimit --nofile (exec'd inside: bwrap needed one fd per project file)
                  └─ the interpreter and the program

Why the uid switch happens *outside* bwrap: ``RLIMIT_NPROC`` is not enforced for
host root, and a user namespace made by root still maps to host root. So the
supervisor starts bwrap as a host uid picked for this run alone (from a range no
account uses); inside the namespace that uid shows as 65534. A per-run uid also
means the process-count limit is this run's own, and that anything left behind
can be found and killed by uid.
"""

from __future__ import annotations

import logging
import os
import secrets
import select
import shutil
import signal
import time
from dataclasses import dataclass, field
from typing import Protocol

from ..errors import SandboxError
from .files import ProjectFiles
from .models import Limits

log = logging.getLogger(__name__)

SCRATCH = "/sandbox"
INSIDE_UID = 65534
# Host uids handed to runs: far above any account (and below 2**31: bwrap cannot map larger uids).
UID_BASE = 1_500_000_000
UID_SPAN = 1_000_000
INSTALL_HINT = "run `apt-get install -y bubblewrap` (the Debian package that provides `bwrap`)"
_MiB = 1024 * 1024


@dataclass
class Plan:
    """Everything the backend needs to start one run."""

    argv: list[str]  # the command inside the sandbox
    project: ProjectFiles
    limits: Limits
    extra_ro_binds: tuple[str, ...] = ()
    host_uid: int | None = None  # None: run as ourselves (we are not root)
    status_fd: int | None = None


@dataclass
class Launch:
    """A command line ready for ``subprocess.Popen`` and the fds it must inherit."""

    argv: list[str]
    pass_fds: list[int]
    owned_fds: list[int] = field(default_factory=list)  # close in the parent once the child started

    def close(self) -> None:
        for fd in self.owned_fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self.owned_fds.clear()


class Sandbox(Protocol):
    """The seam for other isolation backends (gVisor, a remote runner)."""

    name: str

    def check(self) -> None: ...

    def command(self, plan: Plan) -> Launch: ...


def _data_fd(data: bytes, name: str) -> int:
    """An in-memory file holding ``data``, positioned at its start (nothing touches the host disk)."""
    fd = os.memfd_create(f"qldrops-{name}"[:240], 0)  # no MFD_CLOEXEC: bwrap must inherit it
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


class BwrapSandbox:
    """The production backend (Debian's bubblewrap 0.8 + util-linux prlimit)."""

    name = "bwrap"

    def __init__(self, bwrap: str | None = None, prlimit: str | None = None):
        self._bwrap = bwrap
        self._prlimit = prlimit

    def check(self) -> None:
        """Raise SandboxError (with the install command) unless bwrap and prlimit are installed."""
        self._bwrap = self._bwrap or shutil.which("bwrap") or "/usr/bin/bwrap"
        if not _existing(self._bwrap):
            raise SandboxError(f"bubblewrap (`bwrap`) is not installed ({self._bwrap} not found), so code cannot "
                               "be run safely", hint=INSTALL_HINT)
        self._prlimit = self._prlimit or shutil.which("prlimit") or "/usr/bin/prlimit"
        if not _existing(self._prlimit):
            raise SandboxError("`prlimit` is not installed, so run limits cannot be set",
                               hint="run `apt-get install -y util-linux`")

    def rlimit_args(self, limits: Limits, *, open_files: int | None = None) -> list[str]:
        cpu = limits.cpu_s
        # Soft CPU limit sends SIGXCPU; the hard one a second later SIGKILLs a program that catches it.
        return [
            f"--cpu={cpu}:{cpu + 1}",
            f"--as={limits.process_memory_mb * _MiB}",
            f"--fsize={limits.file_size_mb * _MiB}",
            f"--nofile={open_files or limits.open_files}",
            f"--nproc={limits.processes}",
            "--core=0",
        ]

    def command(self, plan: Plan) -> Launch:
        self.check()
        assert self._bwrap and self._prlimit
        launch = Launch(argv=[], pass_fds=[])
        try:
            # bwrap holds one fd per project file while it copies them in, so the open-files
            # limit is raised for bwrap and lowered again, inside, right before the program starts.
            bwrap_files = plan.limits.open_files + len(plan.project.files) + 32
            args = [self._prlimit, *self.rlimit_args(plan.limits, open_files=bwrap_files), "--", self._bwrap]
            args += ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
                     "--cap-drop", "ALL", "--uid", str(INSIDE_UID), "--gid", str(INSIDE_UID),
                     "--hostname", "sandbox"]
            args += ["--ro-bind", "/usr", "/usr"]
            for link in ("bin", "lib", "lib64", "sbin"):
                if os.path.islink("/" + link):
                    args += ["--symlink", os.readlink("/" + link).lstrip("/"), "/" + link]
                elif os.path.isdir("/" + link):
                    args += ["--ro-bind", "/" + link, "/" + link]
            for path in plan.extra_ro_binds:
                args += ["--ro-bind", path, path]
            for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"):
                args += ["--ro-bind-try", etc, etc]
            passwd = f"sandbox:x:{INSIDE_UID}:{INSIDE_UID}:sandbox:{SCRATCH}:/bin/sh\n".encode()
            group = f"sandbox:x:{INSIDE_UID}:\n".encode()
            for data, dest in ((passwd, "/etc/passwd"), (group, "/etc/group")):
                fd = _data_fd(data, dest)
                launch.owned_fds.append(fd)
                args += ["--perms", "0444", "--ro-bind-data", str(fd), dest]
            args += ["--proc", "/proc", "--dev", "/dev"]
            args += ["--size", str(plan.limits.tmp_mb * _MiB), "--tmpfs", "/tmp"]
            args += ["--size", str(plan.limits.scratch_mb * _MiB), "--tmpfs", SCRATCH]
            for d in plan.project.dirs:
                args += ["--dir", f"{SCRATCH}/{d}"]
            for path, data in plan.project.files:
                fd = _data_fd(data, path)
                launch.owned_fds.append(fd)
                args += ["--perms", "0644", "--file", str(fd), f"{SCRATCH}/{path}"]
            args += ["--remount-ro", "/", "--remount-ro", "/dev", "--chdir", SCRATCH]
            args += ["--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
                     "--setenv", "HOME", SCRATCH, "--setenv", "LANG", "C.UTF-8"]
            if plan.status_fd is not None:
                args += ["--json-status-fd", str(plan.status_fd)]
                launch.pass_fds.append(plan.status_fd)
            args += ["--", "/usr/bin/prlimit", f"--nofile={plan.limits.open_files}", "--", *plan.argv]
        except BaseException:
            launch.close()
            raise
        launch.argv = args
        launch.pass_fds += launch.owned_fds
        return launch


def _existing(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


# ---- per-run host uids ---------------------------------------------------------------------------


def can_switch_uid() -> bool:
    """Only root can start the sandbox as another uid; anyone else runs it as themselves."""
    return os.geteuid() == 0


def pids_of_uid(uid: int, *, live_only: bool = False) -> list[int]:
    """Processes whose owner is ``uid`` (``/proc/<pid>`` belongs to the process's effective uid).

    ``live_only`` leaves out zombies: killed processes waiting to be reaped still have a
    ``/proc`` entry, and counting them would make a sweep look endless.
    """
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid != uid:
                continue
            if live_only:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    state = fh.read().rsplit(b")", 1)[-1].split()[0]
                if state in (b"Z", b"X"):
                    continue
        except (OSError, IndexError):
            continue
        found.append(int(name))
    return found


REAPER_MARK = b"cannot become a child subreaper"  # a phrase of the reaper's source, hence of its command line


def _stat_of(pid: int | str) -> tuple[int, bytes, int] | None:
    """(owner uid, state, parent pid) of a process, or None when it is gone."""
    try:
        uid = os.stat(f"/proc/{pid}").st_uid
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[-1].split()
        return uid, fields[0], int(fields[1])
    except (OSError, IndexError, ValueError):
        return None


def _is_reaper(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return REAPER_MARK in fh.read()
    except OSError:
        return False


def _is_run_uid(uid: int) -> bool:
    return UID_BASE <= uid < UID_BASE + UID_SPAN


def orphaned_run_uids() -> set[int]:
    """Run uids with a process whose parent is neither a process of a run nor a reaper.

    While a supervisor lives, every process of its run descends from its reaper (a child
    subreaper), so each has a run-uid process or the reaper as its parent. When the
    supervisor is SIGKILLed the reaper follows (PR_SET_PDEATHSIG) and so does the outer
    bwrap, but the sandbox's own init sometimes survives (the kernel clears a parent-death
    signal when bwrap changes its credentials) and is re-parented to init or the nearest
    subreaper above: the program then runs on with no wall clock.
    """
    found: set[int] = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        me = _stat_of(name)
        if me is None or not _is_run_uid(me[0]) or me[1] in (b"Z", b"X") or me[0] in found:
            continue
        parent = _stat_of(me[2]) if me[2] > 0 else None
        if parent is not None and (_is_run_uid(parent[0]) or _is_reaper(me[2])):
            continue
        found.add(me[0])
    return found


def sweep_orphaned_runs(*, wait_s: float = 5.0) -> int:
    """SIGKILL every process of a run whose supervisor died and wait (up to ``wait_s``) until they
    have exited; returns how many were signalled."""
    if not can_switch_uid():
        return 0
    killed = 0
    for uid in orphaned_run_uids():
        fds = []
        for pid in pids_of_uid(uid, live_only=True):
            try:
                fds.append(os.pidfd_open(pid))
            except OSError:
                continue
        pids = sweep_uid(uid)
        killed += len(pids)
        deadline = time.monotonic() + wait_s
        for fd in fds:  # readable once the process has exited
            select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            os.close(fd)
        log.warning("killed %d process(es) of sandbox uid %d: its supervisor had died", len(pids), uid)
    return killed


def resident_bytes_of_uid(uid: int) -> int:
    """The summed resident memory of the processes of ``uid`` (``/proc/<pid>/statm``; threads share theirs).

    Pages shared after a fork count once per process: the sum errs on the high side.
    """
    total = 0
    page = os.sysconf("SC_PAGE_SIZE")
    for pid in pids_of_uid(uid):
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    return total


def allocate_uid() -> int:
    """A host uid no process uses now, for this run alone."""
    for _ in range(20):
        uid = UID_BASE + secrets.randbelow(UID_SPAN)
        if not pids_of_uid(uid):
            return uid
    raise SandboxError("could not find a free uid for the sandbox",
                       hint="too many sandboxed runs at once; wait for some to finish")


def sweep_uid(uid: int) -> set[int]:
    """SIGKILL whatever still runs as this run's uid; returns the pids signalled.

    Normally nothing is left (the pid namespace dies with bwrap); this is the
    belt to that braces, and is safe because the uid was this run's alone.
    """
    killed: set[int] = set()
    if uid < UID_BASE:  # never sweep a real account's processes
        return killed
    for pid in pids_of_uid(uid, live_only=True):
        try:
            os.kill(pid, signal.SIGKILL)
            killed.add(pid)
        except (ProcessLookupError, PermissionError):
            continue
    if killed:
        log.info("killed %d sandbox process(es) of uid %d", len(killed), uid)
    return killed
