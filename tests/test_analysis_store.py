"""Analysis kept with the drops, feedback, and multi-file projects (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile

import pytest
import sqlalchemy as sa

from qldrops.errors import NotFound, ValidationError
from qldrops.store import schema as t

MAIN = '''# File: app/main.py
"""Greets."""
from app.util import greet
import requests

if __name__ == "__main__":
    print(greet("world"))
# File: app/util.py
def greet(name):
    return "hello " + name
# File: app/__init__.py
'''


def _rows(store):
    with store.engine.connect() as c:
        return c.execute(sa.select(t.analyses.c.content_hash, t.analyses.c.created_at)).all()


def test_analysis_is_kept_and_recomputed_only_when_content_changes(store):
    d = store.put(workflow_id="wf-a", drop_type="code_generation", artifact="def f(x):\n    return eval(x)\n",
                  metadata={"language": "python", "filename": "f.py"})
    a1 = store.analyze(d.id)
    assert a1.language == "python" and a1.drop_id == d.id and a1.security_count == 1
    first = _rows(store)
    a2 = store.analyze(d.id)
    assert _rows(store) == first and a2.quality_score == a1.quality_score  # cached, not recomputed
    store.update(d.id, artifact="def f(x):\n    return x\n")
    a3 = store.analyze(d.id)
    assert a3.security_count == 0 and len(_rows(store)) == 2
    frame = store.list(workflow_id="wf-a").to_frame()
    assert frame.loc[0, "language"] == "python"


def test_analyze_all_batches_and_reuses_results(store):
    for i in range(3):
        store.put(workflow_id="wf-b", drop_type="code_generation", artifact=f"package main\n\nfunc main() {{ _ = {i} }}\n",
                  metadata={"filename": f"m{i}.go"})
    store.put(workflow_id="wf-b", drop_type="documentation", artifact="# Title\n\nSome *docs* with a [link](x).\n")
    res = store.analyze_all("wf-b", progress=False, processes=1)
    frame = res.to_frame()
    assert list(frame["language"]) == ["go", "go", "go", "markdown"]
    assert len(_rows(store)) == 4
    again = store.analyze_all("wf-b", progress=False)
    assert [a.quality_score for a in again] == [a.quality_score for a in res]


def test_feedback_and_adjusted_quality(store):
    d = store.put(workflow_id="wf-c", drop_type="code_generation", artifact="x = 1\n", metadata={"language": "python"})
    with pytest.raises(ValidationError):
        store.feedback(d.id, rating=5)
    with pytest.raises(NotFound):
        store.feedback(999_999, rating=1)
    store.feedback(d.id, rating=-1, comment="wrong import", actor="alice")
    store.feedback(d.id, rating=-1, actor="bob")
    a = store.analyze(d.id)
    assert a.feedback["count"] == 2 and a.adjusted_quality < a.quality_score
    summary = store.feedback_summary("wf-c")
    assert summary.loc[0, "ratings"] == 2 and summary.loc[0, "last_comment"] == "wrong import"


def test_project_from_markers_with_manifest_entry_point_and_export_that_runs(store, tmp_path):
    store.put(workflow_id="wf-p", drop_type="project_structure",
              artifact="wf-p/\n├── app/\n│   ├── __init__.py\n│   ├── main.py\n│   └── util.py\n└── README.md\n")
    store.put(workflow_id="wf-p", drop_type="code_generation", artifact=MAIN, metadata={"language": "python"})
    p = store.project("wf-p")
    assert set(p.files) >= {"app/main.py", "app/util.py", "app/__init__.py", "requirements.txt"}
    assert p.manifests["requirements.txt"] == "requests\n"  # derived; the local package is not a dependency
    assert p.entry_points == ["app/main.py"] and p.missing == ["README.md"]
    assert "(missing)" in p.tree and p.project_type == "cli"
    out = tmp_path / "out"
    p.write_to(out)
    run = subprocess.run([sys.executable, "-c", "import runpy; runpy.run_path('app/main.py', run_name='__main__')"],
                         cwd=out, capture_output=True, text=True, env={"PYTHONPATH": str(out)})
    # requests may be missing in a bare interpreter: the greeting proves the export's layout is right
    assert "hello world" in run.stdout or "requests" in run.stderr
    data = p.to_zip(tmp_path / "wf-p.zip")
    with zipfile.ZipFile(tmp_path / "wf-p.zip") as z:
        assert "wf-p/app/main.py" in z.namelist()
    assert p.to_zip() == data  # deterministic


def test_two_drops_claiming_one_path_newest_wins_and_is_reported(store):
    old = store.put(workflow_id="wf-x", drop_type="code_generation", artifact="# File: a.py\nprint('old')\n")
    new = store.put(workflow_id="wf-x", drop_type="code_generation", artifact="# File: a.py\nprint('new')\n")
    p = store.project("wf-x")
    assert p.files["a.py"].text == "print('new')\n"
    assert p.conflicts == [{"path": "a.py", "kept": new.id, "dropped": [old.id],
                            "rule": "newest drop wins (updated_at, then id)"}]
    assert any("no project_structure" in n for n in p.notes)


def test_a_file_and_a_folder_of_one_name_both_export(store, tmp_path):
    """``a`` beside ``a/b.py``, or a file named like a folder the exports write into (``.qldrops``,
    ``_workflow``): the file is exported as ``a~1`` and reported; write_to and the zip both work."""
    first = store.put(workflow_id="wf-clash", drop_type="code_generation", artifact="print('file a')\n",
                      metadata={"filename": "a"})
    for name, text in [("a/b.py", "print('b')\n"), (".qldrops", "x = 1\n"), ("_workflow", "y = 2\n"),
                       ("a~1", "print('taken')\n")]:
        store.put(workflow_id="wf-clash", drop_type="code_generation", artifact=text, metadata={"filename": name})
    store.put(workflow_id="wf-clash", drop_type="project_structure", artifact="a\n", metadata={"files": ["a", "a/b.py"]})
    p = store.project("wf-clash")
    assert p.files["a~2"].text == "print('file a')\n" and p.files["a~1"].text == "print('taken')\n"
    assert {".qldrops~1", "_workflow~1", "a/b.py"} <= set(p.files) and "a" not in p.files
    moved = {c["path"]: c for c in p.conflicts if "moved_to" in c}
    assert moved["a"]["moved_to"] == "a~2" and moved["a"]["kept"] == first.id
    assert set(moved) == {"a", ".qldrops", "_workflow"} and "a" not in p.missing
    written = p.write_to(tmp_path / "out")
    assert (tmp_path / "out" / "a~2").read_text() == "print('file a')\n"
    assert (tmp_path / "out" / ".qldrops" / "project.json").is_file() and len(written) == len(p.shipped()) + 1
    with zipfile.ZipFile(io.BytesIO(p.to_zip())) as z:
        names = z.namelist()
    assert len(names) == len(set(names)) and "wf-clash/a~2" in names and "wf-clash/a/b.py" in names
    assert not [n for n in names if any(m.startswith(n + "/") for m in names)]  # no name is file and folder


def test_fences_headings_and_unsafe_paths(store, tmp_path):
    text = ("Here you go.\n\n### src/index.ts\n```ts\nexport const a: number = 1;\n```\n\n"
            "```js title=\"server.js\"\nconst express = require('express');\nexpress().listen(3000);\n```\n\n"
            "```python\n# File: ../../evil.py\nprint('x')\n```\n")
    store.put(workflow_id="wf-f", drop_type="code_generation", artifact=text)
    p = store.project("wf-f")
    assert {"src/index.ts", "server.js", "package.json"} <= set(p.files)
    assert not any("evil" in f for f in p.files)
    assert '"express": "*"' in p.manifests["package.json"]
    assert p.project_type == "web service" and "server.js" in p.entry_points
    written = p.write_to(tmp_path / "o")
    assert all(str(w).startswith(str(tmp_path / "o")) for w in written)


def test_unknown_workflow_is_a_clear_error(store):
    with pytest.raises(NotFound, match="no drops"):
        store.project("does-not-exist")
