"""Who may hold a kernel: bounds per link, per client and per server (invariant 11).

Every visit to a live link takes a *seat* before a kernel is touched. A seat
names the link (preview id), the client (address) and the browser session
(the ``qldrops_visit`` cookie), and later the kernel that rendered the page.

* A reload (same link, client and session) gives up the previous seat: its
  kernel is shut down, so reloading never adds a kernel. A request without the
  session cookie (a script, a first visit) replaces the previous cookieless
  seat of the same link and address: cookieless repeats cannot pile up either.
* Past ``per_client`` seats for one address, ``per_link`` for one link or
  ``total`` for the server, the visit is refused with :class:`ServerBusy`
  (503, ``Retry-After``) before any kernel starts.
* One browser session may start at most ``renders_per_session`` renders in
  ``session_window`` seconds: 50 tabs of one link opened at once cost that many
  kernel starts, not 50 (each one replaced the previous tab's kernel); the rest get
  the busy page, which says when to come back.
* A seat ends when its kernel shuts down (the page's unload beacon, the
  abandoned-kernel culler, a reload) or when its render fails before a kernel
  was bound.

Pure bookkeeping, no Tornado, no clock: the kernel manager
(:mod:`qldrops.server.kernels`) drives it and the tests call it directly.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import dataclass, field

from ..errors import QldropsError


class ServerBusy(QldropsError):
    """Every kernel a visitor may get is taken; come back in ``retry_after`` seconds."""

    http_status = 503

    def __init__(self, message: str, *, retry_after: float, hint: str | None = None):
        super().__init__(message, hint=hint or f"retry after {retry_after:.0f} s")
        self.retry_after = retry_after


@dataclass
class Seat:
    """One visit's claim on a kernel."""

    seat_id: int
    link: int
    client: str
    session: str
    anonymous: bool = False  # the visit came without a session cookie
    kernel_id: str | None = None
    rendering: bool = True  # the page is still being rendered (never culled meanwhile)
    replaced: bool = field(default=False)  # a reload took over before this seat had a kernel


class KernelBudget:
    """The seats of one server and the bounds they must keep (thread-safe)."""

    def __init__(self, *, total: int, per_link: int, per_client: int, retry_after: float = 30.0,
                 renders_per_session: int = 10, session_window: float = 60.0):
        self.total, self.per_link, self.per_client = int(total), int(per_link), int(per_client)
        self.retry_after = float(retry_after)
        self.renders_per_session, self.session_window = int(renders_per_session), float(session_window)
        self._renders: dict[str, deque[float]] = {}  # session -> when its recent renders were admitted
        self._seats: dict[int, Seat] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def admit(
        self, *, link: int, client: str, session: str, returning: bool = True, untracked: int = 0,
        now: float | None = None,
    ) -> tuple[Seat, list[str]]:
        """A seat for this visit and the kernels its reload replaces (shut them down); or ServerBusy.

        ``returning``: the request carried ``session`` (False: a new session was just made for it).
        ``untracked``: visitor kernels running without a seat (they count against ``total``).
        ``now``: a monotonic time for the per-session render bound (None: no such bound).
        """
        with self._lock:
            if returning and now is not None:
                self._count_render(session, now)
            replaced = [
                s
                for s in self._seats.values()
                if (s.link, s.client) == (link, client) and (s.session == session if returning else s.anonymous)
            ]
            for seat in replaced:
                del self._seats[seat.seat_id]
                seat.replaced = True
            seats = list(self._seats.values())
            if sum(s.client == client for s in seats) >= self.per_client:
                raise self._busy("this network address holds the most pages it may keep open")
            if sum(s.link == link for s in seats) >= self.per_link:
                raise self._busy("this link has the most pages open at once it may have")
            if len(seats) + max(0, untracked) >= self.total:
                raise self._busy("every kernel of this server is taken")
            seat = Seat(seat_id=next(self._ids), link=link, client=client, session=session, anonymous=not returning)
            self._seats[seat.seat_id] = seat
        return seat, [s.kernel_id for s in replaced if s.kernel_id is not None]

    def _count_render(self, session: str, now: float) -> None:
        for key in [k for k, q in self._renders.items() if not q or q[-1] <= now - self.session_window]:
            del self._renders[key]  # sessions quiet for a window are forgotten
        recent = self._renders.setdefault(session, deque())
        while recent and recent[0] <= now - self.session_window:
            recent.popleft()
        if len(recent) >= self.renders_per_session:
            raise ServerBusy(
                f"this browser opened this page {len(recent)} times in the last "
                f"{self.session_window:.0f} s; close the tabs you do not need",
                retry_after=max(1.0, recent[0] + self.session_window - now),
            )
        recent.append(now)

    def bind(self, seat: Seat, kernel_id: str) -> bool:
        """Record the kernel rendering ``seat``; False if a reload already replaced it (shut it down)."""
        with self._lock:
            if seat.kernel_id is not None:
                return seat.kernel_id == kernel_id and not seat.replaced
            seat.kernel_id = kernel_id
            return not seat.replaced

    def rendered(self, seat: Seat) -> None:
        """The render ended; a seat that never got a kernel ends with it."""
        with self._lock:
            seat.rendering = False
            if seat.kernel_id is None:
                self._seats.pop(seat.seat_id, None)

    def release(self, kernel_id: str) -> None:
        """The kernel is gone: its seat ends."""
        with self._lock:
            for seat in [s for s in self._seats.values() if s.kernel_id == kernel_id]:
                del self._seats[seat.seat_id]

    def seat_of(self, kernel_id: str) -> Seat | None:
        with self._lock:
            return next((s for s in self._seats.values() if s.kernel_id == kernel_id), None)

    def owns(self, kernel_id: str, session: str | None) -> bool:
        """True when ``session`` is the visit ``kernel_id`` renders for."""
        seat = self.seat_of(kernel_id)
        return bool(session) and seat is not None and seat.session == session

    def rendering(self, kernel_id: str) -> bool:
        seat = self.seat_of(kernel_id)
        return seat is not None and seat.rendering

    def renders(self) -> tuple[int, int]:
        """Renders in progress: (with their kernel, still waiting for one)."""
        with self._lock:
            live = [s for s in self._seats.values() if s.rendering]
        return sum(s.kernel_id is not None for s in live), sum(s.kernel_id is None for s in live)

    def open_links(self) -> list[int]:
        """The link of every seat holding a kernel (one entry per open page)."""
        with self._lock:
            return [s.link for s in self._seats.values() if s.kernel_id is not None]

    def __len__(self) -> int:
        with self._lock:
            return len(self._seats)

    def _busy(self, why: str) -> ServerBusy:
        return ServerBusy(why, retry_after=self.retry_after)
