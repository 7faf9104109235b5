"""CLI: `qldrops analyze ID|FILE`, `analyze-all`, `suggest ID [--apply S]`, `project WORKFLOW --out DIR | --zip FILE`.

Each command is one library call; qldrops/cli/__init__.py registers them lazily.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..analysis import analyze as analyze_text
from . import Context, engine_options, output, pass_ctx


def _show(ctx: Context, a) -> None:
    if ctx.as_json:
        output(ctx, a.to_dict())
        return
    click.echo(repr(a))
    click.echo(a.summary)
    if a.quality_coverage:
        click.echo(f"  quality: {'not measured' if a.quality_score is None else a.quality_score} "
                   f"({a.quality_coverage})")
    if a.quality_cap:
        click.echo(f"  {a.quality_cap['reason']} (uncapped {a.quality_cap['uncapped']})")
    for name, part in a.quality_parts.items():
        score = "  n/m" if part["score"] is None else f"{part['score']:5.1f}"
        click.echo(f"  {name:16s} {score}  x{part['weight']:.2f}  {part['detail']}"
                   + (f"  [{part['measured_by']}]" if part.get("measured_by") else ""))
    for i in a.issues:
        click.echo(f"  line {i['line']:>4}  {i['severity']:6s} {i['rule']}: {i['message']}  -> {i.get('hint', '')}")
    for e in a.errors:
        click.echo(f"  partial: {e['analyser']}: {e['error']}")
    for n in a.notes:
        click.echo(f"  note: {n}")


@click.command()
@click.argument("target")
@click.option("--language", "-l", help="Declared language (overrides detection for a FILE).")
@click.option("--force", is_flag=True, help="Recompute even if a result for this content is stored.")
@pass_ctx
def analyze(ctx: Context, target: str, language: str | None, force: bool):
    """Analyse a drop (by id) or a local FILE: language, frameworks, quality, security, summary."""
    if target.isdigit() and not Path(target).exists():
        _show(ctx, ctx.store.analyze(int(target), force=force))
        return
    path = Path(target)
    if not path.is_file():
        raise click.BadParameter(f"{target!r} is neither a drop id nor a file", param_hint="TARGET")

    _show(ctx, analyze_text(path.read_bytes(), path.name, language=language))


@click.command("analyze-all")
@click.option("--workflow", "workflow_id", help="Only this workflow's drops.")
@click.option("--type", "drop_type", help="Only drops of this type.")
@click.option("--processes", default=2, show_default=True, help="Worker processes.")
@click.option("--force", is_flag=True, help="Recompute stored results too.")
@engine_options(batch=50)
@pass_ctx
def analyze_all(ctx: Context, workflow_id: str | None, drop_type: str | None, processes: int, force: bool,
                engine: str, scheduler: str, workers: int, batch: int):
    """Analyse every current drop (results are stored with the drops and reused).

    With --engine dask or --engine ray the files are analysed on a cluster's workers, which
    write the results back in batches; a killed worker's batch is retried, nothing stored is redone.
    """
    output(ctx, ctx.store.analyze_all(workflow_id, drop_type, processes=processes, force=force, engine=engine,
                                      scheduler=scheduler, workers=workers, batch=batch))


@click.command()
@click.argument("workflow_id")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Write the files under this folder.")
@click.option("--zip", "zip_path", type=click.Path(dir_okay=False), help="Write a zip file.")
@pass_ctx
def project(ctx: Context, workflow_id: str, out_dir: str | None, zip_path: str | None):
    """Build WORKFLOW's multi-file project; show its tree, or export it with --out / --zip."""
    p = ctx.store.project(workflow_id)
    if out_dir:
        written = p.write_to(out_dir)
        click.echo(f"wrote {len(written)} files under {out_dir}", err=ctx.as_json)
    if zip_path:
        p.to_zip(zip_path)
        click.echo(f"wrote {zip_path}", err=ctx.as_json)
    if ctx.as_json:
        output(ctx, p.to_dict())
        return
    click.echo(p.tree)
    click.echo(repr(p))
    for c in p.conflicts:
        if "moved_to" in c:
            click.echo(f"  conflict: {c['path']}: {c['rule']} (drop {c['kept']})")
        else:
            click.echo(f"  conflict: {c['path']}: kept drop {c['kept']}, dropped {c['dropped']} ({c['rule']})")
    for n in p.notes:
        click.echo(f"  note: {n}")


@click.command()
@click.argument("drop_id", type=int)
@click.option("--apply", "apply_id", help="Apply this suggestion as a new version.")
@click.option("--dismiss", "dismiss_id", help="Record that this suggestion was not taken.")
@pass_ctx
def suggest(ctx: Context, drop_id: int, apply_id: str | None, dismiss_id: str | None):
    """Concrete fixes for a drop (diffs from ruff, gofmt, shellcheck, secrets moved to the environment)."""
    if apply_id:
        d = ctx.store.apply_suggestion(drop_id, apply_id)
        output(ctx, {"drop_id": d.id, "version": d.version, "applied": apply_id})
        return
    if dismiss_id:
        ctx.store.dismiss_suggestion(drop_id, dismiss_id)
        output(ctx, {"drop_id": drop_id, "dismissed": dismiss_id})
        return
    found = ctx.store.suggest(drop_id)
    if ctx.as_json:
        output(ctx, [s.to_dict() for s in found])
        return
    if not found:
        click.echo(f"no suggestions for drop {drop_id}")
    for s in found:
        click.echo(f"{s.id}  {s.source}: {s.title} ({s.lines_changed} lines)")
        click.echo(s.diff)
