"""QldropsVoila: Voila's standalone app with qldrops' routes in place of its render routes."""

from __future__ import annotations

import re
from typing import Any

from voila.app import Voila, _kernel_id_regex
from voila.request_info_handler import RequestInfoSocketHandler
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from .gate import LinkGate
from .handlers import HealthHandler, NotFoundHandler, PreviewHandler, RedeemHandler, RequestChannelHandler
from .tickets import TicketBook

# Voila routes that render notebooks (or list them) without a link check, and its public
# request-info socket: none of them is served.
_REMOVED = (TornadoVoilaHandler, TornadoVoilaTreeHandler, VoilaContentsHandler, RequestInfoSocketHandler)


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
    ) -> None:
        self.qldrops_gate = LinkGate(store, limits)
        self.qldrops_tickets = TicketBook(ttl=ticket_ttl)
        self.qldrops_kernel_key = kernel_key
        self.qldrops_channel_secret = channel_secret
        self.connection_dir_root = connection_dir_root

    def init_handlers(self) -> list:
        # Voila applies `tornado_settings` after building the Application, too late for Tornado to
        # install the gzip transform that `compress_response` asks for: install it here (start()
        # calls init_handlers right after creating self.app).
        if self.tornado_settings.get("compress_response"):
            from tornado.web import GZipContentEncoding

            if GZipContentEncoding not in self.app.transforms:
                self.app.transforms.append(GZipContentEncoding)
        handlers = [h for h in super().init_handlers() if h[1] not in _REMOVED]
        notebook = (
            self.kernel_manager.notebook_path
            if getattr(self.kernel_manager, "notebook_path", None)
            else self._relative_notebook()
        )
        preview_kwargs = {
            "notebook_path": notebook,
            "template_paths": self.template_paths,
            "config": self.config,
            "voila_configuration": self.voila_configuration,
            "gate": self.qldrops_gate,
            "tickets": self.qldrops_tickets,
        }
        secret = re.escape(self.qldrops_channel_secret)
        own = [
            (r"/", HealthHandler, {"gate": self.qldrops_gate}),
            (r"/healthz", HealthHandler, {"gate": self.qldrops_gate}),
            (r"/p(?:/(.*))?", PreviewHandler, preview_kwargs),
            (
                r"/qldrops/internal/redeem",
                RedeemHandler,
                {"tickets": self.qldrops_tickets, "kernel_key": self.qldrops_kernel_key},
            ),
            (rf"/qldrops/internal/{secret}/query/{_kernel_id_regex}", RequestChannelHandler),
        ]
        return own + handlers + [(r".*", NotFoundHandler)]

    def _relative_notebook(self) -> str:
        import os

        return os.path.relpath(self.notebook_path, self.root_dir)
