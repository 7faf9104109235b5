"""``store.similar``: nearest drops, every answer checked against the database.

Invariant 3: the index proposes, the database decides. A candidate is returned only
if, in the database, it is alive, in this workspace, matches the filters, and its
current content hash is the one its vector was made from (so a superseded version
is never shown, even from a stale index).

Filters never return fewer than k answers when k exist: a selective filter is
applied first in SQL and the (few) matching vectors are searched exactly; a broad
one widens the index candidate set until k answers pass or the index is exhausted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import numpy as np
import sqlalchemy as sa

from ..errors import Deleted, NotFound, ValidationError
from ..store import schema as t
from .embstore import ensure_vectors, from_bytes, load_vectors, stack_vectors
from .results import SimilarDrop, SimilarList

log = logging.getLogger(__name__)

FILTER_FIRST_MAX = 2000  # at most this many matching drops: exact search over their DB vectors
_COLS = [t.drops.c.id, t.drops.c.workflow_id, t.drops.c.drop_type, t.drops.c.version, t.drops.c.content_hash,
         t.drops.c.metadata, t.drops.c.created_at, t.drops.c.updated_at, t.drops.c.capsule_id]


def check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, int):
        raise ValidationError(f"k must be a positive integer, not {k!r}")
    if k < 1:
        raise ValidationError(f"k must be at least 1, not {k}", hint="ask for k=10 to see the ten nearest drops")
    return k


def query_for_drop(manager, drop_id: Any) -> tuple[np.ndarray, int]:
    """The current vector of a live drop of this workspace (NotFound / Deleted otherwise)."""
    store = manager.store
    if isinstance(drop_id, bool) or not isinstance(drop_id, (int, np.integer)):
        raise ValidationError(f"a drop id is a positive integer, not {drop_id!r}")
    drop_id = int(drop_id)
    d = t.drops.c
    with store.reading() as conn:
        row = conn.execute(sa.select(d.id, d.content_hash, d.deleted_at).where(
            d.id == drop_id, d.workspace == store.workspace)).first()
    if row is None:
        raise NotFound(f"drop {drop_id} does not exist in workspace {store.workspace!r}",
                       hint="check the id with `qldrops list`")
    if row.deleted_at is not None:
        raise Deleted(f"drop {drop_id} is deleted", hint=f"restore it with store.restore({drop_id}) first")
    vec = ensure_vectors(store, manager.embedder, [row.content_hash]).get(row.content_hash)
    if vec is None:
        raise ValidationError(f"drop {drop_id} has a blank artifact: there is nothing to compare",
                              hint="put some content in it, or query by text")
    return vec, drop_id


def _filters(store, filters: dict) -> list:
    """The store's own filter clauses (same meaning as ``store.list``), alive drops only."""
    return store._filters(filters.get("workflow_id"), filters.get("drop_type"), filters.get("metadata"),
                          filters.get("capsule_id"), filters.get("created_by"), filters.get("since"),
                          filters.get("until"), False)


_d = t.drops.c


class _Row:
    """A drops row from the driver (``fastget.ALIVE_FIELDS``), converted the way the SQLAlchemy types would."""

    __slots__ = (
        "capsule_id",
        "content_hash",
        "created_at",
        "drop_type",
        "id",
        "metadata",
        "updated_at",
        "version",
        "workflow_id",
    )

    def __init__(self, raw, sqlite: bool):
        (self.id, self.workflow_id, self.drop_type, self.version, self.content_hash, meta, created,
         updated, self.capsule_id) = raw[:9]
        if sqlite:
            self.metadata = json.loads(meta) if isinstance(meta, str) else meta
            self.created_at, self.updated_at = _utc(created), _utc(updated)
        else:
            self.metadata, self.created_at, self.updated_at = meta, _utc(created), _utc(updated)


def _utc(value):
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None:
        value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return value


