"""Links that open a dashboard: validation, the uncounted view, history through the grant, scoped kernels.

Runs on SQLite and PostgreSQL (the ``store`` fixture). The browser side is in
tests/test_dashboards_preview.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from qldrops.errors import AccessDenied, LinkExpired, NotFound, ValidationError
from qldrops.cli.sharing import preview_group
from qldrops.server.kernel import Visit, open_view, scoped_store, workspace_store
from qldrops.store import schema as t


def _previews(store):
    with store.engine.connect() as c:
        return c.execute(sa.select(t.previews)).mappings().all()


@pytest.fixture
def shared(store):
    a = store.put(workflow_id="wf-1", drop_type="code_generation", artifact="print('one')\n",
                  metadata={"filename": "main.py", "language": "python"})
    store.update(a.id, artifact="print('two')\nAWS = 'AKIAABCDEFGHIJKLMNOP'\n")
    b = store.put(workflow_id="wf-2", drop_type="code_generation", artifact="print('other')\n",
                  metadata={"filename": "other.py"})
    return {"a": a, "b": b}


def test_a_workspace_dashboard_link_has_no_workflow(store, shared):
    p = store.previews.create(ttl="1h", dashboard="analytics")
    assert (p.dashboard, p.workflow_id) == ("analytics", "")
    (row,) = _previews(store)
    assert row["dashboard"] == "analytics" and row["workflow_id"] == ""
    assert store.previews.check(p.capability).dashboard == "analytics"
    assert "dashboard='analytics'" in repr(p)
    assert store.previews.list().to_frame()["dashboard"].tolist() == ["analytics"]


@pytest.mark.parametrize("kwargs, error", [
    ({"dashboard": "bogus", "workflow_id": "wf-1"}, ValidationError),
    ({"dashboard": "analytics", "workflow_id": "wf-1"}, ValidationError),
    ({"dashboard": "explorer", "drop_id": 1}, ValidationError),
    ({"dashboard": "preview"}, ValidationError),
    ({"dashboard": "preview", "workflow_id": ""}, ValidationError),
])
def test_bad_dashboard_links_are_refused_and_nothing_is_written(store, shared, kwargs, error):
    with pytest.raises(error) as e:
        store.previews.create(ttl="1h", **kwargs)
    assert e.value.hint
    assert _previews(store) == []


def test_a_viewer_cannot_be_the_creator_of_a_workspace_link(store, shared):
    ws = store.workspaces.ensure("default")
    viewer = store.users.create("vera", workspace=ws, role="viewer")
    editor = store.users.create("eddie", workspace=ws, role="editor")
    with pytest.raises(AccessDenied, match="editor or admin"):
        store.previews.create(ttl="1h", dashboard="explorer", created_by=viewer)
    with pytest.raises(AccessDenied):
        store.previews.create(ttl="1h", dashboard="explorer", created_by="vera")  # by name, too
    assert _previews(store) == []
    assert store.previews.create(ttl="1h", dashboard="explorer", created_by=editor).created_by == "eddie"
    # a workflow preview by a viewer's name stays as before (the local caller vouches)
    assert store.previews.create("wf-1", ttl="1h", created_by=viewer).dashboard == "preview"


def test_a_token_viewer_cannot_share_the_workspace(store, shared):
    import qldrops

    ws = store.workspaces.ensure("default")
    store.users.create("vic", workspace=ws, role="viewer")
    token = store.tokens.issue("vic", workspace="default")
    as_vic = qldrops.connect(store.url, token=token, settings=store.settings)
    try:
        with pytest.raises(AccessDenied):
            as_vic.previews.create(ttl="1h", dashboard="analytics")
    finally:
        as_vic.close()
    assert _previews(store) == []


def test_view_does_not_count_an_access_and_refuses_dead_links(store, shared):
    p = store.previews.create("wf-1", ttl="1h")
    v = store.previews.view(p.id)
    assert v.workflow_id == "wf-1" and [d.id for d in v.drops()] == [shared["a"].id]
    assert _previews(store)[0]["access_count"] == 0
    store.previews.open(p.capability)
    assert _previews(store)[0]["access_count"] == 1
    store.previews.revoke(p.id)
    with pytest.raises(AccessDenied):  # LinkRevoked
        store.previews.view(p.id)
    with pytest.raises(NotFound):
        store.previews.view(10_000)
    with pytest.raises(ValidationError):
        store.previews.view("1")
    real = store.clock
    store.clock = lambda: real() - dt.timedelta(hours=3)
    old = store.previews.create("wf-1", ttl="1h")
    store.clock = real
    with pytest.raises(LinkExpired):
        store.previews.view(old.id)


def test_history_and_diff_only_within_the_link(store, shared):
    p = store.previews.create("wf-1", ttl="1h")
    v = store.previews.view(p.id)
    assert [h.version for h in v.history(shared["a"].id)] == [1, 2]
    d = v.diff(shared["a"].id, 1, 2)
    assert d.added == 2 and d.removed == 1 and "+print('two')" in d.unified
    assert d.unified == store.diff(shared["a"].id, 1, 2).unified
    with pytest.raises(NotFound):
        v.history(shared["b"].id)  # another workflow's drop: not in the grant
    with pytest.raises(NotFound):
        v.diff(shared["a"].id, 1, 7)


def test_kernels_see_only_the_links_workspace(store, shared):
    store.workspaces.ensure("acme")
    acme = scoped_store(store, "acme")
    acme.put(workflow_id="wf-acme", drop_type="code_generation", artifact="echo acme\n",
             metadata={"filename": "run.sh"})
    wide = store.previews.create(ttl="1h", dashboard="explorer", workspace="acme")
    visit = Visit(preview_id=wide.id, workspace="acme", workflow_id="", expires_at="", dashboard="explorer")
    kernel_store = workspace_store(visit, store)
    assert [d.workflow_id for d in kernel_store.list()] == ["wf-acme"]
    with pytest.raises(AccessDenied):
        kernel_store.put(workflow_id="wf-acme", drop_type="code_generation", artifact="x")
    with pytest.raises(AccessDenied):  # a workspace link is not a workflow preview, and vice versa
        open_view(visit, store)
    preview = store.previews.create("wf-1", ttl="1h")
    pv = Visit(preview_id=preview.id, workspace="default", workflow_id="wf-1", expires_at="")
    with pytest.raises(AccessDenied):
        workspace_store(pv, store)
    view = open_view(pv, store)
    assert [d.id for d in view.drops()] == [shared["a"].id]
    store.previews.revoke(wide.id)
    with pytest.raises(AccessDenied):
        workspace_store(visit, store)


def test_cli_creates_a_dashboard_link(store, shared):
    runner = CliRunner()
    r = runner.invoke(preview_group, ["create", "--dashboard", "analytics", "--ttl", "2h"], obj={"store": store})
    assert r.exit_code == 0, r.output
    assert "/p/" in r.output
    r = runner.invoke(preview_group, ["create"], obj={"store": store})
    assert r.exit_code != 0 and "WORKFLOW_ID" in r.output
    r = runner.invoke(preview_group, ["create", "wf-1", "--dashboard", "explorer"], obj={"store": store})
    assert r.exit_code != 0
    assert [row["dashboard"] for row in _previews(store)] == ["analytics"]
