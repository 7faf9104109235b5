"""Linters and code rules beyond Python (issue 10, item 2).

Each analyser-language pair: a known-bad snippet is caught (by rule id) and a clean one is
not flagged; quality parts name the tool that measured them; a missing binary gives
"not measured" with the install command. The binaries come from scripts/system-deps.sh.
"""

from __future__ import annotations

import shutil

import pytest

from qldrops.analysis import analyze, dockerfile, linters
from qldrops.analysis.security import pattern_findings

needs = {tool: pytest.mark.skipif(not shutil.which(tool), reason=f"{tool} missing: run scripts/system-deps.sh")
         for tool in ("shellcheck", "cppcheck", "go")}

SHELL_BAD = """#!/bin/bash
curl -fsSL https://example.com/install.sh | sh
eval $USER_CMD
chmod 777 /srv/data
rm -rf $BUILD_DIR/
echo $1
"""
SHELL_CLEAN = """#!/bin/bash
set -euo pipefail
dir="${1:?usage: clean.sh DIR}"
rm -rf -- "${dir:?}/build"
echo "cleaned $dir"
"""
C_BAD = """#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    char buf[16];
    char cmd[64];
    int *p = NULL;
    gets(buf);
    strcpy(buf, argv[1]);
    sprintf(cmd, "ls %s", buf);
    system(cmd);
    return *p;
}
"""
C_CLEAN = """#include <stdio.h>

int add(int a, int b) {
    return a + b;
}

int main(void) {
    printf("%d\\n", add(1, 2));
    return 0;
}
"""
GO_BAD = """package main

import (
\t"crypto/tls"
\t"database/sql"
\t"fmt"
\t"os/exec"
)

func run(db *sql.DB, name string) {
\tcfg := &tls.Config{InsecureSkipVerify: true}
\t_ = cfg
\tq := fmt.Sprintf("SELECT * FROM users WHERE name = '%s'", name)
\t_, _ = db.Query(q)
\t_ = exec.Command("sh", "-c", "ls "+name)
\tfmt.Printf("%d\\n", name)
}

func main() {}
"""
GO_CLEAN = """package main

import "fmt"

func add(a, b int) int {
\treturn a + b
}

func main() {
\tfmt.Println(add(1, 2))
}
"""
DOCKER_BAD = """FROM python:latest
RUN apt-get update && apt-get install curl
ADD https://example.com/tool.tgz /opt/
ENV API_TOKEN=s3cr3tvalue
RUN curl -fsSL https://example.com/setup.sh | bash
USER root
"""
DOCKER_CLEAN = """FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl \\
    && rm -rf /var/lib/apt/lists/*
COPY app.py /app/app.py
USER nobody
CMD ["python", "/app/app.py"]
"""


def _rules(findings) -> set[str]:
    return {f["rule"] if isinstance(f, dict) else f.rule for f in findings}


# --- lint: each analyser on a bad and a clean snippet ----------------------------------------

@needs["shellcheck"]
def test_shellcheck_flags_unquoted_variables_and_passes_a_clean_script():
    bad = linters.shellcheck(SHELL_BAD)
    assert bad["lint_by"] == "shellcheck"
    assert {"SC2086", "SC2115"} <= _rules(bad["lint"])
    assert all(f["kind"] == "lint" and f["line"] > 0 for f in bad["lint"])
    assert linters.shellcheck(SHELL_CLEAN)["lint"] == []


@needs["shellcheck"]
def test_shellcheck_reads_the_dialect_from_the_shebang():
    assert linters.shell_dialect("#!/bin/sh\necho hi\n") == "sh"
    assert linters.shell_dialect("#!/usr/bin/env bash\n") == "bash"
    assert "SC3010" in _rules(linters.shellcheck("#!/bin/sh\nif [[ -n $x ]]; then echo y; fi\n")["lint"])
    with pytest.raises(linters.NotMeasured, match="zsh"):
        linters.shellcheck("#!/bin/zsh\necho hi\n")


