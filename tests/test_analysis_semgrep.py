"""semgrep with our rule files, bandit and the SQL security rules (issue 10, items 2-3).

For each analyser-language pair a known-bad snippet is caught (by rule id) and a clean one
is not flagged (tests/semgrep_labelled.py). semgrep runs as one engine process for a batch;
a missing binary, a hang and a crash leave the part "not measured" with the reason, and the
rest of the analysis stands.
"""

from __future__ import annotations

import stat

import pytest

from qldrops.analysis import analyze, py_security, semgrep
from qldrops.analysis.core import batch_precompute
from qldrops.analysis.pool import analyze_many
from qldrops.analysis.security import pattern_findings
from semgrep_labelled import LABELLED

pytestmark = pytest.mark.skipif(semgrep.core_binary() is None, reason="semgrep missing: make setup")

LANGS = sorted(LABELLED)


def _rules(result: dict) -> set[str]:
    return {f["rule"].removeprefix("semgrep:") for f in result["lint"] + result["code_security"]}


@pytest.fixture(scope="module")
def batch() -> dict[tuple[str, str], dict]:
    """Every labelled snippet, bad and clean, through ONE semgrep process."""
    items = [(LABELLED[lang][i], lang) for lang in LANGS for i in (0, 2)]
    results = semgrep.scan_many(items)
    return {(lang, "bad" if text == LABELLED[lang][0] else "clean"): r
            for (text, lang), r in zip(items, results, strict=True)}


@pytest.mark.parametrize("lang", LANGS)
def test_semgrep_catches_the_bad_snippet(batch, lang):
    result = batch[(lang, "bad")]
    assert isinstance(result, dict), result
    assert LABELLED[lang][1] <= _rules(result), LABELLED[lang][1] - _rules(result)
    assert result["lint_by"] == "semgrep"
    for f in result["code_security"]:  # every finding carries what to do
        assert f["severity"] in ("high", "medium", "low") and f["hint"] and f["kind"] == "security"


@pytest.mark.parametrize("lang", LANGS)
def test_semgrep_leaves_the_clean_snippet_alone(batch, lang):
    result = batch[(lang, "clean")]
    assert isinstance(result, dict), result
    assert _rules(result) == set()


def test_one_file_gives_what_the_batch_gives(batch):
    assert _rules(semgrep.scan(LABELLED["java"][0], "java")) == _rules(batch[("java", "bad")])


def test_analyze_names_semgrep_in_the_parts_it_measured():
    bad = analyze(LABELLED["csharp"][0], "Users.cs")
    assert bad.language == "csharp"
    assert bad.quality_parts["lint"]["measured_by"] == "semgrep"
    assert "semgrep" in bad.quality_parts["security"]["measured_by"]
    assert bad.quality_cap and bad.quality_score <= 60  # high-severity findings cap the score
    rules = {i["rule"] for i in bad.issues}
    assert "semgrep:cs-sql-concat" in rules  # our line rules miss it: the "..." + name + "'" spans a call
    # one finding per line: semgrep's deserialisation finding shares its line with our rule's
    assert "cs-deserialise" in rules and "semgrep:cs-insecure-deserialisation" not in rules
    clean = analyze(LABELLED["csharp"][2], "Users.cs")
    assert clean.quality_cap is None and not clean.security and not clean.errors


def test_a_batch_runs_semgrep_once_and_agrees_with_single_files():
    jobs = [(f"{lang}-{i}", LABELLED[lang][i], None, lang, "code") for lang in ("ruby", "php", "kotlin") for i in (0, 2)]
    pre = batch_precompute(jobs)
    assert set(pre) == {j[0] for j in jobs} and all(pre[j[0]]["semgrep"][0] == j[3] for j in jobs)
    got = dict(analyze_many(jobs, processes=1))
    for key, text, _, lang, _ in jobs:
        single = analyze(text, language=lang)
        assert sorted(i["rule"] for i in got[key].issues) == sorted(i["rule"] for i in single.issues), key
        assert got[key].quality_parts["lint"]["measured_by"] == "semgrep"


def test_missing_semgrep_is_not_measured_with_the_install_command(monkeypatch):
    monkeypatch.setattr(semgrep, "core_binary", lambda: None)
    a = analyze(LABELLED["rust"][0], "main.rs")
    assert a.quality_parts["lint"]["score"] is None
    assert "semgrep is not installed (pip install" in a.quality_parts["lint"]["detail"]
    assert any(i["rule"] == "rs-command-shell" for i in a.issues)  # our line rules still measured security


