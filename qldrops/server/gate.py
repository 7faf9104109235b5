"""The link check that runs before any kernel: format, rate limit, database.

:class:`LinkGate` is the one place the server touches a capability. It turns a
live link into a :class:`~qldrops.server.tickets.Grant` (ids only) and every
other outcome into a :class:`~qldrops.errors.QldropsError` whose
``http_status`` the handler answers with.
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import NotFound, QldropsError
from .tickets import Grant

log = logging.getLogger("qldrops.server")


class LinkGate:
    """Checks share links against one store (any workspace: a capability is global)."""

    def __init__(self, store: Any, limits: Any = None):
        self.store = store
        self._limits = limits  # a qldrops.previews.ratelimit.RateLimits; default: store.rate_limits

    def open(self, capability: str, *, user_agent: str = "", client: str = "") -> Grant:
        """Check ``capability``, record the view; raise NotFound/LinkExpired/LinkRevoked/RateLimited."""
        view = self.view(capability, user_agent=user_agent, client=client)
        p = view.preview
        return Grant(
            preview_id=int(p.id),
            workspace=str(p.workspace),
            workflow_id=str(p.workflow_id),
            expires_at=p.expires_at.isoformat(),
            dashboard=p.dashboard,
            client=client or "",
            user_agent=user_agent or "",
        )

    def view(self, capability: str, *, user_agent: str = "", client: str = "") -> Any:
        """The same checks as :meth:`open`, returning the link's ``PreviewView`` (the editor page keeps it)."""
        from ..previews.capability import is_well_formed

        if not is_well_formed(capability):
            # Junk costs neither a rate-limit slot keyed on it nor a query.
            self._limit(client=client, link=None)
            raise NotFound("no such share link")
        self._limit(client=client, link=capability)
        return self.store.previews.open(capability, user_agent=user_agent or None, client=client or None)

    def _limit(self, *, client: str, link: str | None) -> None:
        """Per-client and per-link limits; raises RateLimited (429 with Retry-After)."""
        limits = self._limits if self._limits is not None else self.store.rate_limits
        if limits is not None:
            limits.hit(client=client or "unknown", link=link)  # hashes the capability itself

    def permit_run(self, preview_id: int) -> None:
        """Count one sandbox run of link ``preview_id``; raises RateLimited past the per-link run limit."""
        limits = self._limits if self._limits is not None else self.store.rate_limits
        if limits is not None:
            limits.hit(run=f"preview:{int(preview_id)}")

    def is_admin_token(self, token: str) -> bool:
        """True when ``token`` is a live API token of a workspace admin (the health report's check)."""
        from ..previews.auth import authenticate

        try:
            return authenticate(self.store, token).role == "admin"
        except QldropsError:
            return False

    def ping(self) -> bool:
        """True when the database answers and its schema is one this code knows (for the health check).

        Another replica may have migrated the shared database past this one (a rolling upgrade):
        this replica then reports itself degraded, and a restart refuses with advice.
        """
        from ..store.db import KNOWN_REVISIONS, SCHEMA_HEAD, current_revision

        try:
            with self.store.engine.connect() as conn:
                rev = current_revision(conn)
        except Exception as exc:  # noqa: BLE001 - a health check reports, it does not raise
            log.warning("health check: database unavailable (%s)", type(exc).__name__)
            return False
        if rev is not None and rev not in KNOWN_REVISIONS:
            log.error("health check: the database has schema %r, newer than this replica (%s): upgrade qldrops "
                      "here and restart", rev, SCHEMA_HEAD)
            return False
        return True


__all__ = ["LinkGate", "QldropsError"]
