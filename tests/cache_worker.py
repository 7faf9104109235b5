"""A qldrops process for tests/test_cache.py: reads and writes through its own store, on command.

Run as ``python tests/cache_worker.py <database url> <data dir> [<redis url>]``. One JSON
command per line on stdin, one JSON answer per line on stdout:

* ``{"do": "project", "workflow": W}`` -> ``{"files": {path: text}, "cache": stats}``
* ``{"do": "similar", "drop": ID}`` -> ``{"ids": [...], "cache": stats}``
* ``{"do": "put", "workflow": W, "path": P, "text": T}`` -> ``{"id": ID}``
* ``{"do": "update", "drop": ID, "path": P, "text": T}`` -> ``{"version": V}``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qldrops  # noqa: E402
from qldrops.settings import Settings  # noqa: E402


def main() -> None:
    url, folder = sys.argv[1], sys.argv[2]
    redis_url = sys.argv[3] if len(sys.argv) > 3 else ""
    settings = Settings(data_dir=folder, index_dir=f"{folder}/index", embedding_model="fake", progress=False,
                        redis_url=redis_url, cache_secret=f"shared by the test's processes of {url}")  # one run's keys only
    store = qldrops.connect(url, settings=settings, migrate_schema=False)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["do"] == "project":
            p = store.project(cmd["workflow"])
            answer: dict = {"files": {path: f.text for path, f in p.files.items()}}
        elif cmd["do"] == "similar":
            answer = {"ids": store.similar(int(cmd["drop"]), k=5).ids}
        elif cmd["do"] == "put":
            d = store.put(workflow_id=cmd["workflow"], drop_type="code_generation",
                          artifact=f"# File: {cmd['path']}\n{cmd['text']}")
            answer = {"id": d.id}
        elif cmd["do"] == "update":
            d = store.update(int(cmd["drop"]), artifact=f"# File: {cmd['path']}\n{cmd['text']}")
            answer = {"version": d.version}
        else:
            answer = {"error": f"unknown command {cmd['do']!r}"}
        answer["cache"] = store.cache.stats()
        print(json.dumps(answer), flush=True)
    store.close()


if __name__ == "__main__":
    main()
