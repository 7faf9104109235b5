"""Tornado handlers that qldrops adds to standalone Voila.

``/p/<capability>`` is the only route that renders a dashboard. It checks the
link (format, rate limit, database) *before* any kernel is touched, answers
404/410/429 with an instruction page, and only for a live link asks Voila for
the (preheated) render, handing the kernel a one-time ticket instead of the
capability (see :mod:`qldrops.server.tickets`).

Everything else here is plumbing: a plain home page, a public health probe and a
token-protected health report (neither starts a kernel),
the loopback ticket-redeem endpoint and the request-info channel the
preheated kernels wait on (at a secret path, replacing Voila's public
``/voila/query/<kernel_id>``, which anyone who knows a kernel id could read).
"""

from __future__ import annotations

import base64
import hmac
import ipaddress
import json
import logging
import math
import re
import secrets
import threading
import time
from functools import partial
from typing import Any, ClassVar

import numpy as np
from jupyter_server.services.kernels.handlers import KernelHandler
from tornado.ioloop import IOLoop
from tornado.web import HTTPError, RequestHandler
from voila.handler import VoilaHandler
from voila.request_info_handler import RequestInfoSocketHandler
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from . import first_paint, pages
from .admission import ServerBusy
from .gate import LinkGate
from .kernels import CURRENT_SEAT, CountingKernelManager
from .proxy import is_forwarded, is_https, visitor_address
from .security import write_instruction
from .tickets import TicketBook

log = logging.getLogger("qldrops.server")

# The browser session a visit belongs to: the kernel a page renders in answers only to it.
VISIT_COOKIE = "qldrops_visit"
_KERNEL_ID_IN_PAGE = re.compile(r'"kernelId"\s*:\s*"([0-9a-f-]{36})"')

PREVIEW_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
}


def _is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


