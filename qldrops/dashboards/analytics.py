"""The analytics dashboard as a controller: usage (views, viewers, the view -> edit -> execute
funnel, top workflows), quality by language and drop type, and sandbox run success.

:class:`AnalyticsPage` loads the slow parts once (drops, runs), then :meth:`AnalyticsPage.refresh`
answers a filter (period, workflow, drop type) with every panel's HTML. The numbers come from
``store.events.frame`` summarised by the previews package (:func:`qldrops.previews.analytics.summarize`),
so a figure says what the analytics API says. plotly is imported where figures are drawn.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..client import Store
from ..previews.analytics import summarize
from .html import figure_html, kpis_html, loaded_html, note_html

UTC = dt.UTC
ALL = "(all)"
DEFAULT_DAYS = 30


def as_utc(day: dt.date, end: bool = False) -> dt.datetime:
    """A picked day as an aware UTC datetime (the end of a range is exclusive: the next midnight)."""
    return dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time(), tzinfo=UTC)


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


def run_rates(runs: pd.DataFrame) -> pd.DataFrame:
    """language, runs, ok and success rate of sandbox runs."""
    ok = runs.assign(ok=runs["status"] == "ok")
    by = ok.groupby("language").agg(runs=("ok", "size"), ok=("ok", "sum")).reset_index()
    by["rate"] = by["ok"] / by["runs"]
    return by


def runs_html(runs: pd.DataFrame) -> tuple[float | None, str]:
    """(overall success rate or None, the figure of success by language)."""
    import plotly.graph_objects as go

    if runs.empty:
        return None, note_html("No sandboxed runs in this period: run code with `qldrops run ID` "
                               "or from a share link.")
    by = run_rates(runs)
    fig = go.Figure(go.Bar(x=by["language"], y=by["rate"], text=by["ok"].astype(str) + "/" + by["runs"].astype(str),
                           marker_color="#72b7b2"))
    fig.update_layout(title="Execution success rate by language", height=320, yaxis_tickformat=".0%",
                      yaxis_range=[0, 1.05], margin={"t": 50, "l": 50, "r": 20, "b": 40})
    return float((runs["status"] == "ok").mean()), figure_html(fig, element_id="executions")


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


class AnalyticsPage:
    """Usage and quality of a workspace. ``store`` is bound to the workspace the reader may see."""

    def __init__(self, store: Store, *, today: dt.date | None = None):
        self.store = store
        self.today = today or dt.datetime.now(UTC).date()
        self.workflows: list[str] = sorted(w["workflow_id"] for w in store.workflows())
        self.drops = drops_frame(store)
        self.runs = store.executions(limit=100_000).to_frame()

    @property
    def drop_types(self) -> list[str]:
        return sorted(self.drops["drop_type"].unique())

    def default_period(self) -> tuple[dt.date, dt.date]:
        return self.today - dt.timedelta(days=DEFAULT_DAYS), self.today

    def refresh(self, start: dt.date | None = None, end: dt.date | None = None, workflow: str = ALL,
                drop_type: str = ALL) -> Panels:
        """The panels for days ``start``..``end`` (inclusive, UTC), one workflow or all, one drop type or all."""
        first, last = self.default_period()
        since, until = as_utc(start or first), as_utc(end or last, end=True)
        events = self.store.events.frame(since=since, until=until)
        if workflow != ALL:
            events = events[events["workflow_id"] == workflow]
        s = summarize(events, workspace=self.store.workspace, since=since, until=until)
        chosen = self.drops if drop_type == ALL else self.drops[self.drops["drop_type"] == drop_type]
        if workflow != ALL:
            chosen = chosen[chosen["workflow_id"] == workflow]
        ran = self.runs
        if len(ran):
            started = pd.to_datetime(ran["started_at"], utc=True)
            ran = ran[(started >= since) & (started < until)]
            if workflow != ALL:
                ran = ran[ran["workflow_id"] == workflow]
        rate, executions = runs_html(ran)
        t = s.totals.iloc[0]
        kpis = kpis_html([
            ("events", int(t["events"])), ("views", int(t["views"])), ("unique viewers", int(t["unique_viewers"])),
            ("workflows viewed", int(t["workflows"])), ("runs", len(ran)),
            ("run success", "–" if rate is None else f"{rate:.0%}"),
            ("mean quality", "–" if chosen["quality_score"].isna().all() else f"{chosen['quality_score'].mean():.0f}"),
        ])
        if int(t["events"]) == 0:
            views = note_html("No usage events in this period. Share links record views, edits, runs "
                              "and downloads; `qldrops demo` can simulate a month of them.")
            funnel = funnel_numbers = top = ""
        else:
            views = figure_html(views_figure(s), element_id="views-per-day")
            funnel = figure_html(funnel_figure(s), element_id="funnel")
            funnel_numbers = funnel_table(s)
            top = figure_html(top_figure(s), element_id="top-workflows")
        by_language, by_type = quality_html(chosen)
        status = loaded_html() + (f"<small id='qldrops-updated'>{len(events)} events, {len(chosen)} drops, "
                                  f"{len(ran)} runs · {since:%Y-%m-%d} to {until - dt.timedelta(days=1):%Y-%m-%d} "
                                  "(UTC)</small>")
        return Panels(kpis, views, funnel, funnel_numbers, top, by_language, by_type, executions, status,
                      suggestions_html(self.suggestions(since, until, workflow)))

    def suggestions(self, since: dt.datetime, until: dt.datetime, workflow: str = ALL) -> pd.DataFrame:
        """Suggestion adoption in the period (see :func:`suggestion_adoption`)."""
        events = [e for e in self.store.events.list(event_type="suggestion", since=since, limit=None)
                  if e.created_at < until and (workflow == ALL or e.workflow_id == workflow)]
        quality: dict[tuple[int, int], float | None] = {}
        for e in events:
            if e.drop_id is None or (e.metadata or {}).get("action") != "accepted":
                continue
            for v in self.store.history(e.drop_id):
                if v.version in (e.metadata["version"], e.metadata["version"] + 1):
                    found = self.store.analysis.analyses_of([v.content_hash]).get(v.content_hash)
                    quality[(e.drop_id, v.version)] = found.quality_score if found else None
        return suggestion_adoption(events, quality)
