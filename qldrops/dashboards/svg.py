"""Static SVG charts drawn on the server from a plotly figure spec, for a page's first paint.

The first paint of the analytics and explorer pages (``first_paint_html``) is HTML written into the
page before any JavaScript runs. Its charts used to wait for plotly.js (1.2 MB) to arrive, parse and
draw while Voila's JavaScript loaded; here they are drawn as inline SVG from the **same** figure JSON
:func:`qldrops.dashboards.html.figure_html` hands to plotly.js, so the numbers are the live chart's.
The live widgets keep drawing with plotly.js and replace the picture when they connect.

No library renders plotly JSON to SVG without a browser (plotly's own static export, kaleido,
launches Chrome for each render), so this is a small renderer for exactly the trace types the
dashboards use: ``bar`` (vertical or horizontal, overlay or group, text labels), ``scatter``
(markers, lines+markers, one trace per legend group), ``box`` with every point, and ``funnel``
(value and percent of the initial stage). Axes: category, date (per day), linear with ``range``
and ``tickformat`` ``.0%``; title, legend, margins and height from the layout; the width follows
the page (``viewBox``, ``width:100%``). Trace colours come from the figure (or plotly's default
colourway); text, axes and grid use the theme's CSS variables, so the dark theme works. Every
string (workflow ids and labels are user data) is escaped. Each mark carries its value
(``data-v``, and a ``<title>`` a pointer shows) so tests compare the picture with the figure.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

# plotly's default colourway (the "plotly" template), for traces without a colour of their own.
COLOURWAY = ("#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692", "#B6E880", "#FF97FF",
             "#FECB52")
FONT = 12
CHAR = 0.6 * FONT  # the mean advance of a character of the chart font, to fit labels
_COLOUR = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9., %]+\))$")
_PLOT = re.compile(r"<div class='qldrops-plot'( id='[^']*')? style='width:100%;height:(\d+)px' "
                   r"data-figure='([^']*)'></div>")


# ---------------------------------------------------------------------------------------------- data
def values(v: Any) -> list[Any]:
    """A trace array as a list: plain, or plotly's base64 typed array (``{dtype, bdata[, shape]}``)."""
    if v is None:
        return []
    if isinstance(v, dict) and "bdata" in v:
        import numpy as np

        flat = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        if v.get("shape"):
            flat = flat.reshape([int(n) for n in str(v["shape"]).split(",")])
        return flat.tolist()
    if isinstance(v, (list, tuple)):
        return list(v)
    return [v]


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _colour(c: Any, i: int) -> str:
    return c if isinstance(c, str) and _COLOUR.match(c) else COLOURWAY[i % len(COLOURWAY)]


def _fmt(v: float, step: float = 1.0, tickformat: str = "") -> str:
    """A number as an axis or a label shows it."""
    if tickformat.endswith("%"):
        digits = int(tickformat[1:-1] or 0) if tickformat[1:-1].isdigit() else 0
        return f"{v:.{digits}%}"
    if abs(v - round(v)) < 1e-9 and step >= 1:
        return f"{round(v):,}".replace(",", " ") if abs(v) >= 10000 else str(round(v))
    digits = max(0, min(6, -math.floor(math.log10(step)) if step > 0 else 2))
    return f"{v:.{digits}f}"


