"""No score without a measurement, severity caps, and documents analysed as documents (issue 10, items 1, 3, 4)."""

from __future__ import annotations

import pytest

from qldrops.analysis import analyze
from qldrops.analysis.quality import PARTS, SEVERITY_CAPS
from qldrops.dashboards.panels import report_html

# Scala: lizard reads it, but no linter and no code security rules do (Go has them since issue 10, item 2).
SCALA = """object Main {
  def add(a: Int, b: Int): Int = a + b

  def main(args: Array[String]): Unit = {
    println(add(1, 2))
  }
}
"""

FLASK_EVAL = '''from flask import Flask, request

app = Flask(__name__)


@app.route("/calc")
def calc():
    """Evaluate the expression the visitor sends."""
    return str(eval(request.args["q"]))
'''

TREE = """shop/
├── app.py
├── models/
│   ├── __init__.py
│   └── user.py
└── tests/
    └── test_app.py
"""


def _recomputed(parts: dict) -> float:
    measured = {k: p for k, p in parts.items() if p["score"] is not None}
    total = sum(PARTS[k][0] for k in measured)
    return round(sum(p["score"] * PARTS[k][0] / total for k, p in measured.items()), 1)


def test_unmeasured_parts_are_listed_as_such_and_never_count_as_100():
    a = analyze(SCALA, "Main.scala")
    assert a.kind == "code" and a.language == "scala"
    assert set(a.quality_parts) == set(PARTS)  # every part is listed, measured or not
    unmeasured = {k for k, p in a.quality_parts.items() if p["score"] is None}
    assert {"lint", "maintainability", "security"} <= unmeasured  # nothing here lints Scala or has Scala code rules
    for k in unmeasured:
        part = a.quality_parts[k]
        assert part["detail"].startswith("not measured: ") and part["weight"] == 0 and part["measured_by"] is None
    measured = set(PARTS) - unmeasured
    assert all(a.quality_parts[k]["measured_by"] for k in measured)
    assert a.quality_coverage == f"{len(measured)} of {len(PARTS)} parts measured"
    assert abs(sum(p["weight"] for p in a.quality_parts.values()) - 1) < 0.01
    assert a.quality_score == _recomputed(a.quality_parts)  # the score is the measured parts' weighted mean


def test_python_is_measured_by_every_python_analyser():
    a = analyze(FLASK_EVAL.replace("eval(", "len("), "app.py")
    by = {k: p["measured_by"] for k, p in a.quality_parts.items() if p["score"] is not None}
    assert by["lint"] == "ruff" and by["maintainability"] == "radon" and by["complexity"] == "lizard"
    assert "security" in by and "secrets" in by
    assert a.quality_cap is None


def test_a_high_severity_finding_caps_the_score_and_says_why():
    a = analyze(FLASK_EVAL, "app.py")
    assert any(i["rule"] == "py-eval" and i["severity"] == "high" for i in a.issues)
    assert a.quality_score == SEVERITY_CAPS["high"]
    assert a.quality_cap["limit"] == SEVERITY_CAPS["high"] and a.quality_cap["uncapped"] > SEVERITY_CAPS["high"]
    assert "py-eval" in a.quality_cap["reason"] and "line 9" in a.quality_cap["reason"]
    page = report_html(a)
    assert "id='qldrops-cap'" in page and "py-eval" in page and f"{a.quality_cap['uncapped']:.0f}" in page


def test_the_page_shows_not_measured_and_the_coverage():
    a = analyze(SCALA, "Main.scala")
    page = report_html(a)
    assert "not measured" in page and a.quality_coverage in page and "lizard" in page


@pytest.mark.parametrize("text, filename, language", [
    (TREE, None, "text"),
    ('{"status": "complete", "files": 4, "tests": {"passed": 12}}\n', "completion.md", "json"),
    ("# Requirements\n\n- Users sign in with email\n- Sessions expire after 30 minutes\n", None, "markdown"),
])
def test_documents_are_labelled_as_what_they_are_and_not_linted(text, filename, language):
    a = analyze(text, filename, kind="document")
    assert a.kind == "document" and a.language == language
    assert a.quality_score is None and a.quality_parts == {} and a.quality_coverage == "not scored: a document"
    assert not a.issues and "lint" not in a.timings and "lizard" not in a.timings


def test_a_document_is_still_checked_for_secrets():
    a = analyze("# Deploy notes\n\nUse the key AKIAABCDEFGHIJKLMNOP for the bucket.\n", kind="document")
    assert [i["rule"] for i in a.issues] == ["aws-access-key-id"]


def test_the_store_analyses_prose_drops_as_documents(store):
    tree = store.put(workflow_id="wf-doc", drop_type="project_structure", artifact=TREE,
                     metadata={"files": ["app.py", "models/user.py"], "language": "python"})
    done = store.put(workflow_id="wf-doc", drop_type="completion", artifact='{"status": "complete"}\n',
                     metadata={"status": "success"})
    code = store.put(workflow_id="wf-doc", drop_type="code_generation", artifact=FLASK_EVAL,
                     metadata={"filename": "app.py", "language": "python"})
    a_tree, a_done, a_code = store.analyze(tree.id), store.analyze(done.id), store.analyze(code.id)
    assert (a_tree.kind, a_tree.language, a_tree.quality_score) == ("document", "text", None)
    assert not [i for i in a_tree.issues if i["rule"] == "invalid-syntax"]
    assert (a_done.kind, a_done.language) == ("document", "json")
    assert a_code.kind == "code" and a_code.quality_cap is not None
    batch = {a.drop_id: a for a in store.analyze_all("wf-doc", force=True)}
    assert batch[tree.id].kind == "document" and batch[code.id].quality_score == SEVERITY_CAPS["high"]
