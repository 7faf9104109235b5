"""HTML pieces every dashboard shares: the stylesheet, problems and notes, KPIs, tables, figures.

Why plots go through :func:`figure_html`: under Voila 0.5.13, ``widgets.Output`` hangs a few
percent of renders (upstream voila issue 1428), and plotly 7's ``FigureWidget`` needs
``anywidget`` (not installed). So a dashboard loads plotly.js **once**, inline from the
installed plotly package (:func:`plotly_loader_html`, no CDN: viewers may be offline), with a
tiny observer that draws every ``<div class="qldrops-plot" data-figure=…>`` appearing in the
page. Figures then travel as JSON inside ``widgets.HTML`` values; replacing a value (a filter
changed) redraws the plot.

A failure is shown by :func:`problem_html`: an instruction, never a traceback.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable
from typing import Any

from .svg import SVG_RULES
from .theme import theme_css

# Draws each .qldrops-plot[data-figure] once per distinct figure, now and whenever one is added or changed.
_OBSERVER_JS = """
(function () {
  if (window.qldropsPlotObserver) { return; }
  function draw(el) {
    if (!window.Plotly) { if (window.qldropsPlotlyLoad) { window.qldropsPlotlyLoad(); } return; }
    var spec = el.getAttribute('data-figure');
    if (!spec || el.qldropsDrawn === spec) { return; }
    el.qldropsDrawn = spec;
    var fig = JSON.parse(spec);
    var config = Object.assign({responsive: true, displaylogo: false}, fig.config || {});
    window.Plotly.react(el, fig.data || [], fig.layout || {}, config);
  }
  function scan(node) {
    if (node.nodeType !== 1) { return; }
    if (node.matches('.qldrops-plot[data-figure]')) { draw(node); }
    node.querySelectorAll('.qldrops-plot[data-figure]').forEach(draw);
  }
  window.qldropsPlotScan = function () { scan(document.documentElement); };  // plotly.js arrived
  window.qldropsPlotObserver = new MutationObserver(function (records) {
    records.forEach(function (r) {
      if (r.type === 'attributes') { scan(r.target); } else { r.addedNodes.forEach(scan); }
    });
  });
  window.qldropsPlotObserver.observe(document.documentElement,
    {childList: true, subtree: true, attributes: true, attributeFilter: ['data-figure']});
  scan(document.documentElement);
})();
"""

# Under the server: plotly.js fetched once, when a figure needs it or once the page has loaded.
_LAZY_JS = """
window.qldropsPlotlyLoad = function () {
  if (window.Plotly || window.qldropsPlotlyLoading) { return; }
  window.qldropsPlotlyLoading = true;
  var s = document.createElement('script');
  s.src = 'SRC';
  s.async = true;
  s.onload = function () { if (window.qldropsPlotScan) { window.qldropsPlotScan(); } };
  document.head.appendChild(s);
};
window.addEventListener('load', window.qldropsPlotlyLoad);
"""

MONO = "ui-monospace,SFMono-Regular,'DejaVu Sans Mono','Liberation Mono',Menlo,Consolas,monospace"
# The page's own rules; colours are the theme's variables (qldrops.dashboards.theme: light and dark).
_RULES = """
.qldrops-page {font-family:system-ui,-apple-system,'Segoe UI',sans-serif; color:var(--qd-fg)}
.qldrops-box {border-radius:6px; padding:10px 14px; margin:8px 0; font-family:system-ui,sans-serif; color:var(--qd-fg)}
.qldrops-problem {background:var(--qd-problem-bg); border:1px solid var(--qd-problem-border)}
.qldrops-note {background:var(--qd-note-bg); border:1px solid var(--qd-note-border)}
.qldrops-pre {max-height:24em; overflow:auto; background:var(--qd-code-bg); color:var(--qd-fg); padding:6px;
  font-size:12px; line-height:1.45; font-family:MONO}
.qldrops-head {display:flex; flex-wrap:wrap; gap:8px; justify-content:space-between; align-items:flex-end;
  border-bottom:1px solid var(--qd-border); padding:4px 2px 12px; margin-bottom:10px; font-family:system-ui,sans-serif}
