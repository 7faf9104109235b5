"""QldropsVoila: Voila's standalone app with qldrops' routes in place of its render routes."""

from __future__ import annotations

import os
import re
import secrets
from typing import Any

from jupyter_server.services.kernels.handlers import KernelHandler
from voila.app import Voila, _kernel_id_regex
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.static_file_handler import TemplateStaticFileHandler
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from .editor import EditorHub, editor_routes
from .gate import LinkGate
from .handlers import (
    CacheServiceHandler,
    EmbedHandler,
    HealthDetailsHandler,
    HealthHandler,
    HomeHandler,
    NotFoundHandler,
    OwnKernelHandler,
    OwnKernelWebsocketHandler,
    OwnShutdownKernelHandler,
    PresenceHandler,
    PreviewHandler,
    RedeemHandler,
    RequestChannelHandler,
    RunPermitHandler,
)
from .security import SafeTemplateStaticFileHandler, SecurityHeaders, with_instruction_errors
from .static import plotly_route, precompressed
from .tickets import TicketBook

# Voila routes that render notebooks (or list them) without a link check, and its public
# request-info socket: none of them is served.
_REMOVED = (TornadoVoilaHandler, TornadoVoilaTreeHandler, VoilaContentsHandler, RequestInfoSocketHandler)
# Voila routes kept, with our class in place of theirs: template files without a 500 on `..`, and
# kernel routes that answer only the visit whose page the kernel renders.
_REPLACED = {
    TemplateStaticFileHandler: SafeTemplateStaticFileHandler,
    KernelHandler: OwnKernelHandler,
    VoilaKernelWebsocketHandler: OwnKernelWebsocketHandler,
    VoilaShutdownKernelHandler: OwnShutdownKernelHandler,
}


