"""`analyze(text)`: run every analyser that applies, each time-boxed, and keep what finished.

An analyser that crashes or runs past its time box leaves a named entry in
``Analysis.errors`` and the rest of the result stands (a partial result). The time box
is a SIGALRM timer when we run on the main thread (it interrupts pure-Python loops and
regular expressions); on other threads the analyser runs in a daemon thread that is
abandoned at the deadline. Batches go through :mod:`qldrops.analysis.pool`, whose
worker processes can also be killed when even the alarm does not get through.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from . import dockerfile, insights, linters, py_security, quality, security, semgrep
from .detect import LanguageGuess, detect_language
from .languages import LIZARD_EXT
from .model import Analysis

log = logging.getLogger(__name__)

ENGINE_VERSION = "4"  # 2: parts say what measured them, coverage, severity caps, documents; 3: linters and
# code rules for shell, C/C++, Go, SQL, Dockerfile; code rules for Java, Kotlin, C#, Ruby, Swift, Rust;
# 4: semgrep with our rules (JS/TS, Java, Kotlin, C#, Ruby, PHP, Rust, Swift), bandit, SQL security rules
HEAVY_LIMIT = 2 * 1024 * 1024  # above this only cheap analysers run (a 10 MB file must not stall a batch)
MINIFIED_LINE = 2000  # a line this long means generated/minified code: complexity would be noise
DEFAULT_TIMEOUT = 5.0


# Built-in drop types that hold prose or records, not code (see qldrops.store.types).
DOCUMENT_TYPES = frozenset({"prompt_enhancement", "frd_generation", "project_structure", "test_plan_generation",
                            "documentation", "completion"})
DOCUMENT_ANALYSERS = frozenset({"detect-secrets", "patterns"})  # a document is checked for secrets only
DOCUMENT_LANGUAGES = frozenset({"markdown", "text", "json", "yaml", "toml", "html", "csv"})
_TREE = re.compile(r"^[ \t│|]*(├──|└──|\|--|`--|\+--)", re.MULTILINE)
_MARKDOWN = re.compile(r"^(#{1,6} |\s*[-*+] |\s*\d+\. |```|> )", re.MULTILINE)


def document_language(text: str, guess: LanguageGuess) -> LanguageGuess:
    """What a document is: JSON when it parses as JSON (whatever its file name says), a file tree or
    plain text, markdown; never a programming language (a tree of ``.py`` names is not Python)."""
    stripped = text.strip()
    if stripped[:1] in "{[":
        try:
            json.loads(stripped)
        except ValueError:
            pass
        else:
            return LanguageGuess("json", 1.0, "content")
    if _TREE.search(text):
        return LanguageGuess("text", 0.9, "content")  # a project tree
    if guess.language in DOCUMENT_LANGUAGES:
        return guess
    if _MARKDOWN.search(text):
        return LanguageGuess("markdown", 0.8, "content")
    return LanguageGuess("text", 0.6, "content")


class AnalyserTimeout(Exception):
    """Raised inside an analyser by the time box."""


@dataclass(frozen=True)
class Analyser:
    """One analyser: ``fn(text, language) -> dict`` for the languages it reads (None: all)."""

    name: str
    fn: Callable[[str, str], dict]
    languages: frozenset[str] | None = None
    heavy: bool = True  # skipped on very large or minified inputs
    timeout: float = DEFAULT_TIMEOUT

    def applies(self, language: str) -> bool:
        return self.languages is None or language in self.languages


def _run_lizard(text: str, language: str) -> dict:
    return {"lizard": quality.lizard_metrics(text, language)}


def _run_radon(text: str, language: str) -> dict:
    return {"radon": quality.radon_metrics(text)}


def _run_ruff(text: str, language: str) -> dict:
    return {"lint": quality.ruff_issues(text), "lint_by": "ruff"}


def _run_shellcheck(text: str, language: str) -> dict:
    return linters.shellcheck(text)


def _run_cppcheck(text: str, language: str) -> dict:
    return linters.cppcheck(text, language)


def _run_go(text: str, language: str) -> dict:
    return linters.go_lint(text)


def _run_sqlfluff(text: str, language: str) -> dict:
    return linters.sqlfluff_lint(text)


def _run_dockerfile(text: str, language: str) -> dict:
    return dockerfile.check(text)


def _run_semgrep(text: str, language: str) -> dict:
    return semgrep.scan(text, language)


def _run_bandit(text: str, language: str) -> dict:
    return {"code_security": py_security.bandit_findings(text)}


def _run_detect_secrets(text: str, language: str) -> dict:
    return {"secrets": [f.to_dict() for f in security.detect_secrets_findings(text)]}


def _run_patterns(text: str, language: str) -> dict:
    return {"patterns": [f.to_dict() for f in security.pattern_findings(text, language)]}


# Analysers that feed the lint part (one applies per language); a failure or a missing tool is its reason.
LINTERS = ("ruff", "shellcheck", "cppcheck", "go vet", "sqlfluff", "dockerfile", "semgrep")
# Tools whose findings join our line rules in the security part (named in its "measured_by").
SECURITY_TOOLS = ("bandit", "semgrep")

BUILTIN: tuple[Analyser, ...] = (
    Analyser("lizard", _run_lizard, frozenset(LIZARD_EXT)),
    Analyser("radon", _run_radon, frozenset({"python"})),
    Analyser("ruff", _run_ruff, frozenset({"python"}), timeout=quality.RUFF_TIMEOUT + 1),
    Analyser("shellcheck", _run_shellcheck, frozenset({"shell"}), timeout=linters.TOOL_TIMEOUT + 1),
    Analyser("cppcheck", _run_cppcheck, frozenset({"c", "cpp"}), timeout=linters.TOOL_TIMEOUT + 1),
    Analyser("go vet", _run_go, frozenset({"go"}), timeout=2 * linters.TOOL_TIMEOUT + 1),  # gofmt, then go vet
    Analyser("sqlfluff", _run_sqlfluff, frozenset({"sql"}), timeout=10.0),  # ~1 s to import, ~0.1 s a small file
    Analyser("dockerfile", _run_dockerfile, frozenset({"dockerfile"})),
    # one engine process per file here; batches share one process (batch_precompute)
    Analyser("semgrep", _run_semgrep, frozenset(semgrep.LANGUAGES), timeout=semgrep.TIMEOUT + 1),
    Analyser("bandit", _run_bandit, frozenset({"python"}), timeout=10.0),  # ~1 s to import once, ~15 ms a file
    Analyser("detect-secrets", _run_detect_secrets),
    Analyser("patterns", _run_patterns, heavy=False, timeout=30.0),  # linear in size: ~0.4 s per MB
)


@lru_cache(maxsize=1)
def tool_versions() -> dict[str, str]:
    out = {"engine": ENGINE_VERSION}
    for pkg in ("lizard", "radon", "ruff", "detect-secrets", "magika", "sqlfluff", "bandit", "semgrep"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "none"
    out["semgrep-rules"] = semgrep.rules_digest()  # our rules, like a tool version, key the cache
    for tool in ("shellcheck", "cppcheck", "go"):  # Debian binaries: their version is part of the key too
        out[tool] = linters.tool_version(tool)
    return out


@lru_cache(maxsize=1)
def analyser_version() -> str:
    """Key of the ``analyses`` table: changes when the engine or any tool version changes."""
    blob = ";".join(f"{k}={v}" for k, v in sorted(tool_versions().items()))
    return f"a{ENGINE_VERSION}-{hashlib.sha256(blob.encode()).hexdigest()[:12]}"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _alarm(signum, frame):
    raise AnalyserTimeout()


def run_timeboxed(fn: Callable[[], dict], timeout: float) -> dict:
    """``fn()`` or AnalyserTimeout after ``timeout`` seconds."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            return fn()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    box: dict = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:  # handed back to the caller below
            box["error"] = exc

    t = threading.Thread(target=target, daemon=True, name="qldrops-analyser")
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise AnalyserTimeout()
    if "error" in box:
        raise box["error"]
    return box["result"]