.qldrops-head h2 {margin:2px 0 6px; font-size:1.5em; overflow-wrap:anywhere}
.qldrops-right {text-align:right}
.qldrops-muted {color:var(--qd-muted); font-size:12px; font-family:system-ui,sans-serif}
.qldrops-chip {display:inline-block; background:var(--qd-chip-bg); color:var(--qd-chip-fg); border-radius:10px;
  padding:1px 8px; margin:0 4px; font-size:12px; font-family:system-ui,sans-serif}
.qldrops-filehead {display:flex; flex-wrap:wrap; gap:4px 10px; align-items:baseline; font-family:system-ui,sans-serif;
  padding:4px 0; overflow-wrap:anywhere}
.qldrops-code {border:1px solid var(--qd-border); border-radius:6px; overflow:auto; max-height:560px;
  background:var(--qd-code-bg); color:var(--qd-fg); font-family:MONO; font-size:12.5px; line-height:1.45;
  padding:6px 0}
.qldrops-code .qldrops-lines, .qldrops-code .highlight {display:table; min-width:100%; border-spacing:0;
  background:transparent}
.qldrops-code .ql {display:table-row; white-space:pre}
.qldrops-code .ql::before {content:attr(data-n); display:table-cell; width:1%; padding:0 10px 0 8px;
  text-align:right; color:var(--qd-ln); border-right:1px solid var(--qd-ln-border); background:var(--qd-code-bg);
  position:sticky; left:0; -webkit-user-select:none; user-select:none}
.qldrops-code .qc {display:table-cell; padding:0 12px 0 10px}
.qldrops-tree .widget-button, .qldrops-tree button {justify-content:flex-start; text-align:left; border:0;
  background:transparent; color:var(--qd-fg); font-family:MONO; font-size:12.5px; height:24px}
.qldrops-tree button:hover {background:var(--qd-hover-bg)}
.qldrops-tree .qldrops-selected button, .qldrops-tree button.qldrops-selected {background:var(--qd-selected-bg);
  font-weight:600}
.qldrops-ssr-body {font-family:system-ui,-apple-system,'Segoe UI',sans-serif; color:var(--qd-fg); margin-top:38px}
.qldrops-tree-first {font-family:MONO; font-size:12.5px; height:24px; line-height:24px; white-space:nowrap;
  overflow:hidden; text-overflow:ellipsis; color:var(--qd-fg)}
.qldrops-tree-first.qldrops-selected {background:var(--qd-selected-bg); font-weight:600}
.qldrops-tabs-first {display:flex; gap:2px; border-bottom:1px solid var(--qd-border); margin:4px 0 8px;
  font-family:system-ui,sans-serif; font-size:13px}
.qldrops-tab-first {padding:6px 12px; color:var(--qd-muted)}
.qldrops-tab-first.qldrops-selected {color:var(--qd-fg); border-bottom:2px solid var(--qd-kpi-fg)}
.qldrops-filters-first {display:flex; flex-wrap:wrap; gap:6px 18px; margin:4px 0 8px; font-family:system-ui,sans-serif;
  font-size:13px; color:var(--qd-fg)}
.qldrops-control-first input, .qldrops-control-first select {margin-left:6px; font:inherit}
.qldrops-folder {font-family:MONO; font-size:12.5px; color:var(--qd-muted); height:22px; line-height:22px}
.qldrops-section {font-family:system-ui,sans-serif; font-size:11px; text-transform:uppercase; letter-spacing:.06em;
  color:var(--qd-muted); margin:8px 0 2px}
.qldrops-diffbody {font-family:MONO; font-size:12px; line-height:1.45; border:1px solid var(--qd-border);
  border-radius:6px; max-height:480px; overflow:auto; white-space:pre; color:var(--qd-fg); tab-size:4}
.qldrops-diffbody > div {min-height:1.45em}
.qldrops-dadd {background:var(--qd-add-bg)} .qldrops-ddel {background:var(--qd-del-bg)}
.qldrops-dhunk {background:var(--qd-hunk-bg); color:var(--qd-hunk-fg)}
.qldrops-add {color:var(--qd-add-fg)} .qldrops-del {color:var(--qd-del-fg)}
.qldrops-runhead {padding:6px 10px; border-radius:6px; margin:6px 0; font-family:system-ui,sans-serif; color:var(--qd-fg)}
.qldrops-runhead.ok {background:var(--qd-ok-bg)} .qldrops-runhead.bad {background:var(--qd-bad-bg)}
#qldrops-run-output pre {background:var(--qd-out-bg); color:var(--qd-out-fg); padding:8px; border-radius:6px;
  max-height:260px; overflow:auto; font-size:12px; line-height:1.45; margin:2px 0 8px; font-family:MONO}
