"""Topics: k-means (``faiss.Kmeans``, spherical) over the drops' vectors.

Each cluster gets its members, the drops nearest its centroid (representatives)
and a label made of its top terms: words (identifiers split at camelCase and
snake_case) that tell the cluster apart (class-based TF-IDF, :func:`distinctive_terms`).
Results are saved in the table ``clusters`` under one ``run_id`` so dashboards
can read the latest run without recomputing it.
"""

from __future__ import annotations

import logging
import math
import re
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa

from ..errors import ValidationError
from ..store import schema as t
from ..store.models import Listing
from .embstore import ensure_vectors, stack_vectors
from .vectors import faiss_module

log = logging.getLogger(__name__)

TERM_CHARS = 50_000  # per artifact: enough for its vocabulary, bounded for 5 MB files
STOPWORDS = frozenset(["a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can", "could", "do", "does", "each", "for", "from", "get", "has", "have", "how", "if", "in", "into", "is", "it", "its", "may", "more", "most", "must", "new", "no", "not", "of", "on", "one", "or", "other", "our", "out", "over", "should", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "up", "use", "used", "using", "was", "we", "were", "what", "when", "which", "while", "will", "with", "would", "you", "your", "self", "none", "true", "false", "null", "return", "def", "class", "import", "from", "function", "var", "let", "const", "int", "str", "string", "void", "public", "private", "static", "new", "else", "elif", "try", "except", "catch", "finally", "raise", "throw", "async", "await", "yield", "lambda", "pass", "break", "continue", "for", "while", "print", "println", "printf", "len", "range", "type", "http", "https", "www", "com", "org"])


@dataclass(frozen=True, slots=True)
class Cluster:
    cluster: int
    label: str
    size: int
    members: list[int]
    representatives: list[int]
    top_terms: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ClusterList(Listing[Cluster]):
    """Clusters, largest first. ``run_id`` names the saved run; ``assignments()`` maps drops to clusters."""

    columns = ("cluster", "label", "size", "representatives", "top_terms", "members")

    def __init__(self, items=(), run_id: str | None = None, model_id: str = ""):
        super().__init__(items)
        self.run_id = run_id
        self.model_id = model_id

    def assignments(self):
        import pandas as pd

        rows = [{"drop_id": m, "cluster": c.cluster, "label": c.label} for c in self for m in c.members]
        return pd.DataFrame(rows, columns=["drop_id", "cluster", "label"])


def _kind(drop_type: str, metadata: Any) -> str:
    """"go code", "requirements", ...: the short name of what a drop is."""
    names = {"prompt_enhancement": "prompts", "frd_generation": "requirements", "project_structure": "structures",
             "test_plan_generation": "test plans", "documentation": "docs", "completion": "completion records"}
    if drop_type == "code_generation":
        language = metadata.get("language") if isinstance(metadata, dict) else None
        return f"{language} code" if language else "code"
    return names.get(drop_type, drop_type)


def terms(text: str) -> list[str]:
    words = re.findall(r"[A-Za-z][A-Za-z0-9_]{2,}", text[:TERM_CHARS])
    out = []
    for w in words:
        for part in re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", w).split("_"):
            part = part.lower()
            if len(part) > 2 and part not in STOPWORDS and not part.isdigit():
                out.append(part)
    return out


def distinctive_terms(clusters: list[list[Counter]], top: int = 8) -> list[list[str]]:
    """The terms that tell each cluster apart: class-based TF-IDF (c-TF-IDF, as in BERTopic).

    Each cluster is one document made of its members' words: ``tf(t, c) / words(c) *
    log(1 + A / f(t))`` with ``A`` the mean words per cluster and ``f(t)`` the term's count over
    all clusters; times the share of the cluster's members that contain the term (a word of one
    long file is not the cluster's subject) and ``log(N / df(t))`` over the N member documents (a template
    word every drop repeats, "afterwards", "depends", is not a subject: zero in every document, zero weight).
    """
    per = []
    for members in clusters:
        tf: Counter[str] = Counter()
        for m in members:
            tf.update(m)
        per.append(tf)
    docs = [m for members in clusters for m in members]
    df: Counter[str] = Counter()
    for m in docs:
        df.update(m.keys())
    total: Counter[str] = Counter()
    for tf in per:
        total.update(tf)
    mean_words = sum(total.values()) / max(1, len(per))
    out = []
    for members, tf in zip(clusters, per, strict=True):
        words = sum(tf.values()) or 1
        cover: Counter[str] = Counter()
        for m in members:
            cover.update(m.keys())

        def score(t: str) -> float:
            return (tf[t] / words * math.log(1 + mean_words / total[t]) * cover[t] / len(members)
                    * math.log(len(docs) / df[t]))

        out.append(sorted(tf, key=lambda t: (-score(t), t))[:top])
    return out


