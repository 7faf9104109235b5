"""``qldrops doctor``: is this installation healthy, and if not, what to do next.

Each check answers ok, warn or fail with one line of detail and a next step. The
checks only read: doctor never migrates, creates or repairs anything, so it is safe
to run against a store that is in trouble (including one whose database is down).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa

from .client import Store, connect
from .errors import QldropsError
from .index import persist
from .runner.sandbox import BwrapSandbox
from .settings import Settings
from .store.db import KNOWN_REVISIONS, SCHEMA_HEAD, current_revision, safe_url

# Free space below these is a failure / a warning (bytes).
DISK_FAIL = 256 * 1024 * 1024
DISK_WARN = 2 * 1024 * 1024 * 1024


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok" | "warn" | "fail"
    detail: str
    next_step: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def __str__(self) -> str:
        step = f"  → {self.next_step}" if self.next_step else ""
        return f"{self.status:<4}  {self.name:<9} {self.detail}{step}"


def run_checks(settings: Settings | None = None) -> list[Check]:
    """Every check, in order. ``settings`` default to the environment (``QLDROPS_*``)."""
    settings = settings or Settings.from_env()
    checks: list[Check] = []
    store, db_check = _database(settings)
    checks.append(db_check)
    try:
        checks.append(_disk(settings))
        checks.append(_index(store) if store is not None else
                      Check("index", "warn", "not checked: the database does not answer",
                            "fix the database first"))
        checks.append(_sandbox())
        checks.append(_redis(settings))
        checks.append(_object_store(settings))
    finally:
        if store is not None:
            store.close()
    return checks


def failed(checks: list[Check]) -> bool:
    return any(c.status == "fail" for c in checks)


# ---------------------------------------------------------------------- the checks
def _database(settings: Settings) -> tuple[Store | None, Check]:
    url = settings.resolved_database_url
    shown = safe_url(url)
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:" \
            and not Path(parsed.database).exists():
        return None, Check("database", "warn", f"no database yet at {parsed.database}",
                           "it is created on first use: `qldrops init`")
    try:
        store = connect(settings=settings, migrate_schema=False)
        with store.reading() as conn:
            rev = current_revision(conn)
    except QldropsError as e:
        return None, Check("database", "fail", f"{shown} does not answer: {e.message}", e.hint or "")
    if rev == SCHEMA_HEAD:
        return store, Check("database", "ok", f"{shown} answers; schema {rev} (current)")
    if rev is None or rev in KNOWN_REVISIONS:
        return store, Check("database", "warn", f"{shown} answers; schema {rev or 'not created'}, "
                            f"this qldrops expects {SCHEMA_HEAD}", "run `qldrops init` to migrate it")
    store.close()
    return None, Check("database", "fail", f"{shown} has schema {rev!r}, newer than this qldrops ({SCHEMA_HEAD})",
                       "upgrade qldrops: pip install -U qldrops")


def _disk(settings: Settings) -> Check:
    """Free space wherever qldrops writes on this machine (the SQLite file's folder, the index)."""
    places: dict[str, Path] = {"data": Path(settings.data_dir), "index": settings.resolved_index_dir}
    parsed = sa.make_url(settings.resolved_database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        places["database"] = Path(parsed.database).resolve().parent
    worst: tuple[int, str, Path] | None = None
    for what, path in places.items():
        free = shutil.disk_usage(_existing_parent(path)).free
        if worst is None or free < worst[0]:
            worst = (free, what, path)
    assert worst is not None
    free, what, path = worst
    detail = f"{_size(free)} free at {path} ({what})"
    if parsed.get_backend_name() == "postgresql":
        detail += "; the PostgreSQL server's disk is not visible from here"
    if free < DISK_FAIL:
        return Check("disk", "fail", detail, f"free space in {path}: writes will fail below a few MB")
    if free < DISK_WARN:
        return Check("disk", "warn", detail, f"free space in {path} soon (backups, logs, old index files)")
    return Check("disk", "ok", detail)


def _index(store: Store) -> Check:
    try:
        folder = store.index.folder
        manifest = persist.read_manifest(folder)
    except QldropsError as e:
        return Check("index", "fail", e.message, e.hint or persist.REBUILD_HINT)
    if manifest is None:
        return Check("index", "ok", f"no index yet in {folder}: it will be built on first use",
                     "build it now with `qldrops index sync` (optional)")
    return Check("index", "ok", f"{manifest.kind} index of {manifest.count:,} vectors ({manifest.model_id}) "
                 f"in {folder}")


def _sandbox() -> Check:
    sandbox = BwrapSandbox()
    try:
        sandbox.check()
    except QldropsError as e:
        return Check("sandbox", "fail", e.message, e.hint or "")
    bwrap = shutil.which("bwrap") or "/usr/bin/bwrap"
    argv = [bwrap, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return Check("sandbox", "fail", f"`{' '.join(argv)}` did not run: {e}",
                     "check that bubblewrap works: `bwrap --ro-bind / / true`")
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[0]
        return Check("sandbox", "fail", f"{bwrap} cannot run `true`: {why}",
                     "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
                     "user.max_user_namespaces > 0) or reinstall bubblewrap")
    return Check("sandbox", "ok", f"{bwrap} runs `true` in a sandbox")


def _redis(settings: Settings) -> Check:
    url = settings.resolved_rate_limit_storage
    if not url.startswith(("redis://", "rediss://")):
        url = settings.redis_url or url  # the page cache may use Redis while rate limits stay in memory
    if not url.startswith(("redis://", "rediss://")):
        return Check("redis", "ok", f"not configured (rate limits kept in {url})")
    parsed = sa.make_url(url.replace("rediss://", "redis://", 1))
    host, port = parsed.host or "127.0.0.1", parsed.port or 6379
    try:
        with socket.create_connection((host, port), timeout=3) as sock:
            sock.sendall(b"PING\r\n")
            answer = sock.recv(64)
    except OSError as e:
        return Check("redis", "fail", f"cannot reach Redis at {host}:{port}: {e}",
                     "start Redis, or unset QLDROPS_REDIS_URL and set QLDROPS_RATE_LIMIT_STORAGE=memory:// "
                     "for a single server")
    if answer.startswith((b"+PONG", b"-NOAUTH")):
        return Check("redis", "ok", f"Redis at {host}:{port} answers")
    return Check("redis", "warn", f"{host}:{port} answered {answer[:30]!r}, not like Redis",
                 "check QLDROPS_RATE_LIMIT_STORAGE and QLDROPS_REDIS_URL")


def _object_store(settings: Settings) -> Check:
    """The S3-compatible store for large artifacts (QLDROPS_OBJECT_STORE_URL): does it answer?"""
    from .store.objects import S3ObjectStore

    if not settings.object_store_url:
        return Check("objects", "ok", "not configured: every artifact is kept in the database")
    try:
        objects = S3ObjectStore(settings.object_store_url, timeout=min(5.0, float(settings.object_store_timeout)),
                                create_bucket=False)
        where = objects.location.safe()
        exists = objects.bucket_exists()
    except QldropsError as e:
        return Check("objects", "fail", e.message, e.hint or "check QLDROPS_OBJECT_STORE_URL")
    if not exists:
        return Check("objects", "warn", f"{where} answers but has no bucket {objects.location.bucket!r}",
                     "it is created on the first large write; create it now if the credentials may not")
    return Check("objects", "ok", f"{where} answers; artifacts of at least "
                 f"{_size(settings.object_store_min_bytes)} go there")


# ---------------------------------------------------------------------- helpers
def _existing_parent(path: Path) -> Path:
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"
