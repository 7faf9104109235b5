"""`qldrops demo`: load the demo corpus into the current store and print what it holds.

Loaded lazily by :mod:`qldrops.cli` (one library call: :func:`qldrops.demo.load`).
"""

from __future__ import annotations

import click

from ..cli import output, pass_ctx


@click.command()
@click.option("--seed", type=int, default=0, show_default=True, help="Varies timestamps and counts, not the texts.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show a progress bar.")
@pass_ctx
def demo(ctx, seed: int, progress: bool) -> None:
    """Load the demo corpus (43 workflows, forks, edits) once; a second run changes nothing."""
    from . import load

    summary = load(ctx.store, seed=seed, progress=progress)
    if ctx.as_json:
        output(ctx, summary)
        return
    state = "already present, nothing written" if summary["skipped"] else "loaded"
    click.echo(f"demo corpus {state} in {ctx.store!r}")
    output(ctx, {**summary, "languages": ", ".join(summary["languages"]),
                 "analysts": ", ".join(summary["analysts"])})
    click.echo("\nnext: `qldrops list`, `qldrops search 'jwt refresh'`, `qldrops stats`")
