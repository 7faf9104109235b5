"""Rate limits per client address, per API token, per share link and sandbox runs per link (``limits``).

Moving-window limits held in memory by default (one process); point
``storage`` at Redis (``redis://127.0.0.1:6379``) to share the counts between
several ``qldrops serve`` processes (``QLDROPS_RATE_LIMIT_STORAGE``; without it, the
``QLDROPS_REDIS_URL`` of the page cache when set). Secrets never become keys: tokens and
capabilities are hashed first.

    store.rate_limits.hit(client="203.0.113.9", link=capability)   # raises RateLimited(retry_after=...)
"""

from __future__ import annotations

import logging
import math
import time

from ..errors import ConfigurationError, DatabaseUnavailable, RateLimited
from ..settings import Settings
from .capability import secret_hash

log = logging.getLogger(__name__)

DEFAULTS = {"client": "300/minute", "token": "1200/minute", "link": "120/minute", "run": "10/minute"}
DEFAULT_STORAGE = "memory://"
_STRATEGIES = ("moving-window", "fixed-window", "sliding-window-counter")


class RateLimits:
    """Independent limits; a request is allowed only when none of its keys is over.

    ``run`` counts sandbox runs of one share link (keyed by the link's id: runs are
    asked for by the server's kernels, which never hold the capability).
    """

    def __init__(self, *, client: str | None = None, token: str | None = None, link: str | None = None,
                 run: str | None = None, storage: str = DEFAULT_STORAGE, strategy: str = "moving-window"):
        from limits import parse
        from limits.storage import storage_from_string
        from limits.strategies import STRATEGIES  # name -> limiter class: the names of _STRATEGIES

        self.limits = {}
        for kind, spec in (("client", client), ("token", token), ("link", link), ("run", run)):
            spec = spec or DEFAULTS[kind]
            try:
                self.limits[kind] = parse(spec)
            except ValueError:
                raise ConfigurationError(f"rate limit {spec!r} for {kind} is not a limit",
                                         hint='write it like "120/minute" or "10/second;1000/hour"') from None
        if strategy not in _STRATEGIES:
            raise ConfigurationError(f"unknown rate-limit strategy {strategy!r}", hint="use " + ", ".join(_STRATEGIES))
        try:
            self._storage = storage_from_string(storage)
        except Exception as e:  # noqa: BLE001 - limits raises ConfigurationError/ImportError variants
            raise ConfigurationError(f"rate-limit storage {storage!r} cannot be used: {e}",
                                     hint="use memory:// or redis://host:6379 (pip install redis)") from None
        self._limiter = STRATEGIES[strategy](self._storage)
        self.storage_uri = storage

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        """Limits from the settings ``rate_limit_client/token/link/storage`` (an empty one: no limit)."""
        return cls(client=settings.rate_limit_client or None, token=settings.rate_limit_token or None,
                   link=settings.rate_limit_link or None, run=settings.rate_limit_run or None, storage=settings.resolved_rate_limit_storage)

    def hit(self, *, client: str | None = None, token: str | None = None, link: str | None = None,
            run: str | int | None = None, cost: int = 1) -> None:
        """Count one request against each key given; raise :class:`RateLimited` if any is over.

        Keys are tested first and counted only if all pass, so a refused request
        does not eat into the other budgets.
        """
        keys = self._keys(client, token, link, run)
        try:
            for kind, ident in keys:
                if not self._limiter.test(self.limits[kind], kind, ident, cost=cost):
                    raise RateLimited(f"too many requests for this {kind}",
                                      retry_after=self.retry_after(kind, ident))
            for kind, ident in keys:
                if not self._limiter.hit(self.limits[kind], kind, ident, cost=cost):  # lost a race
                    raise RateLimited(f"too many requests for this {kind}",
                                      retry_after=self.retry_after(kind, ident))
        except RateLimited as e:
            log.info("rate limited: %s", e.message)
            raise
        except Exception as e:
            raise DatabaseUnavailable(f"the rate-limit storage {self.storage_uri} failed: {e}",
                                      hint="check that Redis is running, or use memory:// storage") from e

    def remaining(self, *, client: str | None = None, token: str | None = None,
                  link: str | None = None, run: str | int | None = None) -> dict[str, int]:
        """How many requests each key has left in its window."""
        return {kind: self._limiter.get_window_stats(self.limits[kind], kind, ident).remaining
                for kind, ident in self._keys(client, token, link, run)}

    def retry_after(self, kind: str, ident: str) -> float:
        stats = self._limiter.get_window_stats(self.limits[kind], kind, ident)
        return float(max(1, math.ceil(stats.reset_time - time.time())))

    def reset(self) -> None:
        """Forget every count (tests, or an operator after an incident)."""
        self._storage.reset()

    @staticmethod
    def _keys(client, token, link, run=None) -> list[tuple[str, str]]:
        keys = []
        if client:
            keys.append(("client", str(client)[:64]))
        if token:
            keys.append(("token", secret_hash(str(token))[:32]))
        if link:
            keys.append(("link", secret_hash(str(link))[:32]))
        if run is not None and str(run):
            keys.append(("run", str(run)[:64]))
        return keys

    def __repr__(self) -> str:
        lims = ", ".join(f"{k}={v}" for k, v in self.limits.items())
        return f"<RateLimits {lims} storage={self.storage_uri}>"