@needs["cppcheck"]
@pytest.mark.parametrize("language", ["c", "cpp"])
def test_cppcheck_finds_the_null_dereference_and_passes_clean_code(language):
    bad = linters.cppcheck(C_BAD, language)
    assert bad["lint_by"] == "cppcheck"
    assert {"cppcheck:nullPointer", "cppcheck:getsCalled"} <= _rules(bad["lint"])
    assert linters.cppcheck(C_CLEAN, language)["lint"] == []


@needs["go"]
def test_go_vet_finds_a_bad_printf_and_passes_clean_code():
    bad = linters.go_lint(GO_BAD, vet_timeout=60)  # a cold build cache makes the first vet slow
    assert bad["lint_by"] == "gofmt + go vet" and "lint_note" not in bad
    assert "go-vet" in _rules(bad["lint"])
    clean = linters.go_lint(GO_CLEAN, vet_timeout=60)
    assert clean == {"lint": [], "lint_by": "gofmt + go vet"}


@needs["go"]
def test_gofmt_flags_unformatted_and_unparsable_go():
    assert _rules(linters.go_lint(GO_CLEAN.replace("\treturn a + b", "    return a+b"), vet_timeout=60)["lint"]) == {"gofmt"}
    broken = linters.go_lint("package main\n\nfunc main() {\n\tfmt.Println(\n}\n")
    assert _rules(broken["lint"]) == {"go-syntax"} and broken["lint_note"].startswith("go vet not measured")


@needs["go"]
def test_go_vet_says_it_was_not_measured_for_third_party_imports_and_fragments():
    third = linters.go_lint('package main\n\nimport "github.com/gin-gonic/gin"\n\nfunc main() {\n\tgin.Default()\n}\n')
    assert third["lint_by"] == "gofmt" and "not measured" in third["lint_note"] and "standard library" in third["lint_note"]
    fragment = linters.go_lint("package main\n\nfunc main() {\n\thandle(request)\n}\n", vet_timeout=60)
    assert fragment["lint_by"] == "gofmt" and "does not type-check" in fragment["lint_note"]


def test_sqlfluff_flags_ambiguous_sql_and_passes_clean_sql():
    bad = linters.sqlfluff_lint("select * from users u join orders on u.id = orders.user_id\n")
    assert bad["lint_by"] == "sqlfluff" and {"sqlfluff:AM04", "sqlfluff:AM05"} <= _rules(bad["lint"])
    assert linters.sqlfluff_lint("SELECT id, name FROM users WHERE id = 1;\n")["lint"] == []
    assert _rules(linters.sqlfluff_lint("SELEC oops FROM;\n")["lint"]) == {"sqlfluff:PRS"}


def test_dockerfile_rules_flag_bad_habits_and_pass_a_clean_file():
    bad = dockerfile.check(DOCKER_BAD)
    assert {"DL3007", "DL3014", "DL3015", "DL3009"} <= _rules(bad["lint"])
    assert _rules(bad["code_security"]) == {"DL3002"}
    assert _rules(dockerfile.check(DOCKER_BAD.replace("USER root\n", ""))["code_security"]) == {"docker-no-user"}
    assert _rules(dockerfile.check("FROM ubuntu\nUSER app\n")["lint"]) == {"DL3006"}
    clean = dockerfile.check(DOCKER_CLEAN)
    assert clean["lint"] == [] and clean["code_security"] == []


# --- security line rules, every language -----------------------------------------------------