def _longest_line(text: str) -> int:
    return max((len(ln) for ln in text.splitlines()), default=0)


SEMGREP_BATCH = 1000  # files per semgrep process in a batch (its time-out grows with the count)


def batch_precompute(jobs: list[tuple]) -> dict[object, dict[str, tuple[str, Any]]]:
    """Run the batchable tools once for a whole batch: ``{key: {"semgrep": (language, result)}}``.

    ``jobs`` are ``(key, text, filename, language, kind)``. The language is detected here
    without magika (cheap); :func:`analyze` uses a precomputed result only when its own
    detection agrees, and runs the tool itself otherwise. Heavy, minified and document
    inputs are left out, as :func:`analyze` would skip them.
    """
    picked = []
    for key, text, filename, language, kind in jobs:
        if kind != "code" or not isinstance(text, str) or len(text) > HEAVY_LIMIT:
            continue
        lang = detect_language(text, filename, language, use_magika=False).language
        if lang in semgrep.LANGUAGES and _longest_line(text) <= MINIFIED_LINE:
            picked.append((key, text, lang))
    out: dict[object, dict[str, tuple[str, Any]]] = {}
    for i in range(0, len(picked), SEMGREP_BATCH):
        chunk = picked[i:i + SEMGREP_BATCH]
        for (key, _, lang), res in zip(chunk, semgrep.scan_many([(t, lg) for _, t, lg in chunk]), strict=True):
            out[key] = {"semgrep": (lang, res)}
    return out


