"""Start a sandboxed command and watch it: output cap, wall clock, exit status, rusage.

One loop waits on three things at once with a selector: stdout, stderr and a
pidfd of the reaper (readable once nothing of the run is left), so a limit is acted
on the moment it is crossed. The one poll: when the run has its own host uid, the
loop wakes every ``MEMORY_POLL_S`` to sum the resident memory of that uid's
processes and kills the run when the sum passes its total; or, when the run has its
own memory cgroup (:mod:`qldrops.runner.cgroup`), to see whether it waits at the
cgroup's limit, and then kills it. Output is read in chunks and
kept up to the cap; the byte that crosses the cap kills the run (a program
writing 1 GB is stopped after the cap, not after 1 GB).
"""

from __future__ import annotations

import json
import logging
import os
import select
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import SandboxError
from ._reaper import REAPER_SOURCE
from .cgroup import MemoryCgroup

log = logging.getLogger(__name__)

_CHUNK = 65536
MEMORY_POLL_S = 0.05
# bwrap's own environment: empty but for PATH (it clears the child's anyway with --clearenv).
_BWRAP_ENV = {"PATH": "/usr/bin:/bin"}


@dataclass
class Outcome:
    """What the supervisor saw; ``run_files`` turns it into a RunResult."""

    stdout: bytes
    stderr: bytes
    stdout_bytes: int  # everything the program wrote, kept or not
    stderr_bytes: int
    truncated: bool
    timed_out: bool
    capped: bool
    exit_code: int | None  # the program's, as bwrap reported it
    wait_status: int  # the sandbox's (prlimit/bwrap) wait status as the reaper saw it; -1 if unknown
    duration_ms: float
    usage: dict[str, Any]
    status: list[dict[str, Any]] = field(default_factory=list)
    leftovers_killed: int = 0
    memory_capped: bool = False  # the run reached its total memory (cgroup limit or watchdog); killed
    peak_memory_bytes: int = 0  # the cgroup's peak usage, else the largest sum the watchdog saw (0: not watched)

    @property
    def setup_failed(self) -> bool:
        """bwrap exited on its own without reporting the program's exit: it never got it running.

        (bwrap writes "child-pid" before it sets up the uid map, so that line
        alone does not prove the program started; "exit-code" does.)
        """
        reported = any("exit-code" in doc for doc in self.status)
        return not (reported or self.timed_out or self.capped or self.memory_capped) and self.wait_status >= 0 and os.WIFEXITED(self.wait_status)


def _parse_status(raw: bytes) -> list[dict[str, Any]]:
    """bwrap's --json-status-fd writes one JSON object per line."""
    docs = []
    decoder = json.JSONDecoder()
    text = raw.decode("utf-8", "replace")
    pos = 0
    while pos < len(text):
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except ValueError:
            log.warning("unreadable bwrap status: %r", text[pos:pos + 200])
            break
        if isinstance(doc, dict):
            docs.append(doc)
    return docs


@dataclass
class _Report:
    """What the reaper said: the sandbox's pid, then its summed rusage and wait status."""

    buf: bytearray = field(default_factory=bytearray)

    def feed(self, fd: int) -> None:
        while True:
            try:
                data = os.read(fd, 4096)
            except BlockingIOError:
                return
            if not data:
                return
            self.buf += data

    def line(self, key: str) -> list[str] | None:
        for raw in self.buf.decode("ascii", "replace").splitlines():
            parts = raw.split()
            if parts and parts[0] == key:
                return parts[1:]
        return None


def _python() -> str:
    """Debian's python starts a little faster than the venv's; either works (the reaper uses no packages)."""
    if os.access("/usr/bin/python3", os.X_OK):
        return "/usr/bin/python3"
    return sys.executable


