"""Plain objects of the runner: the limits a run gets and the result it leaves.

Both are frozen dataclasses so that a result handed to a notebook cannot be
edited into something the history table does not say.
"""

from __future__ import annotations

import datetime as dt
import html
import signal as _signal
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from ..errors import ValidationError

STATUSES = ("running", "ok", "error", "timeout", "killed", "refused", "lost")

# Upper bounds for each limit: a caller may tighten the defaults freely, but a
# typo such as memory_mb=1_000_000 should not quietly turn the sandbox off.
_BOUNDS: dict[str, tuple[float, float]] = {
    "wall_s": (0.1, 600.0),
    "cpu_s": (1, 600),
    "memory_mb": (64, 16 * 1024),
    "total_memory_mb": (64, 64 * 1024),
    "file_size_mb": (1, 1024),
    "open_files": (16, 4096),
    "processes": (4, 1024),
    "output_bytes": (1024, 64 * 1024 * 1024),
    "scratch_mb": (1, 1024),
    "tmp_mb": (1, 1024),
    "max_files": (1, 10_000),
}


@dataclass(frozen=True)
class Limits:
    """What one sandboxed run may use.

    ``total_memory_mb`` bounds the run as a whole: the supervisor sums the
    resident memory of every process of the run (they all run as the run's own
    host uid) and kills the run when the sum passes it (see docs/RELIABILITY.md:
    cgroups, which the kernel would enforce, belong to the host here).
    ``memory_mb`` caps the address space of each process (RLIMIT_AS), never
    above the total (:attr:`process_memory_mb`): threads share it, and node
    needs ~768 MB of address space to start. ``processes`` counts threads too
    (RLIMIT_NPROC): node needs ~12.
    ``output_bytes`` caps stdout and stderr together; past it the run is killed.
    ``scratch_mb``/``tmp_mb`` size the two in-memory file systems that are the
    only writable places inside the sandbox.
    """

    wall_s: float = 10.0
    cpu_s: int = 5
    memory_mb: int = 1024
    total_memory_mb: int = 2048
    file_size_mb: int = 16
    open_files: int = 64
    processes: int = 16
    output_bytes: int = 1_000_000
    scratch_mb: int = 64
    tmp_mb: int = 64
    max_files: int = 1000

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            low, high = _BOUNDS[f.name]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValidationError(f"Limits.{f.name} must be a number, not {type(value).__name__}",
                                      hint=f"pass a number between {low} and {high}")
            if f.name != "wall_s" and not isinstance(value, int):
                raise ValidationError(f"Limits.{f.name} must be a whole number, not {value!r}",
                                      hint=f"pass an int between {low} and {high}")
            if not low <= value <= high:
                raise ValidationError(f"Limits.{f.name}={value!r} is outside {low}..{high}",
                                      hint="pick a value inside that range")

    @property
    def process_memory_mb(self) -> int:
        """The address-space cap of one process: ``memory_mb``, but never more than the run's total."""
        return min(self.memory_mb, self.total_memory_mb)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RunResult:
    """What a sandboxed run did.

    ``status``: ``ok`` (exit 0), ``error`` (non-zero exit), ``timeout`` (wall
    clock ran out; killed), ``killed`` (a signal ended it: a limit such as CPU
    time or file size, the output cap or the run's total memory), ``refused``
    (never started: an unsafe file name, unknown language, too many files).
    ``lost`` appears only in the history: the supervisor died mid-run. ``reason`` says why in
    words for everything but ``ok``/``error``. ``signal`` is the signal number
    that ended the program, if any. Exit codes 129..192 are read as "killed by
    signal code-128", as shells do, because bubblewrap reports them that way.
    """

    status: str
    exit_code: int | None
    stdout: str
    stderr: str
    truncated: bool
    duration_ms: float
    resources: dict[str, Any]
    signal: int | None = None
    reason: str | None = None
    language: str | None = None
    entry: str | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    execution_id: int | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def signal_name(self) -> str | None:
        if self.signal is None:
            return None
        try:
            return _signal.Signals(self.signal).name
        except ValueError:
            return f"signal {self.signal}"

    def with_execution_id(self, execution_id: int) -> RunResult:
        return replace(self, execution_id=execution_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __repr__(self) -> str:
        bits = [f"<RunResult {self.status}"]
        if self.exit_code is not None:
            bits.append(f"exit={self.exit_code}")
        if self.signal is not None:
            bits.append(str(self.signal_name))
        bits.append(f"{self.duration_ms:.0f}ms")
        if self.truncated:
            bits.append("truncated")
        if self.reason:
            bits.append(f"reason={self.reason!r}")
        bits.append(f"stdout={self.stdout[:40]!r}>")
        return " ".join(bits)

    def _repr_html_(self) -> str:
        colour = {"ok": "#1a7f37", "error": "#cf222e"}.get(self.status, "#9a6700")
        head = (f"<b style='color:{colour}'>{html.escape(self.status)}</b> · exit {self.exit_code} · "
                f"{self.duration_ms:.0f} ms · {html.escape(str(self.entry))} ({html.escape(str(self.language))})")
        if self.reason:
            head += f"<br><small>{html.escape(self.reason)}</small>"
        out = html.escape(self.stdout[:20000])
        err = html.escape(self.stderr[:20000])
        return (f"<div>{head}<pre style='max-height:20em;overflow:auto'>{out}</pre>"
                f"<pre style='max-height:10em;overflow:auto;color:#cf222e'>{err}</pre></div>")
