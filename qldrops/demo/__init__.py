"""Deterministic demo corpus: 43 code-generation workflows, their edits and forks.

    import qldrops
    from qldrops import demo
    store = qldrops.connect()
    demo.load(store)            # once; a second call sees the data and does nothing
    demo.records()              # the plan itself: a list of put / update / fork records

Every later feature (similarity, analysis, dashboards) shows this data, so it is
written to look like real pipeline output: seven drop types per workflow, code
in 17 languages, edits that are bug fixes, renames and added functions,
near-duplicate requests from different analysts, exact duplicate files, forks,
and a few planted security and quality problems (see :data:`PLANTED`).
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from .corpus import ANALYSTS, ANCHOR, PLANTED, build

__all__ = ["ANALYSTS", "ANCHOR", "PLANTED", "load", "records", "summarize"]

log = logging.getLogger(__name__)

_PUT_KEYS = ("workflow_id", "drop_type", "artifact", "metadata", "capsule_id", "created_by")


def records(seed: int = 0) -> list[dict]:
    """The demo plan for ``seed``: the same seed always gives the same records.

    Puts come first (in workflow order), then updates and forks in time order.
    See :mod:`qldrops.demo.corpus` for the record format.
    """
    return build(seed)


def summarize(recs: list[dict], *, skipped: bool = False) -> dict:
    """What a plan contains (or what ``load`` wrote): counts per kind, languages, workflows."""
    puts = [r for r in recs if r["op"] == "put"]
    forks = [r for r in recs if r["op"] == "fork"]
    per_wf: dict[str, int] = {}
    for r in puts:
        per_wf[r["workflow_id"]] = per_wf.get(r["workflow_id"], 0) + 1
    copies = sum(per_wf.get(f["src"], 0) for f in forks)
    languages = sorted({r["metadata"]["language"] for r in puts if r["drop_type"] == "code_generation"})
    return {
        "workflows": len(per_wf) + len(forks),
        "forks": len(forks),
        "drops": len(puts) + copies,
        "versions_added": sum(1 for r in recs if r["op"] == "update"),
        "languages": languages,
        "analysts": sorted({r["created_by"] for r in puts}),
        "skipped": skipped,
    }


def _already_loaded(store: Any, recs: list[dict]) -> bool:
    first = recs[0]["workflow_id"]
    present = len(store.list(workflow_id=first, limit=1, include_deleted=True)) > 0
    if present:
        last_fork = next((r["dst"] for r in reversed(recs) if r["op"] == "fork"), None)
        if last_fork and not len(store.list(workflow_id=last_fork, limit=1, include_deleted=True)):
            log.warning("the demo data in this store looks incomplete (workflow %s is missing); "
                        "purge the demo workflows or use a fresh database to reload it", last_fork)
    return present


def _update_kwargs(store: Any) -> set[str]:
    """Which optional arguments this store's ``update`` takes (message / created_by are extras)."""
    try:
        return set(inspect.signature(store.update).parameters)
    except (TypeError, ValueError):
        return set()


def load(store: Any, seed: int = 0, progress: bool = True) -> dict:
    """Write the demo corpus into ``store`` through its public API; return :func:`summarize`.

    One ``put_many`` writes every first version (all or nothing), then each edit is
    an ``update`` and each fork a ``fork_workflow`` followed by the fork's own edits.
    If the store already holds the demo workflows, nothing is written and the
    summary says ``skipped: True``: loading twice never duplicates.
    """
    recs = records(seed)
    if _already_loaded(store, recs):
        log.info("demo data already present in workspace %r; nothing loaded", store.workspace)
        return summarize(recs, skipped=True)

    puts = [r for r in recs if r["op"] == "put"]
    later = [r for r in recs if r["op"] != "put"]
    written = store.put_many([{k: r[k] for k in _PUT_KEYS} for r in puts])
    ids: dict[tuple[str, str], int] = {(r["workflow_id"], r["ref"]): d.id for r, d in zip(puts, written, strict=True)}
    by_capsule = {(r["workflow_id"], r["capsule_id"]): r["ref"] for r in puts}
    extras = _update_kwargs(store)

    from tqdm.auto import tqdm

    for r in tqdm(later, desc="demo edits and forks", disable=not progress, leave=False):
        if r["op"] == "fork":
            _fork(store, r, ids, by_capsule)
            continue
        kwargs: dict[str, Any] = {"artifact": r["artifact"], "metadata": r["metadata"]}
        if "message" in extras:
            kwargs["message"] = r["message"]
        if "created_by" in extras:
            kwargs["created_by"] = r["created_by"]
        store.update(ids[(r["workflow_id"], r["ref"])], **kwargs)
    summary = summarize(recs)
    log.info("loaded the demo corpus: %s", summary)
    return summary


def _fork(store: Any, r: dict, ids: dict[tuple[str, str], int], by_capsule: dict[tuple[str, str], str]) -> None:
    """Fork, then learn the ids of the copies: by ``forked_from``, else by capsule id."""
    src, dst = r["src"], r["dst"]
    store.fork_workflow(src, dst)
    ref_of_id = {i: ref for (wf, ref), i in ids.items() if wf == src}
    for d in store.list(workflow_id=dst):
        ref = ref_of_id.get(d.forked_from) or by_capsule.get((src, d.capsule_id))
        if ref is not None:
            ids[(dst, ref)] = d.id
