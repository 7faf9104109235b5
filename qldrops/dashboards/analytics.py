"""The analytics dashboard as a controller: usage (views, viewers, the view -> edit -> execute
funnel, top workflows), collaboration (multi-user sessions, edits per session, view-to-edit
conversion, share to first edit), quality by language and drop type, and sandbox run success.

:class:`AnalyticsPage` loads the slow part once (drops with their analysis), then :meth:`AnalyticsPage.refresh`
answers a filter (period, workflow, drop type) with every panel's HTML. The numbers come from
one query layer, ``store.analytics.report`` (:func:`qldrops.previews.analytics.report`), with one
definition each of a viewer, a run and the funnel, so every figure says what the analytics API says. plotly is imported where figures are drawn.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..client import Store
from ..previews.analytics import COUNTED_EVENTS, DEFINITIONS, IGNORES, Filters, Report
from .html import figure_html, kpis_html, loaded_html, note_html
from .svg import static_figures

UTC = dt.UTC
ALL = "(all)"
DEFAULT_DAYS = 30


def drops_frame(store: Store, **filters: Any) -> pd.DataFrame:
    """``store.list(...).to_frame()`` with a ``language`` column even before any analysis ran.

    Analysis results (language, quality_score) come with the listing when ``store.analyze_all()``
    has run; until then the language the workflow declared in the metadata is used.
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


# ---------------------------------------------------------------------------------------------- figures
def views_figure(s: Any) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    per_day = s.views_per_day
    days = [str(d) for d in per_day["day"]]
    fig.add_bar(x=days, y=per_day["views"], name="views", marker_color="#4c78a8")
    fig.add_scatter(x=days, y=per_day["unique_viewers"], name="unique viewers", mode="lines+markers",
                    line_color="#f58518")
    fig.update_layout(title="Views per day", height=360, margin={"t": 50, "l": 40, "r": 20, "b": 40},
                      legend={"orientation": "h", "y": 1.12})
    # One day of data would otherwise be drawn on a millisecond time axis.
    fig.update_xaxes(type="category" if len(per_day) < 3 else "date", tickformat="%b %d")
    return fig


def funnel_figure(s: Any) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure(go.Funnel(y=s.funnel["stage"], x=s.funnel["viewers"], textinfo="value+percent initial"))
    fig.update_layout(title="View → edit → execute (viewers)", height=320,
                      margin={"t": 50, "l": 80, "r": 20, "b": 30})
    return fig


def funnel_table(s: Any) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(r.stage)}</td><td class='viewers'>{int(r.viewers)}</td><td>{r.share:.0%}</td></tr>"
        for r in s.funnel.itertuples())
    return (f"<table class='qldrops-table' id='funnel-table'><tr><th>stage</th><th>viewers</th>"
            f"<th>of viewers</th></tr>{rows}</table>")


def top_figure(s: Any) -> Any:
    import plotly.graph_objects as go

    top = s.top_workflows.sort_values("views")
    fig = go.Figure(go.Bar(x=top["views"], y=top["workflow_id"], orientation="h", marker_color="#54a24b",
                           customdata=top[["unique_viewers", "edits", "executes", "downloads"]],
                           hovertemplate="%{y}<br>%{x} views, %{customdata[0]} viewers, %{customdata[1]} edits, "
                                         "%{customdata[2]} runs, %{customdata[3]} downloads<extra></extra>"))
    fig.update_layout(title="Most viewed workflows", height=380,
                      margin={"t": 50, "l": 260, "r": 20, "b": 40})
    return fig


