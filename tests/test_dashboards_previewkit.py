"""The preview page's pure parts: file splitting, the tree, language and highlighting, redaction, zips.

(Once ``qldrops/server/previewkit.py``; its parts now live in ``qldrops.dashboards``, and the
splitting and language detection it duplicated are the analysis package's.)"""

from __future__ import annotations

import io
import zipfile
from types import SimpleNamespace

import pytest

from qldrops.analysis import splitter
from qldrops.analysis.detect import detect_language
from qldrops.analysis.model import Analysis
from qldrops.dashboards import panels, project


class pk:  # the names these tests used, now spread over the dashboards package
    ProjectFile, SharedProject, tree_rows, zip_bytes = (project.ProjectFile, project.SharedProject,
                                                        project.tree_rows, project.zip_bytes)
    code_html, lexer_for, metadata_html, similar_html, zip_link_html = (
        panels.code_html, panels.lexer_for, panels.metadata_html, panels.similar_html, panels.zip_link_html)

    @staticmethod
    def split_files(text, default_path):
        """Files of one drop as the page names them: the analysis splitter, paths through safe_path."""
        return {project.safe_path(p.path) if p.path else default_path: p.text for p in splitter.split_files(text)}

    @staticmethod
    def language_of(text, path):
        guess = detect_language(text, path, use_magika=False)
        return guess.language, guess.source

    @staticmethod
    def report_html(analysis, _file):
        return panels.report_html(analysis)

GO = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n'
TWO = "// File: cmd/app/main.go\n" + GO + "\n// File: internal/util.go\npackage internal\n"


def test_file_markers_split_a_code_drop():
    files = pk.split_files(TWO, "main.go")
    assert list(files) == ["cmd/app/main.go", "internal/util.go"]
    assert files["internal/util.go"] == "package internal\n"
    assert pk.split_files("print(1)\n", "a.py") == {"a.py": "print(1)\n"}
    assert pk.split_files("# file: ./x.py\nprint(2)\n", None) == {"x.py": "print(2)\n"}


def test_tree_lists_folders_before_files():
    rows = pk.tree_rows(["b.py", "src/z.go", "src/a/b.go", "README.md"])
    assert rows == [(0, "src/", None), (1, "a/", None), (2, "b.go", "src/a/b.go"), (1, "z.go", "src/z.go"),
                    (0, "b.py", "b.py"), (0, "README.md", "README.md")]


@pytest.mark.parametrize("path, text, language", [
    ("main.go", GO, "go"),
    ("app.ts", "const x: number = 1;\n", "typescript"),
    ("query.sql", "SELECT 1;\n", "sql"),
    ("Dockerfile", "FROM python:3.11\n", "dockerfile"),
    ("run.sh", "#!/bin/bash\necho hi\n", "shell"),
])
def test_languages_come_from_the_file_not_a_python_default(path, text, language):
    lang, _ = pk.language_of(text, path)
    assert lang == language
    html = pk.code_html(text, lang, path)
    assert f"data-language='{language}'" in html and "style=" in html
    assert "data-lexer='Python'" not in html


def test_unknown_text_is_drawn_as_text():
    lang, _ = pk.language_of("lorem ipsum dolor sit amet", "notes")
    assert lang != "python"
    assert pk.lexer_for("no-such-language").name == "Text only"


def test_secrets_are_masked_in_code_metadata_and_zip():
    secret = 'AWS_ACCESS_KEY_ID = "AKIAABCDEFGHIJKLMNOP"\n'
    assert "AKIAABCDEFGHIJKLMNOP" not in pk.code_html(secret, "python", "c.py")
    f = pk.ProjectFile("c.py", secret, "python", 1)
    project = pk.SharedProject("wf-x", [f], [pk.ProjectFile("notes.md", "token = 'abcdefghijkl'", "markdown", 2,
                                                            kind="document")])
    data = pk.zip_bytes(project)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert sorted(z.namelist()) == ["wf-x/_workflow/notes.md", "wf-x/c.py"]
        text = z.read("wf-x/c.py").decode() + z.read("wf-x/_workflow/notes.md").decode()
    assert "AKIAABCDEFGHIJKLMNOP" not in text and "abcdefghijkl" not in text
    link = pk.zip_link_html(data, "wf x.zip")
    assert "download='wf-x.zip'" in link and "href='data:application/zip;base64," in link
    drop = SimpleNamespace(id=1, drop_type="code_generation", version=1, size=3, created_by="a",
                           created_at=__import__("datetime").datetime(2026, 1, 1),
                           metadata={"env": {"API_KEY": "api_key='s3cr3tvalue99'"}})
    assert "s3cr3tvalue99" not in pk.metadata_html(drop)


def test_similar_drops_of_other_workflows_show_no_content():
    hits = [SimpleNamespace(id=5, score=0.9, workflow_id="wf-other", drop_type="code_generation"),
            SimpleNamespace(id=6, score=0.8, workflow_id="wf-x", drop_type="documentation")]
    html = pk.similar_html(hits, "wf-x")
    assert "wf-other" in html and "this workflow" in html
    assert "No similar" in pk.similar_html([], "wf-x")


def test_report_without_analysis_says_so():
    f = pk.ProjectFile("a.py", "x = 1\n", "python", 1)
    assert "No quality and security analysis" in pk.report_html(None, f)
    a = Analysis(language="python", language_confidence=1.0, quality_score=62.0, complexity=4.0,
                 summary="adds numbers",
                 issues=[{"line": 3, "severity": "high", "rule": "hardcoded-secret", "category": "security",
                          "message": "password = 'hunter2hunter2'", "hint": "read it from the environment"}])
    html = pk.report_html(a, f)
    assert "62" in html and "hardcoded-secret" in html and "hunter2hunter2" not in html
