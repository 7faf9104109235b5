"""CLI: `qldrops index sync|verify|rebuild|status`, `qldrops similar`, `qldrops dupes`, `qldrops clusters`.

Each command is one library call; heavy imports happen inside the library calls.
"""

from __future__ import annotations

import click

from ..engines import check_engine
from . import Context, engine_options, output, pass_ctx


@click.group()
def index():
    """Keep this machine's vector index an exact mirror of the database."""


@index.command("sync")
@engine_options(batch=128)
@pass_ctx
def sync_cmd(ctx: Context, engine: str, scheduler: str, workers: int, batch: int):
    """Apply the change log since the last sync, embedding what is new (and save the index).

    With --engine dask or --engine ray the embedding runs on a cluster's workers (the model
    loaded once per worker, vectors written back in batches); a killed worker's batch is
    retried and nothing already embedded is embedded again.
    """
    if check_engine(engine) != "local":
        output(ctx, ctx.store.index.sync_distributed(engine=engine, scheduler=scheduler, workers=workers,
                                                     batch=batch).to_dict())
        return
    output(ctx, ctx.store.index.sync(save=True).to_dict())


@index.command("verify")
@click.option("--repair", is_flag=True, help="Fix what differs, incrementally.")
@pass_ctx
def verify_cmd(ctx: Context, repair: bool):
    """Compare (drop id, content hash, model) in the database with the index."""
    report = ctx.store.index.verify(repair=repair)
    if ctx.as_json:
        output(ctx, report.to_dict())
        return
    click.echo(repr(report))
    if not report.to_frame().empty:
        output(ctx, report)
    if not report.ok and not report.repaired:
        click.get_current_context().exit(1)


@index.command("rebuild")
@click.option("--kind", type=click.Choice(["auto", "flat", "hnsw", "ivf", "ivfpq", "numpy"]), default=None,
              help="Index kind (default: chosen by size).")
@pass_ctx
def rebuild_cmd(ctx: Context, kind: str | None):
    """Build the index again from the vectors in the database (never re-embeds)."""
    output(ctx, ctx.store.index.rebuild(kind=kind).to_dict())


@index.command("status")
@pass_ctx
def status_cmd(ctx: Context):
    """Kind, size, lag behind the database, estimated recall."""
    output(ctx, ctx.store.index.status().to_dict())


def _filters(workflow_id, drop_type):
    return {"workflow_id": workflow_id, "drop_type": drop_type}


@click.command()
@click.argument("query")
@click.option("-k", "k", default=10, show_default=True, type=int, help="How many answers.")
@click.option("--workflow", "workflow_id")
@click.option("--type", "drop_type")
@pass_ctx
def similar(ctx: Context, query: str, k: int, workflow_id, drop_type):
    """Drops most like QUERY: a drop id, or a text (the index is brought up to date first)."""
    q: int | str = int(query) if query.strip().isdigit() else query
    ctx.store.index.sync()  # a one-shot command has no indexer running: embed what is pending first
    output(ctx, ctx.store.similar(q, k=k, **_filters(workflow_id, drop_type)))


@click.command()
@click.option("--threshold", default=0.95, show_default=True, type=float, help="Semantic (cosine) threshold.")
@click.option("--lexical-threshold", default=0.8, show_default=True, type=float, help="Jaccard threshold.")
@click.option("--method", "methods", multiple=True, type=click.Choice(["exact", "lexical", "semantic"]),
              help="Layers to run (default: all).")
@click.option("--workflow", "workflow_id")
@click.option("--type", "drop_type")
@pass_ctx
def dupes(ctx: Context, threshold, lexical_threshold, methods, workflow_id, drop_type):
    """Near-duplicate drops, labelled exact, lexical or semantic."""
    res = ctx.store.near_duplicates(threshold=threshold, lexical_threshold=lexical_threshold,
                                    methods=tuple(methods) or ("exact", "lexical", "semantic"),
                                    **_filters(workflow_id, drop_type))
    output(ctx, res)


@click.command()
@click.option("-n", "n", default=12, show_default=True, type=int, help="How many clusters.")
@click.option("--workflow", "workflow_id")
@click.option("--type", "drop_type")
@click.option("--no-save", is_flag=True, help="Do not store the run in the clusters table.")
@pass_ctx
def clusters(ctx: Context, n, workflow_id, drop_type, no_save):
    """Topic clusters (k-means over the vectors) with labels from their top terms."""
    res = ctx.store.clusters(n=n, save=not no_save, **_filters(workflow_id, drop_type))
    if not ctx.as_json and res.run_id:
        click.echo(f"run {res.run_id}")
    output(ctx, res)
