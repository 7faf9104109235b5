"""Can the sandbox run this file with what it has? And if not, why, in a sentence a visitor understands.

The preview page offers its Run button only when :func:`readiness` says yes. It reads the file, it
never runs it: the language must have an interpreter here; a Python file must parse, do something
when run (not only define functions), import only what the sandbox's Python has (the standard
library, Debian's packages, the project's own modules), not wait for web requests (the sandbox has
no network) and not need command-line arguments (the page has no way to pass them); JavaScript may
require only Node's built-in modules and the project's files; a shell script must not need
arguments nor tools that are not installed. What is installed is asked of the sandbox's own
interpreters once per process (cached).
"""

from __future__ import annotations

import ast
import functools
import json
import logging
import posixpath
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import SandboxError
from .languages import runtime_for

log = logging.getLogger(__name__)

# Calls that make a program wait for requests: it would sit in the sandbox until the wall clock ends it.
_SERVE_CALLS = {"run", "serve_forever", "run_app", "serve", "listen"}
_SERVER_MODULES = {"flask", "fastapi", "uvicorn", "aiohttp", "django", "tornado", "http", "socketserver",
                   "bottle", "sanic", "starlette", "waitress", "gunicorn", "wsgiref"}
# Tools a script may call that the sandbox image is unlikely to have, and that need a network or a daemon.
_TOOLS = ("docker", "kubectl", "helm", "terraform", "aws", "gcloud", "az", "git", "npm", "yarn", "pip", "curl",
          "wget", "ssh", "scp", "rsync", "systemctl", "psql", "mysql", "redis-cli")
_SHELL_ARG = re.compile(r"\$[1-9]|\$\{[1-9](?:\}|:?\?)")  # $1, ${1}, ${1:?usage}; not ${1:-default}
_SHELL_COUNT = re.compile(r"\$#\s*-(?:lt|eq|le|ne)\s*[0-9]|\(\(\s*\$#\s*<")
_JS_REQUIRE = re.compile(r"""(?:require\(\s*|import\s+(?:[\w*{}\s,]+\s+from\s+)?|import\(\s*)['"]([^'"]+)['"]""")


@dataclass(frozen=True)
class Readiness:
    """Whether the sandbox can run a file; when not, ``kind`` and ``reason`` say why."""

    runnable: bool
    kind: str = "ok"  # ok | language | sandbox | syntax | not-a-program | dependency | server | arguments
    reason: str = ""

    @classmethod
    def no(cls, kind: str, reason: str) -> Readiness:
        return cls(False, kind, reason)


OK = Readiness(True)


def readiness(path: str, text: str, project_paths: Iterable[str] = ()) -> Readiness:
    """Whether ``path`` (holding ``text``, in a project of ``project_paths``) can run in the sandbox."""
    lang = runtime_for(path, text)
    if lang is None:
        return Readiness.no("language", "The sandbox runs Python, JavaScript and shell scripts; "
                                        f"{posixpath.basename(path) or path} is none of them.")
    if not shutil.which("bwrap"):
        return Readiness.no("sandbox", "The sandbox (bubblewrap) is not installed on this server, so no code runs.")
    try:
        interpreter, _ = lang.resolve()
    except SandboxError as exc:
        return Readiness.no("language", f"The sandbox has no {lang.name} interpreter ({exc.message}).")
    paths = [p for p in project_paths if p]
    if lang.name == "python":
        return _python(path, text, paths, interpreter)
    if lang.name == "javascript":
        return _javascript(text, paths, interpreter)
    return _shell(text)


# ------------------------------------------------------------------------------------------ Python
def _python(path: str, text: str, paths: list[str], interpreter: str) -> Readiness:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError) as exc:
        line = exc.lineno if isinstance(exc, SyntaxError) else None
        where = f" (line {line})" if line else ""
        return Readiness.no("syntax", f"This file is not valid Python{where}, so it cannot run.")
    if not _does_something(tree):
        return Readiness.no("not-a-program", "Not a program: this file only defines functions, classes and "
                                             "values for other files to import.")
    modules = _imports(tree)
    local = _local_modules(path, paths)
    wanted = sorted(m for m in modules if m not in local and m not in sys.stdlib_module_names and m != "__future__")
    missing = missing_python_modules(interpreter, tuple(wanted)) if wanted else []
    if missing:
        names = ", ".join(missing)
        return Readiness.no("dependency", f"Needs {names}, which the sandbox does not have installed "
                                          "(it runs with Python's standard library only).")
    if _serves(tree, modules):
        return Readiness.no("server", "A web server: it would wait for requests, and the sandbox has no network "
                                      "to send it any.")
    if _needs_arguments(tree):
        return Readiness.no("arguments", "Needs command-line arguments, and this page has no way to pass them.")
    return OK


