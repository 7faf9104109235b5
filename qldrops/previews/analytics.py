"""Analytics summaries over event rows, computed with DuckDB (or pandas, for comparison).

This module is the one query layer behind every figure of the analytics page
(:func:`report`), with one definition each (:data:`DEFINITIONS`): a *viewer* is a distinct
``viewer_id`` with a ``view`` event, a *run* is an ``execute`` event (a Run on a share link,
recorded with the sandbox run it started, its outcome in ``metadata.status``), and the funnel
counts viewers who viewed, then edited, then ran. The period and the workflow apply to every
figure; the drop type applies to the drop-based figures only (:data:`IGNORES` says so on the page).

The event rows of a period are fetched once into a pandas DataFrame
(``store.events.frame``); DuckDB then queries that DataFrame in place: no copy,
no DuckDB extension (they download at run time, which this platform forbids),
a fresh in-memory DuckDB connection per summary. ``engine="pandas"`` computes
the same frames with pandas alone; the test suite checks that both agree and
``benchmarks/bench_previews.py`` times one against the other.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..errors import ConfigurationError, DependencyMissing, ValidationError
from ..store import schema as t
from ..store.timeparse import parse_since
from .auth import principal_of, require
from .collab_analytics import Headline, collaboration, headline

if TYPE_CHECKING:  # the component that owns this manager (it imports this module)
    from .sharing import Sharing

FUNNEL = ("view", "edit", "execute")

# One definition per word the page uses; the page prints them (a reader can check any figure).
DEFINITIONS = {
    "event": "one recorded action on a share link or workflow (view, edit, execute, download, share, suggestion)",
    "view": "a 'view' event: a workflow's share link opened (a workspace dashboard's own link, analytics or "
            "explorer, is not counted: its page shows these figures)",
    "viewer": "a distinct viewer (a signed-in name, else the client address and browser) with a view",
    "run": "an 'execute' event: code run in the sandbox from a share link; its outcome is the run's status",
    "funnel": "viewers who viewed; of them, who also edited; of those, who also ran code",
    "quality": "the analysed quality score (0-100) of the current version of drops created in the period",
    "session": "everything on one share link in one UTC day; multi-user when two or more visitors viewed, edited "
               "or commented in it",
    "edits per session": "saved versions (edit events) per session of an edit link",
    "view-to-edit conversion": "distinct visitors who saved a version / distinct visitors who opened the link, "
                               "over edit links",
    "share to first edit": "median time from an edit link's creation to its first saved version, over edit "
                           "links created and first edited in the period",
}
# Which filter a figure does not apply, and why (shown next to the figure).
IGNORES = {
    "usage": "drop type (views and edits are of whole workflows, not of one drop type)",
    "collaboration": "drop type (sessions are of whole share links, not of one drop type)",
}


@dataclass(frozen=True)
class AnalyticsSummary:
    """Frames for a dashboard. Every frame is a pandas DataFrame (possibly empty, never None)."""

    workspace: str
    since: dt.datetime
    until: dt.datetime
    totals: Any            # one row: events, views, unique_viewers, previews, workflows (viewed)
    views_per_day: Any     # day, views, unique_viewers
    unique_viewers: Any    # workflow_id, unique_viewers, views
    funnel: Any            # stage, viewers, share (of viewers who viewed)
    top_workflows: Any     # workflow_id, views, unique_viewers, edits, executes, downloads
    durations: Any         # event_type, events, mean_ms, p50_ms, p90_ms, p99_ms

    def frames(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("workspace", "since", "until")}

    def __repr__(self) -> str:
        t = self.totals.iloc[0].to_dict() if len(self.totals) else {}
        return (f"<AnalyticsSummary {self.workspace!r} {self.since:%Y-%m-%d}..{self.until:%Y-%m-%d}: "
                f"{t.get('events', 0)} events, {t.get('views', 0)} views, {t.get('unique_viewers', 0)} viewers>")

    def _repr_html_(self) -> str:
        parts = [f"<h4>{html.escape(repr(self))}</h4>"]
        for name, frame in self.frames().items():
            parts.append(f"<h5>{name.replace('_', ' ')}</h5>{frame.head(20).to_html(index=False)}")
        return "".join(parts)


def summarize(events, *, workspace: str, since: dt.datetime, until: dt.datetime, engine: str = "duckdb",
              top: int = 10) -> AnalyticsSummary:
    """The summary of an event frame (columns as ``Events.frame`` returns). Pure: no database."""
    frame = _prepare(counted(events))
    if engine == "duckdb":
        frames = _duckdb(frame, top)
    elif engine == "pandas":
        frames = _pandas(frame, top)
    else:
        raise ConfigurationError(f"unknown analytics engine {engine!r}", hint="use 'duckdb' or 'pandas'")
    return AnalyticsSummary(workspace=workspace, since=since, until=until, **frames)


def counted(events):
    """The events the figures count: all but those of a workspace dashboard's own link (analytics,
    explorer: workflow ``""``). Such a link opens a page of these very figures; counting its visits
    would change the page by looking at it (and make every visit miss the page cache)."""
    return events[events["workflow_id"] != ""]


# The same rows in the database: the events position the page's cache entries are filed under
# (:meth:`qldrops.dashboards.analytics.AnalyticsPage.cached_refresh`), which a dashboard visit leaves alone.
COUNTED_EVENTS = (sa.select(t.events).where(sa.or_(t.events.c.workflow_id.is_(None), t.events.c.workflow_id != ""))
                  .subquery("counted_events"))


def _prepare(events):
    """Columns both engines read fast: time as naive UTC, viewers as integer codes, names as categories.

    DuckDB converts Python string objects one by one (slow, under the GIL);
    integer codes and categoricals it reads as native vectors. Counting
    distinct codes is counting distinct viewers, so nothing is lost.
    """
    import pandas as pd

    frame = pd.DataFrame(index=events.index)
    ts = pd.to_datetime(events["created_at"], utc=True)
    # Naive UTC for DuckDB: time-zone-aware functions would need the ICU extension.
    frame["created_at"] = ts.dt.tz_localize(None)
    frame["day"] = frame["created_at"].dt.normalize()
    frame["duration_ms"] = events["duration_ms"].astype("float64")
    codes, _ = pd.factorize(events["viewer_id"], use_na_sentinel=True)
    frame["viewer_id"] = pd.array(codes, dtype="Int64")
    frame.loc[codes < 0, "viewer_id"] = pd.NA
    frame["workflow_id"] = events["workflow_id"].astype("category")
    frame["event_type"] = events["event_type"].astype("category")
    frame["preview_id"] = events["preview_id"].astype("Int64")
    return frame


_SQL = {
    "totals": """
        SELECT count(*) AS events,
               count(*) FILTER (WHERE event_type = 'view') AS views,
               count(DISTINCT viewer_id) FILTER (WHERE event_type = 'view') AS unique_viewers,
               count(DISTINCT preview_id) AS previews,
               count(DISTINCT workflow_id) FILTER (WHERE event_type = 'view') AS workflows
        FROM ev""",
    "views_per_day": """
        SELECT day, count(*) AS views, count(DISTINCT viewer_id) AS unique_viewers
        FROM ev WHERE event_type = 'view' GROUP BY day ORDER BY day""",
    "unique_viewers": """
        SELECT workflow_id, count(DISTINCT viewer_id) AS unique_viewers, count(*) AS views
        FROM ev WHERE event_type = 'view' AND workflow_id IS NOT NULL GROUP BY workflow_id
        ORDER BY unique_viewers DESC, workflow_id""",
    "funnel": """
        WITH per AS (
            SELECT viewer_id,
                   bool_or(event_type = 'view') AS v, bool_or(event_type = 'edit') AS e,
                   bool_or(event_type = 'execute') AS x
            FROM ev WHERE viewer_id IS NOT NULL GROUP BY viewer_id),
        c AS (SELECT count(*) FILTER (WHERE v) AS view,
                     count(*) FILTER (WHERE v AND e) AS edit,
                     count(*) FILTER (WHERE v AND e AND x) AS execute FROM per)
        SELECT stage, viewers, CASE WHEN first_value(viewers) OVER (ORDER BY o) = 0 THEN 0.0
                                    ELSE viewers / first_value(viewers) OVER (ORDER BY o) END AS share
        FROM (SELECT 'view' AS stage, view AS viewers, 1 AS o FROM c
              UNION ALL SELECT 'edit', edit, 2 FROM c
              UNION ALL SELECT 'execute', execute, 3 FROM c)
        ORDER BY o""",
    "top_workflows": """
        SELECT workflow_id,
               count(*) FILTER (WHERE event_type = 'view') AS views,
               count(DISTINCT viewer_id) FILTER (WHERE event_type = 'view') AS unique_viewers,
               count(*) FILTER (WHERE event_type = 'edit') AS edits,
               count(*) FILTER (WHERE event_type = 'execute') AS executes,
               count(*) FILTER (WHERE event_type = 'download') AS downloads
        FROM ev WHERE workflow_id IS NOT NULL GROUP BY workflow_id
        ORDER BY views DESC, workflow_id LIMIT $top""",
    "durations": """
        SELECT event_type, count(*) AS events, avg(duration_ms) AS mean_ms,
               quantile_cont(duration_ms, 0.5) AS p50_ms, quantile_cont(duration_ms, 0.9) AS p90_ms,
               quantile_cont(duration_ms, 0.99) AS p99_ms
        FROM ev WHERE duration_ms IS NOT NULL GROUP BY event_type ORDER BY event_type""",
}


def _duckdb(frame, top: int) -> dict[str, Any]:
    try:
        import duckdb
    except ImportError:  # pragma: no cover - duckdb is in the server extra
        raise DependencyMissing("duckdb", "analytics summaries", extra="server") from None
    con = duckdb.connect(":memory:")
    try:
        con.register("ev_frame", frame)
        # One conversion into DuckDB's own columns, then six queries over native storage.
        con.execute("CREATE TABLE ev AS SELECT * FROM ev_frame")
        out = {}
        for name, sql in _SQL.items():
            sql = sql.replace("$top", str(int(top)))
            out[name] = _tidy(con.execute(sql).df(), name)
        return out
    finally:
        con.close()


def _pandas(frame, top: int) -> dict[str, Any]:
    import pandas as pd

    views = frame[frame["event_type"] == "view"]
    totals = pd.DataFrame([{
        "events": len(frame), "views": len(views), "unique_viewers": views["viewer_id"].nunique(),
        "previews": frame["preview_id"].nunique(), "workflows": views["workflow_id"].nunique(),
    }])
    per_day = (views.groupby("day").agg(views=("event_type", "size"), unique_viewers=("viewer_id", "nunique"))
               .reset_index().sort_values("day"))
    uv = (views.groupby("workflow_id").agg(unique_viewers=("viewer_id", "nunique"), views=("event_type", "size"))
          .reset_index().sort_values(["unique_viewers", "workflow_id"], ascending=[False, True]))
    who = frame[frame["viewer_id"].notna()]
    stages = who.assign(v=who["event_type"] == "view", e=who["event_type"] == "edit",
                        x=who["event_type"] == "execute").groupby("viewer_id")[["v", "e", "x"]].any()
    counts = [int(stages["v"].sum()), int((stages["v"] & stages["e"]).sum()),
              int((stages["v"] & stages["e"] & stages["x"]).sum())]
    funnel = pd.DataFrame({"stage": list(FUNNEL), "viewers": counts,
                           "share": [c / counts[0] if counts[0] else 0.0 for c in counts]})
    wf = frame[frame["workflow_id"].notna()]
    by = wf.groupby("workflow_id")
    top_wf = pd.DataFrame({
        "views": by["event_type"].apply(lambda s: int((s == "view").sum())),
        "unique_viewers": wf[wf["event_type"] == "view"].groupby("workflow_id")["viewer_id"].nunique(),
        "edits": by["event_type"].apply(lambda s: int((s == "edit").sum())),
        "executes": by["event_type"].apply(lambda s: int((s == "execute").sum())),
        "downloads": by["event_type"].apply(lambda s: int((s == "download").sum())),
    }).fillna({"unique_viewers": 0}).reset_index().rename(columns={"index": "workflow_id"})
    top_wf = top_wf.sort_values(["views", "workflow_id"], ascending=[False, True]).head(top)
    timed = frame[frame["duration_ms"].notna()]
    g = timed.groupby("event_type")["duration_ms"]
    durations = pd.DataFrame({"events": g.size(), "mean_ms": g.mean(), "p50_ms": g.quantile(0.5),
                              "p90_ms": g.quantile(0.9), "p99_ms": g.quantile(0.99)}).reset_index()
    durations = durations.sort_values("event_type")
    raw = {"totals": totals, "views_per_day": per_day, "unique_viewers": uv, "funnel": funnel,
           "top_workflows": top_wf, "durations": durations}
    return {k: _tidy(v, k) for k, v in raw.items()}


_INT_COLS = {"events", "views", "unique_viewers", "previews", "workflows", "viewers", "edits", "executes",
             "downloads"}


def _tidy(frame, name: str):
    """Same dtypes and index whichever engine made the frame (so they compare equal)."""
    import pandas as pd

    frame = frame.reset_index(drop=True)
    for col in frame.columns:
        if col in _INT_COLS:
            frame[col] = frame[col].fillna(0).astype("int64")
        elif col in ("share", "mean_ms", "p50_ms", "p90_ms", "p99_ms"):
            frame[col] = frame[col].astype("float64")
        elif col == "day":
            frame[col] = pd.to_datetime(frame[col]).dt.date
        elif col in ("workflow_id", "stage", "event_type"):
            frame[col] = frame[col].astype(object)
    return frame


def check_period(start: dt.date, end: dt.date) -> None:
    """Refuse a period whose first day comes after its last (nothing would be counted, silently)."""
    if start > end:
        raise ValidationError(f"the From date {start:%Y-%m-%d} is after the To date {end:%Y-%m-%d}",
                              hint="pick a From date on or before the To date")


@dataclass(frozen=True)
class Filters:
    """What the analytics page shows: days ``start``..``end`` (inclusive, UTC), a workflow, a drop type."""

    start: dt.date
    end: dt.date
    workflow_id: str | None = None
    drop_type: str | None = None

    def __post_init__(self) -> None:
        check_period(self.start, self.end)

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), tzinfo=dt.UTC)

    @property
    def until(self) -> dt.datetime:
        """Exclusive: midnight after the last day."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


