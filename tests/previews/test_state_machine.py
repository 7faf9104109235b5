"""A hypothesis state machine over create, share, expire, revoke and delete across two workspaces.

Invariants checked at every step: no cross-workspace read, nothing expired or
revoked served, and a live link shows exactly the live drops of its workflow.
Time moves through the injectable clock (no sleeping).
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from qldrops.errors import AccessDenied, LinkExpired, LinkRevoked, NotFound

WORKSPACES = ("acme", "beta")
WORKFLOWS = ("wf-a", "wf-b")


def _machine(store, clock, stores):
    class Sharing(RuleBasedStateMachine):
        drops = Bundle("drops")
        links = Bundle("links")

        @initialize(target=drops)
        def setup(self):
            self.tag = uuid.uuid4().hex[:8]  # examples share one database: keep their workflows apart
            self.live_drops: dict[int, tuple[str, str]] = {}  # id -> (workspace, workflow)
            self.links_model: dict[int, dict] = {}
            # One drop per workspace and workflow to start with, so that sharing has something to share.
            return multiple(*(self.create(ws, wf) for ws in WORKSPACES for wf in WORKFLOWS))

        def wf(self, name: str) -> str:
            return f"{name}-{self.tag}"

        @rule(target=drops, ws=st.sampled_from(WORKSPACES), wf=st.sampled_from(WORKFLOWS))
        def create(self, ws, wf):
            d = stores[ws].put(workflow_id=self.wf(wf), drop_type="code_generation", artifact=f"# {ws} {wf}")
            self.live_drops[d.id] = (ws, self.wf(wf))
            return d.id

        @rule(target=links, ws=st.sampled_from(WORKSPACES), wf=st.sampled_from(WORKFLOWS),
              minutes=st.integers(1, 600))
        def share(self, ws, wf, minutes):
            has_live = any(v == (ws, self.wf(wf)) for v in self.live_drops.values())
            try:
                p = stores[ws].previews.create(workflow_id=self.wf(wf), ttl=minutes * 60)
            except NotFound:
                assert not has_live
                return None
            assert has_live
            self.links_model[p.id] = {"cap": p.capability, "ws": ws, "wf": self.wf(wf),
                                      "expires": p.expires_at, "revoked": False}
            return p.id

        @rule(minutes=st.integers(1, 120))
        def expire(self, minutes):
            clock.advance(minutes=minutes)

        @rule(pid=links, by=st.sampled_from(WORKSPACES))
        def revoke(self, pid, by):
            if pid is None:
                return
            m = self.links_model[pid]
            if by != m["ws"]:
                with pytest.raises(NotFound):  # another workspace cannot even see it
                    stores[by].previews.revoke(pid)
                return
            stores[by].previews.revoke(pid)
            m["revoked"] = True

        @rule(did=drops)
        def delete(self, did):
            if did not in self.live_drops:
                return
            ws, _ = self.live_drops.pop(did)
            stores[ws].delete(did)

        @rule(did=drops, by=st.sampled_from(WORKSPACES))
        def cross_read(self, did, by):
            owner = self.live_drops.get(did, (None,))[0]
            if owner is None or owner == by:
                return
            with pytest.raises((NotFound, AccessDenied)):
                stores[by].get(did)

        @rule(pid=links)
        def open_link(self, pid):
            if pid is not None:
                self._open(self.links_model[pid])

        @rule()
        def open_newest(self):
            if self.links_model:
                self._open(self.links_model[max(self.links_model)])

        def _open(self, m):
            if m["revoked"]:
                with pytest.raises(LinkRevoked):
                    store.previews.open(m["cap"])
            elif clock.now >= m["expires"]:
                with pytest.raises(LinkExpired):
                    store.previews.open(m["cap"])
            else:
                view = store.previews.open(m["cap"], client="10.0.0.1")
                served = view.drops()
                expected = {d for d, v in self.live_drops.items() if v == (m["ws"], m["wf"])}
                assert {d.id for d in served} == expected
                assert {d.workspace for d in served} <= {m["ws"]}

        @invariant()
        def nothing_dead_is_served(self):
            for m in getattr(self, "links_model", {}).values():
                dead = m["revoked"] or clock.now >= m["expires"]
                if dead:
                    with pytest.raises((LinkExpired, LinkRevoked)):
                        store.previews.check(m["cap"])

    return Sharing


def test_sharing_state_machine(store, clock, open_as):
    stores = {}
    for ws in WORKSPACES:
        store.workspaces.create(ws)
        user = store.users.create(f"ed-{ws}", workspace=ws, role="editor")
        stores[ws] = open_as(store.tokens.issue(user))
    machine = _machine(store, clock, stores)
    run_state_machine_as_test(machine, settings=settings(
        max_examples=30, stateful_step_count=40, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
