"""Store methods for similarity. ``qldrops.store.core.Store`` inherits from SimilarityMixin.

Everything heavy (numpy, FAISS, the model) is imported inside the methods.
"""

from __future__ import annotations

from typing import Any


class SimilarityMixin:
    """``store.similar``, ``store.near_duplicates``, ``store.clusters`` and ``store.index``."""

    @property
    def index(self):
        """This process's vector index mirror: ``sync()``, ``verify()``, ``rebuild()``, ``status()``."""
        manager = self.__dict__.get("_index_manager")
        if manager is None:
            from .manager import IndexManager

            manager = IndexManager(self)
            self.__dict__["_index_manager"] = manager
        return manager

    def similar(self, query: Any, k: int = 10, *, workflow_id: str | None = None, drop_type: str | None = None,
                metadata: dict | None = None, capsule_id: str | None = None, created_by: str | None = None,
                since: Any = None, until: Any = None, sync: bool = True):
        """Drops most like ``query`` (a drop id, or a text), best first, with cosine scores.

        Every answer is a live drop of this workspace whose current content the score
        was computed from (checked in the database). Filters are exact and never yield
        fewer than ``k`` answers when ``k`` drops match. ``.to_frame()`` for a DataFrame.
        """
        _authorize(self, "read")
        from .query import similar

        return similar(self.index, query, k, sync=sync, workflow_id=workflow_id, drop_type=drop_type,
                       metadata=metadata, capsule_id=capsule_id, created_by=created_by, since=since, until=until)

    def near_duplicates(self, threshold: float = 0.95, *, lexical_threshold: float = 0.8,
                        methods: tuple[str, ...] = ("exact", "lexical", "semantic"),
                        workflow_id: str | None = None, drop_type: str | None = None):
        """Pairs and groups of near-identical drops, each labelled exact, lexical or semantic, with a score."""
        _authorize(self, "read")
        from .dupes import near_duplicates

        return near_duplicates(self.index, threshold=threshold, lexical_threshold=lexical_threshold,
                               methods=methods, workflow_id=workflow_id, drop_type=drop_type)

    def clusters(self, n: int = 12, *, workflow_id: str | None = None, drop_type: str | None = None,
                 seed: int = 1234, save: bool = True):
        """Topics by k-means over the vectors: members, representative drops and a label of top terms.

        Saved in the table ``clusters`` (one ``run_id`` per call) so dashboards can show them.
        """
        _authorize(self, "read")
        from .clusters import cluster

        return cluster(self.index, n=n, workflow_id=workflow_id, drop_type=drop_type, seed=seed, save=save)

    def latest_clusters(self):
        """The most recently saved clustering of this workspace (for dashboards), or an empty list."""
        _authorize(self, "read")
        from .clusters import latest

        return latest(self)


def _authorize(store, action: str) -> None:
    check = getattr(store, "_authorize", None)
    if check is not None:
        check(action)
