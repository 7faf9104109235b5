"""``store.watch``: changes as they commit, read from the change log (the outbox).

Every write adds ``changes`` rows in its own transaction (a new drop, a version, a
deletion); comments and finished runs add rows too (``op`` ``comment``/``run``,
``version`` holding the comment or execution id). A watcher reads the rows after
its cursor: on PostgreSQL it sleeps on ``LISTEN qldrops_changes`` (every writer
notifies at commit) and re-reads transactions that were still in flight at its
last read (sequence order is not commit order there, as in the index sync); on
SQLite, where writers are serialised and sequence order is commit order, it polls.

A :class:`Position` is a point in the log as one snapshot saw it: a page drawn from the
database reads one (:func:`position`) with what it shows, and a watch from it yields
exactly what that page lacks, including, on PostgreSQL, changes of transactions that
were in flight at the draw with a lower ``seq`` than the newest it saw (a bare cursor
would skip those). Each :class:`Change` carries the position to resume just after it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
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
class Position:
    """What one snapshot of the change log held: every change up to ``seq``, except (PostgreSQL) those
    of the transactions the snapshot saw in flight (``xip``, and any from ``xmax`` on).

    ``watch(since=position)`` yields every change it does not hold. On SQLite, where sequence order
    is commit order, ``seq`` alone says it (``xmin`` is None)."""

    seq: int
    xmin: int | None = None
    xmax: int | None = None
    xip: frozenset[int] = frozenset()

    @classmethod
    def of(cls, seq: int, snapshot: str | None) -> Position:
        """From PostgreSQL's ``pg_current_snapshot()::text`` (``xmin:xmax:xip,...``), or None (SQLite)."""
        if not snapshot:
            return cls(int(seq))
        xmin, xmax, xip = snapshot.split(":")
        return cls(int(seq), int(xmin), int(xmax), frozenset(int(x) for x in xip.split(",") if x))

    def meet(self, other: Position) -> Position:
        """The position that holds what both hold: a watch from it owes nothing to either's reader."""
        if self.xmin is None or other.xmin is None:
            snap = other if self.xmin is None else self
            return Position(min(self.seq, other.seq), snap.xmin, snap.xmax, snap.xip)
        assert self.xmax is not None and other.xmax is not None
        xmin, xmax = min(self.xmin, other.xmin), min(self.xmax, other.xmax)
        return Position(min(self.seq, other.seq), xmin, xmax,
                        frozenset(x for x in self.xip | other.xip if xmin <= x < xmax))

    def holds(self, seq: int, txid: int | None) -> bool:
        """Whether the change ``seq`` (written by transaction ``txid``) had committed as of this position."""
        if seq > self.seq:
            return False
        if self.xmin is None or txid is None:
            return True
        return txid < self.xmin or (self.xmax is not None and txid < self.xmax and txid not in self.xip)


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
    txid: int | None = None  # PostgreSQL: the transaction that wrote it (None on SQLite)
    # Where a watch resumes just after this change: with the snapshot it was read in, so changes of
    # transactions then in flight (PostgreSQL: their seq may be lower) still come (``since=ch.position``).
    position: Position | None = field(default=None, repr=False, compare=False)

    @property
    def cursor(self) -> int:
        return self.seq

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("position", None)
        return out


def _classify(conn: sa.Connection, row, snapshot: Position | None = None) -> Change:
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
    seq = int(row.seq)
    txid = None if row.txid is None else int(row.txid)
    pos = Position(seq) if snapshot is None else replace(snapshot, seq=seq)
    return Change(seq=seq, kind=kind, drop_id=int(row.drop_id), workflow_id=row.workflow_id,
                  at=row.created_at, txid=txid, position=pos, **ids)


def latest_cursor(conn: sa.Connection) -> int:
    """The cursor just after the newest committed change: ``watch(since=...)`` from it shows what commits
    next (one index lookup, where a page cache position also counts the changes)."""
    return int(conn.execute(sa.select(sa.func.max(t.changes.c.seq))).scalar() or 0)


def position(conn: sa.Connection) -> Position:
    """The change log as of now: one statement reads the newest change and the snapshot it was read
    in, so a page drawn from this connection just after can hand it to ``watch(since=...)``."""
    if conn.dialect.name != "postgresql":
        return Position(latest_cursor(conn))
    snapshot, seq = conn.execute(sa.text(
        "SELECT pg_current_snapshot()::text, (SELECT max(seq) FROM changes)")).one()
    return Position.of(int(seq or 0), snapshot)