#qldrops-run-output .qldrops-err {color:var(--qd-err-fg)}
.qldrops-button {display:inline-block; padding:6px 12px; border-radius:6px; background:var(--qd-button-bg);
  color:var(--qd-button-fg) !important; text-decoration:none; font-family:system-ui,sans-serif}
tr.sev-high td, tr.sev-critical td {background:var(--qd-sev-bg)}
.qldrops-kpis {display:flex; gap:12px; flex-wrap:wrap; margin:4px 0 10px; font-family:system-ui,sans-serif}
.qldrops-kpi {border:1px solid var(--qd-border); border-radius:6px; padding:8px 14px; min-width:120px; color:var(--qd-muted)}
.qldrops-kpi b {display:block; font-size:1.6em; color:var(--qd-kpi-fg)}
.qldrops-table {border-collapse:collapse; font-family:system-ui,sans-serif; font-size:13px; margin:4px 0 10px;
  color:var(--qd-fg)}
.qldrops-table th, .qldrops-table td {border-bottom:1px solid var(--qd-border); padding:4px 10px; text-align:left;
  vertical-align:top}
.qldrops-table th {color:var(--qd-muted); font-weight:600}
.qldrops-tree p.qldrops-muted {line-height:1.4; margin:10px 0 0}
.qldrops-files-toggle {display:none !important}
.qldrops-runwhy {margin:4px 0}
@media (max-width: 700px) {
  .qldrops-body {flex-direction:column !important}
  .qldrops-body > .qldrops-tree {width:100% !important; min-width:0 !important; padding:0 !important}
  .qldrops-body > .qldrops-tree:not(.qldrops-open) {display:none !important}
  .qldrops-files-toggle {display:inline-flex !important}
  .qldrops-main {width:100% !important}
  .qldrops-right {text-align:left}
  .qldrops-table {display:block; overflow-x:auto}
  .qldrops-code {max-height:70vh}
  .qldrops-main .lm-TabPanel-stack, .qldrops-main .p-TabPanel-stack, .qldrops-main .widget-tab-contents
    {padding:6px !important}
}
""".replace("MONO", MONO) + SVG_RULES
STYLE = f"<style>{theme_css()}{_RULES}</style>"

LOADING_ID = "qldrops-loading"
# (title, message, hint) for an exception: how a page words a problem for its reader.
Wording = Callable[[BaseException], tuple[str, str, str]]


def operator_wording(exc: BaseException) -> tuple[str, str, str]:
    """For analysts running a dashboard themselves: the library's message and hint (they hold the
    database URL, so naming it helps)."""
    message = getattr(exc, "message", None) or str(exc)
    return "This dashboard cannot load its data", message, getattr(exc, "hint", None) or ""


def problem_html(exc: BaseException, wording: Wording = operator_wording) -> str:
    """An instruction, not a traceback: what went wrong and what to do.

    ``wording`` picks the words; share-link visitors get the server's visitor wording, which never
    echoes exception text (``qldrops.server.kernel.problem_html``).
    """
    title, message, hint = wording(exc)
    hint_html = f"<p><b>What to do:</b> {html.escape(hint)}</p>" if hint else ""
    return (f"{STYLE}<div class='qldrops-box qldrops-problem' role='alert'><h3>{html.escape(title)}</h3>"
            f"<p>{html.escape(message)}</p>{hint_html}</div>")


def note_html(text: str, *, element_id: str | None = None) -> str:
    """A neutral notice (an empty section, a step in progress)."""
    ident = f" id='{html.escape(element_id, quote=True)}'" if element_id else ""
    return f"<div class='qldrops-box qldrops-note'{ident}>{html.escape(text)}</div>"


def muted_html(text: str, *, element_id: str | None = None) -> str:
    """A small grey line (a step in progress inside a panel, an empty panel)."""
    ident = f" id='{html.escape(element_id, quote=True)}'" if element_id else ""
    return f"<p class='qldrops-muted'{ident}>{html.escape(text)}</p>"


def loading_html(text: str) -> str:
    """A progress note shown while a slow cell runs (Voila streams it before the cell ends).

    A cell output cannot be removed later without ``widgets.Output``, so the note is hidden by
    :func:`loaded_html`, put into any widget value afterwards.
    """
    return note_html(text, element_id=LOADING_ID)


def loaded_html() -> str:
    """Hides the :func:`loading_html` notes once the page is ready."""
    return f"<style>#{LOADING_ID} {{display:none}}</style>"


def kpis_html(items: Iterable[tuple[str, Any]], *, element_id: str = "qldrops-kpis") -> str:
    cells = "".join(f"<div class='qldrops-kpi' data-kpi='{html.escape(str(k), quote=True)}'>"
                    f"<b>{html.escape(str(v))}</b>{html.escape(str(k))}</div>" for k, v in items)
    return f"<div class='qldrops-kpis' id='{html.escape(element_id, quote=True)}'>{cells}</div>"


def table_html(frame: Any, *, element_id: str | None = None, max_rows: int = 50) -> str:
    """A pandas frame as a small escaped HTML table (``to_html`` escapes cell text)."""
    ident = {"table_id": element_id} if element_id else {}
    return frame.head(max_rows).to_html(index=False, classes="qldrops-table", border=0, na_rep="", **ident)


PLOTLY_JS = "qldrops/static/plotly.min.js"
"""Where ``qldrops serve`` serves the installed package's plotly.js (gzipped once, cached by browsers)."""


