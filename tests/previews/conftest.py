"""Fixtures for the sharing tests: a fake clock, two workspaces with users, token-bound stores.

The database fixtures (``store`` over SQLite and PostgreSQL) come from tests/conftest.py.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

import qldrops
from qldrops.settings import Settings

T0 = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)


class FakeClock:
    """``store.clock``: time moves only when a test says so."""

    def __init__(self, start: dt.datetime = T0):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs) -> dt.datetime:
        self.now += dt.timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock(store) -> FakeClock:
    c = FakeClock()
    store.clock = c
    return c


def _settings(tmp_path, **overrides) -> Settings:
    base = dict(data_dir=str(tmp_path), index_dir=str(tmp_path / "index"), embedding_model="fake",
                progress=False, workspace="default")
    base.update(overrides)
    return Settings(**base)


@pytest.fixture
def settings_for(tmp_path):
    """Settings like the lead's test stores use (fake embedder, tmp data dir)."""
    return lambda **overrides: _settings(tmp_path, **overrides)


@pytest.fixture
def open_as(store, clock, tmp_path):
    """Open another store on the same database, authenticated by a token, sharing the fake clock."""
    opened = []

    def _open(token: str):
        # connect(token=) would check the token against the wall clock; bind the fake clock first.
        s = qldrops.connect(store.url, settings=_settings(tmp_path))
        opened.append(s)
        s.clock = clock
        s.authenticate(token)
        return s

    yield _open
    for s in opened:
        s.close()


@pytest.fixture
def world(store, clock, open_as):
    """Workspaces acme and beta, users with each role, a workflow with drops in each, token stores."""
    acme = store.workspaces.create("acme")
    beta = store.workspaces.create("beta")
    users = {
        "alice": store.users.create("alice", workspace=acme, role="editor"),
        "victor": store.users.create("victor", workspace=acme, role="viewer"),
        "ada": store.users.create("ada", workspace=acme, role="admin"),
        "bob": store.users.create("bob", workspace=beta, role="editor"),
    }
    tokens = {name: store.tokens.issue(u) for name, u in users.items()}
    stores = {name: open_as(tok) for name, tok in tokens.items()}
    a1 = stores["alice"].put(workflow_id="wf-42", drop_type="code_generation", artifact="print('acme one')")
    a2 = stores["alice"].put(workflow_id="wf-42", drop_type="documentation", artifact="# acme docs")
    a3 = stores["alice"].put(workflow_id="wf-other", drop_type="code_generation", artifact="print('other')")
    b1 = stores["bob"].put(workflow_id="wf-42", drop_type="code_generation", artifact="print('beta secret')")
    return SimpleNamespace(acme=acme, beta=beta, users=users, tokens=tokens, stores=stores,
                           drops={"a1": a1, "a2": a2, "a3": a3, "b1": b1}, clock=clock)
