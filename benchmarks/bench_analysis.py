"""Code intelligence: language accuracy, per-file analysis latency, batch throughput.

    .venv/bin/python benchmarks/bench_analysis.py [--quick] [--language-only] [--linters]

The language corpus is fetched by `make corpus`; without it the language figures are
skipped with a message (and a standalone run exits 1).

Figures, each against a baseline measured in the same run:

* language accuracy on benchmarks/corpus (other projects' files fetched by `make corpus`
  from the pinned recipe benchmarks/corpus.tsv, plus a few written by hand; the corpus's
  MANIFEST.tsv names each source), per language, with file names,
  without (content only), and on 15-line excerpts without names; baselines: magika alone
  and pygments' guess_lexer;
* per-file `analyze()` p50/p99 on the demo corpus (all drops) and on the code files of
  the language corpus; baseline: the slowest single analyser alone on the same files;
* batch throughput (files/s, 2 worker processes) as a ratio to the slowest single
  analyser alone, in one process;
* per language (demo code drops and up to 10 corpus files per language, each analysed
  ``REPS`` times): `analyze()` p50/p99 against the language's analysers run directly on the
  same file (shellcheck on stdin, cppcheck on a temp file, gofmt + go vet in a temp module,
  sqlfluff's Python linter warm, the Dockerfile rules, ruff + bandit warm for Python,
  semgrep's engine with our rule file for JS/TS, Java, Kotlin, C#, Ruby, PHP, Rust, Swift),
  and for languages without any against the line rules alone;
* semgrep per file: the `semgrep` command, its engine alone, and one engine process for all
  the files (``--linters`` runs these two parts only).
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from qldrops.analysis import py_security, semgrep  # noqa: E402  (after the path: a checkout, not an install)

CORPUS = HERE / "corpus"
NOT_BUILT = "the language corpus is not built: run `make corpus`"


def corpus_built() -> bool:
    return (CORPUS / "MANIFEST.tsv").is_file()


def _corpus(limit_per_lang: int | None = None) -> list[tuple[str, str, str]]:
    rows = []
    per: dict[str, int] = defaultdict(int)
    for line in (CORPUS / "MANIFEST.tsv").read_text().splitlines()[1:]:
        path, lang, name, _src = line.split("\t")
        if limit_per_lang and per[lang] >= limit_per_lang:
            continue
        per[lang] += 1
        rows.append((lang, name, (CORPUS / path).read_text(encoding="utf-8", errors="replace")))
    return rows


def _excerpt(text: str, rng: random.Random, n: int = 15) -> str:
    lines = text.splitlines()
    if len(lines) <= n:
        return text
    i = rng.randrange(0, len(lines) - n)
    return "\n".join(lines[i:i + n])


_PYGMENTS = {"python": "python", "python 3": "python", "javascript": "javascript", "typescript": "typescript",
             "java": "java", "go": "go", "rust": "rust", "c": "c", "c++": "cpp", "c#": "csharp", "ruby": "ruby",
             "php": "php", "kotlin": "kotlin", "swift": "swift", "scala": "scala", "bash": "shell", "sql": "sql",
             "html": "html", "css": "css", "yaml": "yaml", "json": "json", "markdown": "markdown",
             "docker": "dockerfile", "toml": "toml", "makefile": "makefile", "text only": "text"}


def language_accuracy(quick: bool) -> dict:
    from pygments.lexers import guess_lexer
    from pygments.util import ClassNotFound

    from qldrops.analysis import magika_signal
    from qldrops.analysis.detect import detect_language

    rows = _corpus(6 if quick else None)
    rng = random.Random(7)
    modes = ("with_name", "content_only", "excerpt_content_only", "magika_content_only", "magika_excerpt",
             "pygments_content_only")
    per: dict[str, dict[str, list[int]]] = defaultdict(lambda: {m: [0, 0] for m in modes})
    unknown = 0
    for lang, name, text in rows:
        ex = _excerpt(text, rng)
        m_full = magika_signal.probabilities(text[:48_000].encode())
        m_ex = magika_signal.probabilities(ex.encode())
        try:
            pg = _PYGMENTS.get(guess_lexer(text[:20_000]).name.lower(), "other")
        except ClassNotFound:
            pg = "unknown"
        got = {
            "with_name": detect_language(text, name).language,
            "content_only": detect_language(text).language,
            "excerpt_content_only": detect_language(ex).language,
            "magika_content_only": max(m_full, key=m_full.get) if m_full else "unknown",
            "magika_excerpt": max(m_ex, key=m_ex.get) if m_ex else "unknown",
            "pygments_content_only": pg,
        }
        unknown += got["content_only"] == "unknown"
        for m in modes:
            per[lang][m][0] += got[m] == lang
            per[lang][m][1] += 1
    table = {lang: {m: round(ok / n, 3) for m, (ok, n) in v.items()} for lang, v in sorted(per.items())}
    overall = {m: round(sum(v[m][0] for v in per.values()) / sum(v[m][1] for v in per.values()), 3) for m in modes}
    macro = {m: round(statistics.mean(t[m] for t in table.values()), 3) for m in modes}
    return {"files": len(rows), "languages": len(table), "per_language": table, "overall": overall,
            "macro": macro, "unknown_share_content_only": round(unknown / len(rows), 3),
            "content_only_vs_magika": round(overall["content_only"] / overall["magika_content_only"], 3),
            "excerpt_vs_magika": round(overall["excerpt_content_only"] / max(overall["magika_excerpt"], 1e-9), 3),
            "content_only_vs_pygments": round(overall["content_only"] / max(overall["pygments_content_only"], 1e-9), 2)}


def _inputs(quick: bool) -> list[tuple[str, str, str | None, str | None]]:
    from qldrops import demo

    items = []
    for i, r in enumerate(demo.records()):
        if r.get("artifact") and r.get("drop_type"):
            md = r.get("metadata") or {}
            items.append((f"demo{i}", r["artifact"], md.get("filename"), md.get("language")))
    return items[:60] if quick else items


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(q * len(xs)))], 2)


def latency_and_throughput(quick: bool) -> dict:
    from qldrops.analysis.core import BUILTIN, analyze, batch_precompute
    from qldrops.analysis.pool import AnalysisPool

    demo_items = _inputs(quick)
    code_items = ([(f"c{i}", text, name, None) for i, (lang, name, text) in enumerate(_corpus(3 if quick else 8))]
                  if corpus_built() else [])
    analyze("def warm(x):\n    return x\n", "warm.py")  # load magika, lizard, radon, ruff once
    out: dict = {}
    for label, items in (("demo", demo_items), ("corpus", code_items)):
        if not items:
            continue
        lat = []
        per_analyser: dict[str, float] = defaultdict(float)
        for _k, text, name, lang in items:
            t0 = time.perf_counter()
            a = analyze(text, name, language=lang)
            lat.append((time.perf_counter() - t0) * 1000)
            for an, ms in a.timings.items():
                if an != "total":
                    per_analyser[an] += ms
        slowest = max(per_analyser, key=per_analyser.get)
        out[label] = {"files": len(items), "p50_ms": _pct(lat, 0.5), "p99_ms": _pct(lat, 0.99),
                      "max_ms": round(max(lat), 1), "mean_ms": round(statistics.mean(lat), 2),
                      "per_analyser_total_ms": {k: round(v, 1) for k, v in sorted(per_analyser.items())},
                      "slowest_analyser": slowest}
    # Baseline: the slowest analyser alone, one process, over the demo files.
    slow_name = out["demo"]["slowest_analyser"]
    slow = next(a for a in BUILTIN if a.name == slow_name)
    from qldrops.analysis.detect import detect_language

    langs = [detect_language(text, name, lang).language for _k, text, name, lang in demo_items]
    t0 = time.perf_counter()
    for (_k, text, _n, _l), lang in zip(demo_items, langs):
        if slow.applies(lang):
            try:
                slow.fn(text, lang)
            except Exception:
                pass
    slow_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with AnalysisPool(2) as pool:
        list(pool.run([("w1", "x = 1\n", "w.py", None, "code"), ("w2", "y = 2\n", "w.py", None, "code")]))
        start_s = time.perf_counter() - t0  # start + warm up
        t0 = time.perf_counter()
        jobs = [(*item, "code") for item in demo_items]
        n = sum(1 for _ in pool.run(jobs, batch_precompute(jobs)))  # semgrep: one process for the batch
        batch_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _k, text, name, lang in demo_items:
        analyze(text, name, language=lang)
    serial_s = time.perf_counter() - t0
    out["batch"] = {"files": n, "batch_files_per_s": round(n / batch_s, 1),
                    "serial_full_files_per_s": round(n / serial_s, 1),
                    "slowest_analyser_alone_files_per_s": round(n / slow_s, 1), "slowest_analyser": slow_name,
                    "batch_vs_slowest_analyser": round(slow_s / batch_s, 3),
                    "batch_vs_serial": round(serial_s / batch_s, 3),
                    "worker_start_s": round(start_s, 2),
                    "note": "batch time excludes starting the 2 worker processes (worker_start_s, paid once)"}
    return out


REPS = 5
BINARIES = {"shell": ("shellcheck",), "c": ("cppcheck",), "cpp": ("cppcheck",), "go": ("gofmt", "go")}
LINTER_LANGS = ("shell", "c", "cpp", "go", "sql", "dockerfile", "java", "kotlin", "csharp", "ruby", "swift", "rust",
                "typescript", "javascript", "php", "python")


def _direct(lang: str, text: str) -> None:
    """The language's analyser run the way one would by hand: the bare binary (or library call)."""
    from qldrops.analysis import dockerfile, linters
    from qldrops.analysis.quality import RUFF_SELECT, ruff_binary
    from qldrops.analysis.security import pattern_findings

    if lang == "shell":
        subprocess.run(["shellcheck", "-f", "json", "--shell=bash", "-"], input=text, capture_output=True, text=True)
    elif lang in ("c", "cpp"):
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / ("a.cpp" if lang == "cpp" else "a.c")
            src.write_text(text)
            subprocess.run(["cppcheck", f"--enable={linters.CPPCHECK_ENABLE}", "-q", str(src)], capture_output=True)
    elif lang == "go":
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "a.go").write_text(text)
            (Path(tmp) / "go.mod").write_text("module snippet\n\ngo 1.18\n")
            subprocess.run(["gofmt", "-l", "a.go"], cwd=tmp, capture_output=True)
            subprocess.run(["go", "vet", "."], cwd=tmp, capture_output=True, env={**os.environ, "GOPROXY": "off"})
    elif lang == "sql":
        linters.sqlfluff_lint(text)  # warm, in-process: the CLI would add ~1.7 s of imports per call
    elif lang == "dockerfile":
        dockerfile.check(text)
    elif lang == "python":
        subprocess.run([ruff_binary() or "ruff", "check", "--no-cache", "--isolated", "--select", RUFF_SELECT,
                        "--output-format", "json", "-"], input=text, capture_output=True, text=True)
        py_security.bandit_findings(text)  # in-process, warm (its CLI pays ~1 s of imports per call)
    elif lang in semgrep.LANGUAGES:
        _semgrep_core_by_hand(text, lang)
    else:
        pattern_findings(text, lang)


