"""Click commands for workspaces, users, tokens, share links and analytics.

Each command is one library call. The store comes from the root context
(``ctx.obj`` a Store, or a dict with ``"store"``: a Store or a zero-argument
factory); without one, ``qldrops.connect()`` is used with ``QLDROPS_TOKEN`` if
set (a token is read from the environment, never from argv, where ``ps`` shows it).
"""

from __future__ import annotations

import json
import os
from typing import Any

import click

import qldrops


def _store(ctx: click.Context) -> Any:
    obj = ctx.find_root().obj
    if obj is not None and hasattr(obj, "previews"):
        return obj
    if obj is not None and hasattr(obj, "store") and not isinstance(obj, dict):  # qldrops.cli.Context
        return obj.store
    if isinstance(obj, dict) and obj.get("store") is not None:
        s = obj["store"]
        s = s() if callable(s) and not hasattr(s, "previews") else s
        obj["store"] = s
        return s

    s = qldrops.connect(token=os.environ.get("QLDROPS_TOKEN") or None)
    if isinstance(obj, dict):
        obj["store"] = s
    else:
        ctx.find_root().obj = s
    return s


def _table(listing) -> None:
    frame = listing.to_frame()
    click.echo("(none)" if frame.empty else frame.to_string(index=False))


_ws = click.option("--workspace", "-w", default=None, help="Workspace (default: the connection's).")


@click.group("workspace")
def workspace_group() -> None:
    """Workspaces (creating one needs a local connection, not a token)."""


@workspace_group.command("create")
@click.argument("name")
@click.pass_context
def workspace_create(ctx, name):
    """Create workspace NAME."""
    click.echo(f"created workspace {_store(ctx).workspaces.create(name).id}")


@workspace_group.command("list")
@click.pass_context
def workspace_list(ctx):
    """List workspaces."""
    _table(_store(ctx).workspaces.list())


@click.group("user")
def user_group() -> None:
    """Users and their roles (viewer, editor, admin)."""


@user_group.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), default="viewer", show_default=True)
@_ws
@click.pass_context
def user_create(ctx, name, role, workspace):
    """Create user NAME in a workspace."""
    u = _store(ctx).users.create(name, workspace=workspace, role=role)
    click.echo(f"created user {u.name} ({u.role}) in {u.workspace}")


@user_group.command("list")
@_ws
@click.pass_context
def user_list(ctx, workspace):
    """List the users of a workspace."""
    _table(_store(ctx).users.list(workspace=workspace))


@user_group.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(["viewer", "editor", "admin"]))
@_ws
@click.pass_context
def user_role(ctx, name, role, workspace):
    """Give user NAME the role ROLE."""
    u = _store(ctx).users.set_role(name, role, workspace=workspace)
    click.echo(f"{u.name} is now {u.role} in {u.workspace}")


@user_group.command("disable")
@click.argument("name")
@_ws
@click.pass_context
def user_disable(ctx, name, workspace):
    """Disable user NAME (their tokens stop working)."""
    u = _store(ctx).users.disable(name, workspace=workspace)
    click.echo(f"disabled {u.name} in {u.workspace}")


@click.group("token")
def token_group() -> None:
    """API tokens (shown once, stored hashed)."""


@token_group.command("issue")
@click.argument("user")
@click.option("--ttl", default=None, help='Lifetime, e.g. "30d" (default: until revoked).')
@_ws
@click.pass_context
def token_issue(ctx, user, ttl, workspace):
    """Issue an API token for USER; it is printed once."""
    token = _store(ctx).tokens.issue(user, ttl=ttl, workspace=workspace)
    click.echo(token)
    click.echo("(shown once: store it now; use it as QLDROPS_TOKEN or qldrops.connect(token=...))", err=True)


@token_group.command("list")
@click.option("--user", default=None)
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked tokens.")
@_ws
@click.pass_context
def token_list(ctx, user, include_revoked, workspace):
    """List tokens (prefixes only)."""
    _table(_store(ctx).tokens.list(user=user, workspace=workspace, include_revoked=include_revoked))


