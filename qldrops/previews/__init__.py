"""qldrops.previews: workspaces, users, API tokens, share links, analytics events, rate limits.

Reached through the store (``store.previews``, ``store.users`` ...; see
``mixin.py``). Other packages use :func:`require` and :class:`Principal` from
``qldrops.previews.auth`` to check callers; the server uses
``store.previews.check`` before any kernel starts.
"""

from __future__ import annotations

__all__ = ["ACTIONS", "ROLES", "Principal", "audit", "authenticate", "require"]


def __getattr__(name: str):
    if name in __all__:
        from . import auth

        return getattr(auth, name)
    raise AttributeError(f"module 'qldrops.previews' has no attribute {name!r}")
