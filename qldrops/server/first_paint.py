"""A link's first paint, sent by the server before any kernel runs.

Each dashboard draws a static picture of its first view (outputs marked ``qldrops_ssr``,
written into the page's HTML by our Voila template): the preview its first file, analytics
its panels and explorer its default search, topics and pairs, all with the default controls.
A kernel must still redeem the visit and read the data before that picture exists. The
kernel that drew it files it in the page cache under :func:`key`: the link (preview) or the
workspace (analytics, explorer) and the change-log position of everything the picture reads;
the next visitor gets it from the server with the first bytes of the page (:func:`lookup`,
then :class:`EarlyPaint` on the stream), while their kernel works. A write moves the
position: the next visit misses and its kernel files a new picture, so a visitor never gets
an older picture than the data. (A visit of a dashboard link moves nothing: its view event is
not among the counted ones, :data:`qldrops.previews.analytics.COUNTED_EVENTS`.)

When the kernel's own picture arrives, :class:`EarlyPaint` drops it if it is the
same HTML (the page holds one copy); if it differs (a write between the lookup and
the render, another kernel's index mirror, or the kernel reports a problem instead), the
early picture is removed from the page and the kernel's is shown.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from ..dashboards import analytics, explorer
from ..dashboards.preview import FIRST_PAINT, first_paint_key

log = logging.getLogger("qldrops.server")

_BLOCK = re.compile(r'<div class="qldrops-ssr"><!--qldrops-ssr-->(.*?)<!--/qldrops-ssr--></div>', re.DOTALL)
_CELLS = 'id="rendered_cells"'
_REMOVE_EARLY = ("<script>document.querySelectorAll('.qldrops-ssr-early')"
                 ".forEach(function (el) { el.remove(); });</script>")


def key(store: Any, link: Any, *, today: dt.date | None = None) -> tuple[Any, ...] | None:
    """The page cache's parts for ``link``'s first paint at the data's current position, or None for
    a dashboard without one. ``link`` is the server's grant or the kernel's visit (``dashboard``,
    ``workspace``, ``workflow_id``, ``preview_id``, ``expires_at``); ``store`` is bound to the link's
    workspace. A kernel reads it *before* it builds the picture, so that a picture is never filed
    under a position newer than the data it shows. ``today``: the analytics page's day."""
    if link.dashboard == "preview":
        return first_paint_key(link, store.position(link.workflow_id))
    if link.dashboard == "analytics":
        return analytics.first_paint_key(store, today)
    if link.dashboard == "explorer":
        return explorer.first_paint_key(store)
    return None


def lookup(store: Any, grant: Any) -> list[str] | None:
    """The first paint a kernel filed for ``grant``'s link at the data's current position, or None.

    Any failure is a miss (the kernel draws it anyway)."""
    if not store.cache.enabled:  # no cache: no position query either
        return None
    try:
        parts = key(store.in_workspace(grant.workspace), grant)
        found = store.cache.peek(FIRST_PAINT, parts) if parts is not None else None
    except Exception as exc:  # noqa: BLE001 - a cache or database hiccup only costs the early picture
        log.warning("preview %s: no early first paint (%s)", grant.preview_id, type(exc).__name__)
        return None
    if not (isinstance(found, list) and found and all(isinstance(part, str) for part in found)):
        return None
    return found


def keep(store: Any, parts: tuple[Any, ...] | None, outputs: list[str]) -> None:
    """In a dashboard kernel: file the page's first paint for the next visitor.

    ``parts`` is :func:`key`, read before the page was built; ``outputs`` the page's ``qldrops_ssr``
    outputs in order, the first being the styles (or plotly.js's loader), which every page has.
    A cache that fails loses nothing (the next visit's kernel draws the picture again)."""
    if parts is None:
        return
    try:
        store.cache.put(FIRST_PAINT, parts, list(outputs))
    except Exception as exc:  # noqa: BLE001 - the picture is an optimisation, never an error on the page
        log.debug("first paint not kept (%s)", type(exc).__name__)


class EarlyPaint:
    """Puts a cached first paint at the top of a page's HTML stream and keeps one copy of it.

    ``outputs`` are the kernel's ``qldrops_ssr`` outputs in order, the first being the styles
    (kept even when the picture is replaced). Feed every chunk of the stream through :meth:`feed`.
    """

    def __init__(self, outputs: list[str]):
        self.outputs = list(outputs)
        self._sent = False
        self._replaced = False
        self._pending = set(self.outputs)  # the kernel's copies still to drop

    def _blocks(self) -> str:
        first, rest = self.outputs[0], self.outputs[1:]
        out = [f'<div class="qldrops-ssr"><!--qldrops-ssr-->{first}<!--/qldrops-ssr--></div>']
        out += [f'<div class="qldrops-ssr qldrops-ssr-early"><!--qldrops-ssr-->{part}<!--/qldrops-ssr--></div>'
                for part in rest]
        return "".join(out)

    def feed(self, chunk: str) -> str:
        if not self._sent:
            at = chunk.find(_CELLS)
            opened = chunk.find("<div>", at) if at >= 0 else -1
            if opened < 0:  # not yet the body (or an unexpected template): the kernel's picture will do
                return chunk
            self._sent = True
            cut = opened + len("<div>")
            return chunk[:cut] + self._blocks() + self._kernel_blocks(chunk[cut:])
        return self._kernel_blocks(chunk)

    def _kernel_blocks(self, chunk: str) -> str:
        """Drop the kernel's copy of the picture when it is the same (one cell's outputs come in
        one chunk: all of them are compared); else remove the early picture and keep the kernel's."""
        found = [m.group(1) for m in _BLOCK.finditer(chunk)]
        if not found:
            return chunk
        style = self.outputs[0]
        drawn = [body for body in found if body != style]
        same = not self._replaced and all(body in self._pending for body in drawn)
        if same:
            self._pending.difference_update(drawn)
        elif drawn:
            self._replaced = True

        def swap(match: re.Match[str]) -> str:
            return "" if same or match.group(1) == style else match.group(0)

        out = _BLOCK.sub(swap, chunk)
        return out if same or not drawn else _REMOVE_EARLY + out
