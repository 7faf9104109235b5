"""The preview page behind a share link, as a controller: which file is selected and what each
panel shows. ``dashboards/preview.ipynb`` builds one (:meth:`PreviewPage.open`) and wires
widgets to it (:func:`qldrops.dashboards.widgets.preview_page`).

The page reads through the link's read-only view (``store.previews.view``: drops, get,
history, diff, run, record) and the link's workspace store (``project``, ``similar``).
Every interaction re-checks the link first (``view.check``), also one that only draws
what the page already holds (a tab): a link that expires or is revoked while the page is
open raises ``LinkExpired``/``LinkRevoked`` from the next click, and the page shows that
instead of anything else.

A file's Versions are the file's own: a drop holding several files (``# File:`` markers)
lists the versions in which *this* file changed, and its diffs compare this file only.
The Run button is offered when the runner says the sandbox can run the file
(:func:`qldrops.runner.readiness.readiness`); otherwise the page says why.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..analysis.core import analyze
from ..client import Store
from ..errors import NotFound, QldropsError, RateLimited
from ..previews.links import PreviewView
from ..runner.readiness import Readiness, readiness
from ..store.models import Diff
from ..store.watch import Position, position
from . import panels
from .html import STYLE, muted_html, note_html
from .project import ProjectFile, SharedProject, drop_file_texts, project_of, tree_rows, zip_bytes

Output = Callable[[str], None]
"""Receives the run's output drawn so far (HTML), while the program runs."""

FIRST_PAINT = "first-paint"  # the page cache's kind for a link's static first paint


def first_paint_key(link: Any, position: tuple[Any, ...]) -> tuple[Any, ...]:
    """The page cache's parts for the first paint of ``link`` (the server's grant or the kernel's
    visit: ``workspace``, ``workflow_id``, ``preview_id``, ``expires_at``) at the workflow's
    change-log ``position`` (read *before* the page is built, so that an answer is never filed
    under a position newer than the data it shows). The kernel that drew the page stores it;
    the server reads it for the next visitor of the link and sends it before any kernel runs."""
    return (link.workspace, link.workflow_id, tuple(position), int(link.preview_id), str(link.expires_at))


