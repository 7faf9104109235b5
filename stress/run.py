"""``make stress``: run the batteries, print one line each, exit 1 if any lost anything.

    python -m stress.run [--mode short|full] [--seconds N] [--only NAME,...]

``QLDROPS_STRESS`` (short/full) and ``STRESS_SECONDS`` give the defaults.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from .common import Config, Result

BATTERIES = ("writer_kill", "index_kill", "disk_full", "concurrent", "sandbox", "server", "html", "download")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make stress")
    parser.add_argument("--mode", choices=("short", "full"), default=os.environ.get("QLDROPS_STRESS", "short"))
    parser.add_argument("--seconds", type=float, default=None, help="time budget of each battery's loop")
    parser.add_argument("--only", default="", help="comma-separated battery names")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("-v", "--verbose", action="store_true", help="print each battery's notes")
    args = parser.parse_args(argv)
    default_s = 20.0 if args.mode == "short" else 120.0
    seconds = args.seconds or float(os.environ.get("STRESS_SECONDS") or default_s)
    names = [n for n in (args.only.split(",") if args.only else BATTERIES) if n]
    print(f"stress: mode {args.mode}, {seconds:g} s per battery, seed {args.seed}, "
          f"{platform.node()} {os.cpu_count()} cores, python {platform.python_version()}", flush=True)
    started = time.monotonic()
    lost = 0
    with tempfile.TemporaryDirectory(prefix="qldrops-stress-") as tmp:
        for name in names:
            cfg = Config(mode=args.mode, seconds=seconds, seed=args.seed, workdir=Path(tmp) / name)
            cfg.workdir.mkdir(parents=True)
            t0 = time.monotonic()
            try:
                module = importlib.import_module(f"stress.battery_{name}")
                run: Callable[[Config], list[Result]] = module.run
                results = run(cfg)
            except Exception:
                traceback.print_exc()
                results = [Result(name, tried=1, lost=1, notes=["LOST: the battery itself crashed"])]
            for r in results:
                print(f"{r.line()}  ({time.monotonic() - t0:.0f} s)", flush=True)
                lost += r.lost
                for note in r.notes:
                    if args.verbose or note.startswith("LOST") or note.startswith("observed"):
                        print(f"    {note}", flush=True)
    print(f"stress: {'LOST DATA OR A GUARD' if lost else 'nothing lost'} in {time.monotonic() - started:.0f} s",
          flush=True)
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
