"""Access and sharing as one component: identity, API tokens, share links, events, analytics.

:class:`Sharing` is built by :mod:`qldrops.client` from the drop store and the runner
(a share link's Run button runs code in the sandbox). It gives the store its access
check (``check_access``) and authenticates API tokens (``authenticate``). Its managers
are made on first use and hold a reference back to it, so they always see the store's
current principal, workspace and clock.
"""

from __future__ import annotations

from functools import cached_property

from ..runner.service import Runner
from ..store.core import DropStore
from .analytics import Analytics
from .auth import Principal, authenticate, principal_of, require
from .comments import Comments
from .events import Events
from .identity import Tokens, Users, Workspaces
from .links import Previews
from .ratelimit import RateLimits


class Sharing:
    def __init__(self, drops: DropStore, runner: Runner):
        self.drops = drops
        self.runner = runner

    def authenticate(self, token: str) -> Principal:
        """Act as the holder of API ``token`` from now on, in the token's workspace."""
        principal = authenticate(self.drops, token)
        self.drops.principal = principal
        self.drops.workspace = principal.workspace or self.drops.workspace
        return principal

    def check_access(self, action: str) -> None:
        """The store's access check: ``action`` in the store's workspace, as its principal."""
        require(principal_of(self.drops), action, self.drops.workspace, store=self.drops)

    @cached_property
    def workspaces(self) -> Workspaces:
        return Workspaces(self)

    @cached_property
    def users(self) -> Users:
        return Users(self)

    @cached_property
    def tokens(self) -> Tokens:
        return Tokens(self)

    @cached_property
    def previews(self) -> Previews:
        return Previews(self)

    @cached_property
    def comments(self) -> Comments:
        return Comments(self)

    @cached_property
    def events(self) -> Events:
        return Events(self)

    @cached_property
    def analytics(self) -> Analytics:
        return Analytics(self)

    @cached_property
    def rate_limits(self) -> RateLimits:
        return RateLimits.from_settings(self.drops.settings)
