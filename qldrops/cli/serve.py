"""``qldrops serve``: the click command (registered by ``qldrops/cli.py``).

Also runnable alone, ``python -m qldrops.cli.serve --port 8866``, which the
tests and the benchmark use so that they do not depend on the main CLI.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ..errors import QldropsError
from ..server.app import DEFAULT_DASHBOARDS, ServeOptions
from ..server.app import serve as run


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: all).")
@click.option(
    "--port", default=8866, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on."
)
@click.option(
    "--database-url",
    default=None,
    envvar="QLDROPS_DATABASE_URL",
    help="Database URL (default: QLDROPS_DATABASE_URL, else the embedded SQLite file).",
)
@click.option(
    "--dashboards-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder holding preview.ipynb (default: the repository's dashboards/).",
)
@click.option(
    "--preheat/--no-preheat",
    default=True,
    show_default=True,
    help="Keep kernels running the dashboard, waiting for visitors (its HTML in ~0.3 s instead of ~2 s).",
)
@click.option(
    "--pool-size",
    default=1,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Preheated kernels kept waiting (each ~70 MB).",
)
@click.option(
    "--preheat-dashboards",
    default="preview,analytics,explorer",
    show_default=True,
    help="Comma-separated dashboards whose kernels wait preheated (preview, analytics, explorer); "
    "the others start a kernel per visit.",
)
@click.option(
    "--cull-idle-timeout",
    default=600,
    show_default=True,
    type=click.IntRange(10),
    help="Seconds without activity before a visitor's kernel is shut down.",
)
@click.option(
    "--execute-timeout",
    default=60,
    show_default=True,
    type=click.IntRange(1),
    help="Seconds a dashboard cell may run before the render stops with a message.",
)
@click.option("--rate-limit-client", default=None, help='Requests per client address, e.g. "300/minute".')
@click.option("--rate-limit-link", default=None, help='Requests per share link, e.g. "120/minute".')
@click.option("--rate-limit-run", default=None, help='Sandbox runs per share link, e.g. "10/minute".')
@click.option(
    "--max-kernels",
    default=None,
    type=click.IntRange(1),
    help="Visitor kernels at once; past it a visit gets a 503 busy page (default: QLDROPS_MAX_KERNELS).",
)
@click.option(
    "--max-kernels-per-link",
    default=None,
    type=click.IntRange(1),
    help="Visitor kernels one link may hold (default: QLDROPS_MAX_KERNELS_PER_LINK).",
)
@click.option(
    "--max-kernels-per-client",
    default=None,
    type=click.IntRange(1),
    help="Visitor kernels one client address may hold (default: QLDROPS_MAX_KERNELS_PER_CLIENT).",
)
@click.option(
    "--max-renders-per-session",
    default=None,
    type=click.IntRange(1),
    help="Dashboard renders one browser session may start per minute; past it a visit gets the busy page "
    "(503; default: QLDROPS_MAX_RENDERS_PER_SESSION).",
)
@click.option(
    "--kernel-abandon-timeout",
    default=None,
    type=click.FloatRange(0.5),
    help="Seconds a kernel lives after its page closed (default: QLDROPS_KERNEL_ABANDON_TIMEOUT).",
)
@click.option(
    "--compress/--no-compress",
    default=True,
    show_default=True,
    help="gzip responses (the dashboard page pulls ~5 MB of JavaScript on a first visit).",
)
@click.option(
    "--precompress/--no-precompress",
    default=True,
    show_default=True,
    help="With --compress: gzip each static file once and keep it; --no-precompress gzips it again for every request.",
)
@click.option(
    "--live-timeout",
    default=60.0,
    show_default=True,
    type=click.FloatRange(1),
    help="Seconds a dashboard page waits for its live widgets to connect before it asks the visitor to reload.",
)
@click.option(
    "--autosave-after",
    default=30.0,
    show_default=True,
    type=float,
    help="Seconds without typing after which the editor page (/e/<capability>) saves a changed file.",
)
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
)
def serve(
    host: str,
    port: int,
    database_url: str | None,
    dashboards_dir: Path | None,
    preheat: bool,
    pool_size: int,
    preheat_dashboards: str,
    cull_idle_timeout: int,
    execute_timeout: int,
    rate_limit_client: str | None,
    rate_limit_link: str | None,
    rate_limit_run: str | None,
    max_kernels: int | None,
    max_kernels_per_link: int | None,
    max_kernels_per_client: int | None,
    max_renders_per_session: int | None,
    kernel_abandon_timeout: float | None,
    compress: bool,
    precompress: bool,
    live_timeout: float,
    autosave_after: float,
    log_level: str,
) -> None:
    """Serve share links: /p/<capability> opens the link's dashboard (standalone Voila),
    /e/<capability> the collaborative editor (read-only unless the link allows editing).

    Unknown links answer 404, expired or revoked ones 410, before any kernel
    starts. / is a plain page for people; /healthz answers ok/degraded (for load
    balancers); /healthz/details (database, kernel counts, memory per open dashboard,
    cache hit rate) needs `Authorization: Bearer` with QLDROPS_HEALTH_TOKEN or an admin
    API token.
    """
    bounds = {
        name: value
        for name, value in (
            ("max_kernels", max_kernels),
            ("max_kernels_per_link", max_kernels_per_link),
            ("max_kernels_per_client", max_kernels_per_client),
            ("max_renders_per_session", max_renders_per_session),
            ("kernel_abandon_timeout", kernel_abandon_timeout),
        )
        if value is not None
    }
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    opts = ServeOptions(
        host=host,
        port=port,
        database_url=database_url,
        dashboards_dir=dashboards_dir or DEFAULT_DASHBOARDS,
        preheat=preheat,
        pool_size=pool_size,
        preheat_dashboards=tuple(x.strip() for x in preheat_dashboards.split(",") if x.strip()),
        cull_idle_timeout=cull_idle_timeout,
        cull_interval=min(60, cull_idle_timeout),
        execute_timeout=execute_timeout,
        rate_limit_client=rate_limit_client,
        rate_limit_link=rate_limit_link,
        rate_limit_run=rate_limit_run,
        compress=compress,
        precompress=precompress,
        autosave_after=autosave_after,
        live_timeout=live_timeout,
        log_level=log_level.upper(),
        **bounds,  # type: ignore[arg-type]  # each name is a ServeOptions field of that type
    )
    try:
        run(opts)
    except QldropsError as exc:
        raise click.ClickException(str(exc)) from None


if __name__ == "__main__":
    serve()
