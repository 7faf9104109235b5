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

from qldrops.dashboards.analytics import ALL, AnalyticsPage, quality_by_type, run_rates

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


def test_runs_and_their_success_rate():
    runs = pd.DataFrame({"language": ["python", "python", "bash"], "status": ["ok", "error", "ok"]})
    rates = run_rates(runs).set_index("language")
    assert rates.loc["python", "rate"] == 0.5 and rates.loc["bash", "ok"] == 1


def test_no_runs_say_how_to_make_some(used):
    panels = AnalyticsPage(used).refresh(workflow=ALL)
    assert "No sandboxed runs in this period" in panels.executions and "<b>–</b>run success" in panels.kpis


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
