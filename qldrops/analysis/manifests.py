"""Manifests a project builder writes, and the ecosystems' own tools that check them.

``go_mod`` writes a ``go.mod`` whose module path is the one the code's own imports use and
whose ``go`` line is at least what the code's language features need. :func:`check` asks the
ecosystem's tool whether it accepts a manifest: ``go mod edit -json`` for ``go.mod``, ``npm
pkg get`` for ``package.json``, the ``packaging`` library for ``requirements.txt`` and
``pyproject.toml``, ``cargo metadata`` for ``Cargo.toml``. A tool that is not installed
checks nothing and says so; the project builder never ships a generated manifest that its
tool rejected (it says why in the project's notes).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

TOOL_TIMEOUT = 20.0
DEFAULT_GO = (1, 21)

# (pattern, minimum go version) for language features and standard packages the code uses
_GO_FEATURES: list[tuple[re.Pattern[str], tuple[int, int]]] = [
    (re.compile(r"\bfunc\s+(\(\w+\s+\*?\w+(\[[^\]]+\])?\)\s*)?\w+\s*\[\s*\w+\s+(any|comparable|~?\w+)"), (1, 18)),
    (re.compile(r"\btype\s+\w+\s*\[\s*\w+\s+(any|comparable|~?\w+)"), (1, 18)),
    (re.compile(r"(?<![\w.])(min|max|clear)\("), (1, 21)),
    (re.compile(r'"(slices|maps|log/slog|cmp)"'), (1, 21)),
    (re.compile(r"\brange\s+\d+\s*\{"), (1, 22)),
    (re.compile(r'"math/rand/v2"'), (1, 22)),
    (re.compile(r'"iter"|\brange\s+\w+\.(All|Keys|Values)\(\)'), (1, 23)),
]
_GO_IMPORT = re.compile(r'^\s*(?:import\s+)?(?:[\w.]+\s+)?"([^"]+)"', re.MULTILINE)


@dataclass(frozen=True)
class Check:
    """What a tool said of one manifest: ``ok`` True/False, or None when no tool could check it."""

    path: str
    tool: str
    ok: bool | None
    message: str = ""


def go_version_needed(texts: list[str]) -> tuple[int, int]:
    """The lowest ``go`` line the code's language features and standard packages allow."""
    need = DEFAULT_GO
    for text in texts:
        for rx, version in _GO_FEATURES:
            if version > need and rx.search(text):
                need = version
    return need


def go_module_path(files: dict[str, str], fallback: str) -> str:
    """The module path the code's own imports use: an import ``M/d`` where ``d`` is a folder of the
    project that holds Go files makes ``M`` the module. Else ``fallback``."""
    go_dirs = {posixpath.dirname(p) for p in files if p.endswith(".go") and posixpath.dirname(p)}
    votes: Counter[str] = Counter()
    for path, text in files.items():
        if not path.endswith(".go"):
            continue
        for imp in _GO_IMPORT.findall(text):
            for d in go_dirs:
                if imp.endswith("/" + d):
                    votes[imp[: -len(d) - 1]] += 1
    return votes.most_common(1)[0][0] if votes else fallback


def local_go_imports(files: dict[str, str], module: str) -> set[str]:
    return {f"{module}/{posixpath.dirname(p)}" for p in files if p.endswith(".go") and posixpath.dirname(p)}


def go_mod(files: dict[str, str], fallback_module: str, deps: list[str]) -> str:
    """A ``go.mod`` for these files: the module their imports use, the go version their code needs,
    and the third-party modules listed for ``go mod tidy`` to pin (in comments: a version we cannot
    know is not written as one)."""
    module = go_module_path(files, fallback_module)
    local = local_go_imports(files, module)
    third = sorted(d for d in deps if d != module and d not in local and not d.startswith(module + "/"))
    major, minor = go_version_needed([t for p, t in files.items() if p.endswith(".go")])
    text = f"module {module}\n\ngo {major}.{minor}\n"
    if third:
        text += "\n// Third-party modules the code imports; `go mod tidy` pins their versions:\n"
        text += "".join(f"//\t{d}\n" for d in third)
    return text


