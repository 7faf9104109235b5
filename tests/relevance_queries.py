"""A labelled query set over the demo corpus (``qldrops.demo``), for search relevance.

Each query names the workflows whose drops answer it: grade 2 (what was asked for) or 1
(related: shares the subject or a file). Every drop of a graded workflow carries its grade
(the requirements and docs of the JWT service answer "jwt refresh token" too); fork copies
(``<workflow>-b``) are folded into their original by the search, so they are not counted
twice. Labelled by reading the demo specs (``qldrops/demo/specs_*.py``, ``snippets/``), not by
running a search. Used by ``tests/test_search_relevance.py`` and ``benchmarks/bench_relevance.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

QUERIES: list[tuple[str, dict[str, int]]] = [
    ("jwt refresh token", {"wf-001-jwt-auth-service": 2, "wf-017-jwt-auth-service-v2": 2}),
    ("rate limiting middleware for express", {"wf-005-express-rate-limit-middleware": 2,
                                              "wf-036-python-rate-limiter": 1}),
    ("token bucket rate limiter", {"wf-036-python-rate-limiter": 2, "wf-005-express-rate-limit-middleware": 1}),
    ("todo api with fastapi", {"wf-002-fastapi-todo-api": 2, "wf-018-fastapi-todo-sqlite": 2,
                               "wf-009-vue-todo-component": 1}),
    ("react metric card component for a dashboard", {"wf-003-react-dashboard-component": 2}),
    ("spring boot rest controller for orders", {"wf-004-spring-boot-rest-controller": 2,
                                                "wf-031-python-order-processor": 1}),
    ("django blog post models", {"wf-006-django-blog-models": 2}),
    ("flask calculator api", {"wf-007-flask-calculator-api": 2}),
    ("next.js product page", {"wf-008-nextjs-product-page": 2}),
    ("vue todo list component", {"wf-009-vue-todo-component": 2, "wf-002-fastapi-todo-api": 1,
                                 "wf-018-fastapi-todo-sqlite": 1}),
    ("gin http handler for users in go", {"wf-010-gin-user-handler": 2}),
    ("actix web server in rust", {"wf-011-actix-web-server": 2}),
    ("rails articles controller", {"wf-012-rails-articles-controller": 2}),
    ("laravel routes for tasks", {"wf-013-laravel-task-routes": 2}),
    ("ktor notes api in kotlin", {"wf-014-ktor-notes-api": 2, "wf-016-flask-notes-app": 1}),
    ("c# inventory web api", {"wf-015-csharp-inventory-api": 2, "wf-042-python-inventory-report": 1}),
    ("flask notes app", {"wf-016-flask-notes-app": 2, "wf-014-ktor-notes-api": 1}),
    ("typed event emitter in typescript", {"wf-019-ts-typed-event-emitter": 2}),
    ("swift weather view model", {"wf-020-swift-weather-viewmodel": 2}),
    ("back up files to s3", {"wf-021-python-s3-backup": 2, "wf-033-bash-backup-rotation": 1}),
    ("retry with exponential backoff", {"wf-021-python-s3-backup": 2, "wf-036-python-rate-limiter": 2}),
    ("php user search", {"wf-022-php-user-search": 2}),
    ("log parser command line tool in rust", {"wf-023-rust-log-parser-cli": 2}),
    ("sql schema for analytics events", {"wf-024-sql-analytics-schema": 2, "wf-037-sql-retention-cohorts": 1}),
    ("bash deploy script", {"wf-025-bash-deploy-script": 2, "wf-033-bash-backup-rotation": 1}),
    ("count word frequencies in a text file", {"wf-026-python-word-frequency-cli": 2,
                                               "wf-043-python-word-count-cli": 2}),
    ("summarize a csv file with node", {"wf-027-node-csv-summary-script": 2, "wf-038-java-csv-report": 1}),
    ("dockerfile for a python service", {"wf-028-dockerfile-python-service": 2, "wf-016-flask-notes-app": 1}),
    ("github actions continuous integration workflow", {"wf-029-github-actions-ci": 2}),
    ("statistics of a git repository", {"wf-030-python-git-stats": 2}),
    ("order processing with totals and discounts", {"wf-031-python-order-processor": 2,
                                                   "wf-004-spring-boot-rest-controller": 1}),
    ("validate form fields in the browser", {"wf-032-js-form-validator": 2}),
    ("rotate old backups", {"wf-033-bash-backup-rotation": 2, "wf-021-python-s3-backup": 1}),
    ("worker pool with goroutines", {"wf-034-go-worker-pool": 2}),
    ("markdown table of contents", {"wf-035-rust-markdown-toc": 2}),
    ("retention cohorts query", {"wf-037-sql-retention-cohorts": 2, "wf-024-sql-analytics-schema": 1}),
    ("csv report in java", {"wf-038-java-csv-report": 2, "wf-027-node-csv-summary-script": 1}),
    ("kubernetes deployment manifests", {"wf-039-k8s-deployment-manifests": 2}),
    ("ring buffer in c", {"wf-040-c-ring-buffer": 2}),
    ("lru cache in c++", {"wf-041-cpp-lru-cache": 2}),
    ("inventory report of low stock items", {"wf-042-python-inventory-report": 2,
                                             "wf-015-csharp-inventory-api": 1}),
]

# Text no drop is about: the answer must be "no close match", not filler.
NONSENSE = ["zxqv plorf wubblenak", "qwrtz vlinder ghoxx", "blorptastic fnord quibbleweed"]


def origin(workflow_id: str, forks: Mapping[str, str]) -> str:
    """The workflow a fork was made from (``forks``: fork -> source), else the workflow itself."""
    while workflow_id in forks:
        workflow_id = forks[workflow_id]
    return workflow_id


def ndcg(ranked: Iterable[int], grades: Mapping[int, int], k: int = 10) -> float:
    """nDCG@k with gains 2^grade - 1: ``ranked`` answer ids, ``grades`` the id -> grade of every
    relevant drop in the corpus (the ideal ranking is built from them)."""
    dcg = sum((2 ** grades.get(i, 0) - 1) / math.log2(r + 2) for r, i in enumerate(list(ranked)[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    best = sum((2 ** g - 1) / math.log2(r + 2) for r, g in enumerate(ideal))
    return dcg / best if best else 0.0


def grades_for(labels: Mapping[str, int], drops: Iterable[tuple[int, str, int | None]]) -> dict[int, int]:
    """id -> grade of the drops of the labelled workflows; ``drops`` is (id, workflow_id, forked_from).
    Fork copies are left out: the search folds them into their original."""
    return {i: labels[w] for i, w, forked in drops if forked is None and w in labels}
