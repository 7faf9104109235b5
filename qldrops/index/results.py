"""What the similarity features return: small records and listings with ``.to_frame()``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from dataclasses import dataclass, field
from typing import Any

from ..store.models import Listing


@dataclass(frozen=True, slots=True)
class SimilarDrop:
    """One answer of ``store.similar``: a live drop of this workspace and its cosine similarity."""

    id: int
    score: float
    workflow_id: str
    drop_type: str
    version: int
    content_hash: str
    metadata: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    capsule_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def __repr__(self) -> str:
        return f"<SimilarDrop {self.id} score={self.score:.3f} {self.drop_type} {self.workflow_id!r}>"


class SimilarList(Listing[SimilarDrop]):
    """Answers, best first. ``.drops()`` fetches the full drops (with artifacts)."""

    columns = ("id", "score", "drop_type", "workflow_id", "version", "capsule_id", "updated_at", "content_hash",
               "metadata")

    def __init__(self, items=(), store=None, query: str = "", lag: int = 0):
        super().__init__(items)
        self._store = store
        self.query = query
        #: How far behind the database the index was when it answered: drops changed but
        #: not embedded yet, plus change-log rows not read. 0 means current.
        self.lag = lag

    def _row(self, item: SimilarDrop) -> dict[str, Any]:
        row = item.to_dict()
        row["score"] = round(item.score, 4)
        return row

    def drops(self):
        return self._store.get_many([s.id for s in self]) if self._store is not None else []

    @property
    def ids(self) -> list[int]:
        return [s.id for s in self]


@dataclass
class SyncReport:
    applied_changes: int = 0
    drops_touched: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    blank: int = 0
    pending: int = 0  # drops whose content has no vector yet (left to the indexer)
    rebuilt: str | None = None  # why a rebuild happened, if one did
    saved: bool = False
    seconds: float = 0.0
    watermark: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class VerifyReport:
    """The database's (drop id, content hash, model) set compared with the index."""

    model_id: str
    live_drops: int
    indexed: int
    missing: list[int] = field(default_factory=list)   # live drop not in the index
    extra: list[int] = field(default_factory=list)     # in the index, deleted or gone from the DB
    stale: list[int] = field(default_factory=list)     # in the index with an old content hash
    excluded: dict[int, str] = field(default_factory=dict)  # live drops that have no vector, and why
    pending: list[int] = field(default_factory=list)   # live drops whose content the indexer has not embedded yet
    problems: list[str] = field(default_factory=list)
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.stale or self.problems)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["ok"] = self.ok
        return d

    def to_frame(self):
        import pandas as pd

        rows = [{"drop_id": i, "status": s, "reason": ""} for s, ids in
                (("missing", self.missing), ("extra", self.extra), ("stale", self.stale)) for i in ids]
        rows += [{"drop_id": i, "status": "excluded", "reason": r} for i, r in self.excluded.items()]
        return pd.DataFrame(rows, columns=["drop_id", "status", "reason"])

    def __repr__(self) -> str:
        state = "ok" if self.ok else "MISMATCH"
        fixed = " (repaired)" if self.repaired else ""
        return (f"<VerifyReport {state}{fixed}: {self.indexed} indexed / {self.live_drops} live drops, "
                f"missing={len(self.missing)} extra={len(self.extra)} stale={len(self.stale)} "
                f"excluded={len(self.excluded)} pending={len(self.pending)} problems={self.problems}>")


@dataclass
class IndexStatus:
    kind: str
    size: int
    model_id: str
    dim: int
    lag: int  # change-log rows not applied yet
    watermark: dict
    estimated_recall: float | None
    needs_rebuild: str | None
    folder: str
    saved_at: str | None
    file_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                       for k, v in self.to_dict().items())
        return f"<table>{rows}</table>"