def supervise(argv: list[str], *, pass_fds: list[int], close_after_spawn: list[int], status_read: int,
              host_uid: int | None, wall_s: float, output_bytes: int, stdin: bytes | None,
              kill_uid: Callable[[int], set[int]] | None = None, memory_limit_bytes: int | None = None,
              memory_of_uid: Callable[[int], int] | None = None, cgroup: MemoryCgroup | None = None,
              on_output: Callable[[str, bytes], None] | None = None) -> Outcome:
    """Run ``argv`` (prlimit + bwrap + program) under the reaper; watch it until it ends or a limit is hit.

    ``status_read`` is the read end of bwrap's status pipe; its write end is in
    ``pass_fds`` and ``close_after_spawn`` (closed here once the child runs, so
    that reading it ends at EOF). ``kill_uid`` sweeps the run's uid on a kill.
    ``memory_of_uid`` sums the resident memory of the run's uid; past ``memory_limit_bytes`` the run is killed.
    With a ``cgroup`` the kernel holds the run to its limit instead, and the run is killed once it waits
    at that limit (``under_oom``); the watchdog is then not used.
    ``on_output(stream, chunk)`` ("stdout" or "stderr", the bytes kept) is called as output arrives, so a
    page can show it while the program runs; an exception it raises is logged, never stops the watch.
    """
    stdin_fd: Any = subprocess.DEVNULL
    if stdin:
        stdin_fd = os.memfd_create("qldrops-stdin", os.MFD_CLOEXEC)
        os.write(stdin_fd, stdin)
        os.lseek(stdin_fd, 0, os.SEEK_SET)
    report_read, report_write = os.pipe2(os.O_CLOEXEC)
    os.set_inheritable(report_write, True)
    uid_arg = str(host_uid) if host_uid is not None else "-1"
    cmd = [_python(), "-S", "-E", "-s", "-B", "-c", REAPER_SOURCE, str(report_write), uid_arg,
           cgroup.procs if cgroup is not None else "-", *argv]
    start = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, stdin=stdin_fd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_BWRAP_ENV,
                                cwd="/", pass_fds=[*pass_fds, report_write], process_group=0)
    except OSError as e:
        os.close(status_read)
        os.close(report_read)
        raise SandboxError(f"could not start the sandbox: {e}",
                           hint="check that bwrap and prlimit are installed") from e
    finally:
        if isinstance(stdin_fd, int) and stdin_fd >= 0:
            os.close(stdin_fd)
        for fd in (*close_after_spawn, report_write):
            os.close(fd)
    assert proc.stdout is not None and proc.stderr is not None
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    bufs = {out_fd: bytearray(), err_fd: bytearray()}
    seen = dict.fromkeys(bufs, 0)
    kept = 0
    truncated = timed_out = capped = exited = memory_capped = False
    peak_memory = 0
    watch_memory = cgroup is not None or (host_uid is not None and memory_of_uid is not None
                                          and memory_limit_bytes is not None)
    report = _Report()
    os.set_blocking(report_read, False)
    deadline = start + wall_s
    pidfd = os.pidfd_open(proc.pid)
    sel = selectors.DefaultSelector()
    for fd in bufs:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    sel.register(pidfd, selectors.EVENT_READ)
    killed_left = 0
    ended_at = None
    try:
        while True:
            if exited and not any(fd in sel.get_map() for fd in bufs):
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = not exited  # once the reaper is gone nothing of the run is left to time out
                break
            for key, _ in sel.select(min(remaining, MEMORY_POLL_S) if watch_memory and not exited else remaining):
                if key.fd == pidfd:
                    exited, ended_at = True, time.monotonic()
                    sel.unregister(pidfd)
                    continue
                try:
                    data = os.read(key.fd, _CHUNK)
                except BlockingIOError:
                    continue
                if not data:
                    sel.unregister(key.fd)
                    continue
                seen[key.fd] += len(data)
                room = output_bytes - kept
                bufs[key.fd] += data[:room]
                kept += min(len(data), room)
                if on_output is not None and room > 0:
                    _tell(on_output, "stdout" if key.fd == out_fd else "stderr", data[:room])
                if len(data) > room:
                    truncated = capped = True
                    break
            if capped:
                break
            if watch_memory and not exited:
                if cgroup is not None:
                    if cgroup.under_oom():
                        memory_capped = True
                        break
                else:
                    assert host_uid is not None and memory_of_uid is not None and memory_limit_bytes is not None
                    used = memory_of_uid(host_uid)
                    peak_memory = max(peak_memory, used)
                    if used > memory_limit_bytes:
                        memory_capped = True
                        break
    finally:
        if not exited:
            killed_left = _stop(proc.pid, pidfd, report, report_read, host_uid, kill_uid)
        _, wait_status, _ru = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(wait_status)  # tell Popen it is reaped
        duration_ms = ((ended_at or time.monotonic()) - start) * 1000
        sel.close()
        os.close(pidfd)
        proc.stdout.close()
        proc.stderr.close()
        report.feed(report_read)
        os.close(report_read)
        raw_status = _read_all(status_read)
        os.close(status_read)
        if cgroup is not None:
            peak_memory = cgroup.peak_bytes()
    status_docs = _parse_status(raw_status)
    exit_code = next((d["exit-code"] for d in status_docs if "exit-code" in d), None)
    done = report.line("done")
    if done:
        usage = {"utime": float(done[0]), "stime": float(done[1]), "maxrss_kb": int(done[2])}
        sandbox_status = int(done[3])
    else:  # the reaper itself was killed (only when a kill had to reach it)
        usage = {"utime": 0.0, "stime": 0.0, "maxrss_kb": 0}
        sandbox_status = -1
    return Outcome(stdout=bytes(bufs[out_fd]), stderr=bytes(bufs[err_fd]), stdout_bytes=seen[out_fd],
                   stderr_bytes=seen[err_fd], truncated=truncated, timed_out=timed_out, capped=capped,
                   exit_code=exit_code, wait_status=sandbox_status, duration_ms=duration_ms, usage=usage,
                   status=status_docs, leftovers_killed=killed_left, memory_capped=memory_capped,
                   peak_memory_bytes=peak_memory)