def cluster(manager, *, n: int = 12, workflow_id: str | None = None, drop_type: str | None = None,
            seed: int = 1234, save: bool = True, niter: int = 25) -> ClusterList:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValidationError(f"n must be a positive integer, not {n!r}")
    store = manager.store
    manager.sync(save="auto", rebuild_if_needed=False)
    conds = store._filters(workflow_id, drop_type, None, None, None, None, None, False)
    with store.reading() as conn:
        found_rows = conn.execute(sa.select(t.drops.c.id, t.drops.c.content_hash, t.drops.c.drop_type,
                                            t.drops.c.metadata).where(*conds).order_by(t.drops.c.id)).all()
    vecs = ensure_vectors(store, manager.embedder, {r.content_hash for r in found_rows})
    kinds = {int(r.id): _kind(r.drop_type, r.metadata) for r in found_rows}
    rows = [(int(r.id), r.content_hash) for r in found_rows if vecs.get(r.content_hash) is not None]
    if n > len(rows):
        raise ValidationError(f"asked for {n} clusters but only {len(rows)} drops have content to cluster",
                              hint=f"ask for at most n={max(1, len(rows))}")
    faiss = faiss_module()
    matrix = stack_vectors(vecs, (h for _, h in rows))
    km = faiss.Kmeans(matrix.shape[1], n, niter=niter, seed=seed, spherical=True, verbose=False,
                      min_points_per_centroid=1, max_points_per_centroid=100_000)
    km.train(matrix)
    sims, assign = km.index.search(matrix, 1)
    assign, sims = assign[:, 0], sims[:, 0]

    texts: dict[str, Counter] = {}
    for _, h in rows:
        if h not in texts:
            texts[h] = Counter(terms(store.read_artifact(h)))
    groups = {c: np.flatnonzero(assign == c) for c in range(n)}
    groups = {c: idx for c, idx in groups.items() if idx.size}
    tops = distinctive_terms([[texts[rows[i][1]] for i in idx] for idx in groups.values()])
    found: list[Cluster] = []
    for (c, idx), top in zip(groups.items(), tops, strict=True):
        members = [rows[i][0] for i in idx]
        reps = [rows[i][0] for i in idx[np.argsort(-sims[idx], kind="stable")[:3]]]
        # What the members mostly are (a drop type, a language) says more than template words.
        kind, count = Counter(kinds[m] for m in members).most_common(1)[0]
        words = top[:3] if count < 0.6 * len(members) else [kind, *top[:2]]
        label = " · ".join(words) or f"cluster {c}"
        found.append(Cluster(c, label, int(idx.size), members, reps, top))
    found.sort(key=lambda cl: (-cl.size, cl.cluster))
    run_id = uuid.uuid4().hex if save else None
    if save:
        now = t.now()
        with store.transaction() as conn:
            conn.execute(t.clusters.insert(), [
                {"run_id": run_id, "cluster": cl.cluster, "workspace": store.workspace, "label": cl.label,
                 "size": cl.size, "members": cl.members, "representatives": cl.representatives,
                 "top_terms": cl.top_terms, "model_id": manager.embedder.model_id, "created_at": now}
                for cl in found])
    return ClusterList(found, run_id=run_id, model_id=manager.embedder.model_id)


def latest(store) -> ClusterList:
    """The most recent saved run of this workspace."""
    c = t.clusters.c
    with store.reading() as conn:
        run = conn.execute(sa.select(c.run_id, c.model_id).where(c.workspace == store.workspace)
                           .order_by(c.created_at.desc()).limit(1)).first()
        if run is None:
            return ClusterList()
        rows = conn.execute(sa.select(t.clusters).where(c.run_id == run.run_id)).all()
    items = [Cluster(r.cluster, r.label, r.size, list(r.members), list(r.representatives), list(r.top_terms))
             for r in rows]
    items.sort(key=lambda cl: (-cl.size, cl.cluster))
    return ClusterList(items, run_id=run.run_id, model_id=run.model_id)
