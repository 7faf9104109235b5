"""The analytics dashboard's controller: every number recomputes from the raw events and drops."""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

import qldrops
from qldrops.dashboards.analytics import ALL, AnalyticsPage, quality_by_type
from qldrops.store import schema as t

SINCE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def used(sqlite_store):
    s = sqlite_store
    s.put(workflow_id="wf-1", drop_type="code_generation", artifact="def add(a, b):\n    return a + b\n",
          metadata={"filename": "add.py", "language": "python"})
    s.put(workflow_id="wf-1", drop_type="documentation", artifact="# Add\nAdds two numbers.\n")
    s.put(workflow_id="wf-2", drop_type="code_generation", artifact="console.log(1)\n",
          metadata={"filename": "a.js", "language": "javascript"})
    one, two = s.previews.create("wf-1", ttl="2h"), s.previews.create("wf-2", ttl="2h")
    for i in range(3):  # three visitors of wf-1, one of them twice; two of them edit, one runs
        view = s.previews.open(one.capability, client=f"10.0.0.{i}", user_agent="ua")
        if i < 2:
            view.record("edit", client=f"10.0.0.{i}", user_agent="ua")
        if i == 0:
            s.previews.open(one.capability, client="10.0.0.0", user_agent="ua")
            view.record("execute", client="10.0.0.0", user_agent="ua")
    s.previews.open(two.capability, client="10.0.0.9", user_agent="ua")
    return s


def points(trace: dict, axis: str = "x") -> list:
    """A trace's values; plotly 7 writes numeric arrays as base64 typed arrays ({dtype, bdata})."""
    values = trace.get(axis)
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values or [])


def grid(trace: dict, axis: str = "customdata") -> list[list]:
    """A 2-D trace array (customdata), plain or base64 with a shape."""
    values = trace.get(axis)
    if isinstance(values, dict) and "bdata" in values:
        flat = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        return flat.reshape([int(n) for n in str(values["shape"]).split(",")]).tolist()
    return [list(v) for v in values or []]


def _figure(value: str, ident: str) -> dict:
    m = re.search(rf"id='{ident}'[^>]*data-figure='([^']*)'", value)
    assert m, f"no figure {ident}"
    return json.loads(html.unescape(m.group(1)))


def test_the_numbers_recompute_from_the_raw_events(used):
    events = used.events.frame(since=SINCE)
    views = events[events["event_type"] == "view"]
    panels = AnalyticsPage(used).refresh()
    assert f"<b>{len(views)}</b>views" in panels.kpis
    assert f"<b>{views['viewer_id'].nunique()}</b>unique viewers" in panels.kpis
    assert f"<b>{len(events)}</b>events" in panels.kpis and "<b>2</b>workflows viewed" in panels.kpis
    per_day = _figure(panels.views, "views-per-day")
    assert sum(points(per_day["data"][0], "y")) == len(views) == 5
    for stage, kind in (("view", "view"), ("edit", "edit"), ("execute", "execute")):
        viewers = events[events["event_type"] == kind]["viewer_id"].nunique()
        assert f"<td>{stage}</td><td class='viewers'>{viewers}</td>" in panels.funnel_numbers
    top = _figure(panels.top, "top-workflows")
    assert points(top["data"][0], "y")[-1] == "wf-1" and points(top["data"][0])[-1] == 4
    assert f"{len(events)} events, 3 drops" in panels.status


def test_a_workflow_filter_and_an_empty_period(used):
    page = AnalyticsPage(used)
    assert page.workflows == ["wf-1", "wf-2"] and page.drop_types == ["code_generation", "documentation"]
    one = page.refresh(workflow="wf-2")
    events = used.events.frame(since=SINCE)
    events = events[events["workflow_id"] == "wf-2"]
    assert "<b>1</b>views" in one.kpis and f"<b>{len(events)}</b>events" in one.kpis
    assert f"{len(events)} events, 1 drops" in one.status
    old = dt.date(2001, 1, 1)
    empty = page.refresh(old, old)
    assert "No usage events in this period" in empty.views and empty.funnel == empty.top == ""
    assert "2001-01-01 to 2001-01-01" in empty.status