def quality_html(frame: pd.DataFrame) -> tuple[str, str]:
    """(quality by language, mean quality by drop type) of the analysed drops in ``frame``."""
    import plotly.express as px
    import plotly.graph_objects as go

    scored = frame[frame["quality_score"].notna()]
    if scored.empty:
        return note_html("No analysis results yet: run `qldrops analyze-all` (or store.analyze_all()) "
                         "to see quality by language and drop type."), ""
    by_lang = px.box(scored, x="language", y="quality_score", points="all", title="Quality score by language",
                     hover_data=["workflow_id", "id"])
    by_lang.update_layout(height=380, margin={"t": 50, "l": 40, "r": 20, "b": 40}, yaxis_range=[0, 100])
    by_type = quality_by_type(scored)
    fig = go.Figure(go.Bar(x=by_type["mean"], y=by_type["drop_type"], orientation="h", text=by_type["count"],
                           texttemplate="%{x:.0f} (n=%{text})", marker_color="#b279a2"))
    fig.update_layout(title="Mean quality score by drop type", height=320, xaxis_range=[0, 100],
                      margin={"t": 50, "l": 160, "r": 20, "b": 40})
    return (figure_html(by_lang, element_id="quality-by-language"),
            figure_html(fig, element_id="quality-by-type"))


def quality_by_type(scored: pd.DataFrame) -> pd.DataFrame:
    """drop_type, mean and count of quality scores, lowest mean first."""
    return scored.groupby("drop_type")["quality_score"].agg(["mean", "count"]).reset_index().sort_values("mean")


def runs_html(runs: pd.DataFrame) -> str:
    """The success of runs by language (``Report.runs``: language, runs, recorded, ok, rate)."""
    import plotly.graph_objects as go

    if runs.empty:
        return note_html("No runs in this period: visitors run code with the Run button of a share link.")
    fig = go.Figure(go.Bar(x=runs["language"], y=runs["rate"].fillna(0.0),
                           text=runs["ok"].astype(str) + "/" + runs["recorded"].astype(str) + " ok",
                           customdata=runs[["runs"]], marker_color="#72b7b2",
                           hovertemplate="%{x}: %{text} (%{customdata[0]} runs)<extra></extra>"))
    fig.update_layout(title="Run success by language (runs with a recorded outcome)", height=320,
                      yaxis_tickformat=".0%", yaxis_range=[0, 1.05], margin={"t": 50, "l": 50, "r": 20, "b": 40})
    return figure_html(fig, element_id="executions")


