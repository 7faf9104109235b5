"""Dashboards that fail or hang: the visitor gets an instruction, never a traceback or a hung page.

Each test serves its own one-cell dashboard (``--dashboards-dir``) behind a live link.
"""

from __future__ import annotations

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