class PreviewHandler(VoilaHandler):
    """``GET /p/<capability>``: check the link, then render the preview dashboard."""

    notebook_path: str | None  # VoilaHandler's; set per request below

    def initialize(self, **kwargs: Any) -> None:
        self.gate: LinkGate = kwargs.pop("gate")
        self.tickets: TicketBook = kwargs.pop("tickets")
        # dashboard name -> notebook path relative to Voila's root_dir (what a link may open)
        self.dashboards: dict[str, str] = kwargs.pop("dashboards", {})
        super().initialize(**kwargs)

    def set_default_headers(self) -> None:
        super().set_default_headers()
        for name, value in PREVIEW_HEADERS.items():
            self.set_header(name, value)

    def check_xsrf_cookie(self) -> None:  # GET only; nothing to protect
        return None

    async def get(self, capability: str = "") -> None:
        started = time.perf_counter()
        user_agent = self.request.headers.get("User-Agent", "")[:500]
        client = visitor_address(self)
        try:
            grant = await IOLoop.current().run_in_executor(
                None, partial(self.gate.open, capability, user_agent=user_agent, client=client)
            )
        except Exception as exc:  # noqa: BLE001 - every failure becomes an instruction page
            self._fail(exc)
            return
        notebook = self.dashboards.get(grant.dashboard) if self.dashboards else self.notebook_path
        if not notebook:
            from ..errors import NotFound

            log.error(
                "preview %s asks for dashboard %r, which this server does not serve",
                grant.preview_id,
                grant.dashboard,
            )
            self._fail(NotFound(f"dashboard {grant.dashboard!r} is not served here"))
            return
        self.notebook_path = notebook  # one handler object per request: safe to pick per link
        km: CountingKernelManager = self.kernel_manager
        try:  # before any kernel is touched: a reload gives up its previous kernel, a full server says so
            session, returning = self._visit_session()
            seat, replaced = km.admit(link=grant.preview_id, client=client, session=session, returning=returning)
        except ServerBusy as exc:
            log.warning("preview %s: refused (%s)", grant.preview_id, exc.message)
            self._fail(exc)
            return
        for kernel_id in replaced:
            log.info("preview %s: a reload replaces kernel %s", grant.preview_id, kernel_id)
            await self._shut_down(km, kernel_id)
        ticket = self.tickets.issue(grant)
        self._hide_capability(ticket)
        # Voila's page posts a shutdown beacon on unload carrying the `_xsrf` cookie; Voila never
        # sets that cookie, so every kernel lived until culled. Setting it frees a kernel as soon as
        # its tab closes, still protected against cross-site requests.
        self.xsrf_token  # noqa: B018 - the property sets the cookie
        log.info(
            "preview %s: link checked in %.1f ms, rendering %s (%s)",
            grant.preview_id,
            (time.perf_counter() - started) * 1000,
            grant.dashboard,
            notebook,
        )
        # the link's first paint as its last visitor's kernel drew it (same workflow position): sent with
        # the page's first bytes, while this visitor's kernel works (see first_paint.py)
        cached = await IOLoop.current().run_in_executor(None, first_paint.lookup, self.gate.store, grant)
        early = first_paint.EarlyPaint(cached) if cached else None
        token = CURRENT_SEAT.set(seat)  # a kernel started for this render is this seat's
        try:
            async for html in self.get_generator(path=None):
                if seat.kernel_id is None:  # a preheated kernel: the page names it in its config
                    found = _KERNEL_ID_IN_PAGE.search(html)
                    if found and not km.bind(seat, found.group(1)):
                        await self._shut_down(km, found.group(1))  # a reload came first
                        return
                if seat.replaced:  # a reload came first; a kernel started for it was bound at its start
                    if seat.kernel_id is not None:
                        await self._shut_down(km, seat.kernel_id)
                    return
                # Voila's generator sets its own Cache-Control before the first chunk: restore ours.
                for name, value in PREVIEW_HEADERS.items():
                    self.set_header(name, value)
                self.write(early.feed(html) if early is not None else html)
                self.flush()
        finally:
            CURRENT_SEAT.reset(token)
            km.rendered(seat)

    @staticmethod
    async def _shut_down(km: CountingKernelManager, kernel_id: str) -> None:
        if kernel_id not in km:  # the culler or the page's unload beacon was faster
            return
        try:
            await km.shutdown_kernel(kernel_id)
        except Exception as exc:  # noqa: BLE001 - a kernel that died meanwhile is gone anyway
            log.warning("kernel %s: shutdown failed (%s)", kernel_id, type(exc).__name__)

    def _visit_session(self) -> tuple[str, bool]:
        """This browser's visit session (a random cookie, set on the first visit) and whether it came back."""
        session = self.get_cookie(VISIT_COOKIE) or ""
        returning = bool(re.fullmatch(r"[A-Za-z0-9_-]{32,64}", session))
        if not returning:
            session = secrets.token_urlsafe(32)
        self.set_cookie(
            VISIT_COOKIE,
            session,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=is_https(self),
        )
        return session, returning

    def _hide_capability(self, ticket: str) -> None:
        """Make the request look like ``/p/?ticket=…`` to Voila.

        Voila copies the request path into the kernel's ``SCRIPT_NAME``, its query
        into ``QUERY_STRING`` and the full URL into ``VOILA_REQUEST_URL`` (even into
        the *next* preheated kernel's environment). The visitor's own query
        arguments are dropped too, so ``?template=`` cannot pick a CDN template
        or bypass the preheated render.
        """
        req = self.request
        req.path = "/p/"
        req.uri = "/p/"
        req.query = f"ticket={ticket}"
        req.query_arguments = {}
        req.arguments = {}

    def _fail(self, exc: BaseException) -> None:
        from ..errors import QldropsError, RateLimited

        if not isinstance(exc, QldropsError):
            log.error("preview request failed", exc_info=exc)
        status, body = pages.for_error(exc)
        if isinstance(exc, (RateLimited, ServerBusy)):
            self.set_header("Retry-After", str(max(1, math.ceil(exc.retry_after))))
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(body)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if status_code < 500:  # e.g. 405 for a POST: Tornado already chose the status
            body = pages.page(
                status_code,
                "This request cannot be served",
                "Share links are opened with GET.",
                "Open the link in a browser.",
            )
        else:
            if exc is not None:
                log.error("preview render failed", exc_info=kwargs["exc_info"])
            _, body = pages.for_error(exc if exc is not None else RuntimeError())
        for name, value in PREVIEW_HEADERS.items():
            self.set_header(name, value)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(body)


