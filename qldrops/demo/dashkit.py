"""Small helpers the notebooks and dashboards share, so that they stay thin.

Why plots go through :func:`figure_html` in dashboards: under Voila 0.5.13,
``widgets.Output`` hangs a few percent of renders (upstream voila issue 1428),
and plotly 7's ``FigureWidget`` needs ``anywidget`` (not installed). So a
dashboard loads plotly.js **once**, inline from the installed plotly package
(:func:`plotly_loader_html`, no CDN: users may be offline), together with a
tiny observer that draws every ``<div class="qldrops-plot" data-figure=…>``
that appears in the page. Figures then travel as JSON inside ``widgets.HTML``
values; replacing a value (a filter changed) redraws the plot. Analyst
notebooks simply display figures (JupyterLab's plotly renderer is local too).

Nothing here imports ipywidgets or Voila (the library never does); plotly,
numpy and pandas are imported inside the functions that need them.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import Any

# Draws each .qldrops-plot[data-figure] once per distinct figure, now and whenever one is added or changed.
_OBSERVER_JS = """
(function () {
  if (window.qldropsPlotObserver) { return; }
  function draw(el) {
    if (!window.Plotly) { return; }
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

STYLE = """
<style>
.qldrops-box {border-radius:6px; padding:10px 14px; margin:8px 0; font-family:system-ui,sans-serif}
.qldrops-problem {background:#fff4e5; border:1px solid #f0b35b}
.qldrops-note {background:#eef4fb; border:1px solid #b6cbe6}
.qldrops-kpis {display:flex; gap:12px; flex-wrap:wrap; font-family:system-ui,sans-serif}
.qldrops-kpi {border:1px solid #ddd; border-radius:6px; padding:8px 14px; min-width:120px}
.qldrops-kpi b {display:block; font-size:1.6em}
.qldrops-table {border-collapse:collapse; font-family:system-ui,sans-serif; font-size:13px}
.qldrops-table th, .qldrops-table td {border-bottom:1px solid #eee; padding:3px 8px; text-align:left;
  vertical-align:top}
.qldrops-pre {max-height:24em; overflow:auto; background:#f7f7f7; padding:6px; font-size:12px}
</style>
"""


def plotly_loader_html() -> str:
    """plotly.js (from the installed plotly package, ~4.6 MB) plus the plot observer, as one HTML output.

    Display it once at the top of a dashboard (``display(HTML(...))``): Voila puts
    it in the page, where its scripts run. Nothing is fetched from the network.
    """
    from plotly.offline import get_plotlyjs

    return ("<script type='text/javascript'>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
            f"<script type='text/javascript'>{get_plotlyjs()}</script>"
            f"<script type='text/javascript'>{_OBSERVER_JS}</script>{STYLE}")


def figure_html(fig: Any, *, height: int | None = None, element_id: str | None = None) -> str:
    """A figure as a ``<div>`` the loader draws; put it in a ``widgets.HTML`` value."""
    spec = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else dict(fig)
    import plotly.io as pio

    text = pio.to_json(spec, validate=False, remove_uids=True)
    h = height or int((spec.get("layout") or {}).get("height") or 420)
    ident = f" id='{html.escape(element_id, quote=True)}'" if element_id else ""
    return (f"<div class='qldrops-plot'{ident} style='width:100%;height:{h}px' "
            f"data-figure='{html.escape(text, quote=True)}'></div>")


def problem_html(exc: BaseException) -> str:
    """An instruction, not a traceback: what went wrong and what to do (``QldropsError.message/hint``)."""
    message = getattr(exc, "message", None) or str(exc)
    hint = getattr(exc, "hint", None)
    hint_html = f"<p><b>What to do:</b> {html.escape(hint)}</p>" if hint else ""
    return (f"{STYLE}<div class='qldrops-box qldrops-problem' role='alert'><h3>This dashboard cannot load its data"
            f"</h3><p>{html.escape(message)}</p>{hint_html}</div>")


def note_html(text: str, *, element_id: str | None = None) -> str:
    """A neutral notice (an empty section, a step in progress)."""
    ident = f" id='{html.escape(element_id, quote=True)}'" if element_id else ""
    return f"<div class='qldrops-box qldrops-note'{ident}>{html.escape(text)}</div>"


LOADING_ID = "qldrops-loading"


def loading_html(text: str) -> str:
    """A progress note shown while a slow cell runs (Voila streams it before the cell ends).

    A cell output cannot be removed later without ``widgets.Output``, so the
    note is hidden by :func:`loaded_html`, put into any widget value afterwards.
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


# ---------------------------------------------------------------------- vectors and projections
def drop_vectors(store: Any, ids: Iterable[int] | None = None) -> tuple[list[int], Any]:
    """``(ids, matrix)`` of the indexed drops' vectors, through the index mirror (synced first).

    The mirror's ``id_map`` says which content each drop's vector was made from;
    the vectors themselves are read from the database (``embeddings``), where
    the index keeps them, so nothing is embedded twice.
    """
    import numpy as np

    from ..index.embstore import ensure_vectors

    index = store.index
    index.sync()
    id_map = dict(index.id_map)
    wanted = sorted(id_map) if ids is None else [i for i in ids if i in id_map]
    vecs = ensure_vectors(store, index.embedder, [id_map[i] for i in wanted])
    keep = [i for i in wanted if vecs.get(id_map[i]) is not None]
    if not keep:
        return [], np.zeros((0, index.embedder.dim), dtype=np.float32)
    return keep, np.vstack([vecs[id_map[i]] for i in keep]).astype(np.float32)


def project_2d(matrix: Any) -> Any:
    """PCA to two dimensions with numpy's SVD (centred; signs fixed so reruns draw the same picture)."""
    import numpy as np

    x = np.asarray(matrix, dtype=np.float64)
    if x.shape[0] == 0:
        return np.zeros((0, 2))
    xc = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(xc, full_matrices=False)
    comps = vt[:2]
    signs = np.sign(comps[np.arange(comps.shape[0]), np.abs(comps).argmax(axis=1)])
    coords = xc @ (comps * signs[:, None]).T
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((coords.shape[0], 2 - coords.shape[1]))])
    return coords


def cluster_map(store: Any, clusters: Any) -> Any:
    """A frame (drop_id, x, y, cluster, label, workflow_id, drop_type) for a 2-D cluster scatter plot."""
    import pandas as pd

    assign = clusters.assignments()
    ids, matrix = drop_vectors(store, assign["drop_id"].tolist())
    xy = project_2d(matrix)
    points = pd.DataFrame({"drop_id": ids, "x": xy[:, 0], "y": xy[:, 1]})
    drops = store.get_many(ids).to_frame()[["id", "workflow_id", "drop_type"]].rename(columns={"id": "drop_id"})
    return points.merge(assign, on="drop_id").merge(drops, on="drop_id")


def drops_frame(store: Any, **filters: Any) -> Any:
    """``store.list(...).to_frame()`` with a ``language`` column even before any analysis ran.

    Analysis results (language, quality_score, security_issues) come with the
    listing when ``store.analyze_all()`` has run; until then the language the
    workflow declared in the metadata is used.
    """
    frame = store.list(**filters).to_frame()
    declared = frame["metadata"].map(lambda m: (m or {}).get("language")) if len(frame) else frame.get("metadata")
    if "language" not in frame.columns:
        frame["language"] = declared
    elif len(frame):
        frame["language"] = frame["language"].fillna(declared)
    if "quality_score" not in frame.columns:
        frame["quality_score"] = float("nan")
    return frame


def first_lines(text: str, n: int = 3, width: int = 160) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()][:n]
    out = " ⏎ ".join(lines)
    return out if len(out) <= width else out[: width - 1] + "…"


def figure_json(fig: Any) -> dict[str, Any]:
    """The figure spec as plain JSON data (what tests and the loader read)."""
    return json.loads(fig.to_json())


def redact(text: str) -> str:
    """Mask secrets before a drop is shown to stakeholders (the analysis package's redaction).

    Until that package provides ``qldrops.analysis.redact``, long secret-looking
    tokens (AWS key ids, ``…_KEY = "…"`` assignments) are masked here.
    """
    try:
        from ..analysis import redact as analysis_redact  # type: ignore[attr-defined]
    except ImportError:
        analysis_redact = None
    if callable(analysis_redact):
        out = analysis_redact(text)
        return out if isinstance(out, str) else getattr(out, "text", str(out))
    import re

    text = re.sub(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b", r"\1****************", text)
    return re.sub(r"(?i)((?:secret|password|passwd|token|api_?key|access_?key)\w*\s*[:=]\s*['\"])([^'\"]{6,})(['\"])",
                  lambda m: m.group(1) + "*" * 8 + m.group(3), text)
