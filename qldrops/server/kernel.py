"""Kernel side of a share-link render: learn which preview this page shows.

Runs inside the dashboard's kernel, never in the server. The server put a
one-time ticket (never the capability) into this render's ``QUERY_STRING``;
:func:`wait_for_visit` reads it (in a preheated kernel it first blocks until a
visitor arrives, through Voila's request-info channel), removes it from the
environment and redeems it at the server's loopback endpoint for the preview's
id, workspace and workflow. :func:`open_view` then gives the read-only
:class:`~qldrops.previews.links.PreviewView` a dashboard draws from.

The environment variables come from ``qldrops serve``; a notebook run outside
it (nbclient in tests, JupyterLab) gets a clear error instead of a hang.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..dashboards.html import problem_html as dashboard_problem_html
from ..errors import AccessDenied, LinkExpired, QldropsError, RateLimited
from .pages import describe

ENV_REDEEM_URL = "QLDROPS_SERVER_REDEEM_URL"
ENV_KERNEL_KEY = "QLDROPS_SERVER_KERNEL_KEY"
ENV_RUN_PERMIT_URL = "QLDROPS_SERVER_RUN_PERMIT_URL"
ENV_PRESENCE_URL = "QLDROPS_SERVER_PRESENCE_URL"
ENV_CHANNEL_URL = "QLDROPS_SERVER_CHANNEL_URL"
# Request details Voila copies into the kernel environment; dropped once read.
_REQUEST_ENV = ("QUERY_STRING", "SCRIPT_NAME", "PATH_INFO", "VOILA_REQUEST_URL")
WAIT_TAG = "qldrops-wait-for-visit"  # cells with this tag may wait without a timeout (preheated kernels)
# Loggers whose records a kernel forwards to the page (its stderr goes out on iopub): comm handlers' errors.
_COMM_LOGGERS = ("ipykernel.comm", "Comm")
_COMM_TYPES = ("comm_open", "comm_msg", "comm_close")
_comm_log = logging.getLogger("ipykernel.comm")


@dataclass(frozen=True)
class Visit:
    """The link a render serves: ids only, no secret."""

    preview_id: int
    workspace: str
    workflow_id: str
    expires_at: str
    dashboard: str = "preview"
    client: str = ""  # the visitor's address and browser, as the server recorded the view
    user_agent: str = ""

    @property
    def who(self) -> dict[str, str | None]:
        """``client``/``user_agent`` keyword arguments for events recorded for this visitor."""
        return {"client": self.client or None, "user_agent": self.user_agent or None}


def served() -> bool:
    """True in a kernel ``qldrops serve`` started (it always sets the redeem URL)."""
    return bool(os.environ.get(ENV_REDEEM_URL))


def _query_string() -> str:
    if os.environ.get("VOILA_PREHEAT") != "True":
        return os.environ.get("QUERY_STRING", "")
    # A preheated kernel runs the notebook before anyone asks for it and waits here until the
    # server hands it a visitor. Same protocol as voila.utils.get_query_string (one JSON message
    # on <channel>/<kernel id>), without importing voila.utils, which costs ~4 s per kernel.
    channel, kernel_id = os.environ.get(ENV_CHANNEL_URL), os.environ.get("VOILA_KERNEL_ID")
    if not channel or not kernel_id:
        raise AccessDenied(
            "this dashboard runs only under `qldrops serve`", hint="open it through a share link (/p/...)"
        )
    from websockets.sync.client import connect

    # No pings: the wait may last hours on loopback, and a missed pong must not drop the visitor.
    with connect(
        f"{channel}/{kernel_id}", proxy=None, compression=None, ping_interval=None, open_timeout=10
    ) as ws:
        payload = json.loads(ws.recv())
    return str(payload.get("QUERY_STRING", ""))


class _NoTracebacks(logging.Filter):
    """Drop the traceback from a record (its text names server paths); keep a short line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info or record.exc_text or record.stack_info:
            kind = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else "error"
            record.msg, record.args = f"{record.getMessage()} ({kind})", ()
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def comm_problem(msg_type: str, msg: Any) -> str | None:
    """Why a comm message from a page is malformed, or None when its shape is sound."""
    content = msg.get("content") if isinstance(msg, dict) else None
    if not isinstance(content, dict):
        return "no content"
    comm_id = content.get("comm_id")
    if not isinstance(comm_id, str) or not 0 < len(comm_id) <= 128:
        return "no comm id"
    if msg_type == "comm_open" and not isinstance(content.get("target_name"), str):
        return "no target name"
    if not isinstance(content.get("data", {}), dict):
        return "data is not an object"
    return None


