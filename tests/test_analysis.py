"""qldrops.analysis without a store: language, quality, security, summary, bad inputs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "analysis"))

import bad_analysers

from qldrops.analysis import analyze, redact
from qldrops.analysis.core import BUILTIN, Analyser
from qldrops.analysis.detect import detect_language

FLASK = '''"""Calculator API."""
import subprocess
from flask import Flask, request

app = Flask(__name__)
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"


@app.route("/calc")
def calc():
    return str(eval(request.args["expr"]))


def run(cmd):
    subprocess.run(cmd, shell=True)
    cur.execute("SELECT * FROM t WHERE id = %s" % cmd)


if __name__ == "__main__":
    app.run(debug=True)
'''


@pytest.mark.parametrize("text,lang", [
    ("def add(a, b):\n    return a + b\n\nclass Point:\n    pass\n", "python"),
    ("package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n", "go"),
    ("fn main() {\n    let mut v = Vec::new();\n    v.push(1);\n    println!(\"{:?}\", v);\n}\n", "rust"),
    ("interface User { id: number; name?: string }\nexport const f = (u: User): string => u.name ?? '';\n",
     "typescript"),
    ("SELECT id, name FROM users WHERE id = 1;\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n", "sql"),
    ("FROM python:3.11\nRUN pip install flask\nCOPY . /app\nCMD [\"python\", \"app.py\"]\n", "dockerfile"),
    ('{"name": "x", "version": "1.0.0"}', "json"),
])
def test_content_detection(text, lang):
    g = detect_language(text)
    assert g.language == lang, g
    assert 0 < g.confidence <= 1


def test_declared_and_filename_win_over_content():
    assert detect_language("x = 1", declared="ts").language == "typescript"
    assert detect_language("x = 1", filename="Makefile").language == "makefile"
    assert detect_language("x", filename="src/app.kt").language == "kotlin"
    # .h is ambiguous: the content decides between C and C++
    assert detect_language("#include <vector>\nnamespace a {\nclass B {\npublic:\n  std::vector<int> v;\n};\n}\n",
                           filename="b.h").language == "cpp"


def test_unknown_rather_than_a_guess():
    g = detect_language("a b")
    assert g.language in {"unknown", "text"}
    assert g.language != "python"


def test_full_analysis_finds_what_is_planted():
    a = analyze(FLASK)
    assert a.language == "python"
    assert "Flask" in a.frameworks and "flask" in a.dependencies
    rules = {i["rule"] for i in a.security}
    assert {"aws-access-key-id", "py-eval", "py-shell-true", "py-sql-format", "py-debug"} <= rules
    for i in a.issues:
        assert i["line"] > 0 and i["severity"] in {"high", "medium", "low"} and i["hint"]
    assert 0 <= a.quality_score <= 100
    assert set(a.quality_parts) >= {"complexity", "security", "lint", "maintainability"}
    assert abs(sum(p["weight"] for p in a.quality_parts.values()) - 1) < 0.01
    assert "Calculator API" in a.summary and a.entry_point
    assert a.to_dict()["language"] == "python" and "python" in repr(a) and "<table>" in a._repr_html_()


def test_javascript_dangerous_calls():
    js = ("const { exec } = require('child_process');\n"
          "function run(u) { exec(`ls ${u}`); el.innerHTML = u; return eval(u); }\n"
          "db.query('SELECT * FROM t WHERE a = ' + u);\nconst f = new Function('a', u);\n")
    rules = {i["rule"] for i in analyze(js, "x.js").security}
    assert {"js-child-process", "js-inner-html", "js-eval", "js-sql-concat", "js-new-function"} <= rules


def test_redact_masks_secrets_and_keeps_the_rest():
    text = ('key = "AKIAIOSFODNN7EXAMPLE"\npassword = "hunter22secret"\n'
            'url = "postgres://bob:s3cretpw@db/x"\nprint("hello")\n')
    out = redact(text)
    assert "AKIAIOSFODNN7EXAMPLE" not in out and "hunter22secret" not in out and "s3cretpw" not in out
    assert 'print("hello")' in out and "AKIA" in out


def test_empty_input():
    a = analyze("")
    assert a.language == "unknown" and a.notes and a.quality_score is None and not a.errors


def test_binary_input():
    a = analyze(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert a.language == "binary" and any("binary content" in n for n in a.notes)


def test_ten_megabyte_file_skips_heavy_analysers_but_scans_patterns():
    big = ("def f(x):\n    return x\n" * 450_000) + 'SECRET = "AKIAIOSFODNN7EXAMPLE"\n'
    assert len(big) > 10_000_000
    a = analyze(big, "big.py")
    assert any("large input" in n for n in a.notes)
    assert any(i["rule"] == "aws-access-key-id" for i in a.issues)


def test_minified_javascript():
    mini = "var a=1;" + ";".join(f"function f{i}(x){{return x+{i}}}" for i in range(800)) + ";eval(a);"
    a = analyze(mini)
    assert a.language == "javascript"
    assert any("minified" in n for n in a.notes)
    assert any(i["rule"] == "js-eval" for i in a.issues)


def test_html_with_script_and_style_is_html():
    page = ("<!DOCTYPE html>\n<html><head><style>body { color: red; }</style></head>\n"
            "<body><div id='x'></div><script>document.getElementById('x').innerHTML = location.hash;"
            "</script></body></html>\n")
    a = analyze(page)
    assert a.language == "html"
    assert any(i["rule"] == "js-inner-html" for i in a.issues)


def test_invalid_syntax_gives_partial_result():
    a = analyze("def broken(:\n    return 1\n", language="python")
    assert a.language == "python"
    assert any(e["analyser"] == "radon" and "syntax" in e["error"] for e in a.errors)
    assert any("syntax" in i["rule"] and i["severity"] == "high" for i in a.issues)  # ruff reports it too


def test_hanging_and_crashing_analysers_are_named_and_the_rest_stands():
    analysers = list(BUILTIN) + [Analyser("hang", bad_analysers.hang, timeout=0.5),
                                 Analyser("crash", bad_analysers.crash)]
    a = analyze(FLASK, analysers=analysers)
    errors = {e["analyser"]: e["error"] for e in a.errors}
    assert "timed out" in errors["hang"] and "exploded" in errors["crash"]
    assert a.quality_score is not None and a.security  # the other analysers' results are kept


def test_batch_survives_a_worker_that_ignores_its_time_box():
    from qldrops.analysis.pool import analyze_many

    items = [("ok1", "print(1)\n", "a.py", None), ("deaf", "print(2)\n", "b.py", None), ("ok2", "x = 3\n", "c.py", None)]
    deaf = [Analyser("deaf", bad_analysers.hang_deaf, timeout=0.2), Analyser("fine", bad_analysers.fine)]
    fine = [Analyser("fine", bad_analysers.fine)]
    out = dict(analyze_many(items[:1], processes=1, analysers=fine))
    assert out["ok1"].language == "python" and not out["ok1"].errors
    out = dict(analyze_many(items, processes=2, deadline=3, analysers=deaf))
    assert set(out) == {"ok1", "deaf", "ok2"}
    for key in out:  # each hits the deaf analyser; every file still gets an answer naming the failure
        assert out[key].errors and "worker killed" in out[key].errors[0]["error"]
        assert out[key].language == "python"


def test_sql_text_built_from_variables_then_executed():
    py = "def find(owner):\n    sql = f\"SELECT id FROM notes WHERE owner = '{owner}'\"\n    return db.execute(sql)\n"
    php = ("<?php\n$name = $_GET['name'];\n$sql = \"SELECT * FROM users WHERE name = '\" . $name . \"'\";\n"
           "$rows = $pdo->query($sql);\necho \"<h1>\" . $name . \"</h1>\";\n")
    assert any(i["rule"] == "py-sql-string" for i in analyze(py).security)
    rules = {i["rule"] for i in analyze(php).security}
    assert {"php-sql-string", "php-echo-unescaped"} <= rules