def _semgrep_core_by_hand(text: str, lang: str) -> None:
    """semgrep's engine on one file with our rule file, as one would run it by hand."""
    analyzer, rules, ext = semgrep.LANGUAGES[lang]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / ("a" + ext)
        src.write_text(text)
        subprocess.run([semgrep.core_binary() or "semgrep-core", "-json", "-j", "1", "-rules",
                        str(semgrep.RULES_DIR / rules), "-lang", analyzer, str(src)], capture_output=True, cwd=tmp)


def semgrep_cost(quick: bool) -> dict:
    """Why we call semgrep's engine and batch it: per file, the `semgrep` command, the engine alone, and
    one engine process for all the files (per file), on the demo and corpus files semgrep reads."""
    from qldrops.analysis.detect import detect_language

    files = [(text, found) for _k, text, name, lang in _inputs(False) + _corpus_inputs(quick)
             if (found := detect_language(text, name, lang, use_magika=False).language) in semgrep.LANGUAGES]
    files = [f for f in files if max((len(ln) for ln in f[0].splitlines()), default=0) <= 2000 and len(f[0]) < 2e6]
    here = Path(sys.executable).parent / "semgrep"
    cli = str(here) if here.exists() else shutil.which("semgrep")
    few = files[: 3 if quick else 5]
    cli_ms = []
    if cli:
        for text, lang in few:
            analyzer, rules, ext = semgrep.LANGUAGES[lang]
            with tempfile.TemporaryDirectory() as tmp:
                src = Path(tmp) / ("a" + ext)
                src.write_text(text)
                t0 = time.perf_counter()
                subprocess.run([cli, "scan", "--config", str(semgrep.RULES_DIR / rules), "--json", "--metrics=off",
                                "--disable-version-check", "--quiet", str(src)], capture_output=True, cwd=tmp)
                cli_ms.append((time.perf_counter() - t0) * 1000)
    core_ms = []
    cpu0 = _children_cpu()
    for text, lang in files:
        t0 = time.perf_counter()
        _semgrep_core_by_hand(text, lang)
        core_ms.append((time.perf_counter() - t0) * 1000)
    cpu_per_file = (_children_cpu() - cpu0) * 1000 / max(1, len(files))
    t0 = time.perf_counter()
    semgrep.scan_many(files)
    batch_ms = (time.perf_counter() - t0) * 1000
    per_file_batch = batch_ms / max(1, len(files))
    return {"files": len(files), "semgrep_command_p50_ms": _pct(cli_ms, 0.5) if cli_ms else None,
            "engine_per_file_p50_ms": _pct(core_ms, 0.5), "engine_per_file_p99_ms": _pct(core_ms, 0.99),
            "engine_cpu_per_file_ms": round(cpu_per_file, 1), "one_batch_process_ms": round(batch_ms, 1), "batch_per_file_ms": round(per_file_batch, 2),
            "command_vs_engine": round(_pct(cli_ms, 0.5) / max(_pct(core_ms, 0.5), 1e-3), 1) if cli_ms else None,
            "engine_per_file_vs_batch": round(_pct(core_ms, 0.5) / max(per_file_batch, 1e-3), 1)}


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _corpus_inputs(quick: bool) -> list[tuple[str, str, str | None, str | None]]:
    """The language corpus's files (`make corpus`) as analysis inputs, with their names; [] if not built."""
    if not corpus_built():
        return []
    return [(f"c{i}", text, name, None) for i, (_lang, name, text) in enumerate(_corpus(3 if quick else 10))]