class _CommGuard:
    """A kernel's comm message handler that refuses malformed messages with a short error line."""

    def __init__(self, msg_type: str, handler: Callable[..., Any]):
        self.msg_type, self.handler = msg_type, handler

    def __call__(self, stream: Any, ident: Any, msg: Any) -> Any:
        problem = comm_problem(self.msg_type, msg)
        if problem is not None:
            _comm_log.warning("refused a malformed %s message (%s)", self.msg_type, problem)
            return None
        try:
            return self.handler(stream, ident, msg)
        except Exception as exc:  # noqa: BLE001 - a page's message never puts a traceback on the wire
            _comm_log.warning("refused a %s message (%s)", self.msg_type, type(exc).__name__)
            return None


def guard_comms(kernel: Any = None) -> bool:
    """In a dashboard kernel: malformed widget (comm) messages get a short error, never a traceback.

    ipykernel logs a failing comm handler with its traceback, and the kernel's stderr
    goes to the page, so a visitor's hand-made ``comm_open`` saw server paths. Returns
    False outside a kernel (nothing to guard). Safe to call more than once.
    """
    if kernel is None:
        from IPython import get_ipython

        shell = get_ipython()
        kernel = getattr(shell, "kernel", None)
    handlers = getattr(kernel, "shell_handlers", None)
    if not isinstance(handlers, dict):
        return False
    for name in _COMM_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoTracebacks) for f in logger.filters):
            logger.addFilter(_NoTracebacks())
    for msg_type in _COMM_TYPES:
        handler = handlers.get(msg_type)
        if handler is not None and not isinstance(handler, _CommGuard):
            handlers[msg_type] = _CommGuard(msg_type, handler)
    return True


