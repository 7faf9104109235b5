"""qldrops.previews: workspaces, users, API tokens, share links, analytics events, rate limits.

Composed into the front door as :class:`~qldrops.previews.sharing.Sharing`
(``store.previews``, ``store.users`` ...). Other packages use :func:`require` and
:class:`Principal` from :mod:`qldrops.previews.auth` to check callers; the server
uses ``store.previews.check`` before any kernel starts.
"""

from __future__ import annotations

from .auth import ACTIONS, ROLES, Principal, audit, authenticate, require

__all__ = ["ACTIONS", "ROLES", "Principal", "audit", "authenticate", "require"]
