"""Near-duplicates in three layers, each answer labelled with the method that found it.

1. ``exact``     same content hash (score 1.0).
2. ``lexical``   same text after normalising case and white space (score 1.0), or
                 MinHash LSH over word 3-shingles (character 5-shingles for short texts),
                 scored by the exact Jaccard similarity of the candidates' shingle sets.
3. ``semantic``  cosine similarity of the embeddings at or above ``threshold``.

A pair found by an earlier layer is not repeated by a later one. Pairs are joined
into groups (connected components), each listing the methods that linked it.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa

from ..errors import DependencyMissing, ValidationError
from ..store import schema as t
from ..store.models import Listing
from .embstore import ensure_vectors, stack_vectors
from .vectors import faiss_module

log = logging.getLogger(__name__)

METHODS = ("exact", "lexical", "semantic")
MAX_SHINGLE_CHARS = 200_000
NUM_PERM = 128


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    a: int
    b: int
    method: str
    score: float
    group: int = -1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    group: int
    ids: list[int]
    methods: list[str]
    max_score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class NearDuplicates(Listing[DuplicatePair]):
    """The pairs (this list, ``.to_frame()``) and the groups they form (``.groups``)."""

    columns = ("group", "a", "b", "method", "score")

    def __init__(self, pairs, groups):
        super().__init__(pairs)
        self.groups = Listing(groups, columns=("group", "ids", "methods", "max_score"))

    def __repr__(self) -> str:
        by: dict[str, int] = defaultdict(int)
        for p in self:
            by[p.method] += 1
        return f"<NearDuplicates {len(self)} pairs in {len(self.groups)} groups {dict(by)}>"


def shingles(text: str) -> set[str]:
    text = text[:MAX_SHINGLE_CHARS].lower()
    words = re.findall(r"\w+", text)
    if len(words) >= 8:
        return {" ".join(words[i:i + 3]) for i in range(len(words) - 2)}
    flat = " ".join(text.split())
    return {flat[i:i + 5] for i in range(max(1, len(flat) - 4))}


def _check_threshold(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ValidationError(f"{name} must be a number in (0, 1], not {value!r}")
    return float(value)


def near_duplicates(manager, *, threshold: float = 0.95, lexical_threshold: float = 0.8,
                    methods=METHODS, workflow_id: str | None = None, drop_type: str | None = None
                    ) -> NearDuplicates:
    threshold = _check_threshold("threshold", threshold)
    lexical_threshold = _check_threshold("lexical_threshold", lexical_threshold)
    bad = set(methods) - set(METHODS)
    if bad:
        raise ValidationError(f"unknown method(s) {sorted(bad)}", hint=f"choose from {', '.join(METHODS)}")
    store = manager.store
    conds = store._filters(workflow_id, drop_type, None, None, None, None, None, False)
    with store.reading() as conn:
        rows = conn.execute(sa.select(t.drops.c.id, t.drops.c.content_hash).where(*conds)
                            .order_by(t.drops.c.id)).all()
    by_hash: dict[str, list[int]] = defaultdict(list)
    for drop_id, h in rows:
        by_hash[h].append(int(drop_id))
    rep = {h: ids[0] for h, ids in by_hash.items()}  # lowest id stands for its content
    pairs: list[DuplicatePair] = []
    seen: set[tuple[str, str]] = set()

    if "exact" in methods:
        for h, ids in by_hash.items():
            pairs += [DuplicatePair(ids[0], other, "exact", 1.0) for other in ids[1:]]
    hashes = list(by_hash)
    if "lexical" in methods and len(hashes) > 1:
        for h1, h2, score in _lexical(store, hashes, lexical_threshold):
            seen.add((h1, h2))
            a, b = sorted((rep[h1], rep[h2]))
            pairs.append(DuplicatePair(a, b, "lexical", round(score, 4)))
    if "semantic" in methods and len(hashes) > 1:
        for h1, h2, score in _semantic(manager, hashes, threshold):
            if (h1, h2) not in seen:
                a, b = sorted((rep[h1], rep[h2]))
                pairs.append(DuplicatePair(a, b, "semantic", round(score, 4)))
    return _grouped(pairs)


def _lexical(store, hashes: list[str], threshold: float):
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        raise DependencyMissing("datasketch", "lexical near-duplicates", extra="index") from None
    sets: dict[str, set[str]] = {}
    norm: dict[str, list[str]] = defaultdict(list)
    texts = store.read_artifacts(hashes)  # one read per 500, not one per artifact
    for h in hashes:
        text = texts.get(h, "")  # purged meanwhile: nothing to compare
        if not text.strip():
            continue
        norm[" ".join(text.lower().split())].append(h)
        sets[h] = shingles(text)
    out: list[tuple[str, str, float]] = []
    for group in norm.values():  # equal up to case and white space
        out += [(min(group[0], other), max(group[0], other), 1.0) for other in group[1:]]
    equal = {frozenset(p[:2]) for p in out}
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    minhashes = {}
    for h, sh in sets.items():
        m = MinHash(num_perm=NUM_PERM, seed=1)
        m.update_batch([s.encode("utf-8", "surrogatepass") for s in sh])
        minhashes[h] = m
        lsh.insert(h, m)
    for h, m in minhashes.items():
        for other in lsh.query(m):
            if other <= h or frozenset((h, other)) in equal:
                continue
            a, b = sets[h], sets[other]
            score = len(a & b) / max(1, len(a | b))
            if score >= threshold:
                out.append((*sorted((h, other)), score))
    return out


def _semantic(manager, hashes: list[str], threshold: float, k: int = 10):
    vecs = ensure_vectors(manager.store, manager.embedder, hashes)
    have = [h for h in hashes if vecs.get(h) is not None]
    if len(have) < 2:
        return []
    faiss = faiss_module()
    matrix = stack_vectors(vecs, have)
    index = faiss.IndexFlatIP(matrix.shape[1])
    index.add(matrix)
    out = []
    for s in range(0, len(have), 4096):
        scores, idx = index.search(matrix[s:s + 4096], min(k + 1, len(have)))
        for row, (sc, ix) in enumerate(zip(scores, idx)):
            i = s + row
            for score, j in zip(sc, ix):
                if j > i and score >= threshold - 1e-6:
                    out.append((*sorted((have[i], have[j])), min(1.0, float(score))))
    return out


def _grouped(pairs: list[DuplicatePair]) -> NearDuplicates:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        parent[find(p.a)] = find(p.b)
    comps: dict[int, list[int]] = defaultdict(list)
    for x in list(parent):
        comps[find(x)].append(x)
    order = sorted(comps.values(), key=lambda ids: (-len(ids), min(ids)))
    group_of = {x: g for g, ids in enumerate(order) for x in ids}
    labelled = [DuplicatePair(p.a, p.b, p.method, p.score, group_of[p.a]) for p in pairs]
    labelled.sort(key=lambda p: (p.group, METHODS.index(p.method), -p.score, p.a, p.b))
    groups = []
    for g, ids in enumerate(order):
        mine = [p for p in labelled if p.group == g]
        groups.append(DuplicateGroup(g, sorted(ids), sorted({p.method for p in mine}, key=METHODS.index),
                                     max((p.score for p in mine), default=1.0)))
    return NearDuplicates(labelled, groups)
