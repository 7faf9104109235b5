"""The ``executions`` table: one row per run, written before the run starts.

The row is inserted as ``running`` in its own committed transaction *before*
the sandbox starts, then updated with the result. So a run whose supervisor
dies (the process is killed, the machine reboots) still leaves a trace. The row
records who supervises it (host, boot, pid and the pid's start time) and its
wall-clock limit; :func:`mark_lost`, called before a run starts and before the
history is read, turns a ``running`` row into ``lost`` (with the reason) when its
supervisor is gone from this machine, or when it is older than its wall-clock
limit plus :data:`LOST_GRACE_S` (the only test that works across machines).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import socket
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from ..errors import ValidationError
from ..store import schema as t
from ..store.models import Listing
from .models import _BOUNDS, Limits, RunResult

log = logging.getLogger(__name__)

LOST_GRACE_S = 120.0  # beyond the wall-clock limit: sandbox setup, writing the result, a slow database
_STORE_TEXT_LIMIT = 4 * 1024 * 1024  # characters of stdout/stderr kept in the row (the output cap is lower)


def _db_text(text: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL; a program may print one. Keep everything else as is."""
    if text is None:
        return None
    text = text[:_STORE_TEXT_LIMIT]
    return text.replace("\x00", "\ufffd")


def _db_json(value: Any) -> Any:
    """JSONB rejects \\u0000 too (a reason can quote program output)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {k: _db_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_db_json(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Execution:
    """One row of the run history."""

    id: int
    workspace: str
    status: str
    language: str
    file: str | None
    exit_code: int | None
    duration_ms: float | None
    truncated: bool
    started_at: dt.datetime
    finished_at: dt.datetime | None
    drop_id: int | None
    workflow_id: str | None
    preview_id: int | None
    actor: str | None
    stdout: str | None
    stderr: str | None
    resources: dict[str, Any]

    @property
    def reason(self) -> str | None:
        return (self.resources or {}).get("reason")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __repr__(self) -> str:
        return (f"<Execution {self.id} {self.status} {self.language} {self.file!r} exit={self.exit_code} "
                f"drop={self.drop_id} by={self.actor!r}>")

    def _repr_html_(self) -> str:
        return (f"<div><b>Execution {self.id}</b> · {html.escape(self.status)} · {html.escape(self.language)} "
                f"<code>{html.escape(str(self.file))}</code> · exit {self.exit_code}"
                f"<pre style='max-height:12em;overflow:auto'>{html.escape((self.stdout or '')[:8000])}</pre></div>")


class ExecutionList(Listing[Execution]):
    """``store.executions(...)``; ``to_frame()`` shows output lengths, not the output."""

    columns = ("id", "status", "language", "file", "exit_code", "duration_ms", "truncated", "reason", "drop_id",
               "workflow_id", "preview_id", "actor", "started_at", "finished_at", "cpu_s", "max_rss_kb",
               "stdout_chars", "stderr_chars")

    def _row(self, e: Execution) -> dict[str, Any]:
        row = {c: getattr(e, c) for c in ("id", "status", "language", "file", "exit_code", "duration_ms",
                                          "truncated", "reason", "drop_id", "workflow_id", "preview_id", "actor",
                                          "started_at", "finished_at")}
        res = e.resources or {}
        row.update(cpu_s=res.get("cpu_s"), max_rss_kb=res.get("max_rss_kb"),
                   stdout_chars=len(e.stdout or ""), stderr_chars=len(e.stderr or ""))
        return row


def _boot_id() -> str | None:
    try:
        with open("/proc/sys/kernel/random/boot_id") as fh:
            return fh.read().strip()
    except OSError:
        return None


def _pid_start(pid: int) -> int | None:
    """The start time of ``pid`` in clock ticks since boot (``/proc/<pid>/stat`` field 22), or None if gone.

    Together with the pid it names one process: a pid reused later has another start time.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[-1].split()
        if fields[0] in (b"Z", b"X"):  # a zombie supervises nothing
            return None
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def supervisor_identity() -> dict[str, Any]:
    """Who supervises a run started by this process: host, boot, pid and the pid's start time."""
    pid = os.getpid()
    return {"host": socket.gethostname(), "boot_id": _boot_id(), "pid": pid, "pid_start": _pid_start(pid)}


def _supervisor_gone(sup: Any) -> bool:
    """True when ``sup`` (a row's supervisor identity) names a process of this machine that no longer runs."""
    if not isinstance(sup, dict) or sup.get("host") != socket.gethostname():
        return False
    boot = _boot_id()
    if sup.get("boot_id") and boot and sup["boot_id"] != boot:
        return True  # the machine restarted since
    pid = sup.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    started = _pid_start(pid)
    return started is None or (sup.get("pid_start") is not None and started != sup["pid_start"])


def start(store: Any, *, language: str, file: str | None, drop_id: int | None, workflow_id: str | None,
          preview_id: int | None, actor: str | None, limits: Limits | None = None) -> int:
    """Insert the ``running`` row (with its supervisor and wall-clock limit) and commit it; returns its id."""
    resources = {"supervisor": supervisor_identity(), "wall_s": (limits or Limits()).wall_s}
    with store.transaction() as conn:
        result = conn.execute(t.executions.insert().values(
            workspace=store.workspace, drop_id=drop_id, workflow_id=workflow_id, preview_id=preview_id,
            actor=actor, language=language or "unknown", file=file, status="running", truncated=False,
            resources=_db_json(resources), started_at=t.now()))
        return int(result.inserted_primary_key[0])


