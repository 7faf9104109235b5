"""The preview page's code view and Run check (issue 11 items 3, 5 and the large-workflow bad input).

* a 2 MB generated Python file: the page's code view (cut at ``panels.MAX_LINES`` rows, a download
  offered) against the baseline of highlighting the whole file as the page did before (pygments,
  inline styles and inline line numbers): time to build and bytes sent to the browser;
* a small demo-sized file: the code view against the same baseline (nothing is cut there);
* deciding whether Run is offered (``runner.readiness``: reads the file, asks the sandbox's Python
  once per module set) against actually running the file in the sandbox.

Run: ``python benchmarks/run.py preview_pages`` (``--quick`` for fewer repeats).
"""

from __future__ import annotations

import shutil
import statistics
import time

from pygments import highlight
from pygments.formatters import HtmlFormatter

from qldrops.analysis.security import redact
from qldrops.dashboards import panels
from qldrops.runner import readiness as ready
from qldrops.runner.api import run_files


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _before(text: str) -> str:
    """The page's code view before issue 11: the whole file masked, inline styles, inline line numbers."""
    formatter = HtmlFormatter(noclasses=True, nobackground=True, linenos="inline", style="friendly")
    return highlight(redact(text), panels.lexer_for("python", "x.py"), formatter)


def main(quick: bool = False) -> dict:
    repeats = 3 if quick else 7
    out: dict = {}
    big = "".join(f"ROW_{i} = {{'id': {i}, 'name': 'row {i}'}}  # generated\n" for i in range(45_000))
    small = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(60))
    for name, text in (("2mb_file", big), ("small_file", small)):
        before_s = _best(lambda: _before(text), max(1, repeats // 2 if name == "2mb_file" else repeats))
        after_s = _best(lambda: panels.code_html(text, "python", "x.py"), repeats)
        out[name] = {
            "chars": len(text),
            "before_ms": round(before_s * 1000, 1), "after_ms": round(after_s * 1000, 1),
            "time_ratio_after_over_before": round(after_s / before_s, 3),
            "before_bytes": len(_before(text)), "after_bytes": len(panels.code_html(text, "python", "x.py")),
        }
        out[name]["bytes_ratio_after_over_before"] = round(out[name]["after_bytes"] / out[name]["before_bytes"], 3)
        print(name, out[name], flush=True)
    program = "import json, re\nprint(json.dumps(re.findall('a', 'banana')))\n"
    ready.missing_python_modules.cache_clear()
    cold = _best(lambda: ready.readiness("main.py", "import yaml\n" + program, ["main.py"]), 1)
    warm = _best(lambda: ready.readiness("main.py", "import yaml\n" + program, ["main.py"]), repeats)
    if shutil.which("bwrap"):
        run = _best(lambda: run_files({"main.py": program}, "main.py"), repeats)
        out["run_check"] = {"readiness_cold_ms": round(cold * 1000, 2), "readiness_warm_ms": round(warm * 1000, 3),
                            "sandbox_run_ms": round(run * 1000, 1),
                            "cold_ratio_over_run": round(cold / run, 3), "warm_ratio_over_run": round(warm / run, 4)}
        print("run_check", out["run_check"], flush=True)
    return out


if __name__ == "__main__":
    main()