class HomeHandler(RequestHandler):
    """``GET /``: a plain page for people who open the server's address (no kernel, no details)."""

    def get(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(pages.home())


class HealthHandler(RequestHandler):
    """``GET /healthz``: the public probe for load balancers: ``{"status": "ok"}`` (200) or
    ``"degraded"`` (503, the database does not answer). Never starts a kernel, names nothing else."""

    def initialize(self, gate: LinkGate, health_token: str = "") -> None:
        self.gate = gate
        self.health_token = health_token

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "application/json")

    async def get(self) -> None:
        db_ok = await IOLoop.current().run_in_executor(None, self.gate.ping)
        self.set_status(200 if db_ok else 503)
        self.finish(json.dumps({"status": "ok" if db_ok else "degraded"}))


class HealthDetailsHandler(HealthHandler):
    """``GET /healthz/details``: database, kernel counts and memory per open dashboard, for operators.

    Needs ``Authorization: Bearer <token>``: the server's ``QLDROPS_HEALTH_TOKEN``, or an API token of
    a workspace admin (``qldrops token issue``). Anyone else gets 401 and nothing more.
    """

    async def get(self) -> None:
        if not await self._authorised():
            self.set_status(401)
            self.set_header("WWW-Authenticate", 'Bearer realm="qldrops health"')
            self.finish(json.dumps({"error": "send Authorization: Bearer <QLDROPS_HEALTH_TOKEN or an admin API token>"}))
            return
        db_ok = await IOLoop.current().run_in_executor(None, self.gate.ping)
        km = self.settings["kernel_manager"]
        pools = getattr(km, "_pools", {}) or {}
        pooled = {
            task.result()["kernel_id"]
            for pool in pools.values()
            for task in pool
            if task.done() and not task.cancelled() and task.exception() is None
        }
        body: dict[str, Any] = {
            "status": "ok" if db_ok else "degraded",
            "database": "ok" if db_ok else "unavailable",
            "kernels_running": len(km.list_kernel_ids()),
            "kernels_started": getattr(km, "kernels_started", None),
            "preheated_started": len(pooled),
            # kernels that ran the dashboard up to the visitor wait: a render now costs ~0.1 s
            "preheated_waiting": len(pooled & set(RequestInfoSocketHandler._waiters)),
        }
        if isinstance(km, CountingKernelManager):
            # kernels serving visitors (bounded by max_kernels*), and those culled after their page closed
            body["kernels_visitors"] = len(km.visitor_kernel_ids())
            body["kernels_abandoned"] = km.kernels_abandoned
            body["refills_delayed"] = km.refills_delayed  # pool refills that waited for renders to end
            body["kernel_memory_mb"] = km.memory_mb()
        cache = getattr(self.gate.store, "cache", None)
        if cache is not None:
            body["cache"] = cache.stats()
        self.set_status(200 if db_ok else 503)
        self.finish(json.dumps(body))

    async def _authorised(self) -> bool:
        header = self.request.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        if not token:
            return False
        if self.health_token and hmac.compare_digest(token.encode(), self.health_token.encode()):
            return True
        return bool(await IOLoop.current().run_in_executor(None, self.gate.is_admin_token, token))