def duration_text(seconds: float) -> str:
    """A duration as people read it: 45 s, 12 min, 3.5 h, 2.0 days."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def collaboration_html(r: Report) -> str:
    """Multi-user sessions per day, edits per session, view-to-edit conversion, share to first edit.

    A figure with nothing to measure says "not measured"; a period without any collaboration says so
    (never a 0% conversion made of no visitors).
    """
    import plotly.graph_objects as go

    h = r.together
    if not h.any:
        return note_html("No collaboration yet in this period: nobody opened a comment or edit link. "
                         "Create one with store.previews.create(workflow, access=\"edit\") or "
                         "`qldrops preview create --access edit`.", element_id="collaboration")
    nm = "not measured"
    kpis = kpis_html([
        ("multi-user sessions", f"{h.multi_user_sessions} of {h.sessions}"),
        ("edits per session", nm if h.edits_per_session is None else f"{h.edits_per_session:.1f}"),
        ("view-to-edit conversion", nm if h.conversion is None else
         f"{h.conversion:.0%} ({h.edit_link_editors} of {h.edit_link_viewers})"),
        ("share to first edit", nm if h.share_to_first_edit_s is None else
         f"{duration_text(h.share_to_first_edit_s)} (median of {h.first_edits})"),
    ], element_id="collaboration")
    per_day = r.collaboration["sessions_per_day"]
    days = [str(d) for d in per_day["day"]]
    fig = go.Figure()
    fig.add_bar(x=days, y=per_day["sessions"], name="sessions", marker_color="#9ecae9")
    fig.add_bar(x=days, y=per_day["multi_user_sessions"], name="multi-user sessions", marker_color="#e45756")
    fig.update_layout(title="Sessions per day (one link, one day)", height=300, barmode="overlay",
                      margin={"t": 50, "l": 40, "r": 20, "b": 40}, legend={"orientation": "h", "y": 1.15})
    fig.update_xaxes(type="category")
    return ("<h4>Collaboration</h4>" + kpis + figure_html(fig, element_id="collab-sessions"))


def scope_html(f: Filters) -> str:
    """What the filters apply to, under the key figures (the drop type does not apply to usage)."""
    applied = f"{f.start:%Y-%m-%d} to {f.end:%Y-%m-%d}" + (f", workflow {f.workflow_id}" if f.workflow_id else "")
    ignored = (f" The drop type {f.drop_type!r} applies to drops, quality and suggestions only; usage figures "
               f"ignore the {IGNORES['usage']}; collaboration figures ignore the {IGNORES['collaboration']}."
               if f.drop_type else "")
    words = "; ".join(f"<b>{html.escape(k)}</b>: {html.escape(v)}" for k, v in DEFINITIONS.items())
    return (f"<small id='analytics-scope'>Every figure covers {html.escape(applied)} (UTC).{html.escape(ignored)}"
            f"</small><details id='analytics-definitions'><summary><small>definitions</small></summary>"
            f"<small>{words}</small></details>")


def suggestion_adoption(events: list[Any], quality_of: Mapping[tuple[Any, Any], float | None]) -> pd.DataFrame:
    """Per suggestion source: accepted, dismissed, adoption rate, and the mean quality of the drops
    before and after the accepted fixes (``quality_of[(drop_id, version)]``; unknown ones left out)."""
    rows = []
    for e in events:
        md = e.metadata or {}
        before = quality_of.get((e.drop_id, md.get("version")))
        after = quality_of.get((e.drop_id, (md.get("version") or 0) + 1))
        rows.append({"source": md.get("source", "?"), "accepted": md.get("action") == "accepted",
                     "before": before if md.get("action") == "accepted" else None,
                     "after": after if md.get("action") == "accepted" else None})
    cols = ["source", "accepted", "dismissed", "adoption", "quality_before", "quality_after"]
    if not rows:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame(rows)
    by = frame.groupby("source").agg(accepted=("accepted", "sum"), total=("accepted", "size"),
                                     quality_before=("before", "mean"), quality_after=("after", "mean"))
    by["dismissed"] = by["total"] - by["accepted"]
    by["adoption"] = by["accepted"] / by["total"]
    return by.reset_index()[cols]


def suggestions_html(table: pd.DataFrame) -> str:
    """The adoption table; quality before/after only where both versions were analysed."""
    if table.empty:
        return note_html("No suggestions accepted or dismissed in this period: `qldrops suggest ID` lists "
                         "fixes, `--apply` turns one into a new version.")

    def q(v: Any) -> str:
        return "not measured" if pd.isna(v) else f"{float(v):.0f}"

    body = "".join(
        f"<tr><td>{html.escape(str(r.source))}</td><td>{int(r.accepted)}</td><td>{int(r.dismissed)}</td>"
        f"<td>{float(r.adoption):.0%}</td><td>{q(r.quality_before)}</td><td>{q(r.quality_after)}</td></tr>"
        for r in table.itertuples())
    return ("<table class='qldrops-table' id='suggestions'><tr><th>suggestions from</th><th>accepted</th>"
            "<th>dismissed</th><th>adoption</th><th>quality before</th><th>quality after</th></tr>"
            f"{body}</table>")


# ---------------------------------------------------------------------------------------------- the page
def inputs(store: Store) -> tuple[Any, ...]:
    """The tables besides the drops that the panels read (their positions key the cache). Events are
    the counted ones (:data:`COUNTED_EVENTS`): a visit of a dashboard link moves no position."""
    t = store.tables
    return COUNTED_EVENTS, t.executions, t.analyses, t.feedback


def first_paint_key(store: Store, today: dt.date | None = None) -> tuple[Any, ...]:
    """The page cache's parts for the first paint (:meth:`AnalyticsPage.first_paint_html`) of ``store``'s
    workspace on ``today`` (the default period ends there): the positions of the drops and of every table
    the panels read. The server computes it before a visitor's kernel runs, the kernel that drew the
    picture files it under it (:mod:`qldrops.server.first_paint`); read it *before* the picture is built."""
    day = today or dt.datetime.now(UTC).date()
    return ("analytics", store.workspace, day.isoformat(), store.position(also=inputs(store)))


@dataclass
class Panels:
    """Every panel's HTML for one choice of filters (``""`` leaves a panel empty)."""

    kpis: str
    views: str
    funnel: str
    funnel_numbers: str
    top: str
    quality_by_language: str
    quality_by_type: str
    executions: str
    status: str
    suggestions: str = ""
    collaboration: str = ""


