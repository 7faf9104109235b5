"""semgrep with our own rule files (``rules/*.yml``) for JavaScript/TypeScript, Java, Kotlin, C#,
Ruby, PHP, Rust and Swift.

We call semgrep's engine, ``semgrep-core``, from the pinned ``semgrep`` wheel directly, with
local rule files only: no registry (``--config p/...`` hangs offline), no metrics, no
version check, no network. The ``semgrep`` command around it is a Python program that costs
~3 s of CPU per call before any file is read (measured in ``benchmarks/bench_analysis.py``);
the engine alone costs ~0.15 s, so one file stays responsive. A batch goes to ONE engine
process (its ``-targets`` list, the format the ``semgrep`` command itself writes), not one
per file: :func:`scan_many`.

Rules carry ``metadata.category``: ``security`` findings feed the security part of the
quality score, ``quality`` ones the lint part (``lint_by: "semgrep"``). A missing binary is
:class:`~qldrops.analysis.linters.NotMeasured` with the install command; a hang is killed
at the time-out and reported (the caller turns it into "not measured: ... timed out").
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from .linters import NotMeasured, _lint

RULES_DIR = Path(__file__).resolve().parent / "rules"
INSTALL = "pip install 'qldrops[analysis]' (semgrep)"
TIMEOUT = 8.0  # one file: the process; a batch gets more (see batch_timeout)
RULE_TIMEOUT = 3.0  # semgrep-core's own limit per rule and file
MAX_MEMORY_MB = 1024

# our language -> (semgrep's analyzer name, rule file, extension for the temporary file)
LANGUAGES: dict[str, tuple[str, str, str]] = {
    "javascript": ("js", "javascript.yml", ".js"),
    "typescript": ("ts", "javascript.yml", ".ts"),
    "java": ("java", "java.yml", ".java"),
    "kotlin": ("kotlin", "kotlin.yml", ".kt"),
    "csharp": ("csharp", "csharp.yml", ".cs"),
    "ruby": ("ruby", "ruby.yml", ".rb"),
    "php": ("php", "php.yml", ".php"),
    "rust": ("rust", "rust.yml", ".rs"),
    "swift": ("swift", "swift.yml", ".swift"),
}
SEVERITY = {"ERROR": "high", "WARNING": "medium", "INFO": "low"}


@lru_cache(maxsize=1)
def core_binary() -> str | None:
    """``semgrep-core`` of the installed semgrep wheel (without importing semgrep: ~1 s), or on PATH."""
    spec = importlib.util.find_spec("semgrep")
    for root in (spec.submodule_search_locations or []) if spec else []:
        exe = Path(root) / "bin" / "semgrep-core"
        if exe.is_file() and os.access(exe, os.X_OK):
            return str(exe)
    return shutil.which("semgrep-core")


def version() -> str:
    """The semgrep wheel's version (part of the analyses cache key), or "none"."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as pkg_version

    try:
        return pkg_version("semgrep")
    except PackageNotFoundError:
        return "none"


def rules_digest() -> str:
    """A digest of our rule files: editing a rule changes the analyses cache key."""
    h = hashlib.sha256()
    for f in sorted(RULES_DIR.glob("*.yml")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:12]


def batch_timeout(n: int) -> float:
    return TIMEOUT + 0.5 * n


def scan(text: str, language: str, timeout: float | None = None) -> dict:
    """One file: ``{"lint": [...], "lint_by": "semgrep", "code_security": [...]}``."""
    out = scan_many([(text, language)], timeout=timeout)[0]
    if isinstance(out, Exception):
        raise out
    return out


def scan_many(items: list[tuple[str, str]], timeout: float | None = None) -> list[dict | Exception]:
    """Each ``(text, language)`` scanned by one semgrep-core process; per item its result or the
    exception that says why it was not measured (the same for all if the process failed)."""
    if not items:
        return []
    exe = core_binary()
    if not exe:
        err = NotMeasured(f"semgrep is not installed ({INSTALL})")
        return [err for _ in items]
    for _, lang in items:
        if lang not in LANGUAGES:
            raise ValueError(f"semgrep rules do not cover {lang!r}; see semgrep.LANGUAGES")
    limit = timeout if timeout is not None else batch_timeout(len(items))
    with tempfile.TemporaryDirectory(prefix="qldrops-semgrep-") as tmp:
        targets = []
        paths = {}
        for i, (text, lang) in enumerate(items):
            analyzer, _, ext = LANGUAGES[lang]
            path = os.path.join(tmp, f"f{i}{ext}")
            with open(path, "w", encoding="utf-8", errors="surrogatepass") as fh:
                fh.write(text)
            paths[path] = i
            targets.append(["CodeTarget", {"path": {"fpath": path, "ppath": f"/f{i}{ext}"},
                                           "analyzer": analyzer, "products": ["sast"]}])
        tfile = os.path.join(tmp, "targets.json")
        with open(tfile, "w", encoding="utf-8") as fh:
            json.dump(["Targets", targets], fh)
        rule_files = sorted({LANGUAGES[lang][1] for _, lang in items})
        args = [exe, "-json", "-j", "1", "-timeout", str(RULE_TIMEOUT), "-max_memory", str(MAX_MEMORY_MB),
                "-targets", tfile]
        for rf in rule_files:
            args += ["-rules", str(RULES_DIR / rf)]
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=limit, cwd=tmp,
                                  env={**os.environ, "LC_ALL": "C.UTF-8", "SEMGREP_SEND_METRICS": "off",
                                       "SEMGREP_ENABLE_VERSION_CHECK": "0"})
        except subprocess.TimeoutExpired:
            err = NotMeasured(f"semgrep timed out after {limit:.0f} s")
            return [err for _ in items]
        start = proc.stdout.find("{")  # progress dots come first
        if proc.returncode != 0 or start < 0:
            fail = RuntimeError(f"semgrep-core exited {proc.returncode}: {(proc.stderr or proc.stdout).strip()[:200]}")
            return [fail for _ in items]
        data = json.loads(proc.stdout[start:])
    results: list[dict | Exception] = [{"lint": [], "lint_by": "semgrep", "code_security": []} for _ in items]
    for r in data.get("results", []):
        k = paths.get(str(r.get("path")))
        if k is None:
            continue
        extra = r.get("extra") or {}
        meta = extra.get("metadata") or {}
        sev = SEVERITY.get(extra.get("severity", "INFO"), "low")
        line = r["start"]["line"]
        rule = "semgrep:" + r["check_id"].rsplit(".", 1)[-1]
        hint = meta.get("hint") or "see the rule in qldrops/analysis/rules/"
        res = results[k]
        assert isinstance(res, dict)
        if meta.get("category") == "security":
            res["code_security"].append({"line": line, "rule": rule, "severity": sev, "message": extra.get("message", ""),
                                         "hint": hint, "kind": "security"})
        else:
            res["lint"].append(_lint(line, rule, sev, extra.get("message", ""), hint))
    for e in data.get("errors", []):
        loc = e.get("location") or {}
        j = paths.get(str(loc.get("path")))
        hit = results[j] if j is not None else None
        if isinstance(hit, dict):
            kind = e.get("error_type") or e.get("type") or "error"
            hit["lint_note"] = f"semgrep could not read all of it ({kind[0] if isinstance(kind, list) else kind})"
    return results