def _tell(on_output: Callable[[str, bytes], None], stream: str, chunk: bytes) -> None:
    try:
        on_output(stream, chunk)
    except Exception:  # a viewer's drawing problem must never leave a run unwatched
        log.exception("the output callback failed; the run goes on")


def _stop(reaper_pid: int, pidfd: int, report: _Report, report_read: int, host_uid: int | None,
          kill_uid: Callable[[int], set[int]] | None) -> int:
    """Kill the sandbox (not the reaper, so it can still report), then make sure the reaper ends."""
    killed: set[int] = set()
    if host_uid is not None and kill_uid:
        # Every sandbox process runs as the run's own uid: kill them all, again until none is left
        # (a fork racing the first sweep is caught by the next; the pid namespace dies with bwrap anyway).
        for _ in range(5):
            pids = kill_uid(host_uid)
            if not pids - killed:
                break
            killed |= pids
    report.feed(report_read)
    if report.line("child") is None:
        select.select([report_read], [], [], 1.0)
        report.feed(report_read)
    child = report.line("child")
    if child:
        try:
            os.kill(int(child[0]), signal.SIGKILL)  # outer bwrap: its --die-with-parent takes the rest down
        except (ProcessLookupError, PermissionError):
            pass
    ready, _, _ = select.select([pidfd], [], [], 5.0)
    if not ready:
        log.error("sandbox reaper %d did not finish after the kill; killing its process group", reaper_pid)
        try:
            os.killpg(reaper_pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return len(killed)


def _read_all(fd: int) -> bytes:
    """Read the status pipe to EOF; bwrap has exited, so this cannot block for long."""
    os.set_blocking(fd, False)
    chunks = []
    while True:
        try:
            data = os.read(fd, _CHUNK)
        except BlockingIOError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)