@pytest.mark.parametrize("script, expect", [("exec sleep 30", "timed out"), ("echo boom >&2; exit 3", "exited 3")])
def test_a_hanging_or_crashing_semgrep_is_a_partial_result(tmp_path, monkeypatch, script, expect):
    fake = tmp_path / "semgrep-core"
    fake.write_text(f"#!/bin/sh\n{script}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(semgrep, "core_binary", lambda: str(fake))
    monkeypatch.setattr(semgrep, "TIMEOUT", 0.5)
    a = analyze(LABELLED["swift"][0], "run.swift")
    assert a.language == "swift" and a.quality_score is not None  # the page still gets a result
    assert a.quality_parts["lint"]["score"] is None and expect in a.quality_parts["lint"]["detail"]
    assert any(i["rule"] == "swift-process" for i in a.issues)


def test_bad_input_with_semgrep_languages():
    mini = "var a=1;" + ";".join(f"function f{i}(x){{return x+{i}}}" for i in range(800)) + ";eval(a);"
    m = analyze(mini, "bundle.min.js")
    assert "minified" in m.quality_parts["lint"]["detail"] and not m.errors
    big = analyze("function f(x) { return x; }\n" * 200_000, "big.js")  # 5.6 MB
    assert big.size > 5_000_000 and "too large" in big.quality_parts["lint"]["detail"]
    # only the linear pattern scan runs on it; on a busy machine it may hit its time box: named, never a crash
    assert all(e["analyser"] == "patterns" and "timed out" in e["error"] for e in big.errors)
    binary = analyze(b"\x00\x01\x02PK\x03\x04" + bytes(range(256)) * 20, "app.js")
    assert binary.language == "binary" and not binary.issues
    mixed = ("<html><body>\n<script>document.getElementById('x').innerHTML = location.hash;</script>\n"
             "<?php\n$id = $_GET['id'];\n$r = mysqli_query($conn, \"SELECT * FROM t WHERE id = \" . $id);\n"
             "echo $_GET['name'];\n?>\n</body></html>\n")
    page = analyze(mixed, "page.php")
    assert page.language == "php" and not page.errors
    assert {"semgrep:php-sql-concat", "semgrep:php-xss-echo"} & {i["rule"] for i in page.issues} or \
        {"php-sql-concat", "php-xss"} <= {i["rule"] for i in page.issues}


# --- bandit ----------------------------------------------------------------------------------

PY_BAD = """import hashlib
import pickle
import subprocess


def handle(request):
    subprocess.call("ls " + request.args["dir"], shell=True)
    data = pickle.loads(request.data)
    digest = hashlib.md5(request.data).hexdigest()
    return eval(request.args["expr"]), data, digest
"""
PY_CLEAN = """import hashlib
import json
import subprocess


def handle(request):
    subprocess.run(["ls", request.args["dir"]], check=True)
    data = json.loads(request.data)
    return hashlib.sha256(request.data).hexdigest(), data
"""


def test_bandit_catches_the_bad_python_and_leaves_the_clean_alone():
    rules = {f["rule"] for f in py_security.bandit_findings(PY_BAD)}
    assert {"bandit:B602", "bandit:B301", "bandit:B324", "bandit:B307"} <= rules
    assert py_security.bandit_findings(PY_CLEAN) == []
    a = analyze(PY_BAD, "app.py")
    assert "bandit" in a.quality_parts["security"]["measured_by"] and a.quality_cap


def test_bandit_on_unparsable_python_is_not_measured():
    with pytest.raises(Exception, match="bandit could not read"):
        py_security.bandit_findings("def broken(:\n")


# --- SQL security rules ----------------------------------------------------------------------

SQL_BAD = """GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO app;
DELETE FROM sessions;
UPDATE users SET active = false;
CREATE USER report WITH PASSWORD 'Winter2024!x';
CREATE PROCEDURE find_user(IN name TEXT) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'SELECT * FROM users WHERE name = ''' || name || '''';
END $$;
"""
SQL_CLEAN = """GRANT SELECT, INSERT ON orders TO app;
DELETE FROM sessions WHERE expires_at < now();
UPDATE users SET active = false WHERE last_login < now() - interval '1 year';
UPDATE t SET x = s.x FROM s WHERE s.id = t.id;
CREATE USER report;
CREATE PROCEDURE find_user(IN name TEXT) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT * FROM users WHERE name = $1') USING name;
END $$;
"""


def test_sql_rules_catch_the_bad_script_and_leave_the_clean_alone():
    found = {(f.line, f.rule) for f in pattern_findings(SQL_BAD, "sql") if f.kind == "security"}
    assert found == {(1, "sql-grant-all"), (2, "sql-delete-without-where"), (3, "sql-update-without-where"),
                     (4, "sql-plaintext-password"), (7, "sql-dynamic-concat")}
    assert [f for f in pattern_findings(SQL_CLEAN, "sql") if f.kind == "security"] == []
    a = analyze(SQL_BAD, "schema.sql")
    assert a.quality_parts["security"]["score"] is not None and a.quality_score <= 60  # capped or lower