def linters_vs_binaries(quick: bool) -> dict:
    """Per language: analyze() p50/p99 and the bare analysers' p50 on the same files (the demo drops and,
    when built, up to 10 files per language of the corpus), and their ratio."""
    from qldrops.analysis.core import analyze
    from qldrops.analysis.detect import detect_language

    by_lang: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for _k, text, name, lang in _inputs(False) + _corpus_inputs(quick):
        found = detect_language(text, name, lang, use_magika=False).language
        if found in LINTER_LANGS:
            by_lang[found].append((text, name))
    reps = 2 if quick else REPS
    out: dict = {}
    for lang in LINTER_LANGS:
        files = by_lang.get(lang, [])
        missing = [b for b in BINARIES.get(lang, ()) if not shutil.which(b)]
        if not files or missing:
            if missing:
                print(f"{lang}: skipped, {', '.join(missing)} not installed here (scripts/system-deps.sh)")
            continue
        for text, name in files:  # warm: caches (go build, sqlfluff import, magika) are not what we measure
            analyze(text, name)
            _direct(lang, text)
        full, bare = [], []
        measured_by = None
        for _ in range(reps):
            for text, name in files:
                t0 = time.perf_counter()
                a = analyze(text, name)
                full.append((time.perf_counter() - t0) * 1000)
                measured_by = a.quality_parts.get("lint", {}).get("measured_by") or measured_by
                t0 = time.perf_counter()
                _direct(lang, text)
                bare.append((time.perf_counter() - t0) * 1000)
        out[lang] = {"files": len(files), "runs": len(full), "lint_by": measured_by or "none (line rules only)",
                     "analyze_p50_ms": _pct(full, 0.5), "analyze_p99_ms": _pct(full, 0.99), "bare_p50_ms": _pct(bare, 0.5),
                     "ratio": round(_pct(full, 0.5) / max(_pct(bare, 0.5), 1e-3), 2)}
    out["semgrep"] = semgrep_cost(quick)
    return out


