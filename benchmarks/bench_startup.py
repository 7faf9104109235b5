"""Start-up costs a user pays before any work: `import qldrops`, `qldrops --help`, `qldrops.connect()`.

Each is timed in a fresh interpreter (median of N runs, wall clock) and printed as a ratio
against the baseline measured in the same run: a bare `python -c pass` (the interpreter's own
start-up). `--compare DIR` also measures another checkout of qldrops (for example the commit
before a change: `git worktree add /tmp/before <commit>`), interleaving the two run by run so
that a busy machine slows both alike, and prints this checkout's figures as ratios to it.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBES = {
    "baseline: python -c pass": "pass",
    "import qldrops": "import qldrops",
    "qldrops --help": "import sys; from qldrops.cli import main; sys.argv = ['qldrops', '--help']; main(['--help'])",
    "connect() to an existing SQLite file": "import qldrops, sys; qldrops.connect(sys.argv[1]).close()",
}


def _once(root: Path, code: str, args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], check=True, env={**os.environ, "PYTHONPATH": str(root)},
                   cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def measure(roots: list[Path], runs: int) -> dict[Path, dict[str, float]]:
    """Median seconds per probe and root; the roots take turns within every repetition."""
    samples: dict[Path, dict[str, list[float]]] = {r: {name: [] for name in PROBES} for r in roots}
    with tempfile.TemporaryDirectory() as d:
        urls = {r: f"sqlite:///{d}/startup-{i}.db" for i, r in enumerate(roots)}
        for r in roots:  # create and migrate once, outside the timing
            _once(r, "import qldrops, sys; qldrops.connect(sys.argv[1]).close()", [urls[r]])
        for _ in range(runs):
            for name, code in PROBES.items():
                for r in roots:
                    samples[r][name].append(_once(r, code, [urls[r]]))
    return {r: {name: statistics.median(v) for name, v in per.items()} for r, per in samples.items()}


def main(quick: bool = False, compare: str | None = None) -> dict:
    runs = 7 if quick else 21
    roots = [ROOT] + ([Path(compare).resolve()] if compare else [])
    figures = measure(roots, runs)
    out: dict = {"runs": runs, "roots": [str(r) for r in roots], "figures": []}
    for name in PROBES:
        mine = figures[ROOT][name]
        base = figures[ROOT]["baseline: python -c pass"]
        row = {"what": name, "median_ms": round(mine * 1000, 1), "ratio_vs_bare_python": round(mine / base, 2)}
        line = f"{name:40s} {row['median_ms']:7.1f} ms  {row['ratio_vs_bare_python']:5.2f}x bare python"
        if compare:
            other = figures[roots[1]][name]
            row["other_median_ms"] = round(other * 1000, 1)
            row["ratio_vs_other"] = round(mine / other, 2)
            line += f"   other checkout {row['other_median_ms']:7.1f} ms   this/other {row['ratio_vs_other']:.2f}x"
        out["figures"].append(row)
        print(line, flush=True)
    return out


if __name__ == "__main__":
    compare = sys.argv[sys.argv.index("--compare") + 1] if "--compare" in sys.argv else None
    main(quick="--quick" in sys.argv, compare=compare)
