"""Suggestions: concrete fixes for a drop, each a unified diff with its source.

``store.suggest(drop_id)`` lists them for the drop's current version; ``store.apply_suggestion``
turns one into a new version whose message names the fix. A suggestion's id is derived from
the version's content and the fix, so it stays valid exactly as long as the content it was
computed from: after any other change, ``suggest`` again.

Sources (each runs only where its tool is installed; a missing tool means no suggestion from it):

* ``ruff``: the automatic fixes of the rules the analysis checks (Python), then ``ruff format``;
* ``gofmt``: Go formatting (Debian's ``golang-go``);
* ``shellcheck``: the fixes shellcheck proposes (``-f diff``);
* ``qldrops``: a hard-coded secret moved to an environment variable (Python, JavaScript/TypeScript, Go).
"""

from __future__ import annotations

import difflib
import hashlib
import html
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..store.models import Listing
from . import quality

TOOL_TIMEOUT = 10.0


@dataclass(frozen=True)
class Suggestion:
    """One fix for one version of a drop: ``diff`` is what applying it changes."""

    id: str
    drop_id: int
    version: int
    source: str  # ruff | ruff-format | gofmt | shellcheck | qldrops
    rule: str
    title: str
    diff: str
    lines_changed: int
    new_text: str = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "drop_id": self.drop_id, "version": self.version, "source": self.source,
                "rule": self.rule, "title": self.title, "lines_changed": self.lines_changed, "diff": self.diff}

    def _repr_html_(self) -> str:
        return (f"<div><b>{html.escape(self.title)}</b> <small>({html.escape(self.source)}, {self.id})</small>"
                f"<pre>{html.escape(self.diff[:20_000])}</pre></div>")


class SuggestionList(Listing[Suggestion]):
    columns = ("id", "source", "rule", "title", "lines_changed", "version")

    def _row(self, s: Suggestion) -> dict[str, Any]:
        return {c: getattr(s, c) for c in self.columns}


def suggestions_for(text: str, language: str, *, drop_id: int, version: int,
                    secrets: list[dict] | None = None) -> SuggestionList:
    """Every fix the installed tools and our own rules propose for ``text`` (a drop's ``version``)."""
    makers: list[tuple[str, str, str, Callable[[str], str | None]]] = []
    if language == "python":
        makers.append(("ruff", "ruff-fixes", "apply ruff's automatic fixes", _ruff_fix))
        makers.append(("ruff-format", "format", "format with ruff format", _ruff_format))
    elif language == "go":
        makers.append(("gofmt", "gofmt", "format with gofmt", _gofmt))
    elif language in ("shell", "bash"):
        makers.append(("shellcheck", "shellcheck-fixes", "apply shellcheck's suggested fixes", _shellcheck_fix))
    out = SuggestionList()
    for source, rule, title, make in makers:
        fixed = make(text)
        if fixed is not None and fixed != text:
            out.append(_suggestion(text, fixed, drop_id=drop_id, version=version, source=source, rule=rule,
                                   title=title))
    for finding in secrets or []:
        fixed = secret_to_env(text, language, finding.get("line") or 0)
        if fixed is not None and fixed != text and all(s.new_text != fixed for s in out):
            out.append(_suggestion(text, fixed, drop_id=drop_id, version=version, source="qldrops",
                                   rule=f"secret-to-env:{finding.get('rule')}",
                                   title=f"move the {finding.get('message') or 'secret'} on line {finding.get('line')} "
                                         "to an environment variable"))
    return out


def _suggestion(old: str, new: str, *, drop_id: int, version: int, source: str, rule: str,
                title: str) -> Suggestion:
    diff_lines = list(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                           fromfile=f"v{version}", tofile="suggested", n=2))
    diff = "".join(x if x.endswith("\n") else x + "\n" for x in diff_lines)
    changed = sum(1 for x in diff_lines if x[:1] in "+-" and not x.startswith(("+++", "---")))
    ident = hashlib.sha256(f"{drop_id}\0{version}\0{source}\0{rule}\0{new}".encode("utf-8", "surrogatepass"))
    return Suggestion(id=ident.hexdigest()[:12], drop_id=drop_id, version=version, source=source, rule=rule,
                      title=title, diff=diff, lines_changed=changed, new_text=new)


def _run(argv: list[str], text: str) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(argv, input=text, capture_output=True, text=True, timeout=TOOL_TIMEOUT,
                              env={**os.environ, "NO_COLOR": "1"})
    except (OSError, subprocess.TimeoutExpired):
        return None


def _ruff_fix(text: str) -> str | None:
    exe = quality.ruff_binary()
    if not exe:
        return None
    proc = _run([exe, "check", "--no-cache", "--isolated", "--select", quality.RUFF_SELECT, "--fix",
                 "--exit-zero", "--quiet", "--stdin-filename", "snippet.py", "-"], text)
    return proc.stdout if proc is not None and proc.returncode == 0 and proc.stdout else None


