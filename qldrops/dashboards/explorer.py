"""The explorer dashboard as a controller: search (words and meaning fused), topics, near-duplicates.

Search is ``store.search(text, mode="hybrid")`` (the index layer: full text and vectors by
reciprocal rank fusion, forks folded into their original, "no close match" under a floor); the
query is embedded by the library (no model is loaded here).

Secrets are masked (the analysis package's ``redact``) in everything shown. :class:`ExplorerPage`
answers each control of the page with HTML; the 2-D topic map projects the vectors the index
stored in the database (nothing is embedded twice). plotly is imported where figures are drawn.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.security import redact
from ..client import Store
from ..errors import NotFound, ValidationError
from ..index.embstore import ensure_vectors
from .html import figure_html, first_lines, kpis_html, loaded_html, note_html, problem_html, table_html
from .svg import static_figures

ALL = "(all)"
METHODS = ("exact", "lexical", "semantic")
# What the page shows before anyone touches a control (the live widgets start from the same values).
DEFAULT_QUERY = "retry with exponential backoff"
DEFAULT_RESULTS = 8
DEFAULT_TOPICS = 8
DEFAULT_THRESHOLD = 0.95


# ---------------------------------------------------------------------- vectors and projections
def drop_vectors(store: Store, ids: Iterable[int] | None = None) -> tuple[list[int], np.ndarray]:
    """``(ids, matrix)`` of the indexed drops' vectors, through the index mirror (synced first).

    The mirror's ``id_map`` says which content each drop's vector was made from; the vectors
    themselves are read from the database, where the index keeps them.
    """
    index = store.index
    index.sync()
    id_map = dict(index.id_map)
    wanted = sorted(id_map) if ids is None else [i for i in ids if i in id_map]
    vecs = ensure_vectors(store, index.embedder, [id_map[i] for i in wanted])
    found = [(i, v) for i in wanted if (v := vecs.get(id_map[i])) is not None]
    if not found:
        return [], np.zeros((0, index.embedder.dim), dtype=np.float32)
    return [i for i, _ in found], np.vstack([v for _, v in found]).astype(np.float32)


def project_2d(matrix: Any) -> np.ndarray:
    """PCA to two dimensions with numpy's SVD (centred; signs fixed so reruns draw the same picture)."""
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


def cluster_map(store: Store, clusters: Any) -> pd.DataFrame:
    """A frame (drop_id, x, y, cluster, label, workflow_id, drop_type) for a 2-D cluster scatter plot."""
    assign = clusters.assignments()
    ids, matrix = drop_vectors(store, assign["drop_id"].tolist())
    xy = project_2d(matrix)
    points = pd.DataFrame({"drop_id": ids, "x": xy[:, 0], "y": xy[:, 1]})
    drops = store.get_many(ids).to_frame()[["id", "workflow_id", "drop_type"]].rename(columns={"id": "drop_id"})
    return points.merge(assign, on="drop_id").merge(drops, on="drop_id")


# ---------------------------------------------------------------------- HTML of each section
def results_html(hits: Any, text: str) -> str:
    """Search answers (``store.search(..., mode="hybrid")``): what matched, cosine, id, workflow, type,
    forks folded into each, and the first lines (redacted); "no close match" instead of filler."""
    if not len(hits):
        return note_html(f"No close match for “{text}”: no drop contains these words and none is close "
                         "in meaning. Try other words, or another drop type.", element_id="no-close-match")
    drops = {d.id: d for d in hits.drops()}

    def forks(h: Any) -> str:
        n = len(h.forks)
        return f" <small class='forks' title='drops {', '.join(map(str, h.forks))}'>+{n} fork{'s' if n > 1 else ''}" \
               "</small>" if n else ""

    rows = "".join(
        f"<tr><td>{html.escape(h.matched)}</td><td>{'' if h.similarity is None else f'{h.similarity:.2f}'}</td>"
        f"<td>{h.id}</td><td>{html.escape(h.workflow_id)}{forks(h)}</td><td><code>{html.escape(h.drop_type)}</code></td>"
        f"<td>{html.escape(first_lines(redact(drops[h.id].artifact)) if h.id in drops else '')}</td></tr>"
        for h in hits)
    return (f"<table class='qldrops-table' id='search-results'><caption style='text-align:left'>"
            f"{len(hits)} drops best matching <q>{html.escape(text)}</q> (by words and by meaning)</caption>"
            f"<tr><th>matched by</th><th>similarity</th><th>id</th><th>workflow</th><th>type</th><th>beginning</th>"
            f"</tr>{rows}</table>")


