"""ipywidgets wiring for the dashboards: controls call a controller, HTML widgets show its answers.

The only module of this package that imports ipywidgets. Values are ``widgets.HTML`` (never
``widgets.Output``, which hangs some Voila renders). Every callback is guarded: a library error
(an expired link, a database gone) shows an instruction in the panel it was drawing, never a
traceback. ``problem`` words it: share-link pages pass the server's visitor wording.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as widgets

from ..errors import LinkExpired, LinkRevoked, QldropsError
from ..store.watch import Position
from .analytics import ALL, AnalyticsPage
from .explorer import DEFAULT_QUERY, DEFAULT_RESULTS, DEFAULT_THRESHOLD, DEFAULT_TOPICS, METHODS, ExplorerPage
from .html import muted_html, note_html, problem_html
from .preview import PreviewPage

Problem = Callable[[BaseException], str]
Presence = Callable[[], "dict[str, Any] | None"]
"""Who else looks at the workflow: ``{"pages": n, "editors": [{"name", "file"}]}`` (the server's count)."""
log = logging.getLogger("qldrops.dashboards.widgets")
BoxT = TypeVar("BoxT", bound=widgets.Box)
LIVE = "qldrops-live"  # the class of every widget a dashboard displays: the page's watchdog waits for them


def live(box: BoxT) -> BoxT:
    """``box`` marked as a dashboard's displayed widget (the page knows its live parts connected)."""
    box.add_class(LIVE)
    return box


def guarded(target: widgets.HTML, problem: Problem = problem_html) -> Callable:
    """Decorator: run a callback; a library error shows ``problem(exc)`` in ``target``."""
    def wrap(fn: Callable) -> Callable:
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except QldropsError as exc:
                target.value = problem(exc)
                return None
        return run
    return wrap


# ---------------------------------------------------------------------------------------------- preview
class PreviewWidgets:
    """The preview page's widgets around a :class:`PreviewPage` (``.page`` is the box to display).

    Every interaction (a file, a tab, a version, Run, Download) goes through the controller, which
    re-checks the link first; once the link has expired or been revoked the whole page is replaced
    by that message and shows nothing more. At phone width (CSS, ``max-width: 700px``) the file tree
    folds away behind a "Files" button. A project with many files shows its tree in pages of
    :attr:`TREE_PAGE` rows.
    """

    TABS = PreviewPage.TABS
    TREE_PAGE = PreviewPage.TREE_PAGE

    def __init__(self, page: PreviewPage, problem: Problem = problem_html):
        self.controller, self.problem = page, problem
        self.done: set[tuple[str, int]] = set()
        self.file_head, self.code, self.run_output, self.meta_box = (widgets.HTML() for _ in range(4))
        self.versions_table, self.diff_box, self.report_box, self.similar_box = (widgets.HTML() for _ in range(4))
        self.download_link, self.status, self.run_why = widgets.HTML(), widgets.HTML(), widgets.HTML()
        self.run_button = widgets.Button(description="Run", icon="", button_style="success",
                                         tooltip="Run this file in the sandbox")
        self.run_button.add_class("qldrops-run")
        self.download_button = widgets.Button(description="Download project (.zip)",
                                              tooltip="The project files as a zip", layout=widgets.Layout(width="230px"))
        self.download_button.add_class("qldrops-download")
        self.file_download_button = widgets.Button(description="Save this file", tooltip="This file alone, whole")
        self.file_download_button.add_class("qldrops-file-save")
        self.file_download = widgets.HTML()
        self.files_button = widgets.Button(description="Files", icon="", tooltip="Show or hide the project's files",
                                           layout=widgets.Layout(width="90px"))
        self.files_button.add_class("qldrops-files-toggle")
        self.live, self.presence = widgets.HTML(), widgets.HTML()
        self.live_button = widgets.Button(description="Show the latest", tooltip="Draw the files as they are now",
                                          layout=widgets.Layout(display="none"))
        self.live_button.add_class("qldrops-live-reload")
        self.live_button.on_click(self.guard(self.status)(lambda _b: self.show_latest()))
        self._changes: list[str] = []
        self._stop = threading.Event()
        self.from_version = widgets.Dropdown(description="Compare", layout=widgets.Layout(width="180px"))
        self.to_version = widgets.Dropdown(description="with", layout=widgets.Layout(width="160px"))
        self.tabs = widgets.Tab(children=[
            widgets.VBox([widgets.HBox([self.run_button, self.run_why, self.file_download_button, self.file_download],
                                       layout=widgets.Layout(flex_flow="row wrap", align_items="center")),
                          self.code, self.run_output]),
            widgets.VBox([self.versions_table, widgets.HBox([self.from_version, self.to_version]), self.diff_box]),
            self.report_box, self.similar_box, self.meta_box,
        ])
        for i, title in enumerate(self.TABS):
            self.tabs.set_title(i, title)
        self.file_buttons: list[widgets.Button] = []
        self._pending_rows: list[tuple[int, str, str | None]] = []
        self.tree = widgets.VBox(self._tree_items(), layout=widgets.Layout(width="280px", min_width="240px",
                                                                           padding="0 12px 0 0"))
        self.tree.add_class("qldrops-tree")
        self.run_button.on_click(self.guard(self.run_output)(self.run))
        self.download_button.on_click(self.guard(self.download_link)(self.download))
        self.file_download_button.on_click(self.guard(self.file_download)(self.save_file))
        self.files_button.on_click(lambda _b: self.toggle_tree())
        self.from_version.observe(self.guard(self.diff_box)(self.show_diff), names="value")
        self.to_version.observe(self.guard(self.diff_box)(self.show_diff), names="value")
        self.tabs.observe(self.guard(self.status)(lambda change: self.fill_tab(change["new"])),
                          names="selected_index")
        main = widgets.VBox([self.file_head, self.tabs, self.status], layout=widgets.Layout(flex="1", min_width="0"))
        main.add_class("qldrops-main")
        body = widgets.HBox([self.tree, main])
        body.add_class("qldrops-body")
        self.page = widgets.VBox([
            widgets.HBox([self.files_button, self.download_button, self.download_link],
                         layout=widgets.Layout(align_items="center", flex_flow="row wrap")),
            widgets.HBox([self.live, self.live_button, self.presence],
                         layout=widgets.Layout(align_items="center", flex_flow="row wrap")),
            body,
        ])
        self.page.add_class("qldrops-page")
        self.page.add_class(LIVE)
        first = page.first_path()
        if first is not None:
            self.guard(self.status)(self.select)(first)

    # ------------------------------------------------------------------ guards
    def guard(self, target: widgets.HTML) -> Callable:
        """Like :func:`guarded`, but a link that no longer serves replaces the whole page."""
        def wrap(fn: Callable) -> Callable:
            def run(*args: Any, **kwargs: Any) -> Any:
                try:
                    return fn(*args, **kwargs)
                except (LinkExpired, LinkRevoked) as exc:
                    self.gone(exc)
                except QldropsError as exc:
                    target.value = self.problem(exc)
                return None
            return run
        return wrap

    def gone(self, exc: BaseException) -> None:
        """The link expired or was revoked: say so, and nothing else."""
        self.controller.selection = None
        for box in (self.file_head, self.code, self.run_output, self.meta_box, self.versions_table, self.diff_box,
                    self.report_box, self.similar_box, self.download_link, self.status, self.run_why,
                    self.file_download):
            box.value = ""
        notice = widgets.HTML(f"<div id='qldrops-link-gone'>{self.problem(exc)}</div>")
        self.page.children = [notice]

    # ------------------------------------------------------------------ live changes and presence
    def follow(self, presence: Presence | None = None, *, poll: float = 0.25, every: float = 2.0) -> PreviewWidgets:
        """Show changes to the link's files as they commit (a banner and "Show the latest"), and how many
        others look at the workflow, from daemon threads of this kernel (they end with it, with the
        link, or on :meth:`stop`). Each holds one database connection (two on PostgreSQL: LISTEN)."""
        threading.Thread(target=self._follow_changes, args=(poll,), name="qldrops-live", daemon=True).start()
        if presence is not None:
            threading.Thread(target=self._follow_presence, args=(presence, every), name="qldrops-presence",
                             daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _follow_changes(self, poll: float) -> None:
        # From where the page was drawn (not from when this thread got to run: a change committed in
        # between would be lost); after a pause, just after the last change shown: none is lost.
        # (A position, not a bare cursor: a change of a transaction in flight at the draw or at the pause
        # can have a lower seq than the last one seen, on PostgreSQL.)
        at: Position | None = self.controller.drawn_at
        while not self._stop.is_set():
            try:
                for change in self.controller.watch(since=at, stop=self._stop, poll=poll):
                    at = change.position or Position(int(change.cursor))
                    self.changed(self.controller.change_text(change), int(change.cursor))
            except (LinkExpired, LinkRevoked) as exc:
                self._stop.set()
                self.gone(exc)
                return
            except Exception:  # noqa: BLE001 - a database gone for a moment: say so, try again
                log.warning("live changes paused", exc_info=True)
                self.live.value = muted_html("Live updates paused (the database did not answer); retrying…",
                                             element_id="qldrops-live-paused")
                self._stop.wait(5.0)

    def changed(self, text: str, seq: int) -> None:
        """A change arrived: the banner lists the latest few, newest first."""
        self._changes = [text, *self._changes][:5]
        items = "".join(f"<li>{html.escape(t)}</li>" for t in self._changes)
        self.live.value = (f"<div class='qldrops-box qldrops-note' id='qldrops-live' data-seq='{seq}'>"
                           f"<b>Changed since this page was drawn</b><ul>{items}</ul></div>")
        self.live_button.layout.display = ""

    def show_latest(self) -> None:
        """Redraw the tree and the selected file from the link's current files."""
        selected = self.controller.selection.file.path if self.controller.selection is not None else None
        self.controller.reload()
        self.file_buttons = []
        self.tree.children = self._tree_items()
        self._changes = []
        self.live.value = ""
        self.live_button.layout.display = "none"
        path = selected if selected and self.controller.project.by_path(selected) else self.controller.first_path()
        if path is not None:
            self.select(path)

    def _follow_presence(self, presence: Presence, every: float) -> None:
        while not self._stop.is_set():
            try:
                seen = presence()
            except Exception:  # noqa: BLE001 - the count is a courtesy; never break the page for it
                seen = None
            self.presence.value = presence_html(seen)
            self._stop.wait(every)

    # ------------------------------------------------------------------ the tree
    def _tree_items(self) -> list[widgets.Widget]:
        project = self.controller.project
        items: list[widgets.Widget] = [widgets.HTML("<div class='qldrops-section'>Project files</div>")]
        rows = self.controller.file_rows()
        shown, self._pending_rows = rows[:self.TREE_PAGE], rows[self.TREE_PAGE:]
        items += self._rows(shown) or [widgets.HTML(muted_html("No code files in this link."))]
        if self._pending_rows:
            self.more_button = widgets.Button(description=self._more_label(), layout=widgets.Layout(width="100%"))
            self.more_button.add_class("qldrops-tree-more")
            self.more_button.on_click(lambda _b: self.more_files())
            items.append(self.more_button)
        if project.documents:
            items.append(widgets.HTML("<div class='qldrops-section'>Workflow documents</div>"))
            items += self._rows(self.controller.document_rows())
        if project.notes:
            items.append(widgets.HTML("".join(muted_html(n) for n in project.notes)))
        return items

    def _more_label(self) -> str:
        files = sum(1 for *_, path in self._pending_rows if path is not None)
        return f"Show {min(files, self.TREE_PAGE)} more of {files} files"

    def more_files(self) -> None:
        """The tree's next page of rows, before the documents."""
        rows, self._pending_rows = self._pending_rows[:self.TREE_PAGE], self._pending_rows[self.TREE_PAGE:]
        children = list(self.tree.children)
        at = children.index(self.more_button)
        new = self._rows(rows)
        if self._pending_rows:
            self.more_button.description = self._more_label()
            self.tree.children = children[:at] + new + children[at:]
        else:
            self.tree.children = children[:at] + new + children[at + 1:]

    def toggle_tree(self, show: bool | None = None) -> None:
        """Phone width: the tree folds away; the Files button opens and closes it."""
        opened = "qldrops-open" in self.tree._dom_classes
        if show is None:
            show = not opened
        (self.tree.add_class if show else self.tree.remove_class)("qldrops-open")

    def _rows(self, rows: list[tuple[int, str, str | None]]) -> list[widgets.Widget]:
        items: list[widgets.Widget] = []
        for depth, label, path in rows:
            pad = f"{4 + depth * 14}px"
            if path is None:
                items.append(widgets.HTML(f"<div class='qldrops-folder' style='padding-left:{pad}'>"
                                          f"▾ {html.escape(label)}</div>"))
                continue
            button = widgets.Button(description=label, tooltip=path,
                                    layout=widgets.Layout(width="100%", padding=f"0 0 0 {pad}", margin="0"))
            button.add_class("qldrops-tree-file")
            button.on_click(self.guard(self.status)(lambda _b, p=path: self.select(p)))
            self.file_buttons.append(button)
            items.append(button)
        return items

    # ------------------------------------------------------------------ the selected file
    def select(self, path: str) -> None:
        started = time.perf_counter()
        c = self.controller
        selection = c.select(path)
        self.done = set()
        self.toggle_tree(False)
        for button in self.file_buttons:
            (button.add_class if button.tooltip == path else button.remove_class)("qldrops-selected")
        self.code.value = c.code_html()  # the code before the path: a reader of the path finds its code drawn
        self.file_head.value = c.file_head_html()
        self.run_button.layout.display = "" if selection.can_run.runnable else "none"
        self.run_why.value = c.run_why_html()
        self.file_download_button.layout.display = "" if c.cut else "none"
        self.file_download.value = ""
        self.run_output.value = ""
        self.meta_box.value = c.metadata_html()
        self.versions_table.value = c.versions_html()
        pair = selection.default_diff
        if pair is not None:
            self._comparing = True  # one diff for the pair, not one per dropdown change
            try:
                self.from_version.options, self.to_version.options = selection.versions, selection.versions
                self.from_version.value, self.to_version.value = pair
            finally:
                self._comparing = False
            self.show_diff()
        else:
            self.from_version.options, self.to_version.options = [], []
            self.diff_box.value = ""
        self.fill_tab(self.tabs.selected_index or 0)
        self.status.value = (f"<span class='qldrops-muted' id='qldrops-drawn'>{html.escape(path)} drawn in "
                             f"{(time.perf_counter() - started) * 1000:.0f} ms</span>")

    _comparing = False

    def show_diff(self, _change: Any = None) -> None:
        if self._comparing or self.controller.selection is None or self.controller.selection.drop is None:
            return
        self.diff_box.value = self.controller.diff_html(self.from_version.value, self.to_version.value)

    def fill_tab(self, index: int) -> None:
        """Re-check the link, then draw the slow tabs (report, similar) when first opened for the selected file."""
        self.controller.check()
        selection = self.controller.selection
        if selection is None or (selection.file.path, index) in self.done:
            return
        self.done.add((selection.file.path, index))
        if index == 2:
            self.report_box.value = muted_html("Analysing…")
            self.report_box.value = self.controller.report_html()
        elif index == 3:
            self.similar_box.value = muted_html("Looking for similar drops…")
            self.similar_box.value = self.controller.similar_html()

    def run(self, _button: Any = None) -> None:
        self.run_button.disabled = True
        self.run_output.value = muted_html("Running in the sandbox…", element_id="qldrops-running")

        def draw(value: str) -> None:
            self.run_output.value = value

        try:
            self.run_output.value = self.controller.run_html(on_output=draw)
        finally:
            self.run_button.disabled = False

    def download(self, _button: Any = None) -> None:
        self.download_link.value = self.controller.download_html()

    def save_file(self, _button: Any = None) -> None:
        self.file_download.value = self.controller.file_download_html()


def presence_html(seen: dict[str, Any] | None) -> str:
    """"3 pages open on this workflow · editing: Ada (main.py)" (plain text; "" when unknown)."""
    if not seen:
        return ""
    pages = int(seen.get("pages") or 0)
    editors = [f"{e.get('name', '?')} ({e.get('file', '?')})" for e in seen.get("editors") or []][:10]
    text = f"{pages} page{'s' if pages != 1 else ''} open on this workflow"
    if editors:
        text += " · in the editor: " + ", ".join(editors)
    return f"<span class='qldrops-muted' id='qldrops-presence' data-pages='{pages}'>{html.escape(text)}</span>"


# ---------------------------------------------------------------------------------------------- analytics
def analytics_page(page: AnalyticsPage, problem: Problem = problem_html) -> widgets.VBox:
    """Filters (period, workflow, drop type) redrawing every panel of :class:`AnalyticsPage`."""
    first, last = page.default_period()
    start = widgets.DatePicker(description="From", value=first)
    end = widgets.DatePicker(description="To", value=last)
    workflow = widgets.Dropdown(description="Workflow", options=[ALL, *page.workflows], value=ALL)
    drop_type = widgets.Dropdown(description="Drop type", options=[ALL, *page.drop_types], value=ALL)
    status = widgets.HTML()
    names = ("kpis", "views", "funnel", "funnel_numbers", "top", "quality_by_language", "quality_by_type",
             "executions", "suggestions", "collaboration")
    shown = {name: widgets.HTML() for name in names}

    @guarded(status, problem)
    def refresh(_change: Any = None) -> None:
        status.value = note_html("Updating…")
        try:
            panels = page.cached_refresh(_day(start.value), _day(end.value), workflow.value, drop_type.value)
        except QldropsError:  # e.g. From after To: no figure may stay from the filters before
            for name in names:
                shown[name].value = ""
            raise
        for name in names:
            shown[name].value = getattr(panels, name)
        status.value = panels.status

    for w in (start, end, workflow, drop_type):
        w.observe(refresh, names="value")
    refresh()

    def half(*children: widgets.Widget, width: str) -> widgets.VBox:
        return widgets.VBox(list(children), layout=widgets.Layout(width=width))

    box = live(widgets.VBox([
        widgets.HBox([start, end]), widgets.HBox([workflow, drop_type]), status, shown["kpis"],
        widgets.HBox([half(shown["views"], width="60%"), half(shown["funnel"], shown["funnel_numbers"], width="40%")]),
        shown["top"],
        shown["collaboration"],
        widgets.HBox([half(shown["quality_by_language"], width="60%"), half(shown["quality_by_type"], width="40%")]),
        shown["executions"],
        shown["suggestions"],
    ]))
    box.add_class("qldrops-page")  # the live page: the static first paint gives way to it
    return box


def _day(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


# ---------------------------------------------------------------------------------------------- explorer
def search_section(page: ExplorerPage, problem: Problem = problem_html) -> widgets.VBox:
    query = widgets.Text(value=DEFAULT_QUERY, description="Search",
                         layout=widgets.Layout(width="60%"), continuous_update=False)
    kind = widgets.Dropdown(description="Type", options=[ALL, *page.drop_types], value=ALL)
    k = widgets.IntSlider(description="Results", value=DEFAULT_RESULTS, min=1, max=30)
    go_button = widgets.Button(description="Search", button_style="primary")
    results = widgets.HTML()

    @guarded(results, problem)
    def search(_: Any = None) -> None:
        results.value = note_html("Searching…")
        results.value = page.search_html(query.value, k=k.value, drop_type=kind.value)

    go_button.on_click(search)
    query.observe(search, names="value")
    search()
    return widgets.VBox([widgets.HBox([query, go_button]), widgets.HBox([kind, k]), results])


def topics_section(page: ExplorerPage, problem: Problem = problem_html) -> widgets.VBox:
    n_topics = widgets.IntSlider(description="Topics", value=DEFAULT_TOPICS, min=2, max=20)
    recluster = widgets.Button(description="Find topics")
    topics = widgets.HTML()

    @guarded(topics, problem)
    def show(_: Any = None, fresh: bool = True) -> None:
        topics.value = note_html("Grouping the drops…")
        topics.value = page.topics_html(n_topics.value, fresh=fresh)

    recluster.on_click(show)
    show(fresh=False)  # the topics an analyst saved last, if any
    return widgets.VBox([widgets.HBox([n_topics, recluster]), topics])


def dupes_section(page: ExplorerPage, problem: Problem = problem_html) -> widgets.VBox:
    threshold = widgets.FloatSlider(description="Similarity", value=DEFAULT_THRESHOLD, min=0.80, max=0.99, step=0.01)
    methods = {m: widgets.Checkbox(description=m, value=True, indent=False) for m in METHODS}
    pairs = widgets.Dropdown(description="Pair", options=[], layout=widgets.Layout(width="70%"))
    summary, pair_view = widgets.HTML(), widgets.HTML()

    @guarded(pair_view, problem)
    def show_pair(_: Any = None) -> None:
        if pairs.value:
            pair_view.value = page.pair_html(pairs.value)

    @guarded(summary, problem)
    def find(_: Any = None) -> None:
        chosen = [m for m, box in methods.items() if box.value]
        if page.answered(threshold.value, chosen):
            return
        summary.value = note_html("Comparing drops…")
        found = page.dupes(threshold.value, chosen)
        summary.value = found.summary
        pairs.options = found.options
        if found.options:
            pairs.value = found.options[0][1]  # options changed: show the first pair
            show_pair()
        else:
            pair_view.value = found.empty

    threshold.observe(find, names="value")
    for box in methods.values():
        box.observe(find, names="value")
    pairs.observe(show_pair, names="value")
    find()
    return widgets.VBox([widgets.HBox([threshold, *methods.values()]), summary, pairs, pair_view])


def explorer_page(page: ExplorerPage, problem: Problem = problem_html) -> widgets.VBox:
    """The whole explorer: key figures, search, topics and near-duplicates (the static first paint,
    :meth:`ExplorerPage.first_paint_html`, gives way to it once it draws)."""
    def heading(text: str) -> widgets.HTML:
        return widgets.HTML(f"<h2>{html.escape(text)}</h2>")

    box = live(widgets.VBox([
        widgets.HTML(page.kpis_html()),
        heading("Search by words and meaning"), search_section(page, problem),
        heading("Topics"), topics_section(page, problem),
        heading("Near-duplicates"), dupes_section(page, problem),
    ]))
    box.add_class("qldrops-page")
    return box