def _given(result: Any) -> dict:
    if isinstance(result, BaseException):
        raise result
    return result


def analyze(text: str | bytes, filename: str | None = None, *, language: str | None = None, kind: str = "code",
            analysers: tuple[Analyser, ...] | list[Analyser] | None = None, timeout: float | None = None,
            use_magika: bool = True, precomputed: dict[str, tuple[str, Any]] | None = None) -> Analysis:
    """Analyse any text: language, frameworks, quality, complexity, issues, summary, dependencies.

    ``language`` is a declared language or code-fence tag (it wins over detection);
    ``filename`` comes next, then the content. ``kind="document"`` (requirements, plans, file
    trees, docs, JSON records) labels the text as what it is (JSON, markdown or text), checks it
    for secrets and does not score it as code. Never raises for bad content: an empty, binary,
    huge or unparsable input gives an Analysis that says so in ``notes``/``errors``.
    ``precomputed`` holds results a batch already computed (:func:`batch_precompute`).
    """
    if kind not in ("code", "document"):
        raise ValueError(f"kind must be 'code' or 'document', not {kind!r}")
    started = time.perf_counter()
    notes: list[str] = []
    if isinstance(text, (bytes, bytearray)):
        raw = bytes(text)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
            notes.append("not UTF-8: decoded as latin-1")
    size = len(text.encode("utf-8", "surrogatepass"))
    guess = detect_language(text, filename, language, use_magika=use_magika)
    if kind == "document":
        guess = document_language(text, guess)
    lang = guess.language
    base: dict[str, Any] = dict(
        kind=kind, language=lang, language_confidence=round(guess.confidence, 3), language_source=guess.source,
        language_candidates=[list(c) for c in guess.candidates], filename=filename, size=size,
        lines=text.count("\n") + (1 if text and not text.endswith("\n") else 0),
        content_hash=content_hash(text), analyser_version=analyser_version())
    if lang == "binary" or guess.source == "empty":
        notes.append("binary content: not analysed" if lang == "binary" else "empty content: nothing to analyse")
        return Analysis(**base, notes=notes, summary="Binary content." if lang == "binary" else "Empty file.",
                        timings={"total": _ms(started)})
    longest = _longest_line(text)
    skip_heavy, skip_reason = False, ""
    if size > HEAVY_LIMIT:
        skip_heavy, skip_reason = True, "input too large"
        notes.append(f"large input ({size / 1e6:.1f} MB > {HEAVY_LIMIT / 1e6:.0f} MB): complexity, lint and "
                     "detect-secrets skipped; patterns scanned")
    elif longest > MINIFIED_LINE:
        skip_heavy, skip_reason = True, "minified or generated code"
        notes.append(f"minified or generated (a line of {longest} characters): complexity and lint skipped")
    results: dict = {}
    errors: list[dict] = []
    timings: dict[str, float] = {}
    skipped: dict[str, str] = {}
    for a in (BUILTIN if analysers is None else analysers):
        if not a.applies(lang) or (kind == "document" and a.name not in DOCUMENT_ANALYSERS):
            continue
        if skip_heavy and a.heavy:
            skipped[a.name] = f"{a.name} skipped: {skip_reason}"
            continue
        t0 = time.perf_counter()
        given = (precomputed or {}).get(a.name)
        fn = partial(_given, given[1]) if given is not None and given[0] == lang else partial(a.fn, text, lang)
        try:
            results.update(run_timeboxed(fn, timeout or a.timeout))
            if a.name in SECURITY_TOOLS:
                results.setdefault("security_by", []).append(a.name)
        except linters.NotMeasured as exc:  # a missing tool: the part says so, with the install command
            skipped[a.name] = str(exc)
            notes.append(f"{a.name}: {exc}")
        except AnalyserTimeout:
            errors.append({"analyser": a.name, "error": f"timed out after {timeout or a.timeout:.1f} s"})
        except SyntaxError as exc:
            errors.append({"analyser": a.name, "error": f"invalid syntax: {exc}"})
        except Exception as exc:  # an analyser's bug must not lose the rest of the result
            log.debug("analyser %s failed", a.name, exc_info=True)
            errors.append({"analyser": a.name, "error": f"{type(exc).__name__}: {str(exc)[:300]}"})
        timings[a.name] = _ms(t0)
    return _assemble(text, base, results, errors, notes, timings, started, skipped=skipped)


