"""Plain objects the store hands out: drops, versions, diffs, listings."""

from __future__ import annotations

import datetime as dt
import difflib
import html
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Drop:
    """One drop at one version. ``artifact`` is the full text of that version."""

    id: int
    workspace: str
    workflow_id: str
    drop_type: str
    version: int
    content_hash: str
    size: int
    artifact: str
    metadata: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    created_by: str | None = None
    capsule_id: str | None = None
    deleted_at: dt.datetime | None = None
    forked_from: int | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __repr__(self) -> str:
        preview = self.artifact[:40].replace("\n", "⏎")
        flag = " deleted" if self.deleted else ""
        return (f"<Drop {self.id} v{self.version} {self.drop_type} workflow={self.workflow_id!r}"
                f" {self.size}B{flag} {preview!r}…>")

    def _repr_html_(self) -> str:
        meta = html.escape(str(self.metadata))
        body = html.escape(self.artifact[:4000])
        more = "" if len(self.artifact) <= 4000 else f"<em>… {len(self.artifact) - 4000} more characters</em>"
        return (f"<div><b>Drop {self.id}</b> v{self.version} · <code>{html.escape(self.drop_type)}</code> · "
                f"workflow <code>{html.escape(self.workflow_id)}</code> · {self.size} bytes"
                f"<br><small>{meta}</small><pre style='max-height:20em;overflow:auto'>{body}</pre>{more}</div>")


@dataclass(frozen=True, slots=True)
class Version:
    """One immutable version in a drop's history."""

    drop_id: int
    version: int
    content_hash: str
    metadata: dict[str, Any]
    op: str
    created_at: dt.datetime
    created_by: str | None = None
    message: str | None = None
    size: int | None = None
    contributors: list[str] | None = None  # who wrote this version together (a collaborative save)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Diff:
    """A unified diff between two versions of one drop."""

    drop_id: int
    from_version: int
    to_version: int
    unified: str
    added: int
    removed: int
    metadata_changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @classmethod
    def between(cls, drop_id: int, from_version: int, to_version: int, a: str, b: str, *, context: int = 3,
                metadata_changes: dict[str, tuple[Any, Any]] | None = None) -> Diff:
        """The diff of two texts (two versions of a drop, or of one file of it)."""
        lines = list(difflib.unified_diff(a.splitlines(keepends=True), b.splitlines(keepends=True),
                                          fromfile=f"v{from_version}", tofile=f"v{to_version}", n=context))
        added = sum(1 for x in lines if x.startswith("+") and not x.startswith("+++"))
        removed = sum(1 for x in lines if x.startswith("-") and not x.startswith("---"))
        text = "".join(x if x.endswith("\n") else x + "\n" for x in lines)
        return cls(drop_id, from_version, to_version, text, added, removed, dict(metadata_changes or {}))

    def __str__(self) -> str:
        return self.unified

    def __repr__(self) -> str:
        return f"<Diff drop {self.drop_id} v{self.from_version}→v{self.to_version} +{self.added} -{self.removed}>"

    def _repr_html_(self) -> str:
        lines = []
        for line in self.unified.splitlines():
            color = "#e6ffec" if line.startswith("+") else "#ffebe9" if line.startswith("-") else "transparent"
            lines.append(f"<div style='background:{color}'>{html.escape(line) or '&nbsp;'}</div>")
        return f"<div><b>{html.escape(repr(self))}</b><pre style='font-family:monospace'>{''.join(lines)}</pre></div>"


@dataclass(frozen=True, slots=True)
class SearchHit:
    drop: Drop
    score: float
    snippet: str

    def __repr__(self) -> str:
        return f"<SearchHit drop={self.drop.id} score={self.score:.3f} {self.snippet[:60]!r}>"


class Listing(list[T]):
    """A list with ``.to_frame()``: every listing in qldrops is one of these."""

    columns: tuple[str, ...] = ()

    def __init__(self, items: Iterable[T] = (), columns: Iterable[str] | None = None):
        super().__init__(items)
        if columns is not None:
            self.columns = tuple(columns)

    def _row(self, item: Any) -> dict[str, Any]:
        if hasattr(item, "to_dict"):
            row = item.to_dict()
        elif isinstance(item, dict):
            row = dict(item)
        else:
            row = {"value": item}
        return row

    def to_frame(self):
        import pandas as pd

        rows = [self._row(i) for i in self]
        frame = pd.DataFrame(rows, columns=list(self.columns) if self.columns and not rows else None)
        if self.columns and rows:
            keep = [c for c in self.columns if c in frame.columns]
            frame = frame[keep + [c for c in frame.columns if c not in keep]]
        return frame

    def _repr_html_(self) -> str:
        return self.to_frame()._repr_html_()


class DropList(Listing[Drop]):
    """Drops from ``store.list`` and friends. ``to_frame()`` leaves the artifact out (see ``preview``)."""

    columns = ("id", "workflow_id", "drop_type", "version", "size", "created_by", "created_at", "updated_at",
               "capsule_id", "content_hash", "deleted_at", "forked_from", "preview")

    def __init__(self, items: Iterable[Drop] = (), extra: dict[int, dict[str, Any]] | None = None):
        super().__init__(items)
        self.extra = extra or {}

    def _row(self, d: Drop) -> dict[str, Any]:
        row = {c: getattr(d, c) for c in self.columns if c != "preview" and hasattr(d, c)}
        row["preview"] = d.artifact[:80].replace("\n", " ")
        row["metadata"] = d.metadata
        row.update(self.extra.get(d.id, {}))
        return row
