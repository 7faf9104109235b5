"""The `qldrops` command line: each command is one library call.

Commands of the feature packages (index, analysis, previews, runner, server) are
loaded lazily, so `qldrops --help` never imports torch, FAISS or Voila.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import TYPE_CHECKING, Any

import click

from ..errors import QldropsError

if TYPE_CHECKING:
    from ..client import Store

# name -> (module:attribute, one-line help). Imported only when the command runs.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "index": ("qldrops.cli.index:index", "Keep the vector index in sync: sync, verify, rebuild, status."),
    "similar": ("qldrops.cli.index:similar", "Drops most like a drop id or a text."),
    "dupes": ("qldrops.cli.index:dupes", "Near-duplicate drops: exact, lexical and semantic."),
    "clusters": ("qldrops.cli.index:clusters", "Topic clusters of the drops."),
    "analyze": ("qldrops.cli.analysis:analyze", "Analyse a drop or a file: language, quality, security."),
    "analyze-all": ("qldrops.cli.analysis:analyze_all", "Analyse every drop in the store."),
    "suggest": ("qldrops.cli.analysis:suggest", "Fixes for a drop as diffs; --apply S makes one a new version."),
    "project": ("qldrops.cli.analysis:project", "Build a workflow's multi-file project (--out DIR | --zip FILE)."),
    "workspace": ("qldrops.cli.sharing:workspace_group", "Create and list workspaces."),
    "user": ("qldrops.cli.sharing:user_group", "Create and list users."),
    "token": ("qldrops.cli.sharing:token_group", "Issue, list and revoke API tokens."),
    "preview": ("qldrops.cli.sharing:preview_group", "Share links: create, list, revoke, extend."),
    "analytics": ("qldrops.cli.sharing:analytics_cmd", "Usage analytics summary."),
    "git": ("qldrops.cli.git:git_group", "Git in and out: export a workflow's history, import a repository."),
    "run": ("qldrops.cli.runner:run", "Run a drop's code in the sandbox."),
    "serve": ("qldrops.cli.serve:serve", "Start the dashboard server (Voila) for share links."),
    "demo": ("qldrops.cli.demo:demo", "Load the demo corpus and prepare everything a newcomer needs."),
    "doctor": ("qldrops.cli.doctor:doctor", "Check the database, disk, index, sandbox and Redis; say what to fix."),
}


class LazyGroup(click.Group):
    """Commands of the upper layers load only when they run: `qldrops --help` lists them from
    LAZY_COMMANDS without importing the library (SQLAlchemy alone costs ~0.2 s)."""

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        rows = []
        for name in self.list_commands(ctx):
            cmd = super().get_command(ctx, name)
            if cmd is not None:
                if not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(limit)))
            else:
                rows.append((name, LAZY_COMMANDS[name][1]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def get_command(self, ctx, name):
        cmd = super().get_command(ctx, name)
        if cmd is not None or name not in LAZY_COMMANDS:
            return cmd
        target, short = LAZY_COMMANDS[name]
        if ctx.resilient_parsing:  # shell completion: don't import
            return click.Command(name, help=short, short_help=short)
        module, attr = target.split(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as e:
            return click.Command(name, help=short, short_help=f"{short} (unavailable: {e})",
                                 callback=lambda err=e: _unavailable(name, err))


def _unavailable(name: str, error: Exception):
    raise click.ClickException(f"`qldrops {name}` is not available: {error}. Run `make setup` "
                               f"(or pip install 'qldrops[all]').")


class Context:
    def __init__(self, url: str | None, workspace: str | None, as_json: bool, token: str | None = None):
        self.url, self.workspace, self.as_json, self.token = url, workspace, as_json, token
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            from ..client import connect

            self._store = connect(self.url, workspace=self.workspace, token=self.token)
        return self._store


pass_ctx = click.make_pass_decorator(Context)


def output(ctx: Context, value: Any) -> None:
    """Print a result: JSON with --json, else a table or readable text."""
    if ctx.as_json:
        if hasattr(value, "to_frame"):
            value = json.loads(value.to_frame().to_json(orient="records", date_format="iso"))
        elif hasattr(value, "to_dict"):
            value = value.to_dict()
        click.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))
        return
    if hasattr(value, "to_frame"):
        frame = value.to_frame()
        if frame.empty:
            click.echo("(nothing)")
        else:
            import pandas as pd

            with pd.option_context("display.max_rows", 200, "display.max_columns", 20, "display.width", 160,
                                   "display.max_colwidth", 50):
                click.echo(frame.to_string(index=False))
    elif isinstance(value, dict):
        width = max((len(str(k)) for k in value), default=0)
        for k, v in value.items():
            click.echo(f"{str(k).ljust(width)}  {v}")
    else:
        click.echo(str(value))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "url", envvar="QLDROPS_DATABASE_URL", help="Database URL (default: SQLite under data/).")
@click.option("--workspace", "-w", envvar="QLDROPS_WORKSPACE", help="Workspace (default: 'default').")
@click.option("--token", envvar="QLDROPS_TOKEN", help="API token: act as its user (default: local, trusted).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.version_option(package_name="qldrops")
@click.pass_context
def cli(ctx, url, workspace, token, as_json):
    """qldrops: store, search, analyse and share the artifacts of AI code-generation workflows."""
    ctx.obj = Context(url, workspace, as_json, token)


@cli.command()
@pass_ctx
def init(ctx: Context):
    """Create or migrate the database."""
    s = ctx.store
    click.echo(f"ready: {s.url if s.dialect == 'sqlite' else s}")


@cli.command()
@click.option("--workflow", "workflow_id", required=True)
@click.option("--type", "drop_type", required=True, help="e.g. code_generation")
@click.option("--file", "file", type=click.File("rb"), default="-", help="Artifact file (default: stdin).")
@click.option("--metadata", "-m", default=None, help="Metadata as a JSON object.")
@click.option("--capsule")
@click.option("--by", "created_by")
@pass_ctx
def put(ctx: Context, workflow_id, drop_type, file, metadata, capsule, created_by):
    """Store a new drop from a file or stdin."""
    d = ctx.store.put(workflow_id=workflow_id, drop_type=drop_type, artifact=file.read(),
                      metadata=_json_arg(metadata), capsule_id=capsule, created_by=created_by)
    output(ctx, {"id": d.id, "version": d.version, "content_hash": d.content_hash} if not ctx.as_json else d)


@cli.command()
@click.argument("drop_id", type=int)
@click.option("--version", "-v", type=int)
@click.option("--meta", is_flag=True, help="Print the metadata instead of the artifact.")
@pass_ctx
def get(ctx: Context, drop_id, version, meta):
    """Print a drop's artifact (or --meta)."""
    d = ctx.store.get(drop_id, version)
    if ctx.as_json:
        output(ctx, d)
    elif meta:
        click.echo(json.dumps({k: v for k, v in d.to_dict().items() if k != "artifact"}, indent=2, default=str))
    else:
        click.echo(d.artifact, nl=not d.artifact.endswith("\n"))


