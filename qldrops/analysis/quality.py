"""Complexity and lint analysers, and the documented 0-100 quality score.

* lizard: per function cyclomatic complexity, length (nloc), nesting, parameters, for
  ~20 languages; it picks its parser by extension, so snippets get a synthetic name.
* radon (Python): maintainability index. Its raw metrics can take seconds on a large
  file: the caller time-boxes it like every analyser.
* ruff (Python): the binary with an explicit ``--select`` so results do not move with
  ruff's default rule set.

The score (see :func:`score`) is a weighted mean of part scores, each 0-100, shown
with its weight and the figure behind it; parts that do not apply (lint for Go) drop
out and the weights of the rest are renormalised.
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

WEIGHTS = {"complexity": 0.30, "function_size": 0.15, "nesting": 0.10, "parameters": 0.05,
           "maintainability": 0.15, "lint": 0.10, "security": 0.15}


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
          nloc: int) -> tuple[float | None, dict]:
    """0-100 quality and its parts. Each part maps one figure to 0-100:

    * complexity: 100 at average CCN <= 4, minus 8 per point above, minus 2 per point of max CCN above 10;
    * function_size: 100 when no function exceeds 50 lines, minus 1 per line of the longest beyond;
    * nesting: 100 up to depth 3, minus 20 per level beyond;
    * parameters: 100 up to 5, minus 15 per extra parameter;
    * maintainability: radon's MI (already 0-100; Python only);
    * lint: 100 minus 10 per ruff finding per 100 lines (Python only);
    * security: 100 minus 30 per high, 15 per medium, 5 per low finding.
    """
    parts: dict[str, dict] = {}
    if lizard_m and lizard_m.get("function_count"):
        avg, mx = lizard_m["avg_ccn"], lizard_m["max_ccn"]
        parts["complexity"] = {"score": _clip(100 - 8 * max(0, avg - 4) - 2 * max(0, mx - 10)),
                               "detail": f"avg CCN {avg}, max {mx}"}
        longest = lizard_m["max_function_nloc"]
        parts["function_size"] = {"score": _clip(100 - max(0, longest - 50)), "detail": f"longest function {longest} lines"}
        depth = lizard_m["max_nesting"]
        if depth:  # lizard reports nesting only for some languages; 0 means "not measured"
            parts["nesting"] = {"score": _clip(100 - 20 * max(0, depth - 3)), "detail": f"max nesting {depth}"}
        params = lizard_m["max_params"]
        parts["parameters"] = {"score": _clip(100 - 15 * max(0, params - 5)), "detail": f"max {params} parameters"}
    if radon_m and "mi" in radon_m:
        parts["maintainability"] = {"score": _clip(radon_m["mi"]), "detail": f"radon MI {radon_m['mi']}"}
    if lint is not None:
        per100 = len(lint) * 100 / max(nloc, 20)
        parts["lint"] = {"score": _clip(100 - 10 * per100), "detail": f"{len(lint)} ruff findings"}
    sev = {"high": 30, "medium": 15, "low": 5}
    if parts or security:
        parts["security"] = {"score": _clip(100 - sum(sev.get(f["severity"], 5) for f in security)),
                             "detail": f"{len(security)} findings"}
    if not parts:
        return None, {}
    total_w = sum(WEIGHTS[k] for k in parts)
    value = sum(p["score"] * WEIGHTS[k] / total_w for k, p in parts.items())
    for k, p in parts.items():
        p["weight"] = round(WEIGHTS[k] / total_w, 3)
        p["score"] = round(p["score"], 1)
    return round(min(100.0, value), 1), parts
