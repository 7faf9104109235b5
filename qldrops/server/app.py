"""``qldrops serve``: standalone Voila with qldrops' routes and safe settings.

Design (why it is both safe and fast):

* Voila's own render routes (``/<anything>`` for one notebook, ``/voila/render``,
  the tree) are removed. The only way to a kernel is ``/p/<capability>``, whose
  handler checks the link in the database first; unknown, expired, revoked,
  malformed and rate-limited links are answered without touching a kernel.
* Kernels are *preheated* (``pool_size`` per dashboard): each runs the dashboard
  up to a cell tagged ``qldrops-wait-for-visit`` and waits there. A live link
  takes a waiting kernel and hands it a one-time ticket, so a render costs the
  remaining cells only. Checking before a kernel starts and preheating are thus
  compatible, without Voila's ``prelaunch_hook`` (which preheating forbids).
* The capability never reaches a kernel: the handler rewrites the request Voila
  sees to ``/p/?ticket=…`` (Voila copies path, query and URL into kernel
  environments) and the request-info channel lives at a secret path.
* Kernel websockets accept only widget/comm traffic (Voila's allowed message
  types: an ``execute_request`` from a page is dropped), and only from the visit
  the kernel renders for (``qldrops_visit`` cookie); malformed comm messages get
  a short error; every cell has a timeout except the waiting one; tracebacks are
  never sent.
* What a visitor can cost is bounded (:mod:`qldrops.server.admission`): kernels
  per link, per client and per server, checked before a kernel is touched (503
  busy page past a bound); a reload replaces its kernel; a kernel whose page
  has gone is culled after ``kernel_abandon_timeout`` seconds, idle ones after
  ``cull_idle_timeout``; sandbox runs per link are rate-limited by the server.
* Every response carries a Content-Security-Policy (nothing from another
  origin), ``X-Frame-Options`` and ``X-Content-Type-Options``
  (:mod:`qldrops.server.security`).
* Configuration is built here in code: no ``voila.json``/``voila.py`` from the
  working directory or Jupyter's config paths can change it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..settings import ROOT, Settings

log = logging.getLogger("qldrops.server")

SHARE_DIR = Path(__file__).resolve().parent / "share"
TEMPLATE = "qldrops"
DEFAULT_DASHBOARDS = ROOT / "dashboards"


@dataclass
class ServeOptions:
    """Everything ``qldrops serve`` can be told; defaults are production-safe."""

    host: str = "127.0.0.1"
    port: int = 8866
    database_url: str | None = None
    dashboards_dir: Path = field(default_factory=lambda: DEFAULT_DASHBOARDS)
    notebook: str = "preview.ipynb"
    # the workspace-wide dashboards a link may open instead (file names in dashboards_dir)
    dashboards: dict[str, str] = field(
        default_factory=lambda: {
            "preview": "preview.ipynb",
            "analytics": "analytics.ipynb",
            "explorer": "explorer.ipynb",
        }
    )
    # which dashboards keep kernels waiting (each ~150-200 MB: see benchmarks/README.md); the others
    # start a kernel per visit, which costs the visitor the imports (seconds)
    preheat_dashboards: tuple[str, ...] = ("preview", "analytics", "explorer")
    preheat: bool = True
    pool_size: int = 1
    cull_idle_timeout: int = 600  # seconds without activity before a visitor's kernel is shut down
    cull_interval: int = 60
    execute_timeout: int = 60  # per cell, seconds
    # a page whose widgets have not connected after this many seconds asks the visitor to reload
    live_timeout: float = 60.0
    ticket_ttl: float = 120.0
    rate_limit_client: str | None = None  # e.g. "300/minute"; None: the store's defaults
    rate_limit_link: str | None = None  # e.g. "120/minute"
    rate_limit_run: str | None = None  # sandbox runs per link, e.g. "10/minute"; None: the settings'
    # visitor kernels (invariant 11); defaults: the QLDROPS_MAX_KERNELS* / QLDROPS_KERNEL_ABANDON_TIMEOUT settings
    max_kernels: int = field(default_factory=lambda: Settings.from_env().max_kernels)
    max_kernels_per_link: int = field(default_factory=lambda: Settings.from_env().max_kernels_per_link)
    max_kernels_per_client: int = field(default_factory=lambda: Settings.from_env().max_kernels_per_client)
    max_renders_per_session: int = field(default_factory=lambda: Settings.from_env().max_renders_per_session)
    kernel_abandon_timeout: float = field(default_factory=lambda: float(Settings.from_env().kernel_abandon_timeout))
    # reverse proxies whose X-Forwarded-For is believed (QLDROPS_TRUSTED_PROXIES; server/proxy.py)
    trusted_proxies: str = field(default_factory=lambda: Settings.from_env().trusted_proxies)
    log_level: str = "INFO"
    compress: bool = True
    precompress: bool = True  # with compress: gzip each static file once and keep it (server/static.py)
    autosave_after: float = 30.0  # the editor page saves a changed file after this many idle seconds


def cell_timeout(cell: Any, default: int) -> int | None:
    """nbclient ``timeout_func``: no limit for the cell that waits for a visitor, ``default`` otherwise."""
    from .kernel import WAIT_TAG

    tags = cell.get("metadata", {}).get("tags", []) if hasattr(cell, "get") else []
    return None if WAIT_TAG in tags else default


_REDACT = [
    (re.compile(r"^/p/[^?#]*"), "/p/<capability>"),
    (re.compile(r"^/e/[^?#]*"), "/e/<capability>"),
    (re.compile(r"^/qldrops/internal/[^/]+/(query|cache|embed)"), r"/qldrops/internal/<secret>/\1"),
]


def redact_uri(uri: str) -> str:
    """An access-log form of ``uri`` without capabilities or internal secrets."""
    for pattern, replacement in _REDACT:
        uri = pattern.sub(replacement, uri)
    return uri


def log_request(handler: Any) -> None:
    """Tornado ``log_function``: the access log, with secrets redacted."""
    from .proxy import visitor_address

    status = handler.get_status()
    request = handler.request
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    if status < 500 and re.match(r"/qldrops/internal/[^/]+/(cache|embed)", request.path or ""):
        level = logging.DEBUG  # kernels asking the shared services (a cache miss is a 404): not news
    logging.getLogger("qldrops.server.access").log(
        level,
        "%d %s %s (%s) %.1f ms",
        status,
        request.method,
        redact_uri(request.uri or ""),
        visitor_address(handler),  # behind a trusted proxy: the visitor, not the proxy
        1000.0 * request.request_time(),
    )


def _internal_host(host: str) -> str:
    """Where kernels reach their own server (loopback when listening on all addresses)."""
    if host in ("", "0.0.0.0", "localhost"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _write_kernelspec(runtime: Path) -> None:
    """A ``python3`` kernelspec bound to this interpreter (the stock one runs ``python`` from PATH)."""
    spec_dir = runtime / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (qldrops)",
        "language": "python",
        "metadata": {"debugger": False},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))


def build_config(opts: ServeOptions, notebook_path: Path) -> Any:
    """The traitlets Config for :class:`QldropsVoila` (the only config it reads)."""
    from traitlets.config import Config

    from .extensions import PageConfigHook
    from .kernels import CountingKernelManager
    from .proxy import SETTING, parse_trusted

    c = Config()
    c.Voila.ip = opts.host
    c.Voila.port = opts.port
    c.Voila.port_retries = 0  # an explicit --port that is taken is an error, not a silent other port
    c.Voila.open_browser = False
    c.Voila.root_dir = str(notebook_path.parent)
    c.Voila.notebook_path = str(notebook_path)
    c.Voila.config_file_paths = []  # ignore voila.json / voila.py in the CWD and Jupyter config paths
    c.Voila.tornado_settings = {
        "log_function": log_request,
        "xsrf_cookie_kwargs": {"samesite": "Strict"},
        # ~5 MB of JavaScript per first visit: gzip it (3-5x less to send to remote visitors).
        "compress_response": bool(opts.compress),
        "qldrops_precompress": bool(opts.compress and opts.precompress),
        SETTING: parse_trusted(opts.trusted_proxies),
    }
    vc = c.VoilaConfiguration
    vc.template = TEMPLATE
    vc.theme = "light"
    vc.allow_template_override = "NO"
    vc.allow_theme_override = "NO"
    vc.show_tracebacks = False
    vc.strip_sources = True
    vc.http_header_envs = []
    vc.preheat_kernel = bool(opts.preheat)
    vc.default_pool_size = max(1, int(opts.pool_size))
    vc.multi_kernel_manager_class = CountingKernelManager
    vc.page_config_hook = PageConfigHook(str(notebook_path.parent), live_timeout=opts.live_timeout)
    ex = c.VoilaExecutor
    ex.timeout = int(opts.execute_timeout)
    ex.timeout_func = _TimeoutFunc(int(opts.execute_timeout))
    # After a cell's reply, nbclient waits only `iopub_timeout` (4 s by default) for the rest of the cell's
    # IOPub messages, then drops whatever has not been read. The preview's live cell sends ~130 comm_open
    # messages (one per widget, with its state) before the display_data that puts the page's widget into
    # the HTML; with 3 visitors at once on two cores the server read them in more than 4 s now and then
    # ("Timeout waiting for IOPub output"), and that page was sent without its live widgets (issue 11).
    # Wait for a cell's outputs as long as the cell itself may run. (Upstream: nbclient's fixed IOPub wait,
    # voila-dashboards/voila#685 and jupyter/nbclient#110; a kernel that never says "idle" now holds a
    # render for up to the cell timeout instead of 4 s, which the cell timeout already allowed.)
    ex.iopub_timeout = int(opts.execute_timeout)
    ex.show_tracebacks = False
    ex.cell_error_instruction = "This part of the page could not be drawn; reload the page to try again."
    ex.cell_timeout_instruction = "This part of the page took too long; reload the page to try again."
    # Kernels talk to the server over Unix sockets in the runtime folder, not loopback TCP ports:
    # with many kernels starting at once on a busy machine (the pools), a TCP port picked free was
    # sometimes taken before the kernel bound it ("Address already in use"); the kernel was then
    # restarted without the dashboard, and its pool never filled again.
    c.KernelManager.transport = "ipc"
    km = c.MappingKernelManager
    km.cull_idle_timeout = int(opts.cull_idle_timeout)
    km.cull_interval = int(opts.cull_interval)
    km.cull_connected = False  # an open tab keeps its widgets alive until it goes idle
    km.cull_busy = True  # ...but a kernel stuck busy (a hung cell) is reclaimed too
    ck = c.CountingKernelManager  # Voila's preheating manager subclasses it: the settings apply there
    ck.max_kernels = max(1, int(opts.max_kernels))
    ck.max_kernels_per_link = max(1, int(opts.max_kernels_per_link))
    ck.max_kernels_per_client = max(1, int(opts.max_kernels_per_client))
    ck.max_renders_per_session = max(1, int(opts.max_renders_per_session))
    ck.abandon_timeout = max(0.0, float(opts.kernel_abandon_timeout))
    return c


def _embed_service(store: Any) -> Any:
    """The server's shared embedding model for its kernels (None for the fake test embedder)."""
    from ..index.embedder import FakeEmbedder, embedder_for
    from .handlers import EmbedService

    try:  # the embedder the store's own index uses: same model, backend and long-text choice
        embedder = embedder_for(store.settings, progress=False, service="")
    except Exception as exc:  # noqa: BLE001 - no model here: kernels load their own and say what is missing
        log.warning("no shared embedding model (%s); dashboard kernels will load their own", exc)
        return None
    return None if isinstance(embedder, FakeEmbedder) else EmbedService(embedder)