@cli.command("list")
@click.option("--workflow", "workflow_id")
@click.option("--type", "drop_type")
@click.option("--since")
@click.option("--deleted", is_flag=True, help="Include soft-deleted drops.")
@click.option("--limit", type=int, default=100, show_default=True)
@pass_ctx
def list_(ctx: Context, workflow_id, drop_type, since, deleted, limit):
    """List drops."""
    output(ctx, ctx.store.list(workflow_id=workflow_id, drop_type=drop_type, since=since,
                               include_deleted=deleted, limit=limit))


@cli.command()
@click.argument("drop_id", type=int)
@click.option("--file", "file", type=click.File("rb"), help="New artifact (default: keep).")
@click.option("--metadata", "-m", default=None, help="New metadata as a JSON object (default: keep).")
@click.option("--expected-version", type=int)
@click.option("--by", "created_by")
@pass_ctx
def update(ctx: Context, drop_id, file, metadata, expected_version, created_by):
    """Write a new version of a drop."""
    d = ctx.store.update(drop_id, artifact=file.read() if file else None, metadata=_json_arg(metadata),
                         expected_version=expected_version, created_by=created_by)
    output(ctx, {"id": d.id, "version": d.version})


@cli.command()
@click.argument("drop_id", type=int)
@pass_ctx
def history(ctx: Context, drop_id):
    """Every version of a drop."""
    output(ctx, ctx.store.history(drop_id))


@cli.command()
@click.argument("drop_id", type=int)
@click.argument("from_version", type=int)
@click.argument("to_version", type=int)
@pass_ctx
def diff(ctx: Context, drop_id, from_version, to_version):
    """Unified diff between two versions."""
    d = ctx.store.diff(drop_id, from_version, to_version)
    if ctx.as_json:
        output(ctx, {"unified": d.unified, "added": d.added, "removed": d.removed})
    else:
        click.echo(d.unified + f"\n{d.added} added, {d.removed} removed")


@cli.command()
@click.argument("drop_id", type=int)
@click.option("--to", "to_version", type=int, required=True)
@pass_ctx
def rollback(ctx: Context, drop_id, to_version):
    """A new version equal to an old one (nothing is erased)."""
    d = ctx.store.rollback(drop_id, to_version=to_version)
    output(ctx, {"id": d.id, "version": d.version, "rolled_back_to": to_version})