@pytest.mark.parametrize("language, bad, rule, clean", [
    ("shell", SHELL_BAD, "curl-pipe-shell", SHELL_CLEAN),
    ("shell", SHELL_BAD, "sh-eval", SHELL_CLEAN),
    ("shell", SHELL_BAD, "chmod-777", SHELL_CLEAN),
    ("shell", SHELL_BAD, "sh-rm-unquoted-var", SHELL_CLEAN),
    ("dockerfile", DOCKER_BAD, "docker-add-url", DOCKER_CLEAN),
    ("dockerfile", DOCKER_BAD, "docker-env-secret", DOCKER_CLEAN),
    ("dockerfile", DOCKER_BAD, "curl-pipe-shell", DOCKER_CLEAN),
    ("c", C_BAD, "c-gets", C_CLEAN),
    ("c", C_BAD, "c-strcpy", C_CLEAN),
    ("c", C_BAD, "c-sprintf", C_CLEAN),
    ("cpp", C_BAD, "c-system", C_CLEAN),
    ("go", GO_BAD, "go-tls-off", GO_CLEAN),
    ("go", GO_BAD, "go-sql-sprintf", GO_CLEAN),
    ("go", GO_BAD, "go-exec-shell", GO_CLEAN),
    ("go", 'import "math/rand"\n', "go-math-rand", GO_CLEAN),
    ("java", 'Statement s = c.createStatement();\nResultSet r = s.executeQuery("SELECT * FROM users WHERE id = " + id);\n',
     "java-sql-string", 'PreparedStatement s = c.prepareStatement("SELECT * FROM users WHERE id = ?");\n'),
    ("java", "Object o = new ObjectInputStream(in).readObject();\n", "java-deserialise", "Object o = mapper.readValue(in, User.class);\n"),
    ("java", 'Runtime.getRuntime().exec("ping " + host);\n', "java-exec", 'new ProcessBuilder("ping", host).start();\n'),
    ("java", 'MessageDigest md = MessageDigest.getInstance("MD5");\n', "java-weak-crypto",
     'MessageDigest md = MessageDigest.getInstance("SHA-256");\n'),
    ("java", "conn.setHostnameVerifier(NoopHostnameVerifier.INSTANCE);\n", "java-tls-off", "conn.connect();\n"),
    ("kotlin", 'val rows = db.rawQuery("SELECT * FROM users WHERE name = \'$name\'", null)\n', "kt-sql-template",
     'val rows = db.rawQuery("SELECT * FROM users WHERE name = ?", arrayOf(name))\n'),
    ("kotlin", 'Runtime.getRuntime().exec("rm " + path)\n', "kt-exec", "File(path).delete()\n"),
    ("csharp", 'var cmd = new SqlCommand($"SELECT * FROM Users WHERE Id = {id}", conn);\n', "cs-sql-string",
     'var cmd = new SqlCommand("SELECT * FROM Users WHERE Id = @id", conn);\n'),
    ("csharp", "var f = new BinaryFormatter();\n", "cs-deserialise", "var o = JsonSerializer.Deserialize<User>(s);\n"),
    ("csharp", "handler.ServerCertificateCustomValidationCallback = (m, c, ch, e) => true;\n", "cs-tls-off",
     "var client = new HttpClient();\n"),
    ("csharp", 'Process.Start("cmd.exe", "/c " + input);\n', "cs-process", 'Process.Start("notepad.exe");\n'),
    ("ruby", 'User.where("name = \'#{params[:name]}\'")\n', "rb-sql-interpolation", 'User.where("name = ?", params[:name])\n'),
    ("ruby", 'system("convert #{file} out.png")\n', "rb-command", 'system("convert", file, "out.png")\n'),
    ("ruby", "obj = Marshal.load(data)\n", "rb-deserialise", "obj = JSON.parse(data)\n"),
    ("ruby", "http.verify_mode = OpenSSL::SSL::VERIFY_NONE\n", "rb-tls-off", "http.verify_mode = OpenSSL::SSL::VERIFY_PEER\n"),
    ("ruby", "eval(params[:code])\n", "rb-eval", "Foo.class_eval do\n  attr_reader :x\nend\n"),
    ("swift", 'let q = "SELECT * FROM users WHERE name = \'\\(name)\'"\n', "swift-sql-interpolation",
     'let q = "SELECT * FROM users WHERE name = ?"\n'),
    ("swift", "completionHandler(.useCredential, URLCredential(trust: trust))\n", "swift-tls-off",
     "completionHandler(.performDefaultHandling, nil)\n"),
    ("swift", 'task.launchPath = "/bin/sh"\n', "swift-process", 'task.executableURL = URL(fileURLWithPath: "/usr/bin/git")\n'),
    ("rust", 'let q = format!("SELECT * FROM users WHERE id = {}", id);\n', "rs-sql-format",
     'let q = sqlx::query("SELECT * FROM users WHERE id = $1").bind(id);\n'),
    ("rust", "let c = reqwest::Client::builder().danger_accept_invalid_certs(true).build()?;\n", "rs-tls-off",
     "let c = reqwest::Client::builder().build()?;\n"),
    ("rust", 'Command::new("sh").arg("-c").arg(cmd).output()?;\n', "rs-command-shell", 'Command::new("ls").arg(dir).output()?;\n'),
    ("typescript", "const h = crypto.createHash('md5');\n", "js-weak-crypto", "const h = crypto.createHash('sha256');\n"),
    ("javascript", "const token = Math.random().toString(36);\n", "js-weak-random-token",
     "const token = crypto.randomBytes(32).toString('hex');\n"),
    ("php", "curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, false);\n", "php-tls-off", "curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, true);\n"),
])
def test_security_line_rules_catch_the_bad_line_and_pass_the_clean_one(language, bad, rule, clean):
    assert rule in _rules(pattern_findings(bad, language))
    assert not [f for f in pattern_findings(clean, language) if f.kind == "security"]


