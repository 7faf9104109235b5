"""Analytics events (validation, idempotency) and summaries (DuckDB and pandas agree)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from qldrops.errors import AccessDenied, Conflict, NotFound, ValidationError
from qldrops.previews.analytics import summarize
from qldrops.store import schema as t


def _events(store):
    with store.engine.connect() as c:
        return c.execute(sa.select(t.events).order_by(t.events.c.id)).mappings().all()


@pytest.fixture
def link(world):
    return world.stores["alice"].previews.create(workflow_id="wf-42", ttl="7d")


def test_record_keeps_everything(store, world, link):
    e = store.events.record(link.id, "download", duration_ms=12.5, user_agent="UA/1", client="203.0.113.9",
                            metadata={"file": "main.py"}, drop_id=world.drops["a1"].id)
    assert (e.workspace, e.workflow_id, e.event_type, e.duration_ms, e.metadata) == (
        "acme", "wf-42", "download", 12.5, {"file": "main.py"})
    row = _events(store)[-1]
    assert (row["user_agent"], row["client"], row["drop_id"], row["created_at"]) == (
        "UA/1", "203.0.113.9", world.drops["a1"].id, world.clock.now)
    by_user = world.stores["alice"].events.record(link.id, "edit")
    assert by_user.actor == "alice"


@pytest.mark.parametrize("kwargs", [
    {"event_type": "like"}, {"duration_ms": -1}, {"duration_ms": float("nan")}, {"duration_ms": "5"},
    {"duration_ms": True}, {"metadata": ["x"]}, {"metadata": {"x": object()}}, {"metadata": {"x": "y" * 20000}},
    {"client": "x" * 65}, {"client": 5}, {"user_agent": 5}, {"idempotency_key": ""},
    {"idempotency_key": "k" * 129},
])
def test_bad_events_are_refused_and_nothing_is_written(store, link, kwargs):
    before = len(_events(store))
    args = {"event_type": "download", **kwargs}
    with pytest.raises(ValidationError) as e:
        store.events.record(link.id, args.pop("event_type"), **args)
    assert e.value.hint
    assert len(_events(store)) == before


def test_unknown_preview_and_long_user_agent(store, link):
    with pytest.raises(NotFound):
        store.events.record(10**9, "view")
    with pytest.raises(NotFound):
        store.events.record("1", "view")
    e = store.events.record(link.id, "view", user_agent="A" * 5000)
    assert len(e.user_agent) == 512  # browsers send what they like; we keep enough to tell them apart


def test_a_retried_idempotency_key_is_counted_once(store, world, link):
    first = store.events.record(link.id, "download", idempotency_key="req-1", duration_ms=3)
    again = store.events.record(link.id, "download", idempotency_key="req-1", duration_ms=3)
    assert again.duplicate and not first.duplicate and again.id == first.id
    assert sum(1 for e in _events(store) if e["event_type"] == "download") == 1
    with pytest.raises(Conflict, match="already used"):
        store.events.record(link.id, "execute", idempotency_key="req-1")
    # Keys are per workspace: beta's "req-1" is its own event.
    bp = world.stores["bob"].previews.create(workflow_id="wf-42", ttl="1h")
    other = world.stores["bob"].events.record(bp.id, "download", idempotency_key="req-1")
    assert not other.duplicate and other.workspace == "beta"
    # open() with a retried key counts the access once.
    store.previews.open(link.capability, idempotency_key="open-1")
    store.previews.open(link.capability, idempotency_key="open-1")
    assert store.previews.get(link.id).access_count == 1


def _simulate(store, world, link):
    """A small known history over three days."""
    other = world.stores["alice"].previews.create(workflow_id="wf-other", ttl="7d")
    for day in range(3):
        for viewer in range(day + 1):
            store.previews.open(link.capability, user_agent=f"ua{viewer}", client="10.0.0.1")
        world.clock.advance(days=1)
    store.previews.open(other.capability, user_agent="ua9", client="10.0.0.9")
    store.events.record(link.id, "edit", user_agent="ua0", client="10.0.0.1", duration_ms=100)
    store.events.record(link.id, "execute", user_agent="ua0", client="10.0.0.1", duration_ms=300)
    store.events.record(link.id, "edit", user_agent="ua1", client="10.0.0.1", duration_ms=200)
    store.events.record(link.id, "download", user_agent="ua2", client="10.0.0.1")


def test_summary(store, world, link):
    _simulate(store, world, link)
    s = store.analytics.summary(since="7d", workspace="acme")
    assert s.views_per_day["views"].tolist() == [1, 2, 3, 1]
    assert s.views_per_day["unique_viewers"].tolist() == [1, 2, 3, 1]
    assert s.views_per_day["day"].tolist() == [dt.date(2026, 1, d) for d in (5, 6, 7, 8)]
    assert s.totals.iloc[0].to_dict() == {"events": 7 + 4 + 2, "views": 7, "unique_viewers": 4, "previews": 2,
                                          "workflows": 2}
    assert s.funnel.to_dict("list") == {"stage": ["view", "edit", "execute"], "viewers": [4, 2, 1],
                                        "share": [1.0, 0.5, 0.25]}
    top = s.top_workflows.set_index("workflow_id")
    assert top.loc["wf-42"].to_dict() == {"views": 6, "unique_viewers": 3, "edits": 2, "executes": 1,
                                          "downloads": 1}
    assert list(s.top_workflows["workflow_id"]) == ["wf-42", "wf-other"]
    d = s.durations.set_index("event_type")
    assert d.loc["edit", "p50_ms"] == 150.0 and d.loc["execute", "mean_ms"] == 300.0
    # A window that starts later sees less; the summary of beta sees none of acme's events.
    assert store.analytics.summary(since="1d", workspace="acme").totals.iloc[0]["views"] == 4
    assert world.stores["bob"].analytics.summary().totals.iloc[0]["views"] == 0
    assert "views" in s._repr_html_() and "AnalyticsSummary" in repr(s)


def test_duckdb_and_pandas_agree(store, world, link):
    _simulate(store, world, link)
    duck = store.analytics.summary(since="30d", workspace="acme", engine="duckdb")
    pand = store.analytics.summary(since="30d", workspace="acme", engine="pandas")
    for name, frame in duck.frames().items():
        pd.testing.assert_frame_equal(frame, pand.frames()[name], check_dtype=True, obj=name)


@pytest.mark.parametrize("engine", ["duckdb", "pandas"])
def test_a_dashboard_links_own_visits_are_not_counted(store, world, link, engine):
    """A workspace dashboard's link (analytics, explorer: workflow "") opens a page of these figures: its
    visits count nowhere (not as views, viewers, links or workflows), and move no position the page's
    cache and first paint are filed under; a workflow link's view does."""
    from qldrops.dashboards.analytics import first_paint_key

    _simulate(store, world, link)
    acme = store.in_workspace("acme")
    before = store.analytics.summary(since="30d", workspace="acme", engine=engine)
    at = first_paint_key(acme)
    together = store.analytics.collaboration(since="30d", workspace="acme")
    board = world.stores["alice"].previews.create(ttl="7d", dashboard="analytics")
    for viewer in range(3):
        store.previews.open(board.capability, user_agent=f"board{viewer}", client="10.0.0.5")
    s = store.analytics.summary(since="30d", workspace="acme", engine=engine)
    for name, frame in s.frames().items():
        pd.testing.assert_frame_equal(frame, before.frames()[name], obj=name)
    assert s.totals.iloc[0].to_dict()["views"] == 7 and list(s.top_workflows["workflow_id"]) == ["wf-42", "wf-other"]
    for name, frame in store.analytics.collaboration(since="30d", workspace="acme").items():
        if isinstance(frame, pd.DataFrame):
            pd.testing.assert_frame_equal(frame, together[name], obj=name)
    assert first_paint_key(acme) == at
    store.previews.open(link.capability, user_agent="one more", client="10.0.0.9")
    assert first_paint_key(acme) != at
    assert store.analytics.summary(since="30d", workspace="acme", engine=engine).totals.iloc[0]["views"] == 8


def test_summary_of_nothing(store, world):
    empty = store.events.frame(since=world.clock.now, workspace="beta")
    a = summarize(empty, workspace="beta", since=world.clock.now, until=world.clock.now, engine="duckdb")
    b = summarize(empty, workspace="beta", since=world.clock.now, until=world.clock.now, engine="pandas")
    for name, frame in a.frames().items():
        pd.testing.assert_frame_equal(frame, b.frames()[name], check_dtype=False, check_index_type=False,
                                      obj=name)
    assert a.funnel["viewers"].tolist() == [0, 0, 0]


def test_analytics_access(world):
    with pytest.raises(AccessDenied):
        world.stores["bob"].analytics.summary(workspace="acme")
    assert world.stores["victor"].analytics.summary().totals.iloc[0]["events"] >= 0
    with pytest.raises(ValidationError):
        world.stores["victor"].analytics.summary(since="forever")