def nice_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    """Ticks at 1, 2 or 5 times a power of ten covering ``lo..hi``, about ``n`` of them."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(1, n)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    return [round(first + i * step, 12) for i in range(int((hi - first) / step + 1e-9) + 1)]


def _truncate(text: str, px: float) -> str:
    room = max(3, int(px / CHAR))
    return text if len(text) <= room else text[: room - 1] + "…"


# ---------------------------------------------------------------------------------------------- axes
class Axis:
    """One axis: category (band per category), date (one band per day) or linear."""

    def __init__(self, kind: str, lo: float, hi: float, cats: Sequence[str] = (), tickformat: str = "",
                 reverse: bool = False):
        self.kind, self.lo, self.hi, self.cats, self.tickformat, self.reverse = kind, lo, hi, list(cats), \
            tickformat, reverse
        self.a = self.b = 0.0  # pixel ends, set by place()

    def place(self, a: float, b: float) -> None:
        self.a, self.b = (b, a) if self.reverse else (a, b)

    def pos(self, v: Any) -> float:
        x = self.value(v)
        span = (self.hi - self.lo) or 1.0
        return self.a + (x - self.lo) / span * (self.b - self.a)

    def value(self, v: Any) -> float:
        if self.kind == "category":
            return float(self.cats.index(str(v)))
        if self.kind == "date":
            return float(v) if isinstance(v, (int, float)) else float(_day(v))
        return _num(v) or 0.0

    @property
    def band(self) -> float:
        """The pixels one category (or day) takes."""
        return abs(self.b - self.a) / max(1e-9, self.hi - self.lo)

    def ticks(self, room_px: float) -> list[tuple[float, str]]:
        if self.kind == "category":
            every = max(1, math.ceil(len(self.cats) * 14 / max(room_px, 1))) if self.vertical_labels else 1
            return [(self.pos(c), c) for i, c in enumerate(self.cats) if i % every == 0]
        if self.kind == "date":
            span = self.hi - self.lo
            fmt = (self.tickformat or "%b %d").replace("%-", "%")
            step = next((s for s in (1, 2, 7, 14, 28, 56) if span / s <= max(2, room_px / 70)), 91)
            first = math.ceil(self.lo)
            if step >= 7:  # weekly ticks on Mondays, as a calendar reads them
                first += (7 - dt.date.fromordinal(first).weekday()) % 7
            return [(self.pos(d), dt.date.fromordinal(d).strftime(fmt))
                    for d in range(first, math.floor(self.hi) + 1, step)]
        ts = nice_ticks(self.lo, self.hi, max(2, min(8, int(room_px / 60))))
        tick = ts[1] - ts[0] if len(ts) > 1 else 1.0
        return [(self.pos(t), _fmt(t, tick, self.tickformat)) for t in ts if self.lo - 1e-9 <= t <= self.hi + 1e-9]

    vertical_labels = False


def _day(v: Any) -> int:
    text = str(v)[:10]
    try:
        return dt.date.fromisoformat(text).toordinal()
    except ValueError:
        return 0


def _categories(traces: Iterable[dict], key: str) -> list[str]:
    seen: dict[str, None] = {}
    for t in traces:
        for v in values(t.get(key)):
            seen.setdefault(str(v), None)
    return list(seen)


def _axis(layout: dict, name: str, traces: list[dict], key: str, *, zero: bool, reverse: bool = False) -> Axis:
    spec = layout.get(f"{name}axis") or {}
    data = [v for t in traces for v in values(t.get(key))]
    numeric = all(_num(v) is not None for v in data)  # no data at all: an empty linear axis, as plotly draws it
    kind = spec.get("type") or ("linear" if numeric else "category")
    if not data and kind != "category":
        return Axis("linear", 0.0, 1.0, tickformat=str(spec.get("tickformat") or ""))
    if kind == "date" and all(_day(v) for v in data) and data:
        days = [_day(v) for v in data]
        return Axis("date", min(days) - 0.5, max(days) + 0.5, tickformat=spec.get("tickformat", ""))
    if kind != "linear" or not numeric:
        cats = _categories(traces, key)
        return Axis("category", -0.5, len(cats) - 0.5, cats, reverse=reverse)
    given = spec.get("range")
    if isinstance(given, list) and len(given) == 2 and all(_num(g) is not None for g in given):
        lo, hi = float(given[0]), float(given[1])
    else:
        nums = [float(v) for v in data]
        lo, hi = min(nums), max(nums)
        if zero:
            lo, hi = min(lo, 0.0), max(hi, 0.0)
            hi = hi + (hi - lo) * 0.05 if hi > 0 else hi
        else:
            pad = (hi - lo) * 0.06 or 1.0
            lo, hi = lo - pad, hi + pad
        if hi <= lo:
            hi = lo + 1
    return Axis("linear", lo, hi, tickformat=str(spec.get("tickformat") or ""))


def _axis_title(layout: dict, name: str) -> str:
    title = (layout.get(f"{name}axis") or {}).get("title")
    if isinstance(title, dict):
        return str(title.get("text") or "")
    return str(title or "")


# ---------------------------------------------------------------------------------------------- marks
def _quartiles(xs: list[float]) -> tuple[float, float, float]:
    """q1, median, q3 as plotly computes them by default ("linear": the same as numpy's default)."""
    s = sorted(xs)

    def q(p: float) -> float:
        k = (len(s) - 1) * p
        f = math.floor(k)
        return s[f] + (s[min(f + 1, len(s) - 1)] - s[f]) * (k - f)

    return q(0.25), q(0.5), q(0.75)


def _jitter(i: int) -> float:
    """A repeatable spread in -1..1 (the same picture on every render)."""
    return ((i * 0.6180339887) % 1.0) * 2 - 1


class _Chart:
    def __init__(self, spec: dict, width: int, height: int | None):
        self.data = [t for t in (spec.get("data") or []) if isinstance(t, dict)]
        self.layout = spec.get("layout") or {}
        self.w = width
        self.h = int(height or _num(self.layout.get("height")) or 420)
        m = self.layout.get("margin") or {}
        self.m = {k: _num(m.get(k)) or (0.0 if _num(m.get(k)) == 0 else 80.0) for k in "tlrb"}
        colourway = ((self.layout.get("template") or {}).get("layout") or {}).get("colorway") or COLOURWAY
        self.colourway = [c for c in colourway if isinstance(c, str)] or list(COLOURWAY)
        self.out: list[str] = []
        self.legend: list[tuple[str, str, str]] = []  # (name, colour, kind)
        title = self.layout.get("title")
        self.title = str(title.get("text") or "") if isinstance(title, dict) else str(title or "")

    def colour(self, trace: dict, i: int) -> str:
        marker = trace.get("marker") or {}
        line = trace.get("line") or {}
        c = marker.get("color") if isinstance(marker.get("color"), str) else line.get("color")
        return c if isinstance(c, str) and _COLOUR.match(c) else self.colourway[i % len(self.colourway)]

    # ---- the whole chart
    def render(self) -> str:
        title = self.title
        kinds = {t.get("type", "scatter") for t in self.data}
        for i, t in enumerate(self.data):
            if t.get("showlegend") is not False and t.get("name") and t.get("type", "scatter") != "funnel":
                kind = "bar" if t.get("type") == "bar" else "point"
                self.legend.append((str(t["name"]), self.colour(t, i), kind))
        if len(self.legend) < 2 and not any(t.get("showlegend") for t in self.data):
            self.legend = []
        legend = self.layout.get("legend") or {}
        horizontal = legend.get("orientation") == "h"
        right = self.m["r"]
        if self.legend and not horizontal:  # plotly widens the right margin for a vertical legend
            size = _num((legend.get("font") or {}).get("size")) or FONT
            longest = max(len(name) for name, _, _ in self.legend)
            right = max(right, min(self.w * 0.4, 50 + longest * size * 0.6))
        x0, x1 = self.m["l"], self.w - right
        y0, y1 = self.m["t"], self.h - self.m["b"]
        if "funnel" in kinds:
            self.funnel(x0, x1, y0, y1)
        else:
            self.cartesian(x0, x1, y0, y1)
        if self.legend:
            self.draw_legend(horizontal, legend, x0, x1, y0, y1)
        head = (f"<svg class='qldrops-svg' xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {self.w} {self.h}' "
                f"width='100%' role='img' aria-label='{esc(title or 'chart')}' preserveAspectRatio='xMinYMin meet'>")
        top = f"<title>{esc(title)}</title>" if title else ""
        if title:
            top += (f"<text class='qd-title' x='{self.w * 0.05:.0f}' y='{max(18, self.m['t'] / 2 + 2):.0f}'>"
                    f"{esc(_truncate(title, self.w * 0.9))}</text>")
        return head + top + "".join(self.out) + "</svg>"

    def text(self, x: float, y: float, s: str, cls: str = "qd-tick", anchor: str = "middle", extra: str = "",
             on: str = "") -> None:
        if on:  # a label inside a mark: dark or white, whichever reads on the mark's colour
            extra += f" style='fill:{_ink(on)}'"
        self.out.append(f"<text class='{cls}' x='{x:.1f}' y='{y:.1f}' text-anchor='{anchor}'{extra}>{esc(s)}</text>")

    # ---- cartesian charts: bar, scatter, box
    def cartesian(self, x0: float, x1: float, y0: float, y1: float) -> None:
        horizontal = [t for t in self.data if t.get("type") == "bar" and t.get("orientation") == "h"]
        vbars = any(t.get("type") in ("bar",) and t.get("orientation") != "h" for t in self.data)
        xs = _axis(self.layout, "x", self.data, "x", zero=bool(horizontal))
        ys = _axis(self.layout, "y", self.data, "y", zero=vbars or any(t.get("type") == "box" for t in self.data))
        ys.place(y1, y0)  # y grows upwards; categories start at the bottom, as plotly draws them
        # plotly widens the left margin to fit the y tick labels (automargin): so do we, up to 40% of the width
        longest = max((len(label) for _, label in ys.ticks(y1 - y0)), default=0)
        x0 = max(x0, min(self.w * 0.4, longest * CHAR + 14))
        self.m["l"] = x0
        xs.place(x0, x1)
        xs.vertical_labels = True
        # grid and ticks
        for px, label in ys.ticks(y1 - y0):
            if ys.kind == "linear":
                self.out.append(f"<line class='qd-grid' x1='{x0:.1f}' x2='{x1:.1f}' y1='{px:.1f}' y2='{px:.1f}'/>")
            self.text(x0 - 6, px + 4, _truncate(label, self.m["l"] - 10), anchor="end")
        for px, label in xs.ticks(x1 - x0):
            if xs.kind == "linear":
                self.out.append(f"<line class='qd-grid' x1='{px:.1f}' x2='{px:.1f}' y1='{y0:.1f}' y2='{y1:.1f}'/>")
            room = xs.band * max(1, len(xs.cats) and math.ceil(len(xs.cats) * 14 / max(x1 - x0, 1))) \
                if xs.kind == "category" else 80
            self.text(px, y1 + 16, _truncate(label, max(room - 4, 3 * CHAR)))
        self.out.append(f"<line class='qd-axis' x1='{x0:.1f}' x2='{x1:.1f}' y1='{y1:.1f}' y2='{y1:.1f}'/>")
        self.out.append(f"<line class='qd-axis' x1='{x0:.1f}' x2='{x0:.1f}' y1='{y0:.1f}' y2='{y1:.1f}'/>")
        if title := _axis_title(self.layout, "x"):
            self.text((x0 + x1) / 2, min(self.h - 4, y1 + 34), title, "qd-axis-title")
        if title := _axis_title(self.layout, "y"):
            self.text(12, (y0 + y1) / 2, title, "qd-axis-title", extra=f" transform='rotate(-90 12 {(y0 + y1) / 2:.1f})'")
        bars = [i for i, t in enumerate(self.data) if t.get("type") == "bar"]
        group = self.layout.get("barmode", "group") == "group" and len(bars) > 1
        boxes = [i for i, t in enumerate(self.data) if t.get("type") == "box"]
        self.out.append("<g class='qd-marks'>")
        for i, t in enumerate(self.data):
            kind = t.get("type", "scatter")
            if kind == "bar":
                slot = (bars.index(i), len(bars)) if group else (0, 1)
                self.bar(t, i, xs, ys, slot)
            elif kind == "box":
                self.box(t, i, xs, ys, (boxes.index(i), len(boxes)))
            elif kind == "scatter":
                self.scatter(t, i, xs, ys)
        self.out.append("</g>")

    def bar(self, t: dict, i: int, xs: Axis, ys: Axis, slot: tuple[int, int]) -> None:
        h = t.get("orientation") == "h"
        cat, val = (ys, xs) if h else (xs, ys)
        cats, vals = (values(t.get("y")), values(t.get("x"))) if h else (values(t.get("x")), values(t.get("y")))
        texts = values(t.get("text"))
        template = str(t.get("texttemplate") or "")
        colour = self.colour(t, i)
        width = cat.band * 0.8 / slot[1]
        base = val.pos(max(val.lo, min(0.0, val.hi)))
        name = str(t.get("name") or "")
        for n, (c, v) in enumerate(zip(cats, vals, strict=False)):
            num = _num(v)
            if num is None:
                continue
            centre = cat.pos(c) - cat.band * 0.4 + width * (slot[0] + 0.5)
            end = val.pos(num)
            label = _label(template, c, num, texts[n] if n < len(texts) else None, h)
            tip = f"{c}: {_fmt(num, 0.01)}" + (f" {name}" if name else "") + (f" ({label})" if label else "")
            if h:
                x, w = min(base, end), abs(end - base)
                self.out.append(f"<rect x='{x:.1f}' y='{centre - width / 2:.1f}' width='{w:.1f}' "
                                f"height='{width:.1f}' fill='{colour}' data-c='{esc(c)}' data-v='{float(num)!r}'>"
                                f"<title>{esc(tip)}</title></rect>")
                if label:
                    inside = w > (len(label) + 2) * CHAR
                    tx = x + w - 4 if inside else x + w + 4
                    self.text(tx, centre + 4, label, "qd-in" if inside else "qd-label", "end" if inside else "start",
                              on=colour if inside else "")
            else:
                y, hh = min(base, end), abs(end - base)
                self.out.append(f"<rect x='{centre - width / 2:.1f}' y='{y:.1f}' width='{width:.1f}' "
                                f"height='{hh:.1f}' fill='{colour}' data-c='{esc(c)}' data-v='{float(num)!r}'>"
                                f"<title>{esc(tip)}</title></rect>")
                if label:
                    inside = hh > 20 and width > len(label) * CHAR
                    self.text(centre, y + 15 if inside else y - 4, _truncate(label, max(width, 6 * CHAR)),
                              "qd-in" if inside else "qd-label", on=colour if inside else "")

    def scatter(self, t: dict, i: int, xs: Axis, ys: Axis) -> None:
        colour = self.colour(t, i)
        mode = str(t.get("mode") or "markers")
        def ok(axis: Axis, v: Any) -> bool:
            return _num(v) is not None if axis.kind == "linear" else axis.kind == "date" or str(v) in axis.cats

        flip = ys.kind == "category" and xs.kind == "linear"  # a category per row: its value is x
        pts = [(xs.pos(x), ys.pos(y), *((y, x) if flip else (x, y)))
               for x, y in zip(values(t.get("x")), values(t.get("y")), strict=False) if ok(xs, x) and ok(ys, y)]
        if "lines" in mode and len(pts) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in pts)
            self.out.append(f"<polyline points='{path}' fill='none' stroke='{colour}' stroke-width='2'/>")
        if "markers" in mode or "lines" not in mode:
            few = len(pts) <= 200  # a topic map's thousands of points carry no titles (they would weigh MBs)
            r = 3.5 if few else 3
            group = esc(t.get("name") or "")
            self.out.append(f"<g fill='{colour}' data-name='{group}'>")
            for px, py, c, v in pts:
                num = _num(v)
                mark = (f" data-c='{esc(c)}' data-v='{float(num)!r}'><title>{esc(c)}: {esc(_fmt(num, 0.01))}</title>"
                        "</circle>") if few and num is not None else "/>"
                self.out.append(f"<circle cx='{px:.1f}' cy='{py:.1f}' r='{r}'{mark}")
            self.out.append("</g>")

    def box(self, t: dict, i: int, xs: Axis, ys: Axis, slot: tuple[int, int]) -> None:
        colour = self.colour(t, i)
        by: dict[str, list[float]] = {}
        for x, y in zip(values(t.get("x")), values(t.get("y")), strict=False):
            if (num := _num(y)) is not None:
                by.setdefault(str(x), []).append(num)
        band = xs.band * 0.8 / slot[1]
        n = 0
        for cat, ys_ in by.items():
            centre = xs.pos(cat) - xs.band * 0.4 + band * (slot[0] + 0.5)
            q1, med, q3 = _quartiles(ys_)
            iqr = q3 - q1
            lo = min(v for v in ys_ if v >= q1 - 1.5 * iqr)
            hi = max(v for v in ys_ if v <= q3 + 1.5 * iqr)
            bx, bw = centre, band * 0.45  # the box on the right half, the points on the left (plotly: pointpos -1.5)
            top, bottom = ys.pos(q3), ys.pos(q1)
            summary = f"{cat}: median {_fmt(med, 0.1)}, q1 {_fmt(q1, 0.1)}, q3 {_fmt(q3, 0.1)}, n={len(ys_)}"
            self.out.append(
                f"<g class='qd-box' data-c='{esc(cat)}' data-median='{med!r}' data-n='{len(ys_)}'>"
                f"<title>{esc(summary)}</title>"
                f"<line x1='{bx + bw / 2:.1f}' x2='{bx + bw / 2:.1f}' y1='{ys.pos(hi):.1f}' y2='{top:.1f}' stroke='{colour}'/>"
                f"<line x1='{bx + bw / 2:.1f}' x2='{bx + bw / 2:.1f}' y1='{bottom:.1f}' y2='{ys.pos(lo):.1f}' stroke='{colour}'/>"
                f"<rect x='{bx:.1f}' y='{top:.1f}' width='{bw:.1f}' height='{max(1.0, bottom - top):.1f}' "
                f"fill='{colour}' fill-opacity='0.5' stroke='{colour}' stroke-width='2'/>"
                f"<line x1='{bx:.1f}' x2='{bx + bw:.1f}' y1='{ys.pos(med):.1f}' y2='{ys.pos(med):.1f}' "
                f"stroke='{colour}' stroke-width='2'/></g>")
            self.out.append(f"<g fill='{colour}' fill-opacity='0.8'>")
            for v in ys_:
                px = centre - band * 0.2 + _jitter(n) * min(band * 0.12, 14)
                n += 1
                self.out.append(f"<circle cx='{px:.1f}' cy='{ys.pos(v):.1f}' r='3' data-c='{esc(cat)}' "
                                f"data-v='{float(v)!r}'><title>{esc(cat)}: {_fmt(v, 0.1)}</title></circle>")
            self.out.append("</g>")

    # ---- funnel
    def funnel(self, x0: float, x1: float, y0: float, y1: float) -> None:
        t = next(t for t in self.data if t.get("type") == "funnel")
        stages = [str(s) for s in values(t.get("y"))]
        nums = [_num(v) or 0.0 for v in values(t.get("x"))]
        top = max(nums, default=0.0) or 1.0
        initial = nums[0] if nums else 0.0
        colour = self.colour(t, 0)
        band = (y1 - y0) / max(1, len(stages))
        mid = (x0 + x1) / 2
        info = str(t.get("textinfo") or "value")
        prev: tuple[float, float, float] | None = None
        for n, (stage, v) in enumerate(zip(stages, nums, strict=False)):
            w = (x1 - x0) * v / top
            y = y0 + band * n + band * 0.1
            hh = band * 0.8
            if prev is not None:  # the connector: the step from one stage to the next
                pw, py, ph = prev
                self.out.append(f"<polygon class='qd-connector' points='{mid - pw / 2:.1f},{py + ph:.1f} "
                                f"{mid + pw / 2:.1f},{py + ph:.1f} {mid + w / 2:.1f},{y:.1f} {mid - w / 2:.1f},{y:.1f}'/>")
            prev = (w, y, hh)
            share = v / initial if initial else 0.0
            parts = [_fmt(v)] if "value" in info else []
            if "percent initial" in info:
                parts.append(f"{share:.0%}")
            self.out.append(f"<rect x='{mid - w / 2:.1f}' y='{y:.1f}' width='{max(w, 0.5):.1f}' height='{hh:.1f}' "
                            f"fill='{colour}' data-c='{esc(stage)}' data-v='{float(v)!r}'>"
                            f"<title>{esc(stage)}: {esc(_fmt(v))} ({share:.0%} of initial)</title></rect>")
            label = " · ".join(parts)
            inside = w > (len(label) + 2) * CHAR
            self.text(mid if inside else mid + w / 2 + 4, y + hh / 2 + 4, label, "qd-in" if inside else "qd-label",
                      "middle" if inside else "start", on=colour if inside else "")
            self.text(x0 - 6, y + hh / 2 + 4, _truncate(stage, self.m["l"] - 10), anchor="end")

    # ---- legend
    def draw_legend(self, horizontal: bool, spec: dict, x0: float, x1: float, y0: float, y1: float) -> None:
        size = _num((spec.get("font") or {}).get("size")) or FONT
        self.out.append("<g class='qd-legend'>")
        if horizontal:
            widths = [40 + len(name) * size * 0.6 for name, _, _ in self.legend]
            ly = _num(spec.get("y"))
            if ly is not None and ly > 1:  # above the plot: beside the title if there is room, else under it
                x = x1 - sum(widths) + 18
                y = max(18, self.m["t"] / 2 + 2) - 5
                if x < self.w * 0.05 + len(self.title) * 17 * 0.55 + 20:
                    x, y = x0, y0 - 8
            else:
                x, y = x0, y1 + 34
            for (name, colour, kind), w in zip(self.legend, widths, strict=True):
                self._key(x, y, colour, kind, size)
                self.text(x + 22, y + 4, name, "qd-legend-text", "start", f" font-size='{size:g}'")
                x += w
        else:
            x = x1 + 12
            room = self.w - x - 26  # for the text, in pixels
            step = size + 7
            shown = self.legend[: max(1, int((self.h - y0) / step))]
            for n, (name, colour, kind) in enumerate(shown):
                y = y0 + 8 + n * step
                self._key(x, y, colour, kind, size)
                self.text(x + 22, y + 4, _truncate(name, room * CHAR / (size * 0.6)), "qd-legend-text", "start",
                          f" font-size='{size:g}'")
        self.out.append("</g>")

    def _key(self, x: float, y: float, colour: str, kind: str, size: float) -> None:
        if kind == "bar":
            self.out.append(f"<rect x='{x:.1f}' y='{y - 5:.1f}' width='16' height='10' fill='{colour}'/>")
        else:
            self.out.append(f"<circle cx='{x + 8:.1f}' cy='{y:.1f}' r='{min(4.0, size / 3):.1f}' fill='{colour}'/>")


