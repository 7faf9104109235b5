"""Dashboards that fail or hang: the visitor gets an instruction, never a traceback or a hung page.

Each test serves its own one-cell dashboard (``--dashboards-dir``) behind a live link.
"""

from __future__ import annotations

import nbformat
import pytest

from qldrops.server.process import ServerProcess

from test_server import _http, seed  # noqa: E402  (same folder; pytest puts it on sys.path)


def _dashboard(folder, code: str):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir()
    nbformat.write(nb, folder / "preview.ipynb")
    return folder


@pytest.mark.parametrize("code,shown,args", [
    ("raise RuntimeError('INTERNAL-DETAIL: /srv/secret.py')", "could not be drawn", []),
    ("import time\ntime.sleep(3600)  # INTERNAL-DETAIL", "took too long", ["--execute-timeout", "2"]),
])
def test_a_failing_or_hanging_cell_shows_an_instruction(tmp_path, code, shown, args):
    url = f"sqlite:///{tmp_path / 'qldrops.db'}"
    links = seed(url)
    dashboards = _dashboard(tmp_path / "dash", code)
    with ServerProcess(url, log_path=tmp_path / "server.log", preheat=False,
                       extra_args=["--dashboards-dir", str(dashboards), *args]) as srv:
        status, _, page = _http(srv.url + "/p/" + links["live"])
    assert status == 200
    assert shown in page
    for leaked in ("INTERNAL-DETAIL", "Traceback", "RuntimeError", "--show_tracebacks", "interrupt_on_timeout"):
        assert leaked not in page
