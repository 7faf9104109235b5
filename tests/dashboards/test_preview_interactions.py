"""The open preview page on a real SQLite store: every interaction re-checks the link, Run is offered
only where the sandbox can run the file (and says why elsewhere), a file's versions are its own, a big
workflow stays light (paged tree, truncated file with its download). Browser side:
tests/test_dashboards_preview.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil

import pytest

from qldrops.dashboards import panels
from qldrops.dashboards.preview import PreviewPage
from qldrops.dashboards.widgets import PreviewWidgets
from qldrops.errors import LinkExpired, LinkRevoked
from qldrops.runner.readiness import readiness
from qldrops.server.kernel import problem_html as visitor_problem_html

V1 = "# File: app/models.py\nclass Todo:\n    pass\n\n# File: app/main.py\nfrom app.models import Todo\nprint(Todo)\n"
V2 = V1.replace("print(Todo)", "print('todo', Todo)")  # main.py changes
V3 = V2.replace("    pass", "    done = False")  # models.py changes


@pytest.fixture
def wf(store):
    s = store
    two = s.put(workflow_id="wf-p", drop_type="code_generation", artifact=V1, metadata={"language": "python"})
    s.update(two.id, artifact=V2, message="main prints more")
    s.update(two.id, artifact=V3, message="models: done flag")
    s.put(workflow_id="wf-p", drop_type="code_generation",
          artifact="from flask import Flask\napp = Flask(__name__)\n\nif __name__ == '__main__':\n    app.run()\n",
          metadata={"filename": "web.py"})
    s.put(workflow_id="wf-p", drop_type="code_generation",
          artifact="#!/usr/bin/env bash\n# File: deploy.sh\nset -eu\nSERVICE=\"${1:?usage: deploy.sh <service>}\"\n"
                   "echo \"$SERVICE\"\n", metadata={"filename": "deploy.sh"})
    s.put(workflow_id="wf-p", drop_type="code_generation",
          artifact="import sys\nprint('out')\nprint('err', file=sys.stderr)\n", metadata={"filename": "hello.py"})
    link = s.previews.create("wf-p", ttl="1h")
    return s, link


def _page(wf) -> PreviewPage:
    s, link = wf
    return PreviewPage.open(s, s.previews.view(link.id))


def test_a_files_versions_and_diffs_are_that_files_only(wf):
    page = _page(wf)
    main = page.select("app/main.py")
    assert main.versions == [1, 2] and main.default_diff == (1, 2)  # v3 changed models.py only
    assert "shares its drop with other files" in page.versions_html()
    assert page.versions_html().count("<tr>") == 3  # header + v1, v2
    diff = page.diff_html(1, 2)
    assert "print(&#x27;todo&#x27;, Todo)" in diff and "done" not in diff and "class Todo" not in diff
    models = page.select("app/models.py")
    assert models.versions == [1, 3] and models.default_diff == (1, 3)
    diff = page.diff_html(1, 3)
    assert "+    done = False" in diff and "print" not in diff
    assert "Pick two versions of this file" in page.diff_html(1, 2)  # v2 is not a version of models.py


def test_run_is_offered_only_where_the_sandbox_can_run_and_the_page_says_why(wf):
    page = _page(wf)
    kinds = {}
    for path in ("hello.py", "web.py", "deploy.sh", "app/models.py", "requirements.txt", "app/main.py"):
        kinds[path] = page.select(path).can_run.kind
    assert kinds["web.py"] == "dependency" and kinds["deploy.sh"] == "arguments"
    assert kinds["app/models.py"] == "not-a-program" and kinds["requirements.txt"] == "not-a-program"
    if shutil.which("bwrap"):
        assert kinds["hello.py"] == kinds["app/main.py"] == "ok"  # app.models is the project's own module
    page.select("web.py")
    why = page.run_why_html()
    assert "flask" in why and "not have installed" in why and "data-kind='dependency'" in why
    assert "does not run in the sandbox" in page.run_html()  # and nothing ran
    assert len(wf[0].executions()) == 0
    ui = PreviewWidgets(page, visitor_problem_html)
    ui.select("deploy.sh")
    assert ui.run_button.layout.display == "none" and "command-line arguments" in ui.run_why.value


@pytest.mark.parametrize(("path", "text", "kind"), [
    ("a.py", "print(1)\n", "ok"),
    ("a.py", "import requests\nrequests.get('x')\n", "dependency"),
    ("a.py", "try:\n    import ujson as json\nexcept ImportError:\n    import json\nprint(json)\n", "ok"),
    ("a.py", "import sys\nprint(sys.argv[1])\n", "arguments"),
    ("a.py", "import argparse\np = argparse.ArgumentParser()\np.add_argument('path')\np.parse_args()\n", "arguments"),
    ("a.py", "import argparse\np = argparse.ArgumentParser()\np.add_argument('path', nargs='?')\np.parse_args()\n",
     "ok"),
    ("a.py", "from http.server import HTTPServer, BaseHTTPRequestHandler\n"
             "HTTPServer(('', 8000), BaseHTTPRequestHandler).serve_forever()\n", "server"),
    ("a.py", "def f(:\n", "syntax"),
    ("a.py", '"""Helpers."""\nimport os\n\ndef f():\n    return os.sep\n', "not-a-program"),
    ("main.go", "package main\nfunc main() {}\n", "language"),
    ("s.sh", "echo \"${1:-world}\"\n", "ok"),
    ("s.sh", "[ $# -lt 1 ] && exit 2\necho hi\n", "arguments"),
    ("s.js", "const express = require('express');\n", "dependency"),
    ("s.js", "const fs = require('fs');\nconsole.log(fs.existsSync('/'));\n", "ok"),
])
@pytest.mark.skipif(not shutil.which("bwrap"), reason="bubblewrap is not installed")
def test_readiness_reads_the_file_without_running_it(path, text, kind):
    assert readiness(path, text, [path]).kind == kind


def test_every_interaction_rechecks_the_link_and_a_revoked_page_shows_nothing_more(wf):
    s, link = wf
    page = _page(wf)
    ui = PreviewWidgets(page, visitor_problem_html)
    ui.select("hello.py")
    ui.tabs.selected_index = 2
    assert "id='qldrops-report'" in ui.report_box.value
    ui.tabs.selected_index = 0
    s.previews.revoke(link.id)
    with pytest.raises(LinkRevoked):
        page.check()
    ui.tabs.selected_index = 2  # drawn before: still re-checked, and refused
    assert len(ui.page.children) == 1 and "qldrops-link-gone" in ui.page.children[0].value
    assert "hello.py" not in ui.page.children[0].value and ui.report_box.value == ""


@pytest.mark.parametrize("action", ["report", "similar", "run", "download", "diff", "select"])
def test_an_expired_link_refuses_each_interaction(wf, action):
    s, _ = wf
    page = _page(wf)
    page.select("app/main.py")
    real = s.clock
    s.clock = lambda: real() + dt.timedelta(hours=2)
    calls = {"report": page.report_html, "similar": page.similar_html, "run": page.run_html,
             "download": page.download_html, "diff": lambda: page.diff_html(1, 2),
             "select": lambda: page.select("hello.py")}
    try:
        with pytest.raises(LinkExpired):
            calls[action]()
    finally:
        s.clock = real


@pytest.mark.sandbox
@pytest.mark.skipif(not shutil.which("bwrap"), reason="bubblewrap is not installed")
def test_run_output_streams_with_stdout_and_stderr_apart_and_tracebacks_match_the_viewer(sqlite_store):
    s = sqlite_store
    boom = "# File: boom.py\nimport sys\nprint('first')\nsys.stdout.flush()\nprint('oops', file=sys.stderr)\n" \
           "raise ValueError('line six of the file')\n"
    s.put(workflow_id="wf-run", drop_type="code_generation", artifact=boom, metadata={"filename": "boom.py"})
    link = s.previews.create("wf-run", ttl="1h")
    page = PreviewPage.open(s, s.previews.view(link.id))
    page.select("boom.py")
    shown = re.sub(r"<[^>]+>", "", page.code_html())
    assert "# File:" not in shown  # the viewer hides the marker ...
    row = re.search(r"data-n='(\d+)'><span class='qc'><span[^>]*>raise", page.code_html())
    drawn: list[str] = []
    out = page.run_html(on_output=drawn.append)
    assert row is not None and f"line {row.group(1)}, in &lt;module&gt;" in out  # ... and so does the sandbox
    assert drawn and "data-status='running'" in drawn[0] and "data-stream='stdout'>first" in drawn[0]
    assert "data-stream='stderr'>oops" in drawn[-1]  # told apart, in the order they came
    assert drawn[-1].index("first") < drawn[-1].index("oops")


def test_code_is_monospace_rows_with_an_unselectable_gutter_and_tabs_at_the_settings_width(sqlite_store):
    s = sqlite_store
    s.settings = dataclasses.replace(s.settings, tab_width=8)
    s.put(workflow_id="wf-go", drop_type="code_generation", artifact="package main\n\nfunc main() {\n\tprintln(1)\n}\n",
          metadata={"filename": "main.go"})
    page = PreviewPage.open(s, s.previews.view(s.previews.create("wf-go", ttl="1h").id))
    page.select("main.go")
    code = page.code_html()
    assert "tab-size:8" in code and "data-lines='5'" in code
    assert [int(n) for n in re.findall(r"data-n='(\d+)'", code)] == [1, 2, 3, 4, 5]
    text = re.sub(r"<[^>]+>", "", code)
    assert "\tprintln" in text and not re.search(r"^\s*\d", text)  # the numbers are not in the text
    assert "class=\"kd\">func" in code  # highlighted by class: the theme colours it
    style = panels_style()
    assert "user-select:none" in style and "content:attr(data-n)" in style and "monospace" in style


def panels_style() -> str:
    from qldrops.dashboards.html import STYLE
    return STYLE


def test_a_big_workflow_pages_its_tree_and_cuts_a_2mb_file_with_its_download(sqlite_store):
    s = sqlite_store
    rows = [{"workflow_id": "wf-big", "drop_type": "code_generation", "artifact": f"print({i})\n",
             "metadata": {"filename": f"pkg{i // 30}/m{i}.py"}} for i in range(300)]
    s.put_many(rows)
    big = "".join(f"x_{i} = {i}  # a long generated table row\n" for i in range(60_000))
    assert len(big) > 2_000_000
    s.put(workflow_id="wf-big", drop_type="code_generation", artifact=big, metadata={"filename": "table.py"})
    page = PreviewPage.open(s, s.previews.view(s.previews.create("wf-big", ttl="1h").id))
    ui = PreviewWidgets(page, visitor_problem_html)
    assert len(ui.file_buttons) < 150 and "more of" in ui.more_button.description
    total = len(page.project.files)
    while ui._pending_rows:
        ui.more_files()
    assert len(ui.file_buttons) == total >= 301
    ui.select("table.py")
    code = ui.code.value
    assert len(code) < len(big) / 4  # the page carries the start, not 2 MB of markup
    assert "id='qldrops-truncated'" in code and "Save this file" in code
    assert code.count("class='ql'") == panels.MAX_LINES
    assert ui.file_download_button.layout.display == ""
    ui.file_download_button.click()  # the whole file, on demand
    assert "id='qldrops-file-download'" in ui.file_download.value and "download='table.py'" in ui.file_download.value
    ui.select("pkg0/m1.py")
    assert ui.file_download_button.layout.display == "none" and ui.file_download.value == ""
