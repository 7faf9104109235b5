"""The kernel manager class qldrops gives Voila: counts, bounds and culls visitor kernels.

* ``kernels_started`` lets the health check (and the tests) prove that a
  refused link started no kernel. Voila's preheating manager is built on top of
  this class, so pool kernels are counted too.
* ``budget`` (:class:`~qldrops.server.admission.KernelBudget`) holds the seats:
  kernels per link, per client and per server, and who may talk to a kernel.
* Pool kernels are refilled when the server is quiet: a kernel starting (imports,
  database connection, ~1 s of CPU) competes with the renders of the visitors who
  just took pool kernels, so a refill waits until no render has been running for
  ``refill_quiet`` seconds (at most ``refill_max_wait``), and starts at once when a
  visitor is waiting for a kernel (the pool ran dry).
* Abandoned kernels are culled: a visitor kernel with no page websocket for
  ``abandon_timeout`` seconds is shut down (Voila's idle culling alone kept a
  closed page's kernel for ``cull_idle_timeout``, 600 s). Preheated kernels
  waiting in the pool are not visitor kernels and are never culled here.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.ioloop import PeriodicCallback
from traitlets import Float, Integer

from .admission import KernelBudget, Seat

log = logging.getLogger("qldrops.server")

# The seat of the visit whose render is starting a kernel (set by the preview handler around its
# render). A kernel started for a visit (not for the preheated pool) is bound to it at once.
CURRENT_SEAT: contextvars.ContextVar[Seat | None] = contextvars.ContextVar("qldrops_seat", default=None)


class CountingKernelManager(AsyncMappingKernelManager):
    """AsyncMappingKernelManager that counts, bounds and culls the kernels it starts for visitors."""

    max_kernels = Integer(12, config=True, help="Visitor kernels on this server at once.")
    max_kernels_per_link = Integer(4, config=True, help="Visitor kernels of one share link at once.")
    max_kernels_per_client = Integer(3, config=True, help="Visitor kernels of one client address at once.")
    max_renders_per_session = Integer(
        10, config=True, help="Renders one browser session may start per minute (tabs opened at once)."
    )
    abandon_timeout = Float(45.0, config=True, help="Seconds a visitor kernel lives without a page websocket.")
    refill_quiet = Float(
        2.0, config=True, help="Seconds without a render before a preheated pool kernel is started."
    )
    refill_max_wait = Float(10.0, config=True, help="Longest wait for a quiet moment before a refill starts anyway.")

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.kernels_started = 0
        self.kernels_abandoned = 0  # visitor kernels culled because their page went away
        self.budget = KernelBudget(
            total=self.max_kernels,
            per_link=self.max_kernels_per_link,
            per_client=self.max_kernels_per_client,
            retry_after=self.abandon_timeout + self._abandon_interval(),
            renders_per_session=self.max_renders_per_session,
        )
        self._started_ids: set[str] = set()  # started here and running (start_kernel returned)
        self._stopping: set[str] = set()  # shutting down (still holding memory: still counted)
        self._pool_ids: set[str] = set()  # started for the preheated pool and not yet given to a visitor
        self._quiet_since: dict[str, float] = {}  # kernel id -> when it last had no websocket
        self._abandon_culler: PeriodicCallback | None = None
        self._last_render_end = 0.0  # monotonic time the last visitor's render ended
        self.refills_delayed = 0  # pool kernels whose start waited for a quiet moment

    def _abandon_interval(self) -> float:
        return max(0.5, min(10.0, self.abandon_timeout / 4))

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]  # async in jupyter_server's AsyncMappingKernelManager; jupyter_client's stub declares it sync
        new = kwargs.get("kernel_id") is None  # a restart reuses its id and is not a new kernel
        if new and (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True":
            await self._until_quiet()
        if new:
            self.kernels_started += 1
        kernel_id: str = await super().start_kernel(*args, **kwargs)
        if new:
            self._started_ids.add(kernel_id)
            self._quiet_since[kernel_id] = time.monotonic()
            env = kwargs.get("env") or {}
            seat = CURRENT_SEAT.get()
            if env.get("VOILA_PREHEAT") == "True":
                self._pool_ids.add(kernel_id)
            elif seat is not None and seat.kernel_id is None:
                self.bind(seat, kernel_id)
            self._start_abandon_culler()
        return kernel_id

    async def _until_quiet(self) -> None:
        """Wait until no visitor's render runs (or one waits for a kernel, or ``refill_max_wait``)."""
        deadline = time.monotonic() + self.refill_max_wait
        waited = False
        while time.monotonic() < deadline:
            running, waiting = self.budget.renders()
            if waiting:
                break  # a visitor needs this kernel now
            if not running and time.monotonic() - self._last_render_end >= self.refill_quiet:
                break
            waited = True
            await asyncio.sleep(0.1)
        if waited:
            self.refills_delayed += 1

    # ---------------------------------------------------------------------------------- seats
    def visitor_kernel_ids(self) -> list[str]:
        """Running kernels that serve (or served) a visitor: all but the preheated pool's."""
        return [k for k in self.list_kernel_ids() if k in self._started_ids and k not in self._pool_ids]

    def admit(self, *, link: int, client: str, session: str, returning: bool) -> tuple[Seat, list[str]]:
        """A seat for a visit (raises ServerBusy) and the kernels its reload replaces."""
        untracked = sum(1 for k in self.visitor_kernel_ids() if self.budget.seat_of(k) is None)
        return self.budget.admit(
            link=link, client=client, session=session, returning=returning, untracked=untracked,
            now=time.monotonic(),
        )

    def bind(self, seat: Seat, kernel_id: str) -> bool:
        """``kernel_id`` renders ``seat`` (a pool kernel becomes a visitor kernel); False if replaced."""
        self._pool_ids.discard(kernel_id)
        return self.budget.bind(seat, kernel_id)

    def rendered(self, seat: Seat) -> None:
        """The seat's render ended: the abandon clock of its kernel starts now if no page is connected."""
        self.budget.rendered(seat)
        self._last_render_end = time.monotonic()
        kid = seat.kernel_id
        if kid is not None and self._kernel_connections.get(kid, 0) <= 0 and kid in self._quiet_since:
            self._quiet_since[kid] = time.monotonic()

    def owns(self, kernel_id: str, session: str | None) -> bool:
        return self.budget.owns(kernel_id, session)

    def memory_mb(self) -> dict[str, Any]:
        """Resident memory of the kernels (psutil): each visitor kernel, the pool, the total (MB)."""
        import psutil

        visitors: dict[str, float] = {}
        pool = 0.0
        for kid in self.list_kernel_ids():
            try:
                pid = getattr(self.get_kernel(kid).provisioner, "pid", None)
                rss = psutil.Process(int(pid)).memory_info().rss / 2**20 if pid else 0.0
            except (KeyError, ValueError, psutil.Error):
                continue
            if kid in self._pool_ids or kid not in self._started_ids:
                pool += rss
            else:
                visitors[kid] = round(rss, 1)
        return {
            "visitors": visitors,
            "pool": round(pool, 1),
            "total": round(pool + sum(visitors.values()), 1),
        }

    # ---------------------------------------------------------------------------------- connections
    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self._quiet_since.pop(kernel_id, None)

    def notify_disconnect(self, kernel_id: str) -> None:
        super().notify_disconnect(kernel_id)
        if kernel_id in self._kernel_connections and self._kernel_connections[kernel_id] <= 0:
            self._quiet_since[kernel_id] = time.monotonic()

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]  # async in jupyter_server
        self.budget.release(kernel_id)
        self._quiet_since.pop(kernel_id, None)
        self._stopping.add(kernel_id)
        try:
            await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:
            self._stopping.discard(kernel_id)
            self._pool_ids.discard(kernel_id)
            self._started_ids.discard(kernel_id)

    # ---------------------------------------------------------------------------------- culling
    def _start_abandon_culler(self) -> None:
        if self._abandon_culler is None and self.abandon_timeout > 0:
            self._abandon_culler = PeriodicCallback(self.cull_abandoned, 1000 * self._abandon_interval())
            self._abandon_culler.start()

    async def cull_abandoned(self) -> None:
        """Shut down visitor kernels whose page has been gone for ``abandon_timeout`` seconds."""
        now = time.monotonic()
        for kid in self.visitor_kernel_ids():
            since = self._quiet_since.get(kid)
            if since is None or kid in self._stopping or self.budget.rendering(kid):
                continue
            if self._kernel_connections.get(kid, 0) > 0:
                continue
            if now - since >= self.abandon_timeout:
                log.info("kernel %s: no page connected for %.0f s, shutting it down", kid, now - since)
                self.kernels_abandoned += 1
                try:
                    await self.shutdown_kernel(kid)
                except Exception as exc:  # noqa: BLE001 - a kernel that died meanwhile is gone anyway
                    log.warning("kernel %s: shutdown failed (%s)", kid, type(exc).__name__)