@cli.command()
@click.argument("drop_id", type=int)
@click.option("--purge", is_flag=True, help="Erase for good instead of a soft delete.")
@pass_ctx
def delete(ctx: Context, drop_id, purge):
    """Soft-delete a drop (restorable), or --purge it."""
    (ctx.store.purge if purge else ctx.store.delete)(drop_id)
    click.echo(f"{'purged' if purge else 'deleted'} drop {drop_id}" + ("" if purge else f"; undo: qldrops restore {drop_id}"))


@cli.command()
@click.argument("drop_id", type=int)
@pass_ctx
def restore(ctx: Context, drop_id):
    """Undo a soft delete."""
    d = ctx.store.restore(drop_id)
    click.echo(f"restored drop {d.id} (v{d.version})")


@cli.command()
@click.argument("source")
@click.argument("target")
@pass_ctx
def fork(ctx: Context, source, target):
    """Branch a workflow (copy-on-write, lineage kept)."""
    output(ctx, ctx.store.fork_workflow(source, target))


@cli.command()
@click.argument("text")
@click.option("--type", "drop_type")
@click.option("--workflow", "workflow_id")
@click.option("--limit", type=int, default=20, show_default=True)
@pass_ctx
def search(ctx: Context, text, drop_type, workflow_id, limit):
    """Full-text search over artifacts and metadata."""
    output(ctx, ctx.store.search(text, drop_type=drop_type, workflow_id=workflow_id, limit=limit))


@cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@pass_ctx
def import_(ctx: Context, path):
    """Import a JSONL file (all or nothing)."""
    output(ctx, ctx.store.import_jsonl(path))


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@click.option("--workflow", "workflow_id")
@pass_ctx
def export(ctx: Context, path, workflow_id):
    """Export drops with their histories and forks as JSONL."""
    n = ctx.store.export_jsonl(path, workflow_id=workflow_id)
    if path != "-":
        click.echo(f"exported {n} drops to {path}")


@cli.command()
@pass_ctx
def stats(ctx: Context):
    """Sizes, deduplication and compression ratios."""
    output(ctx, ctx.store.stats())


@cli.command()
@pass_ctx
def types(ctx: Context):
    """Known drop types."""
    output(ctx, ctx.store.types())


@cli.command("register-type")
@click.argument("name")
@click.option("--schema", help="JSON schema for the metadata, as JSON.")
@click.option("--description", default="")
@pass_ctx
def register_type(ctx: Context, name, schema, description):
    """Accept drops of a new type."""
    ctx.store.register_type(name, schema=_json_arg(schema), description=description)
    click.echo(f"registered drop type {name!r}")


@cli.command()
def settings():
    """The settings, their environment variables and defaults."""
    from ..settings import describe

    for env, default, help_ in describe():
        click.echo(f"{env}\n    default: {default or '(empty)'}\n    {help_}")


def _json_arg(text: str | None):
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise click.BadParameter(f"not valid JSON: {e.msg} at column {e.colno}") from None


def main(argv: list[str] | None = None) -> int:
    try:
        rv = cli.main(args=argv, prog_name="qldrops", standalone_mode=False)
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except QldropsError as e:
        click.echo(f"error: {e.message}", err=True)
        if e.hint:
            click.echo(f"  → {e.hint}", err=True)
        return 2
    except BrokenPipeError:
        return 0
    return rv if isinstance(rv, int) else 0


def engine_options(batch: int):
    """--engine, --scheduler, --workers, --batch: batch work on this process or a Dask or Ray cluster."""
    return lambda fn: _engine_options(fn, batch)


def _engine_options(fn, batch: int):
    fn = click.option("--batch", default=batch, show_default=True, type=int,
                      help="Items per task (--engine dask|ray).")(fn)
    fn = click.option("--workers", default=2, show_default=True, type=int,
                      help="Worker processes of the local cluster (--engine dask|ray without an address).")(fn)
    fn = click.option("--scheduler", default="", metavar="ADDRESS",
                      help="The cluster: a Dask scheduler, tcp://host:8786 (default: QLDROPS_DASK_SCHEDULER), or "
                           "a Ray cluster, ray://host:10001 (default: QLDROPS_RAY_ADDRESS); empty: a local "
                           "cluster.")(fn)
    return click.option("--engine", type=click.Choice(["local", "dask", "ray"]), default="local", show_default=True,
                        help="Where the work runs: this process, a Dask cluster or a Ray cluster.")(fn)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