def wait_for_visit(timeout: float = 10.0) -> Visit:
    """The visit this kernel renders for; raises AccessDenied / LinkExpired / QldropsError.

    Guards the kernel's comm handlers first (:func:`guard_comms`): the visitor's page
    connects only after this.
    """
    guard_comms()
    query = _query_string()
    for name in _REQUEST_ENV:
        os.environ.pop(name, None)
    ticket = urllib.parse.parse_qs(query).get("ticket", [""])[0]
    url, key = os.environ.get(ENV_REDEEM_URL), os.environ.get(ENV_KERNEL_KEY)
    if not ticket or not url or not key:
        raise AccessDenied(
            "this page was opened without a share link", hint="open it through its /p/... link"
        )
    request = urllib.request.Request(
        url,
        data=json.dumps({"ticket": ticket}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Qldrops-Kernel-Key": key},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
    try:
        with opener.open(request, timeout=timeout) as response:
            data: dict[str, Any] = json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code == 410:
            raise LinkExpired(
                "this page took too long to load and its session ended", hint="reload the page"
            ) from None
        raise QldropsError(
            f"the preview server refused this page ({exc.code})", hint="reload the page"
        ) from None
    except (urllib.error.URLError, OSError, ValueError):
        raise QldropsError("the preview server did not answer", hint="reload the page in a moment") from None
    return Visit(
        preview_id=int(data["preview_id"]),
        workspace=str(data["workspace"]),
        workflow_id=str(data["workflow_id"]),
        expires_at=str(data["expires_at"]),
        dashboard=str(data.get("dashboard") or "preview"),
        client=str(data.get("client") or "")[:64],
        user_agent=str(data.get("user_agent") or "")[:500],
    )


class RunPermit:
    """Asks the server whether the visit's link may run code now (the per-link run limit).

    Called before every sandbox run of the preview page; raises RateLimited (with
    ``retry_after``) past the limit, QldropsError when the server does not answer.
    """

    def __init__(self, visit: Visit, url: str, key: str, timeout: float = 10.0):
        self.preview_id, self.url, self.key, self.timeout = visit.preview_id, url, key, timeout

    def __call__(self) -> None:
        try:
            with _ask_server(self.url, self.key, self.preview_id, self.timeout):
                return
        except urllib.error.HTTPError as exc:
            if exc.code == 429:
                try:
                    retry_after = float(json.load(exc).get("retry_after", 60))
                except (ValueError, AttributeError):
                    retry_after = 60.0
                raise RateLimited("too many sandbox runs for this link", retry_after=retry_after) from None
            raise QldropsError(f"the preview server refused the run ({exc.code})", hint="reload the page") from None
        except (urllib.error.URLError, OSError):
            raise QldropsError("the preview server did not answer", hint="try again in a moment") from None


def _ask_server(url: str, key: str, preview_id: int, timeout: float) -> Any:
    """POST ``{"preview_id": ...}`` to one of the server's kernel-only endpoints (no proxy); the response."""
    request = urllib.request.Request(
        url,
        data=json.dumps({"preview_id": preview_id}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Qldrops-Kernel-Key": key},
    )
    return urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=timeout)


def run_permit(visit: Visit) -> RunPermit | None:
    """The run permit of a served visit; None outside ``qldrops serve`` (no server to ask)."""
    url, key = os.environ.get(ENV_RUN_PERMIT_URL), os.environ.get(ENV_KERNEL_KEY)
    return RunPermit(visit, url, key) if url and key else None


class PresenceProbe:
    """Asks the server how many pages are open on the visit's workflow, and who edits which file.

    Returns ``{"pages": n, "editors": [{"name", "file"}]}``, or None when the server does not answer
    (the page then shows nothing rather than a wrong count).
    """

    def __init__(self, visit: Visit, url: str, key: str, timeout: float = 5.0):
        self.preview_id, self.url, self.key, self.timeout = visit.preview_id, url, key, timeout

    def __call__(self) -> dict[str, Any] | None:
        try:
            with _ask_server(self.url, self.key, self.preview_id, self.timeout) as response:
                answer = json.load(response)
        except (urllib.error.URLError, OSError, ValueError):
            return None
        return answer if isinstance(answer, dict) else None


def presence_probe(visit: Visit) -> PresenceProbe | None:
    """The presence probe of a served visit; None outside ``qldrops serve``."""
    url, key = os.environ.get(ENV_PRESENCE_URL), os.environ.get(ENV_KERNEL_KEY)
    return PresenceProbe(visit, url, key) if url and key else None


def visit_if_served() -> Visit | None:
    """For dashboards analysts also open directly (analytics, explorer): the visit under
    ``qldrops serve``, None elsewhere (Voila or nbclient run by someone holding the database URL).

    Under the server the redeem URL is always set, so a visitor never gets the unscoped view.
    """
    return wait_for_visit() if served() else None


def scoped_store(store: Any, workspace: str, principal: Any = None) -> Any:
    """A store bound to ``workspace`` sharing ``store``'s engine (no second connection pool).

    Workspace-bound calls (similar, run, project, analytics) then answer for the link's
    workspace only. Do not ``close()`` it: the engine belongs to ``store``.
    """
    scoped = type(store)(
        store.engine, store.settings.replace(workspace=workspace), workspace=workspace, url=store.url
    )
    scoped.clock = store.clock
    scoped.principal = principal
    return scoped


def workspace_store(visit: Visit, store: Any = None) -> Any:
    """What a workspace-wide dashboard link grants: reading ``visit.workspace`` as a viewer.

    A viewer principal (named ``link:<id>``) rather than the link principal, because these
    dashboards read the workspace's analytics too; writes, runs and other workspaces are refused
    by the store's access checks.
    """
    import qldrops
    from qldrops.previews.auth import Principal

    if visit.dashboard == "preview":
        raise AccessDenied("this link shares one workflow, not the workspace", hint="open it as a preview")
    store = store if store is not None else qldrops.connect(migrate_schema=False)
    store.previews.view(visit.preview_id)  # still live? (NotFound / LinkExpired / LinkRevoked)
    viewer = Principal(kind="user", workspace=visit.workspace, role="viewer", name=f"link:{visit.preview_id}")
    return scoped_store(store, visit.workspace, viewer)


def open_view(visit: Visit, store: Any = None) -> Any:
    """The read-only view of the visit's link (re-checked on every read by PreviewView).

    The view's store is bound to the link's workspace (its runs, similarity and
    project calls then stay there); the link itself was counted by the server.
    """
    import qldrops

    if visit.dashboard != "preview":
        raise AccessDenied("this link opens a workspace dashboard, not a workflow", hint="reload the page")
    store = store if store is not None else qldrops.connect(migrate_schema=False)
    return scoped_store(store, visit.workspace).previews.view(visit.preview_id)


def visitor_wording(exc: BaseException) -> tuple[str, str, str]:
    """(title, message, hint) for a visitor: the server's error pages' words, no exception text."""
    _, title, message, hint = describe(exc)
    return title, message, hint


def problem_html(exc: BaseException) -> str:
    """What a dashboard shows instead of a traceback (visitor wording, no exception text)."""
    return dashboard_problem_html(exc, visitor_wording)