# --- through analyze(): quality parts name the tool -------------------------------------------

@pytest.mark.parametrize("text, filename, lint_by", [
    pytest.param(SHELL_BAD, "install.sh", "shellcheck", marks=needs["shellcheck"]),
    pytest.param(C_BAD, "main.c", "cppcheck", marks=needs["cppcheck"]),
    pytest.param(C_BAD, "main.cpp", "cppcheck", marks=needs["cppcheck"]),
    pytest.param(GO_CLEAN, "main.go", "gofmt + go vet", marks=needs["go"]),
    (DOCKER_BAD, "Dockerfile", dockerfile.RULES_BY),
    ("SELECT id FROM users WHERE id = 1;\n", "q.sql", "sqlfluff"),
])
def test_quality_parts_say_which_tool_measured_lint_and_security(text, filename, lint_by):
    a = analyze(text, filename)
    assert not a.errors, a.errors
    assert a.quality_parts["lint"]["measured_by"] == lint_by and a.quality_parts["lint"]["score"] is not None
    if not filename.endswith(".sql"):  # SQL has a linter but no code security rules (yet)
        assert a.quality_parts["security"]["measured_by"] == "qldrops code rules"


def test_a_dockerfile_running_as_root_with_a_secret_scores_low_and_lists_both_kinds():
    a = analyze(DOCKER_BAD, "Dockerfile")
    kinds = {(i["rule"], i["kind"]) for i in a.issues}
    assert {("DL3007", "lint"), ("DL3002", "security"), ("docker-env-secret", "security")} <= kinds
    assert a.quality_score is not None and a.quality_score <= 60.0  # at most the cap of a high-severity finding
    assert a.quality_parts["security"]["score"] <= 20  # two high, two medium findings


@pytest.mark.parametrize("text, filename, tool, hint", [
    (SHELL_BAD, "install.sh", "shellcheck", "apt-get install shellcheck"),
    (C_BAD, "main.c", "cppcheck", "apt-get install cppcheck"),
    (GO_CLEAN, "main.go", "gofmt", "apt-get install golang-go"),
])
def test_a_missing_binary_leaves_lint_not_measured_with_the_install_command(text, filename, tool, hint, tmp_path,
                                                                            monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without any of the tools
    a = analyze(text, filename)
    assert not a.errors
    lint = a.quality_parts["lint"]
    assert lint["score"] is None and lint["measured_by"] is None
    assert lint["detail"] == f"not measured: {tool} is not installed ({hint})"
    assert any(hint in n for n in a.notes)
    assert a.quality_parts["security"]["score"] is not None  # the line rules need no binary


@needs["go"]
def test_go_without_the_go_command_reports_gofmt_and_says_vet_was_not_measured(tmp_path, monkeypatch):
    (tmp_path / "gofmt").symlink_to(shutil.which("gofmt"))
    monkeypatch.setenv("PATH", str(tmp_path))
    a = analyze(GO_CLEAN, "main.go")
    assert a.quality_parts["lint"]["measured_by"] == "gofmt"
    assert "go vet not measured: go is not installed (apt-get install golang-go)" in a.quality_parts["lint"]["detail"]
