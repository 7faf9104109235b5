"""Index save kills: SIGKILL a process while it syncs and saves the index mirror.

After each kill a fresh process-like manager opens the folder with
``on_bad_file="raise"`` (a corrupt file would be an error, not a silent rebuild):
it must open, leave no temp file behind, catch up from the change log, verify,
and answer a query with the drop it was asked about.
"""

from __future__ import annotations

import time

from .common import Config, Result, connect, kill_and_drain, read_lines_until, rng, start_ready

CHILD = """
import random, sys
from pathlib import Path
from stress.common import connect
from qldrops.index.manager import IndexManager
store = connect(sys.argv[1], Path(sys.argv[2]))
mgr = IndexManager(store, folder=sys.argv[3])
mgr.open()
r = random.Random(int(sys.argv[4]))
print("ready", flush=True)
i = 0
while True:
    store.put_many([{"workflow_id": "loop", "drop_type": "code_generation",
                     "artifact": f"loop {sys.argv[4]} {i} {j} " + "word " * r.randint(1, 50)} for j in range(50)])
    mgr.sync(save=True)
    print("saved", i, flush=True)
    i += 1
"""


def run(cfg: Config) -> list[Result]:
    from qldrops.index.manager import IndexManager

    res = Result("index_kill")
    r = rng(cfg, "index")
    url = f"sqlite:///{cfg.workdir / 'i.db'}"
    folder = cfg.workdir / "idx"
    store = connect(url, cfg.workdir)
    try:
        store.put_many([{"workflow_id": "bulk", "drop_type": "code_generation",
                         "artifact": f"bulk {i} " + "z" * (i % 500)} for i in range(3000)])
        IndexManager(store, folder=folder).sync(save=True)
        deadline = time.monotonic() + cfg.seconds
        kills = 0
        while time.monotonic() < deadline and kills < cfg.cycles(5, 40):
            kills += 1
            child = start_ready(res, CHILD, url, str(cfg.workdir), str(folder), str(r.randrange(1 << 30)))
            if child is None:
                continue
            read_lines_until(child, time.monotonic() + r.uniform(0.05, 2.0))
            kill_and_drain(child)
            leftovers_before = sorted(p.name for p in folder.glob(".*.tmp"))
            mgr = IndexManager(store, folder=folder, on_bad_file="raise")
            try:
                mgr.open()
            except Exception as e:  # a corrupt generation served as the current one
                res.guard(False, f"kill {kills}: the index did not open: {e}")
                IndexManager(store, folder=folder).rebuild()
                continue
            res.guard(not list(folder.glob(".*.tmp")), f"kill {kills}: temp files left after open: {leftovers_before}")
            mgr.sync()
            res.guard(mgr.verify().ok, f"kill {kills}: the index does not match the database after sync")
            latest = store.list(workflow_id="loop", limit=1)
            if latest:
                target = latest[0]
                hits = mgr.similar(target.artifact, k=3, sync=False)
                res.guard(bool(hits) and hits[0].id == target.id,
                          f"kill {kills}: the query for drop {target.id} answered {[h.id for h in hits]}")
            if leftovers_before:
                res.note(f"kill {kills}: {len(leftovers_before)} temp file(s) of the killed save, removed on open")
    finally:
        store.close()
    return [res]
