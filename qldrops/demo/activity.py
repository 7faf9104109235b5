"""Deterministic demo *activity*: analytics events and a few real sandbox runs.

The demo corpus (:mod:`qldrops.demo`) holds drops but no usage, so the analytics
dashboard would open on empty charts. :func:`simulate` writes a month of
plausible usage (views, edits, executes, downloads by ~40 viewers, popular
workflows viewed more, quieter weekends, a slow upward trend) through the
previews package's own event validation, in one transaction, each event with an
idempotency key: a second call records nothing new.

:func:`run_samples` runs the demo's runnable code drops once each in the real
sandbox (``store.run``), so the execution history is real, not invented.

    from qldrops.demo import activity
    activity.simulate(store)        # -> number of events written (0 the second time)
    activity.run_samples(store)     # -> number of runs made (0 the second time)
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
from typing import Any

import sqlalchemy as sa

from ..errors import ValidationError
from ..previews.auth import principal_of, require
from ..previews.events import event_values
from ..store import schema as t
from ..store.db import insert_ignore
from .corpus import ANALYSTS

log = logging.getLogger(__name__)

#: Every simulated event carries this in its metadata (and its key starts with it).
SOURCE = "demo-activity"
#: The actor recorded on :func:`run_samples` runs (how a second call knows what already ran).
RUN_ACTOR = "demo-activity"

_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Edg/131.0",
)


def _viewers(rng: random.Random, n: int = 40) -> list[dict[str, Any]]:
    """Analysts (named actors, they edit and run) and stakeholders (anonymous browsers, they mostly look)."""
    people = [{"actor": a, "client": f"10.20.0.{10 + i}", "agent": _AGENTS[i % len(_AGENTS)], "edit": 0.5}
              for i, a in enumerate(ANALYSTS)]
    for i in range(n - len(people)):
        # A third of the stakeholders tweak a prompt or a file now and then; the rest only look.
        people.append({"actor": None, "client": f"192.168.{rng.randint(1, 9)}.{rng.randint(2, 250)}",
                       "agent": rng.choice(_AGENTS), "edit": 0.12 if i % 3 == 0 else 0.0})
    return people


def _plan(workflows: list[str], code_drops: dict[str, list[int]], *, days: int, seed: int,
          now: dt.datetime) -> list[dict[str, Any]]:
    """The events to write, oldest first: plain dicts of ``Events.record`` arguments plus a time."""
    rng = random.Random(f"qldrops-activity:{seed}")
    viewers = _viewers(rng)
    # Zipf-like popularity: a few workflows get most of the attention.
    order = sorted(workflows, key=lambda w: random.Random(f"{seed}:{w}").random())
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(order))]
    start = (now - dt.timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    events: list[dict[str, Any]] = []
    for day in range(days):
        date = start + dt.timedelta(days=day)
        weekend = date.weekday() >= 5
        sessions = int(rng.gauss(14 + 10 * day / max(1, days), 3) * (0.35 if weekend else 1.0))
        for s in range(max(0, sessions)):
            who = rng.choice(viewers)
            wf = rng.choices(order, weights=weights)[0]
            at = date + dt.timedelta(hours=rng.choice((8, 9, 10, 11, 13, 14, 15, 16, 17)), minutes=rng.randint(0, 59),
                                     seconds=rng.randint(0, 59))
            if at >= now:
                continue
            base = {"workflow_id": wf, "actor": who["actor"], "client": who["client"], "user_agent": who["agent"],
                    "key": f"{SOURCE}:{seed}:{day}:{s}"}
            views = 1 + (rng.random() < 0.3)
            for v in range(views):
                events.append({**base, "event_type": "view", "at": at + dt.timedelta(minutes=3 * v),
                               "duration_ms": round(math.exp(rng.gauss(10.3, 0.8)), 1), "n": f"v{v}"})
            drops: list[int | None] = [*code_drops.get(wf, [])] or [None]
            edits = rng.random() < who["edit"]
            if edits:
                events.append({**base, "event_type": "edit", "at": at + dt.timedelta(minutes=7),
                               "duration_ms": round(math.exp(rng.gauss(11.2, 0.6)), 1), "n": "e",
                               "drop_id": rng.choice(drops)})
            if (edits and rng.random() < 0.6) or rng.random() < 0.03:
                # The run's outcome from its own generator: the rest of the plan stays as it was.
                ok = random.Random(f"{base['key']}:x").random() < 0.85
                events.append({**base, "event_type": "execute", "at": at + dt.timedelta(minutes=9),
                               "duration_ms": round(math.exp(rng.gauss(6.5, 0.7)), 1), "n": "x",
                               "drop_id": rng.choice(drops), "status": "ok" if ok else "error"})
            if rng.random() < 0.18:
                events.append({**base, "event_type": "download", "at": at + dt.timedelta(minutes=11),
                               "duration_ms": round(math.exp(rng.gauss(5.5, 0.5)), 1), "n": "d"})
    events.sort(key=lambda e: (e["at"], e["key"], e["n"]))
    return events


def simulate(store: Any, days: int = 30, seed: int = 0, *, now: dt.datetime | None = None) -> int:
    """Write ``days`` of demo usage events for the workflows in ``store``; return how many were new.

    Deterministic for a given ``seed``, store content and ``now`` (default: the
    store's clock, rounded down to the hour). Idempotent: events carry keys
    ``demo-activity:<seed>:<day>:<n>``, so calling again writes nothing (and
    returns 0). Nothing is written when the store holds no workflows.
    """
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
        raise ValidationError(f"days must be an integer from 1 to 366, not {days!r}")
    workspace = store.workspace
    require(principal_of(store), "events.record", workspace, store=store)
    now = (now or store.now()).replace(minute=0, second=0, microsecond=0)
    workflows = sorted(w["workflow_id"] for w in store.workflows())
    if not workflows:
        log.info("no workflows in workspace %r: no activity to simulate", workspace)
        return 0
    code: dict[str, list[int]] = {}
    for d in store.list(drop_type="code_generation"):
        code.setdefault(d.workflow_id, []).append(d.id)
    plan = _plan(workflows, code, days=days, seed=seed, now=now)
    rows = []
    for e in plan:
        row = event_values(store, None, e["event_type"], now=e["at"], user_agent=e["user_agent"],
                           client=e["client"], actor=e["actor"], idempotency_key=f"{e['key']}:{e['n']}",
                           duration_ms=e["duration_ms"], drop_id=e.get("drop_id"),
                           metadata={"source": SOURCE, **({"status": e["status"]} if "status" in e else {})},
                           workspace=workspace, workflow_id=e["workflow_id"])
        rows.append(row)
    keys = [r["idempotency_key"] for r in rows]
    with store.transaction() as conn:
        known: set[str] = set()
        for i in range(0, len(keys), 500):
            known.update(conn.execute(sa.select(t.events.c.idempotency_key)
                                      .where(t.events.c.idempotency_key.in_(keys[i:i + 500]))).scalars())
        new = [r for r in rows if r["idempotency_key"] not in known]
        if new:
            # a second writer racing us on the same keys must not fail the batch: its rows win
            conn.execute(insert_ignore(store.dialect, t.events, index_elements=["idempotency_key"]), new)
    log.info("simulated %d demo events (%d already present) in workspace %r", len(new), len(rows) - len(new),
             workspace)
    return len(new)


def runnable_drops(store: Any) -> list[Any]:
    """Code drops the demo marks as runnable as they are (one file that prints something)."""
    return [d for d in store.list(drop_type="code_generation") if "runnable" in ((d.metadata or {}).get("tags") or [])]


def run_samples(store: Any, *, limit: int | None = None) -> int:
    """Run each runnable demo drop once in the sandbox (``store.run``); return how many runs were made.

    Drops already run by this function (actor ``demo-activity``) are skipped, so a
    second call makes no runs. A run that fails is still a real, recorded run.
    Raises :class:`~qldrops.errors.SandboxError` if the sandbox cannot start.
    """
    done = {e.drop_id for e in store.executions(limit=100_000) if e.actor == RUN_ACTOR}
    todo = [d for d in runnable_drops(store) if d.id not in done]
    if limit is not None:
        todo = todo[:limit]
    for d in todo:
        result = store.run(d.id, actor=RUN_ACTOR)
        log.info("demo run of drop %s (%s): %s", d.id, d.workflow_id, result.status)
    return len(todo)