def check(path: str, text: str) -> Check:
    """Whether the ecosystem's own tool accepts the manifest at ``path`` (by its file name)."""
    name = posixpath.basename(path)
    if name == "go.mod":
        return _check_go_mod(path, text)
    if name == "package.json":
        return _check_package_json(path, text)
    if name == "requirements.txt":
        return _check_requirements(path, text)
    if name == "pyproject.toml":
        return _check_pyproject(path, text)
    if name == "Cargo.toml":
        return _check_cargo(path, text)
    return Check(path, "", None, "no checker for this manifest")


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found is None and name == "cargo" and (Path.home() / ".cargo" / "bin" / "cargo").exists():
        found = str(Path.home() / ".cargo" / "bin" / "cargo")
    return found


def _run_in(folder: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=TOOL_TIMEOUT,
                              env={**os.environ, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local",
                                   "npm_config_update_notifier": "false", "CARGO_NET_OFFLINE": "true"})
    except (OSError, subprocess.TimeoutExpired) as e:
        return subprocess.CompletedProcess(argv, 1, "", f"{type(e).__name__}: {e}")


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")[:300]


def _check_go_mod(path: str, text: str) -> Check:
    go = _tool("go")
    if go is None:
        return Check(path, "go mod edit", None, "not checked: go is not installed (apt-get install golang-go)")
    with tempfile.TemporaryDirectory() as d:
        Path(d, "go.mod").write_text(text, encoding="utf-8")
        proc = _run_in(Path(d), [go, "mod", "edit", "-json"])
    if proc.returncode == 0:
        return Check(path, "go mod edit", True)
    return Check(path, "go mod edit", False, _first_line(proc.stderr or proc.stdout))


def _check_package_json(path: str, text: str) -> Check:
    try:
        data = json.loads(text)
    except ValueError as e:
        return Check(path, "json", False, f"not JSON: {e}")
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not re.fullmatch(r"(@[a-z0-9~][a-z0-9._~-]*/)?[a-z0-9~][a-z0-9._~-]*", name) \
            or len(name) > 214:
        return Check(path, "npm", False, f"invalid package name {name!r} (lower case, URL-safe, at most 214)")
    npm = _tool("npm")
    if npm is None:
        return Check(path, "npm", None, "name checked; npm is not installed to check the rest")
    with tempfile.TemporaryDirectory() as d:
        Path(d, "package.json").write_text(text, encoding="utf-8")
        proc = _run_in(Path(d), [npm, "pkg", "get", "name", "version", "--json"])
    if proc.returncode == 0:
        return Check(path, "npm pkg", True)
    return Check(path, "npm pkg", False, _first_line(proc.stderr or proc.stdout))


def _check_requirements(path: str, text: str) -> Check:
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        try:
            Requirement(line)
        except InvalidRequirement as e:
            return Check(path, "packaging", False, f"line {n}: {e}")
    return Check(path, "packaging", True)


def _check_pyproject(path: str, text: str) -> Check:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        return Check(path, "tomllib", False, f"not TOML: {e}")
    project = data.get("project", {})
    if not isinstance(project, dict):
        return Check(path, "packaging", False, "[project] must be a table")
    for dep in project.get("dependencies", []) or []:
        try:
            Requirement(str(dep))
        except InvalidRequirement as e:
            return Check(path, "packaging", False, f"dependency {dep!r}: {e}")
    return Check(path, "packaging", True)


def _check_cargo(path: str, text: str) -> Check:
    cargo = _tool("cargo")
    if cargo is None:
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            return Check(path, "tomllib", False, f"not TOML: {e}")
        return Check(path, "cargo", None, "TOML checked; cargo is not installed to check the rest")
    with tempfile.TemporaryDirectory() as d:
        Path(d, "Cargo.toml").write_text(text, encoding="utf-8")
        Path(d, "src").mkdir()
        Path(d, "src", "main.rs").write_text("fn main() {}\n", encoding="utf-8")
        proc = _run_in(Path(d), [cargo, "metadata", "--no-deps", "--offline", "--format-version", "1"])
    if proc.returncode == 0:
        return Check(path, "cargo metadata", True)
    return Check(path, "cargo metadata", False, _first_line(proc.stderr or proc.stdout))
