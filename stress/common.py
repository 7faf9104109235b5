"""What every battery shares: its result line, its budget, child processes and throw-away databases.

A battery returns a :class:`Result`: ``tried`` attempts, ``failed`` attempts that went
wrong in a way the system reported (an error a user sees, a refused request),
``lost`` attempts where acknowledged data went missing or a guard did not hold.
Only ``lost`` fails the run.
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("QLDROPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@dataclass
class Config:
    """``short`` (CI: a few cycles each) or ``full`` (the numbers in docs/RELIABILITY.md)."""

    mode: str = "short"
    seconds: float = 20.0  # the time budget of one battery's loop (set-up not counted)
    seed: int = 14
    workdir: Path = field(default_factory=lambda: Path("/tmp"))

    @property
    def full(self) -> bool:
        return self.mode == "full"

    def cycles(self, short: int, full: int) -> int:
        return full if self.full else short


@dataclass
class Result:
    name: str
    tried: int = 0
    failed: int = 0
    lost: int = 0
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if len(self.notes) < 40:
            self.notes.append(text)

    def guard(self, held: bool, what: str) -> None:
        """One attempt at a guard: ``lost`` when it did not hold."""
        self.tried += 1
        if not held:
            self.lost += 1
            self.note(f"LOST: {what}")

    def line(self) -> str:
        return f"{self.name}: tried {self.tried}, failed {self.failed}, lost {self.lost}"


class Budget:
    """A loop bound in both count and time."""

    def __init__(self, seconds: float, max_count: int):
        self.deadline = time.monotonic() + seconds
        self.max_count = max_count
        self.count = 0

    def more(self) -> bool:
        if self.count >= self.max_count or time.monotonic() >= self.deadline:
            return False
        self.count += 1
        return True


def settings(folder: Path, **overrides: object):
    from qldrops.settings import Settings

    base: dict[str, object] = dict(data_dir=str(folder), index_dir=str(folder / "index"), embedding_model="fake",
                                   progress=False, workspace="default")
    base.update(overrides)
    return Settings(**base)  # type: ignore[arg-type]


def connect(url: str, folder: Path, **overrides: object):
    import qldrops

    return qldrops.connect(url, settings=settings(folder, **overrides))


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}


def spawn(source: str, *args: str) -> subprocess.Popen[bytes]:
    """A Python child running ``source`` (with ``stress.common`` importable), its stdout piped."""
    return subprocess.Popen([sys.executable, "-c", source, *args], cwd=REPO, env=child_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def read_lines_until(proc: subprocess.Popen[bytes], deadline: float) -> list[str]:
    """Lines the child printed until ``deadline`` (monotonic) or its exit."""
    assert proc.stdout is not None
    lines: list[str] = []
    fd = proc.stdout.fileno()
    buf = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buf += chunk
        *done, buf = buf.split(b"\n")
        lines += [d.decode() for d in done]
    if buf:
        lines.append("\0partial:" + buf.decode(errors="replace"))
    return lines


def kill_and_drain(proc: subprocess.Popen[bytes]) -> list[str]:
    """SIGKILL the child; return every complete line it had printed but we had not read yet."""
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate()
    lines = out.decode(errors="replace").split("\n")
    return [ln for ln in lines[:-1]]


def kill_supervisor(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> list[str]:
    """SIGKILL a process that supervises a sandbox and wait until its reaper and the outer bwrap
    (its child and grandchild) are gone too: only then is what survives them re-parented."""
    import psutil

    try:
        reapers = psutil.Process(proc.pid).children()
        outers = [c for r in reapers for c in r.children()]
    except psutil.NoSuchProcess:
        reapers, outers = [], []
    fds = []
    for p in reapers + outers:
        with contextlib.suppress(OSError):
            fds.append(os.pidfd_open(p.pid))
    lines = kill_and_drain(proc)
    deadline = time.monotonic() + timeout
    try:
        for fd in fds:  # a pidfd turns readable when its process exits: an event, not a poll
            select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
    finally:
        for fd in fds:
            os.close(fd)
    return lines


def wait_for_line(proc: subprocess.Popen[bytes], prefix: str, timeout: float = 120.0) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline().decode()
        if not line:
            assert proc.stderr is not None
            raise RuntimeError(f"child ended before {prefix!r}: {proc.stderr.read().decode()[-2000:]}")
        if line.startswith(prefix):
            return line.strip()
    raise RuntimeError(f"child did not print {prefix!r} in {timeout} s")


def start_ready(res: Result, source: str, *args: str) -> subprocess.Popen[bytes] | None:
    """A child that has printed "ready", or None (counted as a failure in ``res``) when it did not start."""
    child = spawn(source, *args)
    try:
        wait_for_line(child, "ready")
    except RuntimeError as e:
        res.failed += 1
        res.note(f"child did not start: {e}")
        kill_and_drain(child)
        return None
    return child


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A throw-away PostgreSQL database; yields its URL."""
    name = f"qldrops_stress_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def rng(cfg: Config, name: str) -> random.Random:
    return random.Random(f"{cfg.seed}-{name}")