def _ink(colour: str) -> str:
    from .theme import luminance

    if re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        return "#1f2328" if luminance(colour) > 0.3 else "#ffffff"
    return "#ffffff"


def _label(template: str, category: Any, value: float, text: Any, horizontal: bool) -> str:
    """A bar's text label: its ``text``, or the ``texttemplate`` plotly would fill in (the forms we use)."""
    if not template:
        return "" if text is None else str(text)
    axis_value, axis_cat = ("x", "y") if horizontal else ("y", "x")

    def fill(m: re.Match[str]) -> str:
        name, fmt = m.group(1), m.group(2) or ""
        if name == axis_value:
            num = value
        elif name == "text":
            num_ = _num(text)
            if num_ is None:
                return str(text)
            num = num_
        elif name == axis_cat:
            return str(category)
        else:
            return ""
        if fmt.startswith(".") and fmt.endswith("f") and fmt[1:-1].isdigit():
            return f"{num:.{int(fmt[1:-1])}f}"
        return _fmt(num, 1.0 if float(num).is_integer() else 0.01)

    return re.sub(r"%\{(\w+)(?::([^}]*))?\}", fill, template)


# ---------------------------------------------------------------------------------------------- the API
def figure_svg(spec: dict[str, Any], *, width: int = 800, height: int | None = None) -> str:
    """A plotly figure spec (``fig.to_plotly_json()``, as JSON) drawn as an inline ``<svg>``.

    ``width`` is the width it is drawn for (the SVG scales to its container); ``height`` the layout's.
    """
    return _Chart(spec, width, height).render()


