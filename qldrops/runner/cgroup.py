"""A memory cgroup (v1) per run, where the host lets us make one: the kernel's bound on a run's total.

The machines this was written on mount the cgroup v1 hierarchies themselves; FACTS.md
says they belong to the host, yet as root ``mkdir`` under ``/sys/fs/cgroup/memory``
works on some of them and the limit is enforced. So a run gets its own group when
that works (:meth:`MemoryCgroup.create` returns None otherwise, and the supervisor's
resident-memory watchdog is the bound instead; see docs/RELIABILITY.md):

* ``memory.limit_in_bytes`` = the run's ``total_memory_mb`` (``memsw`` too when there is
  swap accounting), charged for every process of the run and for its tmpfs files;
* ``memory.oom_control`` = 1: at the limit the kernel does not pick one process to kill,
  the run's processes wait instead, and the supervisor (which sees ``under_oom 1``)
  ends the whole run with the reason "memory limit of the run reached".

Groups are named ``run-<supervisor pid>-<random>``; a supervisor killed before it
removed its group leaves it behind, and the next run's :func:`sweep_stale` kills what
is still in it and removes it.
The reaper's child joins the group (writes its pid to ``cgroup.procs``) before it
drops to the run's uid and execs the sandbox, so nothing of the run is ever outside it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from pathlib import Path

log = logging.getLogger(__name__)

MEMORY_ROOT = Path("/sys/fs/cgroup/memory")
PARENT = "qldrops"


class MemoryCgroup:
    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def create(cls, name: str, limit_bytes: int, *, root: Path = MEMORY_ROOT) -> MemoryCgroup | None:
        """A fresh group ``qldrops/<name>`` limited to ``limit_bytes``, or None when it cannot be made."""
        if os.geteuid() != 0 or not (root / "cgroup.procs").exists():
            return None
        path = root / PARENT / name
        try:
            path.parent.mkdir(exist_ok=True)
            sweep_stale(path.parent)
            path.mkdir()
        except OSError as e:
            log.debug("no memory cgroup for the run (%s): the supervisor's watchdog bounds it", e)
            return None
        group = cls(path)
        try:
            (path / "memory.limit_in_bytes").write_text(str(limit_bytes))
            if (path / "memory.memsw.limit_in_bytes").exists():
                with contextlib.suppress(OSError):  # only with swap accounting enabled
                    (path / "memory.memsw.limit_in_bytes").write_text(str(limit_bytes))
            (path / "memory.oom_control").write_text("1")
        except OSError as e:
            log.warning("memory cgroup %s refused its limits (%s): the supervisor's watchdog bounds the run", path, e)
            group.remove()
            return None
        return group

    @property
    def procs(self) -> str:
        return str(self.path / "cgroup.procs")

    def _read(self, name: str) -> str:
        try:
            return (self.path / name).read_text()
        except OSError:
            return ""

    def under_oom(self) -> bool:
        """True when the run has reached its limit (its processes wait for memory that will not come)."""
        for line in self._read("memory.oom_control").splitlines():
            key, _, value = line.partition(" ")
            if key == "under_oom":
                return value.strip() == "1"
        return False

    def peak_bytes(self) -> int:
        value = self._read("memory.max_usage_in_bytes").strip()
        return int(value) if value.isdigit() else 0

    def remove(self) -> None:
        """Remove the group (empty once the reaper has reaped everything; a moment's retry for stragglers)."""
        for attempt in range(50):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.01 * (attempt + 1))
        log.warning("could not remove memory cgroup %s: processes still in it", self.path)


def sweep_stale(parent: Path) -> list[str]:
    """Kill what is left in the groups of supervisors that were killed (``run-<pid>-...`` whose
    pid is gone), and remove the groups; returns the names removed (a group whose processes
    are still exiting is removed by a later sweep)."""
    removed = []
    for group in parent.glob("run-*-*"):
        pid = group.name.split("-")[1]
        if not pid.isdigit() or os.path.exists(f"/proc/{pid}"):
            continue
        try:
            tasks = (group / "cgroup.procs").read_text().split()
        except OSError:
            tasks = []
        for task in tasks:
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(task), signal.SIGKILL)
        with contextlib.suppress(OSError):
            group.rmdir()
            removed.append(group.name)
    return removed
