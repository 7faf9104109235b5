"""Start-up costs a user pays before any work: `import qldrops`, `qldrops --help`, `qldrops.connect()`.

Each is timed in a fresh interpreter (median of N runs, wall clock) and printed as a ratio
against the baseline measured in the same run: a bare `python -c pass` (the interpreter's own
start-up). `QLDROPS_BENCH_ROOT=/path/to/other/checkout` measures another checkout of qldrops
(for example the commit before a change) with the same interpreter and baseline.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(os.environ.get("QLDROPS_BENCH_ROOT") or Path(__file__).resolve().parent.parent)

PROBES = {
    "baseline: python -c pass": "pass",
    "import qldrops": "import qldrops",
    "qldrops --help": "import sys; from qldrops.cli import main; sys.argv = ['qldrops', '--help']; main(['--help'])",
    "connect() to an existing SQLite file": "import qldrops, sys; qldrops.connect(sys.argv[1]).close()",
}


def _time(code: str, args: list[str], runs: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, *args], check=True, env=env, cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(quick: bool = False) -> dict:
    runs = 7 if quick else 21
    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite:///{d}/startup.db"
        _time("import qldrops, sys; qldrops.connect(sys.argv[1]).close()", [url], 1)  # create and migrate once
        figures = {name: _time(code, [url], runs) for name, code in PROBES.items()}
    base = figures["baseline: python -c pass"]
    out = {"root": str(ROOT), "runs": runs, "figures": []}
    for name, seconds in figures.items():
        row = {"what": name, "median_ms": round(seconds * 1000, 1), "ratio_vs_bare_python": round(seconds / base, 2),
               "added_ms": round((seconds - base) * 1000, 1)}
        out["figures"].append(row)
        print(f"{name:40s} {row['median_ms']:7.1f} ms  {row['ratio_vs_bare_python']:5.2f}x bare python "
              f"(+{row['added_ms']} ms)")
    return out


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
