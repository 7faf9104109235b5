"""Dashboards that fail or hang: the visitor gets an instruction, never a traceback or a hung page.

Each test serves its own one-cell dashboard (``--dashboards-dir``) behind a live link.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading

import nbformat
import pytest
from test_server import _http, seed

from qldrops.server.process import ServerProcess


def _dashboard(folder, code: str):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir()
    nbformat.write(nb, folder / "preview.ipynb")
    return folder


@pytest.mark.parametrize(
    "code,shown,args",
    [
        ("raise RuntimeError('INTERNAL-DETAIL: /srv/secret.py')", "could not be drawn", []),
        ("import time\ntime.sleep(3600)  # INTERNAL-DETAIL", "took too long", ["--execute-timeout", "2"]),
    ],
)
def test_a_failing_or_hanging_cell_shows_an_instruction(tmp_path, code, shown, args):
    url = f"sqlite:///{tmp_path / 'qldrops.db'}"
    links = seed(url)
    dashboards = _dashboard(tmp_path / "dash", code)
    with ServerProcess(
        url,
        log_path=tmp_path / "server.log",
        preheat=False,
        extra_args=["--dashboards-dir", str(dashboards), *args],
    ) as srv:
        status, _, page = _http(srv.url + "/p/" + links["live"])
    assert status == 200
    assert shown in page
    for leaked in (
        "INTERNAL-DETAIL",
        "Traceback",
        "RuntimeError",
        "--show_tracebacks",
        "interrupt_on_timeout",
    ):
        assert leaked not in page


def test_the_capability_never_reaches_the_kernel(tmp_path):
    """A dashboard that prints its whole environment and what it learned: no capability in it.

    Two renders through preheated kernels, so the second kernel was started after the
    first request (Voila copies the previous request's URL into the next pool kernel).
    """
    import html
    import json
    import re

    from qldrops.server.kernel import WAIT_TAG

    url = f"sqlite:///{tmp_path / 'qldrops.db'}"
    links = seed(url)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    wait = nbformat.v4.new_code_cell(
        "from qldrops.server.kernel import wait_for_visit\nvisit = wait_for_visit()"
    )
    wait.metadata["tags"] = [WAIT_TAG]
    nb.cells = [
        wait,
        nbformat.v4.new_code_cell(
            "import json, os\n"
            "initial = open('/proc/self/environ', encoding='utf-8', errors='replace').read()\n"
            "print('DUMP' + json.dumps({'env': dict(os.environ), 'initial': initial, 'visit': vars(visit)}))"
        ),
    ]
    (tmp_path / "dash").mkdir()
    nbformat.write(nb, tmp_path / "dash" / "preview.ipynb")
    with ServerProcess(
        url,
        log_path=tmp_path / "server.log",
        preheat=True,
        extra_args=["--dashboards-dir", str(tmp_path / "dash")],
    ) as srv:
        pages = []
        for _ in range(2):
            srv.wait_ready()
            status, _, page = _http(srv.url + "/p/" + links["live"] + "?leak=" + links["live"])
            assert status == 200
            pages.append(page)
    for page in pages:
        printed = re.search(r"<pre>DUMP(.*?)</pre>", page, re.DOTALL)  # stream output: escaped HTML
        dump = json.loads(html.unescape(printed.group(1)))
        assert dump["visit"]["preview_id"] == int(links["live_id"])
        text = json.dumps(dump)
        assert links["live"] not in text
        assert "QUERY_STRING" not in dump["env"] and "ticket=" not in text
        assert "/p/" + links["live"] not in dump["initial"]  # not even in the kernel's start-up environment



# Many widgets with some state each (as the preview's ~130), made before the one that is displayed: the
# server reads ~600 IOPub messages for this cell, and the display comes last.
MANY_WIDGETS = """\
import ipywidgets as widgets
from IPython.display import display

parts = [widgets.HTML("<span>" + "x" * 20000 + "</span>") for _ in range(200)]
box = widgets.VBox([widgets.HTML("<div id='late-widget'>drawn</div>"), *parts])
box.add_class("qldrops-live")
display(box)
"""


def many_widgets_dashboard(folder):
    """A one-cell dashboard displaying one box of 200 widgets (see MANY_WIDGETS)."""
    folder = _dashboard(folder, MANY_WIDGETS)
    nb = nbformat.read(folder / "preview.ipynb", as_version=4)
    nb.metadata["qldrops"] = {"live_widgets": 1}
    nbformat.write(nb, folder / "preview.ipynb")
    return folder


@contextlib.contextmanager
def starved(pid: int, share: float = 0.1, period: float = 1.0):
    """Run process ``pid`` for ``share`` of each ``period`` (SIGSTOP/SIGCONT): a server on a busy machine."""
    stop = threading.Event()

    def cycle() -> None:
        while not stop.is_set():
            os.kill(pid, signal.SIGSTOP)
            stop.wait(period * (1 - share))
            os.kill(pid, signal.SIGCONT)
            stop.wait(period * share)
        os.kill(pid, signal.SIGCONT)

    thread = threading.Thread(target=cycle, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        os.kill(pid, signal.SIGCONT)


def test_a_widget_output_is_in_the_page_even_when_the_server_reads_it_slowly(tmp_path):
    """Issue 11: with 3 visitors at once on two cores, a preview page now and then came without its live
    widgets. After a cell's reply nbclient (Voila's executor) waited only 4 s (``iopub_timeout``) for the
    rest of the cell's IOPub messages and dropped the rest ("Timeout waiting for IOPub output"): the
    widget's display, sent after every widget's state, was among them. Here the server gets a tenth of
    the CPU while it renders a cell of 200 widgets: the page must still carry the widget's output."""
    url = f"sqlite:///{tmp_path / 'qldrops.db'}"
    links = seed(url)
    dashboards = many_widgets_dashboard(tmp_path / "dash")
    with ServerProcess(
        url, log_path=tmp_path / "server.log", preheat=False, extra_args=["--dashboards-dir", str(dashboards)]
    ) as srv, starved(srv.proc.pid):
        status, _, page = _http(srv.url + "/p/" + links["live"])
    assert status == 200
    assert "application/vnd.jupyter.widget-view+json" in page  # the widget's output, for the front end to draw
    assert '<span class="qldrops-live-slot" hidden></span>' in page  # ...and the watchdog's marker beside it
    assert "var expected = 1;" in page  # the watchdog waits for the one widget the notebook's metadata names
    assert "Timeout waiting for IOPub output" not in (tmp_path / "server.log").read_text()
