"""The page cache: what a page needs, kept per workflow and per change-log position.

A cached answer is stored under a key that names *what it was computed from*: its
kind (``project``, ``similar``, ``analysis``, ``analytics``), the workspace, its
subject (a workflow, a drop, a query) and the position of the change log (or of
another append-only table) that covers that subject. A write moves the position of
exactly what it touches (a new version of a drop of workflow ``W`` moves ``W``'s
position and the workspace's, not another workflow's), so the next read computes a
new key and misses; an older entry is never read again and ages out (LRU in process,
a TTL in Redis). Nothing is deleted on write, so two servers sharing Redis, or a
server and a batch job writing to the same database, can never see a stale answer:
every reader asks the database for the position first (one indexed ``max()``).

Backends (one small seam, :class:`CacheBackend`): :class:`MemoryBackend`, an LRU in
this process (the default); :class:`ServiceBackend`, the server's LRU, for the
dashboard kernels of ``qldrops serve`` (each kernel is a process of its own); and
:class:`RedisBackend` when ``QLDROPS_REDIS_URL`` is set (shared by several servers). Values are pickled and signed (HMAC-SHA256 with a key
derived from the database URL, or ``QLDROPS_CACHE_SECRET``): a value written to Redis
by anyone without the key is refused, never unpickled. A cache that fails (Redis
down) is a miss, logged once, never an error on a page.

The cache lives in the store layer because every package above uses it (analysis,
index, previews, dashboards): the lowest layer all of them may import.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa

from . import schema as t

log = logging.getLogger(__name__)
T = TypeVar("T")

FORMAT = b"q2"  # bump when what is cached changes shape: old entries are then never read


class CacheBackend(Protocol):
    """Bytes by key, with a time to live. Must not raise on a lost connection (return None)."""

    name: str

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes, ttl: int) -> None: ...


class MemoryBackend:
    """An LRU of at most ``max_bytes`` in this process (thread-safe)."""

    name = "memory"

    def __init__(self, max_bytes: int = 256 * 2**20):
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            expires, value = item
            if expires < time.monotonic():
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, ttl: int) -> None:
        if len(value) > self.max_bytes // 4:  # one huge answer must not evict everything else
            return
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = (time.monotonic() + ttl, value)
            self._size += len(value)
            while self._size > self.max_bytes and self._items:
                self._drop(next(iter(self._items)))

    def _drop(self, key: str) -> None:
        _, value = self._items.pop(key)
        self._size -= len(value)

    def __len__(self) -> int:
        return len(self._items)


class RedisBackend:
    """Redis (``redis://host:port/db``): shared by every server and kernel that names it."""

    name = "redis"

    def __init__(self, url: str, *, prefix: str = "qldrops:cache:"):
        import redis  # the `server` extra; imported here, when a Redis URL is configured

        self.prefix = prefix
        self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._warned = False

    def get(self, key: str) -> bytes | None:
        try:
            value: Any = self._client.get(self.prefix + key)
        except Exception as exc:  # noqa: BLE001 - a cache that fails is a miss, never a broken page
            self._warn(exc)
            return None
        return bytes(value) if value is not None else None

    def set(self, key: str, value: bytes, ttl: int) -> None:
        try:
            self._client.set(self.prefix + key, value, ex=max(1, int(ttl)))
        except Exception as exc:  # noqa: BLE001
            self._warn(exc)

    def _warn(self, exc: BaseException) -> None:
        if not self._warned:
            log.warning("page cache: Redis is not answering (%s); computing every answer", type(exc).__name__)
            self._warned = True


class ServiceBackend:
    """The cache of the ``qldrops serve`` process, for its kernels (loopback HTTP at a secret path).

    Each dashboard kernel is its own process: an in-process cache there would serve one
    visitor only. The server keeps one :class:`MemoryBackend` for all of them.
    """

    name = "server"

    def __init__(self, url: str, *, timeout: float = 1.0):
        import urllib.request

        self.url, self.timeout = url.rstrip("/"), timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
        self._warned = False

    def get(self, key: str) -> bytes | None:
        import urllib.error

        try:
            with self._opener.open(f"{self.url}/{key}", timeout=self.timeout) as r:
                return bytes(r.read())
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                self._warn(exc)
            return None
        except (OSError, ValueError) as exc:
            self._warn(exc)
            return None

    def set(self, key: str, value: bytes, ttl: int) -> None:
        import urllib.request

        request = urllib.request.Request(f"{self.url}/{key}?ttl={int(ttl)}", data=value, method="PUT",
                                         headers={"Content-Type": "application/octet-stream"})
        try:
            with self._opener.open(request, timeout=self.timeout):
                return
        except (OSError, ValueError) as exc:
            self._warn(exc)

    def _warn(self, exc: BaseException) -> None:
        if not self._warned:
            log.warning("page cache: the server's cache is not answering (%s)", type(exc).__name__)
            self._warned = True


class PageCache:
    """Signed, versioned answers over a :class:`CacheBackend`, with hit/miss counters."""

    def __init__(self, backend: CacheBackend, secret: bytes, *, ttl: int = 6 * 3600, enabled: bool = True):
        self.backend, self.ttl, self.enabled = backend, int(ttl), enabled
        self._secret = hashlib.sha256(b"qldrops page cache\0" + secret).digest()
        self.hits = self.misses = 0
        self._lock = threading.Lock()

    def key(self, kind: str, *parts: Any) -> str:
        """A backend key for ``kind`` and ``parts`` (hashed: any text may be a part)."""
        # the signing key is part of the digest: deployments sharing one Redis never meet each other's keys
        text = repr((FORMAT, kind, parts)).encode("utf-8", "surrogatepass")
        digest = hmac.new(self._secret, text, "sha256").hexdigest()[:40]
        return f"{kind}:{digest}"

    def remember(self, kind: str, parts: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """The cached answer for ``(kind, parts)``, or ``compute()`` stored for the next reader.

        ``parts`` must hold every input the answer depends on, positions included
        (:func:`workflow_position`, :func:`workspace_position`). Errors are not cached.
        """
        if not self.enabled:
            return compute()
        found = self.peek(kind, parts)
        if found is not None:
            return found
        value = compute()
        self.put(kind, parts, value)
        return value

    def peek(self, kind: str, parts: tuple[Any, ...]) -> Any:
        """The cached answer for ``(kind, parts)``, or None (counted as a hit or a miss; never computes)."""
        if not self.enabled:
            return None
        raw = self.backend.get(self.key(kind, *parts))
        found = self._load(raw) if raw is not None else _MISSING
        self._count(hit=found is not _MISSING)
        return None if found is _MISSING else found

    def put(self, kind: str, parts: tuple[Any, ...], value: Any) -> None:
        """Store ``value`` for ``(kind, parts)``; ``parts`` must name the positions it was computed at."""
        if not self.enabled or value is None:
            return
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - an answer that cannot be pickled is simply not cached
            log.debug("page cache: %s answer not cached (%s)", kind, type(exc).__name__)
            return
        self.backend.set(self.key(kind, *parts), hmac.new(self._secret, data, "sha256").digest() + data, self.ttl)

    def _load(self, raw: bytes) -> Any:
        sig, data = raw[:32], raw[32:]
        if not hmac.compare_digest(sig, hmac.new(self._secret, data, "sha256").digest()):
            log.warning("page cache: an entry with a wrong signature was ignored")
            return _MISSING
        try:
            return pickle.loads(data)  # noqa: S301 - signed by this deployment's key (checked above)
        except Exception:  # noqa: BLE001 - a class that changed shape: recompute
            return _MISSING

    def count(self, *, hit: bool) -> None:
        """Count one lookup (the server counts its kernels' lookups with this)."""
        self._count(hit=hit)

    def _count(self, *, hit: bool) -> None:
        with self._lock:
            if hit:
                self.hits += 1
            else:
                self.misses += 1

    def stats(self) -> dict[str, Any]:
        total = self.hits + self.misses
        return {"backend": self.backend.name, "hits": self.hits, "misses": self.misses,
                "hit_rate": round(self.hits / total, 3) if total else None}

    def __repr__(self) -> str:
        return f"<PageCache {self.backend.name} hits={self.hits} misses={self.misses}>"


_MISSING = object()


def make_cache(settings: Any, database_url: str) -> PageCache:
    """The cache the settings ask for: Redis at ``redis_url`` if set; else the server's (in a
    kernel of ``qldrops serve``, ``cache_service_url``); else one in this process."""
    backend: CacheBackend
    if settings.redis_url:
        backend = RedisBackend(settings.redis_url)
    elif settings.cache_service_url:
        backend = ServiceBackend(settings.cache_service_url)
    else:
        backend = MemoryBackend(max(0, settings.cache_max_mb) * 2**20)
    secret = (settings.cache_secret or database_url).encode()
    return PageCache(backend, secret, enabled=settings.cache_max_mb > 0 or backend.name != "memory")


# ------------------------------------------------------------------------------------ positions
# A position is a tuple that changes whenever what it covers changes. A count rides with every
# max(): on PostgreSQL a sequence value is not commit order (a transaction holding seq 6 may commit
# after seq 7 is visible), and a late commit moves the count even when it leaves the max alone.
def workspace_position(conn: sa.Connection, workspace: str) -> tuple[int, int]:
    """(last change, changes) of ``workspace``: moves with every drop write there (purges included)."""
    c = t.changes
    top, n = conn.execute(sa.select(sa.func.coalesce(sa.func.max(c.c.seq), 0), sa.func.count())
                          .where(c.c.workspace == workspace)).one()
    return int(top), int(n)


def workflow_position(conn: sa.Connection, workspace: str, workflow_id: str) -> tuple[int, int, int]:
    """(last change, changes, drops) of ``workflow_id``: moves with its writes only.

    A drop never changes workflow (a fork makes new drops), so the changes of the
    workflow are the changes of its drops. A purge removes the drop's row: the drop
    count moves, so the position never returns to one an older answer was stored under.
    """
    c, d = t.changes, t.drops
    mine = (d.c.workspace == workspace) & (d.c.workflow_id == workflow_id)
    top, n = conn.execute(sa.select(sa.func.coalesce(sa.func.max(c.c.seq), 0), sa.func.count())
                          .select_from(c.join(d, d.c.id == c.c.drop_id)).where(mine)).one()
    drops = conn.execute(sa.select(sa.func.count()).select_from(d).where(mine)).scalar_one()
    return int(top), int(n), int(drops)


def table_position(conn: sa.Connection, table: sa.FromClause, workspace: str | None = None) -> tuple[str, int]:
    """(newest id or time, rows) of a table an answer reads (events, executions, analyses), in
    ``workspace`` if the table has that column.

    The row count catches a delete or a late commit the newest value would not show; a table
    without an ``id`` (analyses: replaced, not updated, on a forced rerun) is dated by ``created_at``,
    one without either (clusters) by the largest key of a run.
    """
    c = table.c
    newest = c.id if "id" in c else c.created_at if "created_at" in c else next(iter(table.primary_key))
    scope = [c.workspace == workspace] if workspace is not None and "workspace" in c else []
    # Two queries: a max() alone is answered from an index on its column (one lookup); with count()
    # beside it both SQLite and PostgreSQL read every row for both (195 ms against 3 ms at 200,000).
    top = conn.execute(sa.select(sa.func.max(newest)).select_from(table).where(*scope)).scalar()
    rows = conn.execute(sa.select(sa.func.count()).select_from(table).where(*scope)).scalar_one()
    return str(top), int(rows)