def test_quality_appears_once_the_drops_are_analysed(used):
    before = AnalyticsPage(used).refresh()
    assert "No analysis results yet" in before.quality_by_language and before.quality_by_type == ""
    assert "<b>–</b>mean quality" in before.kpis
    used.analyze_all(processes=1, progress=False)
    page = AnalyticsPage(used)
    after = page.refresh(drop_type="code_generation")
    scored = page.drops[(page.drops["drop_type"] == "code_generation") & page.drops["quality_score"].notna()]
    assert len(scored) >= 1
    assert f"<b>{scored['quality_score'].mean():.0f}</b>mean quality" in after.kpis
    by_type = _figure(after.quality_by_type, "quality-by-type")
    assert points(by_type["data"][0]) == pytest.approx([scored["quality_score"].mean()])
    assert "quality-by-language" in after.quality_by_language


def test_no_runs_say_how_to_make_some(used):
    panels = AnalyticsPage(used).refresh(workflow="wf-2")
    assert "No runs in this period" in panels.executions and "<b>–</b>run success" in panels.kpis
    ran = AnalyticsPage(used).refresh(workflow="wf-1")  # the funnel's "execute" is a run here too
    assert "<b>1</b>runs" in ran.kpis and "<b>–</b>run success" in ran.kpis  # no outcome recorded


def test_quality_by_type_is_a_mean_per_type():
    frame = pd.DataFrame({"drop_type": ["a", "a", "b"], "quality_score": [40.0, 60.0, 90.0]})
    assert quality_by_type(frame).to_dict("records") == [{"drop_type": "a", "mean": 50.0, "count": 2},
                                                         {"drop_type": "b", "mean": 90.0, "count": 1}]


