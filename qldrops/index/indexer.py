"""The background indexer: embeds new and changed content soon after it commits.

Readers never run the model for other people's writes: ``store.similar()`` catches up
with the change log using only vectors already in the database, answers from the index
as it stands and reports how far behind it is (``lag`` on the result). The indexer is
the one that embeds: a daemon thread that follows the change log of its
:class:`~qldrops.index.manager.IndexManager` and calls ``sync(embed=True)`` (the model
runs outside the mirror's lock, so queries keep answering meanwhile). It is woken by
``LISTEN qldrops_changes`` on PostgreSQL (every change already sends ``NOTIFY``) and
polls every ``poll_seconds`` on SQLite (and on PostgreSQL as a fallback).

Who starts it: ``qldrops serve`` at start-up (its vectors land in the shared
``embeddings`` table, where every kernel's mirror picks them up without a model), and
a notebook with ``store.index.start()`` or ``with store.index.start(): ...``. A plain
``connect()`` starts nothing; a batch script that must be current calls
``store.index.sync()``. The thread is a daemon and is also stopped at interpreter exit,
so it never keeps a script alive.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from sqlalchemy.pool import PoolProxiedConnection

    from .manager import IndexManager

log = logging.getLogger(__name__)

_RUNNING: weakref.WeakSet[Indexer] = weakref.WeakSet()


class Indexer:
    """One daemon thread embedding what the change log brings, for one mirror."""

    def __init__(self, manager: IndexManager, *, poll_seconds: float = 1.0, batch: int = 256):
        self.manager = manager
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.rounds = 0  # completed sync rounds (tests and status wait on it)
        self.last_error: BaseException | None = None
        self._stop = threading.Event()
        self._round_done = threading.Condition()
        self._thread: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def start(self) -> Indexer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="qldrops-indexer", daemon=True)
            self._thread.start()
            _RUNNING.add(self)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop and wait for it (it finishes the batch it is embedding)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        _RUNNING.discard(self)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        if self.manager.indexer is self:
            self.manager.indexer = None

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until the mirror reflects every committed change (``lag`` 0). False on timeout or stop."""
        deadline = time.monotonic() + timeout
        while self.alive:
            if self.manager.lag == 0:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            with self._round_done:
                self._round_done.wait(min(left, 0.5))
        return False

    # ------------------------------------------------------------------ the loop
    def _run(self) -> None:
        listener = _Listener(self.manager) if self.manager.store.dialect == "postgresql" else None
        failures = 0
        try:
            while not self._stop.is_set():
                try:
                    if listener is not None:
                        listener.listen()  # before the sync: nothing committed meanwhile is missed
                    report = self.manager.sync(save="auto", embed=True, batch=self.batch)
                    failures = 0
                    with self._round_done:
                        self.rounds += 1
                        self._round_done.notify_all()
                    if report.applied_changes or report.pending:
                        continue  # more may have arrived while embedding
                    if listener is not None:
                        listener.wait(self.poll_seconds)
                    else:
                        self._stop.wait(self.poll_seconds)
                except Exception as exc:  # noqa: BLE001 - a database restart, a full disk: log, back off, go on
                    failures += 1
                    self.last_error = exc
                    log.warning("the background indexer failed (%s); retrying", exc)
                    if listener is not None:
                        listener.close()
                    self._stop.wait(min(30.0, self.poll_seconds * 2 ** min(failures, 5)))
        finally:
            if listener is not None:
                listener.close()
            with self._round_done:
                self._round_done.notify_all()


class _Listener:
    """A dedicated PostgreSQL connection listening on ``qldrops_changes``."""

    def __init__(self, manager: IndexManager):
        self.manager = manager
        self.raw: PoolProxiedConnection | None = None

    def listen(self) -> None:
        if self.raw is not None:
            return
        raw = self.manager.store.engine.raw_connection()
        pg = raw.driver_connection
        assert pg is not None
        pg.autocommit = True  # LISTEN outside a transaction, or notifications wait for its end
        pg.execute("LISTEN qldrops_changes")
        self.raw = raw

    def wait(self, timeout: float) -> None:
        if self.raw is None:
            return
        pg = self.raw.driver_connection
        assert pg is not None
        for _note in pg.notifies(timeout=timeout, stop_after=1):
            pass
        # Several writes make several notifications: drain them, one sync reads them all.
        for _note in pg.notifies(timeout=0.0):
            pass

    def close(self) -> None:
        raw, self.raw = self.raw, None
        if raw is not None:
            raw.invalidate()  # never hand a LISTENing connection back to the pool
            raw.close()


@atexit.register
def _stop_all() -> None:
    for indexer in list(_RUNNING):
        indexer.stop(timeout=5.0)