def _ruff_format(text: str) -> str | None:
    exe = quality.ruff_binary()
    if not exe:
        return None
    proc = _run([exe, "format", "--no-cache", "--isolated", "--stdin-filename", "snippet.py", "-"], text)
    return proc.stdout if proc is not None and proc.returncode == 0 and proc.stdout else None


def _gofmt(text: str) -> str | None:
    exe = shutil.which("gofmt")
    if not exe:
        return None
    proc = _run([exe], text)
    return proc.stdout if proc is not None and proc.returncode == 0 and proc.stdout else None


def _shellcheck_fix(text: str) -> str | None:
    exe = shutil.which("shellcheck")
    if not exe:
        return None
    proc = _run([exe, "-f", "diff", "-"], text)
    if proc is None or not proc.stdout.startswith("---"):
        return None
    return apply_unified_diff(text, proc.stdout)


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def apply_unified_diff(text: str, diff: str) -> str | None:
    """``text`` with a one-file unified diff applied; None when a hunk does not match."""
    old = text.splitlines(keepends=True)
    out: list[str] = []
    pos = 0
    lines = diff.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        m = _HUNK.match(lines[i])
        if not m:
            i += 1
            continue
        start = int(m.group(1)) - (0 if m.group(2) == "0" else 1)
        if start < pos:
            return None
        out.extend(old[pos:start])
        pos = start
        i += 1
        while i < len(lines) and not lines[i].startswith("@@"):
            line = lines[i]
            tag, body = line[:1], line[1:]
            if tag in (" ", "-"):
                if pos >= len(old) or old[pos].rstrip("\n") != body.rstrip("\n"):
                    return None
                if tag == " ":
                    out.append(old[pos])
                pos += 1
            elif tag == "+":
                out.append(body if body.endswith("\n") else body + "\n")
            i += 1
    out.extend(old[pos:])
    return "".join(out)


# NAME = "value" / NAME: "value" / const NAME = 'value' / NAME := "value"
_ASSIGN = re.compile(r"""^(?P<indent>\s*)(?P<decl>(?:const|let|var|export\s+const)\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)"""
                     r"""(?P<op>\s*(?::=|=)\s*)(?P<quote>["'`])(?P<value>[^"'`\n]+)(?P=quote)(?P<rest>.*)$""")


def secret_to_env(text: str, language: str, line: int) -> str | None:
    """The text with the secret assigned on ``line`` read from an environment variable of the same
    name instead (Python ``os.environ``, JavaScript ``process.env``, Go ``os.Getenv``); None when that
    line is not a simple assignment this can rewrite."""
    lines = text.splitlines(keepends=True)
    if not 1 <= line <= len(lines):
        return None
    raw = lines[line - 1]
    end = raw[len(raw.rstrip("\r\n")):]
    m = _ASSIGN.match(raw.rstrip("\r\n"))
    if not m:
        return None
    name = m.group("name")
    env = re.sub(r"[^A-Z0-9_]", "_", name.upper())
    if language == "python":
        new = f'{m.group("indent")}{name}{m.group("op")}os.environ["{env}"]{m.group("rest")}'
        fixed = [*lines[:line - 1], new + end, *lines[line:]]
        if not re.search(r"^\s*import os\b|^\s*from os import", text, re.MULTILINE):
            fixed.insert(_python_import_line(fixed), "import os\n")
        return "".join(fixed)
    if language in ("javascript", "typescript"):
        new = f'{m.group("indent")}{m.group("decl") or ""}{name}{m.group("op")}process.env.{env}{m.group("rest")}'
        return "".join([*lines[:line - 1], new + end, *lines[line:]])
    if language == "go" and (":=" in m.group("op") or m.group("decl")):
        new = f'{m.group("indent")}{m.group("decl") or ""}{name}{m.group("op")}os.Getenv("{env}"){m.group("rest")}'
        joined = "".join([*lines[:line - 1], new + end, *lines[line:]])
        return joined if re.search(r'"os"', joined) else None  # adding a Go import is gofmt's job: only when present
    return None


def _python_import_line(lines: list[str]) -> int:
    """Where ``import os`` goes: after a shebang, an encoding line, the module docstring and __future__."""
    i = 0
    while i < len(lines) and (lines[i].startswith("#!") or lines[i].startswith("# -*-")):
        i += 1
    if i < len(lines) and lines[i].lstrip().startswith(('"""', "'''")):
        quote = lines[i].lstrip()[:3]
        if lines[i].count(quote) >= 2:
            i += 1
        else:
            i += 1
            while i < len(lines) and quote not in lines[i]:
                i += 1
            i += 1
    while i < len(lines) and lines[i].startswith("from __future__"):
        i += 1
    return i


__all__ = ["Suggestion", "SuggestionList", "apply_unified_diff", "secret_to_env", "suggestions_for"]