@dataclass
class Selection:
    """What the page shows for the selected file."""

    file: ProjectFile
    drop: Any | None  # the stored drop the file came from (None for derived files)
    versions: list[int]  # version numbers in which this file changed, oldest first (empty without a drop)
    can_run: Readiness = field(default_factory=lambda: Readiness.no("not-a-program", "Not a program."))
    texts: dict[int, str] | None = None  # this file's text per version, when its drop holds several files

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
                 run_permit: Callable[[], None] | None = None, drawn_at: Position | None = None):
        self.store, self.view, self.project = store, view, project
        # The change log's position read before ``project`` was built: the page's live banner follows changes
        # from there, so one committed while the page was being drawn is shown, not lost, and so is one
        # of a transaction then still in flight (PostgreSQL: its seq may be lower) (None: from now).
        self.drawn_at = drawn_at
        self.who = dict(who or {})
        self.run_permit = run_permit
        self.selection: Selection | None = None
        self._history: list[Any] = []
        self._names: dict[int, str] = {}  # files added since the page was drawn, by drop id
        self.tab_width = int(getattr(store.settings, "tab_width", 4) or 4)
        self._code_drawn: tuple[tuple[Any, ...], str] | None = None  # (what was drawn, its HTML)

    def check(self) -> None:
        """Raise LinkExpired/LinkRevoked once the link no longer serves (every interaction calls it)."""
        self.view.check()

    @classmethod
    def open(cls, store: Store, view: PreviewView, who: dict[str, Any] | None = None,
             run_permit: Callable[[], None] | None = None) -> PreviewPage:
        """The page for ``view``; raises the store's error when the project cannot be built."""
        with store.reading() as conn:
            drawn_at = position(conn)
        return cls(store, view, project_of(store, view), who, run_permit, drawn_at=drawn_at)

    # ------------------------------------------------------------------ the page around the file
    def header_html(self) -> str:
        return panels.header_html(self.view.preview, self.project)

    def file_rows(self) -> list[tuple[int, str, str | None]]:
        """The project's files as tree rows (depth, label, path or None for a folder)."""
        return tree_rows([f.path for f in self.project.files])

    def document_rows(self) -> list[tuple[int, str, str | None]]:
        return [(0, d.path, d.path) for d in self.project.documents]

    TABS = ("Code", "Versions", "Quality & security", "Similar", "Metadata")  # the page's tabs, in order
    TREE_PAGE = 150  # tree rows drawn at first (the rest behind "Show more")
    _IDS = re.compile(r"""\sid=(?:'[^']*'|"[^"]*")""")

    def first_paint_html(self) -> str:
        """A static picture of the page as it first draws (tree, file head, tab titles, the first
        file's code), for the server to send with the page's HTML: the visitor sees the file before
        Voila's JavaScript and the widgets arrive, and the widgets then take its place.

        Without element ids (the live page keeps them unique). Empty when there is no file to show
        or the first file cannot be read (the widgets then say why).
        """
        first = self.first_path()
        if first is None:
            return ""
        try:
            selection = self.select(first)
        except QldropsError:
            return ""
        rows = []
        for depth, label, path in self.file_rows()[:self.TREE_PAGE]:
            pad = f"{4 + depth * 14}px"
            if path is None:
                rows.append(f"<div class='qldrops-folder' style='padding-left:{pad}'>▾ {html.escape(label)}</div>")
            else:
                chosen = " qldrops-selected" if selection.file.path == path else ""
                rows.append(f"<div class='qldrops-tree-first{chosen}' style='padding-left:{pad}' "
                            f"title='{html.escape(path, quote=True)}'>{html.escape(label)}</div>")
        if self.project.documents:
            rows.append("<div class='qldrops-section'>Workflow documents</div>")
            rows += [f"<div class='qldrops-tree-first' style='padding-left:4px'>{html.escape(label)}</div>"
                     for _d, label, _p in self.document_rows()]
        if self.project.notes:
            rows.append("".join(muted_html(n) for n in self.project.notes))
        tabs = "".join(f"<span class='qldrops-tab-first{' qldrops-selected' if i == 0 else ''}'>{html.escape(t)}</span>"
                       for i, t in enumerate(self.TABS))
        main = self._IDS.sub("", f"{self.file_head_html()}<div class='qldrops-tabs-first'>{tabs}</div>{self.code_html()}")
        return (
            "<div class='qldrops-ssr-body' aria-busy='true'><div class='qldrops-body' style='display:flex'>"
            "<div class='qldrops-tree' style='width:280px;min-width:240px;padding:0 12px 0 0'>"
            f"<div class='qldrops-section'>Project files</div>{''.join(rows)}</div>"
            f"<div class='qldrops-main' style='flex:1;min-width:0'>{main}</div></div></div>"
        )

    def first_paint_outputs(self) -> list[str]:
        """The static HTML outputs the server writes into the page: the styles, the header and
        :meth:`first_paint_html` (each one output of the notebook, in this order)."""
        return [STYLE, self.header_html(), self.first_paint_html()]

    def first_path(self) -> str | None:
        first = self.project.first()
        return first.path if first is not None else None

    # ------------------------------------------------------------------ the selected file
    def select(self, path: str) -> Selection:
        """Select the file at ``path`` (re-reading its drop and history through the link)."""
        self.selection = None  # nothing of the previous file stays drawable if this fails
        self.check()
        f = self.project.by_path(path)
        if f is None:
            raise NotFound(f"no file {path!r} in this share link", hint="pick one of the files the page lists")
        drop = self.view.get(f.drop_id) if f.drop_id is not None else None
        history = list(self.view.history(drop.id)) if drop is not None else []
        texts: dict[int, str] | None = None
        if drop is not None and f.kind == "file" and len(history) > 1:
            files = drop_file_texts(drop)
            if len(files) > 1 and f.path in files:  # one of several files of its drop: its own versions
                history, texts = self._file_history(drop.id, f.path, history)
        self._history = history
        self.selection = Selection(f, drop, [v.version for v in history], self._readiness(f), texts)
        return self.selection

    def _file_history(self, drop_id: int, path: str, history: list[Any]) -> tuple[list[Any], dict[int, str]]:
        """The versions of a multi-file drop in which the file at ``path`` changed, and its text in each."""
        kept, texts, last = [], {}, None
        for v in history:
            text = drop_file_texts(self.view.version(drop_id, v.version)).get(path)
            if text is None or text == last:
                continue  # the file is absent from this version, or another file of the drop changed
            kept.append(v)
            texts[v.version] = last = text
        return kept, texts

    def _readiness(self, f: ProjectFile) -> Readiness:
        if f.kind == "document":
            return Readiness.no("not-a-program", "A workflow document, not a program.")
        if f.drop_id is None:
            return Readiness.no("not-a-program", "A file qldrops derived for the project (a manifest), not a program.")
        return readiness(f.path, f.text, [p.path for p in self.project.files])

    def _selected(self) -> Selection:
        if self.selection is None:
            raise RuntimeError("select a file first")
        return self.selection

    def file_head_html(self) -> str:
        s = self._selected()
        return panels.file_head_html(s.file, s.drop)

    def code_html(self) -> str:
        f = self._selected().file
        key = (f.path, f.drop_id, f.language, hash(f.text), self.tab_width)
        if self._code_drawn is None or self._code_drawn[0] != key:  # the first paint and the widgets draw it once
            self._code_drawn = (key, panels.code_html(f.text, f.language, f.path, tab_width=self.tab_width,
                                                      download="Press <b>Save this file</b> for the whole file."))
        return self._code_drawn[1]

    def file_download_html(self) -> str:
        """The selected file alone, as it is stored (secrets masked), as a link; records a ``download`` event."""
        f = self._selected().file
        self.check()
        link = panels.file_link_html(f.text, f.path)
        self.view.record("download", **self.who, metadata={"file": f.path, "bytes": len(f.text.encode())})
        return link

    @property
    def cut(self) -> bool:
        """Whether the selected file is too long to draw whole (the page offers it as a download)."""
        return panels.too_long(self._selected().file.text)

    def run_why_html(self) -> str:
        """Why the selected file has no Run button ("" when it has one)."""
        can = self._selected().can_run
        if can.runnable:
            return ""
        return (f"<div class='qldrops-muted qldrops-runwhy' id='qldrops-run-why' data-kind='{can.kind}'>"
                f"No Run button: {html.escape(can.reason)}</div>")

    def metadata_html(self) -> str:
        drop = self._selected().drop
        return panels.metadata_html(drop) if drop is not None else muted_html("No metadata.")

    def versions_html(self) -> str:
        s = self._selected()
        if s.drop is None:
            return muted_html("No stored versions.")
        note = ""
        if s.texts is not None:
            note = muted_html(f"{s.file.path} shares its drop with other files: these are the versions in which "
                              "it changed, and the diffs show this file only.", element_id="qldrops-file-versions")
        return note + panels.versions_html(self._history)

    def diff_html(self, from_version: int | None, to_version: int | None) -> str:
        """What changed between two versions of the selected file (of its drop, when the drop is this file)."""
        s = self._selected()
        drop = s.drop
        if drop is None or from_version is None or to_version is None:
            return ""
        if from_version == to_version:
            return muted_html("Pick two different versions to see what changed.")
        if s.texts is not None:
            self.check()
            a, b = s.texts.get(from_version), s.texts.get(to_version)
            if a is None or b is None:
                return muted_html("Pick two versions of this file from the list.")
            return panels.diff_html(Diff.between(drop.id, from_version, to_version, a, b))
        return panels.diff_html(self.view.diff(drop.id, from_version, to_version))

    def report_html(self) -> str:
        """Quality and security of the selected file (the analysis package on its unredacted text)."""
        f = self._selected().file
        self.check()
        digest = hashlib.sha256(f.text.encode("utf-8", "surrogatepass")).hexdigest()  # analysis: per content
        return panels.report_html(self.store.cache.remember("analysis", (digest, f.path), lambda: analyze(f.text, f.path)))

    def similar_html(self, k: int = 8) -> str:
        """Drops of the link's workspace most like the selected file's drop (named, never shown)."""
        drop = self._selected().drop
        self.check()
        if drop is None:
            return muted_html("This file has no stored drop to compare.")
        hits = [h for h in self.store.similar(drop.id, k=k + 1) if h.id != drop.id][:k]
        return panels.similar_html(hits, self.view.workflow_id)

    def run_html(self, on_output: Output | None = None) -> str:
        """Run the selected file in the sandbox (records the run and an ``execute`` event).

        ``on_output`` receives the output drawn so far (stdout and stderr told apart) while the
        program runs; the returned HTML is the finished run.
        """
        s = self._selected()
        f = s.file
        self.check()
        if not s.can_run.runnable or f.drop_id is None:
            return muted_html(f"This file does not run in the sandbox. {s.can_run.reason}")
        if self.run_permit is not None:
            try:
                self.run_permit()  # before the sandbox: a refused run records nothing
            except RateLimited as exc:
                wait = max(1, math.ceil(exc.retry_after))
                return note_html(f"This link's code has run many times in the last minutes. "
                                 f"Wait {wait} seconds, then press Run again.", element_id="qldrops-run-limited")
        live = _LiveOutput(f.path, on_output) if on_output is not None else None
        result = self.view.run(f.drop_id, f.path, **self.who, on_output=live)
        return panels.run_html(result, f.path)

    # ------------------------------------------------------------------ live changes
    def watch(self, *, since: int | Position | None = None, stop: Any = None, poll: float = 0.25):
        """The changes to the link's files as they commit (``PreviewView.watch``: the link is re-checked
        before every read, so a revoked or expired link ends it with LinkRevoked / LinkExpired).
        ``since``: a ``Change.position`` to resume after (None: from now)."""
        one = self.view.preview.drop_id
        for change in self.view.watch(since=since, stop=stop, poll=poll):
            if one is None or change.drop_id == one:
                yield change

    def change_text(self, change: Any) -> str:
        """One line for a change (plain text): "main.py: new version v3", "new file", "new comment"..."""
        names = [f.path for f in [*self.project.files, *self.project.documents] if f.drop_id == change.drop_id]
        name = names[0] if len(names) == 1 else f"{len(names)} files" if names else self._names.get(change.drop_id, "")
        if not name and change.kind not in ("delete", "purge"):
            try:  # a file added since the page was drawn: its name from its metadata
                drop = self.view.get(change.drop_id)
                md = drop.metadata or {}
                name = next((str(md[k]) for k in ("filename", "path", "file") if isinstance(md.get(k), str)),
                            f"{drop.drop_type} {drop.id}")
                self._names[change.drop_id] = name
            except NotFound:
                name = ""
        what = {"drop": "new file", "version": f"new version v{change.version}", "delete": "deleted",
                "restore": "restored", "purge": "erased", "comment": "new comment", "run": "a run finished"}
        text = what.get(change.kind, change.kind)
        return f"{name[:200]}: {text}" if name else text

    def reload(self) -> None:
        """Build the project again from the link's current files (after changes arrived)."""
        self.check()
        self.project = project_of(self.store, self.view)

    def download_html(self) -> str:
        """The project as a zip link (secrets masked); records a ``download`` event."""
        self.check()
        started = time.perf_counter()
        data = zip_bytes(self.project)
        self.view.record("download", duration_ms=(time.perf_counter() - started) * 1000, **self.who,
                         metadata={"files": len(self.project.files) + len(self.project.documents),
                                   "bytes": len(data)})
        return panels.zip_link_html(data, f"{self.project.workflow_id}.zip")


class _LiveOutput:
    """Collects a run's output chunks in order and draws them (redacted): at once when the stream changes,
    else at most every ``every`` seconds (a program printing fast does not flood the page)."""

    def __init__(self, path: str, draw: Output, every: float = 0.2):
        self.path, self.draw, self.every = path, draw, every
        self.chunks: list[tuple[str, str]] = []
        self._decoders = {name: codecs.getincrementaldecoder("utf-8")("replace") for name in ("stdout", "stderr")}
        self._drawn = 0.0

    def __call__(self, stream: str, chunk: bytes) -> None:
        text = self._decoders[stream].decode(chunk)
        if not text:
            return
        switched = not self.chunks or self.chunks[-1][0] != stream
        if switched:
            self.chunks.append((stream, text))
        else:
            self.chunks[-1] = (stream, self.chunks[-1][1] + text)
        now = time.monotonic()
        if switched or now - self._drawn >= self.every:  # a new stream at once, more of one at most every 0.2 s
            self._drawn = now
            self.draw(panels.live_run_html(self.chunks, self.path))