def watch(store: DropStore, *, workflow_id: str | None = None, since: int | Position | None = None,
          timeout: float | None = None, poll: float = 0.25, stop: threading.Event | None = None,
          check: Callable[[], Any] | None = None) -> Iterator[Change]:
    """Yield the changes of ``store``'s workspace (of ``workflow_id`` if given) as they commit.

    ``since``: None starts after the latest change, 0 from the beginning, a ``Change.cursor``
    just after that change, a :class:`Position` (``Change.position``, :func:`position`) with
    whatever it does not hold (on PostgreSQL a bare cursor can miss a change of a transaction
    that was still in flight when the cursor was read, and committed after it; a position cannot).
    ``timeout`` (seconds) ends the generator after that long; ``stop`` (a ``threading.Event``)
    ends it when set; ``gen.close()`` or leaving the ``for`` loop releases its connections.
    ``poll`` is SQLite's polling interval. ``check`` is called before every read (a share link's
    view re-checks its link there).
    """
    if since is not None and not isinstance(since, Position) and (
            isinstance(since, bool) or not isinstance(since, int) or since < 0):
        raise ValidationError(f"since must be a cursor (an integer >= 0, Change.cursor), a Position "
                              f"(Change.position) or None, not {since!r}",
                              hint="pass since=None to watch from now, 0 from the beginning")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0):
        raise ValidationError(f"timeout must be a number of seconds >= 0 or None, not {timeout!r}")
    if isinstance(poll, bool) or not isinstance(poll, (int, float)) or not 0.01 <= poll <= 60:
        raise ValidationError(f"poll must be from 0.01 to 60 seconds, not {poll!r}")
    store._authorize("read")
    if since is None:  # "from now" means from this call, not from the first next()
        with store.reading() as conn:
            start = position(conn)
    else:
        start = since if isinstance(since, Position) else Position(since)
    return _watch(store, workflow_id, start, timeout, poll, stop, check)


def _watch(store: DropStore, workflow_id: str | None, start: Position, timeout: float | None,
           poll: float, stop: threading.Event | None, check: Callable[[], Any] | None) -> Iterator[Change]:
    deadline = None if timeout is None else time.monotonic() + float(timeout)
    pg = store.dialect == "postgresql"
    with contextlib.ExitStack() as stack:
        listener = stack.enter_context(_listener(store)) if pg else None
        conn = stack.enter_context(store.engine.connect())
        if pg:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        c = t.changes.c
        last, xmin = start.seq, start.xmin
        seen: dict[int, int] = {}  # PostgreSQL: seq -> txid of rows read that may show up again
        while True:
            if check is not None:
                check()
            with conn.begin():
                snapshot = _snapshot(conn) if pg else None
                new_xmin = snapshot.xmin if snapshot is not None else None
                cond = c.seq > last
                if pg and xmin is not None:
                    cond = sa.or_(cond, c.txid >= xmin)
                q = (sa.select(c.seq, c.drop_id, c.op, c.version, c.txid, c.created_at, t.drops.c.workflow_id)
                     .join(t.drops, t.drops.c.id == c.drop_id, isouter=True)
                     .where(c.workspace == store.workspace, cond).order_by(c.seq).limit(PAGE))
                if workflow_id is not None:
                    q = q.where(t.drops.c.workflow_id == workflow_id)
                read = conn.execute(q).all()
                # (what the start position held, the watcher's caller has: a page drawn at it shows it)
                rows = [r for r in read if int(r.seq) not in seen and not start.holds(int(r.seq), r.txid)]
                changes = [_classify(conn, r, snapshot) for r in rows]
                if pg:
                    for r in read:
                        if r.txid is not None:
                            seen[int(r.seq)] = int(r.txid)
                    # Rows of transactions older than the snapshot's horizon cannot come back.
                    seen = {s: x for s, x in seen.items() if new_xmin is None or x >= new_xmin}
                    xmin = new_xmin
                # Everything this snapshot holds up to its newest row has been read (a full page: up to it).
                top = latest_cursor(conn)
                last = max(last, int(read[-1].seq)) if len(read) == PAGE else max(last, top)
            for change in changes:
                yield change
                if stop is not None and stop.is_set():
                    return
            if len(read) == PAGE:
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


def _snapshot(conn: sa.Connection) -> Position:
    """The transaction's snapshot, as a position before every change (``_classify`` gives each change
    read in it its own seq). Its first statement takes it; REPEATABLE READ keeps it to the end."""
    return Position.of(0, conn.execute(sa.text("SELECT pg_current_snapshot()::text")).scalar_one())


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


__all__ = ["KINDS", "Change", "Position", "position", "watch"]
