"""The preview page's controller on a real SQLite store: files, code, versions, diffs, zip, similar,
an expired link, a failing project. (The same page in Chromium: tests/test_dashboards_preview.py.)"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import shutil
import zipfile

import pytest

from qldrops.dashboards.html import problem_html
from qldrops.dashboards.preview import PreviewPage
from qldrops.dashboards.project import ProjectFile as PageFile
from qldrops.dashboards.project import SharedProject, project_of, safe_path, zip_bytes
from qldrops.errors import LinkExpired, NotFound, ValidationError
from qldrops.server.kernel import problem_html as visitor_problem_html

KEY = "AKIAABCDEFGHIJKLMNOP"
GO = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n'
TWO = "// File: cmd/app/main.go\n" + GO + "\n// File: internal/util.go\npackage internal\n\nfunc Util() {}\n"


@pytest.fixture
def wf(sqlite_store):
    s = sqlite_store
    s.put(workflow_id="wf-1", drop_type="prompt_enhancement", artifact="Write a tiny service.\n",
          metadata={"title": "Prompt"})
    s.put(workflow_id="wf-1", drop_type="project_structure", artifact="cmd/app/main.go\ninternal/util.go\n",
          metadata={"files": ["cmd/app/main.go", "internal/util.go", "docs/README.md"], "project_type": "service"})
    go = s.put(workflow_id="wf-1", drop_type="code_generation", artifact=TWO, metadata={"language": "go"})
    py = s.put(workflow_id="wf-1", drop_type="code_generation", artifact="print('one')\n",
               metadata={"filename": "tools/app.py", "language": "python"})
    py = s.update(py.id, artifact=f"print('two')\nAWS = '{KEY}'\n", message="add the key")
    other = s.put(workflow_id="wf-2", drop_type="code_generation", artifact="print('other workflow secret')\n",
                  metadata={"filename": "other.py"})
    link = s.previews.create("wf-1", ttl="1h")
    return {"store": s, "go": go, "py": py, "other": other, "link": link}


def _page(wf, **who):
    s = wf["store"]
    return PreviewPage.open(s, s.previews.view(wf["link"].id), who)


def test_the_page_lists_the_files_store_project_builds(wf):
    page = _page(wf)
    paths = [f.path for f in page.project.files]
    assert {"cmd/app/main.go", "internal/util.go", "tools/app.py"} <= set(paths)
    assert paths == sorted(paths, key=str.lower)
    assert [d.path for d in page.project.documents] == ["prompt.md", "project_structure.txt"]
    assert any("docs/README.md" in n for n in page.project.notes)  # planned, never generated
    assert page.first_path() == "cmd/app/main.go"
    rows = page.file_rows()
    assert (0, "cmd/", None) in rows and (2, "main.go", "cmd/app/main.go") in rows
    head = page.header_html()
    assert "wf-1" in head and ">go<" in head and ">python<" in head and "2 documents" in head
    go = page.project.by_path("cmd/app/main.go")
    assert (go.drop_id, go.language, go.runnable) == (wf["go"].id, "go", False)
    assert page.project.by_path("tools/app.py").runnable


def test_selecting_a_file_draws_its_code_versions_and_masked_diff(wf):
    page = _page(wf)
    selection = page.select("tools/app.py")
    assert selection.versions == [1, 2] and selection.default_diff == (1, 2)
    code = page.code_html()
    assert "data-language='python'" in code and "data-lexer='Python'" in code
    assert KEY not in code and "AKIA" in code  # masked, its first letters kept
    assert "tools/app.py" in page.file_head_html() and "v2" in page.file_head_html()
    versions = page.versions_html()
    assert versions.count("<tr>") == 3 and "add the key" in versions
    diff = page.diff_html(1, 2)
    assert "v1 → v2" in diff and "print(&#x27;two&#x27;)" in diff and KEY not in diff
    assert "Pick two different versions" in page.diff_html(2, 2)
    meta = page.metadata_html()
    assert f"<td>{wf['py'].id}</td>" in meta and "tools/app.py" in meta
    report = page.report_html()
    assert "id='qldrops-report'" in report and KEY not in report
    page.select("cmd/app/main.go")
    assert "func main()" in re.sub(r"<[^>]+>", "", page.code_html()).replace("&quot;", '"')
    assert page.run_html() == ("<p class='qldrops-muted'>This file does not run in the sandbox. The sandbox runs "
                               "Python, JavaScript and shell scripts; main.go is none of them.</p>")


def test_a_document_and_an_unknown_path(wf):
    page = _page(wf)
    page.select("prompt.md")
    assert "Write a tiny service." in page.code_html()
    with pytest.raises(NotFound):
        page.select("../etc/passwd")


def test_the_zip_holds_the_project_masked_and_records_a_download(wf):
    page = _page(wf, client="10.0.0.1", user_agent="test")
    link = page.download_html()
    data = base64.b64decode(re.search(r"base64,([^']+)'", link).group(1))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        text = "".join(z.read(n).decode() for n in names)
    assert {"wf-1/cmd/app/main.go", "wf-1/tools/app.py", "wf-1/_workflow/prompt.md"} <= names
    assert KEY not in text and "print('two')" in text
    assert "other workflow" not in text
    assert "download='wf-1.zip'" in link
    downloads = list(wf["store"].events.list(event_type="download"))
    assert len(downloads) == 1 and downloads[0].metadata["bytes"] == len(data)


def test_similar_drops_of_other_workflows_are_named_not_shown(wf):
    wf["store"].index.sync()  # in the server the background indexer does this
    page = _page(wf)
    page.select("tools/app.py")
    similar = page.similar_html()
    assert "id='qldrops-similar'" in similar and "wf-2" in similar
    assert "other workflow secret" not in similar
    page.select("go.mod")  # derived by store.project: no stored drop
    assert "no stored drop" in page.similar_html()
    assert page.versions_html() == "<p class='qldrops-muted'>No stored versions.</p>"
    assert page.diff_html(1, 2) == ""


def test_a_link_to_one_drop_shows_that_drops_files_only(wf):
    s = wf["store"]
    link = s.previews.create("wf-1", ttl="1h", drop_id=wf["go"].id)
    page = PreviewPage.open(s, s.previews.view(link.id))
    assert [f.path for f in page.project.files] == ["cmd/app/main.go", "internal/util.go"]
    assert page.project.documents == []
    assert not any("docs/README.md" in n for n in page.project.notes)  # the plan is the workflow's


def test_an_expired_link_gives_the_expiry_instruction(wf):
    s = wf["store"]
    page = _page(wf)
    real = s.clock
    s.clock = lambda: real() + dt.timedelta(hours=2)
    try:
        with pytest.raises(LinkExpired) as e:
            page.select("tools/app.py")
    finally:
        s.clock = real
    shown = visitor_problem_html(e.value)
    assert "This link has expired" in shown and "Ask the person who shared it for a new link." in shown
    assert "Traceback" not in shown


def test_a_project_that_cannot_be_built_is_an_instruction_not_another_project(wf):
    s = wf["store"]
    view = s.previews.view(wf["link"].id)
    for d in s.list(workflow_id="wf-1"):
        s.delete(d.id)
    with pytest.raises(NotFound) as e:
        PreviewPage.open(s, view)
    shown = problem_html(e.value)
    assert "wf-1" in shown and "What to do:" in shown and "qldrops-problem" in shown


@pytest.mark.skipif(not shutil.which("bwrap"), reason="bubblewrap is not installed")
def test_running_a_python_file_shows_its_output_and_records_the_run(wf):
    page = _page(wf, client="10.0.0.2", user_agent="test")
    page.select("tools/app.py")
    out = page.run_html()
    assert "data-status='ok'" in out and "two" in out
    assert len(wf["store"].events.list(event_type="execute")) == 1


@pytest.mark.parametrize("bad", ["../x.py", "a/../../x.py", "/etc/passwd", "a\\b.py", "C:/x.py", "c:x.py",
                                 "a\x00b.py", ""])
def test_paths_to_the_zip_are_refused_when_unsafe(bad):
    with pytest.raises(ValidationError):
        safe_path(bad)
    project = SharedProject("wf-x", [PageFile(bad, "x", "text", None)], [])
    with pytest.raises(ValidationError):
        zip_bytes(project)


def test_paths_are_normalised_once():
    assert safe_path("./src//a/./b.py") == "src/a/b.py"
    data = zip_bytes(SharedProject("wf/../x", [PageFile("./a.py", "print(1)\n", "python", 1)], []))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.namelist() == ["wf-..-x/a.py"]


def test_a_run_past_the_links_run_limit_shows_a_note_and_runs_nothing(wf):
    """The Run button asks the permit first (under `qldrops serve`: the server's per-link run limit)."""
    from qldrops.errors import RateLimited

    asked: list[int] = []

    def refuse() -> None:
        asked.append(1)
        raise RateLimited("too many sandbox runs for this link", retry_after=42.0)

    s = wf["store"]
    page = PreviewPage.open(s, s.previews.view(wf["link"].id), {}, run_permit=refuse)
    page.select("tools/app.py")
    shown = page.run_html()
    assert asked == [1]
    assert "qldrops-run-limited" in shown and "42 seconds" in shown and "Traceback" not in shown
    assert len(s.executions(preview_id=wf["link"].id)) == 0  # nothing reached the sandbox's history


def test_documents_get_one_zip_entry_each_and_json_records_are_json(sqlite_store):
    s = sqlite_store
    for text in ("a/\n├── x.py\n", "b/\n├── y.py\n"):  # two untitled trees: two entries, not one name twice
        s.put(workflow_id="wf-docs", drop_type="project_structure", artifact=text)
    s.put(workflow_id="wf-docs", drop_type="completion", artifact='{"status": "success"}\n',
          metadata={"status": "success"})
    s.put(workflow_id="wf-docs", drop_type="code_generation", artifact="print(1)\n", metadata={"filename": "x.py"})
    link = s.previews.create("wf-docs", ttl="1h")
    project = project_of(s, s.previews.open(link.capability))
    names = [f.path for f in project.documents]
    assert len(names) == len(set(names)) == 3
    assert {f.language for f in project.documents if f.path.startswith("completion")} == {"json"}
    with zipfile.ZipFile(io.BytesIO(zip_bytes(project))) as z:
        entries = z.namelist()
    assert len(entries) == len(set(entries))
