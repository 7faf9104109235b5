"""Language detection: declared language or fence tag, then file name, then content.

Content detection combines three kinds of evidence, because each alone fails in a
known way (see benchmarks/README_analysis.md for the figures):

* hard markers that settle it (a shebang, ``<?php``, a document that parses as JSON);
* the grammar signals of :mod:`qldrops.analysis.signals`, scored per language;
* magika's probability vector (good on whole files, blind below ~16 bytes, and often
  confused between close relatives such as C/C++ or JavaScript/TypeScript).

The two soft signals are mixed, and the answer is ``"unknown"`` when the mix is not
confident enough: a wrong "python" costs more than an honest "unknown".
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

from . import languages as L
from . import magika_signal
from .signals import LINE_LANGUAGES, SUPERSETS, compiled

SAMPLE_CHARS = 48_000
UNKNOWN_BELOW = 0.40  # combined probability under which we answer "unknown"
HEURISTIC_SHARE = 0.6  # weight of the grammar signals against magika when both speak

_SHEBANG = re.compile(r"^#![ \t]*(?:/usr)?(?:/local)?/bin/(?:env[ \t]+(?:-S[ \t]+)?)?([\w.+-]+)")
_SHEBANG_LANG = {
    "python": "python", "python3": "python", "python2": "python", "pypy3": "python", "sh": "shell",
    "bash": "shell", "zsh": "shell", "ksh": "shell", "dash": "shell", "node": "javascript",
    "nodejs": "javascript", "deno": "typescript", "ts-node": "typescript", "ruby": "ruby", "php": "php",
    "perl": "perl", "lua": "lua", "rscript": "r", "make": "makefile", "kotlin": "kotlin", "swift": "swift",
    "scala": "scala", "pwsh": "powershell",
}
_FENCE_OPEN = re.compile(r"^(```|~~~)[ \t]*[\w+#.\-{}=\"' ]*$")
_SCRIPT_OPEN = re.compile(r"<(script|style)\b", re.IGNORECASE)
_HTML_DOC = re.compile(r"<(html|body|head|div|!doctype)\b", re.IGNORECASE)
_PROSE_LINE = re.compile(r"^[ \t]*[\"'(A-Za-z][^{}\[\];=<>$\\|`]*$")
_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class LanguageGuess:
    """A language with how sure we are and which evidence decided it."""

    language: str
    confidence: float
    source: str  # declared | filename | shebang | marker | content | empty | binary
    candidates: tuple[tuple[str, float], ...] = field(default=())

    def to_dict(self) -> dict:
        return {"language": self.language, "confidence": round(self.confidence, 3), "source": self.source,
                "candidates": [[lang, round(p, 3)] for lang, p in self.candidates]}


def is_binary(text: str) -> bool:
    """NUL characters or many control characters: not something a person wrote as text."""
    head = text[:8192]
    if "\x00" in head:
        return True
    ctrl = sum(1 for ch in head if ord(ch) < 32 and ch not in "\n\r\t\f\v\x1b")
    return len(head) > 0 and ctrl / len(head) > 0.05


def detect_language(text: str, filename: str | None = None, declared: str | None = None,
                    *, use_magika: bool = True) -> LanguageGuess:
    """Best language for ``text``; ``declared`` (a name or fence tag) wins, then the file name."""
    lang = L.normalize(declared)
    if lang:
        return LanguageGuess(lang, 1.0, "declared")
    if not text or not text.strip():
        by_name, _ = L.from_filename(filename)
        if by_name:
            return LanguageGuess(by_name, 0.9, "filename")
        return LanguageGuess(L.UNKNOWN, 0.0, "empty")
    if is_binary(text):
        return LanguageGuess("binary", 1.0, "binary")
    by_name, ambiguous = L.from_filename(filename)
    if by_name and not ambiguous:
        return LanguageGuess(by_name, 0.97, "filename")
    guess = detect_content(text, use_magika=use_magika)
    if by_name and ambiguous:  # .h: C unless the content says C++/Objective-C
        if guess.language in {"cpp", "objective-c"}:
            return LanguageGuess(guess.language, max(guess.confidence, 0.8), "filename+content", guess.candidates)
        return LanguageGuess(by_name, 0.8, "filename", guess.candidates)
    return guess


def detect_content(text: str, *, use_magika: bool = True) -> LanguageGuess:
    """Language from content alone."""
    sample = text[:SAMPLE_CHARS]
    stripped = sample.lstrip("\ufeff \t\r\n")
    hard = _hard_markers(stripped, text)
    if hard:
        return hard
    scores = heuristic_scores(sample)
    p_h = _to_distribution(scores)
    p_m: dict[str, float] = {}
    if use_magika:
        p_m = magika_signal.probabilities(sample.encode("utf-8", "replace"))
    top_score = max(scores.values(), default=0.0)
    evidence = min(1.0, top_score / 8.0)  # a few weak hits are not a verdict
    combined: dict[str, float] = {}
    if p_m:
        share = HEURISTIC_SHARE * evidence
        if max(p_m.values()) >= 0.95:  # magika is rarely wrong when this sure of itself
            share *= 0.5
        for lang in set(p_h) | set(p_m):
            combined[lang] = share * p_h.get(lang, 0.0) + (1 - share) * p_m.get(lang, 0.0)
    else:
        combined = {lang: p * evidence for lang, p in p_h.items()}
    ranked = sorted(combined.items(), key=lambda kv: -kv[1])[:3]
    if not ranked:
        return LanguageGuess(L.UNKNOWN, 0.0, "content")
    best, conf = ranked[0]
    if conf < UNKNOWN_BELOW:
        return LanguageGuess(L.UNKNOWN, conf, "content", tuple(ranked))
    return LanguageGuess(best, min(conf, 0.99), "content", tuple(ranked))


def _hard_markers(stripped: str, text: str) -> LanguageGuess | None:
    m = _SHEBANG.match(stripped)
    if m:
        interp = re.sub(r"[\d.]+$", "", m.group(1).lower()) or m.group(1).lower()
        lang = _SHEBANG_LANG.get(m.group(1).lower()) or _SHEBANG_LANG.get(interp)
        if lang:
            return LanguageGuess(lang, 0.98, "shebang")
    if stripped.startswith("<?php"):
        return LanguageGuess("php", 0.99, "marker")
    if stripped[:1] in "{[" and len(text) < 20_000_000:
        try:
            json.loads(text)
            return LanguageGuess("json", 0.99, "marker")
        except ValueError:
            lines = [ln for ln in text.splitlines() if ln.strip()][:200]
            if len(lines) > 1 and all(_is_json(ln) for ln in lines):
                return LanguageGuess("json", 0.97, "marker")  # JSON Lines
    if stripped[:15].lower().startswith("<!doctype html") or stripped[:6].lower() == "<html>":
        return LanguageGuess("html", 0.98, "marker")
    if stripped.startswith("<?xml") and not re.search(r"<html\b", stripped[:4000], re.IGNORECASE):
        return LanguageGuess("xml", 0.98, "marker")
    return None


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
        return line.lstrip()[:1] in "{["
    except ValueError:
        return False


def heuristic_scores(sample: str) -> dict[str, float]:
    """Score every language by its grammar signals (see :mod:`signals`)."""
    code_view = sample
    if "```" in sample or "~~~" in sample:
        code_view = strip_fenced(sample)  # a README's examples should not make it Python
    if _HTML_DOC.search(sample):
        code_view = strip_script_style(code_view)  # a page's script is not the page
    lines = [ln for ln in code_view.splitlines() if ln.strip()]
    n_lines = max(1, len(lines))
    scores: dict[str, float] = {}
    for lang, patterns in compiled().items():
        view = sample if lang in {"markdown", "html"} else code_view
        total = 0.0
        hits_lines = 0
        for rx, weight in patterns:
            count = len(rx.findall(view))
            if count:
                total += weight * min(4.0, 1.0 + math.log(count))
                hits_lines += count
        if lang in LINE_LANGUAGES and total:
            # data formats: reward the share of lines that fit, not just the hits
            total *= 0.5 + min(1.0, hits_lines / n_lines)
        if total:
            scores[lang] = total
    for sup, (sub, share) in SUPERSETS.items():
        if sub in scores and sup in scores:
            scores[sup] += share * scores[sub]
    prose = _prose_score(lines)
    if prose:
        scores["text"] = prose
    return scores


def strip_fenced(text: str) -> str:
    """Drop fenced code blocks (line scan: a regex with a back-reference backtracked for minutes)."""
    out: list[str] = []
    block: list[str] = []
    fence: str | None = None
    for line in text.splitlines():
        t = line.strip()
        if fence is None and _FENCE_OPEN.match(t):
            fence = t[:3]
            block = [line]
        elif fence is not None:
            block.append(line)
            if t.startswith(fence) and t.strip(fence[0]) == "":
                fence, block = None, []
        else:
            out.append(line)
    out.extend(block)  # an unclosed "fence" was not one (e.g. a ~~~~ underline)
    return "\n".join(out)


def strip_script_style(text: str) -> str:
    """Drop <script>/<style> bodies with str.find (linear; an unclosed tag drops the rest)."""
    out: list[str] = []
    pos = 0
    low = text.lower()
    while True:
        m = _SCRIPT_OPEN.search(text, pos)
        if not m:
            out.append(text[pos:])
            break
        out.append(text[pos:m.start()])
        end = low.find("</" + m.group(1).lower(), m.end())
        if end < 0:
            break
        close = low.find(">", end)
        pos = len(text) if close < 0 else close + 1
    return "".join(out)


def _prose_score(lines: list[str]) -> float:
    """Plain text: lines of words without code punctuation."""
    if not lines:
        return 0.0
    prose = sum(1 for ln in lines if _PROSE_LINE.match(ln) and len(_WORD.findall(ln)) >= 4)
    share = prose / len(lines)
    if share < 0.3:
        return 0.0
    return 12.0 * share * min(1.0, 0.4 + len(lines) / 20)


def _to_distribution(scores: dict[str, float]) -> dict[str, float]:
    """Scores -> probabilities that stay sharp when one language clearly leads."""
    if not scores:
        return {}
    top = max(scores.values())
    weights = {lang: (s / top) ** 6 for lang, s in scores.items() if s > 0.25 * top}
    z = sum(weights.values())
    return {lang: w / z for lang, w in weights.items()}