def _check(manager, ids: list[int], conds: list | None, *, vectors: bool = False
           ) -> tuple[dict[int, Any], dict[int, np.ndarray]]:
    """The candidates the database confirms (alive, this workspace, filters, same content as the
    vector the index holds), and with ``vectors`` their stored vectors, in one read.

    Without filters this is one statement on the store's raw-driver connection (no pool
    checkout, no SQLAlchemy row processing: that machinery cost more than the lookup); rows stay
    driver tuples until they become answers (:func:`_hit`), so rejected and surplus candidates
    cost no conversion.
    """
    if not ids:
        return {}, {}
    store, id_map = manager.store, manager.id_map
    model_id = manager.embedder.model_id if vectors else None
    raw = store.alive_rows(ids, model_id=model_id) if conds is None else None
    if raw is not None:
        ok = {r[0]: r for r in raw if id_map.get(r[0]) == r[4]}
        vecs = {i: v for i, r in ok.items() if (v := _vector(r[9], manager.embedder.dim)) is not None} \
            if vectors else {}
        return ok, vecs
    cond = sa.and_(*(conds if conds is not None else [_d.workspace == store.workspace, _d.deleted_at.is_(None)]))
    if store.dialect == "sqlite":
        cond = sa.func.coalesce(cond, sa.false())
    with store.reading() as conn:
        rows = conn.execute(sa.select(*_COLS).where(_d.id.in_(ids), cond)).all()
        ok = {r.id: r for r in rows if id_map.get(r.id) == r.content_hash}
        stored = load_vectors(conn, manager.embedder.model_id, manager.embedder.dim,
                              [r.content_hash for r in ok.values()]) if vectors else {}
    vecs = {i: v for i, r in ok.items() if (v := stored.get(r.content_hash)) is not None}
    return ok, vecs


def _vector(data, dim: int) -> np.ndarray | None:
    return from_bytes(bytes(data), dim) if data else None


def check_filters(filters: dict) -> None:
    unknown = set(filters) - {"workflow_id", "drop_type", "metadata", "capsule_id", "created_by", "since", "until"}
    if unknown:
        raise ValidationError(f"unknown filter(s): {', '.join(sorted(unknown))}",
                              hint="filters: workflow_id, drop_type, metadata, capsule_id, created_by, since, until")


def similar(manager, query: Any, k: int = 10, *, sync: bool = True, **filters) -> SimilarList:
    """Drops most like ``query`` (a drop id or a text), best first, with cosine scores."""
    k = check_k(k)
    check_filters(filters)
    filters = {key: v for key, v in filters.items() if v is not None}
    if sync:
        manager.sync_if_changed()  # applies stored vectors only: never runs the model for pending writes
    elif manager.backend is None:
        manager.open()
    if isinstance(query, str):
        vec, exclude, label = manager.query_vector(query), None, query
    else:
        vec, exclude = query_for_drop(manager, query)
        label = f"drop {exclude}"
    res = similar_vector(manager, vec, k, exclude=exclude, label=label, **filters)
    res.lag = len(manager.pending) if sync else manager.lag
    return res


def check_vector(manager, vector: Any, model_id: str | None) -> np.ndarray:
    """A caller's query vector, checked against the index's model and dimension, L2-normalised."""
    want = manager.embedder.model_id
    if model_id is not None and model_id != want:
        raise ValidationError(f"the vector was made with model {model_id!r} but this index uses {want!r}",
                              hint=f"embed the query with {want!r}, or query by text")
    try:
        vec = np.asarray(vector, dtype=np.float32)
    except (TypeError, ValueError):
        raise ValidationError(f"a query vector is a sequence of numbers, not {type(vector).__name__}") from None
    dim = manager.embedder.dim
    if vec.ndim != 1 or vec.shape[0] != dim:
        raise ValidationError(f"the query vector has shape {vec.shape} but this index holds {dim}-dimensional "
                              f"vectors ({want})", hint=f"pass one vector of length {dim}")
    norm = float(np.linalg.norm(vec))
    if not np.isfinite(norm) or norm == 0.0:
        raise ValidationError("the query vector is zero or not finite", hint="pass a vector from the same model")
    return vec / norm


def similar_vector(manager, vec: np.ndarray, k: int, *, exclude: int | None = None, label: str = "vector",
                   **filters) -> SimilarList:
    """The checked nearest drops to a query vector (the index must be open; no sync here)."""
    store = manager.store
    filters = {key: v for key, v in filters.items() if v is not None}
    conds = _filters(store, filters) if filters else None
    with manager._lock:
        if filters:
            hits = _filter_first(manager, vec, k, conds, exclude)
            if hits is not None:
                return SimilarList(hits, store=store, query=label)
        hits = _widening(manager, vec, k, conds, exclude, selectivity=_selectivity(manager, conds) if filters else 1)
    return SimilarList(hits, store=store, query=label)


