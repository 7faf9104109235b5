#!/usr/bin/env python3
"""Write the demo plan to data/demo.jsonl: one JSON object per line, one line per record.

    .venv/bin/python data/generate_demo.py            # seed 0 -> data/demo.jsonl
    .venv/bin/python data/generate_demo.py --check    # exit 1 if the file is stale

The file is committed so the corpus can be read without running Python; the
source of truth is ``qldrops.demo.records()`` (tests check that the two agree).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing


def render(seed: int) -> str:
    from qldrops.demo import records

    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records(seed))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "demo.jsonl")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    text = render(args.seed)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run data/generate_demo.py", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10))} records ({len(text.encode()) / 1024:.0f} KiB) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
