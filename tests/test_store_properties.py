"""Property-based: random put/update/rollback/delete/restore/fork sequences keep history consistent
and bring every version's content back byte for byte, on both databases."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

from qldrops import errors

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=300)
big_texts = st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=20).filter(lambda s: "\x00" not in s
                      and all(not (0xD800 <= ord(c) <= 0xDFFF) for c in s)), st.integers(1, 200))
contents = st.one_of(texts, big_texts)


def make_machine(store):
    class StoreMachine(RuleBasedStateMachine):
        drops = Bundle("drops")

        def __init__(self):
            super().__init__()
            self.model: dict[int, dict] = {}  # id -> {"versions": [text...], "deleted": bool, "workflow": str}
            self.forks = 0

        @rule(target=drops, text=contents, wf=st.sampled_from(["wf-a", "wf-b"]))
        def put(self, text, wf):
            d = store.put(workflow_id=wf, drop_type="documentation", artifact=text)
            self.model[d.id] = {"versions": [text], "deleted": False, "workflow": wf}
            return d.id

        @rule(drop=drops, text=contents)
        def update(self, drop, text):
            m = self.model.get(drop)
            if m is None:
                return
            if m["deleted"]:
                with pytest.raises(errors.Deleted):
                    store.update(drop, artifact=text)
                return
            d = store.update(drop, artifact=text, expected_version=len(m["versions"]))
            if text != m["versions"][-1]:
                m["versions"].append(text)
            assert d.version == len(m["versions"])

        @rule(drop=drops, data=st.data())
        def rollback(self, drop, data):
            m = self.model.get(drop)
            if m is None or m["deleted"]:
                return
            to = data.draw(st.integers(1, len(m["versions"])))
            d = store.rollback(drop, to_version=to)
            m["versions"].append(m["versions"][to - 1])
            assert d.artifact == m["versions"][-1]

        @rule(drop=drops)
        def delete(self, drop):
            if drop in self.model:
                store.delete(drop)
                self.model[drop]["deleted"] = True

        @rule(drop=drops)
        def restore(self, drop):
            if drop in self.model:
                store.restore(drop)
                self.model[drop]["deleted"] = False

        @precondition(lambda self: self.forks < 3)
        @rule(src=st.sampled_from(["wf-a", "wf-b"]))
        def fork(self, src):
            live = [i for i, m in self.model.items() if m["workflow"] == src and not m["deleted"]]
            self.forks += 1
            target = f"{src}-fork{self.forks}"
            if not live:
                with pytest.raises(errors.NotFound):
                    store.fork_workflow(src, target)
                return
            forked = store.fork_workflow(src, target)
            assert sorted(f.forked_from for f in forked) == sorted(live)
            for f in forked:
                self.model[f.id] = {"versions": [self.model[f.forked_from]["versions"][-1]], "deleted": False,
                                    "workflow": target}

        @invariant()
        def every_version_comes_back(self):
            for drop_id, m in self.model.items():
                hist = store.history(drop_id)
                assert [h.version for h in hist] == list(range(1, len(m["versions"]) + 1))
                for v, text in enumerate(m["versions"], start=1):
                    assert store.get(drop_id, v, include_deleted=True).artifact == text
                if m["deleted"]:
                    with pytest.raises(errors.Deleted):
                        store.get(drop_id)
                else:
                    assert store.get(drop_id).artifact == m["versions"][-1]
            live = {d.id for d in store.list()}
            assert live == {i for i, m in self.model.items() if not m["deleted"]}

    return StoreMachine


def test_store_state_machine(store):
    machine = make_machine(store)
    machine.TestCase.settings = settings(max_examples=12, stateful_step_count=12, deadline=None,
                                         suppress_health_check=list(HealthCheck))
    # Each example starts from an empty store.
    import sqlalchemy as sa

    from qldrops.store import schema as t

    original_init = machine.__init__

    def fresh_init(self):
        with store.transaction() as conn:
            for table in reversed(t.metadata.sorted_tables):
                conn.execute(table.delete())
            if store.dialect == "sqlite":
                conn.execute(sa.text("INSERT INTO drops_fts(drops_fts) VALUES ('delete-all')"))
        original_init(self)

    machine.__init__ = fresh_init
    machine.TestCase().runTest()
