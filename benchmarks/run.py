"""Run every benchmark: `make bench` (or `.venv/bin/python benchmarks/run.py [--quick] [names...]`).

Each `benchmarks/bench_<name>.py` exposes `main(quick: bool) -> dict`; every figure it
prints is a ratio against a baseline measured in the same run. Results go to
`benchmarks/results/<name>.json`; copy the figures you trust into benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()}
    try:
        mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
        info["memory_gib"] = round(int(mem) / 1024 / 1024, 1)
        info["load_avg"] = os.getloadavg()
    except (OSError, IndexError, ValueError):
        pass
    return info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(HERE.parent))
    files = sorted(HERE.glob("bench_*.py"))
    if args.names:
        files = [f for f in files if f.stem.removeprefix("bench_") in args.names]
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    failed = []
    for f in files:
        name = f.stem.removeprefix("bench_")
        print(f"\n=== {name} ===", flush=True)
        spec = importlib.util.spec_from_file_location(f.stem, f)
        mod = importlib.util.module_from_spec(spec)
        t0 = time.perf_counter()
        try:
            spec.loader.exec_module(mod)
            result = mod.main(quick=args.quick)
        except Exception as e:  # noqa: BLE001 - one broken benchmark must not hide the others
            print(f"FAILED: {type(e).__name__}: {e}", flush=True)
            failed.append(name)
            continue
        record = {"benchmark": name, "quick": args.quick, "seconds": round(time.perf_counter() - t0, 1),
                  "machine": machine(), "result": result}
        (out_dir / f"{name}.json").write_text(json.dumps(record, indent=2, default=str))
    print(f"\nmachine: {machine()}")
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