def mark_lost(store: Any, *, grace_s: float = LOST_GRACE_S) -> int:
    """Turn every ``running`` row whose supervisor is gone into ``lost``; returns how many.

    Gone: its supervisor process no longer runs on this machine, or the row is older than
    its wall-clock limit plus ``grace_s`` (rows of other machines, or from before the
    supervisor was recorded, can only be judged by age). Rows of every workspace are
    checked: a lost row is nobody's run any more. The update is guarded by
    ``status = 'running'`` so a run that finishes meanwhile keeps its result.
    """
    e = t.executions
    now = t.now()
    with store.reading() as conn:
        rows = conn.execute(sa.select(e.c.id, e.c.resources, e.c.started_at)
                            .where(e.c.status == "running").order_by(e.c.id).limit(10_000)).all()
    lost: list[tuple[int, dict[str, Any], str]] = []
    for row in rows:
        res = dict(row.resources or {})
        wall = res.get("wall_s")
        if isinstance(wall, bool) or not isinstance(wall, (int, float)):
            wall = _BOUNDS["wall_s"][1]
        started = row.started_at
        if started is not None and started.tzinfo is None:
            started = started.replace(tzinfo=dt.UTC)
        if _supervisor_gone(res.get("supervisor")):
            sup = res["supervisor"]
            reason = f"the supervisor (pid {sup.get('pid')} on {sup.get('host')}) ended before the run finished"
        elif started is not None and (now - started).total_seconds() > float(wall) + grace_s:
            reason = (f"still 'running' {(now - started).total_seconds():.0f} s after it started, past its "
                      f"wall-clock limit of {float(wall):g} s plus {grace_s:g} s: its supervisor was lost")
        else:
            continue
        lost.append((row.id, res, reason))
    if not lost:
        return 0
    marked = 0
    with store.transaction() as conn:
        for execution_id, res, reason in lost:
            result = conn.execute(e.update().where(e.c.id == execution_id, e.c.status == "running").values(
                status="lost", stderr=_db_text(reason), resources=_db_json({**res, "reason": reason}),
                finished_at=now))
            marked += result.rowcount or 0
    if marked:
        log.warning("marked %d execution(s) as lost (their supervisor died mid-run)", marked)
    return marked


def finish(store: Any, execution_id: int, result: RunResult) -> None:
    """Write a run's outcome into its row."""
    values = {
        "status": result.status,
        "exit_code": result.exit_code,
        "stdout": _db_text(result.stdout),
        "stderr": _db_text(result.stderr),
        "truncated": bool(result.truncated),
        "duration_ms": result.duration_ms,
        "resources": _db_json({**result.resources, "reason": result.reason, "signal": result.signal}),
        "finished_at": result.finished_at or t.now(),
    }
    if result.language:
        values["language"] = result.language
    with store.transaction() as conn:
        conn.execute(t.executions.update().where(t.executions.c.id == execution_id).values(**values))
        _log_finished(store, conn, execution_id)


def _log_finished(store: Any, conn: Any, execution_id: int) -> None:
    """A change-log row for a finished run of a drop, so that ``store.watch`` sees it."""
    drop_id = conn.execute(sa.select(t.executions.c.drop_id).where(t.executions.c.id == execution_id)).scalar()
    if drop_id is not None:
        store.log_change(conn, drop_id, "run", execution_id, None)


def fail(store: Any, execution_id: int, status: str, reason: str) -> None:
    """Close a row whose run never produced a result (sandbox setup failed, interrupted)."""
    with store.transaction() as conn:
        conn.execute(t.executions.update().where(t.executions.c.id == execution_id).values(
            status=status, stderr=_db_text(reason), resources=_db_json({"reason": reason}), finished_at=t.now()))
        _log_finished(store, conn, execution_id)


def listing(store: Any, *, preview_id: int | None = None, drop_id: int | None = None,
            workflow_id: str | None = None, status: str | None = None, limit: int = 100) -> ExecutionList:
    """The newest runs first, in the store's workspace."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100_000:
        raise ValidationError(f"limit must be an integer between 1 and 100000, not {limit!r}")
    e = t.executions
    q = sa.select(e).where(e.c.workspace == store.workspace)
    if preview_id is not None:
        q = q.where(e.c.preview_id == preview_id)
    if drop_id is not None:
        q = q.where(e.c.drop_id == drop_id)
    if workflow_id is not None:
        q = q.where(e.c.workflow_id == workflow_id)
    if status is not None:
        q = q.where(e.c.status == status)
    q = q.order_by(e.c.id.desc()).limit(limit)
    with store.reading() as conn:
        rows = conn.execute(q).all()
    return ExecutionList(Execution(
        id=r.id, workspace=r.workspace, status=r.status, language=r.language, file=r.file, exit_code=r.exit_code,
        duration_ms=r.duration_ms, truncated=bool(r.truncated), started_at=r.started_at, finished_at=r.finished_at,
        drop_id=r.drop_id, workflow_id=r.workflow_id, preview_id=r.preview_id, actor=r.actor, stdout=r.stdout,
        stderr=r.stderr, resources=r.resources or {}) for r in rows)