def topics_html(store: Store, found: Any) -> str:
    """The topic map (one point per drop, coloured by topic) and the topics table."""
    import plotly.express as px

    points = cluster_map(store, found)
    points["topic"] = points["cluster"].astype(str) + ": " + points["label"]
    # render_mode="svg": a plain scatter trace at any size (plotly express would switch to WebGL past 1,000
    # points, a trace type the server's plotly.js bundle leaves out: qldrops.server.static.PLOTLY_TRACES)
    fig = px.scatter(points, x="x", y="y", color="topic", hover_data=["drop_id", "workflow_id", "drop_type"],
                     title="Drops by meaning (2-D projection of the vectors; colour: topic)", render_mode="svg")
    fig.update_layout(height=520, margin={"t": 50, "l": 30, "r": 30, "b": 30}, legend={"font": {"size": 10}},
                      xaxis_title="", yaxis_title="")
    table = found.to_frame()[["cluster", "label", "size", "top_terms", "representatives"]]
    table["top_terms"] = table["top_terms"].map(", ".join)
    return figure_html(fig, element_id="cluster-map") + table_html(table, element_id="cluster-table")


def pair_html(a: Any, b: Any) -> str:
    """Two drops side by side (redacted) with their differences."""
    left, right = redact(a.artifact), redact(b.artifact)
    diff = "".join(difflib.unified_diff(left.splitlines(keepends=True), right.splitlines(keepends=True),
                                        fromfile=f"drop {a.id}", tofile=f"drop {b.id}", n=2))
    diff = diff or "(identical content)"

    def side(d: Any, text: str) -> str:
        return (f"<div style='flex:1;min-width:0'><b>drop {d.id}</b> · {html.escape(d.workflow_id)} · "
                f"<code>{html.escape(d.drop_type)}</code> v{d.version}"
                f"<pre class='qldrops-pre'>{html.escape(text[:6000])}</pre></div>")

    return (f"<div id='dupe-pair' style='display:flex;gap:12px'>{side(a, left)}{side(b, right)}</div>"
            f"<details><summary>differences</summary><pre class='qldrops-pre'>{html.escape(diff[:20000])}</pre>"
            f"</details>")


@dataclass
class Dupes:
    """Near-duplicate pairs for one question: the summary line and the pairs to choose from."""

    summary: str
    options: list[tuple[str, tuple[int, int]]] = field(default_factory=list)
    empty: str = ""  # what the pair view shows when there is no pair


# ---------------------------------------------------------------------- the page
def first_paint_key(store: Store) -> tuple[Any, ...]:
    """The page cache's parts for the first paint (:meth:`ExplorerPage.first_paint_html`) of ``store``'s
    workspace: the positions of its drops, saved topics and stored vectors. The server computes it before
    a visitor's kernel runs, the kernel that drew the picture files it under it
    (:mod:`qldrops.server.first_paint`); read it *before* the picture is built. Two kernels at one key
    can still draw different pictures (each reports its own index mirror's size and lag): the server
    then shows the visitor's kernel's picture in place of the filed one."""
    t = store.tables
    return ("explorer", store.workspace, store.position(also=(t.clusters, t.embeddings)))