def plotly_loader_html(*, served: bool = False) -> str:
    """plotly.js (from the installed plotly package, ~4.6 MB), the plot observer and the stylesheet.

    Display it once at the top of a dashboard (``display(HTML(...))``): Voila puts it in the
    page, where its scripts run. Nothing is fetched from the network.

    ``served``: under ``qldrops serve``, plotly.js is the server's file (:data:`PLOTLY_JS`) instead of
    4.6 MB inlined into every page, fetched when a figure first needs it or once the page has loaded,
    whichever comes first: the static first paint draws its charts as SVG (:mod:`.svg`), so its
    browser parses no plotly.js before it is drawn; the observer draws every figure once it arrives.
    """
    if served:
        return ("<script type='text/javascript'>window.PlotlyConfig = {MathJaxConfig: 'local'};"
                f"{_LAZY_JS.replace('SRC', '/' + PLOTLY_JS)}</script>"
                f"<script type='text/javascript'>{_OBSERVER_JS}</script>" + STYLE)
    from plotly.offline import get_plotlyjs

    return ("<script type='text/javascript'>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
            f"<script type='text/javascript'>{get_plotlyjs()}</script>"
            f"<script type='text/javascript'>{_OBSERVER_JS}</script>{STYLE}")


def figure_html(fig: Any, *, height: int | None = None, element_id: str | None = None) -> str:
    """A figure as a ``<div>`` the loader draws; put it in a ``widgets.HTML`` value."""
    import plotly.io as pio

    spec = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else dict(fig)
    text = pio.to_json(spec, validate=False, remove_uids=True)
    h = height or int((spec.get("layout") or {}).get("height") or 420)
    ident = f" id='{html.escape(element_id, quote=True)}'" if element_id else ""
    return (f"<div class='qldrops-plot'{ident} style='width:100%;height:{h}px' "
            f"data-figure='{html.escape(text, quote=True)}'></div>")


def figure_json(fig: Any) -> dict[str, Any]:
    """The figure spec as plain JSON data (what tests and the loader read)."""
    return json.loads(fig.to_json())


def first_lines(text: str, n: int = 3, width: int = 160) -> str:
    """The first ``n`` non-blank lines joined on one line, cut at ``width`` characters."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:n]
    out = " ⏎ ".join(lines)
    return out if len(out) <= width else out[: width - 1] + "…"


def short(value: Any, limit: int = 300) -> str:
    """A value as text (JSON for structures), cut at ``limit`` characters."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
