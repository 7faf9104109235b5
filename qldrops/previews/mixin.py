"""Store methods for this package. `qldrops.store.core.Store` inherits from SharingMixin.

Import heavy dependencies inside the methods, never at module level.

The mixin gives the store its sharing managers and the two hooks the store core
calls: ``_authenticate_token`` (from ``connect(url, token=...)``) and
``_check_access`` (from ``_authorize`` on every read and write when a principal
is set). Managers are cached per store object and hold a reference to it, so
they always see its current principal and clock.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .analytics import Analytics
    from .auth import Principal
    from .events import Events
    from .identity import Tokens, Users, Workspaces
    from .links import Previews
    from .ratelimit import RateLimits


class SharingMixin:
    def _authenticate_token(self, token: str) -> Principal:
        """Act as the holder of API ``token`` from now on, in the token's workspace."""
        from .auth import authenticate

        principal = authenticate(self, token)
        self.principal = principal
        self.workspace = principal.workspace
        return principal

    def _check_access(self, action: str) -> None:
        """``require`` for the store core: ``action`` in this store's workspace."""
        from .auth import principal_of, require

        require(principal_of(self), action, self.workspace, store=self)

    @cached_property
    def workspaces(self) -> Workspaces:
        from .identity import Workspaces

        return Workspaces(self)

    @cached_property
    def users(self) -> Users:
        from .identity import Users

        return Users(self)

    @cached_property
    def tokens(self) -> Tokens:
        from .identity import Tokens

        return Tokens(self)

    @cached_property
    def previews(self) -> Previews:
        from .links import Previews

        return Previews(self)

    @cached_property
    def events(self) -> Events:
        from .events import Events

        return Events(self)

    @cached_property
    def analytics(self) -> Analytics:
        from .analytics import Analytics

        return Analytics(self)

    @cached_property
    def rate_limits(self) -> RateLimits:
        from .ratelimit import RateLimits

        return RateLimits.from_settings(self.settings)