@dataclass(frozen=True)
class Report:
    """Every figure of the analytics page for one :class:`Filters` (see :func:`report`)."""

    filters: Filters
    summary: AnalyticsSummary
    runs: Any        # language, runs, recorded (with an outcome), ok, rate (ok / recorded)
    drops: Any       # the drops in the filters: id, workflow_id, drop_type, language, quality_score, created_at
    scored: Any      # those of them with a quality score
    collaboration: dict[str, Any]  # collab_analytics.collaboration's frames (period and workflow; no drop type)
    together: Headline             # the four collaboration figures (collab_analytics.headline)

    @property
    def totals(self) -> dict[str, int]:
        t = self.summary.totals.iloc[0]
        return {k: int(t[k]) for k in ("events", "views", "unique_viewers", "workflows")}

    @property
    def run_count(self) -> int:
        return int(self.runs["runs"].sum())

    @property
    def run_success(self) -> float | None:
        """ok / runs with a recorded outcome, or None when no run recorded one."""
        recorded = int(self.runs["recorded"].sum())
        return int(self.runs["ok"].sum()) / recorded if recorded else None

    @property
    def mean_quality(self) -> float | None:
        return float(self.scored["quality_score"].mean()) if len(self.scored) else None


def report(events, drops, filters: Filters, *, workspace: str, engine: str = "duckdb",
           access: Mapping[int, str] | None = None) -> Report:
    """The page's figures from the raw events of the period (``Events.frame``) and the drops frame
    (id, workflow_id, drop_type, language, quality_score, created_at). Pure: no database.

    Events are kept when counted (:func:`counted`), in the period and of the workflow; runs are the ``execute`` events among
    them (with their drop's language); drops when created in the period, of the workflow and type.
    Collaboration is computed from the same events (``access``: each link's access level).
    """
    import pandas as pd

    events = counted(events)
    at = pd.to_datetime(events["created_at"], utc=True)
    keep = (at >= filters.since) & (at < filters.until)
    if filters.workflow_id is not None:
        keep &= events["workflow_id"] == filters.workflow_id
    chosen = events[keep]
    summary = summarize(chosen, workspace=workspace, since=filters.since, until=filters.until, engine=engine)
    created = pd.to_datetime(drops["created_at"], utc=True)
    mask = (created >= filters.since) & (created < filters.until)
    if filters.workflow_id is not None:
        mask &= drops["workflow_id"] == filters.workflow_id
    if filters.drop_type is not None:
        mask &= drops["drop_type"] == filters.drop_type
    in_drops = drops[mask]
    together = collaboration(chosen, access)
    return Report(filters, summary, _runs(chosen, drops), in_drops, in_drops[in_drops["quality_score"].notna()],
                  together, headline(together))