def _assemble(text, base, results, errors, notes, timings, started,
              skipped: dict[str, str] | None = None) -> Analysis:
    lang = base["language"]
    text = text[:HEAVY_LIMIT]  # imports, frameworks and the summary read the head of a huge file
    ours = results.get("patterns", [])
    ours_lines = {f["line"] for f in ours if f.get("kind") != "secret"}
    # a tool's finding on a line our rules already flag is the same problem: counted once
    tools = [f for f in results.get("code_security", []) if f["line"] not in ours_lines
             or not f["rule"].startswith(("bandit:", "semgrep:"))]
    found = ours + results.get("secrets", []) + tools
    sec = security.merge([security.Finding(**f) for f in found])  # code_security: whole-file rules (Dockerfile USER)
    sec_dicts = [f.to_dict() for f in sec]
    lint = results.get("lint")
    liz = results.get("lizard") or {}
    rad = results.get("radon")
    nloc = liz.get("nloc") or sum(1 for ln in text.splitlines() if ln.strip())
    not_run = {**(skipped or {}), **{e["analyser"]: f"{e['analyser']} failed: {e['error']}" for e in errors}}
    if "patterns" in not_run and "detect-secrets" in not_run:
        not_run["secrets"] = not_run["patterns"]
    lint_reason = next((not_run[a] for a in LINTERS if a in not_run), None)
    if lint_reason:
        not_run["lint"] = lint_reason
    score: float | None
    parts: dict[str, dict]
    cap: dict | None
    if base["kind"] == "document":
        score, parts, coverage, cap = None, {}, "not scored: a document", None
        notes.append("a document: checked for secrets, not scored as code")
    else:
        score, parts, coverage, cap = quality.score(liz, rad, lint, sec_dicts, nloc, language=lang,
                                                    code_rules=security.has_code_rules(lang), not_run=not_run,
                                                    lint_by=results.get("lint_by"), lint_note=results.get("lint_note"),
                                                    security_by=" + ".join(["qldrops code rules",
                                                                            *results.get("security_by", [])]))
    if any(e["analyser"] in {"lizard", "radon", "ruff"} for e in errors) and score is not None:
        notes.append("quality score computed from the analysers that finished")
    fws = insights.frameworks(text, lang)
    deps = insights.dependencies(text, lang)
    entry = insights.entry_point(text, lang)
    functions = liz.get("functions", [])
    summ = insights.summary(text, lang, functions=functions, deps=deps, fws=fws, is_entry=entry, nloc=nloc)
    issues = sorted(sec_dicts + (lint or []), key=lambda i: (i["line"], i["rule"]))
    metrics = {k: v for k, v in liz.items() if k != "functions"}
    if rad:
        metrics.update({"mi": rad.get("mi"), "sloc": rad.get("sloc"), "comments": rad.get("comments")})
    timings["total"] = _ms(started)
    return Analysis(**base, frameworks=fws, dependencies=deps, imports=insights.imports(text, lang),
                    entry_point=entry, quality_score=score, quality_parts=parts, quality_coverage=coverage,
                    quality_cap=cap,
                    complexity=liz.get("avg_ccn"), functions=functions, metrics=metrics, issues=issues,
                    summary=summ, errors=errors, notes=notes, timings=timings)


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 2)


