"""One-time render tickets: how a kernel learns which preview it shows.

The share link's capability stays in the server process. After the link has
been checked, the server issues a short random *ticket* for that one render and
hands it to the kernel through Voila's request-info channel (as the only thing
in ``QUERY_STRING``). The kernel redeems it once, over a loopback endpoint that
needs the per-server kernel key, for the preview's id, workspace and workflow.

A ticket is useless after redemption or after ``ttl`` seconds, so a ticket that
turns up later (kernel environment, a log, another visitor's kernel) grants
nothing; and it is never the capability, which would open the link again.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Grant:
    """What a render may know about the link that was opened (no secrets)."""

    preview_id: int
    workspace: str
    workflow_id: str
    expires_at: str  # ISO 8601, UTC
    dashboard: str = "preview"  # which dashboard notebook renders it (preview, analytics, explorer)
    # The visitor as the view event recorded them, so that the kernel's download/execute events
    # count for the same viewer (the funnel). Not secrets: they are in the events table anyway.
    client: str = ""
    user_agent: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class TicketBook:
    """In-memory, single-process ticket registry (each server redeems its own)."""

    def __init__(self, ttl: float = 120.0, clock=time.monotonic):
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._tickets: dict[str, tuple[Grant, float]] = {}

    def issue(self, grant: Grant) -> str:
        ticket = secrets.token_urlsafe(18)
        now = self._clock()
        with self._lock:
            self._sweep(now)
            self._tickets[ticket] = (grant, now + self.ttl)
        return ticket

    def redeem(self, ticket: str) -> Grant | None:
        """The grant for ``ticket``, once; None if unknown, used or expired."""
        with self._lock:
            entry = self._tickets.pop(ticket, None)
        if entry is None:
            return None
        grant, deadline = entry
        return grant if self._clock() <= deadline else None

    def __len__(self) -> int:
        with self._lock:
            self._sweep(self._clock())
            return len(self._tickets)

    def _sweep(self, now: float) -> None:
        for key in [k for k, (_, deadline) in self._tickets.items() if deadline < now]:
            del self._tickets[key]
