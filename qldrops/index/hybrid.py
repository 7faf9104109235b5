"""``store.search(text, mode=...)``: full text and vectors fused, forks collapsed, no filler.

* **Fusion**: reciprocal rank fusion (Cormack et al., 2009): a drop's score is the sum of
  ``1 / (RRF_K + rank)`` over the rankings it appears in (full text, vectors). Ranks, not raw
  scores, are fused, so BM25 / ts_rank and cosines need no common scale.
* **No filler**: a drop is a candidate when the full text matches its words, or when its cosine
  similarity reaches ``min_similarity``. Nonsense text matches no word and is near nothing, so
  the answer is empty and :attr:`SearchResults.close` is False ("no close match").
* **Forks collapsed**: a drop copied by ``fork_workflow`` (``forked_from``, followed to the
  original) is folded into the best-ranked drop of its lineage; :attr:`SearchMatch.forks` lists
  the folded ids (the page says "+1 fork").

Both rankings are checked against the database by the layers that produce them (invariant 3:
``similar`` checks the index's proposals; the full text reads the database itself).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..errors import ValidationError
from ..store import schema as t
from ..store.models import Listing
from .query import check_k, similar

MODES = ("hybrid", "semantic", "text")
RRF_K = 60           # the constant of the RRF paper; small changes barely move the order
DEPTH = 50           # how deep each ranking is read before fusing
MIN_SIMILARITY = 0.3  # cosine under which a drop no full-text match supports is not shown (see benchmarks)
_FILTERS = ("workflow_id", "drop_type", "metadata", "since", "until")


@dataclass(frozen=True, slots=True)
class SearchMatch:
    """One answer of ``store.search(..., mode=...)``.

    ``score`` is the fused score (higher is better; only the order means something);
    ``similarity`` the cosine to the query (None when not among the vector candidates);
    ``text_rank`` / ``semantic_rank`` the 1-based rank in each list (None: absent);
    ``forks`` the ids of fork copies folded into this answer.
    """

    id: int
    score: float
    workflow_id: str
    drop_type: str
    version: int
    content_hash: str
    metadata: dict[str, Any]
    updated_at: dt.datetime
    similarity: float | None = None
    text_rank: int | None = None
    semantic_rank: int | None = None
    forks: tuple[int, ...] = ()

    @property
    def matched(self) -> str:
        """'words', 'meaning' or 'words + meaning': what found this answer."""
        parts = [name for name, rank in (("words", self.text_rank), ("meaning", self.semantic_rank)) if rank]
        return " + ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def __repr__(self) -> str:
        more = f" +{len(self.forks)} fork{'s' if len(self.forks) > 1 else ''}" if self.forks else ""
        return f"<SearchMatch {self.id} {self.matched} {self.drop_type} {self.workflow_id!r}{more}>"


class SearchResults(Listing[SearchMatch]):
    """Answers, best first; empty when nothing is close (``close`` False). ``.drops()`` fetches them."""

    columns = ("id", "score", "similarity", "text_rank", "semantic_rank", "forks", "drop_type", "workflow_id",
               "version", "updated_at", "content_hash", "metadata")

    def __init__(self, items=(), store=None, query: str = "", mode: str = "hybrid"):
        super().__init__(items)
        self._store = store
        self.query = query
        self.mode = mode

    @property
    def close(self) -> bool:
        return len(self) > 0

    @property
    def ids(self) -> list[int]:
        return [m.id for m in self]

    def drops(self):
        return self._store.get_many(self.ids) if self._store is not None else []


def fuse(rankings: list[list[int]], k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion of ranked id lists (best first): id -> sum of 1 / (k + rank)."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, i in enumerate(ranking, start=1):
            scores[i] = scores.get(i, 0.0) + 1.0 / (k + rank)
    return scores


def search(manager, text: Any, k: int = 10, *, mode: str = "hybrid", min_similarity: float | None = None,
           collapse_forks: bool = True, sync: bool = True, **filters: Any) -> SearchResults:
    """The ``k`` drops best matching ``text`` by full text, by meaning, or both fused (``mode``)."""
    k = check_k(k)
    if mode not in MODES:
        raise ValidationError(f"unknown search mode {mode!r}", hint="use mode='hybrid', 'semantic' or 'text'")
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("search text is empty", hint="give one or more words, e.g. 'jwt refresh token'")
    unknown = set(filters) - set(_FILTERS)
    if unknown:
        raise ValidationError(f"unknown filter(s): {', '.join(sorted(unknown))}", hint="filters: " + ", ".join(_FILTERS))
    floor = MIN_SIMILARITY if min_similarity is None else float(min_similarity)
    store = manager.store
    depth = max(DEPTH, 2 * k)
    rows: dict[int, dict[str, Any]] = {}
    lists: list[list[int]] = []
    sims: dict[int, float] = {}
    text_ranked: list[int] = []
    if mode in ("hybrid", "text"):
        for hit in store.search(text, limit=depth, **filters):
            d = hit.drop
            rows.setdefault(d.id, {"id": d.id, "workflow_id": d.workflow_id, "drop_type": d.drop_type,
                                   "version": d.version, "content_hash": d.content_hash, "metadata": d.metadata,
                                   "updated_at": d.updated_at})
            text_ranked.append(d.id)
        lists.append(text_ranked)
    semantic_ranked: list[int] = []
    if mode in ("hybrid", "semantic"):
        for s in similar(manager, text, k=depth, sync=sync, **filters):
            sims[s.id] = s.score
            if s.score < floor:  # too far to show on its own; a full-text match may still bring it
                continue
            rows.setdefault(s.id, {"id": s.id, "workflow_id": s.workflow_id, "drop_type": s.drop_type,
                                   "version": s.version, "content_hash": s.content_hash, "metadata": s.metadata,
                                   "updated_at": s.updated_at})
            semantic_ranked.append(s.id)
        lists.append(semantic_ranked)
    scores = fuse(lists)
    trank = {i: r for r, i in enumerate(text_ranked, start=1)}
    srank = {i: r for r, i in enumerate(semantic_ranked, start=1)}
    order = sorted(scores, key=lambda i: (-scores[i], i))
    groups: dict[int, list[int]] = {}
    roots = _roots(store, order) if collapse_forks else {i: i for i in order}
    for i in order:
        groups.setdefault(roots[i], []).append(i)
    found = []
    for root, members in groups.items():
        # The original stands for its lineage when it is among the answers, else the best copy.
        head = root if root in members else members[0]
        found.append(SearchMatch(**rows[head], score=max(scores[m] for m in members), similarity=sims.get(head),
                                 text_rank=trank.get(head), semantic_rank=srank.get(head),
                                 forks=tuple(m for m in members if m != head)))
    found.sort(key=lambda m: (-m.score, m.id))
    return SearchResults(found[:k], store=store, query=text, mode=mode)


def _roots(store, ids: list[int]) -> dict[int, int]:
    """Each drop's lineage root: ``forked_from`` followed to a drop that was not forked (bounded depth)."""
    parent: dict[int, int | None] = {}
    todo = set(ids)
    d = t.drops.c
    with store.reading() as conn:
        for _ in range(16):  # forks of forks of ...: 16 generations is far beyond real use
            if not todo:
                break
            rows = conn.execute(sa.select(d.id, d.forked_from).where(d.id.in_(sorted(todo)),
                                                                     d.workspace == store.workspace)).all()
            for r in rows:
                parent[r.id] = r.forked_from
            todo = {p for p in (r.forked_from for r in rows) if p is not None and p not in parent}
    roots = {}
    for i in ids:
        root, seen = i, set()
        while parent.get(root) is not None and root not in seen:
            seen.add(root)
            root = parent[root]  # type: ignore[assignment]
        roots[i] = root
    return roots