def _selectivity(manager, conds) -> float:
    with manager.store.reading() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(t.drops).where(*conds)).scalar() or 0
    return max(n, 1) / max(len(manager.id_map), 1)


def _filter_first(manager, vec, k, conds, exclude) -> list[SimilarDrop] | None:
    """Few drops match: search exactly over their vectors from the database. None if too many."""
    store = manager.store
    with store.reading() as conn:
        rows = conn.execute(sa.select(*_COLS).where(*conds).limit(FILTER_FIRST_MAX + 1)).all()
        if len(rows) > FILTER_FIRST_MAX:
            return None
        rows = [r for r in rows if r.id != exclude]
        vecs = load_vectors(conn, manager.embedder.model_id, manager.embedder.dim, {r.content_hash for r in rows})
    # Drops whose content is not embedded yet are left to the indexer (they count in ``lag``).
    rows = [r for r in rows if vecs.get(r.content_hash) is not None]
    if not rows:
        return []
    matrix = stack_vectors(vecs, (r.content_hash for r in rows))
    scores = matrix @ np.asarray(vec, dtype=np.float32)
    order = np.argsort(-scores, kind="stable")[:k]
    return [_hit(rows[i], float(scores[i])) for i in order]


def _widening(manager, vec, k, conds, exclude, *, selectivity: float = 1.0) -> list[SimilarDrop]:
    """Ask the index for a few more candidates than wanted, keep those the database confirms;
    ask for 4x more while too few pass. An index with approximate scores (IVF-PQ) is asked for
    ``rerank`` x as many, re-ranked by the exact vectors read with the check."""
    backend = manager.backend
    total = len(backend)
    want = k + (1 if exclude is not None else 0)
    fetch = want + 2 if conds is None else max(want + 2, int(want / max(selectivity, 1e-6) * 1.5) + 2)
    rerank = int(getattr(backend, "rerank", 0))
    fetch = min(total, fetch * max(rerank, 1))
    q = np.asarray(vec, dtype=np.float32)
    sqlite = manager.store.dialect == "sqlite"
    while True:
        if fetch <= 0:
            return []
        scores, ids = backend.search(q, fetch)
        keep = ids[0] >= 0
        if exclude is not None:
            keep &= ids[0] != exclude
        cand_ids, cand_scores = ids[0][keep].tolist(), scores[0][keep].tolist()
        ok, vecs = _check(manager, cand_ids, conds, vectors=bool(rerank))
        pairs = [(i, s) for i, s in zip(cand_ids, cand_scores) if i in ok]
        if rerank and pairs:
            pairs = _rerank(pairs, vecs, q)
        if len(pairs) >= k or fetch >= total:
            return [_hit(ok[i], s, sqlite) for i, s in pairs[:k]]
        fetch = min(total, fetch * 4)


def _rerank(pairs: list[tuple[int, float]], vecs: dict[int, np.ndarray], q: np.ndarray) -> list[tuple[int, float]]:
    """Exact cosine for every candidate with a stored vector (all of them, unless purged meanwhile), best first."""
    have = [i for i, _ in pairs if i in vecs]
    exact = dict(zip(have, (np.vstack([vecs[i] for i in have]) @ q).tolist())) if have else {}
    rescored = [(i, exact.get(i, s)) for i, s in pairs]
    rescored.sort(key=lambda p: -p[1])
    return rescored


def _hit(row, score: float, sqlite: bool = False) -> SimilarDrop:
    if isinstance(row, tuple):  # a driver row from the fast check: converted only now it is an answer
        row = _Row(row, sqlite)
    return SimilarDrop(id=int(row.id), score=score, workflow_id=row.workflow_id, drop_type=row.drop_type,
                       version=row.version, content_hash=row.content_hash, metadata=row.metadata,
                       created_at=row.created_at, updated_at=row.updated_at, capsule_id=row.capsule_id)
