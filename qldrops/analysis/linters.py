"""Linters for languages other than Python: shellcheck, cppcheck, gofmt + go vet, sqlfluff.

Each function takes the source text and returns ``{"lint": [finding, ...], "lint_by": tool}``
(findings: line, rule, severity, message, hint, kind "lint"), ready for the ``lint`` part of
the quality score. The binaries come from Debian (``scripts/system-deps.sh``); one that is
missing raises :class:`NotMeasured` with the install command, and the part says "not
measured: <that>" instead of failing. Each run has a subprocess time-out a little under the
analyser's time box (:mod:`qldrops.analysis.core`), so a hung tool is killed, not leaked.

The rule selections are explicit (like ruff's ``--select``) so that results do not move
with a tool's defaults.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

TOOL_TIMEOUT = 8.0  # each binary's own limit; the analyser's time box is a little longer

SHELLCHECK_SEVERITY = "info"  # error, warning, info (style notes left out: they flood real scripts)
CPPCHECK_ENABLE = "warning,style,performance,portability"
SQLFLUFF_DIALECT = "ansi"
SQLFLUFF_RULES = "aliasing,ambiguous,convention,references,structure"  # not layout/capitalisation: formatting

INSTALL = {
    "shellcheck": "apt-get install shellcheck",
    "cppcheck": "apt-get install cppcheck",
    "gofmt": "apt-get install golang-go",
    "go": "apt-get install golang-go",
    "sqlfluff": "pip install 'qldrops[analysis]'",
}


class NotMeasured(Exception):
    """The analyser could not measure this input (tool missing, unsupported dialect): the reason."""


def binary(name: str) -> str:
    """Path of a tool on PATH, or NotMeasured with its install command."""
    path = shutil.which(name)
    if not path:
        raise NotMeasured(f"{name} is not installed ({INSTALL.get(name, 'install ' + name)})")
    return path


def _run(args: list[str], *, stdin: str | None = None, cwd: str | None = None,
         env: dict[str, str] | None = None, timeout: float = TOOL_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, "LC_ALL": "C.UTF-8", **(env or {})})


def tool_version(name: str) -> str:
    """First line of ``<tool> --version`` (``go version``), or "none" (keys the analyses cache)."""
    path = shutil.which(name)
    if not path:
        return "none"
    args = [path, "version"] if name == "go" else [path, "--version"]
    try:
        out = _run(args, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    lines = [ln for ln in out.splitlines() if re.search(r"\d+\.\d+", ln)]
    return (lines[0] if lines else out.strip()[:60]).strip()


def _lint(line: int, rule: str, severity: str, message: str, hint: str) -> dict:
    return {"line": line, "rule": rule, "severity": severity, "message": message, "hint": hint, "kind": "lint"}


# --- shell -----------------------------------------------------------------------------------

_SHEBANG = re.compile(r"^#!\s*\S*?(?:/env\s+(?:-\S+\s+)*)?/?(?:\S*/)?(\w+)")


def shell_dialect(text: str) -> str:
    """``bash``, ``sh``, ``dash`` or ``ksh`` from the shebang (bash when there is none)."""
    m = _SHEBANG.match(text)
    name = m.group(1) if m else "bash"
    if name in ("zsh", "fish", "csh", "tcsh"):
        raise NotMeasured(f"shellcheck does not read {name} scripts")
    return name if name in ("sh", "dash", "ksh") else "bash"


def shellcheck(text: str) -> dict:
    exe = binary("shellcheck")
    proc = _run([exe, "-f", "json", f"--shell={shell_dialect(text)}", f"--severity={SHELLCHECK_SEVERITY}", "-"],
                stdin=text)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"shellcheck exited {proc.returncode}: {proc.stderr.strip()[:200]}")
    sev = {"error": "high", "warning": "medium", "info": "low", "style": "low"}
    out = []
    for item in json.loads(proc.stdout or "[]"):
        code = f"SC{item['code']}"
        fix = "apply shellcheck's suggested fix; " if item.get("fix") else ""
        out.append(_lint(item["line"], code, sev.get(item["level"], "low"), item["message"],
                         f"{fix}see https://www.shellcheck.net/wiki/{code}"))
    return {"lint": out, "lint_by": "shellcheck"}


# --- C and C++ -------------------------------------------------------------------------------

def cppcheck(text: str, language: str) -> dict:
    exe = binary("cppcheck")
    suffix = ".cpp" if language == "cpp" else ".c"
    with tempfile.TemporaryDirectory(prefix="qldrops-cppcheck-") as tmp:
        src = Path(tmp) / f"snippet{suffix}"
        src.write_text(text, encoding="utf-8")
        proc = _run([exe, f"--enable={CPPCHECK_ENABLE}", "--template={line}|{severity}|{id}|{message}", "-q",
                     "--inline-suppr", "--suppress=missingIncludeSystem", "--suppress=missingInclude",
                     "--suppress=unmatchedSuppression", str(src)], cwd=tmp)
    if proc.returncode != 0:
        raise RuntimeError(f"cppcheck exited {proc.returncode}: {proc.stderr.strip()[:200]}")
    sev = {"error": "high", "warning": "medium", "style": "low", "performance": "low", "portability": "low"}
    out = []
    for ln in proc.stderr.splitlines():  # the template goes to stderr
        parts = ln.split("|", 3)
        if len(parts) != 4 or not parts[0].isdigit() or parts[1] not in sev:
            continue
        line, severity, rule, message = parts
        hint = ("fix the syntax error; cppcheck cannot check the rest until it parses" if rule == "syntaxError"
                else f"see cppcheck --errorlist ({rule})")
        out.append(_lint(int(line), "cppcheck:" + rule, sev[severity], message, hint))
    return {"lint": out, "lint_by": "cppcheck"}


# --- Go --------------------------------------------------------------------------------------

_GO_POS = re.compile(r"(?:^|\s|/)snippet\.go:(\d+):(?:\d+:)?\s*(.*)")
_GO_MISSING = ("no required module provides package", "cannot find package", "is not in GOROOT",
               "cannot find module providing package")


def _go_env() -> dict[str, str]:
    """No network (GOPROXY=off) and a cache that exists even when HOME does not."""
    cache = os.environ.get("GOCACHE") or (str(Path.home() / ".cache" / "go-build") if os.environ.get("HOME")
                                          else os.path.join(tempfile.gettempdir(), "qldrops-go-cache"))
    env = {"GOPROXY": "off", "GOFLAGS": "-mod=mod", "GO111MODULE": "on", "GOCACHE": cache,
           "GOTOOLCHAIN": "local", "GOWORK": "off"}
    if not os.environ.get("GOPATH") and not os.environ.get("HOME"):
        env["GOPATH"] = os.path.join(tempfile.gettempdir(), "qldrops-gopath")
    return env


def go_lint(text: str, vet_timeout: float = TOOL_TIMEOUT) -> dict:
    """gofmt (syntax and formatting) and, when the file type-checks on its own, go vet.

    go vet needs a module: the file goes into a temporary one (``module snippet``). A file
    that imports third-party packages (there is no network to fetch them) or uses names
    from other files of its package cannot be vetted: the result then says
    ``lint_note: "go vet not measured: ..."`` and carries gofmt's findings only.
    """
    gofmt = binary("gofmt")
    out: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="qldrops-go-") as tmp:
        src = Path(tmp) / "snippet.go"
        src.write_text(text, encoding="utf-8")
        proc = _run([gofmt, "-e", str(src)], cwd=tmp)
        if proc.returncode != 0:
            for ln in proc.stderr.splitlines():
                m = _GO_POS.search(ln)
                if m:
                    out.append(_lint(int(m.group(1)), "go-syntax", "high", m.group(2),
                                     "fix the syntax error; go vet cannot run until the file parses"))
            if not out:
                raise RuntimeError(f"gofmt exited {proc.returncode}: {proc.stderr.strip()[:200]}")
            return {"lint": out, "lint_by": "gofmt", "lint_note": "go vet not measured: the file does not parse"}
        if proc.stdout != text:
            old, new = text.splitlines(), proc.stdout.splitlines()
            first = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
            changed = sum(1 for d in difflib.ndiff(old, new) if d[:1] == "-")
            out.append(_lint(first + 1, "gofmt", "low", f"not gofmt-formatted ({changed} lines differ)",
                             "run gofmt -w on the file"))
        go = shutil.which("go")
        if not go:
            return {"lint": out, "lint_by": "gofmt",
                    "lint_note": f"go vet not measured: go is not installed ({INSTALL['go']})"}
        (Path(tmp) / "go.mod").write_text("module snippet\n\ngo 1.18\n", encoding="utf-8")
        try:
            vet = _run([go, "vet", "."], cwd=tmp, env=_go_env(), timeout=vet_timeout)
        except subprocess.TimeoutExpired:
            return {"lint": out, "lint_by": "gofmt", "lint_note": f"go vet not measured: timed out after {vet_timeout:.0f} s "
                    "(its first use of a standard package computes facts for it: seconds, cached afterwards)"}
    err = vet.stderr
    if vet.returncode == 0:
        return {"lint": out, "lint_by": "gofmt + go vet"}
    if any(s in err for s in _GO_MISSING):
        return {"lint": out, "lint_by": "gofmt", "lint_note": "go vet not measured: the file imports packages "
                "that are not in the standard library (nothing is downloaded)"}
    vet_findings: list[tuple[int, str]] = []
    typecheck: list[tuple[int, str]] = []
    for ln in err.splitlines():
        m = _GO_POS.search(ln)
        if not m:
            continue
        (typecheck if ln.startswith("vet: ") or "undefined:" in ln or "declared but not used" in ln
         or "imported and not used" in ln else vet_findings).append((int(m.group(1)), m.group(2)))
    if typecheck and not vet_findings:
        line, msg = typecheck[0]
        return {"lint": out, "lint_by": "gofmt",
                "lint_note": f"go vet not measured: the file does not type-check on its own (line {line}: {msg})"}
    if not vet_findings:
        raise RuntimeError(f"go vet exited {vet.returncode}: {err.strip()[:200]}")
    for line, msg in vet_findings:
        out.append(_lint(line, "go-vet", "medium", msg, "see `go doc cmd/vet`"))
    return {"lint": out, "lint_by": "gofmt + go vet"}


# --- SQL -------------------------------------------------------------------------------------

_SQLFLUFF: dict[str, object] = {}


def sqlfluff_lint(text: str) -> dict:
    """sqlfluff in-process (its CLI pays ~1.7 s of imports per call; warm, a small file takes ~0.1 s)."""
    linter = _SQLFLUFF.get("linter")
    if linter is None:
        try:
            from sqlfluff.core import FluffConfig, Linter
        except ImportError as exc:
            raise NotMeasured(f"sqlfluff is not installed ({INSTALL['sqlfluff']})") from exc
        # An explicit config: no .sqlfluff file from the working directory or home changes the result.
        linter = Linter(config=FluffConfig(overrides={"dialect": SQLFLUFF_DIALECT, "rules": SQLFLUFF_RULES}))
        _SQLFLUFF["linter"] = linter
    result = linter.lint_string(text)  # type: ignore[attr-defined]
    out = []
    for v in result.violations:
        code = v.rule_code()
        parse = code in ("PRS", "TMP", "LXR")
        out.append(_lint(v.line_no or 0, "sqlfluff:" + code, "medium" if parse else "low", v.desc(),
                         f"sqlfluff could not parse it as {SQLFLUFF_DIALECT.upper()} SQL (another dialect?)"
                         if parse else f"see sqlfluff's rule {code}"))
    return {"lint": out, "lint_by": "sqlfluff"}