def _does_something(tree: ast.Module) -> bool:
    quiet = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign,
             ast.AnnAssign, ast.Pass)
    for node in tree.body:
        if isinstance(node, quiet):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        return True
    return False


def _imports(tree: ast.Module) -> set[str]:
    """Top-level module names imported outside ``try:`` blocks (an import in a try is optional)."""
    optional: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            for inner in node.body:
                optional.update(id(n) for n in ast.walk(inner))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _local_modules(path: str, paths: list[str]) -> set[str]:
    """Names the file can import from the project: every folder and module stem of it (lenient)."""
    names: set[str] = set()
    for p in [path, *paths]:
        parts = p.split("/")
        names.update(parts[:-1])
        stem, ext = posixpath.splitext(parts[-1])
        if ext == ".py":
            names.add(stem)
    return names


@functools.lru_cache(maxsize=256)
def missing_python_modules(interpreter: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` the sandbox's Python cannot import (asked of it, with the sandbox's flags)."""
    probe = ("import importlib.util, json, sys\n"
             "print(json.dumps([m for m in sys.argv[1:] if importlib.util.find_spec(m) is None]))")
    try:
        done = subprocess.run([interpreter, "-E", "-s", "-c", probe, *modules], capture_output=True, text=True,
                              timeout=20, cwd="/", env={"PATH": "/usr/bin:/bin"})
        return list(json.loads(done.stdout))
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        log.warning("could not ask %s which modules it has: %s", interpreter, exc)
        return []  # unknown: let the run say it


def _serves(tree: ast.Module, modules: set[str]) -> bool:
    if not modules & _SERVER_MODULES:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _SERVE_CALLS:
            return True
    return False


def _needs_arguments(tree: ast.Module) -> bool:
    """``sys.argv[1]`` (or later) read, or an argparse positional argument that must be given."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_sys_argv(node.value):
            index = node.slice
            if isinstance(index, ast.Constant) and isinstance(index.value, int) and index.value >= 1:
                return True
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument"
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                and not node.args[0].value.startswith("-")):
            optional = {k.arg: k.value for k in node.keywords}
            nargs = optional.get("nargs")
            if "default" in optional or (isinstance(nargs, ast.Constant) and nargs.value in ("?", "*")):
                continue
            return True
    return False


def _is_sys_argv(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "argv" and isinstance(node.value, ast.Name)
            and node.value.id == "sys")


# ------------------------------------------------------------------------------------------ JavaScript
def _javascript(text: str, paths: list[str], interpreter: str) -> Readiness:
    builtins = node_builtins(interpreter)
    wanted = sorted({m for m in _JS_REQUIRE.findall(text) if not m.startswith((".", "/"))})
    missing = [m for m in wanted if m.removeprefix("node:").split("/")[0] not in builtins]
    if missing:
        return Readiness.no("dependency", f"Needs the npm package{'s' if len(missing) > 1 else ''} "
                                          f"{', '.join(missing)}, which the sandbox does not have installed.")
    if re.search(r"\.listen\s*\(", text):
        return Readiness.no("server", "A web server: it would wait for requests, and the sandbox has no network "
                                      "to send it any.")
    if re.search(r"process\.argv\s*\[\s*[2-9]\s*\]", text):
        return Readiness.no("arguments", "Needs command-line arguments, and this page has no way to pass them.")
    return OK


@functools.lru_cache(maxsize=4)
def node_builtins(interpreter: str) -> frozenset[str]:
    """Node's built-in module names (asked of the sandbox's node once)."""
    try:
        done = subprocess.run([interpreter, "-e", "console.log(JSON.stringify(require('module').builtinModules))"],
                              capture_output=True, text=True, timeout=20, cwd="/", env={"PATH": "/usr/bin:/bin"})
        return frozenset(json.loads(done.stdout))
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        log.warning("could not ask %s for its built-in modules: %s", interpreter, exc)
        return frozenset()


# ------------------------------------------------------------------------------------------ shell
def _shell(text: str) -> Readiness:
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    if _SHELL_ARG.search(code) or _SHELL_COUNT.search(code):
        return Readiness.no("arguments", "Needs command-line arguments, and this page has no way to pass them.")
    used = [tool for tool in _TOOLS if re.search(rf"(?:^|[\s;&|(`$]){re.escape(tool)}\s", code, re.MULTILINE)]
    missing = [tool for tool in used if not _installed(tool)]
    if missing:
        return Readiness.no("dependency", f"Calls {', '.join(missing)}, which the sandbox does not have.")
    return OK


def _installed(tool: str) -> bool:
    """On the sandbox's PATH (it sees the host's /usr read-only)."""
    return shutil.which(tool, path="/usr/local/bin:/usr/bin:/bin") is not None


__all__ = ["OK", "Readiness", "missing_python_modules", "node_builtins", "readiness"]
