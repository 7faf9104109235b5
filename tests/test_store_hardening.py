"""Hardening (issue 14): races, what a write returns, hostile input, metadata filters, a full disk.

Every test here runs on both backends (the contract suite) unless it names one.
"""

from __future__ import annotations

import threading

import pytest

from qldrops import errors


# ---------------------------------------------------------------------- concurrent forks
def test_concurrent_forks_to_one_new_name_exactly_one_wins(store, make_store):
    for i in range(3):
        store.put(workflow_id="wf", drop_type="documentation", artifact=f"step {i}")
    racers = [make_store(store.url) for _ in range(6)]
    barrier = threading.Barrier(len(racers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(s):
        barrier.wait()
        try:
            s.fork_workflow("wf", "wf-b")
            result = "won"
        except errors.Conflict:
            result = "conflict"
        except Exception as e:  # noqa: BLE001 - reported as a failure below
            result = f"unexpected {type(e).__name__}: {e}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=race, args=(s,)) for s in racers]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["won"]
    assert len(store.list(workflow_id="wf-b")) == 3
