"""The preview page behind a share link, as a controller: which file is selected and what each
panel shows. ``dashboards/preview.ipynb`` builds one (:meth:`PreviewPage.open`) and wires
widgets to it (:func:`qldrops.dashboards.widgets.preview_page`).

The page reads through the link's read-only view (``store.previews.view``: drops, get,
history, diff, run, record) and the link's workspace store (``project``, ``similar``);
every read re-checks the link, so a link that expires while the page is open raises
``LinkExpired`` from the next click, and the page shows its instruction.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..analysis.core import analyze
from ..client import Store
from ..errors import NotFound, RateLimited
from ..previews.links import PreviewView
from . import panels
from .html import muted_html, note_html
from .project import ProjectFile, SharedProject, project_of, tree_rows, zip_bytes


@dataclass
class Selection:
    """What the page shows for the selected file."""

    file: ProjectFile
    drop: Any | None  # the stored drop the file came from (None for derived files)
    versions: list[int]  # version numbers, oldest first (empty without a drop)

    @property
    def default_diff(self) -> tuple[int, int] | None:
        """The pair the Versions tab compares first: the last change."""
        if not self.versions:
            return None
        return (self.versions[-2] if len(self.versions) > 1 else self.versions[-1]), self.versions[-1]


class PreviewPage:
    """One visitor's preview page: the shared project and the selected file.

    ``store`` is bound to the link's workspace; ``view`` is the link's ``PreviewView``;
    ``who`` carries ``client``/``user_agent`` for the events the visitor's actions record.
    ``run_permit`` is asked before every sandbox run (under ``qldrops serve``: the server's
    per-link run limit); it raises RateLimited when the link has run too often.
    """

    def __init__(self, store: Store, view: PreviewView, project: SharedProject, who: dict[str, Any] | None = None,
                 run_permit: Callable[[], None] | None = None):
        self.store, self.view, self.project = store, view, project
        self.who = dict(who or {})
        self.run_permit = run_permit
        self.selection: Selection | None = None
        self._history: list[Any] = []

    @classmethod
    def open(cls, store: Store, view: PreviewView, who: dict[str, Any] | None = None,
             run_permit: Callable[[], None] | None = None) -> PreviewPage:
        """The page for ``view``; raises the store's error when the project cannot be built."""
        return cls(store, view, project_of(store, view), who, run_permit)

    # ------------------------------------------------------------------ the page around the file
    def header_html(self) -> str:
        return panels.header_html(self.view.preview, self.project)

    def file_rows(self) -> list[tuple[int, str, str | None]]:
        """The project's files as tree rows (depth, label, path or None for a folder)."""
        return tree_rows([f.path for f in self.project.files])

    def document_rows(self) -> list[tuple[int, str, str | None]]:
        return [(0, d.path, d.path) for d in self.project.documents]

    def first_path(self) -> str | None:
        first = self.project.first()
        return first.path if first is not None else None

    # ------------------------------------------------------------------ the selected file
    def select(self, path: str) -> Selection:
        """Select the file at ``path`` (re-reading its drop and history through the link)."""
        f = self.project.by_path(path)
        if f is None:
            raise NotFound(f"no file {path!r} in this share link", hint="pick one of the files the page lists")
        drop = self.view.get(f.drop_id) if f.drop_id is not None else None
        self._history = list(self.view.history(drop.id)) if drop is not None else []
        self.selection = Selection(f, drop, [v.version for v in self._history])
        return self.selection

    def _selected(self) -> Selection:
        if self.selection is None:
            raise RuntimeError("select a file first")
        return self.selection

    def file_head_html(self) -> str:
        s = self._selected()
        return panels.file_head_html(s.file, s.drop)

    def code_html(self) -> str:
        f = self._selected().file
        return panels.code_html(f.text, f.language, f.path)

    def metadata_html(self) -> str:
        drop = self._selected().drop
        return panels.metadata_html(drop) if drop is not None else muted_html("No metadata.")

    def versions_html(self) -> str:
        if self._selected().drop is None:
            return muted_html("No stored versions.")
        return panels.versions_html(self._history)

    def diff_html(self, from_version: int | None, to_version: int | None) -> str:
        """What changed between two versions of the selected file's drop."""
        drop = self._selected().drop
        if drop is None or from_version is None or to_version is None:
            return ""
        if from_version == to_version:
            return muted_html("Pick two different versions to see what changed.")
        return panels.diff_html(self.view.diff(drop.id, from_version, to_version))

    def report_html(self) -> str:
        """Quality and security of the selected file (the analysis package on its unredacted text)."""
        f = self._selected().file
        digest = hashlib.sha256(f.text.encode("utf-8", "surrogatepass")).hexdigest()  # analysis: per content
        return panels.report_html(self.store.cache.remember("analysis", (digest, f.path), lambda: analyze(f.text, f.path)))

    def similar_html(self, k: int = 8) -> str:
        """Drops of the link's workspace most like the selected file's drop (named, never shown)."""
        drop = self._selected().drop
        if drop is None:
            return muted_html("This file has no stored drop to compare.")
        hits = [h for h in self.store.similar(drop.id, k=k + 1) if h.id != drop.id][:k]
        return panels.similar_html(hits, self.view.workflow_id)

    def run_html(self) -> str:
        """Run the selected file in the sandbox (records the run and an ``execute`` event)."""
        f = self._selected().file
        if not f.runnable or f.drop_id is None:
            return muted_html("This file cannot run in the sandbox.")
        if self.run_permit is not None:
            try:
                self.run_permit()  # before the sandbox: a refused run records nothing
            except RateLimited as exc:
                wait = max(1, math.ceil(exc.retry_after))
                return note_html(f"This link's code has run many times in the last minutes. "
                                 f"Wait {wait} seconds, then press Run again.", element_id="qldrops-run-limited")
        result = self.view.run(f.drop_id, f.path, **self.who)
        return panels.run_html(result, f.path)

    def download_html(self) -> str:
        """The project as a zip link (secrets masked); records a ``download`` event."""
        started = time.perf_counter()
        data = zip_bytes(self.project)
        self.view.record("download", duration_ms=(time.perf_counter() - started) * 1000, **self.who,
                         metadata={"files": len(self.project.files) + len(self.project.documents),
                                   "bytes": len(data)})
        return panels.zip_link_html(data, f"{self.project.workflow_id}.zip")
