"""``store.watch``: changes as they commit, read from the change log (the outbox).

Every write adds ``changes`` rows in its own transaction (a new drop, a version, a
deletion); comments and finished runs add rows too (``op`` ``comment``/``run``,
``version`` holding the comment or execution id). A watcher reads the rows after
its cursor: on PostgreSQL it sleeps on ``LISTEN qldrops_changes`` (every writer
notifies at commit) and re-reads transactions that were still in flight at its
last read (sequence order is not commit order there, as in the index sync); on
SQLite, where writers are serialised and sequence order is commit order, it polls.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..errors import ValidationError
from . import schema as t

if TYPE_CHECKING:
    from .core import DropStore

KINDS = ("drop", "version", "delete", "restore", "purge", "comment", "run")
PG_FALLBACK_S = 1.0  # PostgreSQL: re-read at least this often even without a notification
PAGE = 1000


@dataclass(frozen=True, slots=True)
class Change:
    """One committed change. ``cursor`` resumes a watch just after it (``store.watch(since=ch.cursor)``)."""

    seq: int
    kind: str  # drop | version | delete | restore | purge | comment | run
    drop_id: int
    workflow_id: str | None  # None for a purged drop
    at: dt.datetime
    version: int | None = None
    comment_id: int | None = None
    execution_id: int | None = None

    @property
    def cursor(self) -> int:
        return self.seq

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _classify(conn: sa.Connection, row) -> Change:
    c = t.changes.c
    ids: dict[str, Any] = {"version": row.version}
    if row.op == "comment":
        kind, ids = "comment", {"comment_id": row.version}
    elif row.op == "run":
        kind, ids = "run", {"execution_id": row.version}
    elif row.op == "delete":
        kind = "purge" if row.version is None else "delete"
    else:
        before = conn.execute(sa.select(c.op).where(c.drop_id == row.drop_id, c.seq < row.seq,
                                                    c.op.in_(("upsert", "delete")))
                              .order_by(c.seq.desc()).limit(1)).scalar()
        kind = "restore" if before == "delete" else "drop" if row.version == 1 else "version"
    return Change(seq=int(row.seq), kind=kind, drop_id=int(row.drop_id), workflow_id=row.workflow_id,
                  at=row.created_at, **ids)


def latest_cursor(conn: sa.Connection) -> int:
    """The cursor just after the newest committed change: ``watch(since=...)`` from it shows what commits
    next (one index lookup, where a page cache position also counts the changes)."""
    return int(conn.execute(sa.select(sa.func.max(t.changes.c.seq))).scalar() or 0)


def watch(store: DropStore, *, workflow_id: str | None = None, since: int | None = None,
          timeout: float | None = None, poll: float = 0.25, stop: threading.Event | None = None,
          check: Callable[[], Any] | None = None) -> Iterator[Change]:
    """Yield the changes of ``store``'s workspace (of ``workflow_id`` if given) as they commit.

    ``since``: None starts after the latest change, 0 from the beginning, a ``Change.cursor``
    just after that change. ``timeout`` (seconds) ends the generator after that long;
    ``stop`` (a ``threading.Event``) ends it when set; ``gen.close()`` or leaving the ``for``
    loop releases its connections. ``poll`` is SQLite's polling interval. ``check`` is called
    before every read (a share link's view re-checks its link there).
    """
    if since is not None and (isinstance(since, bool) or not isinstance(since, int) or since < 0):
        raise ValidationError(f"since must be a cursor (an integer >= 0, Change.cursor) or None, not {since!r}",
                              hint="pass since=None to watch from now, 0 from the beginning")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0):
        raise ValidationError(f"timeout must be a number of seconds >= 0 or None, not {timeout!r}")
    if isinstance(poll, bool) or not isinstance(poll, (int, float)) or not 0.01 <= poll <= 60:
        raise ValidationError(f"poll must be from 0.01 to 60 seconds, not {poll!r}")
    store._authorize("read")
    xmin: int | None = None
    if since is None:  # "from now" means from this call, not from the first next()
        with store.reading() as conn, conn.begin():
            if store.dialect == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                xmin = _xmin(conn)
            since = latest_cursor(conn)
    return _watch(store, workflow_id, since, xmin, timeout, poll, stop, check)


def _watch(store: DropStore, workflow_id: str | None, last: int, xmin: int | None, timeout: float | None,
           poll: float, stop: threading.Event | None, check: Callable[[], Any] | None) -> Iterator[Change]:
    deadline = None if timeout is None else time.monotonic() + float(timeout)
    pg = store.dialect == "postgresql"
    with contextlib.ExitStack() as stack:
        listener = stack.enter_context(_listener(store)) if pg else None
        conn = stack.enter_context(store.engine.connect())
        if pg:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        c = t.changes.c
        seen: dict[int, int] = {}  # PostgreSQL: seq -> txid of rows read that may show up again
        while True:
            if check is not None:
                check()
            with conn.begin():
                new_xmin = _xmin(conn) if pg else None
                cond = c.seq > last
                if pg and xmin is not None:
                    cond = sa.or_(cond, c.txid >= xmin)
                q = (sa.select(c.seq, c.drop_id, c.op, c.version, c.txid, c.created_at, t.drops.c.workflow_id)
                     .join(t.drops, t.drops.c.id == c.drop_id, isouter=True)
                     .where(c.workspace == store.workspace, cond).order_by(c.seq).limit(PAGE))
                if workflow_id is not None:
                    q = q.where(t.drops.c.workflow_id == workflow_id)
                rows = [r for r in conn.execute(q).all() if int(r.seq) not in seen]
                changes = [_classify(conn, r) for r in rows]
                if pg:
                    for r in rows:
                        if r.txid is not None:
                            seen[int(r.seq)] = int(r.txid)
                    # Rows of transactions older than the snapshot's horizon cannot come back.
                    seen = {s: x for s, x in seen.items() if new_xmin is None or x >= new_xmin}
                    xmin = new_xmin
                # Everything this snapshot holds up to its newest row has been read (a full page: up to it).
                top = latest_cursor(conn)
                last = max(last, int(rows[-1].seq)) if len(rows) == PAGE else max(last, top)
            for change in changes:
                yield change
                if stop is not None and stop.is_set():
                    return
            if len(rows) == PAGE:
                continue
            if stop is not None and stop.is_set():
                return
            wait = poll if not pg else PG_FALLBACK_S
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                wait = min(wait, left)
            if stop is not None and not pg:
                stop.wait(wait)
            elif listener is not None:
                for _note in listener.notifies(timeout=wait, stop_after=1):
                    pass
            else:
                time.sleep(wait)


def _xmin(conn: sa.Connection) -> int:
    return int(conn.execute(sa.text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")).scalar_one())


@contextlib.contextmanager
def _listener(store: DropStore) -> Iterator[Any]:
    """A raw psycopg connection listening on ``qldrops_changes`` (returned to the pool clean, or dropped)."""
    raw = store.engine.raw_connection()
    pg = raw.driver_connection
    assert pg is not None  # a pooled connection always wraps a live driver connection
    try:
        pg.autocommit = True  # LISTEN outside a transaction, or notifications wait for its end
        pg.execute("LISTEN qldrops_changes")
        yield pg
        pg.execute("UNLISTEN *")
        pg.autocommit = False
    except BaseException:
        raw.invalidate()  # a generator closed mid-wait: never pool a half-configured connection
        raise
    finally:
        raw.close()


__all__ = ["KINDS", "Change", "watch"]