class _KernelOnlyHandler(RequestHandler):
    """An internal endpoint: only loopback clients holding the per-server kernel key (an
    environment variable of the kernels, never sent to browsers) get an answer."""

    kernel_key: str

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "application/json")

    def _refused(self) -> bool:
        """Answer 403 and return True unless the caller is one of this server's kernels."""
        key = self.request.headers.get("X-Qldrops-Kernel-Key", "")
        if (_is_loopback(self.request.remote_ip or "") and not is_forwarded(self.request)
                and hmac.compare_digest(key, self.kernel_key)):
            return False
        self.set_status(403)
        self.finish(json.dumps({"error": "forbidden"}))
        return True

    def _preview_id(self) -> int | None:
        """The ``preview_id`` of the JSON body; None after answering 400 when it is missing."""
        try:
            return int(json.loads(self.request.body or b"{}").get("preview_id"))
        except (ValueError, TypeError, AttributeError):
            self.set_status(400)
            self.finish(json.dumps({"error": "preview_id missing"}))
            return None


class RedeemHandler(_KernelOnlyHandler):
    """``POST /qldrops/internal/redeem``: a kernel trades its ticket for the grant."""

    def initialize(self, tickets: TicketBook, kernel_key: str) -> None:
        self.tickets = tickets
        self.kernel_key = kernel_key

    def post(self) -> None:
        if self._refused():
            return
        try:
            ticket = str(json.loads(self.request.body or b"{}").get("ticket", ""))
        except (ValueError, AttributeError):
            ticket = ""
        grant = self.tickets.redeem(ticket) if ticket else None
        if grant is None:
            self.set_status(410)
            self.finish(json.dumps({"error": "ticket unknown, used or expired"}))
            return
        self.finish(json.dumps(grant.to_json()))


class RunPermitHandler(_KernelOnlyHandler):
    """``POST /qldrops/internal/run-permit``: may this link run code in the sandbox now?

    The preview page's Run button asks here first (kernel key, loopback only, like
    redeem). The count lives in the server, so a reload (a new kernel) starts no new
    budget; past the per-link run limit the answer is 429 with ``retry_after``.
    """

    def initialize(self, gate: LinkGate, kernel_key: str) -> None:
        self.gate = gate
        self.kernel_key = kernel_key

    def post(self) -> None:
        from ..errors import QldropsError, RateLimited

        if self._refused():
            return
        preview_id = self._preview_id()
        if preview_id is None:
            return
        try:
            self.gate.permit_run(preview_id)
        except RateLimited as exc:
            self.set_status(429)
            self.finish(json.dumps({"error": "too many runs", "retry_after": max(1, math.ceil(exc.retry_after))}))
            return
        except QldropsError as exc:
            self.set_status(exc.http_status)
            self.finish(json.dumps({"error": type(exc).__name__}))
            return
        self.finish(json.dumps({"ok": True}))


def remember(cache: dict[Any, Any], found: dict[Any, Any], *, keep: int, needed: Any = ()) -> None:
    """Add ``found`` to ``cache``, dropping its oldest entries (never one of ``needed``, the keys the
    caller reads next) so that at most ``keep`` stay."""
    extra = len(cache) + sum(1 for k in found if k not in cache) - keep
    spare = set(found) | set(needed)
    for old in [k for k in cache if k not in spare][:max(0, extra)]:  # dicts keep insertion order
        del cache[old]
    cache.update(found)