def _print_linters(table: dict) -> None:
    print(f"{'language':11s} {'files':>5s} {'lint by':24s} {'analyze p50':>12s} {'p99':>9s} {'bare p50':>9s} {'ratio':>7s}")
    for lang, r in table.items():
        if lang == "semgrep":
            print("semgrep per file: command {semgrep_command_p50_ms} ms, engine {engine_per_file_p50_ms} ms "
                  "(p99 {engine_per_file_p99_ms}, CPU {engine_cpu_per_file_ms} ms), one process for all {files} files {one_batch_process_ms} ms "
                  "= {batch_per_file_ms} ms a file; command/engine {command_vs_engine}x, "
                  "engine per file/batch {engine_per_file_vs_batch}x".format(**r))
            continue
        print(f"{lang:11s} {r['files']:5d} {r['lint_by'][:24]:24s} {r['analyze_p50_ms']:10.1f}ms "
              f"{r['analyze_p99_ms']:7.1f}ms {r['bare_p50_ms']:7.1f}ms {r['ratio']:6.2f}x")


def main(quick: bool = False, language_only: bool = False, linters_only: bool = False) -> dict:
    if linters_only:
        res = {"language": {"skipped": "--linters"}, "linters": linters_vs_binaries(quick)}
        _print_linters(res["linters"])
        return res
    if not corpus_built() and language_only:
        print(f"*** {NOT_BUILT} (benchmarks/corpus/ is missing) ***", flush=True)
        return {"language": {"skipped": NOT_BUILT}}
    if not corpus_built():
        # The demo-corpus figures need nothing fetched; the language figures are skipped.
        print(f"*** {NOT_BUILT} (benchmarks/corpus/ is missing); language figures skipped ***", flush=True)
        res = {"language": {"skipped": NOT_BUILT}, "analysis": latency_and_throughput(quick),
               "linters": linters_vs_binaries(quick)}
        _print_analysis(res)
        _print_linters(res["linters"])
        print(f"*** {NOT_BUILT} ***")
        return res
    res = {"language": language_accuracy(quick)}
    if not language_only:
        res["analysis"] = latency_and_throughput(quick)
        res["linters"] = linters_vs_binaries(quick)
    lang = res["language"]
    print(f"language detection on {lang['files']} files, {lang['languages']} languages")
    print(f"{'language':12s} " + " ".join(f"{m[:14]:>14s}" for m in lang["overall"]))
    for name, row in lang["per_language"].items():
        print(f"{name:12s} " + " ".join(f"{v:14.2f}" for v in row.values()))
    print(f"{'OVERALL':12s} " + " ".join(f"{v:14.3f}" for v in lang["overall"].values()))
    print(f"content-only vs magika: x{lang['content_only_vs_magika']}, excerpts vs magika: x{lang['excerpt_vs_magika']}, "
          f"vs pygments: x{lang['content_only_vs_pygments']}")
    print(f"answered unknown (content only): {lang['unknown_share_content_only']}; "
          f"macro averages: {lang['macro']}")
    if not language_only:
        _print_analysis(res)
        _print_linters(res["linters"])
    return res


def _print_analysis(res: dict) -> None:
    for label in ("demo", "corpus"):
        if label not in res["analysis"]:
            continue
        a = res["analysis"][label]
        print(f"analyze() on {label} ({a['files']} files): p50 {a['p50_ms']} ms, p99 {a['p99_ms']} ms, "
              f"slowest analyser {a['slowest_analyser']}; per analyser total ms {a['per_analyser_total_ms']}")
    b = res["analysis"]["batch"]
    print(f"batch: {b['batch_files_per_s']} files/s on 2 processes; slowest analyser alone "
          f"{b['slowest_analyser_alone_files_per_s']} files/s -> ratio {b['batch_vs_slowest_analyser']}; "
          f"vs full analysis serial x{b['batch_vs_serial']}")


if __name__ == "__main__":
    out = main(quick="--quick" in sys.argv, language_only="--language-only" in sys.argv,
               linters_only="--linters" in sys.argv)
    sys.exit(1 if "skipped" in out["language"] and "--linters" not in sys.argv else 0)
