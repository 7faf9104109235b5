"""``qldrops run ID [--file F]``: run a drop's code in the sandbox, print what it printed.

The command exits with the program's own exit code, so it composes in shell
scripts; a run the sandbox stopped exits 124 (timeout, like ``timeout(1)``),
137 (killed by a limit) or 2 (refused).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..client import connect
from ..runner.models import Limits

_EXIT = {"timeout": 124, "killed": 137, "refused": 2}


@click.command("run")
@click.argument("drop_id", type=int)
@click.option("--file", "-f", "file", help="Entry file inside the workflow's project (default: the drop's own file).")
@click.option("--language", "-l", help="python, javascript, shell or bash (default: from the file extension).")
@click.option("--timeout", "wall_s", type=float, default=None, help="Wall-clock limit in seconds (default 10).")
@click.option("--memory", "memory_mb", type=int, default=None, help="Address-space limit per process, in MB.")
@click.option("--stdin", "stdin_file", type=click.File("rb"), default=None, help="Feed this file to the program.")
@click.option("--alone", is_flag=True, help="Run the drop by itself, without the rest of its workflow's project.")
@click.option("--actor", default=None, help="Name recorded in the run history (default: the token's user).")
@click.pass_context
def run(ctx: click.Context, drop_id: int, file: str | None, language: str | None, wall_s: float | None,
        memory_mb: int | None, stdin_file, alone: bool, actor: str | None) -> None:
    """Run drop DROP_ID's code in the sandbox (no network, no host files) and record the run."""
    obj = ctx.obj  # the `qldrops` group's Context (store, --json); None when invoked on its own
    as_json = bool(getattr(obj, "as_json", False))
    # QldropsErrors propagate: `qldrops.cli.main` prints them with their hint and exits 2.
    store = obj.store if obj is not None and hasattr(obj, "store") else _connect()
    overrides: dict[str, Any] = {k: v for k, v in {"wall_s": wall_s, "memory_mb": memory_mb}.items() if v is not None}
    limits = Limits(**overrides)
    result = store.run(drop_id, file=file, actor=actor, language=language, limits=limits,
                       stdin=stdin_file.read() if stdin_file else None, project=not alone)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, default=str, ensure_ascii=False))
    else:
        sys.stdout.write(result.stdout)
        sys.stdout.flush()
        sys.stderr.write(result.stderr)
        summary = f"[{result.status}] exit={result.exit_code} {result.duration_ms:.0f} ms"
        summary += f" cpu={result.resources.get('cpu_s')} s" if "cpu_s" in result.resources else ""
        if result.truncated:
            summary += " (output truncated)"
        if result.reason:
            summary += f": {result.reason}"
        click.echo(f"{summary} (execution {result.execution_id})", err=True)
    code = _exit_code(result)
    if code:
        # SystemExit, not ctx.exit: `qldrops.cli.main` runs click with standalone_mode=False,
        # where click turns ctx.exit(n) into a return value that main() does not pass on.
        raise SystemExit(code)


def _exit_code(result) -> int:
    if result.status in _EXIT:
        return _EXIT[result.status]
    return int(result.exit_code or 0) if result.status != "ok" else 0


def _connect():
    return connect()
