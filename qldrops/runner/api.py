"""``run_files``: run a project's files in the sandbox and say what happened.

The only entry point the store, the CLI and the server use. It never lets the
program's failure escape as an exception: a crash, a limit, a refusal are all
results. It raises ``SandboxError`` only when the sandbox itself cannot be set
up (bwrap missing, namespaces not allowed), because then nothing ran at all.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import signal as _signal
from collections.abc import Callable, Mapping

from ..errors import SandboxError
from .cgroup import MemoryCgroup
from .files import Refused, prepare
from .languages import LANGUAGES, Language, get_language, runtime_for
from .models import Limits, RunResult
from .sandbox import (BwrapSandbox, Plan, Sandbox, allocate_uid, can_switch_uid, resident_bytes_of_uid,
                      sweep_orphaned_runs, sweep_uid)
from .supervise import Outcome, supervise

log = logging.getLogger(__name__)

_LIMIT_SIGNALS: dict[int, str] = {
    _signal.SIGXCPU: "CPU time limit reached",
    _signal.SIGXFSZ: "file size limit reached",
}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def refused(reason: str, *, language: str | None = None, entry: str | None = None,
            limits: Limits | None = None) -> RunResult:
    """A result for a run that never started; ``stderr`` carries the reason so a viewer sees it."""
    now = _now()
    return RunResult(status="refused", exit_code=None, stdout="", stderr=reason, truncated=False, duration_ms=0.0,
                     resources={"limits": (limits or Limits()).to_dict()}, reason=reason, language=language,
                     entry=entry, started_at=now, finished_at=now)


def _pick_language(language: str | None, entry: str, text: bytes) -> Language:
    if language:
        lang = get_language(language)
        if lang is None:
            raise Refused(f"cannot run language {language!r}; supported: {', '.join(sorted(LANGUAGES))}")
        return lang
    lang = runtime_for(entry, text)
    if lang is None:
        raise Refused(f"cannot tell the language of {entry!r} from its extension; pass language= "
                      f"(one of {', '.join(sorted(LANGUAGES))})")
    return lang


def run_files(files: Mapping[str, str | bytes], entry: str, language: str | None = None, limits: Limits | None = None,
              stdin: str | bytes | None = None, *, sandbox: Sandbox | None = None,
              on_output: Callable[[str, bytes], None] | None = None) -> RunResult:
    """Run ``entry`` from ``files`` ({relative path: text}) in a fresh sandbox.

    ``on_output(stream, chunk)`` receives the output as it arrives ("stdout"/"stderr", bytes), for
    a page that streams it; the result holds it all the same.

    ``language`` is detected from the entry's extension (or ``#!`` line) when
    None. Returns a :class:`RunResult` whatever the program does; raises
    :class:`~qldrops.errors.SandboxError` only if the sandbox cannot start.
    """
    limits = limits or Limits()
    sandbox = sandbox or BwrapSandbox()
    sandbox.check()  # a missing bwrap is an error to fix, never a silent unsandboxed run
    try:
        project, entry_path = prepare(files, entry, max_files=limits.max_files,
                                      max_bytes=limits.scratch_mb * 1024 * 1024 // 2)
        text = dict(project.files)[entry_path]
        lang = _pick_language(language, entry_path, text)
    except Refused as e:
        known = get_language(language) if language else None
        lang_name = known.name if known else language
        return refused(str(e), language=lang_name, entry=entry if isinstance(entry, str) else None, limits=limits)
    interpreter, extra_binds = lang.resolve()
    sweep_orphaned_runs()  # sandboxes whose supervisor was killed run on without a wall clock: end them
    started_at = _now()
    host_uid = allocate_uid() if can_switch_uid() else None
    status_read, status_write = os.pipe2(os.O_CLOEXEC)
    os.set_inheritable(status_write, True)
    plan = Plan(argv=lang.argv(interpreter, entry_path), project=project, limits=limits,
                extra_ro_binds=extra_binds, host_uid=host_uid, status_fd=status_write)
    try:
        launch = sandbox.command(plan)
    except BaseException:
        os.close(status_read)
        os.close(status_write)
        raise
    stdin_bytes = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    total_bytes = limits.total_memory_mb * 1024 * 1024
    cgroup = MemoryCgroup.create(f"run-{os.getpid()}-{secrets.token_hex(4)}", total_bytes) if host_uid else None
    try:
        outcome = supervise(launch.argv, pass_fds=launch.pass_fds,
                            close_after_spawn=[*launch.owned_fds, status_write], status_read=status_read,
                            host_uid=host_uid, wall_s=limits.wall_s, output_bytes=limits.output_bytes,
                            stdin=stdin_bytes, kill_uid=sweep_uid, memory_limit_bytes=total_bytes,
                            memory_of_uid=resident_bytes_of_uid, cgroup=cgroup, on_output=on_output)
    finally:
        if cgroup is not None:
            cgroup.remove()
    launch.owned_fds.clear()  # closed by supervise
    finished_at = _now()
    if outcome.setup_failed:
        message = outcome.stderr.decode("utf-8", "replace").strip() or f"wait status {outcome.wait_status}"
        raise SandboxError(f"the sandbox could not start: {message}",
                           hint="check that unprivileged user namespaces are allowed "
                                "(sysctl user.max_user_namespaces > 0) and bwrap works: `bwrap --ro-bind / / true`")
    return _result(outcome, lang, entry_path, limits, started_at, finished_at, host_uid,
                   "cgroup" if cgroup is not None else ("watchdog" if host_uid is not None else "rlimit"))


def _result(o: Outcome, lang: Language, entry: str, limits: Limits, started_at: dt.datetime,
            finished_at: dt.datetime, host_uid: int | None, memory_bound: str = "rlimit") -> RunResult:
    sig: int | None = None
    reason: str | None = None
    exit_code = o.exit_code
    if o.timed_out:
        status, sig, reason = "timeout", int(_signal.SIGKILL), f"wall-clock limit of {limits.wall_s:g} s reached"
        exit_code = None
    elif o.capped:
        status, sig = "killed", int(_signal.SIGKILL)
        reason = f"output cap of {limits.output_bytes} bytes reached"
        exit_code = None
    elif o.memory_capped:
        status, sig = "killed", int(_signal.SIGKILL)
        reason = f"memory limit of the run ({limits.total_memory_mb} MB for all its processes together) reached"
        exit_code = None
    elif exit_code is None:
        # bwrap itself was killed (by a limit on it, or from outside) before reporting.
        status, reason = "killed", "the sandbox ended without reporting an exit code"
        if o.wait_status >= 0 and os.WIFSIGNALED(o.wait_status):
            sig = os.WTERMSIG(o.wait_status)
    elif exit_code == 0:
        status = "ok"
    elif 128 < exit_code <= 128 + 64:
        status, sig = "killed", exit_code - 128
        reason = _LIMIT_SIGNALS.get(sig) or f"killed by {_signame(sig)}"
        if sig == _signal.SIGKILL and o.usage["utime"] + o.usage["stime"] >= limits.cpu_s:
            reason = "CPU time limit reached"
    else:
        status = "error"
    u = o.usage
    resources = {
        "cpu_s": round(u["utime"] + u["stime"], 4),
        "user_s": round(u["utime"], 4),
        "sys_s": round(u["stime"], 4),
        "max_rss_kb": u["maxrss_kb"],
        "stdout_bytes": o.stdout_bytes,
        "stderr_bytes": o.stderr_bytes,
        "signal": sig,
        "reason": reason,
        "host_uid": host_uid,
        "processes_killed": o.leftovers_killed,
        "peak_memory_kb": o.peak_memory_bytes // 1024,
        "memory_bound": memory_bound,
        "sandbox": "bwrap",
        "limits": limits.to_dict(),
    }
    return RunResult(status=status, exit_code=exit_code, stdout=o.stdout.decode("utf-8", "replace"),
                     stderr=o.stderr.decode("utf-8", "replace"), truncated=o.truncated,
                     duration_ms=round(o.duration_ms, 3), resources=resources, signal=sig, reason=reason,
                     language=lang.name, entry=entry, started_at=started_at, finished_at=finished_at)


def _signame(sig: int) -> str:
    try:
        return _signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"