class PresenceHandler(_KernelOnlyHandler):
    """``POST /qldrops/internal/presence``: how many pages are open on a link's workflow, and who edits.

    A preview page shows it (its kernel asks every few seconds). Pages are the preview kernels of
    this server (one per open page) on links of the same workflow (of the same workspace), plus its
    open editor pages; editors are the names and files of the editor's awareness, of the files the
    link shows (a link to one drop: that drop's). One server's view: replicas behind a proxy each
    count their own.
    """

    # link id -> (workspace, workflow id, drop id or None): what a link shares never changes. The oldest
    # entries go past WORKFLOWS_KEPT (a long-running server sees links come and go: one query refills).
    _workflows: ClassVar[dict[int, tuple[str, str, int | None] | None]] = {}
    WORKFLOWS_KEPT = 4096

    def initialize(self, gate: LinkGate, hub: Any, budget: Any, kernel_key: str) -> None:
        self.gate, self.hub, self.budget, self.kernel_key = gate, hub, budget, kernel_key

    async def post(self) -> None:
        if self._refused():
            return
        preview_id = self._preview_id()
        if preview_id is None:
            return
        links = self.budget.open_links() if self.budget is not None else []
        needed = {preview_id, *links}
        unknown = [i for i in needed if i not in self._workflows]
        if unknown:
            remember(self._workflows, await IOLoop.current().run_in_executor(None, self._lookup, unknown),
                     keep=self.WORKFLOWS_KEPT, needed=needed)
        shared = self._workflows.get(preview_id)
        if shared is None:
            self.set_status(404)
            self.finish(json.dumps({"error": "no such link"}))
            return
        workspace, workflow, drop_id = shared
        editor_pages, editors = self.hub.presence_of((workspace, workflow), drop_id=drop_id)
        pages = sum(1 for link in links if (self._workflows.get(link) or ())[:2] == (workspace, workflow)) + editor_pages
        self.finish(json.dumps({"pages": pages, "editors": editors[:20]}))

    def _lookup(self, ids: list[int]) -> dict[int, tuple[str, str, int | None] | None]:
        import sqlalchemy as sa

        from ..store import schema as t

        p = t.previews.c
        with self.gate.store.reading() as conn:
            found = {int(r.id): (str(r.workspace), str(r.workflow_id), r.drop_id) for r in conn.execute(
                sa.select(p.id, p.workspace, p.workflow_id, p.drop_id).where(p.id.in_(ids)))}
        return {i: found.get(i) for i in ids}


class _LoopbackOnlyHandler(RequestHandler):
    """An internal service at a secret path (given to kernels in their environment): loopback only."""

    def prepare(self) -> None:
        if not _is_loopback(self.request.remote_ip or "") or is_forwarded(self.request):
            raise HTTPError(404)  # a visitor relayed by a proxy on this machine is not a kernel

    def check_xsrf_cookie(self) -> None:  # kernels, not browsers: the secret path is the credential
        return None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": status_code}))


class EmbedService:
    """The server's one loaded embedding model, shared by every dashboard kernel.

    Loaded in a background thread when the server starts (sentence-transformers takes
    ~10 s to import), so the first visitor's query usually finds it ready; calls are
    serialised (two cores: parallel encodes only slow each other down).
    """

    def __init__(self, embedder: Any):
        self.embedder = embedder
        self._lock = threading.Lock()

    def warm(self) -> None:
        try:
            with self._lock:
                self.embedder.embed(["warm up"])
            log.info("embedding model %s loaded for the dashboards", self.embedder.model_id)
        except Exception as exc:  # noqa: BLE001 - reported again to the kernel that asks
            log.warning("embedding model could not be loaded (%s)", type(exc).__name__)

    def embed(self, texts: list[str], query: bool = False) -> dict[str, Any]:
        with self._lock:
            if query:  # queries are one window each (Embedder.embed_query)
                vecs, counts = self.embedder.embed_query(texts), [1] * len(texts)
            else:
                vecs, counts = self.embedder.embed_documents(texts)
        vecs = np.ascontiguousarray(vecs, dtype=np.float32)
        return {"vectors": base64.b64encode(vecs.tobytes()).decode(), "counts": list(counts),
                "model_id": self.embedder.model_id}


class EmbedHandler(_LoopbackOnlyHandler):
    """``POST /qldrops/internal/<secret>/embed``: vectors from the server's loaded model."""

    def initialize(self, service: EmbedService) -> None:
        self.service = service

    async def post(self) -> None:
        try:
            body = json.loads(self.request.body or b"{}")
            texts = [str(x) for x in body["texts"]]
        except (ValueError, KeyError, TypeError):
            raise HTTPError(400) from None
        if body.get("model_id") != self.service.embedder.model_id:
            self.set_status(409)
            self.finish(json.dumps({"error": "another model", "model_id": self.service.embedder.model_id}))
            return
        answer = await IOLoop.current().run_in_executor(None, self.service.embed, texts, bool(body.get("query")))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(answer))