def _runs(events, drops):
    """language, runs, recorded, ok, rate of the ``execute`` events (language of the run's drop)."""
    import pandas as pd

    runs = events[events["event_type"] == "execute"]
    language = dict(zip(drops["id"], drops["language"], strict=True))
    frame = pd.DataFrame({
        "language": [_name(language.get(d)) if pd.notna(d) else "unknown" for d in runs["drop_id"]],
        "recorded": runs["outcome"].notna().to_numpy() if "outcome" in runs else False,
        "ok": (runs["outcome"] == "ok").to_numpy() if "outcome" in runs else False,
    })
    by = (frame.groupby("language").agg(runs=("ok", "size"), recorded=("recorded", "sum"), ok=("ok", "sum"))
          .reset_index().astype({"runs": "int64", "recorded": "int64", "ok": "int64"}))
    by["rate"] = [o / r if r else float("nan") for o, r in zip(by["ok"], by["recorded"], strict=True)]
    return by.sort_values("language").reset_index(drop=True)


def _name(language: Any) -> str:
    return language if isinstance(language, str) and language else "unknown"


class Analytics:
    """``store.analytics``: ``summary(since="7d")``."""

    def __init__(self, sharing: Sharing):
        self._sharing = sharing
        self._store = sharing.drops

    def summary(self, since: Any = "7d", *, until: dt.datetime | None = None, workspace: str | None = None,
                engine: str = "duckdb", top: int = 10) -> AnalyticsSummary:
        p = principal_of(self._store)
        ws = workspace or p.workspace or self._store.workspace
        require(p, "analytics.read", ws, store=self._store)
        now = self._store.now()
        start = parse_since(since, now)
        end = until or now
        frame = self._sharing.events.frame(since=start, until=until, workspace=ws)
        return summarize(frame, workspace=ws, since=start, until=end, engine=engine, top=top)

    def collaboration(self, since: Any = "30d", *, until: dt.datetime | None = None,
                      workspace: str | None = None) -> dict[str, Any]:
        """Collaboration frames: multi-user sessions per day, edits per session, view-to-edit conversion and
        time from share to first edit (see :mod:`qldrops.previews.collab_analytics`)."""
        p = principal_of(self._store)
        ws = workspace or p.workspace or self._store.workspace
        require(p, "analytics.read", ws, store=self._store)
        start = parse_since(since, self._store.now())
        frame = counted(self._sharing.events.frame(since=start, until=until, workspace=ws))
        return collaboration(frame, self._access(frame))

    def _access(self, frame) -> dict[int, str]:
        """The access level (view, comment, edit) of each link in an event frame."""
        ids = sorted({int(i) for i in frame["preview_id"].dropna()})
        out: dict[int, str] = {}
        with self._store.reading() as conn:
            for at in range(0, len(ids), 500):
                q = sa.select(t.previews.c.id, t.previews.c.access).where(t.previews.c.id.in_(ids[at:at + 500]))
                out.update({int(i): str(a) for i, a in conn.execute(q)})
        return out

    def report(self, filters: Filters, drops, *, workspace: str | None = None, engine: str = "duckdb") -> Report:
        """Every figure of the analytics page (:func:`report`) over this workspace's events.

        ``drops`` is the frame of drops the reader may see (id, workflow_id, drop_type, language,
        quality_score, created_at): the dashboard adds the analysis results to ``store.list``.
        """
        p = principal_of(self._store)
        ws = workspace or p.workspace or self._store.workspace
        frame = self._sharing.events.frame(since=filters.since, until=filters.until, workspace=ws)
        return report(frame, drops, filters, workspace=ws, engine=engine, access=self._access(frame))
