"""``qldrops doctor``: one line per check (ok / warn / fail) and what to do next; exit 1 on a failure."""

from __future__ import annotations

import json

import click

from ..doctor import failed, run_checks
from ..settings import Settings


@click.command("doctor")
@click.pass_context
def doctor(ctx: click.Context) -> None:
    """Check the database and its schema, free disk, the index folder, the sandbox and Redis."""
    obj = ctx.obj  # the `qldrops` group's Context (--db, --workspace, --json); None when invoked alone
    overrides = {"database_url": getattr(obj, "url", None), "workspace": getattr(obj, "workspace", None)}
    checks = run_checks(Settings.from_env(**overrides))
    if getattr(obj, "as_json", False):
        click.echo(json.dumps({"ok": not failed(checks), "checks": [c.to_dict() for c in checks]}, indent=2))
    else:
        for check in checks:
            click.echo(str(check))
    ctx.exit(1 if failed(checks) else 0)