def test_suggestion_adoption_recomputes_from_the_events(sqlite_store):
    s = sqlite_store
    code = ('import json\nimport sys\nTOKEN = "sk-proj-Q2x9LmT4vB7nR1kW8yZ3pD6sF0hJ5gA"\n\n\n'
            'def f(x):\n    return x\n')
    a = s.put(workflow_id="wf-s", drop_type="code_generation", artifact=code, metadata={"filename": "a.py"})
    b = s.put(workflow_id="wf-s", drop_type="code_generation", artifact=code.replace("TOKEN", "KEY"),
              metadata={"filename": "b.py"})
    by_source = {x.source: x for x in s.suggest(a.id)}
    s.apply_suggestion(a.id, by_source["qldrops"].id)
    s.dismiss_suggestion(b.id, {x.source: x for x in s.suggest(b.id)}["ruff"].id)
    s.analyze(a.id)  # the fixed version; the original was analysed by suggest()
    page = AnalyticsPage(s)
    table = page.suggestions(SINCE, dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
    rows = {r.source: r for r in table.itertuples()}
    events = s.events.list(event_type="suggestion")
    accepted = [e for e in events if e.metadata["action"] == "accepted"]
    assert rows["qldrops"].accepted == len(accepted) == 1 and rows["qldrops"].dismissed == 0
    assert rows["ruff"].accepted == 0 and rows["ruff"].dismissed == 1 and rows["ruff"].adoption == 0
    before = s.analysis.analyses_of([s.history(a.id)[0].content_hash])[s.history(a.id)[0].content_hash]
    after = s.analyze(a.id)
    assert rows["qldrops"].quality_before == before.quality_score
    assert rows["qldrops"].quality_after == after.quality_score
    panel = page.refresh(dt.date(2000, 1, 1), dt.date(2100, 1, 1)).suggestions
    assert "id='suggestions'" in panel and "100%" in panel and "0%" in panel


# ------------------------------------------------------------------ every figure, recomputed from the raw rows
DAY = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def at(day: int, minute: int = 0) -> dt.datetime:
    return DAY + dt.timedelta(days=day, minutes=minute)


@pytest.fixture
def month(store):
    """Three days of usage on three workflows, run outcomes ok/error/unrecorded, a visitor without id,
    an executor who never edited, suggestion events, and drops analysed on two different days."""
    s = store
    s.clock = lambda: at(0)
    a = s.put(workflow_id="wf-a", drop_type="code_generation", artifact="def add(a, b):\n    return a + b\n",
              metadata={"filename": "add.py", "language": "python"})
    s.put(workflow_id="wf-a", drop_type="documentation", artifact="# Add\nAdds two numbers.\n")
    s.clock = lambda: at(2)
    b = s.put(workflow_id="wf-b", drop_type="code_generation", artifact="#!/bin/sh\necho hi\n",
              metadata={"filename": "hi.sh", "language": "bash"})
    s.put(workflow_id="wf-c", drop_type="code_generation", artifact="console.log(1)\n",
          metadata={"filename": "a.js", "language": "javascript"})
    s.analyze(a.id)
    s.analyze(b.id)
    links = {w: s.previews.create(w, ttl="30d") for w in ("wf-a", "wf-b", "wf-c")}
    plan = [  # (day, workflow, client, actions): actions after the view
        (0, "wf-a", "1", ["edit", ("execute", a.id, "ok")]),
        (0, "wf-a", "2", ["edit"]),
        (0, "wf-b", "3", [("execute", b.id, "error")]),      # ran without editing: a run, not in the funnel
        (1, "wf-a", "1", [("execute", a.id, "ok"), "download"]),
        (1, "wf-b", "4", ["edit", ("execute", b.id, None)]),  # outcome not recorded
        (1, "wf-c", "5", []),
        (2, "wf-a", "6", ["edit", ("execute", a.id, "error")]),
        (2, "wf-c", "1", ["edit"]),
        (2, "wf-b", None, []),                                # no client, no browser: no viewer id
    ]
    for n, (day, wf, client, actions) in enumerate(plan):
        s.clock = lambda day=day, n=n: at(day, n)
        ident = {"client": f"10.0.0.{client}", "user_agent": "ua"} if client else {}
        view = s.previews.open(links[wf].capability, **ident)
        for act in actions:
            if isinstance(act, tuple):
                _, drop, status = act
                view.record("execute", drop_id=drop, metadata={"status": status} if status else {}, **ident)
            else:
                view.record(act, **ident)
    s.clock = lambda: at(2, 30)
    s.events.record(None, "suggestion", workflow_id="wf-a", drop_id=a.id,
                    metadata={"source": "ruff", "action": "dismissed", "version": 1})
    s.events.record(None, "suggestion", workflow_id="wf-b", drop_id=b.id,
                    metadata={"source": "qldrops", "action": "dismissed", "version": 1})
    s.clock = lambda: at(3)
    return s


def raw_figures(store, start: dt.date, end: dt.date, workflow: str | None, drop_type: str | None) -> dict:
    """Every figure of the page, computed from the table rows with plain Python (no qldrops query code)."""
    lo = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    with store.engine.connect() as conn:
        events = [e for e in conn.execute(sa.select(t.events)).all()
                  if lo <= e.created_at.replace(tzinfo=dt.UTC) < hi and (workflow is None or e.workflow_id == workflow)]
        drops = conn.execute(sa.select(t.drops).where(t.drops.c.deleted_at.is_(None))).all()
        scores = {r.content_hash: r for r in conn.execute(sa.select(t.analyses)).all()}
    views = [e for e in events if e.event_type == "view"]
    runs = [e for e in events if e.event_type == "execute"]
    kinds = {}
    for e in events:
        if e.viewer_id is not None:
            kinds.setdefault(e.viewer_id, set()).add(e.event_type)
    viewed = {v for v, k in kinds.items() if "view" in k}
    edited = {v for v in viewed if "edit" in kinds[v]}
    ran = {v for v in edited if "execute" in kinds[v]}
    chosen = [d for d in drops if lo <= d.created_at.replace(tzinfo=dt.UTC) < hi
              and (workflow is None or d.workflow_id == workflow) and (drop_type is None or d.drop_type == drop_type)]
    language = {d.id: (scores[d.content_hash].language if d.content_hash in scores else None)
                or (d.metadata or {}).get("language") for d in drops}
    scored = [(d, scores[d.content_hash].quality_score) for d in chosen
              if d.content_hash in scores and scores[d.content_hash].quality_score is not None]
    per_day: dict[str, list] = {}
    for e in views:
        per_day.setdefault(str(e.created_at.date()), []).append(e.viewer_id)
    top: dict[str, list[int]] = {}
    for e in events:
        if e.workflow_id:  # a workspace dashboard's link ("") is not a workflow
            row = top.setdefault(e.workflow_id, [0, 0, 0, 0])
            for i, kind in enumerate(("view", "edit", "execute", "download")):
                row[i] += e.event_type == kind
    by_lang: dict[str, list[int]] = {}
    for e in runs:
        status = (e.metadata or {}).get("status")
        row = by_lang.setdefault(language.get(e.drop_id) or "unknown", [0, 0, 0])
        row[0] += 1
        row[1] += status is not None
        row[2] += status == "ok"
    recorded = sum(r[1] for r in by_lang.values())
    by_type: dict[str, list[float]] = {}
    for d, q in scored:
        by_type.setdefault(d.drop_type, []).append(q)
    of_type = {d.id for d in drops if drop_type is None or d.drop_type == drop_type}
    suggestions: dict[str, list[int]] = {}
    for e in events:
        if e.event_type == "suggestion" and e.drop_id in of_type:
            row = suggestions.setdefault(e.metadata["source"], [0, 0])
            row[0 if e.metadata["action"] == "accepted" else 1] += 1
    return {
        "kpis": {"events": str(len(events)), "views": str(len(views)),
                 "unique viewers": str(len({e.viewer_id for e in views if e.viewer_id})),
                 "workflows viewed": str(len({e.workflow_id for e in views if e.workflow_id})), "runs": str(len(runs)),
                 "run success": f"{sum(r[2] for r in by_lang.values()) / recorded:.0%}" if recorded else "–",
                 "mean quality": f"{sum(q for _, q in scored) / len(scored):.0f}" if scored else "–"},
        "funnel": [len(viewed), len(edited), len(ran)],
        "per_day": {day: (len(ids), len({i for i in ids if i})) for day, ids in per_day.items()},
        "top": {w: tuple(r) for w, r in top.items() if r[0]},
        "runs": {lang: tuple(r) for lang, r in by_lang.items()},
        "by_type": {k: (sum(v) / len(v), len(v)) for k, v in by_type.items()},
        "by_language": sorted((language[d.id], q) for d, q in scored),
        "suggestions": {k: tuple(v) for k, v in suggestions.items()},
        "drops": len(chosen),
    }


def shown_figures(panels) -> dict:
    """The same figures, read back from the HTML the page shows."""
    out: dict = {"kpis": dict((k, html.unescape(v)) for v, k in
                              re.findall(r"<b>([^<]*)</b>([^<]*)</div>", panels.kpis))}
    out["funnel"] = [int(v) for v in re.findall(r"class='viewers'>(\d+)<", panels.funnel_numbers)] or [0, 0, 0]
    out["per_day"], out["top"], out["runs"], out["by_type"], out["by_language"] = {}, {}, {}, {}, []
    if panels.views.count("data-figure"):
        fig = _figure(panels.views, "views-per-day")["data"]
        out["per_day"] = {d: (int(v), int(u)) for d, v, u in
                          zip(points(fig[0]), points(fig[0], "y"), points(fig[1], "y"), strict=True)}
        top = _figure(panels.top, "top-workflows")["data"][0]
        out["top"] = {w: (int(v), *(int(x) for x in c[1:])) for w, v, c in
                      zip(points(top, "y"), points(top), grid(top), strict=True)}
    if "data-figure" in panels.executions:
        bars = _figure(panels.executions, "executions")["data"][0]
        for lang, text, extra in zip(points(bars), points(bars, "text"), grid(bars), strict=True):
            ok, recorded = re.match(r"(\d+)/(\d+) ok", text).groups()
            out["runs"][lang] = (int(extra[0]), int(recorded), int(ok))
    if "data-figure" in panels.quality_by_type:
        bars = _figure(panels.quality_by_type, "quality-by-type")["data"][0]
        out["by_type"] = {k: (m, int(n)) for m, k, n in zip(points(bars), points(bars, "y"),
                                                            points(bars, "text"), strict=True)}
        box = _figure(panels.quality_by_language, "quality-by-language")["data"]
        out["by_language"] = sorted((lang, q) for trace in box for lang, q in
                                    zip(points(trace), points(trace, "y"), strict=True))
    out["suggestions"] = {src: (int(a), int(d)) for src, a, d in
                          re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td>", panels.suggestions)}
    out["drops"] = int(re.search(r"events, (\d+) drops", panels.status).group(1))
    return out


@pytest.mark.parametrize("start,end,workflow,drop_type", [
    (dt.date(2026, 3, 2), dt.date(2026, 3, 4), None, None),
    (dt.date(2026, 3, 2), dt.date(2026, 3, 4), "wf-a", None),
    (dt.date(2026, 3, 2), dt.date(2026, 3, 4), "wf-b", None),   # the workflow filter reaches runs too
    (dt.date(2026, 3, 3), dt.date(2026, 3, 4), None, None),     # the period reaches quality too
    (dt.date(2026, 3, 2), dt.date(2026, 3, 3), None, "code_generation"),
    (dt.date(2026, 3, 4), dt.date(2026, 3, 4), "wf-c", "documentation"),
])
def test_every_figure_recomputes_from_the_raw_rows(month, start, end, workflow, drop_type):
    page = AnalyticsPage(month, today=dt.date(2026, 3, 5))
    panels = page.refresh(start, end, workflow or ALL, drop_type or ALL)
    want, got = raw_figures(month, start, end, workflow, drop_type), shown_figures(panels)
    assert got["kpis"] == want["kpis"]
    for name in ("funnel", "per_day", "top", "runs", "suggestions", "drops"):
        assert got[name] == want[name], name
    assert got["by_type"].keys() == want["by_type"].keys()
    for k, (mean, n) in want["by_type"].items():
        assert got["by_type"][k] == (pytest.approx(mean), n)
    assert [lang for lang, _ in got["by_language"]] == [lang for lang, _ in want["by_language"]]
    assert [q for _, q in got["by_language"]] == pytest.approx([q for _, q in want["by_language"]])
    # what the numbers say to each other: no more viewers ran than runs were counted
    assert want["funnel"][2] <= int(want["kpis"]["runs"])
    assert (drop_type is None) == ("usage figures ignore the drop type" not in panels.kpis)


def test_the_fixture_reaches_every_figure(month):
    """The reconciliation above compares non-trivial numbers (not only zeros and empty tables)."""
    want = raw_figures(month, dt.date(2026, 3, 2), dt.date(2026, 3, 4), None, None)
    assert want["funnel"] == [6, 4, 3] and want["kpis"]["runs"] == "5" and want["kpis"]["run success"] == "50%"
    assert len(want["per_day"]) == 3 and set(want["runs"]) == {"python", "shell"} and want["by_type"]
    assert want["suggestions"] == {"ruff": (0, 1), "qldrops": (0, 1)}


def test_an_inverted_period_is_refused(used):
    page = AnalyticsPage(used)
    with pytest.raises(qldrops.ValidationError, match="From date 2026-03-05 is after the To date 2026-03-01") as e:
        page.refresh(dt.date(2026, 3, 5), dt.date(2026, 3, 1))
    assert "on or before" in e.value.hint


# ------------------------------------------------------------------ collaboration, recomputed from the raw rows
@pytest.fixture
def together(month):
    """``month`` plus collaboration: an edit link used by two visitors on one day and one on the next (one of
    them typing a name only after opening, as the editor page does), a comment link, an unused edit link."""
    s = month
    a = s.list(workflow_id="wf-a").to_frame()
    code = int(a.loc[a["drop_type"] == "code_generation", "id"].iloc[0])
    s.clock = lambda: at(0, 50)
    unused = s.previews.create("wf-c", ttl="30d", access="edit")
    s.clock = lambda: at(1, 100)
    edit = s.previews.create("wf-a", ttl="30d", access="edit")
    s.clock = lambda: at(1, 130)
    ada = s.previews.open(edit.capability, display_name="Ada")
    bob = s.previews.open(edit.capability, client="10.0.1.2", user_agent="ua")  # the editor page: name typed later
    bob.set_name("Bob")
    s.clock = lambda: at(1, 160)
    ada.save(code, "def add(a, b):\n    return b + a\n", base_version=1)
    bob.comment(code, "why swap?", line_start=2)
    s.clock = lambda: at(1, 170)
    bob.save(code, "def add(a, b):\n    return b + a  # same\n", base_version=2)
    s.clock = lambda: at(2, 200)
    again = s.previews.open(edit.capability, display_name="Ada")
    again.save(code, "def add(a, b):\n    return a + b\n", base_version=3)
    c = s.list(workflow_id="wf-b").to_frame()
    comment = s.previews.create("wf-b", ttl="30d", access="comment")
    s.clock = lambda: at(2, 210)
    cy = s.previews.open(comment.capability, display_name="Cy")
    cy.comment(int(c["id"].iloc[0]), "<script>alert(1)</script> nice", line_start=1)
    s.previews.open(unused.capability, display_name="Dee")
    s.clock = lambda: at(3)
    return s


def raw_collaboration(store, start: dt.date, end: dt.date, workflow: str | None) -> dict:
    """The collaboration figures from the table rows with plain Python (no qldrops query code)."""
    import statistics

    from qldrops.dashboards.analytics import duration_text

    lo = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    with store.engine.connect() as conn:
        events = [e for e in conn.execute(sa.select(t.events)).all()
                  if e.preview_id is not None and lo <= e.created_at.replace(tzinfo=dt.UTC) < hi
                  and (workflow is None or e.workflow_id == workflow)]
        access = dict(conn.execute(sa.select(t.previews.c.id, t.previews.c.access)).all())
    sessions: dict[tuple, dict] = {}
    for e in events:
        if e.event_type in ("view", "edit", "comment"):
            row = sessions.setdefault((e.preview_id, e.created_at.date()), {"who": set(), "edits": 0})
            if e.viewer_id is not None:
                row["who"].add(e.viewer_id)
            row["edits"] += e.event_type == "edit"
    per_day: dict[str, list[int]] = {}
    for (_, day), row in sessions.items():
        counts = per_day.setdefault(str(day), [0, 0])
        counts[0] += 1
        counts[1] += len(row["who"]) >= 2
    on_edit = [row["edits"] for (link, _), row in sessions.items() if access[link] == "edit"]
    viewers = editors = 0
    for link in {e.preview_id for e in events if access[e.preview_id] == "edit"}:
        viewers += len({e.viewer_id for e in events if e.preview_id == link and e.event_type == "view"} - {None})
        editors += len({e.viewer_id for e in events if e.preview_id == link and e.event_type == "edit"} - {None})
    shared = {e.preview_id: e.created_at for e in events if e.event_type == "share"}
    first: dict[int, dt.datetime] = {}
    for e in events:
        if e.event_type == "edit" and e.preview_id in shared and access[e.preview_id] == "edit":
            first[e.preview_id] = min(first.get(e.preview_id, e.created_at), e.created_at)
    waits = [(first[p] - shared[p]).total_seconds() for p in first]
    if not any(access[link] in ("comment", "edit") for link, _ in sessions) and not waits:
        return {"none": True, "per_day": {}}
    nm = "not measured"
    return {
        "none": False,
        "kpis": {
            "multi-user sessions": f"{sum(c[1] for c in per_day.values())} of {len(sessions)}",
            "edits per session": f"{sum(on_edit) / len(on_edit):.1f}" if on_edit else nm,
            "view-to-edit conversion": f"{min(1.0, editors / viewers):.0%} ({editors} of {viewers})" if viewers else nm,
            "share to first edit": (f"{duration_text(statistics.median(waits))} (median of {len(waits)})"
                                    if waits else nm),
        },
        "per_day": {d: tuple(c) for d, c in per_day.items()},
    }


def shown_collaboration(panel: str) -> dict:
    if "No collaboration yet" in panel:
        return {"none": True, "per_day": {}}
    kpis = {k: html.unescape(v) for v, k in re.findall(r"<b>([^<]*)</b>([^<]*)</div>", panel)}
    fig = _figure(panel, "collab-sessions")["data"]
    per_day = {d: (int(n), int(m)) for d, n, m in zip(points(fig[0]), points(fig[0], "y"), points(fig[1], "y"),
                                                       strict=True)}
    return {"none": False, "kpis": kpis, "per_day": per_day}


@pytest.mark.parametrize("start,end,workflow,drop_type", [
    (dt.date(2026, 3, 2), dt.date(2026, 3, 4), None, None),
    (dt.date(2026, 3, 2), dt.date(2026, 3, 4), "wf-a", None),
    (dt.date(2026, 3, 2), dt.date(2026, 3, 4), "wf-b", None),    # a comment link only: no edit figures
    (dt.date(2026, 3, 4), dt.date(2026, 3, 4), None, None),      # the link was shared the day before
    (dt.date(2026, 3, 2), dt.date(2026, 3, 4), None, "documentation"),  # the drop type is ignored, and said so
    (dt.date(2026, 3, 2), dt.date(2026, 3, 2), None, None),      # no collaboration yet that day
])
def test_collaboration_figures_recompute_from_the_raw_rows(together, start, end, workflow, drop_type):
    page = AnalyticsPage(together, today=dt.date(2026, 3, 5))
    panels = page.refresh(start, end, workflow or ALL, drop_type or ALL)
    assert shown_collaboration(panels.collaboration) == raw_collaboration(together, start, end, workflow)
    assert (drop_type is None) == ("collaboration figures ignore the drop type" not in panels.kpis)


def test_the_collaboration_fixture_reaches_every_figure(together):
    """Non-trivial numbers: a multi-user session, one visitor who typed a name late counted once, a median."""
    want = raw_collaboration(together, dt.date(2026, 3, 2), dt.date(2026, 3, 4), None)
    k = want["kpis"]
    assert k["view-to-edit conversion"] == "67% (2 of 3)"  # Ada and Bob edited; Dee only looked
    assert k["share to first edit"] == "60 min (median of 1)" and k["edits per session"] == "1.0"
    assert want["per_day"]["2026-03-03"][1] >= 1
    assert raw_collaboration(together, dt.date(2026, 3, 2), dt.date(2026, 3, 4), "wf-b")["kpis"] == {
        "multi-user sessions": "0 of 4", "edits per session": "not measured",
        "view-to-edit conversion": "not measured", "share to first edit": "not measured"}
    one = AnalyticsPage(together, today=dt.date(2026, 3, 5)).refresh(dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    assert "No collaboration yet" in one.collaboration and "0%" not in one.collaboration


def svg_marks(page: str, ident: str) -> list[tuple[str, str, float]]:
    """(element, category, value) of every mark of the SVG chart drawn in the element ``ident``."""
    m = re.search(rf"<div class='qldrops-plot qldrops-static-plot' id='{ident}'[^>]*>(<svg .*?</svg>)</div>", page,
                  re.DOTALL)
    assert m, f"no SVG chart {ident}"
    return [(tag, html.unescape(c), float(v)) for tag, c, v in
            re.findall(r"<(rect|circle)\b[^>]*data-c='([^']*)' data-v='([^']*)'", m.group(1))]


def svg_figures(first: str) -> dict:
    """The charts' numbers as the SVG picture draws them (bars, points, funnel stages)."""
    views = svg_marks(first, "views-per-day")
    per_day = {c: v for tag, c, v in views if tag == "rect"}
    viewers = {c: v for tag, c, v in views if tag == "circle"}
    return {
        "per_day": {d: (int(per_day[d]), int(viewers[d])) for d in per_day},
        "top": {c: int(v) for _, c, v in svg_marks(first, "top-workflows")},
        "funnel": [int(v) for _, _, v in svg_marks(first, "funnel")],
        "runs": {c: v for _, c, v in svg_marks(first, "executions")},
        "by_type": {c: v for _, c, v in svg_marks(first, "quality-by-type")},
        "by_language": sorted((c, v) for _, c, v in svg_marks(first, "quality-by-language")),
    }


def test_the_static_first_paint_shows_the_live_figures(month):
    """The picture the server sends before the widgets: the default filters' panels (the live page's cache
    entry) with every chart drawn as inline SVG (no plotly.js, no data-figure for it to redraw), every bar,
    point and stage the live figure's number, each recomputed from the raw rows; once per change."""
    from types import SimpleNamespace

    from qldrops.dashboards.svg import values

    today = dt.date(2026, 3, 5)
    page = AnalyticsPage(month, today=today)
    first = page.first_paint_html()
    start, end = page.default_period()
    live = AnalyticsPage(month, today=today).refresh(start, end, ALL, ALL)  # computed anew, not from the cache
    assert "data-figure" not in first and "<script" not in first
    charts = (live.views, live.funnel, live.top, live.collaboration, live.quality_by_language, live.quality_by_type,
              live.executions)
    idents = [i for chart in charts for i in re.findall(r"<div class='qldrops-plot' id='([^']*)'", chart)]
    assert idents == re.findall(r"<div class='qldrops-plot qldrops-static-plot' id='([^']*)'[^>]*><svg ", first)
    assert len(idents) == 6  # views, funnel, top, quality by language and by type, runs (no collaboration here)
    for part in (live.kpis, live.status, live.funnel_numbers, live.suggestions):
        assert part in first
    got = shown_figures(SimpleNamespace(**{name: first for name in (
        "kpis", "funnel_numbers", "views", "top", "executions", "quality_by_type", "quality_by_language",
        "suggestions", "status")}))
    want = raw_figures(month, start, end, None, None)
    assert {k: got["kpis"][k] for k in want["kpis"]} == want["kpis"]
    for name in ("funnel", "suggestions", "drops"):
        assert got[name] == want[name], name
    drawn = svg_figures(first)
    assert drawn["per_day"] == want["per_day"] and drawn["funnel"] == want["funnel"]
    assert drawn["top"] == {w: r[0] for w, r in want["top"].items()}
    assert drawn["runs"] == pytest.approx({lang: r[2] / r[1] for lang, r in want["runs"].items()})
    assert drawn["by_type"] == pytest.approx({k: mean for k, (mean, _) in want["by_type"].items()})
    assert [lang for lang, _ in drawn["by_language"]] == [lang for lang, _ in want["by_language"]]
    assert [q for _, q in drawn["by_language"]] == pytest.approx([q for _, q in want["by_language"]])
    # and the SVG's numbers are the live figure's, mark for mark
    runs = _figure(live.executions, "executions")["data"][0]
    assert list(drawn["runs"].items()) == list(zip(values(runs["x"]), values(runs["y"]), strict=True))
    for label in re.findall(r"(\d+/\d+ ok)", first):
        assert label in values(runs["text"])
    controls = re.findall(r"<(input|select)\b([^>]*)>", first)
    assert len(controls) == 4 and all("disabled" in attrs for _, attrs in controls)
    assert f"value='{start.isoformat()}'" in first and f"value='{end.isoformat()}'" in first
    # the live page's first answer is the picture's cache entry; a new event draws it anew
    hits = month.cache.hits
    assert page.cached_refresh(start, end, ALL, ALL) == page.default_panels()
    assert month.cache.hits == hits + 2
    month.events.record(None, "view", workflow_id="wf-c")
    assert AnalyticsPage(month, today=today).first_paint_html() != first
