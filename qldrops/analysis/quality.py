"""Complexity and lint analysers, and the documented 0-100 quality score.

* lizard: per function cyclomatic complexity, length (nloc), nesting, parameters, for
  ~20 languages; it picks its parser by extension, so snippets get a synthetic name.
* radon (Python): maintainability index. Its raw metrics can take seconds on a large
  file: the caller time-boxes it like every analyser.
* ruff (Python): the binary with an explicit ``--select`` so results do not move with
  ruff's default rule set. The other languages' linters are in :mod:`.linters` and
  :mod:`.dockerfile`.

The score (see :func:`score`) is a weighted mean of part scores, each 0-100, shown
with its weight, the figure behind it and the analyser that measured it. A part no
analyser covered (lint for Java, maintainability outside Python) is "not measured": it
is listed as such, never counted as 100, and the score is computed from the measured
parts only, with its coverage ("4 of 8 parts measured"). A high- or medium-severity
security finding caps the score (``SEVERITY_CAPS``) and the cap says why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .languages import LIZARD_EXT

RUFF_SELECT = "E9,F,B,PL,UP,SIM,C4,RET,ARG"  # syntax errors, pyflakes, bugbear, pylint, pyupgrade...
RUFF_TIMEOUT = 10.0

# part -> (weight, what measures it)
PARTS: dict[str, tuple[float, str]] = {
    "complexity": (0.25, "lizard"),
    "function_size": (0.15, "lizard"),
    "nesting": (0.10, "lizard"),
    "parameters": (0.05, "lizard"),
    "maintainability": (0.15, "radon"),
    "lint": (0.10, "the language's linter"),  # ruff, shellcheck, cppcheck, gofmt + go vet, sqlfluff, semgrep...
    "security": (0.10, "qldrops code rules"),
    "secrets": (0.10, "detect-secrets + qldrops patterns"),
}
WEIGHTS = {name: weight for name, (weight, _) in PARTS.items()}
# The highest score a file can have while it holds a security finding of this severity.
SEVERITY_CAPS = {"high": 60.0, "medium": 85.0}


def lizard_metrics(text: str, language: str) -> dict:
    """Per-file and per-function metrics from lizard (``{}`` if lizard cannot read the language)."""
    ext = LIZARD_EXT.get(language)
    if not ext:
        return {}
    import lizard

    info = lizard.analyze_file.analyze_source_code("snippet" + ext, text)
    functions = [
        {"name": f.name, "line": f.start_line, "end_line": f.end_line, "ccn": f.cyclomatic_complexity,
         "nloc": f.nloc, "params": f.parameter_count, "nesting": getattr(f, "max_nesting_depth", 0),
         "tokens": f.token_count}
        for f in info.function_list
    ]
    ccns = [f["ccn"] for f in functions] or [1]
    return {
        "nloc": info.nloc,
        "functions": functions,
        "function_count": len(functions),
        "avg_ccn": round(sum(ccns) / len(ccns), 2),
        "max_ccn": max(ccns),
        "max_nesting": max((f["nesting"] for f in functions), default=0),
        "max_params": max((f["params"] for f in functions), default=0),
        "max_function_nloc": max((f["nloc"] for f in functions), default=0),
    }


def radon_metrics(text: str) -> dict:
    """Maintainability index and raw counts (Python only; raises SyntaxError on invalid code)."""
    from radon.metrics import mi_visit
    from radon.raw import analyze

    raw = analyze(text)
    return {"mi": round(mi_visit(text, multi=True), 1), "loc": raw.loc, "sloc": raw.sloc,
            "comments": raw.comments, "blank": raw.blank}


def ruff_binary() -> str | None:
    here = Path(sys.executable).parent / "ruff"
    return str(here) if here.exists() else shutil.which("ruff")


def ruff_issues(text: str, timeout: float = RUFF_TIMEOUT) -> list[dict]:
    """ruff findings for Python source, read from stdin (no temp file)."""
    exe = ruff_binary()
    if not exe:
        raise RuntimeError("ruff binary not found; pip install ruff")
    proc = subprocess.run(
        [exe, "check", "--no-cache", "--isolated", "--select", RUFF_SELECT, "--output-format", "json",
         "--stdin-filename", "snippet.py", "-"],
        input=text, capture_output=True, text=True, timeout=timeout, env={**os.environ, "NO_COLOR": "1"},
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"ruff exited {proc.returncode}: {proc.stderr.strip()[:200]}")
    out = []
    for item in json.loads(proc.stdout or "[]"):
        code = item.get("code") or "invalid-syntax"
        syntax = "syntax" in code or code.startswith("E9")
        out.append({"line": item["location"]["row"], "rule": code, "message": item["message"],
                    "severity": "high" if syntax or code.startswith("F8") else "low",
                    "hint": "fix the syntax error; nothing else can be checked until it parses" if syntax
                    else (item.get("fix") or {}).get("message") or f"see `ruff rule {code}`",
                    "kind": "lint"})
    return out


def _clip(x: float) -> float:
    return max(0.0, min(100.0, x))


def score(lizard_m: dict, radon_m: dict | None, lint: list[dict] | None, security: list[dict],
          nloc: int, *, language: str = "", code_rules: bool = True,
          not_run: dict[str, str] | None = None, lint_by: str | None = None,
          lint_note: str | None = None, security_by: str | None = None) -> tuple[float | None, dict, str, dict | None]:
    """0-100 quality, its parts, its coverage and its cap. Each measured part maps one figure to 0-100:

    * complexity: 100 at average CCN <= 4, minus 8 per point above, minus 2 per point of max CCN above 10;
    * function_size: 100 when no function exceeds 50 lines, minus 1 per line of the longest beyond;
    * nesting: 100 up to depth 3, minus 20 per level beyond;
    * parameters: 100 up to 5, minus 15 per extra parameter;
    * maintainability: radon's MI (already 0-100; Python only);
    * lint: 100 minus 10 per linter finding per 100 lines (``lint_by`` names the linter: ruff, shellcheck,
      cppcheck, gofmt + go vet, sqlfluff, the Dockerfile rules, semgrep; ``lint_note`` says what it could not run);
    * security: 100 minus 30 per high, 15 per medium, 5 per low finding of the code rules (languages
      with rules: ``code_rules``) and of the security tools (bandit, semgrep: ``security_by``);
    * secrets: the same for hard-coded secrets (every language).

    A part that no analyser measured gets ``score: None`` and says why ("not measured: ...");
    ``not_run`` names parts whose analyser failed or was skipped, with the reason. The score is
    the weighted mean of the measured parts (weights renormalised), then capped by the worst
    security finding (``SEVERITY_CAPS``). Returns ``(score, parts, coverage, cap)``; ``score`` is
    None when nothing was measured.
    """
    lang = language or "this language"
    not_run = dict(not_run or {})
    measured: dict[str, dict] = {}
    reasons: dict[str, str] = {}
    if not lizard_m:
        for k in ("complexity", "function_size", "nesting", "parameters"):
            reasons[k] = not_run.get("lizard") or f"no complexity analyser reads {lang}"
    elif not lizard_m.get("function_count"):
        for k in ("complexity", "function_size", "nesting", "parameters"):
            reasons[k] = "no functions found"
    else:
        avg, mx = lizard_m["avg_ccn"], lizard_m["max_ccn"]
        measured["complexity"] = {"score": _clip(100 - 8 * max(0, avg - 4) - 2 * max(0, mx - 10)),
                                  "detail": f"avg CCN {avg}, max {mx}"}
        longest = lizard_m["max_function_nloc"]
        measured["function_size"] = {"score": _clip(100 - max(0, longest - 50)),
                                     "detail": f"longest function {longest} lines"}
        depth = lizard_m["max_nesting"]
        if depth:
            measured["nesting"] = {"score": _clip(100 - 20 * max(0, depth - 3)), "detail": f"max nesting {depth}"}
        else:
            reasons["nesting"] = f"lizard reports no nesting depth for {lang}"
        params = lizard_m["max_params"]
        measured["parameters"] = {"score": _clip(100 - 15 * max(0, params - 5)), "detail": f"max {params} parameters"}
    if radon_m and "mi" in radon_m:
        measured["maintainability"] = {"score": _clip(radon_m["mi"]), "detail": f"radon MI {radon_m['mi']}"}
    else:
        reasons["maintainability"] = not_run.get("radon") or "radon reads Python only"
    if lint is not None:
        per100 = len(lint) * 100 / max(nloc, 20)
        note = f" ({lint_note})" if lint_note else ""
        measured["lint"] = {"score": _clip(100 - 10 * per100), "detail": f"{len(lint)} {lint_by or 'lint'} findings{note}",
                            "by": lint_by or "ruff"}
    else:
        reasons["lint"] = not_run.get("lint") or not_run.get("ruff") or f"no linter for {lang} in this build"
    sev = {"high": 30, "medium": 15, "low": 5}
    code = [f for f in security if f.get("kind") != "secret"]
    secrets = [f for f in security if f.get("kind") == "secret"]
    if code_rules or code:
        measured["security"] = {"score": _clip(100 - sum(sev.get(f["severity"], 5) for f in code)),
                                "detail": f"{len(code)} findings", "by": security_by}
    else:
        reasons["security"] = f"no code security rules for {lang}"
    if "secrets" in not_run and not secrets:
        reasons["secrets"] = not_run["secrets"]
    else:
        measured["secrets"] = {"score": _clip(100 - sum(sev.get(f["severity"], 5) for f in secrets)),
                               "detail": f"{len(secrets)} secrets found"}
    parts: dict[str, dict] = {}
    total_w = sum(WEIGHTS[k] for k in measured)
    for name, (weight, tool) in PARTS.items():
        if name in measured:
            p = measured[name]
            parts[name] = {"score": round(p["score"], 1), "weight": round(weight / total_w, 3),
                           "detail": p["detail"], "measured_by": p.get("by") or tool}
        else:
            parts[name] = {"score": None, "weight": 0.0, "detail": f"not measured: {reasons.get(name, 'not run')}",
                           "measured_by": None}
    coverage = f"{len(measured)} of {len(PARTS)} parts measured"
    only_secrets = set(measured) <= {"secrets"}
    if only_secrets:  # a secret scan alone says nothing about code quality
        return None, parts, coverage, None
    value = sum(p["score"] * WEIGHTS[k] / total_w for k, p in measured.items())
    cap = None
    for level in ("high", "medium"):
        worst = [f for f in security if f.get("severity") == level]
        if worst and value > SEVERITY_CAPS[level]:
            first = min(worst, key=lambda f: f.get("line") or 0)
            more = f" and {len(worst) - 1} more" if len(worst) > 1 else ""
            cap = {"limit": SEVERITY_CAPS[level], "uncapped": round(value, 1),
                   "reason": f"capped at {SEVERITY_CAPS[level]:.0f}: {level}-severity finding "
                             f"{first.get('rule')} (line {first.get('line')}){more}"}
            value = SEVERITY_CAPS[level]
            break
    return round(min(100.0, value), 1), parts, coverage, cap