def static_figures(page: str, *, width: int = 800) -> str:
    """``page`` (HTML from :func:`qldrops.dashboards.html.figure_html`) with every plot drawn as SVG.

    Each ``<div class='qldrops-plot' data-figure=…>`` keeps its id and gets its chart inside, without the
    ``data-figure`` attribute: plotly.js does not draw (or redraw) the static picture.
    """

    def draw(m: re.Match[str]) -> str:
        ident, height, spec = m.group(1) or "", int(m.group(2)), json.loads(html.unescape(m.group(3)))
        return (f"<div class='qldrops-plot qldrops-static-plot'{ident} style='width:100%'>"
                f"{figure_svg(spec, width=width, height=height)}</div>")

    return _PLOT.sub(draw, page)


# Rules for the charts, in the pages' stylesheet (qldrops.dashboards.html.STYLE): the theme's colours.
SVG_RULES = """
.qldrops-svg {display:block; width:100%; height:auto; font-family:system-ui,-apple-system,'Segoe UI',sans-serif;
  font-size:12px; overflow:visible}
.qldrops-svg text {fill:var(--qd-fg)}
.qldrops-svg .qd-tick, .qldrops-svg .qd-axis-title {fill:var(--qd-muted)}
.qldrops-svg .qd-title {font-size:17px}
.qldrops-svg .qd-in {font-weight:600}
.qldrops-svg .qd-grid {stroke:var(--qd-border); stroke-width:1}
.qldrops-svg .qd-axis {stroke:var(--qd-border); stroke-width:1}
.qldrops-svg .qd-connector {fill:var(--qd-border); opacity:.5}
"""

__all__ = ["COLOURWAY", "SVG_RULES", "figure_svg", "nice_ticks", "static_figures", "values"]
