"""`qldrops demo`: everything a newcomer needs, in one command.

Loads the demo corpus into the current store (once), simulates a month of
viewer activity, builds the vector index, analyses every drop, computes topic
clusters, creates share links and starts `qldrops serve`, printing the links
to open. Each step is one library call; a failing step says what to do and the
others still run.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import click

from ..demo import load
from ..demo.activity import run_samples, simulate
from ..errors import QldropsError
from ..previews.links import Preview
from . import output, pass_ctx
from .serve import serve as serve_cmd

SHOWCASE = ("wf-001-jwt-auth-service", "wf-002-fastapi-todo-api", "wf-007-flask-calculator-api")


@click.command()
@click.option("--seed", type=int, default=0, show_default=True, help="Varies timestamps and counts, not the texts.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show progress bars.")
@click.option("--serve/--no-serve", default=True, show_default=True, help="Start the dashboard server at the end.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8866, show_default=True, type=int)
@click.option("--links", "n_links", default=3, show_default=True, type=click.IntRange(0, 20),
              help="Share links to create.")
@click.option("--ttl", default="7d", show_default=True, help="Lifetime of the share links.")
@pass_ctx
def demo(ctx, seed: int, progress: bool, serve: bool, host: str, port: int, n_links: int, ttl: str) -> None:
    """Load the demo corpus and prepare everything: index, analysis, clusters, share links, server."""
    store = ctx.store
    failures: list[str] = []

    def step(name: str, fn: Callable[[], Any]) -> Any:
        click.echo(f"• {name} …", nl=False, err=True)
        t0 = time.perf_counter()
        try:
            result = fn()
        except Exception as e:  # noqa: BLE001 - report every step; one failure must not hide the rest
            message, hint = (e.message, e.hint) if isinstance(e, QldropsError) else (str(e), None)
            click.echo(f" failed: {message}" + (f"\n    → {hint}" if hint else ""), err=True)
            failures.append(name)
            return None
        click.echo(f" done ({time.perf_counter() - t0:.1f} s)", err=True)
        return result

    summary = step("demo corpus", lambda: load(store, seed=seed, progress=progress))
    if summary is not None:
        state = "already present" if summary.get("skipped") else "loaded"
        click.echo(f"  {state}: {summary.get('workflows')} workflows, {summary.get('drops')} drops "
                   f"in {store!r}", err=True)

    def activity():
        return simulate(store, seed=seed)

    step("viewer activity (30 days of events)", activity)

    def sample_runs():
        return run_samples(store)

    step("sandboxed runs of the runnable demo programs", sample_runs)
    def index():
        store.index.sync()
        return store.index.status()

    status = step("vector index (embeds each distinct content once)", index)
    if status is not None:
        click.echo(f"  {status.size} vectors, {status.kind} index, model {status.model_id}, lag {status.lag}",
                   err=True)
    analysed = step("code analysis", lambda: store.analyze_all(progress=progress))
    if analysed is not None:
        click.echo(f"  {len(analysed)} drops analysed", err=True)
    step("topic clusters", lambda: store.clusters(n=8))

    links = []
    if n_links:
        def make_links():
            wanted = [w for w in SHOWCASE if store.list(workflow_id=w, limit=1)][:n_links]
            extra = [w["workflow_id"] for w in store.workflows() if w["workflow_id"] not in wanted]
            for wf in (wanted + extra)[:n_links]:
                links.append(store.previews.create(workflow_id=wf, ttl=ttl, title=f"Demo: {wf}"))
            for board in ("analytics", "explorer"):
                links.append(store.previews.create(dashboard=board, ttl=ttl, title=f"Demo {board}"))
            return links

        step(f"{n_links} share links + analytics and explorer links ({ttl})", make_links)

    if ctx.as_json:
        output(ctx, {"summary": summary, "links": [{"workflow_id": p.workflow_id, "url": url_for(p, host, port)}
                                                    for p in links], "failed": failures})
    else:
        click.echo("\nShare links (shown once; `qldrops preview create WORKFLOW` makes more):")
        for p in links:
            what = p.workflow_id or f"{p.dashboard} dashboard of workspace {p.workspace}"
            click.echo(f"  {url_for(p, host, port)}   {what}")
        click.echo("\nAnalysts: `make lab` opens notebooks/; batch scripts: `qldrops --help`.")
        if failures:
            click.echo(f"\n{len(failures)} step(s) failed: {', '.join(failures)} (see above).")
    if serve:
        click.echo(f"\nStarting the dashboard server on http://{host}:{port} (Ctrl-C stops it) …")
        click.get_current_context().invoke(serve_cmd, host=host, port=port, database_url=store.url)
    elif failures:
        raise SystemExit(1)


def url_for(preview: Preview, host: str, port: int) -> str:
    """The link for this server: the capability travels only in the path."""
    url = preview.url or ""
    path = url[url.index("/p/"):] if "/p/" in url else f"/p/{preview.capability}"
    return f"http://{host}:{port}{path}"