class ExplorerPage:
    """Search, topics and near-duplicates of a workspace (``store`` bound to it)."""

    def __init__(self, store: Store):
        self.store = store
        self.index_status = store.index.status()
        self.stats = store.stats()
        self.drop_types: list[str] = sorted(self.stats["by_type"])
        self._dupes_key: tuple | None = None

    def kpis_html(self) -> str:
        s, ix = self.stats, self.index_status
        return loaded_html() + kpis_html([("drops", s["drops"]), ("workflows", s["workflows"]), ("indexed", ix.size),
                                          ("index", ix.kind), ("behind the database", f"{ix.lag} changes")])

    def search_html(self, text: str, k: int = DEFAULT_RESULTS, drop_type: str = ALL) -> str:
        hits = self.store.search(text, mode="hybrid", limit=k, drop_type=None if drop_type == ALL else drop_type)
        return results_html(hits, text)

    def topics_html(self, n: int = DEFAULT_TOPICS, *, fresh: bool = True) -> str:
        """Topics found now (``fresh``), or the ones an analyst saved last (found now if none)."""
        def draw() -> str:
            found = None if fresh else self.store.latest_clusters()
            if not found:
                found = self.store.clusters(n=n, save=False)
            return topics_html(self.store, found)

        # the map and table: once per workspace position (and saved clusterings), not once per visitor
        return self.store.remember("topics", (n, fresh), draw, also=(self.store.tables.clusters,))

    @staticmethod
    def _dupes_question(threshold: float, methods: Iterable[str]) -> tuple:
        # A slider may echo its value back rounded (0.95 -> 0.9500000000000001): the same question.
        return round(threshold, 3), tuple(m for m in METHODS if m in set(methods)) or ("exact",)

    def answered(self, threshold: float, methods: Iterable[str]) -> bool:
        """True when :meth:`dupes` answered this very question last (nothing to redraw)."""
        return self._dupes_question(threshold, methods) == self._dupes_key

    def dupes(self, threshold: float = DEFAULT_THRESHOLD, methods: Iterable[str] = METHODS) -> Dupes:
        """Near-duplicate pairs at ``threshold`` found by ``methods`` (exact, lexical, semantic)."""
        self._dupes_key = key = self._dupes_question(threshold, methods)
        return self._find_dupes(threshold, key[1])

    def _find_dupes(self, threshold: float, chosen: tuple[str, ...]) -> Dupes:
        found = self.store.near_duplicates(threshold=threshold, methods=chosen)
        frame = found.to_frame()
        counts = frame["method"].value_counts().to_dict() if len(frame) else {}
        summary = (f"<p id='dupe-summary'>{len(found)} pairs in {len(found.groups)} groups · "
                   + ", ".join(f"{m}: {n}" for m, n in sorted(counts.items())) + "</p>")
        options = [(f"group {p.group} · {p.method} {p.score:.3f} · drops {p.a} and {p.b}", (p.a, p.b))
                   for p in found]
        return Dupes(summary, options, "" if options else note_html("No near-duplicates at this similarity."))

    def pair_html(self, pair: tuple[int, int]) -> str:
        drops = list(self.store.get_many(list(pair)))
        if len(drops) != 2:
            raise NotFound("one drop of this pair is gone (deleted since the pairs were found)",
                           hint="move the similarity slider to find the pairs again")
        return pair_html(*drops)

    def first_paint_html(self, problem: Callable[[BaseException], str] = problem_html) -> str:
        """A static picture of the page with its default controls (KPIs, the default search's results,
        the topic map (inline SVG: :mod:`qldrops.dashboards.svg`) and table, the near-duplicate pairs and the
        first pair side by side), for the
        server to send with the page's HTML. The controls are drawn disabled: the live widgets, which
        start from the same defaults, take the picture's place once they draw.

        Built once per workspace position, saved clusterings and state of the index mirror (its size and
        lag: the KPIs and the semantic half of the search read it) and kept in the page cache; the
        topics and pairs inside it are the very cache entries the live widgets draw. A section that
        cannot be answered for this workspace (fewer drops than topics) shows ``problem(exc)`` in its
        place, as the live section does; any other error is raised.
        """
        return self.store.remember("explorer-first-paint", (DEFAULT_QUERY, DEFAULT_RESULTS, DEFAULT_TOPICS,
                                                            DEFAULT_THRESHOLD, METHODS, problem.__qualname__,
                                                            problem.__module__, self.index_status.kind,
                                                            self.index_status.size, self.index_status.lag),
                                   lambda: self._first_paint(problem), also=(self.store.tables.clusters,))

    def _first_paint(self, problem: Callable[[BaseException], str]) -> str:
        def answer(section: Callable[[], str]) -> str:
            try:
                return section()
            except ValidationError as exc:  # the question does not fit this workspace: the same on every visit
                return problem(exc)

        def row(*parts: str) -> str:
            return f"<div class='qldrops-filters-first'>{''.join(parts)}</div>"

        def control(label: str, field: str) -> str:
            return f"<label class='qldrops-control-first'>{html.escape(label)} {field}</label>"

        def select(option: str) -> str:
            return f"<select disabled><option>{html.escape(option)}</option></select>"

        found = self._find_dupes(DEFAULT_THRESHOLD, METHODS)
        pair = answer(lambda: self.pair_html(found.options[0][1])) if found.options else found.empty
        boxes = "".join(control(m, "<input type='checkbox' checked disabled>") for m in METHODS)
        return (
            "<div class='qldrops-ssr-body qldrops-explorer-first' aria-busy='true'>" + self.kpis_html()
            + "<h2>Search by words and meaning</h2>"
            + row(control("Search", f"<input type='search' disabled size='48' "
                                    f"value='{html.escape(DEFAULT_QUERY, quote=True)}'>"),
                  "<button disabled>Search</button>")
            + row(control("Type", select(ALL)), control("Results", f"<b>{DEFAULT_RESULTS}</b>"))
            + answer(lambda: self.search_html(DEFAULT_QUERY, DEFAULT_RESULTS))
            + "<h2>Topics</h2>" + row(control("Topics", f"<b>{DEFAULT_TOPICS}</b>"), "<button disabled>Find topics</button>")
            + answer(lambda: static_figures(self.topics_html(DEFAULT_TOPICS, fresh=False), width=1100))
            + "<h2>Near-duplicates</h2>" + row(control("Similarity", f"<b>{DEFAULT_THRESHOLD:.2f}</b>"), boxes)
            + found.summary
            + (row(control("Pair", select(found.options[0][0]))) if found.options else "")
            + pair + "</div>")
