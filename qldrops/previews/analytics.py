"""Analytics summaries over event rows, computed with DuckDB (or pandas, for comparison).

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
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError, DependencyMissing
from ..store.timeparse import parse_since
from .auth import principal_of, require

if TYPE_CHECKING:  # the component that owns this manager (it imports this module)
    from .sharing import Sharing

FUNNEL = ("view", "edit", "execute")


@dataclass(frozen=True)
class AnalyticsSummary:
    """Frames for a dashboard. Every frame is a pandas DataFrame (possibly empty, never None)."""

    workspace: str
    since: dt.datetime
    until: dt.datetime
    totals: Any            # one row: events, views, unique_viewers, previews, workflows
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
    frame = _prepare(events)
    if engine == "duckdb":
        frames = _duckdb(frame, top)
    elif engine == "pandas":
        frames = _pandas(frame, top)
    else:
        raise ConfigurationError(f"unknown analytics engine {engine!r}", hint="use 'duckdb' or 'pandas'")
    return AnalyticsSummary(workspace=workspace, since=since, until=until, **frames)


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
               count(DISTINCT workflow_id) AS workflows
        FROM ev""",
    "views_per_day": """
        SELECT day, count(*) AS views, count(DISTINCT viewer_id) AS unique_viewers
        FROM ev WHERE event_type = 'view' GROUP BY day ORDER BY day""",
    "unique_viewers": """
        SELECT workflow_id, count(DISTINCT viewer_id) AS unique_viewers, count(*) AS views
        FROM ev WHERE event_type = 'view' GROUP BY workflow_id
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
        "previews": frame["preview_id"].nunique(), "workflows": frame["workflow_id"].nunique(),
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
        from .collab_analytics import collaboration

        p = principal_of(self._store)
        ws = workspace or p.workspace or self._store.workspace
        require(p, "analytics.read", ws, store=self._store)
        start = parse_since(since, self._store.now())
        return collaboration(self._sharing.events.frame(since=start, until=until, workspace=ws))