class QldropsVoila(Voila):
    """Standalone Voila serving one dashboard, reachable only through ``/p/<capability>``."""

    def qldrops_setup(
        self,
        *,
        store: Any,
        limits: Any,
        kernel_key: str,
        channel_secret: str,
        ticket_ttl: float,
        connection_dir_root: str,
        dashboards: dict[str, str] | None = None,
        preheat_dashboards: tuple[str, ...] = ("preview",),
        editor: dict[str, float] | None = None,
        health_token: str = "",
        service_secret: str = "",
        embed_service: Any = None,
    ) -> None:
        """``dashboards``: link dashboard name -> notebook file name in the dashboards folder.

        ``preheat_dashboards``: which of them keep a pool of kernels waiting for visitors
        (the others start a kernel per visit; see benchmarks/README_server.md for the cost).
        """
        self.qldrops_gate = LinkGate(store, limits)
        self.qldrops_tickets = TicketBook(ttl=ticket_ttl)
        self.qldrops_kernel_key = kernel_key
        self.qldrops_channel_secret = channel_secret
        self.connection_dir_root = connection_dir_root
        self.qldrops_dashboards = dict(dashboards or {})
        self.qldrops_preheat = tuple(preheat_dashboards)
        self.qldrops_editor = EditorHub(store, self.qldrops_gate, **(editor or {}))
        self.qldrops_health_token = health_token
        self.qldrops_service_secret = service_secret or secrets.token_urlsafe(32)
        self.qldrops_embed_service = embed_service

    def init_handlers(self) -> list:
        # Voila applies `tornado_settings` after building the Application, too late for Tornado to
        # install the gzip transform that `compress_response` asks for: install it here (start()
        # calls init_handlers right after creating self.app).
        if self.tornado_settings.get("compress_response"):
            from tornado.web import GZipContentEncoding

            if GZipContentEncoding not in self.app.transforms:
                self.app.transforms.append(GZipContentEncoding)
        if SecurityHeaders not in self.app.transforms:
            self.app.transforms.append(SecurityHeaders)
        # No login here (a share link is the credential): jupyter_server's /logout answered 500.
        ip = self.identity_provider
        no_login = (ip.login_handler_class, ip.logout_handler_class)
        # Static files: gzipped once per file, not per request (see qldrops.server.static).
        zipped = precompressed if self.tornado_settings.get("qldrops_precompress") else (lambda cls: cls)
        handlers = [
            (h[0], with_instruction_errors(zipped(_REPLACED.get(h[1], h[1]))), *h[2:])
            for h in super().init_handlers()
            if h[1] not in _REMOVED and h[1] not in no_login
        ]
        notebook = (
            self.kernel_manager.notebook_path
            if getattr(self.kernel_manager, "notebook_path", None)
            else self._relative_notebook()
        )
        folder = os.path.dirname(notebook)
        dashboards = {
            name: (notebook if name == "preview" else os.path.join(folder, file))
            for name, file in self.qldrops_dashboards.items()
            if name == "preview" or os.path.isfile(os.path.join(self.root_dir, folder, file))
        } or {"preview": notebook}
        self._preheat_others(dashboards)
        preview_kwargs = {
            "dashboards": dashboards,
            "notebook_path": notebook,
            "template_paths": self.template_paths,
            "config": self.config,
            "voila_configuration": self.voila_configuration,
            "gate": self.qldrops_gate,
            "tickets": self.qldrops_tickets,
        }
        secret = re.escape(self.qldrops_channel_secret)
        health = {"gate": self.qldrops_gate, "health_token": self.qldrops_health_token}
        own: list[tuple[Any, ...]] = [
            (r"/", HomeHandler),
            (r"/healthz", HealthHandler, {"gate": self.qldrops_gate}),
            (r"/healthz/details", HealthDetailsHandler, health),
            (r"/p(?:/(.*))?", PreviewHandler, preview_kwargs),
            (
                r"/qldrops/internal/redeem",
                RedeemHandler,
                {"tickets": self.qldrops_tickets, "kernel_key": self.qldrops_kernel_key},
            ),
            (
                r"/qldrops/internal/run-permit",
                RunPermitHandler,
                {"gate": self.qldrops_gate, "kernel_key": self.qldrops_kernel_key},
            ),
            (
                r"/qldrops/internal/presence",
                PresenceHandler,
                {"gate": self.qldrops_gate, "hub": self.qldrops_editor,
                 "budget": getattr(self.kernel_manager, "budget", None), "kernel_key": self.qldrops_kernel_key},
            ),
            (rf"/qldrops/internal/{secret}/query/{_kernel_id_regex}", RequestChannelHandler),
            *editor_routes(self.qldrops_editor),  # /e/<capability>: the collaborative editor
            (
                rf"/qldrops/internal/{re.escape(self.qldrops_service_secret)}/cache/([A-Za-z0-9:_-]{{1,128}})",
                CacheServiceHandler,
                {"cache": self.qldrops_gate.store.cache},
            ),
        ]
        plotly = plotly_route()  # the dashboards' charts, drawn before Voila's front end arrives
        if plotly is not None:
            own.append((plotly[0], with_instruction_errors(zipped(plotly[1])), plotly[2]))
        if self.qldrops_embed_service is not None:
            own.append(
                (
                    rf"/qldrops/internal/{re.escape(self.qldrops_service_secret)}/embed",
                    EmbedHandler,
                    {"service": self.qldrops_embed_service},
                )
            )
        return own + handlers + [(r".*", NotFoundHandler)]

    def _preheat_others(self, dashboards: dict[str, str]) -> None:
        """Fill kernel pools for the other dashboards asked to be preheated (Voila fills only its own).

        Without a pool a dashboard still renders, from a kernel started for the visit.
        """
        km = self.kernel_manager
        if not self.voila_configuration.preheat_kernel or not hasattr(km, "fill_if_needed"):
            return
        for name, path in dashboards.items():
            if name != "preview" and name in self.qldrops_preheat:
                km.fill_if_needed(delay=0, notebook_name=path)

    def _relative_notebook(self) -> str:
        return os.path.relpath(self.notebook_path, self.root_dir)
