"""Search relevance on the demo corpus: the labelled queries of ``relevance_queries.py``.

Hybrid search (full text and vectors fused) is measured by nDCG@10 against full text alone,
on SQLite and PostgreSQL, with the deterministic fake embedder (the packaged model's figures
are in ``benchmarks/README.md``, from ``benchmarks/bench_relevance.py``).
"""

from __future__ import annotations

import statistics
from collections import Counter

import pytest
import sqlalchemy as sa

from qldrops import demo
from qldrops.index.clusters import distinctive_terms
from qldrops.index.hybrid import fuse
from qldrops.store import schema as t
from relevance_queries import NONSENSE, QUERIES, grades_for, ndcg

# Measured with the fake embedder (hashing of words): hybrid 0.558, text 0.534, semantic 0.283
# (41 queries). The floor leaves room for tie-breaking differences between the two databases.
HYBRID_FLOOR = 0.50


@pytest.fixture
def corpus(store):
    demo.load(store, progress=False)
    store.index.sync()
    with store.reading() as conn:
        drops = [(r.id, r.workflow_id, r.forked_from) for r in conn.execute(
            sa.select(t.drops.c.id, t.drops.c.workflow_id, t.drops.c.forked_from)
            .where(t.drops.c.deleted_at.is_(None)))]
    return store, drops


def test_the_labelled_set_is_big_enough_and_names_real_workflows():
    names = {r["workflow_id"] for r in demo.records() if r["op"] == "put"}
    assert len(QUERIES) >= 30 and len({q for q, _ in QUERIES}) == len(QUERIES)
    assert all(set(labels) <= names and 2 in labels.values() for _, labels in QUERIES)


def test_hybrid_search_ranks_the_labelled_answers(corpus):
    store, drops = corpus
    scores: dict[str, list[float]] = {"hybrid": [], "text": []}
    for text, labels in QUERIES:
        grades = grades_for(labels, drops)
        for mode in scores:
            found = store.search(text, mode=mode, limit=10)
            assert len(set(found.ids)) == len(found)
            scores[mode].append(ndcg(found.ids, grades))
    hybrid, text = statistics.mean(scores["hybrid"]), statistics.mean(scores["text"])
    assert hybrid >= HYBRID_FLOOR and hybrid >= text - 0.01, (hybrid, text)


def test_jwt_refresh_token_finds_signer_refresh_and_folds_the_fork(corpus):
    store, _ = corpus
    found = store.search("jwt refresh token", mode="hybrid", limit=10)
    texts = {d.id: d.artifact for d in found.drops()}
    signer = [m for m in found[:5] if "func (s *Signer) Refresh(" in texts[m.id]]
    assert signer and signer[0].matched.startswith("words")  # found by its words, whatever the vectors say
    workflows = [m.workflow_id for m in found]
    assert "wf-001-jwt-auth-service-b" not in workflows  # the fork's copies are folded in
    assert any(m.forks for m in found if m.workflow_id == "wf-001-jwt-auth-service")


def test_nonsense_gets_no_close_match_by_words(corpus):
    store, _ = corpus
    for text in NONSENSE:
        assert not store.search(text, mode="text", limit=8).close
        # With a floor no cosine reaches, nothing is filler: the answer is empty.
        assert not store.search(text, mode="hybrid", limit=8, min_similarity=1.01).close


def test_reciprocal_rank_fusion_rewards_agreement():
    scores = fuse([[1, 2, 3], [1, 4, 2]])
    assert max(scores, key=scores.__getitem__) == 1 and scores[2] > scores[4] > scores[3]
    assert scores[2] == pytest.approx(1 / 62 + 1 / 63)


def test_topic_labels_prefer_distinctive_terms_to_template_words():
    template = Counter({"afterwards": 3, "depends": 2})
    jwt = [Counter({"jwt": 2, "token": 2}) + template, Counter({"jwt": 1, "refresh": 1}) + template]
    csv = [Counter({"csv": 3, "report": 1}) + template, Counter({"csv": 1, "rows": 2}) + template]
    first, second = distinctive_terms([jwt, csv])
    assert first[0] == "jwt" and second[0] == "csv"
    assert first.index("afterwards") > first.index("token") and second.index("depends") > second.index("rows")