@token_group.command("revoke")
@click.argument("token_id", type=int)
@click.pass_context
def token_revoke(ctx, token_id):
    """Revoke the token with id TOKEN_ID (see `qldrops token list`)."""
    info = _store(ctx).tokens.revoke(token_id)
    click.echo(f"revoked token {info.id} ({info.prefix}…) of {info.user}")


@click.group("preview")
def preview_group() -> None:
    """Share links: /p/<capability> pages that expire."""


@preview_group.command("create")
@click.argument("workflow_id", required=False)
@click.option("--dashboard", type=click.Choice(["preview", "analytics", "explorer"]), default="preview",
              show_default=True, help="What the link opens: one workflow (preview) or the workspace's analytics or "
                                      "explorer dashboard (no WORKFLOW_ID; needs an editor or admin).")
@click.option("--ttl", default="60m", show_default=True, help='"60m", "2h", "7d" (at most 90d).')
@click.option("--drop", "drop_id", type=int, default=None, help="Share one drop of the workflow only.")
@click.option("--title", default=None)
@click.option("--created-by", default=None, help="Name to record as creator (local connections).")
@click.option("--access", type=click.Choice(["view", "comment", "edit"]), default="view", show_default=True,
              help="What visitors may do: view, add line comments, or also edit (save new versions).")
@_ws
@click.pass_context
def preview_create(ctx, workflow_id, dashboard, ttl, drop_id, title, created_by, access, workspace):
    """Share WORKFLOW_ID (or, with --dashboard, the workspace's dashboard); prints the link (shown once)."""
    if dashboard == "preview" and not workflow_id:
        raise click.UsageError("give the WORKFLOW_ID to share, or --dashboard analytics|explorer")
    p = _store(ctx).previews.create(workflow_id, ttl=ttl, dashboard=dashboard, drop_id=drop_id, title=title,
                                    created_by=created_by, workspace=workspace, access=access)
    click.echo(p.url)
    click.echo(f"(preview {p.id}, expires {p.expires_at:%Y-%m-%d %H:%M} UTC; the link is shown once)", err=True)


@preview_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include expired and revoked links.")
@click.option("--workflow", default=None)
@_ws
@click.pass_context
def preview_list(ctx, show_all, workflow, workspace):
    """List share links (never their secrets)."""
    _table(_store(ctx).previews.list(active=None if show_all else True, workflow_id=workflow, workspace=workspace))


@preview_group.command("revoke")
@click.argument("preview_id", type=int)
@click.pass_context
def preview_revoke(ctx, preview_id):
    """Revoke share link PREVIEW_ID now."""
    p = _store(ctx).previews.revoke(preview_id)
    click.echo(f"revoked preview {p.id}")


@preview_group.command("extend")
@click.argument("preview_id", type=int)
@click.argument("ttl")
@click.pass_context
def preview_extend(ctx, preview_id, ttl):
    """Extend share link PREVIEW_ID by TTL (e.g. 30m)."""
    p = _store(ctx).previews.extend(preview_id, ttl)
    click.echo(f"preview {p.id} now expires {p.expires_at:%Y-%m-%d %H:%M} UTC")


@click.command("analytics")
@click.option("--since", default="7d", show_default=True)
@click.option("--engine", type=click.Choice(["duckdb", "pandas"]), default="duckdb", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@_ws
@click.pass_context
def analytics_cmd(ctx, since, engine, as_json, workspace):
    """Views per day, unique viewers, funnel, top workflows, durations."""
    s = _store(ctx).analytics.summary(since=since, workspace=workspace, engine=engine)
    if as_json:
        click.echo(json.dumps({k: json.loads(f.to_json(orient="records", date_format="iso"))
                               for k, f in s.frames().items()}, indent=2))
        return
    click.echo(repr(s))
    for name, frame in s.frames().items():
        click.echo(f"\n{name.replace('_', ' ')}:")
        click.echo("(none)" if frame.empty else frame.to_string(index=False))


COMMANDS = [workspace_group, user_group, token_group, preview_group, analytics_cmd]