class _TimeoutFunc:
    """``VoilaExecutor.timeout_func`` as a small object (readable in logs and config dumps)."""

    def __init__(self, default: int):
        self.default = default

    def __call__(self, cell: Any) -> int | None:
        return cell_timeout(cell, self.default)


def serve(opts: ServeOptions) -> None:
    """Start the server and block until SIGINT/SIGTERM."""
    import qldrops

    from ..errors import ConfigurationError

    notebook_path = (Path(opts.dashboards_dir) / opts.notebook).resolve()
    if not notebook_path.is_file():
        raise ConfigurationError(
            f"dashboard notebook {notebook_path} does not exist",
            hint="pass --dashboards-dir pointing at the repository's dashboards/ folder",
        )
    store = qldrops.connect(opts.database_url)
    runtime = Path(tempfile.mkdtemp(prefix="qldrops-serve-"))
    try:
        _write_kernelspec(runtime)
        kernel_key, channel_secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        service_secret = secrets.token_urlsafe(32)
        internal = f"{_internal_host(opts.host)}:{opts.port}"
        env = os.environ
        # Kernels inherit this process's environment (Voila copies os.environ for every kernel).
        env["JUPYTER_PATH"] = os.pathsep.join(
            [str(runtime), str(SHARE_DIR)] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
        )
        env["QLDROPS_DATABASE_URL"] = store.engine.url.render_as_string(hide_password=False)
        env["QLDROPS_SERVER_REDEEM_URL"] = f"http://{internal}/qldrops/internal/redeem"
        env["QLDROPS_SERVER_RUN_PERMIT_URL"] = f"http://{internal}/qldrops/internal/run-permit"
        env["QLDROPS_SERVER_PRESENCE_URL"] = f"http://{internal}/qldrops/internal/presence"
        env["QLDROPS_SERVER_KERNEL_KEY"] = kernel_key
        env["QLDROPS_SERVER_CHANNEL_URL"] = f"ws://{internal}/qldrops/internal/{channel_secret}/query"
        env.setdefault("HF_HUB_OFFLINE", "1")
        # Services the kernels share instead of each paying for its own: the page cache (unless Redis
        # is configured: kernels then use it directly) and the one loaded embedding model.
        services = f"http://{internal}/qldrops/internal/{service_secret}"
        if not store.settings.redis_url:
            env["QLDROPS_CACHE_SERVICE_URL"] = f"{services}/cache"
        embed_service = _embed_service(store)
        if embed_service is not None:
            env["QLDROPS_EMBEDDING_SERVICE_URL"] = f"{services}/embed"
        # No progress bars reach a visitor's page (tqdm, huggingface, transformers' "Loading weights").
        env.update({"QLDROPS_PROGRESS": "0", "TQDM_DISABLE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
                    "TRANSFORMERS_VERBOSITY": "error", "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1"})
        env.pop("QLDROPS_HEALTH_TOKEN", None)  # read into store.settings above; kernels need not know it
        for name in ("QUERY_STRING", "SCRIPT_NAME", "PATH_INFO", "VOILA_REQUEST_URL"):
            env.pop(name, None)
        from .voila_app import QldropsVoila

        app = QldropsVoila(config=build_config(opts, notebook_path))
        from ..previews.ratelimit import RateLimits

        settings = store.settings
        limits = RateLimits(
            client=opts.rate_limit_client or settings.rate_limit_client or None,
            link=opts.rate_limit_link or settings.rate_limit_link or None,
            run=opts.rate_limit_run or settings.rate_limit_run or None,
            storage=settings.resolved_rate_limit_storage,
        )
        app.qldrops_setup(
            store=store,
            limits=limits,
            kernel_key=kernel_key,
            channel_secret=channel_secret,
            ticket_ttl=opts.ticket_ttl,
            connection_dir_root=str(runtime),
            dashboards={**opts.dashboards, "preview": opts.notebook},
            preheat_dashboards=opts.preheat_dashboards,
            editor={"autosave_after": float(opts.autosave_after)},
            health_token=settings.health_token,
            service_secret=service_secret,
            embed_service=embed_service,
        )
        app.initialize([])
        if embed_service is not None:
            threading.Thread(target=embed_service.warm, name="qldrops-embed-warm", daemon=True).start()
        log.info(
            "qldrops serve: http://%s:%s/ (dashboard %s, preheat=%s, pool=%s)",
            opts.host,
            opts.port,
            notebook_path.name,
            opts.preheat,
            opts.pool_size,
        )
        # The background indexer embeds new content after it commits; the kernels' mirrors pick
        # the vectors up from the database without running the model (qldrops/index/indexer.py).
        store.index.start()
        app.start()
    finally:
        store.index.stop(timeout=5.0)
        shutil.rmtree(runtime, ignore_errors=True)