class AnalyticsPage:
    """Usage and quality of a workspace. ``store`` is bound to the workspace the reader may see.

    The drops frame (the slow part) is read when first needed: a page whose default panels are
    cached (:meth:`first_paint_html`) asks the database for its position only.
    """

    def __init__(self, store: Store, *, today: dt.date | None = None):
        self.store = store
        self.today = today or dt.datetime.now(UTC).date()
        self.loaded_at: tuple[Any, ...] | None = None  # the position the frames below were read at
        self._workflows: list[str] = []
        self._drops: pd.DataFrame | None = None

    def _load(self) -> None:
        store = self.store
        self.loaded_at = store.position(also=self._inputs())  # read first: the frames are at least this new
        self._workflows = sorted(w["workflow_id"] for w in store.workflows())
        self._drops = drops_frame(store)

    @property
    def drops(self) -> pd.DataFrame:
        if self._drops is None:
            self._load()
        assert self._drops is not None
        return self._drops

    @property
    def workflows(self) -> list[str]:
        if self._drops is None:
            self._load()
        return self._workflows

    def _inputs(self) -> tuple[Any, ...]:
        return inputs(self.store)

    def cached_refresh(self, *args: Any, **kwargs: Any) -> Panels:
        """:meth:`refresh`, cached per workspace position, events, runs and analyses, filters and day.

        The position is read before anything else; on a miss, frames older than it are read again
        first, so an answer is never stored under a position newer than the data it was computed from.
        """
        position = self.store.position(also=self._inputs())

        def compute() -> Panels:
            if position != self.loaded_at:
                self._load()
            return self.refresh(*args, **kwargs)

        return self.store.cache.remember(
            "analytics", (self.store.workspace, position, self.today.isoformat(), repr(args),
                          repr(sorted(kwargs.items()))), compute)

    def default_panels(self) -> Panels:
        """The panels for the default filters, as the live page asks for them first (the same cache entry)."""
        first, last = self.default_period()
        return self.cached_refresh(first, last, ALL, ALL)

    def first_paint_html(self) -> str:
        """A static picture of the page with the default filters (controls shown, not yet usable), for
        the server to send with the page's HTML; the live widgets replace it once they draw.

        The panels are :meth:`default_panels`, the very cache entry the live page draws first, so the
        figures are the live page's, drawn as inline SVG (:mod:`qldrops.dashboards.svg`: no JavaScript, so
        no wait for plotly.js). Raises what :meth:`refresh` raises.
        """
        p = self.default_panels()
        first, last = self.default_period()
        wide, left, right = (functools.partial(static_figures, width=w) for w in (1100, 680, 440))

        def control(label: str, field: str) -> str:
            return (f"<label class='qldrops-control-first'>{html.escape(label)} {field}</label>")

        def half(width: str, *parts: str) -> str:
            return f"<div style='width:{width};min-width:0'>{''.join(parts)}</div>"

        filters = (
            "<div class='qldrops-filters-first'>"
            + control("From", f"<input type='date' disabled value='{first.isoformat()}'>")
            + control("To", f"<input type='date' disabled value='{last.isoformat()}'>")
            + control("Workflow", f"<select disabled><option>{html.escape(ALL)}</option></select>")
            + control("Drop type", f"<select disabled><option>{html.escape(ALL)}</option></select>")
            + "</div>")
        return (
            "<div class='qldrops-ssr-body qldrops-analytics-first' aria-busy='true'>" + filters + p.status + p.kpis
            + f"<div style='display:flex'>{half('60%', left(p.views))}{half('40%', right(p.funnel), p.funnel_numbers)}"
            + "</div>" + wide(p.top) + wide(p.collaboration)
            + f"<div style='display:flex'>{half('60%', left(p.quality_by_language))}"
            + f"{half('40%', right(p.quality_by_type))}</div>"
            + wide(p.executions) + p.suggestions + "</div>")

    @property
    def drop_types(self) -> list[str]:
        return sorted(self.drops["drop_type"].unique())

    def default_period(self) -> tuple[dt.date, dt.date]:
        return self.today - dt.timedelta(days=DEFAULT_DAYS), self.today

    def filters(self, start: dt.date | None = None, end: dt.date | None = None, workflow: str = ALL,
                drop_type: str = ALL) -> Filters:
        """The page's filters (the default period for a missing day); an inverted period is refused."""
        first, last = self.default_period()
        return Filters(start or first, end or last, None if workflow == ALL else workflow,
                       None if drop_type == ALL else drop_type)

    def report(self, filters: Filters) -> Report:
        """Every figure for ``filters``, from the one query layer (``store.analytics.report``)."""
        return self.store.analytics.report(filters, self.drops)

    def refresh(self, start: dt.date | None = None, end: dt.date | None = None, workflow: str = ALL,
                drop_type: str = ALL) -> Panels:
        """The panels for days ``start``..``end`` (inclusive, UTC), one workflow or all, one drop type or all.

        A From date after the To date raises :class:`qldrops.ValidationError` (the page shows it).
        """
        f = self.filters(start, end, workflow, drop_type)
        r = self.report(f)
        s, t = r.summary, r.totals
        rate, quality = r.run_success, r.mean_quality
        kpis = kpis_html([
            ("events", t["events"]), ("views", t["views"]), ("unique viewers", t["unique_viewers"]),
            ("workflows viewed", t["workflows"]), ("runs", r.run_count),
            ("run success", "–" if rate is None else f"{rate:.0%}"),
            ("mean quality", "–" if quality is None else f"{quality:.0f}"),
        ]) + scope_html(f)
        if t["events"] == 0:
            views = note_html("No usage events in this period. Share links record views, edits, runs "
                              "and downloads; `qldrops demo` can simulate a month of them.")
            funnel = funnel_numbers = top = ""
        else:
            views = figure_html(views_figure(s), element_id="views-per-day")
            funnel = figure_html(funnel_figure(s), element_id="funnel")
            funnel_numbers = funnel_table(s)
            top = figure_html(top_figure(s), element_id="top-workflows")
        by_language, by_type = quality_html(r.drops)
        status = loaded_html() + (f"<small id='qldrops-updated'>{t['events']} events, {len(r.drops)} drops, "
                                  f"{r.run_count} runs · {f.start:%Y-%m-%d} to {f.end:%Y-%m-%d} (UTC)</small>")
        return Panels(kpis, views, funnel, funnel_numbers, top, by_language, by_type, runs_html(r.runs), status,
                      suggestions_html(self.suggestions(f.since, f.until, workflow, drop_type)),
                      collaboration_html(r))

    def suggestions(self, since: dt.datetime, until: dt.datetime, workflow: str = ALL,
                    drop_type: str = ALL) -> pd.DataFrame:
        """Suggestion adoption in the period (see :func:`suggestion_adoption`) for a workflow and drop type."""
        of_type = None if drop_type == ALL else set(self.drops.loc[self.drops["drop_type"] == drop_type, "id"])
        events = [e for e in self.store.events.list(event_type="suggestion", since=since, limit=None)
                  if e.created_at < until and (workflow == ALL or e.workflow_id == workflow)
                  and (of_type is None or e.drop_id in of_type)]
        quality: dict[tuple[int, int], float | None] = {}
        for e in events:
            if e.drop_id is None or (e.metadata or {}).get("action") != "accepted":
                continue
            for v in self.store.history(e.drop_id):
                if v.version in (e.metadata["version"], e.metadata["version"] + 1):
                    found = self.store.analysis.analyses_of([v.content_hash]).get(v.content_hash)
                    quality[(e.drop_id, v.version)] = found.quality_score if found else None
        return suggestion_adoption(events, quality)
