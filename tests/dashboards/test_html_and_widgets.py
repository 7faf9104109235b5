"""Shared HTML pieces, the widget wiring (without a kernel), and the layering of the dashboards."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from qldrops.dashboards import html as dash
from qldrops.dashboards.analytics import AnalyticsPage
from qldrops.dashboards.preview import PreviewPage
from qldrops.dashboards.widgets import PreviewWidgets, analytics_page
from qldrops.errors import DatabaseUnavailable
from qldrops.server.kernel import problem_html as visitor_problem_html

ROOT = Path(__file__).resolve().parents[2] / "qldrops"


def _imports_of(path: Path) -> set[str]:
    return {a.name for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Import)
            for a in node.names}


def _imports(folder: Path) -> set[str]:
    found = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = "qldrops." + folder.name if node.level == 1 else "qldrops" if node.level == 2 else ""
                found.add(f"{base}.{node.module}".strip(".") if node.level else node.module or "")
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
    return found


def test_the_dashboards_stay_above_the_library_and_below_the_server():
    dashboards, server = _imports(ROOT / "dashboards"), _imports(ROOT / "server")
    assert not {m for m in dashboards if m.startswith(("qldrops.server", "qldrops.demo"))}
    assert not {m for m in server if m.startswith("qldrops.demo")}
    widget_users = {p.name for p in (ROOT / "dashboards").glob("*.py") if "ipywidgets" in _imports_of(p)}
    assert widget_users == {"widgets.py"}


def test_a_problem_is_an_instruction_in_the_readers_words():
    exc = DatabaseUnavailable("cannot reach the database at postgresql://u:secret@h/db",
                              hint="check QLDROPS_DATABASE_URL")
    operator = dash.problem_html(exc)
    assert "cannot reach the database" in operator and "<b>What to do:</b> check QLDROPS_DATABASE_URL" in operator
    visitor = visitor_problem_html(exc)
    assert "secret" not in visitor and "QLDROPS_DATABASE_URL" not in visitor and "unavailable" in visitor
    assert "qldrops-problem" in visitor and "role='alert'" in visitor


def test_small_pieces_escape_what_they_show():
    kpis = dash.kpis_html([("<views>", "<b>")])
    assert "&lt;views&gt;" in kpis and "<b>&lt;b&gt;</b>" in kpis
    assert dash.note_html("<x>", element_id="n") == "<div class='qldrops-box qldrops-note' id='n'>&lt;x&gt;</div>"
    assert dash.first_lines("\n a \n\n b \n c \n d") == "a ⏎ b ⏎ c"
    assert dash.short({"k": 1}) == '{"k": 1}' and dash.short("x" * 10, 5) == "xxxx…"
    assert dash.count(1, "file") == "1 file" and dash.count(2, "file") == "2 files"


def test_a_figure_travels_as_json_the_loader_draws():
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=["a"], y=[3]), layout={"height": 200})
    div = dash.figure_html(fig, element_id="f")
    assert "class='qldrops-plot' id='f' style='width:100%;height:200px'" in div and "data-figure='{" in div
    assert dash.figure_json(fig)["data"][0]["type"] == "bar"
    loader = dash.plotly_loader_html()
    assert "window.PlotlyConfig" in loader and "<script src" not in loader.replace(" ", "").lower()
    # under `qldrops serve`: the server's copy, loaded without holding up the page, drawing every figure on arrival
    served = dash.plotly_loader_html(served=True)
    # fetched when a figure first needs it or once the page has loaded (the first paint's charts are SVG)
    assert f"s.src = '/{dash.PLOTLY_JS}'" in served and "addEventListener('load', window.qldropsPlotlyLoad)" in served
    assert "<script type='text/javascript' async src" not in served
    assert "window.qldropsPlotScan = function" in served and len(served) < len(loader) / 50


@pytest.fixture
def link(sqlite_store):
    s = sqlite_store
    s.put(workflow_id="wf-1", drop_type="code_generation", artifact="print('a')\n", metadata={"filename": "a.py"})
    s.put(workflow_id="wf-1", drop_type="code_generation", artifact="print('b')\n", metadata={"filename": "src/b.py"})
    return s, s.previews.create("wf-1", ttl="1h")


def test_the_preview_widgets_select_files_and_show_an_expiry_as_an_instruction(link):
    s, p = link
    ui = PreviewWidgets(PreviewPage.open(s, s.previews.view(p.id)), visitor_problem_html)
    # folders first; requirements.txt is the manifest store.project derives
    assert [b.tooltip for b in ui.file_buttons] == ["src/b.py", "a.py", "requirements.txt"]
    assert "print" in ui.code.value and "qldrops-drawn" in ui.status.value
    assert "qldrops-live" in ui.page._dom_classes  # the page's watchdog waits for it (server template)
    first = ui.controller.selection.file.path
    other = next(b for b in ui.file_buttons if b.tooltip != first)
    other.click()
    assert ui.controller.selection.file.path == other.tooltip and "qldrops-selected" in other._dom_classes
    ui.tabs.selected_index = 2
    assert "id='qldrops-report'" in ui.report_box.value
    real = s.clock
    s.clock = lambda: real() + dt.timedelta(hours=3)
    try:
        ui.file_buttons[0].click()
    finally:
        s.clock = real
    # the whole page says so, and nothing else: no code, no report of the file shown before
    assert len(ui.page.children) == 1 and "This link has expired" in ui.page.children[0].value
    assert "Traceback" not in ui.page.children[0].value
    assert ui.code.value == ui.report_box.value == ui.file_head.value == ""
    assert ui.controller.selection is None


def test_the_analytics_filters_redraw_the_panels(link):
    s, p = link
    s.previews.open(p.capability, client="10.0.0.1", user_agent="ua")
    box = analytics_page(AnalyticsPage(s))
    assert "qldrops-live" in box._dom_classes
    status = box.children[2]
    workflow = box.children[1].children[0]
    assert "qldrops-updated" in status.value and "2 events" in status.value  # share + view
    workflow.value = "wf-1"
    assert "2 events, 2 drops" in status.value
