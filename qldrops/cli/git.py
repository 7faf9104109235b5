"""``qldrops git export WORKFLOW DIR`` and ``qldrops git import DIR --workflow W``.

Each drop version is a commit (author, date, message); forks of the workflow are
branches. An import writes each commit of ``main`` as new drops and versions and
turns the other branches into forks. Export, import, export gives identical trees
and messages.
"""

from __future__ import annotations

import json

import click

from .sharing import _store


@click.group("git")
def git_group() -> None:
    """Git in and out: a workflow's history as a repository, and back."""


@git_group.command("export")
@click.argument("workflow_id")
@click.argument("directory", type=click.Path(file_okay=False))
@click.pass_context
def git_export(ctx: click.Context, workflow_id: str, directory: str) -> None:
    """Write WORKFLOW_ID's history to a new git repository in DIRECTORY (forks become branches)."""
    report = _store(ctx).git_export(workflow_id, directory)
    _say(ctx, report, f"{report['commits']} commits on {len(report['branches'])} branch(es) in {report['path']}")


@git_group.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--workflow", "workflow_id", required=True, help="The new workflow to import into.")
@click.pass_context
def git_import(ctx: click.Context, directory: str, workflow_id: str) -> None:
    """Bring the history of the git repository in DIRECTORY into the new workflow --workflow."""
    report = _store(ctx).git_import(directory, workflow_id=workflow_id)
    forks = f", forks {', '.join(report['forks'])}" if report["forks"] else ""
    _say(ctx, report, f"{report['drops']} drops, {report['versions']} versions into {workflow_id!r}{forks}")


def _say(ctx: click.Context, report: dict, text: str) -> None:
    if bool(getattr(ctx.find_root().obj, "as_json", False)):
        click.echo(json.dumps(report, indent=2, default=str))
    else:
        click.echo(text)
