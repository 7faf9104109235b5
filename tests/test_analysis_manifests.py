"""Projects that build (issue 10, item 7): generated manifests the ecosystems' own tools accept."""

from __future__ import annotations

import io
import json
import shutil
import zipfile

import pytest

from qldrops.analysis.manifests import check, go_mod, go_module_path, go_version_needed
from qldrops.analysis.project import Project, ProjectFile

MAIN_GO = '''package main

import (
\t"net/http"

\t"example.com/authd/internal/auth"
\t"github.com/golang-jwt/jwt/v5"
)

func main() {
\thttp.ListenAndServe(":8080", auth.Middleware(nil, jwt.SigningMethodHS256))
}
'''
AUTH_GO = "package auth\n\nfunc Middleware(h any, m any) any { return h }\n"


def test_go_mod_uses_the_module_path_of_the_codes_own_imports():
    files = {"cmd/server/main.go": MAIN_GO, "internal/auth/jwt.go": AUTH_GO}
    assert go_module_path(files, "example.com/fallback") == "example.com/authd"
    text = go_mod(files, "example.com/fallback", ["example.com/authd/internal/auth", "github.com/golang-jwt/jwt/v5"])
    assert text.startswith("module example.com/authd\n\ngo 1.21\n")
    assert "//\tgithub.com/golang-jwt/jwt/v5\n" in text and "internal/auth" not in text
    assert not [ln for ln in text.splitlines() if ln.startswith(("\t", "require"))]  # no bare requirement


def test_without_local_imports_the_fallback_module_is_used():
    assert go_module_path({"main.go": 'package main\nimport "fmt"\n'}, "example.com/wf-1") == "example.com/wf-1"


@pytest.mark.parametrize("code, version", [
    ("package main\nfunc main() {}\n", (1, 21)),
    ("package main\nfunc main() {\n\tfor i := range 10 {\n\t\t_ = i\n\t}\n}\n", (1, 22)),
    ('package main\nimport "math/rand/v2"\nfunc main() { _ = rand.IntN(3) }\n', (1, 22)),
    ('package main\nimport "iter"\nvar _ iter.Seq[int]\n', (1, 23)),
])
def test_the_go_line_is_at_least_what_the_code_needs(code, version):
    assert go_version_needed([code]) == version
    assert f"go {version[0]}.{version[1]}\n" in go_mod({"main.go": code}, "example.com/x", [])


def test_go_mod_edit_accepts_what_we_write_and_rejects_a_bare_requirement():
    if shutil.which("go") is None:
        c = check("go.mod", "module x\n")
        assert c.ok is None and "apt-get install golang-go" in c.message
        return
    good = go_mod({"cmd/server/main.go": MAIN_GO, "internal/auth/jwt.go": AUTH_GO}, "example.com/x",
                  ["github.com/golang-jwt/jwt/v5"])
    assert check("go.mod", good).ok is True
    bad = check("go.mod", "module example.com/x\n\ngo 1.21\n\n// require (\n\tgithub.com/x/y latest\n// )\n")
    assert bad.ok is False and bad.tool == "go mod edit" and bad.message


def test_package_json_requirements_and_pyproject_are_checked():
    assert check("package.json", json.dumps({"name": "my-app", "version": "0.1.0"})).ok in (True, None)
    bad_name = check("package.json", json.dumps({"name": "My App", "version": "0.1.0"}))
    assert bad_name.ok is False and "package name" in bad_name.message
    assert check("package.json", "{not json").ok is False
    assert check("requirements.txt", "requests>=2\n# a comment\nflask\n").ok is True
    bad_req = check("requirements.txt", "requests>=2\nflask ==== 3\n")
    assert bad_req.ok is False and "line 2" in bad_req.message
    assert check("pyproject.toml", '[project]\nname = "x"\ndependencies = ["httpx>=0.27"]\n').ok is True
    assert check("pyproject.toml", '[project]\ndependencies = ["httpx >>> 1"]\n').ok is False


def test_cargo_toml_is_checked_by_cargo_where_it_is_installed():
    good = check("Cargo.toml", '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n')
    assert good.ok is True or (good.ok is None and "cargo is not installed" in good.message)
    bad = check("Cargo.toml", '[package]\nname = "demo"\nedition = "1999"\n')  # no such edition
    assert bad.ok in (False, None)


def test_a_generated_manifest_its_tool_rejects_is_reported_not_shipped():
    if shutil.which("go") is None:
        pytest.fail("go is needed for this test: `make setup` installs golang-go")
    files = {"main.go": ProjectFile("main.go", "package main\nfunc main() {}\n", "go", 1),
             "go.mod": ProjectFile("go.mod", "module example.com/x\n\tbroken line\n", "text", None, derived=True)}
    project = Project("wf-x", files)
    (c,) = project.check_manifests()
    assert c.ok is False
    with zipfile.ZipFile(io.BytesIO(project.to_zip())) as z:
        names = z.namelist()
        meta = json.loads(z.read("wf-x/.qldrops/project.json"))
    assert "wf-x/main.go" in names and "wf-x/go.mod" not in names
    assert any("go.mod (generated) rejected by go mod edit" in n for n in meta["notes"])
    assert meta["manifest_checks"][0]["ok"] is False


def test_the_demo_jwt_workflow_gets_a_go_mod_go_accepts(store):
    for path, text in (("cmd/server/main.go", MAIN_GO), ("internal/auth/jwt.go", AUTH_GO)):
        store.put(workflow_id="wf-jwt", drop_type="code_generation", artifact=text, metadata={"filename": path})
    project = store.project("wf-jwt")
    assert project.files["go.mod"].derived
    assert project.files["go.mod"].text.startswith("module example.com/authd\n")
    checks = {c.path: c for c in project.check_manifests()}
    assert checks["go.mod"].ok is (True if shutil.which("go") else None)


def test_the_dashboard_download_leaves_out_a_rejected_generated_manifest_like_to_zip(store):
    from qldrops.dashboards.project import project_of, zip_bytes

    # A workflow id starting with "_" makes the generated package.json's name invalid for npm.
    store.put(workflow_id="_wf-js", drop_type="code_generation", metadata={"filename": "index.js"},
              artifact='const express = require("express");\nexpress().listen(3000);\n')
    project = store.project("_wf-js")
    checks = {c.path: c for c in project.check_manifests()}
    assert project.files["package.json"].derived and checks["package.json"].ok is False
    assert "package.json" not in project.shipped()
    link = store.previews.create("_wf-js", ttl="1h")
    shared = project_of(store, store.previews.view(link.id))
    assert [f.path for f in shared.files] == sorted(project.shipped()) == ["index.js"]
    assert any("package.json (generated) rejected by npm" in n for n in shared.notes)
    with zipfile.ZipFile(io.BytesIO(zip_bytes(shared))) as z:
        assert not any(n.endswith("package.json") for n in z.namelist())
    with zipfile.ZipFile(io.BytesIO(project.to_zip())) as z:
        assert not any(n.endswith("package.json") for n in z.namelist())