class CacheServiceHandler(_LoopbackOnlyHandler):
    """``GET|PUT /qldrops/internal/<secret>/cache/<key>``: the server's page cache, for its kernels.

    Entries are signed by whoever wrote them (:class:`qldrops.store.cache.PageCache`); this
    handler only keeps bytes, counts hits and misses, and bounds what one entry may take.
    """

    MAX_ENTRY = 16 * 2**20

    def initialize(self, cache: Any) -> None:
        self.cache = cache

    def get(self, key: str) -> None:
        value = self.cache.backend.get(key)
        self.cache.count(hit=value is not None)
        if value is None:
            raise HTTPError(404)
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(value)

    def put(self, key: str) -> None:
        body = self.request.body or b""
        if len(body) > self.MAX_ENTRY:
            raise HTTPError(413)
        try:
            ttl = max(1, min(86400, int(self.get_query_argument("ttl", "3600"))))
        except ValueError:
            raise HTTPError(400) from None
        self.cache.backend.set(key, body, ttl)
        self.set_status(204)
        self.finish()


class RequestChannelHandler(RequestInfoSocketHandler):
    """Voila's request-info websocket, served only at a path holding a server secret.

    Same protocol and shared registry as :class:`RequestInfoSocketHandler` (Voila's
    handler pushes through its class method), but a cached payload is handed out
    once and then dropped, and closing removes only this socket's own entry.
    """

    def open(self, kernel_id: str) -> None:
        self._qldrops_kernel_id = kernel_id
        RequestInfoSocketHandler._waiters[kernel_id] = self
        payload = RequestInfoSocketHandler._cache.pop(kernel_id, None)
        if payload is not None:
            self.write_message(payload)

    def on_close(self) -> None:
        kernel_id = getattr(self, "_qldrops_kernel_id", None)
        if RequestInfoSocketHandler._waiters.get(kernel_id) is self:
            del RequestInfoSocketHandler._waiters[kernel_id]


class NotFoundHandler(RequestHandler):
    """Anything no route claims: an instruction page, not Tornado's default."""

    def prepare(self) -> None:
        status, body = pages.not_found()
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(body)


def require_own_kernel(handler: RequestHandler, kernel_id: str) -> None:
    """Kernel routes answer only the visit the kernel renders for (its ``qldrops_visit`` cookie).

    Voila serves them to anyone who knows a kernel id; here another visitor, or a
    script holding a kernel id from a log, gets a 404 as if the kernel did not exist.
    """
    km = handler.settings["kernel_manager"]
    if not isinstance(km, CountingKernelManager) or not km.owns(kernel_id, handler.get_cookie(VISIT_COOKIE)):
        raise HTTPError(404)


class OwnKernelHandler(KernelHandler):
    """``/api/kernels/<id>``: the kernel's model, for its own page only."""

    async def prepare(self) -> None:  # type: ignore[override]  # as APIHandler.prepare upstream
        require_own_kernel(self, str(self.path_kwargs.get("kernel_id") or self.path_args[0]))
        await super().prepare()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        write_instruction(self, status_code)


class OwnKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """``/api/kernels/<id>/channels``: the kernel's websocket, for its own page only."""

    async def pre_get(self) -> None:  # before the upgrade: a refused socket is a plain 404
        require_own_kernel(self, str(self.kernel_id))
        await super().pre_get()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        write_instruction(self, status_code)


class OwnShutdownKernelHandler(VoilaShutdownKernelHandler):
    """``/voila/api/shutdown/<id>``: the page's unload beacon, for its own kernel only."""

    async def prepare(self) -> None:
        require_own_kernel(self, str(self.path_args[0] if self.path_args else ""))
        await super().prepare()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        write_instruction(self, status_code)
